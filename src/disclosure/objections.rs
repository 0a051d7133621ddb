//! Objections to a notice (M19): by name, from a resident of the community, during the publicity
//! period; each one's handling is recorded and shown on the notice.

use crate::platform::web::Path;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use sqlx::Row;
use utoipa::ToSchema;

use super::notices::{Notice, readable};
use crate::app::AppState;
use crate::audit::{self, Entry};
use crate::auth::{Action, Ctx, Target};
use crate::council::elections::mask_name;
use crate::platform::error::AppError;
use crate::platform::time;
use crate::platform::web::ApiJson;
use crate::registry::participant::participant;

#[derive(Serialize, ToSchema)]
#[schema(as = DisclosureObjection)]
pub struct Objection {
    pub id: i64,
    /// In full to the community's staff, surname only to everyone else.
    pub objector: String,
    pub body: String,
    pub created_at: String,
    /// upheld or dismissed; none while open.
    pub outcome: Option<String>,
    pub handling: Option<String>,
    pub handled_at: Option<String>,
}

#[derive(Serialize, ToSchema)]
#[schema(as = DisclosureObjectionList)]
pub struct ObjectionList {
    pub items: Vec<Objection>,
    pub total: i64,
}

pub async fn objection_list(
    state: &AppState,
    ctx: &Ctx,
    n: &Notice,
) -> Result<Vec<Objection>, AppError> {
    let staff = ctx
        .require(Action::DisclosuresManage, Target::At(n.place()))
        .is_ok();
    let rows = sqlx::query(
        "SELECT id, objector_name, body, created_at, outcome, handling, handled_at FROM disclosure_objections WHERE disclosure_id = $1 ORDER BY id",
    )
    .bind(n.id)
    .fetch_all(state.db.read())
    .await?;
    let shown = |s: Option<String>| s.map(|s| time::show_db(&s, ctx.lang));
    Ok(rows
        .iter()
        .map(|r| {
            let name: String = r.try_get("objector_name")?;
            Ok(Objection {
                id: r.try_get("id")?,
                objector: if staff { name } else { mask_name(&name) },
                body: r.try_get("body")?,
                created_at: shown(r.try_get("created_at")?).unwrap_or_default(),
                outcome: r.try_get("outcome")?,
                handling: r.try_get("handling")?,
                handled_at: shown(r.try_get("handled_at")?),
            })
        })
        .collect::<Result<_, sqlx::Error>>()?)
}

/// The objections to a notice and their handling.
#[utoipa::path(get, path = "/api/v1/disclosures/{id}/objections", tag = "disclosure", params(("id" = i64, Path)),
    responses((status = 200, body = ObjectionList), (status = 404)))]
pub(super) async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<Json<ObjectionList>, AppError> {
    let n = readable(&state, &ctx, id).await?;
    let items = objection_list(&state, &ctx, &n).await?;
    Ok(Json(ObjectionList {
        total: items.len() as i64,
        items,
    }))
}

#[derive(Deserialize, ToSchema)]
#[schema(as = DisclosureObjectionInput)]
pub struct ObjectionInput {
    pub body: String,
}

pub async fn file(state: &AppState, ctx: &Ctx, id: i64, body: &str) -> Result<i64, AppError> {
    let n = readable(state, ctx, id).await?;
    let p = participant(
        state,
        ctx,
        Some(n.community_id),
        "disclosure.objection_named",
    )
    .await?;
    if !n.in_publicity() {
        return Err(AppError::conflict("disclosure.not_in_publicity"));
    }
    let body = body.trim();
    if body.chars().count() < 5 || body.chars().count() > 1000 {
        return Err(AppError::invalid("body", "elections.objection_body"));
    }
    let mut tx = state.db.begin().await?;
    let oid: i64 = sqlx::query(
        "INSERT INTO disclosure_objections (disclosure_id, user_id, objector_name, body, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(id)
    .bind(p.user_id)
    .bind(&p.name)
    .bind(body)
    .bind(time::now_db())
    .fetch_one(&mut *tx)
    .await?
    .try_get("id")?;
    audit::record(
        &mut tx,
        &ctx.actor(),
        Entry::new("disclosure.object", "disclosure", id)
            .at(n.place())
            .detail(format!("objection {oid}")),
    )
    .await?;
    tx.commit().await?;
    Ok(oid)
}

/// Object to a notice during its publicity period, by name: a signed-in resident of the
/// community. Anonymous objections are refused.
#[utoipa::path(post, path = "/api/v1/disclosures/{id}/objections", tag = "disclosure", params(("id" = i64, Path)),
    request_body = ObjectionInput, security(("bearer" = [])),
    responses((status = 201, body = Objection), (status = 401), (status = 403), (status = 409), (status = 422)))]
pub(super) async fn object(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    ApiJson(o): ApiJson<ObjectionInput>,
) -> Result<(StatusCode, Json<Objection>), AppError> {
    let oid = file(&state, &ctx, id, &o.body).await?;
    let n = readable(&state, &ctx, id).await?;
    objection_list(&state, &ctx, &n)
        .await?
        .into_iter()
        .find(|o| o.id == oid)
        .map(|o| (StatusCode::CREATED, Json(o)))
        .ok_or_else(AppError::not_found)
}

#[derive(Deserialize, ToSchema)]
#[schema(as = DisclosureHandlingInput)]
pub struct HandlingInput {
    /// upheld (a correction should follow) or dismissed.
    pub outcome: String,
    pub handling: String,
}

/// Record how an objection was handled; it is shown on the notice.
#[utoipa::path(post, path = "/api/v1/disclosures/{id}/objections/{objection}", tag = "disclosure",
    params(("id" = i64, Path), ("objection" = i64, Path)), request_body = HandlingInput, security(("bearer" = [])),
    responses((status = 200, body = Objection), (status = 403), (status = 409), (status = 422)))]
pub(super) async fn handle(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, oid)): Path<(i64, i64)>,
    ApiJson(h): ApiJson<HandlingInput>,
) -> Result<Json<Objection>, AppError> {
    let n = readable(&state, &ctx, id).await?;
    ctx.require(Action::DisclosuresManage, Target::At(n.place()))?;
    if !matches!(h.outcome.as_str(), "upheld" | "dismissed") {
        return Err(AppError::invalid("outcome", "elections.bad_outcome"));
    }
    let text = h.handling.trim();
    if text.is_empty() || text.chars().count() > 1000 {
        return Err(AppError::invalid("handling", "elections.handling_text"));
    }
    let mut tx = state.db.begin().await?;
    let done: Option<Option<String>> = sqlx::query(
        "SELECT outcome FROM disclosure_objections WHERE id = $1 AND disclosure_id = $2",
    )
    .bind(oid)
    .bind(id)
    .fetch_optional(&mut *tx)
    .await?
    .map(|r| r.try_get("outcome"))
    .transpose()?;
    match done {
        None => return Err(AppError::not_found()),
        Some(Some(_)) => return Err(AppError::conflict("elections.handled_already")),
        Some(None) => {}
    }
    sqlx::query("UPDATE disclosure_objections SET outcome = $1, handling = $2, handled_by = $3, handled_at = $4 WHERE id = $5")
        .bind(&h.outcome)
        .bind(text)
        .bind(ctx.user.as_ref().map(|u| u.id))
        .bind(time::now_db())
        .bind(oid)
        .execute(&mut *tx)
        .await?;
    audit::record(
        &mut tx,
        &ctx.actor(),
        Entry::new("disclosure.handle_objection", "disclosure", id)
            .at(n.place())
            .detail(crate::audit::integrity::objection_detail(
                oid, &h.outcome, text,
            )),
    )
    .await?;
    tx.commit().await?;
    objection_list(&state, &ctx, &n)
        .await?
        .into_iter()
        .find(|o| o.id == oid)
        .map(Json)
        .ok_or_else(AppError::not_found)
}
