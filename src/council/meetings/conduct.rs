//! Holding a meeting: attendance and quorum, the minutes, and residents' comments (motions and
//! votes are in `motions.rs`).

use crate::platform::web::Path;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use sqlx::Row;
use utoipa::ToSchema;

use super::{Meeting, MeetingStatus, load, readable};
use crate::audit::{self, Entry};
use crate::auth::{Action, Ctx, Target};
use crate::platform::AppState;
use crate::platform::error::AppError;
use crate::platform::time;
use crate::platform::web::ApiJson;

crate::workflow_state! {
    /// A member's attendance: invited when the meeting is called, then present or absent.
    pub enum AttendanceStatus {
        Invited = "invited",
        Present = "present",
        Absent = "absent",
    }
}

#[derive(Serialize, ToSchema, Clone)]
pub struct Attendee {
    pub member_id: i64,
    pub name: String,
    pub status: AttendanceStatus,
}

impl Attendee {
    pub fn present(&self) -> bool {
        self.status == AttendanceStatus::Present
    }
}

#[derive(Serialize, ToSchema)]
pub struct AttendanceSummary {
    /// Members in office when the meeting was called.
    pub members: i64,
    pub present: i64,
    /// More than half of the members are present.
    pub quorum: bool,
    pub items: Vec<Attendee>,
}

pub fn quorum(present: i64, members: i64) -> bool {
    members > 0 && present * 2 > members
}

pub async fn attendance_summary(state: &AppState, id: i64) -> Result<AttendanceSummary, AppError> {
    let rows = sqlx::query("SELECT member_id, name, status FROM meeting_attendance WHERE meeting_id = $1 ORDER BY member_id")
        .bind(id)
        .fetch_all(state.db.read())
        .await?;
    let items: Vec<Attendee> = rows
        .iter()
        .map(|r| {
            Ok(Attendee {
                member_id: r.try_get("member_id")?,
                name: r.try_get("name")?,
                status: r.try_get("status")?,
            })
        })
        .collect::<Result<_, sqlx::Error>>()?;
    let present = items.iter().filter(|a| a.present()).count() as i64;
    let members = items.len() as i64;
    Ok(AttendanceSummary {
        members,
        present,
        quorum: quorum(present, members),
        items,
    })
}

/// Who was invited and who came.
#[utoipa::path(get, path = "/api/v1/meetings/{id}/attendance", tag = "council", params(("id" = i64, Path)),
    security(("bearer" = [])), responses((status = 200, body = AttendanceSummary), (status = 403)))]
pub(super) async fn attendance(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<Json<AttendanceSummary>, AppError> {
    // Authorized in readable > may_see: BodiesRead (in a community whose bodies the caller may see)
    readable(&state, &ctx, id).await?;
    Ok(Json(attendance_summary(&state, id).await?))
}

#[derive(Deserialize, ToSchema)]
pub struct AttendanceInput {
    /// The members (member ids) present; every other invited member is absent.
    pub present: Vec<i64>,
}

pub(super) async fn managed(state: &AppState, ctx: &Ctx, id: i64) -> Result<Meeting, AppError> {
    let m = load(state.db.read(), id).await?;
    ctx.require(Action::MeetingsManage, Target::At(m.place()))?;
    if m.is_closed() {
        return Err(AppError::conflict("meetings.closed"));
    }
    Ok(m)
}

/// Record attendance: with the quorum present the meeting is then held.
#[utoipa::path(post, path = "/api/v1/meetings/{id}/attendance", tag = "council", params(("id" = i64, Path)),
    request_body = AttendanceInput, security(("bearer" = [])),
    responses((status = 200, body = AttendanceSummary), (status = 403), (status = 409), (status = 422)))]
pub(super) async fn record_attendance(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    ApiJson(a): ApiJson<AttendanceInput>,
) -> Result<Json<AttendanceSummary>, AppError> {
    // Authorized in record > managed: MeetingsManage
    record(&state, &ctx, id, &a.present).await?;
    Ok(Json(attendance_summary(&state, id).await?))
}

pub async fn record(state: &AppState, ctx: &Ctx, id: i64, present: &[i64]) -> Result<(), AppError> {
    let m = managed(state, ctx, id).await?;
    let soon = time::now()
        .checked_add(jiff::SignedDuration::from_mins(30))
        .map_err(AppError::internal)?;
    if m.starts_db > time::to_db(soon) {
        return Err(AppError::conflict("meetings.not_started"));
    }
    let invited: Vec<i64> = attendance_summary(state, id)
        .await?
        .items
        .iter()
        .map(|a| a.member_id)
        .collect();
    if let Some(stranger) = present.iter().find(|p| !invited.contains(p)) {
        return Err(AppError::invalid("present", "meetings.not_a_member").arg("id", stranger));
    }
    let mut tx = state.db.begin().await?;
    for member in &invited {
        sqlx::query(
            "UPDATE meeting_attendance SET status = $1 WHERE meeting_id = $2 AND member_id = $3",
        )
        .bind(if present.contains(member) {
            AttendanceStatus::Present
        } else {
            AttendanceStatus::Absent
        })
        .bind(id)
        .bind(*member)
        .execute(&mut *tx)
        .await?;
    }
    // M6: a meeting is held only with its quorum present; without it, it stays scheduled and
    // counts for nothing (regularity, motions, minutes). Guarded: not after its minutes.
    let held = super::conduct::quorum(present.len() as i64, invited.len() as i64);
    let changed = sqlx::query(
        "UPDATE meetings SET status = $1, updated_at = $5 WHERE id = $2 AND status IN ($3, $4)",
    )
    .bind(if held {
        MeetingStatus::Held
    } else {
        MeetingStatus::Scheduled
    })
    .bind(id)
    .bind(MeetingStatus::Scheduled)
    .bind(MeetingStatus::Held)
    .bind(time::now_db())
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if changed != 1 {
        return Err(AppError::conflict("meetings.attendance_closed"));
    }
    audit::record(
        &mut tx,
        &ctx.actor(),
        Entry::new("meetings.attendance", "meeting", id)
            .at(m.place())
            .detail(format!("{} of {} present", present.len(), invited.len())),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

#[derive(Deserialize, ToSchema)]
pub struct MinutesInput {
    pub minutes: String,
}

/// Publish the minutes: the meeting is closed and nothing on it changes after.
#[utoipa::path(post, path = "/api/v1/meetings/{id}/minutes", tag = "council", params(("id" = i64, Path)),
    request_body = MinutesInput, security(("bearer" = [])),
    responses((status = 200, body = Meeting), (status = 403), (status = 409), (status = 422)))]
pub(super) async fn publish_minutes(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    ApiJson(i): ApiJson<MinutesInput>,
) -> Result<Json<Meeting>, AppError> {
    // Authorized in publish > managed: MeetingsManage
    publish(&state, &ctx, id, &i.minutes).await?;
    Ok(Json(load(state.db.read(), id).await?))
}

pub async fn publish(state: &AppState, ctx: &Ctx, id: i64, minutes: &str) -> Result<(), AppError> {
    let m = managed(state, ctx, id).await?;
    if !m.is_held() {
        return Err(AppError::conflict("meetings.not_held"));
    }
    let text = minutes.trim();
    if text.chars().count() < 10 || text.chars().count() > 20_000 {
        return Err(AppError::invalid("minutes", "meetings.bad_minutes"));
    }
    let mut tx = state.db.begin().await?;
    let open: i64 =
        sqlx::query("SELECT COUNT(*) AS n FROM motions WHERE meeting_id = $1 AND status = 'open'")
            .bind(id)
            .fetch_one(&mut *tx)
            .await?
            .try_get("n")?;
    if open > 0 {
        return Err(AppError::conflict("meetings.motions_open"));
    }
    // R11: an annual assembly decides each of its standing items before its minutes close it.
    if let Some(title) = super::agenda::undecided(&mut tx, id).await? {
        return Err(AppError::conflict("meetings.agenda_undecided").arg("item", title));
    }
    // Guarded: the minutes are published once, and only for a meeting held with its quorum.
    let moved = sqlx::query("UPDATE meetings SET status = 'minutes_published', minutes = $1, minutes_published_at = $2, updated_at = $2 WHERE id = $3 AND status = 'held'")
        .bind(text)
        .bind(time::now_db())
        .bind(id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    crate::platform::state::moved(moved, "meetings.closed")?;
    audit::record(
        &mut tx,
        &ctx.actor(),
        Entry::new("meetings.minutes", "meeting", id).at(m.place()),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

#[derive(Serialize, ToSchema)]
#[schema(as = MeetingComment)]
pub struct Comment {
    pub id: i64,
    pub author: String,
    pub body: String,
    pub created_at: crate::platform::time::Instant,
}

#[derive(Serialize, ToSchema)]
#[schema(as = MeetingCommentList)]
pub struct CommentList {
    pub items: Vec<Comment>,
    pub total: i64,
}

pub async fn comment_list(state: &AppState, id: i64) -> Result<Vec<Comment>, AppError> {
    let rows = sqlx::query("SELECT id, author, body, created_at FROM meeting_comments WHERE meeting_id = $1 ORDER BY id")
        .bind(id)
        .fetch_all(state.db.read())
        .await?;
    Ok(rows
        .iter()
        .map(|r| {
            Ok(Comment {
                id: r.try_get("id")?,
                author: r.try_get("author")?,
                body: r.try_get("body")?,
                created_at: r.try_get("created_at")?,
            })
        })
        .collect::<Result<_, sqlx::Error>>()?)
}

/// Residents' comments on an open meeting.
#[utoipa::path(get, path = "/api/v1/meetings/{id}/comments", tag = "council", params(("id" = i64, Path)),
    security(("bearer" = [])), responses((status = 200, body = CommentList), (status = 403)))]
pub(super) async fn comments(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<Json<CommentList>, AppError> {
    // Authorized in readable > may_see: BodiesRead (in a community whose bodies the caller may see)
    readable(&state, &ctx, id).await?;
    let items = comment_list(&state, id).await?;
    Ok(Json(CommentList {
        total: items.len() as i64,
        items,
    }))
}

#[derive(Deserialize, ToSchema)]
#[schema(as = MeetingCommentInput)]
pub struct CommentInput {
    pub body: String,
}

/// Comment, as a resident of the community, on a meeting open to residents, until its minutes
/// are published.
#[utoipa::path(post, path = "/api/v1/meetings/{id}/comments", tag = "council", params(("id" = i64, Path)),
    request_body = CommentInput, security(("bearer" = [])),
    responses((status = 201, body = Comment), (status = 403), (status = 409), (status = 422)))]
pub(super) async fn comment(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    ApiJson(c): ApiJson<CommentInput>,
) -> Result<(StatusCode, Json<Comment>), AppError> {
    // Authorized in add_comment: Participate
    add_comment(&state, &ctx, id, &c.body).await?;
    let item = comment_list(&state, id)
        .await?
        .pop()
        .ok_or_else(AppError::not_found)?;
    Ok((StatusCode::CREATED, Json(item)))
}

/// A resident's comment on an open meeting.
pub async fn add_comment(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    text: &str,
) -> Result<i64, AppError> {
    let m = readable(state, ctx, id).await?;
    ctx.require(Action::Participate, Target::System)?;
    let user = ctx.user.as_ref().ok_or_else(AppError::unauthenticated)?;
    // Residents of the meeting's community, by their own record.
    let home = match user.resident_id {
        Some(r) => {
            sqlx::query(
                "SELECT community_id, name FROM residents WHERE id = $1 AND status = 'living' AND locked_at IS NULL",
            )
            .bind(r)
            .fetch_optional(state.db.read())
            .await?
        }
        None => None,
    };
    let Some(home) = home else {
        return Err(AppError::forbidden());
    };
    if Some(home.try_get::<i64, _>("community_id")?) != m.community_id {
        return Err(AppError::forbidden());
    }
    let author = crate::platform::pii::mask_name(&home.try_get::<String, _>("name")?);
    if !m.open_to_residents {
        return Err(AppError::conflict("meetings.not_open"));
    }
    if m.is_closed() {
        return Err(AppError::conflict("meetings.closed"));
    }
    let body = text.trim();
    if body.chars().count() < 2 || body.chars().count() > 1000 {
        return Err(AppError::invalid("body", "meetings.bad_comment"));
    }
    let mut tx = state.db.begin().await?;
    let cid: i64 = sqlx::query("INSERT INTO meeting_comments (meeting_id, user_id, author, body, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id")
        .bind(id)
        .bind(user.id)
        .bind(&author)
        .bind(body)
        .bind(time::now_db())
        .fetch_one(&mut *tx)
        .await?
        .try_get("id")?;
    audit::record(
        &mut tx,
        &ctx.actor(),
        Entry::new("meetings.comment", "meeting", id)
            .at(m.place())
            .detail(format!("comment {cid}")),
    )
    .await?;
    tx.commit().await?;
    Ok(cid)
}
