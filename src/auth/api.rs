//! `/api/v1/auth/token`, `/api/v1/me` and `/api/v1/users`.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use sqlx::Row;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::{Ctx, Grant, Target, Via, login, policy::Action, token};
use crate::audit::{self, Entry};
use crate::platform::AppState;
use crate::platform::error::AppError;
use crate::platform::time;
use crate::platform::web::ApiJson;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_token, delete_token))
        .routes(routes!(me))
        .routes(routes!(list_users))
}

#[derive(Deserialize, ToSchema)]
pub struct TokenRequest {
    username: String,
    password: String,
    /// The 6-digit one-time code, for accounts with two-factor login on.
    #[serde(default)]
    code: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct TokenResponse {
    token: String,
    /// RFC 3339 with the Asia/Shanghai offset.
    expires_at: String,
}

/// Exchange a user name and password for a bearer token (12 hours).
#[utoipa::path(post, path = "/api/v1/auth/token", tag = "auth", request_body = TokenRequest,
    responses((status = 200, body = TokenResponse), (status = 401, description = "wrong user name or password, or wrong one-time code"),
              (status = 403, description = "an admin role without two-factor login"),
              (status = 429, description = "too many failures; see Retry-After")))]
async fn create_token(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiJson(req): ApiJson<TokenRequest>,
) -> Result<Json<TokenResponse>, AppError> {
    // Public: a token for whoever proves the password (throttled, audited).
    let user = login::authenticate(
        &state,
        &req.username,
        &req.password,
        req.code.as_deref(),
        &ctx.ip,
        login::Purpose::SignIn,
    )
    .await?;
    let mut tx = state.db.begin().await?;
    let (token, expires) = token::issue(&mut tx, user.id).await?;
    audit::record(
        &mut tx,
        &crate::audit::Actor::account(&user, &ctx.ip),
        Entry::new("auth.token_issue", "account", &user.username),
    )
    .await?;
    tx.commit().await?;
    Ok(Json(TokenResponse {
        token,
        expires_at: time::rfc3339_shanghai(expires),
    }))
}

/// Revoke the bearer token this request carries.
#[utoipa::path(delete, path = "/api/v1/auth/token", tag = "auth", security(("bearer" = [])),
    responses((status = 204, description = "revoked"), (status = 401, description = "no live token")))]
async fn delete_token(State(state): State<AppState>, ctx: Ctx) -> Result<Response, AppError> {
    let Via::Bearer { token } = &ctx.via else {
        return Err(AppError::unauthenticated());
    };
    ctx.require(Action::HomeView, Target::System)?;
    let mut tx = state.db.begin().await?;
    token::revoke(&mut tx, token).await?;
    let name = ctx
        .user
        .as_ref()
        .map(|u| u.username.clone())
        .unwrap_or_default();
    audit::record(
        &mut tx,
        &ctx.actor(),
        Entry::new("auth.token_revoke", "account", name),
    )
    .await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[derive(Serialize, ToSchema)]
pub struct Term {
    /// First day (Asia/Shanghai), ISO date.
    from: String,
    /// Last day, if the term ends.
    to: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct RoleGrant {
    /// A role identifier of DESIGN.md §1.
    role: String,
    /// One of `{"street_id": n}`, `{"community_id": n}`, `{"building_id": n}`.
    #[schema(value_type = Object)]
    scope: serde_json::Value,
    term: Term,
}

impl From<&Grant> for RoleGrant {
    fn from(g: &Grant) -> Self {
        RoleGrant {
            role: g.role.as_str().to_owned(),
            scope: serde_json::to_value(g.scope).unwrap_or_default(),
            term: Term {
                from: g.valid_from.to_string(),
                to: g.valid_to.map(|d| d.to_string()),
            },
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct Me {
    username: String,
    display_name: String,
    roles: Vec<RoleGrant>,
    /// What the account must know before relying on dates, in its language: from 1 November,
    /// for a community's head, a street officer and the system administrator, that the next
    /// year's holidays are not loaded (deadlines reaching into it are estimates).
    warnings: Vec<String>,
}

/// The signed-in account and its grants in force.
#[utoipa::path(get, path = "/api/v1/me", tag = "auth", security(("bearer" = [])),
    responses((status = 200, body = Me), (status = 401, description = "not signed in")))]
async fn me(State(state): State<AppState>, ctx: Ctx) -> Result<Json<Me>, AppError> {
    ctx.require(Action::HomeView, Target::System)?;
    let user = ctx.user.as_ref().ok_or_else(AppError::unauthenticated)?;
    Ok(Json(Me {
        username: user.username.clone(),
        display_name: user.display_name.clone(),
        roles: ctx.grants.iter().map(RoleGrant::from).collect(),
        warnings: crate::home::calendar::warning_for(&state, &ctx)
            .into_iter()
            .collect(),
    }))
}

#[derive(Serialize, ToSchema)]
pub struct Account {
    id: i64,
    username: String,
    display_name: String,
    disabled: bool,
    /// Role identifiers of the grants in force.
    roles: Vec<String>,
}

#[derive(Serialize, ToSchema)]
pub struct AccountList {
    items: Vec<Account>,
    total: i64,
}

/// Every account with its roles (operators only; no resident data).
#[utoipa::path(get, path = "/api/v1/users", tag = "auth", security(("bearer" = [])),
    responses((status = 200, body = AccountList), (status = 403, description = "not an operator")))]
async fn list_users(
    State(state): State<AppState>,
    ctx: Ctx,
) -> Result<Json<AccountList>, AppError> {
    ctx.require(Action::AccountsManage, Target::System)?;
    let today = time::today().to_string();
    let rows = sqlx::query(
        "SELECT u.id, u.username, u.display_name, u.disabled, g.role FROM users u \
         LEFT JOIN grants g ON g.user_id = u.id AND g.revoked_at IS NULL AND g.valid_from <= $1 \
         AND (g.valid_to IS NULL OR g.valid_to >= $1) ORDER BY u.username, g.role",
    )
    .bind(&today)
    .fetch_all(state.db.read())
    .await?;
    let mut items: Vec<Account> = Vec::new();
    for r in rows {
        let id: i64 = r.try_get("id")?;
        let role: Option<String> = r.try_get("role")?;
        if items.last().is_none_or(|a| a.id != id) {
            items.push(Account {
                id,
                username: r.try_get("username")?,
                display_name: r.try_get("display_name")?,
                disabled: r.try_get::<i64, _>("disabled")? != 0,
                roles: vec![],
            });
        }
        if let (Some(role), Some(a)) = (role, items.last_mut()) {
            a.roles.push(role);
        }
    }
    let total = items.len() as i64;
    Ok(Json(AccountList { items, total }))
}
