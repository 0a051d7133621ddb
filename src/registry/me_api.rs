//! `/api/v1/me/record`, `/api/v1/me/corrections`, `/api/v1/corrections`.

use crate::platform::web::Path;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::me::{self, Correction, CorrectionInput, CorrectionReply, MyRecord};
use super::residents;
use crate::audit::{self, Entry};
use crate::auth::{Action, Ctx, Scope, Target};
use crate::platform::AppState;
use crate::platform::error::AppError;
use crate::platform::web::ApiJson;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(my_record))
        .routes(routes!(ask))
        .routes(routes!(list_corrections))
        .routes(routes!(answer))
}

/// Everything zizhi holds about the signed-in resident and their household, who accessed it,
/// and their correction requests.
#[utoipa::path(get, path = "/api/v1/me/record", tag = "registry", security(("bearer" = [])),
    responses((status = 200, body = MyRecord), (status = 403, description = "not a resident's account")))]
async fn my_record(State(state): State<AppState>, ctx: Ctx) -> Result<Json<MyRecord>, AppError> {
    // Authorized in load > me::own_resident: HomeView
    Ok(Json(load(&state, &ctx).await?))
}

pub async fn load(state: &AppState, ctx: &Ctx) -> Result<MyRecord, AppError> {
    let pool = state.db.read();
    let r = me::own_resident(pool, ctx).await?;
    audit::record_alone(
        &state.db,
        &ctx.actor(),
        Entry::new("registry.read_own", "resident", r.id).at(r.place()),
    )
    .await?;
    let household = residents::household_members(pool, r.household_id).await?;
    Ok(MyRecord {
        resident: r.view(false, false),
        household: household.iter().map(|m| m.view(false, false)).collect(),
        accesses: me::accesses(pool, &r).await?,
        corrections: me::corrections_of(pool, r.id).await?,
        erasures: super::rights::requests_of(pool, r.id).await?,
    })
}

#[derive(Serialize, ToSchema)]
#[schema(as = CorrectionCreated)]
pub struct Created {
    pub id: i64,
}

/// Ask the community to correct something it holds about you.
#[utoipa::path(post, path = "/api/v1/me/corrections", tag = "registry", request_body = CorrectionInput,
    security(("bearer" = [])), responses((status = 201, body = Created), (status = 422)))]
async fn ask(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiJson(input): ApiJson<CorrectionInput>,
) -> Result<(StatusCode, Json<Created>), AppError> {
    // Authorized in me::own_resident: HomeView
    let r = me::own_resident(state.db.read(), &ctx).await?;
    let mut tx = state.db.begin().await?;
    let id = me::ask_correction(&mut tx, &ctx, &r, &input).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}

#[derive(Serialize, ToSchema)]
pub struct CorrectionList {
    pub items: Vec<Correction>,
    pub total: i64,
}

/// The communities whose records the caller may change.
pub fn writable_communities(ctx: &Ctx) -> Vec<i64> {
    ctx.scopes(Action::RegistryWrite)
        .into_iter()
        .filter_map(|s| match s {
            Scope::Community(c) => Some(c),
            _ => None,
        })
        .collect()
}

/// Correction requests of the caller's community, open ones first.
#[utoipa::path(get, path = "/api/v1/corrections", tag = "registry", security(("bearer" = [])),
    responses((status = 200, body = CorrectionList), (status = 403)))]
async fn list_corrections(
    State(state): State<AppState>,
    ctx: Ctx,
) -> Result<Json<CorrectionList>, AppError> {
    let communities = writable_communities(&ctx);
    if communities.is_empty() {
        ctx.require(Action::RegistryWrite, Target::System)?;
        return Err(AppError::forbidden());
    }
    let items: Vec<Correction> = me::corrections_in(state.db.read(), &communities)
        .await?
        .into_iter()
        .map(|(c, _)| c)
        .collect();
    Ok(Json(CorrectionList {
        total: items.len() as i64,
        items,
    }))
}

/// Answer a correction request: `done` (and correct the record) or `declined`, with a reply.
#[utoipa::path(post, path = "/api/v1/corrections/{id}", tag = "registry", params(("id" = i64, Path)),
    request_body = CorrectionReply, security(("bearer" = [])),
    responses((status = 204), (status = 409, description = "already answered"), (status = 422)))]
async fn answer(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    ApiJson(a): ApiJson<CorrectionReply>,
) -> Result<StatusCode, AppError> {
    // Authorized in me::answer_correction: RegistryWrite
    let mut tx = state.db.begin().await?;
    me::answer_correction(&mut tx, &ctx, id, &a).await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}
