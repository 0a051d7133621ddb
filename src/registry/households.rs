//! `/api/v1/households`: households in scope, one household with its members (masked), create,
//! and tags (困难户, 出租户, 重点户) and occupancy.

use crate::platform::web::{Path, Query};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use sqlx::Row;

use crate::platform::reader::Reader;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

use super::residents::{self, ResidentView};
use crate::audit::{self, Entry};
use crate::auth::{Action, Ctx, Place, Target, scope::scope_condition};
use crate::platform::AppState;
use crate::platform::db::{Filter, Val, bind_vals, like_pattern};
use crate::platform::error::AppError;
use crate::platform::time;
use crate::platform::web::ApiJson;
use crate::platform::web::paging;

pub const TAGS: &[&str] = &["in_difficulty", "rented_out", "key_household"];

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(one, edit))
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Household {
    pub id: i64,
    pub community_id: i64,
    pub compound_id: i64,
    pub building_id: i64,
    pub unit: i64,
    pub door_number: String,
    pub address: String,
    pub occupied: bool,
    /// in_difficulty, rented_out, key_household.
    pub tags: Vec<String>,
    /// Residents living here.
    pub members: i64,
}

const SELECT: &str = "SELECT h.id, h.community_id, b.compound_id, h.building_id, u.number AS unit, h.door_number, h.address, \
    h.occupied, h.tags, c.street_id, \
    (SELECT COUNT(*) FROM residents r WHERE r.household_id = h.id AND r.status = 'living' AND r.locked_at IS NULL) AS members \
    FROM households h JOIN buildings b ON b.id = h.building_id JOIN units u ON u.id = h.unit_id \
    JOIN communities c ON c.id = h.community_id";

fn from_row(r: &sqlx::any::AnyRow) -> Result<(Household, Place), sqlx::Error> {
    let tags: String = r.try_get("tags")?;
    let h = Household {
        id: r.try_get("id")?,
        community_id: r.try_get("community_id")?,
        compound_id: r.try_get("compound_id")?,
        building_id: r.try_get("building_id")?,
        unit: r.try_get("unit")?,
        door_number: r.try_get("door_number")?,
        address: r.try_get("address")?,
        occupied: r.try_get::<i64, _>("occupied")? != 0,
        tags: tags
            .split(',')
            .filter(|t| !t.is_empty())
            .map(str::to_owned)
            .collect(),
        members: r.try_get("members")?,
    };
    let place = Place {
        street_id: Some(r.try_get("street_id")?),
        community_id: Some(h.community_id),
        building_id: Some(h.building_id),
    };
    Ok((h, place))
}

pub async fn get(pool: &Reader, id: i64) -> Result<Option<(Household, Place)>, sqlx::Error> {
    let row = sqlx::query(&format!("{SELECT} WHERE h.id = $1"))
        .bind(id)
        .fetch_optional(pool)
        .await?;
    row.as_ref().map(from_row).transpose()
}

#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct HouseholdQuery {
    pub community_id: Option<i64>,
    pub building_id: Option<i64>,
    /// in_difficulty, rented_out or key_household.
    pub tag: Option<String>,
    /// Part of the address.
    pub q: Option<String>,
    pub page: Option<i64>,
    pub per_page: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct HouseholdList {
    pub items: Vec<Household>,
    pub total: i64,
}

/// Households in scope.
#[utoipa::path(get, path = "/api/v1/households", tag = "registry", params(HouseholdQuery), security(("bearer" = [])),
    responses((status = 200, body = HouseholdList)))]
async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<HouseholdQuery>,
) -> Result<Json<HouseholdList>, AppError> {
    // Authorized in search: RegistryRead
    Ok(Json(search(&state, &ctx, &q).await?))
}

/// Households in scope that match the filters; the read is audited.
pub async fn search(
    state: &AppState,
    ctx: &Ctx,
    q: &HouseholdQuery,
) -> Result<HouseholdList, AppError> {
    let (page, per_page) = paging(q.page, q.per_page, 25, 200)?;
    let scopes = ctx.scopes(Action::RegistryRead);
    let Some((cond, vals)) = scope_condition(
        &scopes,
        "c.street_id",
        "h.community_id",
        Some("h.building_id"),
    ) else {
        ctx.require(Action::RegistryRead, Target::System)?;
        return Err(AppError::forbidden());
    };
    let mut f = Filter::default();
    f.and(&cond, vals);
    if let Some(c) = q.community_id {
        f.and("h.community_id = ?", [Val::I(c)]);
    }
    if let Some(b) = q.building_id {
        f.and("h.building_id = ?", [Val::I(b)]);
    }
    if let Some(t) = q.tag.as_deref().filter(|t| !t.is_empty()) {
        if !TAGS.contains(&t) {
            return Err(AppError::invalid("tag", "registry.bad_tag"));
        }
        f.and("h.tags LIKE ?", [Val::T(format!("%{t}%"))]);
    }
    if let Some(text) = q.q.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        f.and("h.address LIKE ? ESCAPE '\\'", [Val::T(like_pattern(text))]);
    }
    let from = "FROM households h JOIN communities c ON c.id = h.community_id";
    let total: i64 = bind_vals(
        sqlx::query(&format!("SELECT COUNT(*) AS n {from} {}", f.sql())),
        &f.vals,
    )
    .fetch_one(state.db.read())
    .await?
    .try_get("n")?;
    let sql = format!(
        "{SELECT} {} ORDER BY h.building_id, h.id LIMIT {per_page} OFFSET {}",
        f.sql(),
        (page - 1) * per_page
    );
    let rows = bind_vals(sqlx::query(&sql), &f.vals)
        .fetch_all(state.db.read())
        .await?;
    let items = rows
        .iter()
        .map(|r| from_row(r).map(|(h, _)| h))
        .collect::<Result<_, _>>()?;
    audit::record_alone(
        &state.db,
        &ctx.actor(),
        Entry::new("registry.read", "household_list", "").at(Place {
            street_id: None,
            community_id: q.community_id,
            building_id: q.building_id,
        }),
    )
    .await?;
    Ok(HouseholdList { items, total })
}

#[derive(Serialize, ToSchema)]
pub struct HouseholdDetail {
    #[serde(flatten)]
    pub household: Household,
    /// Everyone registered in the household, masked.
    pub residents: Vec<ResidentView>,
}

/// One household with its residents (masked). Audited.
#[utoipa::path(get, path = "/api/v1/households/{id}", tag = "registry", params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, body = HouseholdDetail), (status = 403), (status = 404)))]
async fn one(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<Json<HouseholdDetail>, AppError> {
    // Authorized in detail: RegistryRead
    Ok(Json(detail(&state, &ctx, id).await?))
}

/// One household with its residents (masked); the read is audited.
pub async fn detail(state: &AppState, ctx: &Ctx, id: i64) -> Result<HouseholdDetail, AppError> {
    let (h, place) = get(state.db.read(), id)
        .await?
        .ok_or_else(AppError::not_found)?;
    ctx.require(Action::RegistryRead, Target::At(place))?;
    let members = residents::household_members(state.db.read(), id).await?;
    audit::record_alone(
        &state.db,
        &ctx.actor(),
        Entry::new("registry.read", "household", id).at(place),
    )
    .await?;
    Ok(HouseholdDetail {
        household: h,
        residents: members.iter().map(|r| r.view(false, false)).collect(),
    })
}

#[derive(Deserialize, ToSchema)]
pub struct HouseholdInput {
    pub building_id: i64,
    /// Unit number within the building (1, 2, …).
    pub unit: i64,
    /// e.g. 302.
    pub door_number: String,
    #[serde(default)]
    pub tags: Vec<String>,
}

fn check_tags(tags: &[String]) -> Result<String, AppError> {
    for t in tags {
        if !TAGS.contains(&t.as_str()) {
            return Err(AppError::invalid("tags", "registry.bad_tag"));
        }
    }
    Ok(tags.join(","))
}

/// Add a household to a building.
#[utoipa::path(post, path = "/api/v1/households", tag = "registry", request_body = HouseholdInput, security(("bearer" = [])),
    responses((status = 201, body = Household), (status = 409, description = "door already registered"), (status = 422)))]
async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiJson(i): ApiJson<HouseholdInput>,
) -> Result<(StatusCode, Json<Household>), AppError> {
    let place = super::places::place_of_building(state.db.read(), i.building_id)
        .await?
        .ok_or_else(|| AppError::invalid("building_id", "input.unknown_building"))?;
    ctx.require(Action::RegistryWrite, Target::At(place))?;
    let door = i.door_number.trim();
    if door.is_empty() || door.chars().count() > 10 {
        return Err(AppError::invalid("door_number", "registry.bad_door"));
    }
    let tags = check_tags(&i.tags)?;
    let mut tx = state.db.begin().await?;
    let id = insert(&mut tx, i.building_id, i.unit, door, &tags).await?;
    audit::record(
        &mut tx,
        &ctx.actor(),
        Entry::new("registry.create", "household", id).at(place),
    )
    .await?;
    tx.commit().await?;
    let (h, _) = get(state.db.read(), id)
        .await?
        .ok_or_else(AppError::not_found)?;
    Ok((StatusCode::CREATED, Json(h)))
}

/// Creates a household (and its unit if new) in a building; a door already registered is a 409.
pub async fn insert(
    tx: &mut crate::platform::db::Tx,
    building_id: i64,
    unit: i64,
    door: &str,
    tags: &str,
) -> Result<i64, AppError> {
    let b = sqlx::query(
        "SELECT b.community_id, b.number, b.units, p.name AS compound, c.name AS community FROM buildings b \
         JOIN compounds p ON p.id = b.compound_id JOIN communities c ON c.id = b.community_id WHERE b.id = $1",
    )
    .bind(building_id)
    .fetch_optional(&mut **tx)
    .await?
    .ok_or_else(|| AppError::invalid("building_id", "input.unknown_building"))?;
    let units: i64 = b.try_get("units")?;
    if !(1..=units.max(1)).contains(&unit) {
        return Err(AppError::invalid("unit", "registry.bad_unit").arg("units", units));
    }
    let unit_id: i64 =
        match sqlx::query("SELECT id FROM units WHERE building_id = $1 AND number = $2")
            .bind(building_id)
            .bind(unit)
            .fetch_optional(&mut **tx)
            .await?
        {
            Some(r) => r.try_get("id")?,
            None => {
                sqlx::query("INSERT INTO units (building_id, number) VALUES ($1, $2) RETURNING id")
                    .bind(building_id)
                    .bind(unit)
                    .fetch_one(&mut **tx)
                    .await?
                    .try_get("id")?
            }
        };
    let exists = sqlx::query("SELECT id FROM households WHERE unit_id = $1 AND door_number = $2")
        .bind(unit_id)
        .bind(door)
        .fetch_optional(&mut **tx)
        .await?;
    if let Some(r) = exists {
        let id: i64 = r.try_get("id")?;
        return Err(AppError::conflict("registry.duplicate_door")
            .field("door_number")
            .arg("id", id));
    }
    let community: String = b.try_get("community")?;
    let compound: String = b.try_get("compound")?;
    let number: String = b.try_get("number")?;
    let address = format!("{community}{compound}{number}{unit}单元{door}室");
    let id: i64 = sqlx::query(
        "INSERT INTO households (community_id, building_id, unit_id, door_number, address, occupied, tags, created_at) \
         VALUES ($1, $2, $3, $4, $5, 1, $6, $7) RETURNING id",
    )
    .bind(b.try_get::<i64, _>("community_id")?)
    .bind(building_id)
    .bind(unit_id)
    .bind(door)
    .bind(&address)
    .bind(tags)
    .bind(time::now_db())
    .fetch_one(&mut **tx)
    .await?
    .try_get("id")?;
    Ok(id)
}

#[derive(Deserialize, ToSchema)]
pub struct HouseholdEdit {
    pub occupied: bool,
    pub tags: Vec<String>,
}

/// Set a household's occupancy and tags.
#[utoipa::path(put, path = "/api/v1/households/{id}", tag = "registry", params(("id" = i64, Path)), request_body = HouseholdEdit,
    security(("bearer" = [])), responses((status = 200, body = Household), (status = 422)))]
async fn edit(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    ApiJson(e): ApiJson<HouseholdEdit>,
) -> Result<Json<Household>, AppError> {
    let (_, place) = get(state.db.read(), id)
        .await?
        .ok_or_else(AppError::not_found)?;
    ctx.require(Action::RegistryWrite, Target::At(place))?;
    let tags = check_tags(&e.tags)?;
    let mut tx = state.db.begin().await?;
    sqlx::query("UPDATE households SET occupied = $1, tags = $2 WHERE id = $3")
        .bind(i64::from(e.occupied))
        .bind(&tags)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    audit::record(
        &mut tx,
        &ctx.actor(),
        Entry::new("registry.update", "household", id)
            .at(place)
            .detail(tags),
    )
    .await?;
    tx.commit().await?;
    let (h, _) = get(state.db.read(), id)
        .await?
        .ok_or_else(AppError::not_found)?;
    Ok(Json(h))
}
