//! Compounds (小区院落) and their custody (M2). A compound is recorded under the community that
//! serves it; a new one whose homes are not yet half moved into is held in custody (代管) by that
//! community, an existing one of the same street (P5). When half its homes are moved into (P1)
//! the street sets up its committee: in one transaction a new community is created and takes the
//! compound over, with its buildings, households, residents, building groups and volunteers,
//! never back to its custodian; custody is closed with the day (P6, once: P7). What the custodian
//! did for the compound (cases, visits, notices) stays in its own records.

use serde::{Deserialize, Serialize};
use sqlx::Row;
use utoipa::ToSchema;

use super::communities::{code, insert_community};
use super::{manage, occupancy};
use crate::audit::{self, Entry};
use crate::auth::{Action, Ctx, Place, Target};
use crate::platform::AppState;
use crate::platform::db::{Tx, unique_or};
use crate::platform::error::AppError;
use crate::platform::input::{date_or_today, text};
use crate::platform::state::moved;
use crate::platform::time;
use crate::registry::compounds::compound_in;
use crate::registry::places::place_of_community;

#[derive(Clone, Default, Deserialize, ToSchema)]
pub struct CompoundInput {
    /// The community the compound is recorded under: for a new compound in custody, its
    /// custodian, an adjacent community of the same street.
    pub community_id: i64,
    /// e.g. 锦绣新城.
    pub name: String,
    /// A new compound without a committee of its own, held in custody (代管).
    #[serde(default)]
    pub in_custody: bool,
    /// The day custody began (YYYY-MM-DD, not in the future; today when left out).
    #[serde(default)]
    pub custodian_since: Option<String>,
    /// Homes in the compound, as the property office reports them.
    #[serde(default)]
    pub homes: Option<i64>,
    /// Homes moved into.
    #[serde(default)]
    pub moved_in: Option<i64>,
}

#[derive(Clone, Default, Deserialize, ToSchema)]
pub struct CompoundEdit {
    pub name: String,
    #[serde(default)]
    pub homes: Option<i64>,
    #[serde(default)]
    pub moved_in: Option<i64>,
}

#[derive(Clone, Default, Deserialize, ToSchema)]
pub struct SetUpInput {
    /// The day the committee was set up (YYYY-MM-DD, not in the future).
    pub set_up_on: String,
    /// The new community's code.
    pub code: String,
    /// The new community's name, e.g. 锦绣社区.
    pub name: String,
}

#[derive(Serialize, ToSchema)]
pub struct SetUp {
    pub compound_id: i64,
    /// The community created for the compound.
    pub community_id: i64,
    /// The custodian it passed from.
    pub custodian_community_id: i64,
    pub buildings: i64,
    pub households: i64,
    pub residents: i64,
}

/// P8: no other compound of the community has this name.
async fn unique_name(tx: &mut Tx, community: i64, name: &str, except: i64) -> Result<(), AppError> {
    let n: i64 = sqlx::query(
        "SELECT COUNT(*) AS n FROM compounds WHERE community_id = $1 AND name = $2 AND id <> $3",
    )
    .bind(community)
    .bind(name)
    .bind(except)
    .fetch_one(&mut **tx)
    .await?
    .try_get("n")?;
    if n > 0 {
        return Err(AppError::invalid("name", "places.name_taken"));
    }
    Ok(())
}

/// Records a compound; its id.
pub async fn create_compound(
    state: &AppState,
    ctx: &Ctx,
    i: &CompoundInput,
) -> Result<i64, AppError> {
    super::manages_somewhere(ctx)?;
    let place = place_of_community(state.db.read(), i.community_id)
        .await?
        .ok_or_else(|| AppError::invalid("community_id", "input.unknown_community"))?;
    manage(ctx, place)?;
    let name = text("name", &i.name, 40)?;
    let (homes, moved_in) = occupancy(i.homes, i.moved_in)?;
    let since = if i.in_custody {
        Some(date_or_today("custodian_since", i.custodian_since.as_deref())?.to_string())
    } else {
        None
    };
    let now = time::now_db();
    let mut tx = state.db.begin().await?;
    // P5: the custodian is a community of the street as it stands now.
    custodian_of_street(&mut tx, i.community_id, place.street_id.unwrap_or_default()).await?;
    unique_name(&mut tx, i.community_id, &name, 0).await?;
    let id: i64 = sqlx::query(
        "INSERT INTO compounds (community_id, name, custodial, has_committee, custodian_community_id, custodian_since, \
         homes, moved_in, created_at, updated_at) VALUES ($1, $2, $3, 0, $4, $5, $6, $7, $8, $8) RETURNING id",
    )
    .bind(i.community_id)
    .bind(&name)
    .bind(i64::from(i.in_custody))
    .bind(i.in_custody.then_some(i.community_id))
    .bind(since.as_deref())
    .bind(homes)
    .bind(moved_in)
    .bind(&now)
    .fetch_one(&mut *tx)
    .await
    .map_err(unique_or(AppError::invalid("name", "places.name_taken")))?
    .try_get("id")?;
    audit::record(
        &mut tx,
        &ctx.actor(),
        Entry::new("places.create", "compound", id)
            .at(place)
            .detail(if i.in_custody {
                format!("{name} 代管")
            } else {
                name
            }),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// P5: the custodian is an existing community of the compound's street.
async fn custodian_of_street(tx: &mut Tx, community: i64, street: i64) -> Result<(), AppError> {
    let n: i64 =
        sqlx::query("SELECT COUNT(*) AS n FROM communities WHERE id = $1 AND street_id = $2")
            .bind(community)
            .bind(street)
            .fetch_one(&mut **tx)
            .await?
            .try_get("n")?;
    if n != 1 {
        return Err(AppError::invalid(
            "community_id",
            "places.custodian_elsewhere",
        ));
    }
    Ok(())
}

/// The compound's community and street, or 404.
async fn compound_place(state: &AppState, id: i64) -> Result<Place, AppError> {
    let row = sqlx::query(
        "SELECT p.community_id, c.street_id FROM compounds p JOIN communities c ON c.id = p.community_id WHERE p.id = $1",
    )
    .bind(id)
    .fetch_optional(state.db.read())
    .await?
    .ok_or_else(AppError::not_found)?;
    Ok(Place {
        street_id: Some(row.try_get("street_id")?),
        community_id: Some(row.try_get("community_id")?),
        building_id: None,
    })
}

/// Renames a compound and records its occupancy.
pub async fn edit_compound(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    i: &CompoundEdit,
) -> Result<(), AppError> {
    let place = compound_place(state, id).await?;
    manage(ctx, place)?;
    let name = text("name", &i.name, 40)?;
    let (homes, moved_in) = occupancy(i.homes, i.moved_in)?;
    let community = place.community_id.unwrap_or_default();
    let mut tx = state.db.begin().await?;
    unique_name(&mut tx, community, &name, id).await?;
    // Still where it was read: a compound handed over meanwhile is another community's now.
    let done = sqlx::query(
        "UPDATE compounds SET name = $1, homes = $2, moved_in = $3, updated_at = $4 WHERE id = $5 AND community_id = $6",
    )
    .bind(&name)
    .bind(homes)
    .bind(moved_in)
    .bind(time::now_db())
    .bind(id)
    .bind(community)
    .execute(&mut *tx)
    .await
    .map_err(unique_or(AppError::invalid("name", "places.name_taken")))?
    .rows_affected();
    moved(done, "places.changed")?;
    let detail = match (homes, moved_in) {
        (Some(h), Some(m)) => format!("{name} {m}/{h}"),
        _ => name,
    };
    audit::record(
        &mut tx,
        &ctx.actor(),
        Entry::new("places.edit", "compound", id)
            .at(place)
            .detail(detail),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The street sets up a compound's own committee (M2): a new community takes it over from its
/// custodian. Refused below half occupancy (P1: until then it stays in custody), for a compound
/// not in custody, and twice (P7).
pub async fn set_up_committee(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    i: &SetUpInput,
) -> Result<SetUp, AppError> {
    let place = compound_place(state, id).await?;
    ctx.require(Action::CommunitiesManage, Target::At(place))?;
    if i.set_up_on.trim().is_empty() {
        return Err(AppError::invalid("set_up_on", "places.required"));
    }
    let on = date_or_today("set_up_on", Some(&i.set_up_on))?;
    let code = code(&i.code)?;
    let name = text("name", &i.name, 30)?;
    let custodian = place.community_id.unwrap_or_default();
    let street = place.street_id.unwrap_or_default();
    let mut tx = state.db.begin().await?;
    // P7: from custody, once: the guarded update holds the compound for this transaction.
    let held = sqlx::query(
        "UPDATE compounds SET custodial = custodial WHERE id = $1 AND community_id = $2 AND custodial = 1 AND has_committee = 0",
    )
    .bind(id)
    .bind(custodian)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    moved(held, "places.not_in_custody")?;
    let now = compound_in(&mut tx, id).await?;
    if !now.needs_committee {
        return Err(AppError::invalid("set_up_on", "places.not_half_occupied")
            .arg("occupied", now.occupied)
            .arg("total", now.households));
    }
    let new = insert_community(&mut tx, ctx, street, &code, &name).await?;
    // P6: handed to the community just made, never back to its custodian.
    let moved_now = hand_over(&mut tx, id, new, &on.to_string()).await?;
    audit::record(
        &mut tx,
        &ctx.actor(),
        Entry::new("places.committee_set_up", "compound", id)
            .at(place)
            .detail(format!("→ {new} {name} {on}")),
    )
    .await?;
    tx.commit().await?;
    Ok(SetUp {
        compound_id: id,
        community_id: new,
        custodian_community_id: custodian,
        buildings: moved_now.0,
        households: moved_now.1,
        residents: moved_now.2,
    })
}

/// Moves the compound and everything registered in it to community `to`: buildings,
/// households, residents, building groups and volunteers. Counts of buildings, households and
/// residents moved.
async fn hand_over(tx: &mut Tx, id: i64, to: i64, on: &str) -> Result<(i64, i64, i64), AppError> {
    let in_compound = "SELECT id FROM buildings WHERE compound_id = $2";
    let done = sqlx::query(
        "UPDATE compounds SET community_id = $1, custodial = 0, has_committee = 1, committee_set_up_on = $2, updated_at = $3 \
         WHERE id = $4 AND custodial = 1",
    )
    .bind(to)
    .bind(on)
    .bind(time::now_db())
    .bind(id)
    .execute(&mut **tx)
    .await?
    .rows_affected();
    moved(done, "places.not_in_custody")?;
    let mut counts = [0i64; 3];
    for (i, sql) in [
        "UPDATE buildings SET community_id = $1 WHERE compound_id = $2".to_owned(),
        format!("UPDATE households SET community_id = $1 WHERE building_id IN ({in_compound})"),
        format!("UPDATE residents SET community_id = $1 WHERE building_id IN ({in_compound})"),
        format!("UPDATE bodies SET community_id = $1 WHERE building_id IN ({in_compound})"),
        format!(
            "UPDATE volunteers SET community_id = $1 WHERE resident_id IN \
             (SELECT id FROM residents WHERE building_id IN ({in_compound}))"
        ),
    ]
    .iter()
    .enumerate()
    {
        let n = sqlx::query(sql)
            .bind(to)
            .bind(id)
            .execute(&mut **tx)
            .await?
            .rows_affected();
        if let Some(c) = counts.get_mut(i) {
            *c = n as i64;
        }
    }
    Ok((counts[0], counts[1], counts[2]))
}

/// How many compounds of the street are in custody at half occupancy or more: each needs its
/// own committee (P1), shown on the street's home.
pub async fn needing_committee(state: &AppState, street: i64) -> Result<i64, AppError> {
    let all = crate::registry::compounds::in_custody(state, street).await?;
    Ok(all.iter().filter(|p| p.needs_committee).count() as i64)
}
