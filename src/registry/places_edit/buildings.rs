//! Buildings (楼栋) and their units (单元) in a compound, created and corrected by the
//! community's head. A building's number is its own within its compound (P8); its units are
//! numbered 1…n and are never cut below a unit where households are registered (P9).

use serde::Deserialize;
use sqlx::Row;
use utoipa::ToSchema;

use super::{count, manage};
use crate::audit::{self, Entry};
use crate::auth::{Ctx, Place};
use crate::platform::AppState;
use crate::platform::db::{Tx, unique_or};
use crate::platform::error::AppError;
use crate::platform::input::text;
use crate::platform::state::moved;
use crate::platform::time;

#[derive(Clone, Default, Deserialize, ToSchema)]
pub struct BuildingInput {
    /// The compound the building stands in (on creation; a building does not move).
    #[serde(default)]
    pub compound_id: i64,
    /// e.g. 3号楼; a bare number gets 号楼.
    pub number: String,
    /// Units (单元), 1–30.
    pub units: i64,
    /// Floors, 1–120.
    pub floors: i64,
}

/// A building's number as people write it: `3` and `3号楼` are the same building.
pub(crate) fn number(s: &str) -> Result<String, AppError> {
    let n = text("number", s, 20)?;
    Ok(if n.chars().all(|c| c.is_ascii_digit()) {
        format!("{n}号楼")
    } else {
        n
    })
}

/// P8: no other building of the compound has this number.
async fn unique_number(
    tx: &mut Tx,
    compound: i64,
    number: &str,
    except: i64,
) -> Result<(), AppError> {
    let n: i64 = sqlx::query(
        "SELECT COUNT(*) AS n FROM buildings WHERE compound_id = $1 AND number = $2 AND id <> $3",
    )
    .bind(compound)
    .bind(number)
    .bind(except)
    .fetch_one(&mut **tx)
    .await?
    .try_get("n")?;
    if n > 0 {
        return Err(AppError::invalid("number", "places.name_taken"));
    }
    Ok(())
}

/// Units 1…`units` of the building exist (those already there are kept).
pub(crate) async fn add_units(tx: &mut Tx, building: i64, units: i64) -> Result<(), AppError> {
    for u in 1..=units {
        let there: i64 =
            sqlx::query("SELECT COUNT(*) AS n FROM units WHERE building_id = $1 AND number = $2")
                .bind(building)
                .bind(u)
                .fetch_one(&mut **tx)
                .await?
                .try_get("n")?;
        if there == 0 {
            sqlx::query("INSERT INTO units (building_id, number) VALUES ($1, $2)")
                .bind(building)
                .bind(u)
                .execute(&mut **tx)
                .await?;
        }
    }
    Ok(())
}

/// The place of a compound the caller manages: 401/403 first, then 422 for an unknown one.
pub async fn managed_compound(
    state: &AppState,
    ctx: &Ctx,
    compound: i64,
) -> Result<Place, AppError> {
    super::manages_somewhere(ctx)?;
    let row = sqlx::query(
        "SELECT p.community_id, c.street_id FROM compounds p JOIN communities c ON c.id = p.community_id WHERE p.id = $1",
    )
    .bind(compound)
    .fetch_optional(state.db.read())
    .await?
    .ok_or_else(|| AppError::invalid("compound_id", "places.unknown_compound"))?;
    let place = Place {
        street_id: Some(row.try_get("street_id")?),
        community_id: Some(row.try_get("community_id")?),
        building_id: None,
    };
    manage(ctx, place)?;
    Ok(place)
}

/// The place of a building the caller manages, or 401/403/404.
pub async fn managed_building(state: &AppState, ctx: &Ctx, id: i64) -> Result<Place, AppError> {
    super::manages_somewhere(ctx)?;
    let place = crate::registry::places::place_of_building(state.db.read(), id)
        .await?
        .ok_or_else(AppError::not_found)?;
    manage(ctx, place)?;
    Ok(place)
}

/// Creates a building in a compound with its units; its id.
pub async fn create_building(
    state: &AppState,
    ctx: &Ctx,
    i: &BuildingInput,
) -> Result<i64, AppError> {
    let mut place = managed_compound(state, ctx, i.compound_id).await?;
    let community = place.community_id.unwrap_or_default();
    let number = number(&i.number)?;
    let units = count("units", i.units, 1, 30)?;
    let floors = count("floors", i.floors, 1, 120)?;
    let mut tx = state.db.begin().await?;
    unique_number(&mut tx, i.compound_id, &number, 0).await?;
    // The compound is still the community's (not handed over meanwhile).
    let id: i64 = sqlx::query(
        "INSERT INTO buildings (community_id, compound_id, number, units, floors, created_at, updated_at) \
         SELECT p.community_id, p.id, $1, $2, $3, $4, $4 FROM compounds p WHERE p.id = $5 AND p.community_id = $6 RETURNING id",
    )
    .bind(&number)
    .bind(units)
    .bind(floors)
    .bind(time::now_db())
    .bind(i.compound_id)
    .bind(community)
    .fetch_optional(&mut *tx)
    .await
    .map_err(unique_or(AppError::invalid("number", "places.name_taken")))?
    .ok_or_else(|| AppError::conflict("places.changed"))?
    .try_get("id")?;
    add_units(&mut tx, id, units).await?;
    place.building_id = Some(id);
    audit::record(
        &mut tx,
        &ctx.actor(),
        Entry::new("places.create", "building", id)
            .at(place)
            .detail(format!("{number} {units}单元 {floors}层")),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Corrects a building's number, units and floors. Units are added as 1…n; cutting them is
/// refused while a household is registered in a unit that would go (P9).
pub async fn edit_building(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    i: &BuildingInput,
) -> Result<(), AppError> {
    let place = managed_building(state, ctx, id).await?;
    let number = number(&i.number)?;
    let units = count("units", i.units, 1, 30)?;
    let floors = count("floors", i.floors, 1, 120)?;
    let mut tx = state.db.begin().await?;
    let compound: i64 = sqlx::query("SELECT compound_id FROM buildings WHERE id = $1")
        .bind(id)
        .fetch_one(&mut *tx)
        .await?
        .try_get("compound_id")?;
    unique_number(&mut tx, compound, &number, id).await?;
    let in_use: Option<i64> = sqlx::query(
        "SELECT MAX(u.number) AS n FROM units u JOIN households h ON h.unit_id = u.id WHERE u.building_id = $1",
    )
    .bind(id)
    .fetch_one(&mut *tx)
    .await?
    .try_get("n")?;
    if let Some(used) = in_use.filter(|u| *u > units) {
        return Err(AppError::invalid("units", "places.units_in_use").arg("unit", used));
    }
    let done = sqlx::query(
        "UPDATE buildings SET number = $1, units = $2, floors = $3, updated_at = $4 WHERE id = $5 AND community_id = $6",
    )
    .bind(&number)
    .bind(units)
    .bind(floors)
    .bind(time::now_db())
    .bind(id)
    .bind(place.community_id)
    .execute(&mut *tx)
    .await
    .map_err(unique_or(AppError::invalid("number", "places.name_taken")))?
    .rows_affected();
    moved(done, "places.changed")?;
    sqlx::query("DELETE FROM units WHERE building_id = $1 AND number > $2")
        .bind(id)
        .bind(units)
        .execute(&mut *tx)
        .await?;
    add_units(&mut tx, id, units).await?;
    audit::record(
        &mut tx,
        &ctx.actor(),
        Entry::new("places.edit", "building", id)
            .at(place)
            .detail(format!("{number} {units}单元 {floors}层")),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
