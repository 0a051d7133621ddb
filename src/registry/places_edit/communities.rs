//! The street's communities (M1): the street officer creates them and corrects their names and
//! codes. A community's code and its name within the street are its own (P8).

use serde::Deserialize;
use sqlx::Row;
use utoipa::ToSchema;

use crate::audit::{self, Entry};
use crate::auth::{Action, Ctx, Place, Scope, Target};
use crate::platform::AppState;
use crate::platform::db::{Tx, unique_or};
use crate::platform::error::AppError;
use crate::platform::input::text;
use crate::platform::time;

#[derive(Clone, Default, Deserialize, ToSchema)]
pub struct CommunityInput {
    /// The street; the caller's own when left out.
    #[serde(default)]
    pub street_id: Option<i64>,
    /// The community's code (统计用区划代码 or the street's own numbering): letters and digits.
    pub code: String,
    /// e.g. 锦绣社区.
    pub name: String,
}

/// A community's code: 1 to 20 letters and digits.
pub(super) fn code(s: &str) -> Result<String, AppError> {
    let c = s.trim();
    if c.is_empty() || c.len() > 20 || !c.chars().all(|ch| ch.is_ascii_alphanumeric()) {
        return Err(AppError::invalid("code", "places.bad_code"));
    }
    Ok(c.to_owned())
}

/// The street the caller creates communities in: the one named, or their own.
fn street_of(ctx: &Ctx, named: Option<i64>) -> Result<i64, AppError> {
    let street = match named {
        Some(s) => s,
        None => ctx
            .scopes(Action::CommunitiesManage)
            .iter()
            .find_map(|s| match s {
                Scope::Street(id) => Some(*id),
                _ => None,
            })
            .ok_or_else(|| {
                ctx.require(Action::CommunitiesManage, Target::System)
                    .err()
                    .unwrap_or_else(AppError::forbidden)
            })?,
    };
    ctx.require(Action::CommunitiesManage, Target::At(Place::street(street)))?;
    Ok(street)
}

/// P8: no other community has this code, nor this name in the same street.
pub(super) async fn unique_community(
    tx: &mut Tx,
    street: i64,
    code: &str,
    name: &str,
    except: i64,
) -> Result<(), AppError> {
    let taken: i64 =
        sqlx::query("SELECT COUNT(*) AS n FROM communities WHERE code = $1 AND id <> $2")
            .bind(code)
            .bind(except)
            .fetch_one(&mut **tx)
            .await?
            .try_get("n")?;
    if taken > 0 {
        return Err(AppError::invalid("code", "places.code_taken"));
    }
    let named: i64 = sqlx::query(
        "SELECT COUNT(*) AS n FROM communities WHERE street_id = $1 AND name = $2 AND id <> $3",
    )
    .bind(street)
    .bind(name)
    .bind(except)
    .fetch_one(&mut **tx)
    .await?
    .try_get("n")?;
    if named > 0 {
        return Err(AppError::invalid("name", "places.name_taken"));
    }
    Ok(())
}

/// Inserts a community in `street` inside `tx`, checked (P8); its id.
pub(super) async fn insert_community(
    tx: &mut Tx,
    ctx: &Ctx,
    street: i64,
    code: &str,
    name: &str,
) -> Result<i64, AppError> {
    unique_community(tx, street, code, name, 0).await?;
    let now = time::now_db();
    let id: i64 = sqlx::query(
        "INSERT INTO communities (street_id, code, name, created_at, updated_at) VALUES ($1, $2, $3, $4, $4) RETURNING id",
    )
    .bind(street)
    .bind(code)
    .bind(name)
    .bind(&now)
    .fetch_one(&mut **tx)
    .await
    .map_err(unique_or(AppError::invalid("code", "places.code_taken")))?
    .try_get("id")?;
    let place = Place {
        street_id: Some(street),
        community_id: Some(id),
        building_id: None,
    };
    audit::record(
        tx,
        &ctx.actor(),
        Entry::new("places.create", "community", id)
            .at(place)
            .detail(format!("{code} {name}")),
    )
    .await?;
    Ok(id)
}

/// Creates a community of the street; its id.
pub async fn create_community(
    state: &AppState,
    ctx: &Ctx,
    i: &CommunityInput,
) -> Result<i64, AppError> {
    let street = street_of(ctx, i.street_id)?;
    let code = code(&i.code)?;
    let name = text("name", &i.name, 30)?;
    let mut tx = state.db.begin().await?;
    let id = insert_community(&mut tx, ctx, street, &code, &name).await?;
    tx.commit().await?;
    Ok(id)
}

/// Corrects a community's code and name.
pub async fn edit_community(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    i: &CommunityInput,
) -> Result<(), AppError> {
    let place = crate::registry::places::place_of_community(state.db.read(), id)
        .await?
        .ok_or_else(AppError::not_found)?;
    ctx.require(Action::CommunitiesManage, Target::At(place))?;
    let street = place.street_id.unwrap_or_default();
    let code = code(&i.code)?;
    let name = text("name", &i.name, 30)?;
    let mut tx = state.db.begin().await?;
    unique_community(&mut tx, street, &code, &name, id).await?;
    sqlx::query("UPDATE communities SET code = $1, name = $2, updated_at = $3 WHERE id = $4")
        .bind(&code)
        .bind(&name)
        .bind(time::now_db())
        .bind(id)
        .execute(&mut *tx)
        .await
        .map_err(unique_or(AppError::invalid("code", "places.code_taken")))?;
    audit::record(
        &mut tx,
        &ctx.actor(),
        Entry::new("places.edit", "community", id)
            .at(place)
            .detail(format!("{code} {name}")),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
