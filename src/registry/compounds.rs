//! Compounds (小区院落) as read: occupancy (the property office's figures where recorded,
//! otherwise the registry's households), custody and the M2 flag. Every reader of compounds goes
//! through these functions: the places pages and API, the street's home, the general ledger and
//! the writes of `places_edit`.

use serde::Serialize;
use sqlx::Row;
use utoipa::ToSchema;

use super::places_api::{PlaceQuery, scoped_places};
use super::rules;
use crate::auth::{Action, Ctx, Place, Target};
use crate::platform::AppState;
use crate::platform::db::{Filter, Tx, Val, bind_vals};
use crate::platform::error::AppError;

#[derive(Clone, Serialize, ToSchema)]
pub struct Compound {
    pub id: i64,
    /// The community the compound is recorded under (its custodian while in custody).
    pub community_id: i64,
    pub name: String,
    /// Homes: as the property office reports them when recorded, otherwise the registry's
    /// households.
    pub households: i64,
    /// Homes moved into, counted the same way.
    pub occupied: i64,
    /// Occupied ÷ total households, 0–1.
    pub occupancy: f64,
    /// Whether the counts are the property office's (`recorded`) or the registry's.
    pub occupancy_source: OccupancySource,
    /// Where the compound stands with its committee (M2).
    pub custody: super::places_edit::Custody,
    /// Whether the community holds this compound in custody (代管) until it has a committee.
    pub custodial: bool,
    /// The custodian community, adjacent in the same street: while in custody, and after its
    /// committee is set up, the one it passed from.
    pub custodian_community_id: Option<i64>,
    /// The day custody began (YYYY-MM-DD).
    pub custodian_since: Option<String>,
    /// The day its own committee was set up (YYYY-MM-DD).
    pub committee_set_up_on: Option<String>,
    pub has_committee: bool,
    /// M2: at 50% occupancy with no committee of its own: 应成立居委会.
    pub needs_committee: bool,
}

crate::workflow_state! {
    /// Where a compound's occupancy figures come from.
    pub enum OccupancySource {
        /// The property office's homes and homes moved into, as recorded.
        Recorded = "recorded",
        /// The registry's households.
        Registry = "registry",
    }
}

const COMPOUND_SQL: &str = "SELECT p.id, p.community_id, c.name AS community_name, p.name, p.custodial, p.has_committee, \
    p.custodian_community_id, p.custodian_since, p.committee_set_up_on, p.homes, p.moved_in, \
    (SELECT COUNT(*) FROM households h JOIN buildings b ON b.id = h.building_id WHERE b.compound_id = p.id) AS households, \
    (SELECT COUNT(*) FROM households h JOIN buildings b ON b.id = h.building_id WHERE b.compound_id = p.id AND h.occupied = 1) AS occupied \
    FROM compounds p JOIN communities c ON c.id = p.community_id";

fn compound_from(r: &sqlx::any::AnyRow) -> Result<Compound, sqlx::Error> {
    let (occupied, households, source) = match (
        r.try_get::<Option<i64>, _>("homes")?,
        r.try_get::<Option<i64>, _>("moved_in")?,
    ) {
        (Some(h), m) => (m.unwrap_or(0), h, OccupancySource::Recorded),
        _ => (
            r.try_get("occupied")?,
            r.try_get("households")?,
            OccupancySource::Registry,
        ),
    };
    let custodial = r.try_get::<i64, _>("custodial")? != 0;
    let has_committee = r.try_get::<i64, _>("has_committee")? != 0;
    let committee_set_up_on: Option<String> = r.try_get("committee_set_up_on")?;
    Ok(Compound {
        id: r.try_get("id")?,
        community_id: r.try_get("community_id")?,
        name: r.try_get("name")?,
        households,
        occupied,
        occupancy: if households == 0 {
            0.0
        } else {
            occupied as f64 / households as f64
        },
        occupancy_source: source,
        custody: super::places_edit::Custody::of(
            custodial,
            has_committee,
            committee_set_up_on.is_some(),
        ),
        custodial,
        custodian_community_id: r.try_get("custodian_community_id")?,
        custodian_since: r.try_get("custodian_since")?,
        committee_set_up_on,
        has_committee,
        needs_committee: rules::needs_committee(custodial, has_committee, occupied, households),
    })
}

pub async fn list_compounds(
    state: &AppState,
    ctx: &Ctx,
    q: &PlaceQuery,
) -> Result<Vec<Compound>, AppError> {
    let mut f = scoped_places(
        ctx,
        Action::PlacesRead,
        "c.street_id",
        "p.community_id",
        None,
    )?;
    if let Some(c) = q.community_id {
        f.and("p.community_id = ?", [Val::I(c)]);
    }
    let sql = format!("{COMPOUND_SQL} {} ORDER BY p.community_id, p.id", f.sql());
    let rows = bind_vals(sqlx::query(&sql), &f.vals)
        .fetch_all(state.db.read())
        .await?;
    Ok(rows.iter().map(compound_from).collect::<Result<_, _>>()?)
}

/// One compound the caller may see, or 404/403.
pub async fn compound_of(state: &AppState, ctx: &Ctx, id: i64) -> Result<Compound, AppError> {
    let row = sqlx::query(&format!("{COMPOUND_SQL} WHERE p.id = $1"))
        .bind(id)
        .fetch_optional(state.db.read())
        .await?;
    let c = compound_from(&row.ok_or_else(AppError::not_found)?)?;
    ctx.require(
        Action::PlacesRead,
        Target::At(community_place(state, c.community_id).await?),
    )?;
    Ok(c)
}

/// The place of a compound's community, or 404.
pub(crate) async fn community_place(state: &AppState, id: i64) -> Result<Place, AppError> {
    super::places::place_of_community(state.db.read(), id)
        .await?
        .ok_or_else(AppError::not_found)
}

/// The compound as it stands inside `tx`, occupancy and the M2 flag included.
pub async fn compound_in(tx: &mut Tx, id: i64) -> Result<Compound, AppError> {
    let row = sqlx::query(&format!("{COMPOUND_SQL} WHERE p.id = $1"))
        .bind(id)
        .fetch_one(&mut **tx)
        .await?;
    Ok(compound_from(&row)?)
}

/// The street's compounds in custody (代管) without a committee of their own.
pub async fn in_custody(state: &AppState, street: i64) -> Result<Vec<Compound>, AppError> {
    let rows = sqlx::query(&format!(
        "{COMPOUND_SQL} WHERE c.street_id = $1 AND p.custodial = 1 AND p.has_committee = 0 ORDER BY p.id"
    ))
    .bind(street)
    .fetch_all(state.db.read())
    .await?;
    Ok(rows.iter().map(compound_from).collect::<Result<_, _>>()?)
}

/// The compounds a ledger's filter keeps (on `c.street_id` and `c.id`), each with its
/// community's name, in the communities' order.
pub async fn for_ledger(
    pool: &crate::platform::reader::Reader,
    f: &Filter,
) -> Result<Vec<(String, Compound)>, AppError> {
    let sql = format!("{COMPOUND_SQL} {} ORDER BY c.code, p.id", f.sql());
    let rows = bind_vals(sqlx::query(&sql), &f.vals)
        .fetch_all(pool)
        .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("community_name")?, compound_from(r)?)))
        .collect::<Result<_, sqlx::Error>>()
        .map_err(Into::into)
}
