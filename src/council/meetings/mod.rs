//! Meetings (M6, M8, M24): the council's monthly meeting, ad hoc meetings, the annual assembly,
//! resident hearings (民情恳谈), community briefings (社情发布会) and the deliberation hall
//! (社区议事厅). `scheduled → held → minutes_published`: invitations go to the members when a
//! meeting is scheduled; attendance makes it held, with its quorum; motions are voted on by the
//! members present; published minutes never change.

pub mod agenda;
pub mod conduct;
pub mod decision;
pub mod feeds;
pub mod guests;
pub mod ics;
pub mod motions;
pub mod open;
pub mod own_vote;
pub mod print;
pub mod regularity;
pub mod schedule;
pub mod web;

use serde::{Deserialize, Serialize};
use sqlx::Row;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::auth::{Action, Ctx, Place, Target, scope::scope_condition};
use crate::council::rules::BodyKind;
use crate::platform::AppState;
use crate::platform::db::{Filter, Val, bind_vals};
use crate::platform::error::AppError;
use crate::platform::time::{self, Instant};

crate::workflow_state! {
    /// The kinds of meeting (M6, M8, M9): the council's monthly meeting and its ad hoc ones, the
    /// annual assembly, hearings (听证会), briefings (情况通报会) and the deliberation hall
    /// (议事厅) open to residents.
    pub enum MeetingKind {
        CouncilMonthly = "council_monthly",
        AdHoc = "ad_hoc",
        AssemblyAnnual = "assembly_annual",
        ResidentHearing = "resident_hearing",
        CommunityBriefing = "community_briefing",
        DeliberationHall = "deliberation_hall",
    }
}

impl MeetingKind {
    /// Which body holds this kind of meeting: the monthly meeting is the council's, the annual
    /// one the assembly's; the others any body's.
    pub fn fits(self, body: BodyKind) -> bool {
        match self {
            MeetingKind::CouncilMonthly => body == BodyKind::Council,
            MeetingKind::AssemblyAnnual => body == BodyKind::Assembly,
            _ => true,
        }
    }
}

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(schedule::list, schedule::create))
        .routes(routes!(ics::feed))
        .routes(routes!(feeds::create_feed, feeds::delete_feed))
        .routes(routes!(regularity::report))
        .routes(routes!(schedule::one))
        .routes(routes!(conduct::attendance, conduct::record_attendance))
        .routes(routes!(motions::motions, motions::propose))
        .routes(routes!(motions::votes, motions::vote))
        .routes(routes!(decision::decide))
        .routes(routes!(conduct::publish_minutes))
        .routes(routes!(conduct::comments, conduct::comment))
        .routes(routes!(guests::list, guests::create))
}

crate::workflow_state! {
    /// Where a meeting stands: scheduled, held (attendance reached its quorum), closed by its
    /// minutes. Short of the quorum it stays scheduled (`conduct::record`).
    pub enum MeetingStatus {
        Scheduled = "scheduled",
        Held = "held",
        MinutesPublished = "minutes_published",
    }
}

#[derive(Serialize, ToSchema, Clone)]
pub struct Meeting {
    pub id: i64,
    pub body_id: i64,
    pub body_kind: crate::council::rules::BodyKind,
    pub body_name: String,
    pub community_id: Option<i64>,
    pub kind: MeetingKind,
    pub title: String,
    pub starts_at: Instant,
    pub ends_at: Instant,
    pub location: String,
    /// Residents may comment on it.
    pub open_to_residents: bool,
    /// Stationed units (驻社区单位) are invited too (hearings, briefings, the deliberation hall).
    pub open_to_units: bool,
    pub status: MeetingStatus,
    pub minutes: Option<String>,
    pub minutes_published_at: Option<Instant>,
    #[serde(skip)]
    pub street_id: i64,
    #[serde(skip)]
    pub starts_db: String,
    #[serde(skip)]
    pub ends_db: String,
    /// When it last changed (created, held, minutes published): the calendar feeds' stamp.
    #[serde(skip)]
    pub changed_db: String,
}

impl Meeting {
    pub fn is_scheduled(&self) -> bool {
        self.status == MeetingStatus::Scheduled
    }
    /// Held with its quorum, minutes not yet published: motions may be put and decided.
    pub fn is_held(&self) -> bool {
        self.status == MeetingStatus::Held
    }
    /// Its minutes are published: nothing on it changes any more.
    pub fn is_closed(&self) -> bool {
        self.status == MeetingStatus::MinutesPublished
    }
    pub fn place(&self) -> Place {
        Place {
            street_id: Some(self.street_id),
            community_id: self.community_id,
            building_id: None,
        }
    }
}

const SQL: &str = "SELECT m.id, m.body_id, b.kind AS body_kind, b.name AS body_name, m.street_id, m.community_id, m.kind, \
    m.title, m.starts_at, m.ends_at, m.location, m.open_to_residents, m.open_to_units, m.status, m.minutes, m.minutes_published_at, \
    COALESCE(m.updated_at, m.created_at) AS changed_at FROM meetings m JOIN bodies b ON b.id = m.body_id";

pub fn from_row(r: &sqlx::any::AnyRow) -> Result<Meeting, sqlx::Error> {
    let starts: String = r.try_get("starts_at")?;
    let ends: String = r.try_get("ends_at")?;
    Ok(Meeting {
        id: r.try_get("id")?,
        body_id: r.try_get("body_id")?,
        body_kind: r.try_get("body_kind")?,
        body_name: r.try_get("body_name")?,
        street_id: r.try_get("street_id")?,
        community_id: r.try_get("community_id")?,
        kind: r.try_get("kind")?,
        title: r.try_get("title")?,
        starts_at: r.try_get("starts_at")?,
        ends_at: r.try_get("ends_at")?,
        location: r.try_get("location")?,
        open_to_residents: r.try_get::<i64, _>("open_to_residents")? != 0,
        open_to_units: r.try_get::<i64, _>("open_to_units")? != 0,
        status: r.try_get("status")?,
        minutes: r.try_get("minutes")?,
        minutes_published_at: r.try_get("minutes_published_at")?,
        starts_db: starts,
        ends_db: ends,
        changed_db: r.try_get("changed_at")?,
    })
}

pub async fn load<'e, E: sqlx::Executor<'e, Database = sqlx::Any>>(
    ex: E,
    id: i64,
) -> Result<Meeting, AppError> {
    let r = sqlx::query(&format!("{SQL} WHERE m.id = $1"))
        .bind(id)
        .fetch_optional(ex)
        .await?
        .ok_or_else(AppError::not_found)?;
    Ok(from_row(&r)?)
}

/// The meeting, if the caller may see its community's bodies.
pub async fn readable(state: &AppState, ctx: &Ctx, id: i64) -> Result<Meeting, AppError> {
    let m = load(state.db.read(), id).await?;
    ctx.require(Action::BodiesRead, Target::System)?;
    let scopes = super::bodies::visible_scopes(state, ctx).await?;
    if scopes.iter().any(|s| s.contains(&m.place())) {
        Ok(m)
    } else {
        Err(AppError::forbidden())
    }
}

#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct MeetingQuery {
    pub community_id: Option<i64>,
    pub body_id: Option<i64>,
    pub kind: Option<String>,
    pub status: Option<String>,
    /// Meetings starting on or after this date (YYYY-MM-DD).
    pub from: Option<String>,
    /// Meetings starting before this date.
    pub to: Option<String>,
}

pub async fn search(
    state: &AppState,
    ctx: &Ctx,
    q: &MeetingQuery,
) -> Result<Vec<Meeting>, AppError> {
    let scopes = super::bodies::visible_scopes(state, ctx).await?;
    let Some((cond, vals)) = scope_condition(&scopes, "m.street_id", "m.community_id", None) else {
        ctx.require(Action::BodiesRead, Target::System)?;
        return Err(AppError::forbidden());
    };
    let mut f = Filter::default();
    f.and(&cond, vals);
    if let Some(c) = q.community_id {
        f.and("m.community_id = ?", [Val::I(c)]);
    }
    if let Some(b) = q.body_id {
        f.and("m.body_id = ?", [Val::I(b)]);
    }
    if let Some(k) = q.kind.as_deref().filter(|k| !k.is_empty()) {
        let k: MeetingKind = k
            .parse()
            .map_err(|_| AppError::invalid("kind", "meetings.bad_kind"))?;
        f.and("m.kind = ?", [Val::T(k.as_str().to_owned())]);
    }
    if let Some(s) = q.status.as_deref().filter(|s| !s.is_empty()) {
        let s: MeetingStatus = s
            .parse()
            .map_err(|_| AppError::invalid("status", "meetings.bad_status"))?;
        f.and("m.status = ?", [Val::T(s.as_str().to_owned())]);
    }
    for (field, d, op) in [("from", &q.from, ">="), ("to", &q.to, "<")] {
        if let Some(d) = d.as_deref().filter(|d| !d.is_empty()) {
            let date = crate::platform::time::parse_day(field, d)?;
            f.and(
                &format!("m.starts_at {op} ?"),
                [Val::T(time::day_start_db(date))],
            );
        }
    }
    let sql = format!(
        "{SQL} {} ORDER BY m.starts_at DESC, m.id DESC LIMIT 500",
        f.sql()
    );
    let rows = bind_vals(sqlx::query(&sql), &f.vals)
        .fetch_all(state.db.read())
        .await?;
    Ok(rows.iter().map(from_row).collect::<Result<_, _>>()?)
}
