//! The login and logout pages.

use crate::platform::web::Query;
use askama::Template;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::{CsrfForm, Ctx, Via, login, session};
use crate::audit::{self, Entry};
use crate::platform::AppState;
use crate::platform::error::AppError;
use crate::platform::i18n::{Tr, tf};
use crate::platform::web::{Chrome, page};

#[derive(Template)]
#[template(path = "auth/login.html")]
struct LoginPage {
    chrome: Chrome,
    t: Tr,
    next: String,
    username: String,
    error: Option<String>,
}

#[derive(Deserialize)]
pub struct NextParam {
    next: Option<String>,
}

/// Where to go after signing in: only a path on this site that parses as one. Anything else
/// (another host, `//host`, a backslash, whitespace or a control character anywhere, which
/// browsers strip or read as `/`) goes home instead.
pub fn safe_next(next: Option<&str>) -> String {
    let Some(n) = next else {
        return "/".to_owned();
    };
    let plain = n.len() <= 2000
        && n.starts_with('/')
        && !n.starts_with("//")
        && !n
            .chars()
            .any(|c| c == '\\' || c.is_whitespace() || c.is_control());
    match n.parse::<axum::http::uri::PathAndQuery>() {
        Ok(pq) if plain && pq.as_str() == n => n.to_owned(),
        _ => "/".to_owned(),
    }
}

pub async fn login_page(ctx: Ctx, Query(q): Query<NextParam>) -> Result<Response, AppError> {
    // Public: the sign-in form.
    let next = safe_next(q.next.as_deref());
    if ctx.user.is_some() {
        return Ok(Redirect::to(&next).into_response());
    }
    page(&LoginPage {
        chrome: ctx.chrome(),
        t: ctx.t(),
        next,
        username: String::new(),
        error: None,
    })
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    code: String,
    next: Option<String>,
}

pub async fn login_submit(
    State(state): State<AppState>,
    CsrfForm(ctx, form): CsrfForm<LoginForm>,
) -> Result<Response, AppError> {
    // Public: signing in (throttled, audited).
    let next = safe_next(form.next.as_deref());
    let user = match login::authenticate(
        &state,
        &form.username,
        &form.password,
        Some(&form.code),
        &ctx.ip,
        login::Purpose::SignIn,
    )
    .await
    {
        Ok(u) => u,
        // The right password, but too old: the page to set a new one, which then signs in.
        Err(e) if e.key == "login.password_expired" => {
            return super::password_web::renew_form(&ctx, form.username.trim(), &next);
        }
        Err(e)
            if matches!(
                e.status,
                StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN | StatusCode::TOO_MANY_REQUESTS
            ) =>
        {
            let mut res = page(&LoginPage {
                chrome: ctx.chrome(),
                t: ctx.t(),
                next,
                username: form.username.trim().to_owned(),
                error: Some(tf(ctx.lang, e.key, &e.args)),
            })?;
            *res.status_mut() = e.status;
            if let Some(s) = e.retry_after {
                res.headers_mut().insert(header::RETRY_AFTER, s.into());
            }
            return Ok(res);
        }
        Err(e) => return Err(e),
    };
    start_session(&state, &ctx, user.id, &next).await
}

/// Signs `user_id` in with a new session (the old one, if any, ends here) and goes to `next`.
pub async fn start_session(
    state: &AppState,
    ctx: &Ctx,
    user_id: i64,
    next: &str,
) -> Result<Response, AppError> {
    let mut tx = state.db.begin().await?;
    if let Via::Session { token_hash } = &ctx.via {
        session::delete(&mut tx, token_hash).await?;
    }
    let (token, _csrf) = session::create(&mut tx, user_id).await?;
    tx.commit().await?;
    let mut res = Redirect::to(next).into_response();
    res.headers_mut().append(
        header::SET_COOKIE,
        session::set_cookie(token, state.config.https()),
    );
    Ok(res)
}

#[derive(Deserialize)]
pub struct Empty {}

pub async fn logout(
    State(state): State<AppState>,
    CsrfForm(ctx, _): CsrfForm<Empty>,
) -> Result<Response, AppError> {
    // Public: ends whatever session the caller holds, if any.
    if let Via::Session { token_hash } = &ctx.via {
        let mut tx = state.db.begin().await?;
        session::delete(&mut tx, token_hash).await?;
        let name = ctx
            .user
            .as_ref()
            .map(|u| u.username.clone())
            .unwrap_or_default();
        audit::record(
            &mut tx,
            &ctx.actor(),
            Entry::new("auth.logout", "account", name),
        )
        .await?;
        tx.commit().await?;
    }
    let mut res = Redirect::to("/").into_response();
    res.headers_mut().append(
        header::SET_COOKIE,
        session::clear_cookie(state.config.https()),
    );
    Ok(res)
}

/// The auth pages, at the paths residents and staff use (`app.rs` merges every area's).
pub fn pages() -> axum::Router<crate::platform::AppState> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route(
            "/login",
            get(crate::auth::web::login_page).post(crate::auth::web::login_submit),
        )
        .route("/logout", post(crate::auth::web::logout))
        .route(
            "/login/renew",
            post(crate::auth::password_web::renew_submit),
        )
        .route(
            "/account/password",
            get(crate::auth::password_web::change_page)
                .post(crate::auth::password_web::change_submit),
        )
}

#[cfg(test)]
mod tests {
    #[test]
    fn next_stays_on_site() {
        assert_eq!(super::safe_next(Some("/audit")), "/audit");
        assert_eq!(super::safe_next(Some("//evil.example")), "/");
        assert_eq!(super::safe_next(Some("https://evil.example")), "/");
        assert_eq!(super::safe_next(Some("/\\evil")), "/");
        assert_eq!(super::safe_next(None), "/");
        for bad in [
            "/\r\nSet-Cookie: x=1",
            "/\t/evil.example",
            "/ /evil.example",
            "/\u{0}x",
            "/a\\b",
            "/\u{3000}/evil",
            "evil",
            "",
        ] {
            assert_eq!(super::safe_next(Some(bad)), "/", "{bad:?}");
        }
        assert_eq!(
            super::safe_next(Some("/cases?status=open&page=2")),
            "/cases?status=open&page=2"
        );
    }
}
