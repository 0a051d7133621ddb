//! Per-community settings: case categories (deadline, responsibility, public intake, in use)
//! and the Open311 keys of trusted integrations.

use crate::platform::web::{Path, Query};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use sqlx::Row;
use utoipa::ToSchema;

use super::api::CommunityParam;
use super::store::Category;
use crate::audit::{self, Entry};
use crate::auth::{Action, Ctx, Place, Role, Target};
use crate::platform::AppState;
use crate::platform::error::AppError;
use crate::platform::time;
use crate::platform::web::ApiJson;

async fn community_place(state: &AppState, id: i64) -> Result<Place, AppError> {
    crate::registry::places::place_of_community(state.db.read(), id)
        .await?
        .ok_or_else(|| AppError::invalid("community_id", "input.unknown_community"))
}

#[derive(Deserialize, ToSchema)]
pub struct CategorySettings {
    /// 1–30 working days.
    pub deadline_days: i64,
    /// `community_worker` or `community_head`.
    pub responsible_role: String,
    /// May anonymous visitors and integrations file it? (Never for sensitive categories.)
    pub public_intake: bool,
    pub active: bool,
}

/// Set a category for one community (the community head).
#[utoipa::path(put, path = "/api/v1/case-categories/{code}", tag = "cases", params(("code" = String, Path), CommunityParam),
    request_body = CategorySettings, security(("bearer" = [])),
    responses((status = 200, body = Category), (status = 403), (status = 404), (status = 422)))]
pub(super) async fn set_category(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    Query(q): Query<CommunityParam>,
    ApiJson(s): ApiJson<CategorySettings>,
) -> Result<Json<Category>, AppError> {
    let place = community_place(&state, q.community_id).await?;
    ctx.require(Action::CasesConfigure, Target::At(place))?;
    let default = sqlx::query(
        "SELECT kind, sensitive FROM case_categories WHERE code = $1 AND community_id IS NULL",
    )
    .bind(&code)
    .fetch_optional(state.db.read())
    .await?
    .ok_or_else(AppError::not_found)?;
    if !(1..=30).contains(&s.deadline_days) {
        return Err(AppError::invalid("deadline_days", "cases.bad_deadline"));
    }
    if Role::parse(&s.responsible_role)
        .is_none_or(|r| !matches!(r, Role::CommunityWorker | Role::CommunityHead))
    {
        return Err(AppError::invalid("responsible_role", "cases.bad_role"));
    }
    let sensitive: i64 = default.try_get("sensitive")?;
    if sensitive != 0 && s.public_intake {
        return Err(AppError::invalid(
            "public_intake",
            "cases.sensitive_not_public",
        ));
    }
    let mut tx = state.db.begin().await?;
    sqlx::query("DELETE FROM case_categories WHERE code = $1 AND community_id = $2")
        .bind(&code)
        .bind(q.community_id)
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "INSERT INTO case_categories (community_id, code, kind, deadline_days, responsible_role, sensitive, public_intake, active) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(q.community_id)
    .bind(&code)
    .bind(default.try_get::<String, _>("kind")?)
    .bind(s.deadline_days)
    .bind(&s.responsible_role)
    .bind(sensitive)
    .bind(i64::from(s.public_intake))
    .bind(i64::from(s.active))
    .execute(&mut *tx)
    .await?;
    let detail = format!(
        "{code}: {} days, {}, public {}, active {}",
        s.deadline_days, s.responsible_role, s.public_intake, s.active
    );
    audit::record(
        &mut tx,
        &ctx.actor(),
        Entry::new("cases.configure", "case_category", &code)
            .at(place)
            .detail(detail),
    )
    .await?;
    tx.commit().await?;
    let all = sqlx::query("SELECT code, kind, deadline_days, responsible_role, sensitive, public_intake FROM case_categories WHERE code = $1 AND community_id = $2")
        .bind(&code)
        .bind(q.community_id)
        .fetch_one(state.db.read())
        .await?;
    Ok(Json(Category {
        code: all.try_get("code")?,
        kind: all.try_get("kind")?,
        deadline_days: all.try_get("deadline_days")?,
        responsible_role: all.try_get("responsible_role")?,
        sensitive: all.try_get::<i64, _>("sensitive")? != 0,
        public_intake: all.try_get::<i64, _>("public_intake")? != 0,
    }))
}

#[derive(Serialize, ToSchema)]
pub struct Open311Key {
    pub id: i64,
    pub community_id: i64,
    pub label: String,
    pub created_at: crate::platform::time::Instant,
    pub revoked: bool,
}

#[derive(Serialize, ToSchema)]
pub struct Open311KeyList {
    pub items: Vec<Open311Key>,
    pub total: i64,
}

/// The Open311 keys of a community (the key itself is shown once, when made).
#[utoipa::path(get, path = "/api/v1/open311-keys", tag = "cases", params(CommunityParam), security(("bearer" = [])),
    responses((status = 200, body = Open311KeyList), (status = 403)))]
pub(super) async fn list_keys(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<CommunityParam>,
) -> Result<Json<Open311KeyList>, AppError> {
    ctx.require(
        Action::Open311KeysManage,
        Target::At(community_place(&state, q.community_id).await?),
    )?;
    let rows = sqlx::query("SELECT id, community_id, label, created_at, revoked_at FROM open311_keys WHERE community_id = $1 ORDER BY id")
        .bind(q.community_id)
        .fetch_all(state.db.read())
        .await?;
    let items: Vec<Open311Key> = rows
        .iter()
        .map(|r| {
            Ok(Open311Key {
                id: r.try_get("id")?,
                community_id: r.try_get("community_id")?,
                label: r.try_get("label")?,
                created_at: r.try_get("created_at")?,
                revoked: r.try_get::<Option<String>, _>("revoked_at")?.is_some(),
            })
        })
        .collect::<Result<_, sqlx::Error>>()?;
    Ok(Json(Open311KeyList {
        total: items.len() as i64,
        items,
    }))
}

#[derive(Deserialize, ToSchema)]
pub struct NewKey {
    pub community_id: i64,
    /// Who uses it, e.g. 市民热线平台.
    pub label: String,
    /// Cases per minute this key may file; none: no limit (a trusted integration).
    pub rate_limit_per_minute: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct MadeKey {
    pub id: i64,
    /// Shown only now; zizhi keeps only its hash.
    pub api_key: String,
}

/// Issue a key for a trusted integration.
#[utoipa::path(post, path = "/api/v1/open311-keys", tag = "cases", request_body = NewKey, security(("bearer" = [])),
    responses((status = 201, body = MadeKey), (status = 403), (status = 422)))]
pub(super) async fn make_key(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiJson(k): ApiJson<NewKey>,
) -> Result<(StatusCode, Json<MadeKey>), AppError> {
    let place = community_place(&state, k.community_id).await?;
    ctx.require(Action::Open311KeysManage, Target::At(place))?;
    let label = k.label.trim();
    if label.is_empty() || label.chars().count() > 60 {
        return Err(AppError::invalid("label", "cases.bad_label"));
    }
    if k.rate_limit_per_minute
        .is_some_and(|n| !(1..=10_000).contains(&n))
    {
        return Err(AppError::invalid(
            "rate_limit_per_minute",
            "cases.bad_rate_limit",
        ));
    }
    let key = format!("zz311-{}", crate::auth::session::random_token());
    let mut tx = state.db.begin().await?;
    let id: i64 = sqlx::query(
        "INSERT INTO open311_keys (key_hash, community_id, label, rate_limit_per_minute, created_at) VALUES ($1, $2, $3, $5, $4) RETURNING id",
    )
    .bind(crate::open311::keys::hash_key(&key))
    .bind(k.community_id)
    .bind(label)
    .bind(time::now_db())
    .bind(k.rate_limit_per_minute)
    .fetch_one(&mut *tx)
    .await?
    .try_get("id")?;
    audit::record(
        &mut tx,
        &ctx.actor(),
        Entry::new("open311.key_issue", "open311_key", id)
            .at(place)
            .detail(label),
    )
    .await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(MadeKey { id, api_key: key })))
}

/// Revoke a key.
#[utoipa::path(delete, path = "/api/v1/open311-keys/{id}", tag = "cases", params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 204), (status = 403), (status = 404)))]
pub(super) async fn revoke_key(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<StatusCode, AppError> {
    let community: i64 =
        sqlx::query("SELECT community_id FROM open311_keys WHERE id = $1 AND revoked_at IS NULL")
            .bind(id)
            .fetch_optional(state.db.read())
            .await?
            .ok_or_else(AppError::not_found)?
            .try_get("community_id")?;
    let place = community_place(&state, community).await?;
    ctx.require(Action::Open311KeysManage, Target::At(place))?;
    let mut tx = state.db.begin().await?;
    sqlx::query("UPDATE open311_keys SET revoked_at = $1 WHERE id = $2")
        .bind(time::now_db())
        .bind(id)
        .execute(&mut *tx)
        .await?;
    audit::record(
        &mut tx,
        &ctx.actor(),
        Entry::new("open311.key_revoke", "open311_key", id).at(place),
    )
    .await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}
