//! `POST`/`PUT` on `/api/v1/communities`, `/api/v1/compounds` and `/api/v1/buildings`, and the
//! street's `POST /api/v1/compounds/{id}/committee`: the same functions as the places pages.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Serialize;
use utoipa::ToSchema;

use super::buildings::{BuildingInput, create_building, edit_building};
use super::communities::{CommunityInput, create_community, edit_community};
use super::compounds::{
    CompoundEdit, CompoundInput, SetUp, SetUpInput, create_compound, edit_compound,
    set_up_committee,
};
use crate::auth::Ctx;
use crate::platform::AppState;
use crate::platform::error::AppError;
use crate::platform::web::{ApiJson, Path};

#[derive(Serialize, ToSchema)]
pub struct PlaceCreated {
    pub id: i64,
}

/// Create a community of the street (street officer).
#[utoipa::path(post, path = "/api/v1/communities", tag = "registry", request_body = CommunityInput,
    security(("bearer" = [])), responses((status = 201, body = PlaceCreated), (status = 403), (status = 422)))]
pub async fn community_create(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiJson(i): ApiJson<CommunityInput>,
) -> Result<(StatusCode, Json<PlaceCreated>), AppError> {
    // Authorized in create_community > street_of: CommunitiesManage
    let id = create_community(&state, &ctx, &i).await?;
    Ok((StatusCode::CREATED, Json(PlaceCreated { id })))
}

/// Correct a community's code and name (street officer).
#[utoipa::path(put, path = "/api/v1/communities/{id}", tag = "registry", params(("id" = i64, Path)),
    request_body = CommunityInput, security(("bearer" = [])),
    responses((status = 204), (status = 403), (status = 404), (status = 422)))]
pub async fn community_edit(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    ApiJson(i): ApiJson<CommunityInput>,
) -> Result<StatusCode, AppError> {
    // Authorized in edit_community: CommunitiesManage
    edit_community(&state, &ctx, id, &i).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Record a compound: the head in their community; the street for a new compound in the
/// custody (代管) of an adjacent community.
#[utoipa::path(post, path = "/api/v1/compounds", tag = "registry", request_body = CompoundInput,
    security(("bearer" = [])), responses((status = 201, body = PlaceCreated), (status = 403), (status = 422)))]
pub async fn compound_create(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiJson(i): ApiJson<CompoundInput>,
) -> Result<(StatusCode, Json<PlaceCreated>), AppError> {
    // Authorized in create_compound > manage: PlacesManage, CommunitiesManage
    let id = create_compound(&state, &ctx, &i).await?;
    Ok((StatusCode::CREATED, Json(PlaceCreated { id })))
}

/// Rename a compound and record its occupancy (homes and homes moved into).
#[utoipa::path(put, path = "/api/v1/compounds/{id}", tag = "registry", params(("id" = i64, Path)),
    request_body = CompoundEdit, security(("bearer" = [])),
    responses((status = 204), (status = 403), (status = 404), (status = 409), (status = 422)))]
pub async fn compound_edit(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    ApiJson(i): ApiJson<CompoundEdit>,
) -> Result<StatusCode, AppError> {
    // Authorized in edit_compound > manage: PlacesManage, CommunitiesManage
    edit_compound(&state, &ctx, id, &i).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The compound's own committee is set up (street officer): a new community takes it over from
/// its custodian. Refused below half occupancy and for a compound not in custody.
#[utoipa::path(post, path = "/api/v1/compounds/{id}/committee", tag = "registry", params(("id" = i64, Path)),
    request_body = SetUpInput, security(("bearer" = [])),
    responses((status = 201, body = SetUp), (status = 403), (status = 404), (status = 409), (status = 422)))]
pub async fn compound_set_up(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    ApiJson(i): ApiJson<SetUpInput>,
) -> Result<(StatusCode, Json<SetUp>), AppError> {
    // Authorized in set_up_committee: CommunitiesManage
    let done = set_up_committee(&state, &ctx, id, &i).await?;
    Ok((StatusCode::CREATED, Json(done)))
}

/// Create a building in a compound, with its units (community head).
#[utoipa::path(post, path = "/api/v1/buildings", tag = "registry", request_body = BuildingInput,
    security(("bearer" = [])), responses((status = 201, body = PlaceCreated), (status = 403), (status = 422)))]
pub async fn building_create(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiJson(i): ApiJson<BuildingInput>,
) -> Result<(StatusCode, Json<PlaceCreated>), AppError> {
    // Authorized in create_building > managed_compound > manage: PlacesManage, CommunitiesManage
    let id = create_building(&state, &ctx, &i).await?;
    Ok((StatusCode::CREATED, Json(PlaceCreated { id })))
}

/// Correct a building's number, units and floors (community head).
#[utoipa::path(put, path = "/api/v1/buildings/{id}", tag = "registry", params(("id" = i64, Path)),
    request_body = BuildingInput, security(("bearer" = [])),
    responses((status = 204), (status = 403), (status = 404), (status = 409), (status = 422)))]
pub async fn building_edit(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    ApiJson(i): ApiJson<BuildingInput>,
) -> Result<StatusCode, AppError> {
    // Authorized in edit_building > managed_building > manage: PlacesManage, CommunitiesManage
    edit_building(&state, &ctx, id, &i).await?;
    Ok(StatusCode::NO_CONTENT)
}
