//! Checking a user name and password, shared by the login page and the token endpoint:
//! throttled, timing-equal for unknown users, audited either way.

use crate::app::AppState;
use crate::audit::{self, Actor, Entry, Outcome};
use crate::platform::error::AppError;

use super::{User, store, throttle};

/// The user, if the password is right and neither the account nor the client is locked out.
/// Every answer for a wrong password, an unknown user or a disabled account is the same.
pub async fn authenticate(
    state: &AppState,
    username: &str,
    password: &str,
    ip: &str,
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
    let mut tx = db.begin().await?;
    throttle::record(&mut tx, username, ip, ok_user.is_some()).await?;
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
    audit::record(
        &mut tx,
        &actor,
        Entry::new("auth.login", "account", username).outcome(outcome),
    )
    .await?;
    tx.commit().await?;
    ok_user.ok_or_else(|| {
        AppError::new(axum::http::StatusCode::UNAUTHORIZED, "login.failed").field("password")
    })
}
