//! Rollout campaigns (M23): the street's leading group, with its office and its inspection
//! group, rolls residents' self-governance out in four dated phases — mobilize (动员部署),
//! publicize (宣传发动), build the structure (建章立制/组建机构), launch (全面运行) — with tasks
//! for every community. Communities report a task done; the inspection group checks it
//! (passed, or sent back). The progress dashboard is `web.rs`.

pub mod publicity;
pub mod requirements;
pub mod requirements_web;
pub mod tasks;
pub mod web;

pub use web::pages;

pub use tasks::{DoneInput, InspectInput, TaskInput, assign, inspect, mark_done};

use crate::platform::web::Path;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use sqlx::Row;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::audit::{self, Entry};
use crate::auth::{Action, Ctx, Place, Scope, Target};
use crate::platform::AppState;
use crate::platform::error::AppError;
use crate::platform::time;
use crate::platform::web::ApiJson;

pub const PHASES: [&str; 4] = ["mobilize", "publicize", "structure", "launch"];

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(one))
        .routes(routes!(tasks::add_tasks))
        .routes(routes!(tasks::task_done))
        .routes(routes!(tasks::task_inspect))
        .routes(routes!(requirements_web::requirements_api))
        .routes(routes!(requirements_web::type_api))
        .routes(routes!(requirements_web::target_api))
        .routes(routes!(requirements_web::progress_api))
        .routes(routes!(requirements_web::publicity_api))
}

#[derive(Serialize, Deserialize, ToSchema, Clone, Debug)]
pub struct Phase {
    /// mobilize, publicize, structure or launch.
    pub phase: String,
    pub starts_on: String,
    pub ends_on: String,
}

#[derive(Serialize, ToSchema, Clone, Debug)]
pub struct Task {
    pub id: i64,
    pub phase: String,
    pub community_id: i64,
    pub title: String,
    pub due_on: String,
    pub done_on: Option<String>,
    pub done_note: Option<String>,
    pub inspected_on: Option<String>,
    /// passed, or redo (sent back by the inspection group).
    pub inspection: Option<tasks::Inspection>,
    pub inspection_note: Option<String>,
    /// Past due and not done.
    pub overdue: bool,
}

#[derive(Serialize, ToSchema, Clone, Debug)]
pub struct Progress {
    pub community_id: i64,
    pub community: String,
    pub tasks: i64,
    pub done: i64,
    pub passed: i64,
    pub overdue: i64,
}

#[derive(Serialize, ToSchema, Clone, Debug)]
pub struct Campaign {
    pub id: i64,
    pub street_id: i64,
    pub title: String,
    pub leading_group_id: i64,
    pub leading_group: String,
    pub office: Option<String>,
    pub inspection_group: Option<String>,
    pub phases: Vec<Phase>,
    /// The phase today falls in, if any.
    pub current_phase: Option<String>,
    pub progress: Vec<Progress>,
    /// The tasks the caller's scope reaches.
    pub tasks: Vec<Task>,
}

/// Where the caller may read campaigns: (street, communities or all of them).
fn reach(ctx: &Ctx) -> Vec<Scope> {
    ctx.scopes(Action::CampaignsRead)
}

fn sees(scopes: &[Scope], street: i64, community: Option<i64>, street_of: i64) -> bool {
    scopes.iter().any(|s| match *s {
        Scope::Street(st) => st == street,
        Scope::Community(c) => street_of == street && community.is_none_or(|x| x == c),
        Scope::Building(_) => false,
    })
}

pub async fn load(state: &AppState, ctx: &Ctx, id: i64) -> Result<Campaign, AppError> {
    let scopes = reach(ctx);
    if scopes.is_empty() {
        ctx.require(Action::CampaignsRead, Target::System)?;
    }
    let r = sqlx::query(
        "SELECT c.id, c.street_id, c.title, c.leading_group_id, g.name AS lg, \
         (SELECT name FROM bodies WHERE id = c.office_id) AS office, (SELECT name FROM bodies WHERE id = c.inspection_id) AS inspection \
         FROM campaigns c JOIN bodies g ON g.id = c.leading_group_id WHERE c.id = $1",
    )
    .bind(id)
    .fetch_optional(state.db.read())
    .await?
    .ok_or_else(AppError::not_found)?;
    let street: i64 = r.try_get("street_id")?;
    let mine: Vec<i64> = scopes
        .iter()
        .filter_map(|s| match s {
            Scope::Community(c) => Some(*c),
            _ => None,
        })
        .collect();
    let whole = scopes.contains(&Scope::Street(street));
    let mut any_here = whole;
    for c in &mine {
        let st: Option<i64> = sqlx::query("SELECT street_id FROM communities WHERE id = $1")
            .bind(c)
            .fetch_optional(state.db.read())
            .await?
            .map(|r| r.try_get("street_id"))
            .transpose()?;
        any_here |= st.is_some_and(|st| sees(&scopes, street, Some(*c), st));
    }
    if !any_here {
        return Err(AppError::forbidden());
    }
    let phases = sqlx::query("SELECT phase, starts_on, ends_on FROM campaign_phases WHERE campaign_id = $1 ORDER BY starts_on, id")
        .bind(id)
        .fetch_all(state.db.read())
        .await?
        .iter()
        .map(|p| Ok(Phase { phase: p.try_get("phase")?, starts_on: p.try_get("starts_on")?, ends_on: p.try_get("ends_on")? }))
        .collect::<Result<Vec<_>, sqlx::Error>>()?;
    let today = time::today().to_string();
    let current_phase = phases
        .iter()
        .find(|p| p.starts_on <= today && today <= p.ends_on)
        .map(|p| p.phase.clone());
    let mut progress = Vec::new();
    for c in sqlx::query("SELECT id, name FROM communities WHERE street_id = $1 ORDER BY id")
        .bind(street)
        .fetch_all(state.db.read())
        .await?
    {
        let cid: i64 = c.try_get("id")?;
        let n = sqlx::query(
            "SELECT COUNT(*) AS n, COUNT(done_on) AS done, COUNT(CASE WHEN inspection = 'passed' THEN 1 END) AS passed, \
             COUNT(CASE WHEN done_on IS NULL AND due_on < $3 THEN 1 END) AS overdue FROM campaign_tasks WHERE campaign_id = $1 AND community_id = $2",
        )
        .bind(id)
        .bind(cid)
        .bind(&today)
        .fetch_one(state.db.read())
        .await?;
        progress.push(Progress {
            community_id: cid,
            community: c.try_get("name")?,
            tasks: n.try_get("n")?,
            done: n.try_get("done")?,
            passed: n.try_get("passed")?,
            overdue: n.try_get("overdue")?,
        });
    }
    let tasks = sqlx::query(
        "SELECT id, phase, community_id, title, due_on, done_on, done_note, inspected_on, inspection, inspection_note FROM campaign_tasks WHERE campaign_id = $1 ORDER BY due_on, community_id, id",
    )
    .bind(id)
    .fetch_all(state.db.read())
    .await?
    .iter()
    .map(|t| {
        let done_on: Option<String> = t.try_get("done_on")?;
        let due_on: String = t.try_get("due_on")?;
        Ok(Task {
            id: t.try_get("id")?,
            phase: t.try_get("phase")?,
            community_id: t.try_get("community_id")?,
            title: t.try_get("title")?,
            overdue: done_on.is_none() && due_on < today,
            due_on,
            done_on,
            done_note: t.try_get("done_note")?,
            inspected_on: t.try_get("inspected_on")?,
            inspection: t.try_get("inspection")?,
            inspection_note: t.try_get("inspection_note")?,
        })
    })
    .collect::<Result<Vec<_>, sqlx::Error>>()?
    .into_iter()
    .filter(|t| whole || mine.contains(&t.community_id))
    .collect();
    Ok(Campaign {
        id,
        street_id: street,
        title: r.try_get("title")?,
        leading_group_id: r.try_get("leading_group_id")?,
        leading_group: r.try_get("lg")?,
        office: r.try_get("office")?,
        inspection_group: r.try_get("inspection")?,
        phases,
        current_phase,
        progress,
        tasks,
    })
}

pub async fn listed(state: &AppState, ctx: &Ctx) -> Result<Vec<Campaign>, AppError> {
    ctx.require(Action::CampaignsRead, Target::System)?;
    let ids: Vec<i64> = sqlx::query("SELECT id FROM campaigns ORDER BY id DESC LIMIT 100")
        .fetch_all(state.db.read())
        .await?
        .iter()
        .map(|r| r.try_get("id"))
        .collect::<Result<_, _>>()?;
    let mut out = Vec::new();
    for id in ids {
        match load(state, ctx, id).await {
            Ok(c) => out.push(c),
            Err(e) if e.status == StatusCode::FORBIDDEN => {}
            Err(e) => return Err(e),
        }
    }
    Ok(out)
}

#[derive(Serialize, ToSchema)]
pub struct CampaignList {
    pub items: Vec<Campaign>,
}

#[utoipa::path(get, path = "/api/v1/campaigns", tag = "campaigns", security(("bearer" = [])),
    responses((status = 200, body = CampaignList), (status = 403)))]
async fn list(State(state): State<AppState>, ctx: Ctx) -> Result<Json<CampaignList>, AppError> {
    // Authorized in listed: CampaignsRead
    Ok(Json(CampaignList {
        items: listed(&state, &ctx).await?,
    }))
}

#[utoipa::path(get, path = "/api/v1/campaigns/{id}", tag = "campaigns", params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, body = Campaign), (status = 403), (status = 404)))]
async fn one(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<Json<Campaign>, AppError> {
    // Authorized in load: CampaignsRead
    Ok(Json(load(&state, &ctx, id).await?))
}

#[derive(Deserialize, ToSchema)]
pub struct CampaignInput {
    pub title: String,
    /// The street's leading group (a body of kind leading_group).
    pub leading_group_id: i64,
    /// Its office and its inspection group (parts of the leading group).
    pub office_id: Option<i64>,
    pub inspection_id: Option<i64>,
    /// The four phases with their dates, in order.
    pub phases: Vec<Phase>,
}

pub(crate) fn street_place(street: i64) -> Place {
    Place {
        street_id: Some(street),
        community_id: None,
        building_id: None,
    }
}

pub async fn start(state: &AppState, ctx: &Ctx, c: &CampaignInput) -> Result<i64, AppError> {
    let g = sqlx::query("SELECT street_id, kind, parent_id FROM bodies WHERE id = $1")
        .bind(c.leading_group_id)
        .fetch_optional(state.db.read())
        .await?
        .ok_or_else(|| AppError::invalid("leading_group_id", "campaign.not_leading_group"))?;
    let street: i64 = g.try_get("street_id")?;
    ctx.require(Action::CampaignsManage, Target::At(street_place(street)))?;
    if g.try_get::<crate::council::rules::BodyKind, _>("kind")?
        != crate::council::rules::BodyKind::LeadingGroup
        || g.try_get::<Option<i64>, _>("parent_id")?.is_some()
    {
        return Err(AppError::invalid(
            "leading_group_id",
            "campaign.not_leading_group",
        ));
    }
    for (field, part) in [
        ("office_id", c.office_id),
        ("inspection_id", c.inspection_id),
    ] {
        if let Some(p) = part {
            let parent: Option<i64> = sqlx::query("SELECT parent_id FROM bodies WHERE id = $1")
                .bind(p)
                .fetch_optional(state.db.read())
                .await?
                .map(|r| r.try_get("parent_id"))
                .transpose()?
                .flatten();
            if parent != Some(c.leading_group_id) {
                return Err(AppError::invalid(field, "campaign.not_part_of_group"));
            }
        }
    }
    let title = crate::platform::input::text("title", &c.title, 100)?;
    if c.phases.len() != PHASES.len()
        || c.phases.iter().zip(PHASES).any(|(p, code)| p.phase != code)
    {
        return Err(AppError::invalid("phases", "campaign.phases"));
    }
    let mut last: Option<jiff::civil::Date> = None;
    let mut dates = Vec::new();
    for p in &c.phases {
        let s = crate::platform::time::parse_day("starts_on", &p.starts_on)?;
        let e = crate::platform::time::parse_day("ends_on", &p.ends_on)?;
        if e < s || last.is_some_and(|l| s <= l) {
            return Err(AppError::invalid("phases", "campaign.phase_dates").arg(
                "phase",
                crate::platform::i18n::t(ctx.lang, &format!("campaign_phase.{}", p.phase)),
            ));
        }
        last = Some(e);
        dates.push((s, e));
    }
    let mut tx = state.db.begin().await?;
    let id: i64 = sqlx::query(
        "INSERT INTO campaigns (street_id, title, leading_group_id, office_id, inspection_id, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(street)
    .bind(&title)
    .bind(c.leading_group_id)
    .bind(c.office_id)
    .bind(c.inspection_id)
    .bind(ctx.user.as_ref().map(|u| u.id))
    .bind(time::now_db())
    .fetch_one(&mut *tx)
    .await?
    .try_get("id")?;
    for (p, (s, e)) in c.phases.iter().zip(dates) {
        sqlx::query("INSERT INTO campaign_phases (campaign_id, phase, starts_on, ends_on) VALUES ($1, $2, $3, $4)")
            .bind(id)
            .bind(&p.phase)
            .bind(s.to_string())
            .bind(e.to_string())
            .execute(&mut *tx)
            .await?;
    }
    audit::record(
        &mut tx,
        &ctx.actor(),
        Entry::new("campaign.start", "campaign", id)
            .at(street_place(street))
            .detail(title),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Start a campaign (street).
#[utoipa::path(post, path = "/api/v1/campaigns", tag = "campaigns", request_body = CampaignInput, security(("bearer" = [])),
    responses((status = 201, body = Campaign), (status = 403), (status = 422)))]
async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiJson(c): ApiJson<CampaignInput>,
) -> Result<(StatusCode, Json<Campaign>), AppError> {
    // Authorized in start: CampaignsManage
    let id = start(&state, &ctx, &c).await?;
    Ok((StatusCode::CREATED, Json(load(&state, &ctx, id).await?)))
}
