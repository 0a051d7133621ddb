//! Scheduling a meeting with its agenda, inviting the members, and reading meetings back.

use crate::platform::web::{Path, Query};
use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use sqlx::Row;
use utoipa::ToSchema;

use super::agenda::AgendaKind;
use super::conduct::{AttendanceSummary, attendance_summary};
use super::motions::{MotionView, motion_list};
use super::{Meeting, MeetingKind, MeetingQuery, load, readable, search};
use crate::audit::{self, Entry};
use crate::auth::{Action, Ctx, Target};
use crate::council::rules::BodyKind;
use crate::platform::AppState;
use crate::platform::db::Tx;
use crate::platform::error::AppError;
use crate::platform::time;
use crate::platform::web::ApiJson;

#[derive(Serialize, ToSchema)]
pub struct MeetingList {
    pub items: Vec<Meeting>,
    pub total: i64,
}

/// Meetings of the caller's community or street, newest first.
#[utoipa::path(get, path = "/api/v1/meetings", tag = "council", params(MeetingQuery), security(("bearer" = [])),
    responses((status = 200, body = MeetingList)))]
pub(super) async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<MeetingQuery>,
) -> Result<Json<MeetingList>, AppError> {
    // Authorized in search: BodiesRead
    let items = search(&state, &ctx, &q).await?;
    Ok(Json(MeetingList {
        total: items.len() as i64,
        items,
    }))
}

#[derive(Serialize, ToSchema)]
pub struct Item {
    pub id: i64,
    pub seq: i64,
    /// General business, or one of the annual assembly's standing items.
    pub kind: AgendaKind,
    pub title: String,
    /// The case the item discusses.
    pub case_id: Option<i64>,
    pub rule_id: Option<i64>,
    pub agreement_id: Option<i64>,
    /// What was decided on it: the motions' outcomes.
    pub decision: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct MeetingDetail {
    #[serde(flatten)]
    pub meeting: Meeting,
    pub items: Vec<Item>,
    pub attendance: AttendanceSummary,
    pub motions: Vec<MotionView>,
}

pub async fn items(state: &AppState, id: i64) -> Result<Vec<Item>, AppError> {
    let rows = sqlx::query("SELECT id, seq, kind, title, case_id, rule_id, agreement_id, decision FROM meeting_items WHERE meeting_id = $1 ORDER BY seq")
        .bind(id)
        .fetch_all(state.db.read())
        .await?;
    Ok(rows
        .iter()
        .map(|r| {
            Ok(Item {
                id: r.try_get("id")?,
                seq: r.try_get("seq")?,
                kind: r.try_get("kind")?,
                title: r.try_get("title")?,
                case_id: r.try_get("case_id")?,
                rule_id: r.try_get("rule_id")?,
                agreement_id: r.try_get("agreement_id")?,
                decision: r.try_get("decision")?,
            })
        })
        .collect::<Result<_, sqlx::Error>>()?)
}

pub async fn detail(state: &AppState, m: Meeting) -> Result<MeetingDetail, AppError> {
    Ok(MeetingDetail {
        items: items(state, m.id).await?,
        attendance: attendance_summary(state, m.id).await?,
        motions: motion_list(state, m.id).await?,
        meeting: m,
    })
}

/// One meeting with its agenda, attendance and motions; `{id}.ics` gives it as iCalendar.
#[utoipa::path(get, path = "/api/v1/meetings/{id}", tag = "council",
    params(("id" = String, Path, description = "the meeting's id; `12.ics` for its iCalendar event")),
    security(("bearer" = [])),
    responses((status = 200, description = "the meeting, or its iCalendar event for `ID.ics`",
               content((MeetingDetail = "application/json"), (String = "text/calendar"))),
              (status = 403), (status = 404)))]
pub(super) async fn one(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    // Authorized in readable > may_see: BodiesRead (in a community whose bodies the caller may see)
    if let Some(n) = id.strip_suffix(".ics") {
        let n: i64 = n.parse().map_err(|_| AppError::not_found())?;
        let m = load(state.db.read(), n).await?;
        let body = super::ics::calendar(&[m], &format!("meeting-{n}"));
        return Ok(([(header::CONTENT_TYPE, super::ics::MIME)], body).into_response());
    }
    let n: i64 = id.parse().map_err(|_| AppError::not_found())?;
    let m = readable(&state, &ctx, n).await?;
    Ok(Json(detail(&state, m).await?).into_response())
}

#[derive(Deserialize, ToSchema)]
pub struct ItemInput {
    pub title: String,
    /// `general` (the default), or one of the annual assembly's standing items: work_report,
    /// charter_and_agreements, agreement_review, rewards_liabilities, family_planning. An
    /// annual assembly gets every standing item it is not given.
    #[serde(default)]
    pub kind: Option<String>,
    pub case_id: Option<i64>,
    pub rule_id: Option<i64>,
    pub agreement_id: Option<i64>,
}

#[derive(Deserialize, ToSchema)]
pub struct NewMeeting {
    pub body_id: i64,
    pub kind: String,
    pub title: String,
    /// RFC 3339, or a date-time read in Asia/Shanghai (`2026-12-03T19:30`).
    pub starts_at: String,
    /// Default 90.
    pub duration_minutes: Option<i64>,
    pub location: String,
    #[serde(default)]
    pub open_to_residents: bool,
    /// Invite the community's stationed units too (hearings, briefings, the deliberation hall).
    #[serde(default)]
    pub open_to_units: bool,
    #[serde(default)]
    pub items: Vec<ItemInput>,
}

/// Schedule a meeting with its agenda; every member in office is invited.
#[utoipa::path(post, path = "/api/v1/meetings", tag = "council", request_body = NewMeeting, security(("bearer" = [])),
    responses((status = 201, body = MeetingDetail), (status = 403), (status = 422)))]
pub(super) async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiJson(n): ApiJson<NewMeeting>,
) -> Result<(StatusCode, Json<MeetingDetail>), AppError> {
    // Authorized in schedule: MeetingsManage
    let id = schedule(&state, &ctx, &n).await?;
    let m = load(state.db.read(), id).await?;
    Ok((StatusCode::CREATED, Json(detail(&state, m).await?)))
}

/// M6: the council is convened and chaired by its president (the community secretary, seated
/// ex officio); other staff prepare its meetings but do not call them.
async fn convened_by_president(
    state: &AppState,
    ctx: &Ctx,
    body: &crate::council::rules::Body,
) -> Result<(), AppError> {
    if body.kind != BodyKind::Council {
        return Ok(());
    }
    let user = ctx.user.as_ref().map_or(0, |u| u.id);
    let president: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM body_members WHERE body_id = $1 AND position = 'president' AND user_id = $2 \
         AND ended_at IS NULL AND (term_to IS NULL OR term_to >= $3)",
    )
    .bind(body.id)
    .bind(user)
    .bind(time::today().to_string())
    .fetch_one(state.db.read())
    .await?;
    if president == 0 {
        return Err(AppError::new(
            axum::http::StatusCode::FORBIDDEN,
            "meetings.convened_by_president",
        ));
    }
    Ok(())
}

pub async fn schedule(state: &AppState, ctx: &Ctx, n: &NewMeeting) -> Result<i64, AppError> {
    let (body, place) = super::super::bodies::load_body(state, n.body_id).await?;
    ctx.require(Action::MeetingsManage, Target::At(place))?;
    convened_by_president(state, ctx, &body).await?;
    let kind: MeetingKind = n
        .kind
        .parse()
        .map_err(|_| AppError::invalid("kind", "meetings.bad_kind"))?;
    if !kind.fits(body.kind) {
        return Err(AppError::invalid("kind", "meetings.kind_body"));
    }
    let title = n.title.trim();
    if title.is_empty() || title.chars().count() > 80 {
        return Err(AppError::invalid("title", "meetings.bad_title"));
    }
    let location = n.location.trim();
    if location.is_empty() || location.chars().count() > 80 {
        return Err(AppError::invalid("location", "meetings.bad_location"));
    }
    let starts = time::parse_when(&n.starts_at)
        .ok_or_else(|| AppError::invalid("starts_at", "meetings.bad_time"))?;
    let minutes = n.duration_minutes.unwrap_or(90);
    if !(10..=600).contains(&minutes) {
        return Err(AppError::invalid(
            "duration_minutes",
            "meetings.bad_duration",
        ));
    }
    let ends = starts
        .checked_add(jiff::SignedDuration::from_mins(minutes))
        .map_err(AppError::internal)?;
    if n.items.len() > 30
        || n.items
            .iter()
            .any(|i| i.title.trim().is_empty() || i.title.chars().count() > 200)
    {
        return Err(AppError::invalid("items", "meetings.bad_item"));
    }
    let mut tx = state.db.begin().await?;
    let id: i64 = sqlx::query(
        "INSERT INTO meetings (body_id, street_id, community_id, kind, title, starts_at, ends_at, location, open_to_residents, open_to_units, status, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'scheduled', $11, $12) RETURNING id",
    )
    .bind(body.id)
    .bind(place.street_id)
    .bind(place.community_id)
    .bind(kind)
    .bind(title)
    .bind(time::to_db(starts))
    .bind(time::to_db(ends))
    .bind(location)
    .bind(i64::from(n.open_to_residents))
    .bind(i64::from(n.open_to_units))
    .bind(ctx.user.as_ref().map(|u| u.id))
    .bind(time::now_db())
    .fetch_one(&mut *tx)
    .await?
    .try_get("id")?;
    let mut kinds = Vec::new();
    for (seq, item) in n.items.iter().enumerate() {
        kinds.push(add_item(&mut tx, id, place.community_id, seq as i64 + 1, item).await?);
    }
    if kind == MeetingKind::AssemblyAnnual {
        // M8: the assembly's standing business is on every annual agenda (R11).
        let charter = super::agenda::charter_of(&mut tx, place.community_id).await?;
        for (k, title) in super::agenda::ANNUAL {
            if kinds.contains(&k) {
                continue;
            }
            let item = ItemInput {
                title: title.to_owned(),
                kind: Some(k.as_str().to_owned()),
                case_id: None,
                rule_id: if k == AgendaKind::CharterAndAgreements {
                    charter
                } else {
                    None
                },
                agreement_id: None,
            };
            let seq = kinds.len() as i64 + 1;
            kinds.push(add_item(&mut tx, id, place.community_id, seq, &item).await?);
        }
    }
    invite(
        &mut tx,
        id,
        body.id,
        title,
        &time::show(starts, ctx.lang),
        location,
    )
    .await?;
    audit::record(
        &mut tx,
        &ctx.actor(),
        Entry::new("meetings.schedule", "meeting", id)
            .at(place)
            .detail(format!("{kind} {title}")),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

async fn add_item(
    tx: &mut Tx,
    meeting: i64,
    community: Option<i64>,
    seq: i64,
    item: &ItemInput,
) -> Result<AgendaKind, AppError> {
    let kind: AgendaKind = match item.kind.as_deref().filter(|k| !k.is_empty()) {
        None => AgendaKind::General,
        Some(k) => k
            .parse()
            .map_err(|_| AppError::invalid("items", "meetings.bad_item_kind"))?,
    };
    for (id, table, key) in [
        (item.case_id, "cases", "meetings.unknown_case"),
        (item.rule_id, "rules", "meetings.unknown_rule"),
        (
            item.agreement_id,
            "agreements",
            "meetings.unknown_agreement",
        ),
    ] {
        let Some(id) = id else { continue };
        let found: i64 = sqlx::query(&format!(
            "SELECT COUNT(*) AS n FROM {table} WHERE id = $1 AND community_id = $2"
        ))
        .bind(id)
        .bind(community)
        .fetch_one(&mut **tx)
        .await?
        .try_get("n")?;
        if found == 0 {
            return Err(AppError::invalid("items", key).arg("id", id));
        }
    }
    sqlx::query(
        "INSERT INTO meeting_items (meeting_id, seq, kind, title, case_id, rule_id, agreement_id) VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(meeting)
    .bind(seq)
    .bind(kind)
    .bind(item.title.trim())
    .bind(item.case_id)
    .bind(item.rule_id)
    .bind(item.agreement_id)
    .execute(&mut **tx)
    .await?;
    Ok(kind)
}

/// Every member in office is on the attendance list as invited, and each with an account gets
/// the invitation in their messages (and through the webhook, if one is set).
async fn invite(
    tx: &mut Tx,
    meeting: i64,
    body: i64,
    title: &str,
    when: &str,
    location: &str,
) -> Result<(), AppError> {
    let today = time::today().to_string();
    let members = sqlx::query(
        "SELECT m.id, m.name, COALESCE(m.user_id, (SELECT u.id FROM users u WHERE u.resident_id = m.resident_id AND m.resident_id IS NOT NULL LIMIT 1)) AS user_id \
         FROM body_members m WHERE m.body_id = $1 AND m.ended_at IS NULL AND (m.term_to IS NULL OR m.term_to >= $2) ORDER BY m.id",
    )
    .bind(body)
    .bind(&today)
    .fetch_all(&mut **tx)
    .await?;
    let message = format!("会议通知：{title}，{when}，{location}");
    let now = time::now_db();
    for m in &members {
        sqlx::query("INSERT INTO meeting_attendance (meeting_id, member_id, name, status) VALUES ($1, $2, $3, 'invited')")
            .bind(meeting)
            .bind(m.try_get::<i64, _>("id")?)
            .bind(m.try_get::<String, _>("name")?)
            .execute(&mut **tx)
            .await?;
        if let Some(user) = m.try_get::<Option<i64>, _>("user_id")? {
            sqlx::query("INSERT INTO outbox (user_id, kind, message, created_at) VALUES ($1, 'meeting_invitation', $2, $3)")
                .bind(user)
                .bind(&message)
                .bind(&now)
                .execute(&mut **tx)
                .await?;
        }
    }
    Ok(())
}
