//! The work requirements of the second plan (M23/M24): 分类指导 — each community's type (old
//! town, new estate, mixed, village in the city), set by the street, with the street's yearly
//! target for each type and each of the 五个抓好 goals; each community's progress on its goals;
//! and the channels a community used to publicize a campaign (标语、横幅、宣传栏、公开信、居民代表
//! 大会…, `publicity.rs`), the five the plan names flagged where missing. Rules W6 (`set_type`,
//! `set_target`: the street's) and W7 (`record_progress`, `publicity::record_publicity`: the
//! community's own).

use serde::{Deserialize, Serialize};
use sqlx::Row;
use utoipa::ToSchema;

use super::publicity::{Channel, PLAN_CHANNELS};
use crate::audit::{self, Entry};
use crate::auth::{Action, Ctx, Place, Scope, Target};
use crate::platform::AppState;
use crate::platform::error::AppError;
use crate::platform::input::text;
use crate::platform::time;

crate::workflow_state! {
    /// A community's type, for 分类指导.
    pub enum CommunityType {
        OldTown = "old_town",
        NewEstate = "new_estate",
        Mixed = "mixed",
        UrbanVillage = "urban_village",
    }
}

crate::workflow_state! {
    /// The 五个抓好 goals.
    pub enum Goal {
        SelfGovernance = "self_governance",
        Services = "services",
        Culture = "culture",
        Facilities = "facilities",
        SocialSecurity = "social_security",
    }
}

crate::workflow_state! {
    /// Where a community stands on a goal: planned, under way, achieved (with what shows it).
    pub enum GoalStatus {
        Planned = "planned",
        InProgress = "in_progress",
        Achieved = "achieved",
    }
}

#[derive(Clone, Serialize, ToSchema)]
pub struct GoalLine {
    pub goal: Goal,
    /// The street's target for the community's type; empty when none is set.
    pub target: String,
    pub status: Option<GoalStatus>,
    pub note: String,
}

#[derive(Clone, Serialize, ToSchema)]
pub struct Publicity {
    pub campaign_id: i64,
    pub channel: Channel,
    /// YYYY-MM-DD.
    pub held_on: String,
    pub note: String,
}

#[derive(Clone, Serialize, ToSchema)]
pub struct CommunityRequirements {
    pub community_id: i64,
    pub community: String,
    pub community_type: CommunityType,
    pub goals: Vec<GoalLine>,
    pub publicity: Vec<Publicity>,
    /// Of the plan's five channels, those this community has not used for any campaign.
    pub missing_channels: Vec<Channel>,
}

#[derive(Serialize, ToSchema)]
pub struct Requirements {
    pub year: i64,
    pub street_id: i64,
    pub communities: Vec<CommunityRequirements>,
}

/// The year's requirements of each community the caller sees.
pub async fn requirements(
    state: &AppState,
    ctx: &Ctx,
    year: i64,
) -> Result<Requirements, AppError> {
    let reach = crate::assessment::compute::reach_for(state, ctx, Action::CampaignsRead).await?;
    let (street, ids) = (reach.street, reach.detail);
    let mut out = Vec::new();
    for c in ids {
        let r = sqlx::query("SELECT name, community_type FROM communities WHERE id = $1")
            .bind(c)
            .fetch_one(state.db.read())
            .await?;
        let kind: CommunityType = r.try_get("community_type")?;
        let mut goals = Vec::new();
        for g in Goal::ALL {
            let target: Option<String> = sqlx::query(
                "SELECT target FROM guidance_targets WHERE street_id = $1 AND year = $2 AND community_type = $3 AND goal = $4",
            )
            .bind(street)
            .bind(year)
            .bind(kind)
            .bind(*g)
            .fetch_optional(state.db.read())
            .await?
            .map(|r| r.try_get("target"))
            .transpose()?;
            let p = sqlx::query(
                "SELECT status, note FROM goal_progress WHERE community_id = $1 AND year = $2 AND goal = $3",
            )
            .bind(c)
            .bind(year)
            .bind(*g)
            .fetch_optional(state.db.read())
            .await?;
            goals.push(GoalLine {
                goal: *g,
                target: target.unwrap_or_default(),
                status: p.as_ref().map(|p| p.try_get("status")).transpose()?,
                note: p
                    .as_ref()
                    .map(|p| p.try_get("note"))
                    .transpose()?
                    .unwrap_or_default(),
            });
        }
        let publicity = sqlx::query(
            "SELECT campaign_id, channel, held_on, note FROM campaign_publicity WHERE community_id = $1 ORDER BY held_on, id",
        )
        .bind(c)
        .fetch_all(state.db.read())
        .await?
        .iter()
        .map(|p| {
            Ok(Publicity {
                campaign_id: p.try_get("campaign_id")?,
                channel: p.try_get("channel")?,
                held_on: p.try_get("held_on")?,
                note: p.try_get("note")?,
            })
        })
        .collect::<Result<Vec<_>, sqlx::Error>>()?;
        let missing_channels = PLAN_CHANNELS
            .into_iter()
            .filter(|ch| !publicity.iter().any(|p| p.channel == *ch))
            .collect();
        out.push(CommunityRequirements {
            community_id: c,
            community: r.try_get("name")?,
            community_type: kind,
            goals,
            publicity,
            missing_channels,
        });
    }
    Ok(Requirements {
        year,
        street_id: street,
        communities: out,
    })
}

/// W6: a community's type is the street's to set (its campaign officers).
pub async fn set_type(
    state: &AppState,
    ctx: &Ctx,
    community: i64,
    kind: &str,
) -> Result<(), AppError> {
    ctx.require(Action::CampaignsManage, Target::System)?;
    let place = crate::registry::places::place_of_community(state.db.read(), community)
        .await?
        .ok_or_else(|| AppError::invalid("community_id", "input.unknown_community"))?;
    let street = Place::street(place.street_id.unwrap_or_default());
    ctx.require(Action::CampaignsManage, Target::At(street))?;
    let kind: CommunityType = kind
        .parse()
        .map_err(|_| AppError::invalid("community_type", "requirements.bad_type"))?;
    let mut tx = state.db.begin().await?;
    sqlx::query("UPDATE communities SET community_type = $1 WHERE id = $2")
        .bind(kind)
        .bind(community)
        .execute(&mut *tx)
        .await?;
    audit::record(
        &mut tx,
        &ctx.actor(),
        Entry::new("requirements.type", "community", community)
            .at(place)
            .detail(kind.as_str()),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

#[derive(Clone, Default, Deserialize, ToSchema)]
pub struct TargetInput {
    pub year: i64,
    /// old_town, new_estate, mixed or urban_village.
    pub community_type: String,
    /// self_governance, services, culture, facilities or social_security.
    pub goal: String,
    pub target: String,
}

fn year_ok(year: i64) -> Result<i64, AppError> {
    if (2000..=2100).contains(&year) {
        Ok(year)
    } else {
        Err(AppError::invalid("year", "requirements.bad_year"))
    }
}

/// W6: the street sets the year's target of a goal for a type of community (a new text
/// replaces the old, in one statement).
pub async fn set_target(state: &AppState, ctx: &Ctx, i: &TargetInput) -> Result<(), AppError> {
    let street = ctx
        .scopes(Action::CampaignsManage)
        .iter()
        .find_map(|s| match s {
            Scope::Street(s) => Some(*s),
            _ => None,
        })
        .ok_or_else(|| {
            ctx.require(Action::CampaignsManage, Target::System)
                .err()
                .unwrap_or_else(AppError::forbidden)
        })?;
    let year = year_ok(i.year)?;
    let kind: CommunityType = i
        .community_type
        .parse()
        .map_err(|_| AppError::invalid("community_type", "requirements.bad_type"))?;
    let goal: Goal = i
        .goal
        .parse()
        .map_err(|_| AppError::invalid("goal", "requirements.bad_goal"))?;
    let target = text("target", &i.target, 500)?;
    let by = ctx.signed_in()?.id;
    let mut tx = state.db.begin().await?;
    sqlx::query(
        "INSERT INTO guidance_targets (street_id, year, community_type, goal, target, set_by, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7) \
         ON CONFLICT (street_id, year, community_type, goal) DO UPDATE SET target = $5, set_by = $6, updated_at = $7",
    )
    .bind(street)
    .bind(year)
    .bind(kind)
    .bind(goal)
    .bind(&target)
    .bind(by)
    .bind(time::now_db())
    .execute(&mut *tx)
    .await?;
    audit::record(
        &mut tx,
        &ctx.actor(),
        Entry::new("requirements.target", "street", street)
            .at(Place::street(street))
            .detail(format!("{year} {kind} {goal}")),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

#[derive(Clone, Default, Deserialize, ToSchema)]
pub struct ProgressInput {
    #[serde(default)]
    pub community_id: Option<i64>,
    pub year: i64,
    pub goal: String,
    /// planned, in_progress or achieved.
    pub status: String,
    /// What was done; required for achieved.
    #[serde(default)]
    pub note: String,
}

/// W7: a community records its own progress on a goal (its staff); "achieved" says what shows it.
pub async fn record_progress(
    state: &AppState,
    ctx: &Ctx,
    i: &ProgressInput,
) -> Result<(), AppError> {
    let place =
        crate::registry::places::community_place(state, ctx, Action::FieldWork, i.community_id)
            .await?;
    ctx.require(Action::FieldWork, Target::At(place))?;
    let year = year_ok(i.year)?;
    let goal: Goal = i
        .goal
        .parse()
        .map_err(|_| AppError::invalid("goal", "requirements.bad_goal"))?;
    let status: GoalStatus = i
        .status
        .parse()
        .map_err(|_| AppError::invalid("status", "requirements.bad_status"))?;
    let note = i.note.trim();
    if note.chars().count() > 1000 {
        return Err(AppError::invalid("note", "input.bad_text").arg("max", 1000));
    }
    if status == GoalStatus::Achieved && note.chars().count() < 4 {
        return Err(AppError::invalid(
            "note",
            "requirements.achieved_needs_note",
        ));
    }
    let community = place.community_id.unwrap_or_default();
    let mut tx = state.db.begin().await?;
    sqlx::query(
        "INSERT INTO goal_progress (community_id, year, goal, status, note, updated_by, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7) \
         ON CONFLICT (community_id, year, goal) DO UPDATE SET status = $4, note = $5, updated_by = $6, updated_at = $7",
    )
    .bind(community)
    .bind(year)
    .bind(goal)
    .bind(status)
    .bind(note)
    .bind(ctx.signed_in()?.id)
    .bind(time::now_db())
    .execute(&mut *tx)
    .await?;
    audit::record(
        &mut tx,
        &ctx.actor(),
        Entry::new("requirements.progress", "community", community)
            .at(place)
            .detail(format!("{year} {goal} {status}")),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
