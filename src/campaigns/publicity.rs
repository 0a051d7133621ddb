//! The channels a community used to publicize a campaign (宣传发动: 标语、横幅、宣传栏、公开信、
//! 居民代表大会, newspapers, websites), recorded by the community's staff on a day of the campaign
//! (rule W7, `record_publicity`); `requirements.rs` flags the plan's five where missing.

use serde::Deserialize;
use sqlx::Row;
use utoipa::ToSchema;

use crate::audit::{self, Entry};
use crate::auth::{Action, Ctx, Target};
use crate::platform::AppState;
use crate::platform::error::AppError;
use crate::platform::input::date_or_today;
use crate::platform::time;

crate::workflow_state! {
    /// A publicity channel.
    pub enum Channel {
        Slogan = "slogan",
        Banner = "banner",
        BulletinBoard = "bulletin_board",
        OpenLetter = "open_letter",
        Assembly = "assembly",
        Newspaper = "newspaper",
        Website = "website",
    }
}

/// The five the plan names for the publicity phase (标语、横幅、宣传栏、公开信、居民代表大会).
pub const PLAN_CHANNELS: [Channel; 5] = [
    Channel::Slogan,
    Channel::Banner,
    Channel::BulletinBoard,
    Channel::OpenLetter,
    Channel::Assembly,
];

#[derive(Clone, Default, Deserialize, ToSchema)]
pub struct PublicityInput {
    #[serde(default)]
    pub community_id: Option<i64>,
    /// slogan, banner, bulletin_board, open_letter, assembly, newspaper or website.
    pub channel: String,
    /// YYYY-MM-DD: not to come, and not before the campaign's first phase.
    #[serde(default)]
    pub held_on: Option<String>,
    #[serde(default)]
    pub note: String,
}

/// W7: a community records how it publicized a campaign of its own street, on a day of the
/// campaign (from its first phase) that has come.
pub async fn record_publicity(
    state: &AppState,
    ctx: &Ctx,
    campaign: i64,
    i: &PublicityInput,
) -> Result<i64, AppError> {
    let place =
        crate::registry::places::community_place(state, ctx, Action::FieldWork, i.community_id)
            .await?;
    ctx.require(Action::FieldWork, Target::At(place))?;
    let c = sqlx::query(
        "SELECT c.street_id, (SELECT MIN(starts_on) FROM campaign_phases p WHERE p.campaign_id = c.id) AS starts_on \
         FROM campaigns c WHERE c.id = $1",
    )
    .bind(campaign)
    .fetch_optional(state.db.read())
    .await?
    .ok_or_else(AppError::not_found)?;
    if Some(c.try_get::<i64, _>("street_id")?) != place.street_id {
        return Err(AppError::not_found());
    }
    let channel: Channel = i
        .channel
        .parse()
        .map_err(|_| AppError::invalid("channel", "requirements.bad_channel"))?;
    let held = date_or_today("held_on", i.held_on.as_deref())?;
    let starts: Option<String> = c.try_get("starts_on")?;
    if starts.is_some_and(|s| held.to_string() < s) {
        return Err(AppError::invalid("held_on", "requirements.before_campaign"));
    }
    let note = i.note.trim();
    if note.chars().count() > 500 {
        return Err(AppError::invalid("note", "input.bad_text").arg("max", 500));
    }
    let community = place.community_id.unwrap_or_default();
    let mut tx = state.db.begin().await?;
    let id: i64 = sqlx::query(
        "INSERT INTO campaign_publicity (campaign_id, community_id, channel, held_on, note, recorded_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(campaign)
    .bind(community)
    .bind(channel)
    .bind(held.to_string())
    .bind(note)
    .bind(ctx.signed_in()?.id)
    .bind(time::now_db())
    .fetch_one(&mut *tx)
    .await?
    .try_get("id")?;
    audit::record(
        &mut tx,
        &ctx.actor(),
        Entry::new("requirements.publicity", "campaign", campaign)
            .at(place)
            .detail(format!("{channel} {held}")),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}
