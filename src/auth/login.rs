//! Checking a user name, password and (where enrolled) two-factor code, shared by the login
//! page and the token endpoint: throttled, timing-equal for unknown users, audited either way.

use crate::audit::{self, Actor, Entry, Outcome};
use crate::platform::AppState;
use crate::platform::error::AppError;

use super::{User, store, throttle, totp};

/// What the second factor says about an account whose password was right.
enum Second {
    Passed,
    /// The code of this time step, not used before: recorded as used with the sign-in.
    PassedAt(u64),
    /// Enrolled, and the code is missing or wrong.
    Failed,
    /// An admin role without two-factor login enrolled (and not a demo account).
    NotEnrolled,
}

async fn second_factor(state: &AppState, u: &User, code: Option<&str>) -> Result<Second, AppError> {
    if let Some(stored) = &u.totp_secret {
        let secret = totp::open_secret(stored);
        let step = code
            .zip(secret)
            .and_then(|(c, s)| totp::check(&s, c, totp::now_unix()));
        return Ok(match step {
            Some(s) if u.totp_last_step.is_none_or(|last| s as i64 > last) => Second::PassedAt(s),
            _ => Second::Failed,
        });
    }
    if u.totp_exempt {
        return Ok(Second::Passed);
    }
    let grants = store::active_grants(state.db.read(), u.id).await?;
    if grants.iter().any(|g| totp::REQUIRED_FOR.contains(&g.role)) {
        return Ok(Second::NotEnrolled);
    }
    Ok(Second::Passed)
}

/// What a sign-in is for.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    SignIn,
    /// Proving who one is in order to set a new password: an expired password still does.
    NewPassword,
}

/// The user, if the password is right and neither the account nor the client is locked out.
/// Every answer for a wrong password, an unknown user or a disabled account is the same. Under
/// the 等保 profile an expired password signs nobody in (403 `login.password_expired`); it
/// only serves to set a new one.
pub async fn authenticate(
    state: &AppState,
    username: &str,
    password: &str,
    code: Option<&str>,
    ip: &str,
    purpose: Purpose,
) -> Result<User, AppError> {
    let username = username.trim();
    let db = &state.db;
    if let Err(e) = throttle::check(db.read(), username, ip).await {
        let actor = Actor {
            id: None,
            name: username.to_owned(),
            role: "anonymous".into(),
            ip: ip.to_owned(),
        };
        audit::record_alone(
            db,
            &actor,
            Entry::new("auth.login", "account", username)
                .outcome(Outcome::Denied)
                .detail("locked"),
        )
        .await?;
        return Err(e);
    }
    let found = store::find_by_username(db.read(), username).await?;
    let pw = password.to_owned();
    let ok_user = tokio::task::spawn_blocking(move || match found {
        Some(u) if super::password::verify(&pw, &u.password_hash) && !u.disabled => Some(u),
        Some(_) => None,
        None => {
            super::password::verify_dummy(&pw);
            None
        }
    })
    .await
    .map_err(|e| AppError::internal(anyhow::anyhow!("password check panicked: {e}")))?;
    let second = match &ok_user {
        Some(u) => Some(second_factor(state, u, code.filter(|c| !c.trim().is_empty())).await?),
        None => None,
    };
    let expired = purpose == Purpose::SignIn
        && ok_user.as_ref().is_some_and(|u| {
            state
                .config
                .password_profile
                .expired(&u.password_changed_at, jiff::Timestamp::now())
        });
    let (mut ok_user, mut refusal) = match second {
        None => (None, "login.failed"),
        Some(Second::Passed | Second::PassedAt(_)) if expired => (None, "login.password_expired"),
        Some(Second::Passed | Second::PassedAt(_)) => (ok_user, ""),
        Some(Second::Failed) => (None, "login.totp"),
        Some(Second::NotEnrolled) => (None, "login.totp_required"),
    };
    let mut tx = db.begin().await?;
    // A code works once: the step is taken only if no sign-in took it (or a later one) first.
    if let (Some(Second::PassedAt(step)), Some(u)) = (&second, &ok_user) {
        let taken = sqlx::query(
            "UPDATE users SET totp_last_step = $1 WHERE id = $2 AND (totp_last_step IS NULL OR totp_last_step < $1)",
        )
        .bind(*step as i64)
        .bind(u.id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if taken != 1 {
            ok_user = None;
            refusal = "login.totp";
        }
    }
    // An expired but right password is no failed guess: it does not count towards a lockout.
    throttle::record(&mut tx, username, ip, ok_user.is_some() || expired).await?;
    let actor = Actor {
        id: ok_user.as_ref().map(|u| u.id),
        name: username.to_owned(),
        role: if ok_user.is_some() {
            "user"
        } else {
            "anonymous"
        }
        .into(),
        ip: ip.to_owned(),
    };
    let outcome = if ok_user.is_some() {
        Outcome::Ok
    } else {
        Outcome::Failed
    };
    let mut entry = Entry::new("auth.login", "account", username).outcome(outcome);
    if ok_user.is_none() && refusal != "login.failed" {
        entry = entry.detail(refusal);
    }
    audit::record(&mut tx, &actor, entry).await?;
    tx.commit().await?;
    ok_user.ok_or_else(|| match refusal {
        "login.totp_required" => {
            AppError::new(axum::http::StatusCode::FORBIDDEN, "login.totp_required")
        }
        "login.password_expired" => {
            AppError::new(axum::http::StatusCode::FORBIDDEN, "login.password_expired")
                .field("password")
        }
        // A right password with a missing, wrong or used code answers as a wrong password
        // does, so that the answer tells a guesser nothing (the audit entry says which).
        _ => AppError::new(axum::http::StatusCode::UNAUTHORIZED, "login.failed").field("password"),
    })
}
