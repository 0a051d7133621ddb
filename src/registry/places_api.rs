//! `/api/v1/communities`, `/api/v1/compounds`, `/api/v1/buildings`: the structure of places,
//! with occupancy (M2) and the party organization rule (M3).

use crate::platform::web::{Path, Query};
use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use sqlx::Row;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

pub use super::compounds::{Compound, OccupancySource, compound_of, list_compounds};
use super::places_edit::api as edit;
use super::rules::{self, BuildingBranch};
use crate::auth::{Action, Ctx, Place, Target, scope::scope_condition};
use crate::platform::AppState;
use crate::platform::db::{Filter, Val, bind_vals};
use crate::platform::error::AppError;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(communities, edit::community_create))
        .routes(routes!(community, edit::community_edit))
        .routes(routes!(party))
        .routes(routes!(compounds, edit::compound_create))
        .routes(routes!(compound, edit::compound_edit))
        .routes(routes!(edit::compound_set_up))
        .routes(routes!(buildings, edit::building_create))
        .routes(routes!(building, edit::building_edit))
}

#[derive(Clone, Serialize, ToSchema)]
pub struct Community {
    pub id: i64,
    pub street_id: i64,
    pub community_id: i64,
    pub code: String,
    pub name: String,
    pub households: i64,
    pub residents: i64,
}

#[derive(Serialize, ToSchema)]
pub struct CommunityList {
    pub items: Vec<Community>,
    pub total: i64,
}

const COMMUNITY_SQL: &str = "SELECT c.id, c.street_id, c.code, c.name, \
    (SELECT COUNT(*) FROM households h WHERE h.community_id = c.id) AS households, \
    (SELECT COUNT(*) FROM residents r WHERE r.community_id = c.id AND r.status = 'living' AND r.locked_at IS NULL) AS residents \
    FROM communities c";

fn community_from(r: &sqlx::any::AnyRow) -> Result<Community, sqlx::Error> {
    let id: i64 = r.try_get("id")?;
    Ok(Community {
        id,
        street_id: r.try_get("street_id")?,
        community_id: id,
        code: r.try_get("code")?,
        name: r.try_get("name")?,
        households: r.try_get("households")?,
        residents: r.try_get("residents")?,
    })
}

/// A filter that keeps rows in the caller's scopes for `action`, or 401/403.
pub(crate) fn scoped_places(
    ctx: &Ctx,
    action: Action,
    street: &str,
    community: &str,
    building: Option<&str>,
) -> Result<Filter, AppError> {
    let scopes = ctx.scopes(action);
    let Some((cond, vals)) = scope_condition(&scopes, street, community, building) else {
        ctx.require(action, Target::System)?;
        return Err(AppError::forbidden());
    };
    let mut f = Filter::default();
    f.and(&cond, vals);
    Ok(f)
}

/// The communities in the caller's scope, with household and resident counts.
#[utoipa::path(get, path = "/api/v1/communities", tag = "registry", security(("bearer" = [])),
    responses((status = 200, body = CommunityList)))]
async fn communities(
    State(state): State<AppState>,
    ctx: Ctx,
) -> Result<Json<CommunityList>, AppError> {
    // Authorized in list_communities: PlacesRead
    let items = list_communities(&state, &ctx).await?;
    Ok(Json(CommunityList {
        total: items.len() as i64,
        items,
    }))
}

pub async fn list_communities(state: &AppState, ctx: &Ctx) -> Result<Vec<Community>, AppError> {
    let f = scoped_places(ctx, Action::PlacesRead, "c.street_id", "c.id", None)?;
    let sql = format!("{COMMUNITY_SQL} {} ORDER BY c.code", f.sql());
    let rows = bind_vals(sqlx::query(&sql), &f.vals)
        .fetch_all(state.db.read())
        .await?;
    Ok(rows.iter().map(community_from).collect::<Result<_, _>>()?)
}

async fn community_place(state: &AppState, id: i64) -> Result<Place, AppError> {
    super::places::place_of_community(state.db.read(), id)
        .await?
        .ok_or_else(AppError::not_found)
}

/// One community.
#[utoipa::path(get, path = "/api/v1/communities/{id}", tag = "registry", params(("id" = i64, Path)),
    security(("bearer" = [])), responses((status = 200, body = Community), (status = 404)))]
async fn community(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<Json<Community>, AppError> {
    ctx.require(
        Action::PlacesRead,
        Target::At(community_place(&state, id).await?),
    )?;
    let row = sqlx::query(&format!("{COMMUNITY_SQL} WHERE c.id = $1"))
        .bind(id)
        .fetch_one(state.db.read())
        .await?;
    Ok(Json(community_from(&row)?))
}

#[derive(Serialize, ToSchema)]
pub struct Party {
    pub community_id: i64,
    /// Party members (and probationary members) living in the community.
    pub members: i64,
    /// `general_branch` (党总支) above 50 members, otherwise `branch` (党支部).
    pub form: String,
    /// Suggested building branches of about 20 members, grouping adjacent buildings.
    pub building_branches: Vec<BuildingBranch>,
}

/// M3: the party organization the community's registered members call for.
#[utoipa::path(get, path = "/api/v1/communities/{id}/party", tag = "registry", params(("id" = i64, Path)),
    security(("bearer" = [])), responses((status = 200, body = Party), (status = 404)))]
async fn party(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<Json<Party>, AppError> {
    // Authorized in party_of: PlacesRead
    Ok(Json(party_of(&state, &ctx, id).await?))
}

pub async fn party_of(state: &AppState, ctx: &Ctx, id: i64) -> Result<Party, AppError> {
    ctx.require(
        Action::PlacesRead,
        Target::At(community_place(state, id).await?),
    )?;
    let rows = sqlx::query(
        "SELECT b.id, (SELECT COUNT(*) FROM residents r WHERE r.building_id = b.id AND r.status = 'living' AND r.locked_at IS NULL \
         AND r.political_status IN ('party_member', 'probationary_member')) AS n \
         FROM buildings b WHERE b.community_id = $1 ORDER BY b.compound_id, b.id",
    )
    .bind(id)
    .fetch_all(state.db.read())
    .await?;
    let per_building: Vec<(i64, i64)> = rows
        .iter()
        .map(|r| Ok((r.try_get("id")?, r.try_get("n")?)))
        .collect::<Result<_, sqlx::Error>>()?;
    let members: i64 = per_building.iter().map(|(_, n)| n).sum();
    Ok(Party {
        community_id: id,
        members,
        form: rules::party_form(members).into(),
        building_branches: rules::building_branches(&per_building, 20),
    })
}

#[derive(Serialize, ToSchema)]
pub struct CompoundList {
    pub items: Vec<Compound>,
    pub total: i64,
}

#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct PlaceQuery {
    pub community_id: Option<i64>,
    pub compound_id: Option<i64>,
}

/// Compounds in scope, with occupancy and the M2 flag.
#[utoipa::path(get, path = "/api/v1/compounds", tag = "registry", params(PlaceQuery), security(("bearer" = [])),
    responses((status = 200, body = CompoundList)))]
async fn compounds(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<PlaceQuery>,
) -> Result<Json<CompoundList>, AppError> {
    // Authorized in list_compounds: PlacesRead
    let items = list_compounds(&state, &ctx, &q).await?;
    Ok(Json(CompoundList {
        total: items.len() as i64,
        items,
    }))
}

/// One compound.
#[utoipa::path(get, path = "/api/v1/compounds/{id}", tag = "registry", params(("id" = i64, Path)),
    security(("bearer" = [])), responses((status = 200, body = Compound), (status = 404)))]
async fn compound(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<Json<Compound>, AppError> {
    // Authorized in compound_of: PlacesRead
    Ok(Json(compound_of(&state, &ctx, id).await?))
}

#[derive(Clone, Serialize, ToSchema)]
pub struct Building {
    pub id: i64,
    pub community_id: i64,
    pub compound_id: i64,
    /// e.g. 3号楼.
    pub number: String,
    pub units: i64,
    pub floors: i64,
    pub households: i64,
    pub residents: i64,
}

#[derive(Serialize, ToSchema)]
pub struct BuildingList {
    pub items: Vec<Building>,
    pub total: i64,
}

const BUILDING_SQL: &str = "SELECT b.id, b.community_id, b.compound_id, b.number, b.units, b.floors, \
    (SELECT COUNT(*) FROM households h WHERE h.building_id = b.id) AS households, \
    (SELECT COUNT(*) FROM residents r WHERE r.building_id = b.id AND r.status = 'living' AND r.locked_at IS NULL) AS residents \
    FROM buildings b JOIN communities c ON c.id = b.community_id";

fn building_from(r: &sqlx::any::AnyRow) -> Result<Building, sqlx::Error> {
    Ok(Building {
        id: r.try_get("id")?,
        community_id: r.try_get("community_id")?,
        compound_id: r.try_get("compound_id")?,
        number: r.try_get("number")?,
        units: r.try_get("units")?,
        floors: r.try_get("floors")?,
        households: r.try_get("households")?,
        residents: r.try_get("residents")?,
    })
}

/// Buildings in scope (a building leader sees their own).
#[utoipa::path(get, path = "/api/v1/buildings", tag = "registry", params(PlaceQuery), security(("bearer" = [])),
    responses((status = 200, body = BuildingList)))]
async fn buildings(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<PlaceQuery>,
) -> Result<Json<BuildingList>, AppError> {
    // Authorized in list_buildings: PlacesRead
    let items = list_buildings(&state, &ctx, &q).await?;
    Ok(Json(BuildingList {
        total: items.len() as i64,
        items,
    }))
}

pub async fn list_buildings(
    state: &AppState,
    ctx: &Ctx,
    q: &PlaceQuery,
) -> Result<Vec<Building>, AppError> {
    let mut f = scoped_places(
        ctx,
        Action::PlacesRead,
        "c.street_id",
        "b.community_id",
        Some("b.id"),
    )?;
    if let Some(c) = q.community_id {
        f.and("b.community_id = ?", [Val::I(c)]);
    }
    if let Some(p) = q.compound_id {
        f.and("b.compound_id = ?", [Val::I(p)]);
    }
    let sql = format!(
        "{BUILDING_SQL} {} ORDER BY b.community_id, b.compound_id, b.id",
        f.sql()
    );
    let rows = bind_vals(sqlx::query(&sql), &f.vals)
        .fetch_all(state.db.read())
        .await?;
    Ok(rows.iter().map(building_from).collect::<Result<_, _>>()?)
}

/// One building.
#[utoipa::path(get, path = "/api/v1/buildings/{id}", tag = "registry", params(("id" = i64, Path)),
    security(("bearer" = [])), responses((status = 200, body = Building), (status = 404)))]
async fn building(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<Json<Building>, AppError> {
    let place = super::places::place_of_building(state.db.read(), id)
        .await?
        .ok_or_else(AppError::not_found)?;
    ctx.require(Action::PlacesRead, Target::At(place))?;
    let row = sqlx::query(&format!("{BUILDING_SQL} WHERE b.id = $1"))
        .bind(id)
        .fetch_one(state.db.read())
        .await?;
    Ok(Json(building_from(&row)?))
}
