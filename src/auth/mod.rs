//! Accounts, roles and scopes; sessions and tokens; the request context every handler starts
//! from. Who may call a handler shows in its first lines (tests/it/handler_authz.rs), in one of
//! four forms:
//! - a call naming the action, after the object is loaded:
//!   `ctx.require(Action::AuditRead, Target::System)?`, or `ctx.scopes(Action::…)` for a list;
//! - `ctx.signed_in()?` for the caller's own data;
//! - `// Public: why` where anyone may;
//! - `// Authorized in f > g: Action, …` where the check sits in a function that the page and
//!   the API share (one check for both); the test follows the chain and fails unless `g` checks
//!   those actions.

pub mod api;

pub use api::routes;
pub mod login;
pub mod password;
pub mod password_web;
pub mod policy;
pub mod scope;
pub mod session;
pub mod store;
pub mod throttle;
pub mod token;
pub mod totp;
pub mod upload;
pub mod web;

pub use web::pages;

use std::sync::Arc;

use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::{StatusCode, header, request::Parts};
use axum_extra::extract::cookie::CookieJar;
use serde::de::DeserializeOwned;

use crate::audit::Actor;
use crate::platform::AppState;
use crate::platform::error::AppError;
use crate::platform::i18n::{Lang, Tr};
use crate::platform::web::{BigText, Chrome, client_ip};
pub use policy::{Action, Role};
pub use scope::{Place, Scope, Target};
pub use store::{Grant, User};

/// How the request was authenticated.
#[derive(Clone, Debug)]
pub enum Via {
    Anonymous,
    Session { token_hash: String },
    Bearer { token: String },
}

/// Who is asking, with what grants, in which language: built once per request.
#[derive(Clone, Debug)]
pub struct Ctx {
    pub user: Option<User>,
    pub grants: Vec<Grant>,
    pub lang: Lang,
    pub big: bool,
    pub ip: String,
    pub via: Via,
    /// The CSRF token forms on this page must carry back.
    pub csrf: String,
    pub path: String,
    /// The confirmation the last form left for this page (`platform::flash`).
    pub flash: Option<crate::platform::flash::Flash>,
}

impl Ctx {
    /// Allows the action on the target, or answers 401 (nobody signed in) or 403.
    pub fn require(&self, action: Action, target: Target) -> Result<&Grant, AppError> {
        if self.user.is_none() {
            return Err(AppError::unauthenticated());
        }
        self.grants
            .iter()
            .find(|g| {
                policy::permits(g.role, action)
                    && match target {
                        Target::System => true,
                        Target::At(place) => g.scope.contains(&place),
                    }
            })
            .ok_or_else(AppError::forbidden)
    }

    /// The signed-in user, for a handler on the caller's own data (their notifications, their
    /// password, their record), or 401.
    pub fn signed_in(&self) -> Result<&User, AppError> {
        self.user.as_ref().ok_or_else(AppError::unauthenticated)
    }

    /// The scopes in which the user may do `action` (for filtering lists). Empty: nowhere.
    pub fn scopes(&self, action: Action) -> Vec<Scope> {
        self.grants
            .iter()
            .filter(|g| policy::permits(g.role, action))
            .map(|g| g.scope)
            .collect()
    }

    pub fn roles(&self) -> Vec<Role> {
        let mut r: Vec<Role> = self.grants.iter().map(|g| g.role).collect();
        r.sort();
        r.dedup();
        r
    }

    pub fn has_role(&self, role: Role) -> bool {
        self.grants.iter().any(|g| g.role == role)
    }

    /// The actor as the audit log records it.
    pub fn actor(&self) -> Actor {
        match &self.user {
            Some(u) => Actor {
                id: Some(u.id),
                name: u.username.clone(),
                role: self
                    .roles()
                    .iter()
                    .map(|r| r.as_str())
                    .collect::<Vec<_>>()
                    .join(","),
                ip: self.ip.clone(),
            },
            None => Actor {
                id: None,
                name: "anonymous".into(),
                role: "anonymous".into(),
                ip: self.ip.clone(),
            },
        }
    }

    pub fn t(&self) -> Tr {
        Tr(self.lang)
    }

    /// The page shell for this user.
    pub fn chrome(&self) -> Chrome {
        Chrome {
            t: Tr(self.lang),
            big: self.big,
            user: self.user.as_ref().map(|u| u.display_name.clone()),
            csrf: self.csrf.clone(),
            path: self.path.clone(),
            flash: self.flash.as_ref().map(|f| f.text(self.lang)),
        }
    }

    /// Checks a form's CSRF token (constant time).
    pub fn check_csrf(&self, sent: &str) -> Result<(), AppError> {
        use subtle_eq as eq;
        if !self.csrf.is_empty() && eq(sent.as_bytes(), self.csrf.as_bytes()) {
            Ok(())
        } else {
            Err(AppError::new(StatusCode::FORBIDDEN, "error.csrf"))
        }
    }
}

fn subtle_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// A CSRF cookie minted for this request (the visitor had none); set on the response by
/// [`crate::app`]'s middleware.
#[derive(Clone, Debug)]
pub struct NewCsrfCookie(pub String);

impl FromRequestParts<AppState> for Ctx {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        if let Some(ctx) = parts.extensions.get::<Arc<Ctx>>() {
            return Ok((**ctx).clone());
        }
        let ctx = build_ctx(parts, state).await?;
        parts.extensions.insert(Arc::new(ctx.clone()));
        if let Some(slot) = parts.extensions.get::<crate::audit::refusals::CtxSlot>() {
            let _ = slot.0.set(ctx.clone());
        }
        Ok(ctx)
    }
}

async fn build_ctx(parts: &Parts, state: &AppState) -> Result<Ctx, AppError> {
    let lang = parts.extensions.get::<Lang>().copied().unwrap_or_default();
    let big = parts.extensions.get::<BigText>().is_some_and(|b| b.0);
    let ip = client_ip(parts, state.config.trust_proxy);
    let jar = CookieJar::from_headers(&parts.headers);
    let anon_csrf = parts
        .extensions
        .get::<NewCsrfCookie>()
        .map(|c| c.0.clone())
        .or_else(|| jar.get(session::CSRF_COOKIE).map(|c| c.value().to_owned()))
        .unwrap_or_default();
    let mut ctx = Ctx {
        user: None,
        grants: vec![],
        lang,
        big,
        ip,
        via: Via::Anonymous,
        csrf: anon_csrf,
        path: parts.uri.path().to_owned(),
        flash: parts
            .extensions
            .get::<crate::platform::flash::Shown>()
            .map(|s| s.0.clone()),
    };
    let db = &state.db;
    let bearer = parts
        .headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim);
    // The user and the grants in force come with the credential, in one statement.
    let found = if let Some(token) = bearer {
        // A presented token that is not live is an error, not anonymity.
        let found = token::lookup(db.read(), token)
            .await?
            .ok_or_else(AppError::unauthenticated)?;
        ctx.via = Via::Bearer {
            token: token.to_owned(),
        };
        Some(found)
    } else if let Some(c) = jar.get(session::COOKIE) {
        match session::lookup(db.read(), db, c.value()).await? {
            Some((s, user, grants)) => {
                ctx.via = Via::Session {
                    token_hash: s.token_hash,
                };
                ctx.csrf = s.csrf_token;
                Some((user, grants))
            }
            None => None,
        }
    } else {
        None
    };
    if let Some((user, grants)) = found
        && !user.disabled
    {
        ctx.grants = grants;
        ctx.user = Some(user);
    }
    Ok(ctx)
}

/// A submitted HTML form whose CSRF token (`_csrf`) has been checked against the session's,
/// or against the visitor's CSRF cookie before login. Malformed forms are a 422 naming the field.
pub struct CsrfForm<T>(pub Ctx, pub T);

impl<T: DeserializeOwned> FromRequest<AppState> for CsrfForm<T> {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let is_form = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
        if !is_form {
            return Err(AppError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "error.unsupported_media_type",
            ));
        }
        // The same decoding as a form with a file input, without the file.
        let upload::CsrfUpload(ctx, value, _) =
            upload::CsrfUpload::from_request(req, state).await?;
        Ok(CsrfForm(ctx, value))
    }
}
