//! 我的信息: what zizhi holds about a resident, who looked at it, and correction requests that
//! go to the community's workers as tasks (PIPL Arts. 44–46).

use serde::{Deserialize, Serialize};
use sqlx::Row;

use crate::platform::reader::Reader;
use utoipa::ToSchema;

use super::residents::{self, Resident, ResidentView};
use crate::audit::{self, Entry};
use crate::auth::{Action, Ctx, Target};
use crate::platform::db::Tx;
use crate::platform::error::AppError;
use crate::platform::time;

/// One access to a resident's data, as the audit log recorded it.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Access {
    pub at: time::Instant,
    pub actor: String,
    pub role: String,
    pub action: String,
    /// `resident` (this record), `household`, or `resident_list` (a list of the building or community).
    pub object_type: String,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Correction {
    pub id: i64,
    pub resident_id: i64,
    pub community_id: i64,
    pub field: String,
    pub message: String,
    /// open, done or declined.
    pub status: CorrectionStatus,
    pub reply: String,
    pub created_at: crate::platform::time::Instant,
    pub handled_at: Option<crate::platform::time::Instant>,
}

crate::workflow_state! {
    /// A correction request (更正, PIPL Art. 46) is answered once: corrected, or declined.
    pub enum CorrectionStatus {
        Open = "open",
        Done = "done",
        Declined = "declined",
    }
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct MyRecord {
    pub resident: ResidentView,
    pub household: Vec<ResidentView>,
    pub accesses: Vec<Access>,
    pub corrections: Vec<Correction>,
    /// Deletion requests and their answers (`registry::rights`).
    pub erasures: Vec<super::rights::ErasureRequest>,
}

/// The signed-in user's own resident record, or 403 for an account that is not a resident's.
pub async fn own_resident(pool: &Reader, ctx: &Ctx) -> Result<Resident, AppError> {
    ctx.require(Action::HomeView, Target::System)?;
    let rid = ctx
        .user
        .as_ref()
        .and_then(|u| u.resident_id)
        .ok_or_else(AppError::forbidden)?;
    residents::get(pool, rid)
        .await?
        .ok_or_else(AppError::not_found)
}

/// Who accessed this resident's data: reads of the record or household, and list reads that
/// covered their building or community.
pub async fn accesses(pool: &Reader, r: &Resident) -> Result<Vec<Access>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT at, actor, role, action, object_type FROM audit_log WHERE \
         (object_type = 'resident' AND object_id = $1) OR (object_type = 'household' AND object_id = $2) \
         OR (object_type IN ('resident_list', 'household_list') AND (building_id = $3 OR (building_id IS NULL AND community_id = $4))) \
         ORDER BY seq DESC LIMIT 100",
    )
    .bind(r.id.to_string())
    .bind(r.household_id.to_string())
    .bind(r.building_id)
    .bind(r.community_id)
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|x| {
            Ok(Access {
                at: x.try_get("at")?,
                actor: x.try_get("actor")?,
                role: x.try_get("role")?,
                action: x.try_get("action")?,
                object_type: x.try_get("object_type")?,
            })
        })
        .collect()
}

const CORRECTION_COLUMNS: &str =
    "id, resident_id, community_id, field, message, status, reply, created_at, handled_at";

fn correction_from(r: &sqlx::any::AnyRow) -> Result<Correction, sqlx::Error> {
    Ok(Correction {
        id: r.try_get("id")?,
        resident_id: r.try_get("resident_id")?,
        community_id: r.try_get("community_id")?,
        field: r.try_get("field")?,
        message: r.try_get("message")?,
        status: r.try_get("status")?,
        reply: r.try_get("reply")?,
        created_at: r.try_get("created_at")?,
        handled_at: r.try_get("handled_at")?,
    })
}

pub async fn corrections_of(
    pool: &Reader,
    resident_id: i64,
) -> Result<Vec<Correction>, sqlx::Error> {
    let rows = sqlx::query(&format!("SELECT {CORRECTION_COLUMNS} FROM correction_requests WHERE resident_id = $1 ORDER BY id DESC"))
        .bind(resident_id)
        .fetch_all(pool)
        .await?;
    rows.iter().map(correction_from).collect()
}

/// Open and recent correction requests of the communities in scope.
pub async fn corrections_in(
    pool: &Reader,
    communities: &[i64],
) -> Result<Vec<(Correction, String)>, sqlx::Error> {
    if communities.is_empty() {
        return Ok(vec![]);
    }
    let list = crate::platform::db::placeholders(0, communities.len());
    let sql = format!(
        "SELECT k.id, k.resident_id, k.community_id, k.field, k.message, k.status, k.reply, k.created_at, k.handled_at, r.name \
         FROM correction_requests k JOIN residents r ON r.id = k.resident_id WHERE k.community_id IN ({list}) \
         ORDER BY CASE WHEN k.status = 'open' THEN 0 ELSE 1 END, k.id DESC LIMIT 200"
    );
    let mut q = sqlx::query(&sql);
    for c in communities {
        q = q.bind(*c);
    }
    let rows = q.fetch_all(pool).await?;
    rows.iter()
        .map(|r| Ok((correction_from(r)?, r.try_get("name")?)))
        .collect()
}

pub const FIELDS: &[&str] = &[
    "name",
    "id_number",
    "phone",
    "address",
    "household",
    "other",
];

#[derive(Deserialize, ToSchema)]
pub struct CorrectionInput {
    /// name, id_number, phone, address, household or other.
    pub field: String,
    /// What is wrong and what it should say.
    pub message: String,
}

pub async fn ask_correction(
    tx: &mut Tx,
    ctx: &Ctx,
    r: &Resident,
    input: &CorrectionInput,
) -> Result<i64, AppError> {
    if !FIELDS.contains(&input.field.as_str()) {
        return Err(AppError::invalid("field", "me.bad_field"));
    }
    let message = input.message.trim();
    if message.chars().count() < 2 || message.chars().count() > 500 {
        return Err(AppError::invalid("message", "me.bad_message"));
    }
    let user_id = ctx
        .user
        .as_ref()
        .map(|u| u.id)
        .ok_or_else(AppError::unauthenticated)?;
    let id: i64 = sqlx::query(
        "INSERT INTO correction_requests (community_id, resident_id, user_id, field, message, status, reply, created_at) \
         VALUES ($1, $2, $3, $4, $5, 'open', '', $6) RETURNING id",
    )
    .bind(r.community_id)
    .bind(r.id)
    .bind(user_id)
    .bind(&input.field)
    .bind(message)
    .bind(time::now_db())
    .fetch_one(&mut **tx)
    .await?
    .try_get("id")?;
    audit::record(
        tx,
        &ctx.actor(),
        Entry::new("registry.correction_request", "correction", id)
            .at(r.place())
            .detail(&*input.field),
    )
    .await?;
    Ok(id)
}

#[derive(Deserialize, ToSchema)]
pub struct CorrectionReply {
    /// done or declined.
    pub status: String,
    pub reply: String,
}

/// A worker answers a correction request (once).
pub async fn answer_correction(
    tx: &mut Tx,
    ctx: &Ctx,
    id: i64,
    a: &CorrectionReply,
) -> Result<(), AppError> {
    let row = sqlx::query(
        "SELECT k.community_id, k.status, c.street_id FROM correction_requests k JOIN communities c ON c.id = k.community_id WHERE k.id = $1",
    )
    .bind(id)
    .fetch_optional(&mut **tx)
    .await?
    .ok_or_else(AppError::not_found)?;
    let place = crate::auth::Place {
        street_id: Some(row.try_get("street_id")?),
        community_id: Some(row.try_get("community_id")?),
        building_id: None,
    };
    ctx.require(Action::RegistryWrite, Target::At(place))?;
    if row.try_get::<CorrectionStatus, _>("status")? != CorrectionStatus::Open {
        return Err(AppError::conflict("me.already_answered"));
    }
    // The answer is done or declined; open is no answer.
    let status = match a.status.parse() {
        Ok(s @ (CorrectionStatus::Done | CorrectionStatus::Declined)) => s,
        _ => return Err(AppError::invalid("status", "me.bad_status")),
    };
    let reply = a.reply.trim();
    if reply.chars().count() < 2 || reply.chars().count() > 500 {
        return Err(AppError::invalid("reply", "me.bad_reply"));
    }
    let moved = sqlx::query("UPDATE correction_requests SET status = $1, reply = $2, handled_at = $3, handled_by = $4 WHERE id = $5 AND status = $6")
        .bind(status)
        .bind(reply)
        .bind(time::now_db())
        .bind(ctx.actor().name)
        .bind(id)
        .bind(CorrectionStatus::Open)
        .execute(&mut **tx)
        .await?
        .rows_affected();
    crate::platform::state::moved(moved, "me.already_answered")?;
    audit::record(
        tx,
        &ctx.actor(),
        Entry::new("registry.correction_answer", "correction", id)
            .at(place)
            .detail(status.as_str()),
    )
    .await?;
    Ok(())
}
