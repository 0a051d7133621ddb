//! Unadmitted work (M21): a community records a task it was handed without admission; the street
//! follows up; each report counts against its sender.

use crate::platform::web::Path;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use sqlx::Row;
use utoipa::ToSchema;

use crate::audit::{self, Entry};
use crate::auth::scope::scoped;
use crate::auth::{Action, Ctx, Place, Target};
use crate::platform::AppState;
use crate::platform::db::bind_vals;
use crate::platform::error::AppError;
use crate::platform::input::{date_or_today, text};
use crate::platform::time;
use crate::platform::web::ApiJson;
use crate::registry::places::community_place;

#[derive(Serialize, ToSchema)]
pub struct Unadmitted {
    pub id: i64,
    pub community_id: i64,
    /// Who handed it down.
    pub sender: String,
    pub description: String,
    pub received_on: String,
    /// The street's follow-up.
    pub follow_up: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct SenderCount {
    pub sender: String,
    pub reports: i64,
}

#[derive(Serialize, ToSchema)]
pub struct UnadmittedList {
    pub items: Vec<Unadmitted>,
    /// Reports per sender, most first: what counts against each.
    pub by_sender: Vec<SenderCount>,
}

/// Unadmitted work reported: the street sees all its communities', a community its own.
#[utoipa::path(get, path = "/api/v1/unadmitted-tasks", tag = "admissions", security(("bearer" = [])),
    responses((status = 200, body = UnadmittedList), (status = 403)))]
pub(super) async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
) -> Result<Json<UnadmittedList>, AppError> {
    // Authorized in listed: AdmissionsRead
    Ok(Json(listed(&state, &ctx).await?))
}

/// The reports the caller may see, with the count per sender.
pub async fn listed(state: &AppState, ctx: &Ctx) -> Result<UnadmittedList, AppError> {
    let f = scoped(ctx, &[Action::AdmissionsRead], None)?;
    let sql = format!(
        "SELECT t.id, t.community_id, t.sender, t.description, t.received_on, t.follow_up FROM unadmitted_tasks t {} ORDER BY t.received_on DESC, t.id DESC",
        f.sql()
    );
    let rows = bind_vals(sqlx::query(&sql), &f.vals)
        .fetch_all(state.db.read())
        .await?;
    let items: Vec<Unadmitted> = rows
        .iter()
        .map(|r| {
            Ok(Unadmitted {
                id: r.try_get("id")?,
                community_id: r.try_get("community_id")?,
                sender: r.try_get("sender")?,
                description: r.try_get("description")?,
                received_on: r.try_get("received_on")?,
                follow_up: r.try_get("follow_up")?,
            })
        })
        .collect::<Result<_, sqlx::Error>>()?;
    let mut by_sender: Vec<SenderCount> = Vec::new();
    for i in &items {
        match by_sender.iter_mut().find(|s| s.sender == i.sender) {
            Some(s) => s.reports += 1,
            None => by_sender.push(SenderCount {
                sender: i.sender.clone(),
                reports: 1,
            }),
        }
    }
    by_sender.sort_by(|a, b| b.reports.cmp(&a.reports).then(a.sender.cmp(&b.sender)));
    Ok(UnadmittedList { items, by_sender })
}

#[derive(Deserialize, ToSchema)]
pub struct ReportInput {
    pub community_id: Option<i64>,
    pub sender: String,
    pub description: String,
    pub received_on: Option<String>,
}

/// A community reports work it was handed without admission.
#[utoipa::path(post, path = "/api/v1/unadmitted-tasks", tag = "admissions", request_body = ReportInput, security(("bearer" = [])),
    responses((status = 201, body = Unadmitted), (status = 403), (status = 422)))]
pub(super) async fn report(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiJson(r): ApiJson<ReportInput>,
) -> Result<(StatusCode, Json<Unadmitted>), AppError> {
    // Authorized in file: FieldWork
    Ok((StatusCode::CREATED, Json(file(&state, &ctx, &r).await?)))
}

/// Records a report of unadmitted work for the caller's community.
pub async fn file(state: &AppState, ctx: &Ctx, r: &ReportInput) -> Result<Unadmitted, AppError> {
    let place = community_place(state, ctx, Action::FieldWork, r.community_id).await?;
    let sender = text("sender", &r.sender, 60)?;
    let description = text("description", &r.description, 2000)?;
    let date = date_or_today("received_on", r.received_on.as_deref())?;
    let mut tx = state.db.begin().await?;
    let id: i64 = sqlx::query(
        "INSERT INTO unadmitted_tasks (street_id, community_id, sender, description, received_on, reported_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(place.street_id)
    .bind(place.community_id)
    .bind(&sender)
    .bind(&description)
    .bind(date.to_string())
    .bind(ctx.user.as_ref().map(|u| u.id))
    .bind(time::now_db())
    .fetch_one(&mut *tx)
    .await?
    .try_get("id")?;
    audit::record(
        &mut tx,
        &ctx.actor(),
        Entry::new("admissions.unadmitted", "unadmitted_task", id)
            .at(place)
            .detail(&*sender),
    )
    .await?;
    tx.commit().await?;
    Ok(Unadmitted {
        id,
        community_id: place.community_id.unwrap_or_default(),
        sender,
        description,
        received_on: date.to_string(),
        follow_up: None,
    })
}

#[derive(Deserialize, ToSchema)]
pub struct FollowUpInput {
    pub follow_up: String,
}

/// The street's follow-up with the sender.
#[utoipa::path(post, path = "/api/v1/unadmitted-tasks/{id}/follow-up", tag = "admissions", params(("id" = i64, Path)),
    request_body = FollowUpInput, security(("bearer" = [])), responses((status = 200, body = Unadmitted), (status = 403), (status = 422)))]
pub(super) async fn follow_up(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    ApiJson(f): ApiJson<FollowUpInput>,
) -> Result<Json<Unadmitted>, AppError> {
    let r = sqlx::query("SELECT street_id, community_id, sender, description, received_on FROM unadmitted_tasks WHERE id = $1")
        .bind(id)
        .fetch_optional(state.db.read())
        .await?
        .ok_or_else(AppError::not_found)?;
    let place = Place::street(r.try_get("street_id")?);
    ctx.require(Action::AdmissionsManage, Target::At(place))?;
    let note = text("follow_up", &f.follow_up, 2000)?;
    let mut tx = state.db.begin().await?;
    sqlx::query("UPDATE unadmitted_tasks SET follow_up = $1, followed_up_at = $2 WHERE id = $3")
        .bind(&note)
        .bind(time::now_db())
        .bind(id)
        .execute(&mut *tx)
        .await?;
    audit::record(
        &mut tx,
        &ctx.actor(),
        Entry::new("admissions.follow_up", "unadmitted_task", id).at(place),
    )
    .await?;
    tx.commit().await?;
    Ok(Json(Unadmitted {
        id,
        community_id: r.try_get("community_id")?,
        sender: r.try_get("sender")?,
        description: r.try_get("description")?,
        received_on: r.try_get("received_on")?,
        follow_up: Some(note),
    }))
}
