//! Workers' routines (M14): daily patrol logs — the route, what was found, and any finding filed
//! as a case in the same step — and the weekly staff meeting's record.

use crate::platform::web::Query;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use sqlx::Row;
use utoipa::{IntoParams, ToSchema};

use super::{NewCase, community_place, dated, insert_cases, prepare_case, scoped};
use crate::audit::{self, Entry};
use crate::auth::{Action, Ctx};
use crate::platform::AppState;
use crate::platform::db::bind_vals;
use crate::platform::error::AppError;
use crate::platform::input::{date_or_today, text};
use crate::platform::time;
use crate::platform::web::ApiJson;

#[derive(Serialize, Deserialize, ToSchema, Clone)]
pub struct Finding {
    pub description: String,
    pub building_id: Option<i64>,
    /// The case it became.
    #[serde(default)]
    pub case_id: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct Patrol {
    pub id: i64,
    pub community_id: i64,
    pub patrol_date: String,
    pub route: String,
    pub summary: String,
    pub author: String,
    pub findings: Vec<Finding>,
}

#[derive(Serialize, ToSchema)]
pub struct PatrolList {
    pub items: Vec<Patrol>,
    pub total: i64,
}

#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct DatedQuery {
    pub community_id: Option<i64>,
    pub from: Option<String>,
    pub to: Option<String>,
}

/// Patrol logs of the caller's communities, newest first.
#[utoipa::path(get, path = "/api/v1/patrols", tag = "daily", params(DatedQuery), security(("bearer" = [])),
    responses((status = 200, body = PatrolList), (status = 403)))]
pub(super) async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<DatedQuery>,
) -> Result<Json<PatrolList>, AppError> {
    // Authorized in patrols_of: FieldWorkRead
    patrols_of(&state, &ctx, q).await.map(Json)
}

/// The patrols of the caller's communities, newest first (the API's list and `/patrols`).
pub async fn patrols_of(
    state: &AppState,
    ctx: &Ctx,
    q: DatedQuery,
) -> Result<PatrolList, AppError> {
    let mut f = scoped(ctx, &[Action::FieldWorkRead], None)?;
    dated(&mut f, "t.patrol_date", q.community_id, &q.from, &q.to)?;
    let sql = format!(
        "SELECT t.id, t.community_id, t.patrol_date, t.route, t.summary, t.author FROM patrols t {} ORDER BY t.patrol_date DESC, t.id DESC LIMIT 200",
        f.sql()
    );
    let rows = bind_vals(sqlx::query(&sql), &f.vals)
        .fetch_all(state.db.read())
        .await?;
    let mut items = Vec::with_capacity(rows.len());
    for r in &rows {
        let id: i64 = r.try_get("id")?;
        let findings = sqlx::query("SELECT description, building_id, case_id FROM patrol_findings WHERE patrol_id = $1 ORDER BY id")
            .bind(id)
            .fetch_all(state.db.read())
            .await?
            .iter()
            .map(|x| {
                Ok(Finding {
                    description: x.try_get("description")?,
                    building_id: x.try_get("building_id")?,
                    case_id: x.try_get("case_id")?,
                })
            })
            .collect::<Result<_, sqlx::Error>>()?;
        items.push(Patrol {
            id,
            community_id: r.try_get("community_id")?,
            patrol_date: r.try_get("patrol_date")?,
            route: r.try_get("route")?,
            summary: r.try_get("summary")?,
            author: r.try_get("author")?,
            findings,
        });
    }
    Ok(PatrolList {
        total: items.len() as i64,
        items,
    })
}

#[derive(Deserialize, ToSchema)]
pub struct FindingInput {
    pub description: String,
    pub building_id: Option<i64>,
    /// File it as a case now.
    pub new_case: Option<NewCase>,
}

#[derive(Deserialize, ToSchema)]
pub struct PatrolInput {
    pub community_id: Option<i64>,
    pub patrol_date: Option<String>,
    pub route: String,
    #[serde(default)]
    pub summary: String,
    #[serde(default)]
    pub findings: Vec<FindingInput>,
}

/// Record a patrol; each finding marked `new_case` is filed as a case (channel 巡查发现).
#[utoipa::path(post, path = "/api/v1/patrols", tag = "daily", request_body = PatrolInput, security(("bearer" = [])),
    responses((status = 201, body = Patrol), (status = 403), (status = 422)))]
pub(super) async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiJson(p): ApiJson<PatrolInput>,
) -> Result<(StatusCode, Json<Patrol>), AppError> {
    // Authorized in record_patrol: FieldWork
    record_patrol(&state, &ctx, p)
        .await
        .map(|x| (StatusCode::CREATED, Json(x)))
}

/// Records a patrol and files its findings marked as cases, all in one transaction.
pub async fn record_patrol(
    state: &AppState,
    ctx: &Ctx,
    p: PatrolInput,
) -> Result<Patrol, AppError> {
    let place = community_place(state, ctx, Action::FieldWork, p.community_id).await?;
    let route = text("route", &p.route, 200)?;
    let summary = p.summary.trim().to_owned();
    if summary.chars().count() > 2000 || p.findings.len() > 30 {
        return Err(AppError::invalid("summary", "input.bad_text").arg("max", 2000));
    }
    let date = date_or_today("patrol_date", p.patrol_date.as_deref())?;
    let mut findings = Vec::new();
    for (i, f) in p.findings.iter().enumerate() {
        let d = text("findings", &f.description, 1000)
            .map_err(|e| e.field(format!("findings[{i}].description")))?;
        if let Some(b) = f.building_id {
            let bp = crate::registry::places::place_of_building(state.db.read(), b).await?;
            if bp.map(|x| x.community_id) != Some(place.community_id) {
                return Err(AppError::invalid(
                    format!("findings[{i}].building_id"),
                    "input.unknown_building",
                ));
            }
        }
        findings.push(d);
    }
    let user = ctx.user.as_ref().ok_or_else(AppError::unauthenticated)?;
    // Cases are checked once everything else is known to be good, and stored in the patrol's
    // transaction: the patrol and its cases are kept or lost together.
    let mut ready = Vec::new();
    for (f, d) in p.findings.iter().zip(&findings) {
        let at = crate::auth::Place {
            building_id: f.building_id,
            ..place
        };
        ready.push(match &f.new_case {
            Some(c) => Some(prepare_case(state, ctx, c, d, at).await?),
            None => None,
        });
    }
    let mut tx = state.db.begin().await?;
    let cases = insert_cases(&mut tx, &ready).await?;
    let id: i64 = sqlx::query(
        "INSERT INTO patrols (street_id, community_id, patrol_date, route, summary, author_id, author, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    )
    .bind(place.street_id)
    .bind(place.community_id)
    .bind(date.to_string())
    .bind(&route)
    .bind(&summary)
    .bind(user.id)
    .bind(&user.display_name)
    .bind(time::now_db())
    .fetch_one(&mut *tx)
    .await?
    .try_get("id")?;
    let mut out = Vec::new();
    for ((f, d), case) in p.findings.iter().zip(&findings).zip(&cases) {
        sqlx::query("INSERT INTO patrol_findings (patrol_id, description, building_id, case_id) VALUES ($1, $2, $3, $4)")
            .bind(id)
            .bind(d)
            .bind(f.building_id)
            .bind(*case)
            .execute(&mut *tx)
            .await?;
        out.push(Finding {
            description: d.clone(),
            building_id: f.building_id,
            case_id: *case,
        });
    }
    audit::record(
        &mut tx,
        &ctx.actor(),
        Entry::new("patrols.create", "patrol", id)
            .at(place)
            .detail(format!(
                "{} findings, {} cases",
                out.len(),
                cases.iter().flatten().count()
            )),
    )
    .await?;
    tx.commit().await?;
    Ok(Patrol {
        id,
        community_id: place.community_id.unwrap_or_default(),
        patrol_date: date.to_string(),
        route,
        summary,
        author: user.display_name.clone(),
        findings: out,
    })
}

#[derive(Serialize, Deserialize, ToSchema)]
pub struct StaffMeeting {
    #[serde(default)]
    pub id: i64,
    pub community_id: Option<i64>,
    pub meeting_date: Option<String>,
    /// Who attended, as written.
    pub attendees: String,
    pub notes: String,
}

#[derive(Serialize, ToSchema)]
pub struct StaffMeetingList {
    pub items: Vec<StaffMeeting>,
}

/// The weekly staff meetings' records.
#[utoipa::path(get, path = "/api/v1/staff-meetings", tag = "daily", params(DatedQuery), security(("bearer" = [])),
    responses((status = 200, body = StaffMeetingList), (status = 403)))]
pub(super) async fn meetings(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<DatedQuery>,
) -> Result<Json<StaffMeetingList>, AppError> {
    // Authorized in meetings_of: FieldWorkRead
    meetings_of(&state, &ctx, q).await.map(Json)
}

/// The weekly staff meetings of the caller's communities, newest first.
pub async fn meetings_of(
    state: &AppState,
    ctx: &Ctx,
    q: DatedQuery,
) -> Result<StaffMeetingList, AppError> {
    let mut f = scoped(ctx, &[Action::FieldWorkRead], None)?;
    dated(&mut f, "t.meeting_date", q.community_id, &q.from, &q.to)?;
    let sql = format!(
        "SELECT t.id, t.community_id, t.meeting_date, t.attendees, t.notes FROM staff_meetings t {} ORDER BY t.meeting_date DESC LIMIT 200",
        f.sql()
    );
    let rows = bind_vals(sqlx::query(&sql), &f.vals)
        .fetch_all(state.db.read())
        .await?;
    let items = rows
        .iter()
        .map(|r| {
            Ok(StaffMeeting {
                id: r.try_get("id")?,
                community_id: r.try_get("community_id")?,
                meeting_date: r.try_get("meeting_date")?,
                attendees: r.try_get("attendees")?,
                notes: r.try_get("notes")?,
            })
        })
        .collect::<Result<_, sqlx::Error>>()?;
    Ok(StaffMeetingList { items })
}

/// Record a weekly staff meeting.
#[utoipa::path(post, path = "/api/v1/staff-meetings", tag = "daily", request_body = StaffMeeting, security(("bearer" = [])),
    responses((status = 201, body = StaffMeeting), (status = 403), (status = 422)))]
pub(super) async fn add_meeting(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiJson(m): ApiJson<StaffMeeting>,
) -> Result<(StatusCode, Json<StaffMeeting>), AppError> {
    // Authorized in record_meeting: FieldWork
    record_meeting(&state, &ctx, m)
        .await
        .map(|x| (StatusCode::CREATED, Json(x)))
}

/// Records a weekly staff meeting.
pub async fn record_meeting(
    state: &AppState,
    ctx: &Ctx,
    m: StaffMeeting,
) -> Result<StaffMeeting, AppError> {
    let place = community_place(state, ctx, Action::FieldWork, m.community_id).await?;
    let attendees = text("attendees", &m.attendees, 200)?;
    let notes = text("notes", &m.notes, 5000)?;
    let date = date_or_today("meeting_date", m.meeting_date.as_deref())?;
    let mut tx = state.db.begin().await?;
    let id: i64 = sqlx::query(
        "INSERT INTO staff_meetings (street_id, community_id, meeting_date, attendees, notes, author_id, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(place.street_id)
    .bind(place.community_id)
    .bind(date.to_string())
    .bind(&attendees)
    .bind(&notes)
    .bind(ctx.user.as_ref().map(|u| u.id))
    .bind(time::now_db())
    .fetch_one(&mut *tx)
    .await?
    .try_get("id")?;
    audit::record(
        &mut tx,
        &ctx.actor(),
        Entry::new("staff_meetings.create", "staff_meeting", id).at(place),
    )
    .await?;
    tx.commit().await?;
    Ok(StaffMeeting {
        id,
        community_id: place.community_id,
        meeting_date: Some(date.to_string()),
        attendees,
        notes,
    })
}
