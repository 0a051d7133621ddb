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
