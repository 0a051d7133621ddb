//! What the daily pages' forms offer to pick from: the community a worker records for, its
//! buildings, its households by building, its social units, and the case categories a finding
//! can be filed under.

use sqlx::Row;

use crate::auth::{Action, Ctx, Scope};
use crate::platform::AppState;
use crate::platform::error::AppError;

/// The first community where the caller may do `action`, if any: where a page's form records.
pub fn community(ctx: &Ctx, action: Action) -> Option<i64> {
    ctx.scopes(action).iter().find_map(|s| match s {
        Scope::Community(c) => Some(*c),
        _ => None,
    })
}

async fn pairs(state: &AppState, sql: &str, id: i64) -> Result<Vec<(i64, String)>, AppError> {
    sqlx::query(sql)
        .bind(id)
        .fetch_all(state.db.read())
        .await?
        .iter()
        .map(|r| Ok((r.try_get("id")?, r.try_get("name")?)))
        .collect::<Result<_, sqlx::Error>>()
        .map_err(Into::into)
}

/// The community's buildings, as 小区 and number.
pub async fn buildings(state: &AppState, community: i64) -> Result<Vec<(i64, String)>, AppError> {
    pairs(
        state,
        "SELECT b.id, k.name || ' ' || b.number AS name FROM buildings b JOIN compounds k ON k.id = b.compound_id WHERE b.community_id = $1 ORDER BY k.name, b.id",
        community,
    )
    .await
}

/// A building's households, by address.
pub async fn households(state: &AppState, building: i64) -> Result<Vec<(i64, String)>, AppError> {
    pairs(
        state,
        "SELECT id, address AS name FROM households WHERE building_id = $1 ORDER BY address",
        building,
    )
    .await
}

/// The community's stationed units and social organisations.
pub async fn social_units(
    state: &AppState,
    community: i64,
) -> Result<Vec<(i64, String)>, AppError> {
    pairs(
        state,
        "SELECT id, name FROM social_units WHERE community_id = $1 ORDER BY name",
        community,
    )
    .await
}

/// The categories a finding can be filed under (the sensitive ones go through their own desk).
pub async fn categories(state: &AppState, community: i64) -> Result<Vec<String>, AppError> {
    Ok(crate::cases::store::categories(state.db.read(), community)
        .await?
        .into_iter()
        .filter(|c| !c.sensitive)
        .map(|c| c.code)
        .collect())
}

/// The building whose households a page's form offers (`?building_id=`).
#[derive(serde::Deserialize, Default)]
pub struct Pick {
    #[serde(default)]
    pub building_id: String,
}

/// The community's buildings and the households of the one picked (`building`, as typed or
/// from `?building_id=`; the first building when none or another community's is named, and
/// `building` is set to it). Nothing without a community.
pub async fn picked_households(
    state: &AppState,
    community: Option<i64>,
    building: &mut String,
) -> Result<(Vec<(i64, String)>, Vec<(i64, String)>), AppError> {
    let Some(c) = community else {
        return Ok(Default::default());
    };
    let buildings = buildings(state, c).await?;
    let chosen = building
        .trim()
        .parse::<i64>()
        .ok()
        .filter(|b| buildings.iter().any(|(id, _)| id == b))
        .or_else(|| buildings.first().map(|b| b.0));
    let households = match chosen {
        Some(b) => {
            *building = b.to_string();
            households(state, b).await?
        }
        None => Vec::new(),
    };
    Ok((buildings, households))
}

/// The name of `id` among `pairs`, or empty.
pub fn name_of(pairs: &[(i64, String)], id: Option<i64>) -> String {
    id.and_then(|id| pairs.iter().find(|(i, _)| *i == id))
        .map(|(_, n)| n.clone())
        .unwrap_or_default()
}

/// The addresses of these households (the ones a list names).
pub async fn addresses(state: &AppState, ids: &[i64]) -> Result<Vec<(i64, String)>, AppError> {
    let mut ids = ids.to_vec();
    ids.sort_unstable();
    ids.dedup();
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT id, address AS name FROM households WHERE id IN ({})",
        crate::platform::db::placeholders(0, ids.len())
    );
    let mut q = sqlx::query(&sql);
    for id in &ids {
        q = q.bind(*id);
    }
    q.fetch_all(state.db.read())
        .await?
        .iter()
        .map(|r| Ok((r.try_get("id")?, r.try_get("name")?)))
        .collect::<Result<_, sqlx::Error>>()
        .map_err(Into::into)
}
