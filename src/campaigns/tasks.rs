//! A campaign's tasks: handed to communities, reported done by them, checked by the
//! inspection group (passed, or sent back with the reason).

use crate::platform::web::Path;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use sqlx::Row;
use utoipa::ToSchema;

use super::{Campaign, PHASES, load, street_place};
use crate::audit::{self, Entry};
use crate::auth::{Action, Ctx, Place, Target};
use crate::platform::AppState;
use crate::platform::db::Tx;
use crate::platform::error::AppError;
use crate::platform::state;
use crate::platform::time;
use crate::platform::web::ApiJson;

#[derive(Deserialize, ToSchema)]
pub struct TaskInput {
    pub phase: String,
    pub title: String,
    /// YYYY-MM-DD.
    pub due_on: String,
    /// Empty: every community of the street.
    #[serde(default)]
    pub community_ids: Vec<i64>,
}

pub async fn assign(state: &AppState, ctx: &Ctx, id: i64, t: &TaskInput) -> Result<i64, AppError> {
    let street: i64 = sqlx::query("SELECT street_id FROM campaigns WHERE id = $1")
        .bind(id)
        .fetch_optional(state.db.read())
        .await?
        .ok_or_else(AppError::not_found)?
        .try_get("street_id")?;
    ctx.require(Action::CampaignsManage, Target::At(street_place(street)))?;
    if !PHASES.contains(&t.phase.as_str()) {
        return Err(AppError::invalid("phase", "campaign.phases"));
    }
    let title = crate::platform::input::text("title", &t.title, 200)?;
    let due = crate::platform::time::parse_day("due_on", &t.due_on)?;
    let all: Vec<i64> = sqlx::query("SELECT id FROM communities WHERE street_id = $1 ORDER BY id")
        .bind(street)
        .fetch_all(state.db.read())
        .await?
        .iter()
        .map(|r| r.try_get("id"))
        .collect::<Result<_, _>>()?;
    let targets = if t.community_ids.is_empty() {
        all.clone()
    } else {
        t.community_ids.clone()
    };
    if let Some(c) = targets.iter().find(|c| !all.contains(c)) {
        return Err(
            AppError::invalid("community_ids", "input.unknown_community").arg("id", c.to_string()),
        );
    }
    let mut tx = state.db.begin().await?;
    for c in &targets {
        sqlx::query("INSERT INTO campaign_tasks (campaign_id, phase, community_id, title, due_on, created_at) VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(id)
            .bind(&t.phase)
            .bind(c)
            .bind(&title)
            .bind(due.to_string())
            .bind(time::now_db())
            .execute(&mut *tx)
            .await?;
    }
    audit::record(
        &mut tx,
        &ctx.actor(),
        Entry::new("campaign.tasks", "campaign", id)
            .at(street_place(street))
            .detail(format!("{title} × {}", targets.len())),
    )
    .await?;
    tx.commit().await?;
    Ok(targets.len() as i64)
}

/// Hand a task to communities (street).
#[utoipa::path(post, path = "/api/v1/campaigns/{id}/tasks", tag = "campaigns", params(("id" = i64, Path)), request_body = TaskInput, security(("bearer" = [])),
    responses((status = 201, body = Campaign), (status = 403), (status = 422)))]
pub(super) async fn add_tasks(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    ApiJson(t): ApiJson<TaskInput>,
) -> Result<(StatusCode, Json<Campaign>), AppError> {
    // Authorized in assign: CampaignsManage
    assign(&state, &ctx, id, &t).await?;
    Ok((StatusCode::CREATED, Json(load(&state, &ctx, id).await?)))
}

async fn task_place(
    state: &AppState,
    id: i64,
    task: i64,
) -> Result<(Place, Option<String>), AppError> {
    let r = sqlx::query(
        "SELECT community_id, done_on FROM campaign_tasks WHERE id = $1 AND campaign_id = $2",
    )
    .bind(task)
    .bind(id)
    .fetch_optional(state.db.read())
    .await?
    .ok_or_else(AppError::not_found)?;
    let place =
        crate::registry::places::place_of_community(state.db.read(), r.try_get("community_id")?)
            .await?
            .ok_or_else(AppError::not_found)?;
    Ok((place, r.try_get("done_on")?))
}

#[derive(Deserialize, ToSchema)]
pub struct DoneInput {
    /// What was done.
    pub note: String,
}

pub async fn mark_done(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    task: i64,
    d: &DoneInput,
) -> Result<(), AppError> {
    let (place, done) = task_place(state, id, task).await?;
    ctx.require(Action::FieldWork, Target::At(place))?;
    if done.is_some() {
        return Err(AppError::conflict("campaign.already_done"));
    }
    let note = crate::platform::input::text("note", &d.note, 1000)?;
    let mut tx = state.db.begin().await?;
    let moved = sqlx::query("UPDATE campaign_tasks SET done_on = $1, done_note = $2, done_by = $3, inspection = NULL, inspected_on = NULL, inspection_note = NULL WHERE id = $4 AND done_on IS NULL")
        .bind(time::today().to_string())
        .bind(&note)
        .bind(ctx.user.as_ref().map(|u| u.id))
        .bind(task)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    state::moved(moved, "campaign.already_done")?;
    audit::record(
        &mut tx,
        &ctx.actor(),
        Entry::new("campaign.task_done", "campaign_task", task).at(place),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The community reports a task done.
#[utoipa::path(post, path = "/api/v1/campaigns/{id}/tasks/{task}/done", tag = "campaigns", params(("id" = i64, Path), ("task" = i64, Path)),
    request_body = DoneInput, security(("bearer" = [])), responses((status = 200, body = Campaign), (status = 403), (status = 409), (status = 422)))]
pub(super) async fn task_done(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, task)): Path<(i64, i64)>,
    ApiJson(d): ApiJson<DoneInput>,
) -> Result<Json<Campaign>, AppError> {
    // Authorized in mark_done: FieldWork
    mark_done(&state, &ctx, id, task, &d).await?;
    Ok(Json(load(&state, &ctx, id).await?))
}

#[derive(Deserialize, ToSchema)]
pub struct InspectInput {
    /// passed, or redo (back to the community, no longer done).
    pub verdict: String,
    #[serde(default)]
    pub note: String,
}

crate::workflow_state! {
    /// The inspection group's verdict on a task reported done: passed, or sent back to the
    /// community to redo (then no longer done).
    pub enum Inspection {
        Passed = "passed",
        Redo = "redo",
    }
}

/// Only the campaign's inspection group inspects (M23, 督查指导组): the caller must hold a seat
/// on it today. Other street officers, and a campaign without an inspection group, cannot.
pub async fn by_inspection_group(tx: &mut Tx, campaign: i64, ctx: &Ctx) -> Result<(), AppError> {
    let user = ctx.user.as_ref().map(|u| u.id).unwrap_or(0);
    let seated: i64 = sqlx::query(
        "SELECT COUNT(*) AS n FROM campaigns c JOIN body_members m ON m.body_id = c.inspection_id \
         WHERE c.id = $1 AND m.user_id = $2 AND m.ended_at IS NULL AND (m.term_to IS NULL OR m.term_to >= $3)",
    )
    .bind(campaign)
    .bind(user)
    .bind(time::today().to_string())
    .fetch_one(&mut **tx)
    .await?
    .try_get("n")?;
    if seated == 0 {
        return Err(AppError::new(
            StatusCode::FORBIDDEN,
            "campaign.not_inspection_group",
        ));
    }
    Ok(())
}

pub async fn inspect(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    task: i64,
    i: &InspectInput,
) -> Result<(), AppError> {
    let (place, done) = task_place(state, id, task).await?;
    ctx.require(
        Action::CampaignsManage,
        Target::At(street_place(place.street_id.unwrap_or(0))),
    )?;
    if done.is_none() {
        return Err(AppError::conflict("campaign.not_done"));
    }
    let verdict: Inspection = i
        .verdict
        .parse()
        .map_err(|_| AppError::invalid("verdict", "campaign.bad_verdict"))?;
    let redo = verdict == Inspection::Redo;
    if redo && i.note.trim().is_empty() {
        return Err(AppError::invalid("note", "campaign.redo_needs_note"));
    }
    let mut tx = state.db.begin().await?;
    by_inspection_group(&mut tx, id, ctx).await?;
    // Guarded: one verdict per report; a concurrent second finds it inspected.
    let moved = sqlx::query(if redo {
        "UPDATE campaign_tasks SET inspection = $1, inspected_on = $2, inspected_by = $3, inspection_note = $4, done_on = NULL WHERE id = $5 AND done_on IS NOT NULL AND inspection IS NULL"
    } else {
        "UPDATE campaign_tasks SET inspection = $1, inspected_on = $2, inspected_by = $3, inspection_note = $4 WHERE id = $5 AND done_on IS NOT NULL AND inspection IS NULL"
    })
    .bind(verdict)
    .bind(time::today().to_string())
    .bind(ctx.user.as_ref().map(|u| u.id))
    .bind(i.note.trim())
    .bind(task)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    state::moved(moved, "campaign.inspected")?;
    audit::record(
        &mut tx,
        &ctx.actor(),
        Entry::new("campaign.inspect", "campaign_task", task)
            .at(place)
            .detail(verdict.as_str()),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The inspection group checks a task reported done.
#[utoipa::path(post, path = "/api/v1/campaigns/{id}/tasks/{task}/inspect", tag = "campaigns", params(("id" = i64, Path), ("task" = i64, Path)),
    request_body = InspectInput, security(("bearer" = [])), responses((status = 200, body = Campaign), (status = 403), (status = 409), (status = 422)))]
pub(super) async fn task_inspect(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, task)): Path<(i64, i64)>,
    ApiJson(i): ApiJson<InspectInput>,
) -> Result<Json<Campaign>, AppError> {
    // Authorized in inspect: CampaignsManage
    inspect(&state, &ctx, id, task, &i).await?;
    Ok(Json(load(&state, &ctx, id).await?))
}
