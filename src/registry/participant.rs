//! The signed-in resident taking part in the community's affairs — voting, objecting by name,
//! commenting — identified by their own living resident record.

use axum::http::StatusCode;
use sqlx::Row;

use crate::auth::{Action, Ctx, Target};
use crate::platform::AppState;
use crate::platform::error::AppError;
use crate::platform::time;

/// The signed-in resident taking part: their account and their living resident record.
pub struct Participant {
    pub user_id: i64,
    pub resident_id: i64,
    pub name: String,
    pub community_id: i64,
    pub building_id: i64,
    pub representative: bool,
    pub adult: bool,
}

/// The caller as a resident of the community, or a clear refusal: `anon_key` for
/// nobody signed in (objections and votes are by name).
pub async fn participant(
    state: &AppState,
    ctx: &Ctx,
    community: Option<i64>,
    anon_key: &'static str,
) -> Result<Participant, AppError> {
    let Some(user) = &ctx.user else {
        return Err(AppError::new(StatusCode::UNAUTHORIZED, anon_key));
    };
    ctx.require(Action::Participate, Target::System)?;
    let rid = user
        .resident_id
        .ok_or_else(|| AppError::new(StatusCode::FORBIDDEN, "registry.no_resident"))?;
    let r = sqlx::query(
        "SELECT name, community_id, building_id, rep_resident, birth_date FROM residents WHERE id = $1 AND status = 'living' AND locked_at IS NULL",
    )
    .bind(rid)
    .fetch_optional(state.db.read())
    .await?
    .ok_or_else(|| AppError::new(StatusCode::FORBIDDEN, "registry.no_resident"))?;
    let birth: String = r.try_get("birth_date")?;
    let adult = birth
        .parse::<jiff::civil::Date>()
        .is_ok_and(|b| b.saturating_add(jiff::Span::new().years(18)) <= time::today());
    let p = Participant {
        user_id: user.id,
        resident_id: rid,
        name: r.try_get("name")?,
        community_id: r.try_get("community_id")?,
        building_id: r.try_get("building_id")?,
        representative: r.try_get::<i64, _>("rep_resident")? != 0,
        adult,
    };
    if community.is_some_and(|c| c != p.community_id) {
        return Err(AppError::new(
            StatusCode::FORBIDDEN,
            "registry.not_constituent",
        ));
    }
    Ok(p)
}

/// A living resident of `community` named by someone else (a phone call, a sign-in sheet): by
/// real name, and by household address where two share the name. The refusals name the field
/// to fix: `objector_name`-like `name_field` when nobody has the name, `address` otherwise.
pub async fn resident_by_name(
    state: &AppState,
    community: i64,
    name_field: &'static str,
    name: &str,
    address: &str,
) -> Result<Participant, AppError> {
    let (name, address) = (name.trim(), address.trim());
    if name.is_empty() || name.chars().count() > 30 {
        return Err(AppError::invalid(name_field, "registry.name_needed"));
    }
    let found = sqlx::query(
        "SELECT r.id, r.name, r.building_id, r.rep_resident, h.address FROM residents r JOIN households h ON h.id = r.household_id \
         WHERE r.community_id = $1 AND r.name = $2 AND r.status = 'living' AND r.locked_at IS NULL ORDER BY r.id",
    )
    .bind(community)
    .bind(name)
    .fetch_all(state.db.read())
    .await?;
    let matching: Vec<_> = found
        .iter()
        .filter(|r| {
            address.is_empty()
                || r.try_get::<String, _>("address")
                    .is_ok_and(|a| a == address)
        })
        .collect();
    let r = match matching.as_slice() {
        [one] => *one,
        [] if found.is_empty() => {
            return Err(AppError::invalid(name_field, "registry.no_such_resident"));
        }
        [] => return Err(AppError::invalid("address", "registry.no_such_address")),
        _ => return Err(AppError::invalid("address", "registry.which_resident")),
    };
    Ok(Participant {
        user_id: 0,
        resident_id: r.try_get("id")?,
        name: r.try_get("name")?,
        community_id: community,
        building_id: r.try_get("building_id")?,
        representative: r.try_get::<i64, _>("rep_resident")? != 0,
        adult: true,
    })
}
