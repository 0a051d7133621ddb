//! Setting a new password on the pages: an account's own change (`/account/password`), and
//! the renewal an expired password leads to at sign-in (`/login/renew`, 等保 profile). Both
//! prove who is asking with the current password (and the two-factor code where enrolled),
//! throttled and audited as a sign-in; a new password ends every other session and token.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::login::{self, Purpose};
use super::password::Profile;
use super::web::{safe_next, start_session};
use super::{CsrfForm, Ctx, store};
use crate::audit::{self, Entry};
use crate::platform::AppState;
use crate::platform::error::AppError;
use crate::platform::i18n::{Tr, tf};
use crate::platform::web::{Chrome, Query, page};

#[derive(Template)]
#[template(path = "auth/password.html")]
struct PasswordPage {
    chrome: Chrome,
    t: Tr,
    /// Renewing an expired password at sign-in (with the user name), or changing one's own.
    renew: bool,
    username: String,
    next: String,
    error: Option<String>,
    saved: bool,
    /// Which rules apply, for the hint.
    dengbao: bool,
    /// Ask for the two-factor code: the account has it on (or, renewing, it may have).
    code: bool,
}

#[derive(Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    current: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    new: String,
    #[serde(default)]
    confirm: String,
    next: Option<String>,
}

/// The form: to change one's own password, or (`renew`) to replace an expired one at sign-in,
/// which happens only under the 等保 profile. A refusal shown beside it makes it a 422.
fn form_page(
    ctx: &Ctx,
    profile: Profile,
    renew: bool,
    username: &str,
    next: &str,
    error: Option<String>,
    saved: bool,
) -> Result<Response, AppError> {
    let refused = error.is_some();
    let mut res = page(&PasswordPage {
        chrome: ctx.chrome(),
        t: ctx.t(),
        renew,
        username: username.to_owned(),
        next: next.to_owned(),
        error,
        saved,
        dengbao: renew || profile == Profile::Dengbao,
        code: renew || has_code(ctx),
    })?;
    if refused {
        *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(res)
}

fn has_code(ctx: &Ctx) -> bool {
    ctx.user.as_ref().is_some_and(|u| u.totp_secret.is_some())
}

/// The form an expired password leads to at sign-in.
pub fn renew_form(ctx: &Ctx, username: &str, next: &str) -> Result<Response, AppError> {
    let mut res = form_page(ctx, Profile::Dengbao, true, username, next, None, false)?;
    *res.status_mut() = StatusCode::FORBIDDEN;
    Ok(res)
}

/// Checks who is asking and sets the new password; the error is shown beside the form.
async fn set_new(
    state: &AppState,
    ctx: &Ctx,
    username: &str,
    f: &PasswordForm,
) -> Result<i64, AppError> {
    if f.new != f.confirm {
        return Err(AppError::invalid("confirm", "password.mismatch"));
    }
    let code = Some(f.code.as_str()).filter(|c| !c.trim().is_empty());
    let user = login::authenticate(
        state,
        username,
        &f.current,
        code,
        &ctx.ip,
        Purpose::NewPassword,
    )
    .await?;
    let mut tx = state.db.begin().await?;
    store::set_password(&mut tx, &user, &f.new, state.config.password_profile).await?;
    audit::record(
        &mut tx,
        &audit::Actor::account(&user, &ctx.ip),
        Entry::new("account.password", "account", &user.username).detail("self-service"),
    )
    .await?;
    tx.commit().await?;
    Ok(user.id)
}

pub async fn renew_submit(
    State(state): State<AppState>,
    CsrfForm(ctx, f): CsrfForm<PasswordForm>,
) -> Result<Response, AppError> {
    // Public: an expired password is renewed with the old one (set_new checks it).
    let next = safe_next(f.next.as_deref());
    let username = f.username.trim().to_owned();
    match set_new(&state, &ctx, &username, &f).await {
        Ok(id) => start_session(&state, &ctx, id, &next).await,
        Err(e) if e.status.is_client_error() => {
            let msg = tf(ctx.lang, e.key, &e.args);
            let profile = state.config.password_profile;
            form_page(&ctx, profile, true, &username, &next, Some(msg), false)
        }
        Err(e) => Err(e),
    }
}

#[derive(Deserialize)]
pub struct Saved {
    saved: Option<String>,
}

pub async fn change_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(s): Query<Saved>,
) -> Result<Response, AppError> {
    let Ok(u) = ctx.signed_in() else {
        return Ok(Redirect::to("/login?next=/account/password").into_response());
    };
    let profile = state.config.password_profile;
    form_page(
        &ctx,
        profile,
        false,
        &u.username,
        "/",
        None,
        s.saved.is_some(),
    )
}

pub async fn change_submit(
    State(state): State<AppState>,
    CsrfForm(ctx, f): CsrfForm<PasswordForm>,
) -> Result<Response, AppError> {
    let username = ctx.signed_in()?.username.clone();
    match set_new(&state, &ctx, &username, &f).await {
        // The old sessions are gone with the old password; this one starts afresh.
        Ok(id) => start_session(&state, &ctx, id, "/account/password?saved=1").await,
        Err(e) if e.status.is_client_error() => {
            let msg = tf(ctx.lang, e.key, &e.args);
            let profile = state.config.password_profile;
            form_page(&ctx, profile, false, &username, "/", Some(msg), false)
        }
        Err(e) => Err(e),
    }
}
