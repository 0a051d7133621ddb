//! Cases in the database: categories, filing, reading with the timeline, transitions.

use jiff::Timestamp;
use serde::Serialize;
use sqlx::Row;

use crate::platform::reader::Reader;
use utoipa::ToSchema;

use crate::auth::Place;
use crate::platform::calendar::Calendar;
use crate::platform::db::Tx;
use crate::platform::time;

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Category {
    pub code: String,
    /// `mandatory_report` (八必报) or `request`.
    pub kind: String,
    pub deadline_days: i64,
    pub responsible_role: String,
    /// Pregnancy, illness, outsiders, instability: never public, never in Open311.
    pub sensitive: bool,
    /// Whether anonymous visitors may file it.
    pub public_intake: bool,
}

fn category_from(r: &sqlx::any::AnyRow) -> Result<Category, sqlx::Error> {
    Ok(Category {
        code: r.try_get("code")?,
        kind: r.try_get("kind")?,
        deadline_days: r.try_get("deadline_days")?,
        responsible_role: r.try_get("responsible_role")?,
        sensitive: r.try_get::<i64, _>("sensitive")? != 0,
        public_intake: r.try_get::<i64, _>("public_intake")? != 0,
    })
}

/// The categories in force for a community: its own settings where it has them, else the
/// defaults; inactive ones left out.
pub async fn categories(pool: &Reader, community: i64) -> Result<Vec<Category>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT d.code, COALESCE(o.kind, d.kind) AS kind, COALESCE(o.deadline_days, d.deadline_days) AS deadline_days, \
         COALESCE(o.responsible_role, d.responsible_role) AS responsible_role, COALESCE(o.sensitive, d.sensitive) AS sensitive, \
         COALESCE(o.public_intake, d.public_intake) AS public_intake, COALESCE(o.active, d.active) AS active \
         FROM case_categories d LEFT JOIN case_categories o ON o.code = d.code AND o.community_id = $1 \
         WHERE d.community_id IS NULL ORDER BY d.id",
    )
    .bind(community)
    .fetch_all(pool)
    .await?;
    let mut out = Vec::new();
    for r in &rows {
        if r.try_get::<i64, _>("active")? != 0 {
            out.push(category_from(r)?);
        }
    }
    Ok(out)
}

/// The end of the `days`th working day after the day `at` falls on, in Asia/Shanghai, and the
/// year whose holidays were not known if it was counted across one (an estimate, flagged).
pub fn deadline(calendar: &Calendar, at: Timestamp, days: i64) -> (Timestamp, Option<i16>) {
    let tz = time::shanghai();
    let day = at.to_zoned_datetime(tz.clone()).date();
    let due = calendar.add_working_days(day, days.max(0) as u32);
    let uncovered = calendar.uncovered_between(day, due);
    let next_midnight = due
        .tomorrow()
        .expect("in range")
        .to_zoned_datetime(tz.clone())
        .expect("a valid local midnight");
    (
        next_midnight.timestamp() - jiff::SignedDuration::from_micros(1),
        uncovered,
    )
}

/// A case as stored; `contact_phone` is never serialized unmasked.
#[derive(Clone, Debug)]
pub struct Case {
    pub id: i64,
    pub street_id: i64,
    pub community_id: i64,
    pub building_id: Option<i64>,
    pub category: String,
    pub sensitive: bool,
    pub channel: String,
    pub status: super::model::CaseStatus,
    pub description: String,
    pub address: String,
    pub submitter_user_id: Option<i64>,
    pub contact_name: String,
    pub contact_phone: String,
    pub tracking_code: String,
    pub assignee_user_id: Option<i64>,
    pub deadline: String,
    /// Counted across this year, whose holidays were not announced yet: an estimate.
    pub deadline_uncovered_year: Option<i16>,
    /// Where, as filed (WGS84 latitude and longitude), if the filer gave it.
    pub position: Option<(f64, f64)>,
    pub reply: String,
    pub reject_reason: String,
    pub reopen_count: i64,
    pub satisfied: Option<bool>,
    pub feedback: String,
    pub supervised_at: Option<String>,
    pub supervision_reason: String,
    /// The public note on progress (`model::PublicNote`), if staff chose one.
    pub public_note: Option<super::model::PublicNote>,
    pub created_at: crate::platform::time::Instant,
    pub updated_at: String,
    /// A sensitive case given in a list (opening it is the audited read), or on the
    /// supervision list of someone without the duty to read it: only its category, status,
    /// dates and supervision reason are given.
    pub redacted: bool,
}

impl Case {
    /// Keeps what a supervision list may tell anyone about a sensitive case: its category,
    /// status, dates and why it is supervised; nothing the resident said or who they are.
    pub fn redact(&mut self) {
        self.description.clear();
        self.address.clear();
        self.contact_name.clear();
        self.contact_phone.clear();
        self.tracking_code.clear();
        self.reply.clear();
        self.reject_reason.clear();
        self.feedback.clear();
        self.submitter_user_id = None;
        self.assignee_user_id = None;
        self.building_id = None;
        self.position = None;
        self.public_note = None;
        self.redacted = true;
    }

    pub fn place(&self) -> Place {
        Place {
            street_id: Some(self.street_id),
            community_id: Some(self.community_id),
            building_id: self.building_id,
        }
    }

    /// The deadline as pages show it, marked as an estimate where it was counted across a year
    /// whose holidays were not announced.
    pub fn deadline_shown(&self, lang: crate::platform::i18n::Lang) -> String {
        crate::platform::calendar::show_counted(
            lang,
            time::show_db(&self.deadline, lang),
            self.deadline_uncovered_year,
        )
    }

    pub fn overdue(&self, now: &str) -> bool {
        self.status.is_open() && self.deadline.as_str() < now
    }
}

pub const CASE_COLUMNS: &str = "k.id, c.street_id, k.community_id, k.building_id, k.category, k.sensitive, k.channel, k.status, \
    k.description, k.address, k.submitter_user_id, k.contact_name, k.contact_phone, k.tracking_code, k.assignee_user_id, \
    k.deadline, k.reply, k.reject_reason, k.reopen_count, k.satisfied, k.feedback, k.supervised_at, k.supervision_reason, \
    k.public_note, k.created_at, k.updated_at, k.deadline_uncovered_year, k.lat, k.lng";

pub fn case_from(r: &sqlx::any::AnyRow) -> Result<Case, sqlx::Error> {
    Ok(Case {
        id: r.try_get("id")?,
        street_id: r.try_get("street_id")?,
        community_id: r.try_get("community_id")?,
        building_id: r.try_get("building_id")?,
        category: r.try_get("category")?,
        sensitive: r.try_get::<i64, _>("sensitive")? != 0,
        channel: r.try_get("channel")?,
        status: r.try_get("status")?,
        description: r.try_get("description")?,
        address: r.try_get("address")?,
        submitter_user_id: r.try_get("submitter_user_id")?,
        contact_name: r.try_get("contact_name")?,
        contact_phone: r.try_get("contact_phone")?,
        tracking_code: r.try_get("tracking_code")?,
        assignee_user_id: r.try_get("assignee_user_id")?,
        deadline: r.try_get("deadline")?,
        deadline_uncovered_year: r
            .try_get::<Option<i64>, _>("deadline_uncovered_year")?
            .and_then(|y| i16::try_from(y).ok()),
        position: r
            .try_get::<Option<f64>, _>("lat")?
            .zip(r.try_get::<Option<f64>, _>("lng")?),
        reply: r.try_get("reply")?,
        reject_reason: r.try_get("reject_reason")?,
        reopen_count: r.try_get("reopen_count")?,
        satisfied: r.try_get::<Option<i64>, _>("satisfied")?.map(|v| v != 0),
        feedback: r.try_get("feedback")?,
        supervised_at: r.try_get("supervised_at")?,
        supervision_reason: r.try_get("supervision_reason")?,
        public_note: r
            .try_get::<Option<String>, _>("public_note")?
            .as_deref()
            .and_then(super::model::PublicNote::parse),
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
        redacted: false,
    })
}

pub async fn get(pool: &Reader, id: i64) -> Result<Option<Case>, sqlx::Error> {
    let sql = format!(
        "SELECT {CASE_COLUMNS} FROM cases k JOIN communities c ON c.id = k.community_id WHERE k.id = $1"
    );
    let row = sqlx::query(&sql).bind(id).fetch_optional(pool).await?;
    row.as_ref().map(case_from).transpose()
}

/// The opinions and proposals an association filed (M11), newest first.
pub async fn filed_for_body(pool: &Reader, body: i64) -> Result<Vec<Case>, sqlx::Error> {
    let sql = format!(
        "SELECT {CASE_COLUMNS} FROM cases k JOIN communities c ON c.id = k.community_id WHERE k.body_id = $1 ORDER BY k.id DESC LIMIT 50"
    );
    let rows = sqlx::query(&sql).bind(body).fetch_all(pool).await?;
    rows.iter().map(case_from).collect()
}

pub async fn by_tracking_code(pool: &Reader, code: &str) -> Result<Option<Case>, sqlx::Error> {
    let sql = format!(
        "SELECT {CASE_COLUMNS} FROM cases k JOIN communities c ON c.id = k.community_id WHERE k.tracking_code = $1"
    );
    let row = sqlx::query(&sql).bind(code).fetch_optional(pool).await?;
    row.as_ref().map(case_from).transpose()
}

/// One step of a case's timeline.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Event {
    /// UTC, RFC 3339.
    pub at: String,
    /// The account that acted (`anonymous` for a caller without one).
    pub actor: String,
    /// The person's name, as timelines show it (empty for a caller without an account).
    pub actor_name: String,
    pub action: String,
    pub from_status: String,
    pub to_status: String,
    pub message: String,
    /// Shown on the public tracking page.
    pub public: bool,
}

pub async fn events(pool: &Reader, case_id: i64) -> Result<Vec<Event>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT e.at, e.actor, COALESCE(u.display_name, '') AS actor_name, e.action, e.from_status, e.to_status, e.message, e.public FROM case_events e LEFT JOIN users u ON u.username = e.actor WHERE e.case_id = $1 ORDER BY e.id",
    )
    .bind(case_id)
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Event {
                at: r.try_get("at")?,
                actor: r.try_get("actor")?,
                actor_name: r.try_get("actor_name")?,
                action: r.try_get("action")?,
                from_status: r.try_get("from_status")?,
                to_status: r.try_get("to_status")?,
                message: r.try_get("message")?,
                public: r.try_get::<i64, _>("public")? != 0,
            })
        })
        .collect()
}

#[allow(clippy::too_many_arguments)]
pub async fn add_event(
    tx: &mut Tx,
    case_id: i64,
    actor: &str,
    action: &str,
    from: &str,
    to: &str,
    message: &str,
    public: bool,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO case_events (case_id, at, actor, action, from_status, to_status, message, public) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    )
    .bind(case_id)
    .bind(time::now_db())
    .bind(actor)
    .bind(action)
    .bind(from)
    .bind(to)
    .bind(message)
    .bind(i64::from(public))
    .fetch_one(&mut **tx)
    .await
}

/// How a case's audit entry attests the message of the event it made (`audit::integrity`).
pub fn attested(event: i64, message: &str) -> String {
    if message.is_empty() {
        String::new()
    } else {
        format!(
            " · event {event} {}",
            crate::audit::integrity::attest(message)
        )
    }
}

/// A notification for a user, delivered in the app (and by the operator's webhook, if set).
pub async fn notify(
    tx: &mut Tx,
    user_id: Option<i64>,
    case_id: i64,
    kind: &str,
    message: &str,
) -> Result<(), sqlx::Error> {
    let Some(user) = user_id else { return Ok(()) };
    sqlx::query("INSERT INTO outbox (user_id, case_id, kind, message, created_at) VALUES ($1, $2, $3, $4, $5)")
        .bind(user)
        .bind(case_id)
        .bind(kind)
        .bind(message)
        .bind(time::now_db())
        .execute(&mut **tx)
        .await?;
    Ok(())
}
