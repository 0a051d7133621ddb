//! Looking up where things are: the [`Place`] of a building or community, and the names shown
//! for a scope.

use sqlx::Row;

use crate::platform::reader::Reader;

use crate::auth::{Place, Scope};
use crate::platform::i18n::Lang;

pub async fn place_of_building(
    pool: &Reader,
    building_id: i64,
) -> Result<Option<Place>, sqlx::Error> {
    let row = sqlx::query(
        "SELECT c.street_id, b.community_id FROM buildings b JOIN communities c ON c.id = b.community_id WHERE b.id = $1",
    )
    .bind(building_id)
    .fetch_optional(pool)
    .await?;
    row.map(|r| {
        Ok(Place {
            street_id: Some(r.try_get("street_id")?),
            community_id: Some(r.try_get("community_id")?),
            building_id: Some(building_id),
        })
    })
    .transpose()
}

pub async fn place_of_community(
    pool: &Reader,
    community_id: i64,
) -> Result<Option<Place>, sqlx::Error> {
    let row = sqlx::query("SELECT street_id FROM communities WHERE id = $1")
        .bind(community_id)
        .fetch_optional(pool)
        .await?;
    row.map(|r| {
        Ok(Place {
            street_id: Some(r.try_get("street_id")?),
            community_id: Some(community_id),
            building_id: None,
        })
    })
    .transpose()
}

/// The name a person reads for a scope: `新华街道`, `三角线社区`, `三角线社区 1号院 3号楼`.
pub async fn scope_name(pool: &Reader, scope: Scope) -> Result<String, sqlx::Error> {
    let row = match scope {
        Scope::Street(id) => sqlx::query("SELECT name FROM streets WHERE id = $1").bind(id).fetch_optional(pool).await?,
        Scope::Community(id) => {
            sqlx::query("SELECT name FROM communities WHERE id = $1").bind(id).fetch_optional(pool).await?
        }
        Scope::Building(id) => {
            sqlx::query(
                "SELECT c.name || ' ' || p.name || ' ' || b.number AS name FROM buildings b \
                 JOIN compounds p ON p.id = b.compound_id JOIN communities c ON c.id = b.community_id WHERE b.id = $1",
            )
            .bind(id)
            .fetch_optional(pool)
            .await?
        }
    };
    Ok(match row {
        Some(r) => r.try_get("name")?,
        None => String::new(),
    })
}

/// The community's residents' committee by name (`三角线社区居民委员会`), as a notice's 落款
/// names its issuer.
pub async fn committee(pool: &Reader, community: i64, lang: Lang) -> Result<String, sqlx::Error> {
    let name = scope_name(pool, Scope::Community(community)).await?;
    Ok(crate::platform::i18n::tf(
        lang,
        "common.committee",
        &[("name", name)],
    ))
}

/// How many households and residents (living here) a scope holds.
pub async fn counts(pool: &Reader, scope: Scope) -> Result<(i64, i64), sqlx::Error> {
    let (col, id) = match scope {
        Scope::Street(id) => ("c.street_id", id),
        Scope::Community(id) => ("h.community_id", id),
        Scope::Building(id) => ("h.building_id", id),
    };
    let households: i64 = sqlx::query(&format!(
        "SELECT COUNT(*) AS n FROM households h JOIN communities c ON c.id = h.community_id WHERE {col} = $1"
    ))
    .bind(id)
    .fetch_one(pool)
    .await?
    .try_get("n")?;
    let residents: i64 = sqlx::query(&format!(
        "SELECT COUNT(*) AS n FROM residents r JOIN households h ON h.id = r.household_id \
         JOIN communities c ON c.id = h.community_id WHERE {col} = $1 AND r.status = 'living' AND r.locked_at IS NULL"
    ))
    .bind(id)
    .fetch_one(pool)
    .await?
    .try_get("n")?;
    Ok((households, residents))
}

/// The place of a community the caller may do `action` in (the first, if none is named).
pub async fn community_place(
    state: &crate::platform::AppState,
    ctx: &crate::auth::Ctx,
    action: crate::auth::Action,
    community: Option<i64>,
) -> Result<Place, crate::platform::error::AppError> {
    let id = match community {
        Some(c) => c,
        None => ctx
            .scopes(action)
            .iter()
            .find_map(|s| match s {
                Scope::Community(c) => Some(*c),
                _ => None,
            })
            .ok_or_else(|| {
                // Nobody signed in, or no such duty anywhere: say so, not "which community?".
                ctx.require(action, crate::auth::Target::System)
                    .err()
                    .unwrap_or_else(|| {
                        crate::platform::error::AppError::invalid(
                            "community_id",
                            "places.which_community",
                        )
                    })
            })?,
    };
    let place = place_of_community(state.db.read(), id)
        .await?
        .ok_or_else(|| {
            crate::platform::error::AppError::invalid("community_id", "input.unknown_community")
        })?;
    ctx.require(action, crate::auth::Target::At(place))?;
    Ok(place)
}
