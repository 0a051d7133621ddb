//! `/api/v1/me/export`, `/api/v1/me/erasure`, `/api/v1/erasure-requests` (`registry::rights`).

use crate::platform::web::Path;
use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::me;
use super::me_api::writable_communities;
use super::rights::{self, ErasureDecision, ErasureInput, ErasureRequest, PersonalData};
use crate::auth::{Action, Ctx, Target};
use crate::platform::AppState;
use crate::platform::error::AppError;
use crate::platform::web::ApiJson;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(export))
        .routes(routes!(ask))
        .routes(routes!(list))
        .routes(routes!(decide))
}

/// A copy of everything zizhi holds about the signed-in resident (PIPL Art. 45), as a JSON
/// file to keep. Audited as a sensitive read.
#[utoipa::path(get, path = "/api/v1/me/export", tag = "registry", security(("bearer" = [])),
    responses((status = 200, body = PersonalData), (status = 403, description = "not a resident's account")))]
pub async fn export(State(state): State<AppState>, ctx: Ctx) -> Result<Response, AppError> {
    // Authorized in rights::export > me::own_resident: HomeView
    let data = rights::export(&state.db, &ctx).await?;
    let day = data
        .exported_at
        .0
        .to_zoned_datetime(crate::platform::time::shanghai().clone())
        .strftime("%Y%m%d")
        .to_string();
    // The resident's own data, whole (their own ID number and phone included); the export is
    // audited as a sensitive read.
    let mut res = (crate::platform::pii::Unmasked, Json(data)).into_response();
    res.headers_mut().insert(
        header::CONTENT_DISPOSITION,
        format!("attachment; filename=\"zizhi-my-data-{day}.json\"")
            .parse()
            .map_err(AppError::internal)?,
    );
    Ok(res)
}

#[derive(Serialize, ToSchema)]
#[schema(as = ErasureCreated)]
pub struct Created {
    pub id: i64,
}

/// Ask for your personal data to be deleted (PIPL Art. 47). The community answers: deleted, or
/// locked with the reason the law requires it kept.
#[utoipa::path(post, path = "/api/v1/me/erasure", tag = "registry", request_body = ErasureInput,
    security(("bearer" = [])),
    responses((status = 201, body = Created), (status = 409, description = "a request is already open"), (status = 422)))]
async fn ask(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiJson(input): ApiJson<ErasureInput>,
) -> Result<(StatusCode, Json<Created>), AppError> {
    // Authorized in me::own_resident: HomeView
    let r = me::own_resident(state.db.read(), &ctx).await?;
    let mut tx = state.db.begin().await?;
    let id = rights::ask(&mut tx, &ctx, &r, &input).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}

#[derive(Serialize, ToSchema)]
pub struct ErasureList {
    pub items: Vec<ErasureRequest>,
    pub total: i64,
}

/// Deletion requests of the caller's community, open ones first.
#[utoipa::path(get, path = "/api/v1/erasure-requests", tag = "registry", security(("bearer" = [])),
    responses((status = 200, body = ErasureList), (status = 403)))]
async fn list(State(state): State<AppState>, ctx: Ctx) -> Result<Json<ErasureList>, AppError> {
    let communities = writable_communities(&ctx);
    if communities.is_empty() {
        ctx.require(Action::RegistryWrite, Target::System)?;
        return Err(AppError::forbidden());
    }
    let items = rights::requests_in(state.db.read(), &communities).await?;
    Ok(Json(ErasureList {
        total: items.len() as i64,
        items,
    }))
}

/// Answer a deletion request: `erase` the personal data (a resident who has moved out or died),
/// or `lock` the record with the reason it must be kept.
#[utoipa::path(post, path = "/api/v1/erasure-requests/{id}", tag = "registry", params(("id" = i64, Path)),
    request_body = ErasureDecision, security(("bearer" = [])),
    responses((status = 204), (status = 409, description = "already answered, or a living resident's registration, which the law keeps"),
        (status = 422)))]
async fn decide(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    ApiJson(d): ApiJson<ErasureDecision>,
) -> Result<StatusCode, AppError> {
    // Authorized in rights::decide: RegistryWrite
    let mut tx = state.db.begin().await?;
    rights::decide(&mut tx, &ctx, id, &d).await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}
