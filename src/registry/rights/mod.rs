//! 个人信息权利 (PIPL Arts. 44–50), beside 我的信息 (`me`):
//! - a resident's copy of everything zizhi holds about them and their account (Art. 45),
//!   downloaded as one JSON file;
//! - their deletion requests (Art. 47), each answered by the community: the personal data
//!   deleted where the law allows it, or else the record locked (kept, no longer processed:
//!   out of the resident lists and search, no reveal, no edit) with the legal reason shown to
//!   the resident.
//!
//! Deletion is allowed for a resident who has moved out or died. A living resident's
//! registration is kept by law (the residents' committee's registry duty), so the request can
//! only lock it. A deletion overwrites the ID number, phone, name and birth date in place, and
//! removes the name index, volunteer and organization records. It disables the account and
//! blanks the contact details of the cases they filed. With `secure_delete` on, the ID number
//! is gone from the SQLite file and its WAL after the next checkpoint. The audit log keeps its
//! entries: they hold object ids, not the data.

mod export;

pub use export::{PersonalData, export};

use serde::{Deserialize, Serialize};
use sqlx::Row;

use crate::platform::reader::Reader;
use utoipa::ToSchema;

use super::residents::Resident;
use crate::audit::{self, Entry};
use crate::auth::{Action, Ctx, Place, Target};
use crate::platform::db::Tx;
use crate::platform::error::AppError;
use crate::platform::time;

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct ErasureRequest {
    pub id: i64,
    pub resident_id: i64,
    pub community_id: i64,
    /// The resident's name as held (empty once deleted).
    pub resident_name: String,
    pub message: String,
    /// open, erased or locked.
    pub status: ErasureStatus,
    /// Why the record was locked instead of deleted.
    pub reason: String,
    pub created_at: crate::platform::time::Instant,
    pub decided_at: Option<crate::platform::time::Instant>,
}

crate::workflow_state! {
    /// A deletion request is answered once: the data erased, or the record locked.
    pub enum ErasureStatus {
        Open = "open",
        Erased = "erased",
        Locked = "locked",
    }
}

const REQUEST_SELECT: &str = "SELECT k.id, k.resident_id, k.community_id, r.name AS resident_name, \
    r.erased_at, k.message, k.status, k.reason, k.created_at, k.decided_at \
    FROM erasure_requests k JOIN residents r ON r.id = k.resident_id";

fn request_from(r: &sqlx::any::AnyRow) -> Result<ErasureRequest, sqlx::Error> {
    let erased: Option<String> = r.try_get("erased_at")?;
    Ok(ErasureRequest {
        id: r.try_get("id")?,
        resident_id: r.try_get("resident_id")?,
        community_id: r.try_get("community_id")?,
        resident_name: if erased.is_some() {
            String::new()
        } else {
            r.try_get("resident_name")?
        },
        message: r.try_get("message")?,
        status: r.try_get("status")?,
        reason: r.try_get("reason")?,
        created_at: r.try_get("created_at")?,
        decided_at: r.try_get("decided_at")?,
    })
}

pub async fn requests_of(
    pool: &Reader,
    resident_id: i64,
) -> Result<Vec<ErasureRequest>, sqlx::Error> {
    let rows = sqlx::query(&format!(
        "{REQUEST_SELECT} WHERE k.resident_id = $1 ORDER BY k.id DESC"
    ))
    .bind(resident_id)
    .fetch_all(pool)
    .await?;
    rows.iter().map(request_from).collect()
}

/// The requests of the communities in scope, open ones first.
pub async fn requests_in(
    pool: &Reader,
    communities: &[i64],
) -> Result<Vec<ErasureRequest>, sqlx::Error> {
    if communities.is_empty() {
        return Ok(vec![]);
    }
    let list = crate::platform::db::placeholders(0, communities.len());
    let sql = format!(
        "{REQUEST_SELECT} WHERE k.community_id IN ({list}) \
         ORDER BY CASE WHEN k.status = 'open' THEN 0 ELSE 1 END, k.id DESC LIMIT 200"
    );
    let mut q = sqlx::query(&sql);
    for c in communities {
        q = q.bind(*c);
    }
    let rows = q.fetch_all(pool).await?;
    rows.iter().map(request_from).collect()
}

#[derive(Deserialize, ToSchema)]
pub struct ErasureInput {
    /// What the resident wants deleted and why (2 to 500 characters).
    pub message: String,
}

/// A resident asks for their personal data to be deleted; one open request at a time.
pub async fn ask(
    tx: &mut Tx,
    ctx: &Ctx,
    r: &Resident,
    input: &ErasureInput,
) -> Result<i64, AppError> {
    let message = input.message.trim();
    if message.chars().count() < 2 || message.chars().count() > 500 {
        return Err(AppError::invalid("message", "rights.bad_message"));
    }
    let open: i64 = sqlx::query(
        "SELECT COUNT(*) AS n FROM erasure_requests WHERE resident_id = $1 AND status = 'open'",
    )
    .bind(r.id)
    .fetch_one(&mut **tx)
    .await?
    .try_get("n")?;
    if open > 0 {
        return Err(AppError::conflict("rights.already_open"));
    }
    let id: i64 = sqlx::query(
        "INSERT INTO erasure_requests (community_id, resident_id, user_id, message, status, reason, created_at) \
         VALUES ($1, $2, $3, $4, 'open', '', $5) RETURNING id",
    )
    .bind(r.community_id)
    .bind(r.id)
    .bind(ctx.user.as_ref().map(|u| u.id))
    .bind(message)
    .bind(time::now_db())
    .fetch_one(&mut **tx)
    .await?
    .try_get("id")?;
    audit::record(
        tx,
        &ctx.actor(),
        Entry::new("registry.erasure_request", "erasure_request", id).at(r.place()),
    )
    .await?;
    Ok(id)
}

#[derive(Deserialize, ToSchema)]
pub struct ErasureDecision {
    /// `erase` (moved-out or deceased residents only) or `lock`.
    pub decision: String,
    /// For `lock`: the legal reason the record must be kept, shown to the resident (2 to 500
    /// characters).
    #[serde(default)]
    pub reason: String,
}

/// The community answers a deletion request, once.
pub async fn decide(tx: &mut Tx, ctx: &Ctx, id: i64, d: &ErasureDecision) -> Result<(), AppError> {
    let row = sqlx::query(
        "SELECT k.resident_id, k.status, k.community_id, c.street_id, r.building_id, r.status AS living \
         FROM erasure_requests k JOIN communities c ON c.id = k.community_id \
         JOIN residents r ON r.id = k.resident_id WHERE k.id = $1",
    )
    .bind(id)
    .fetch_optional(&mut **tx)
    .await?
    .ok_or_else(AppError::not_found)?;
    let place = Place {
        street_id: Some(row.try_get("street_id")?),
        community_id: Some(row.try_get("community_id")?),
        building_id: Some(row.try_get("building_id")?),
    };
    ctx.require(Action::RegistryWrite, Target::At(place))?;
    if row.try_get::<ErasureStatus, _>("status")? != ErasureStatus::Open {
        return Err(AppError::conflict("rights.already_decided"));
    }
    let resident_id: i64 = row.try_get("resident_id")?;
    let now = time::now_db();
    let reason = d.reason.trim();
    let status = match d.decision.as_str() {
        "erase" => {
            if row
                .try_get::<crate::registry::residents::ResidentStatus, _>("living")?
                .living()
            {
                return Err(AppError::conflict("rights.must_keep"));
            }
            erase(tx, resident_id, &now).await?;
            ErasureStatus::Erased
        }
        "lock" => {
            if reason.chars().count() < 2 || reason.chars().count() > 500 {
                return Err(AppError::invalid("reason", "rights.bad_reason"));
            }
            sqlx::query("UPDATE residents SET locked_at = $1, lock_reason = $2, updated_at = $1 WHERE id = $3")
                .bind(&now)
                .bind(reason)
                .bind(resident_id)
                .execute(&mut **tx)
                .await?;
            ErasureStatus::Locked
        }
        _ => return Err(AppError::invalid("decision", "rights.bad_decision")),
    };
    // Guarded: decided once; a concurrent second decision rolls back whatever it did.
    let moved = sqlx::query(
        "UPDATE erasure_requests SET status = $1, reason = $2, decided_at = $3, decided_by = $4 WHERE id = $5 AND status = $6",
    )
    .bind(status)
    .bind(if status == ErasureStatus::Locked {
        reason
    } else {
        ""
    })
    .bind(&now)
    .bind(ctx.actor().name)
    .bind(id)
    .bind(ErasureStatus::Open)
    .execute(&mut **tx)
    .await?
    .rows_affected();
    crate::platform::state::moved(moved, "rights.already_decided")?;
    audit::record(
        tx,
        &ctx.actor(),
        Entry::new("registry.erasure_decide", "resident", resident_id)
            .at(place)
            .detail(status.as_str()),
    )
    .await?;
    Ok(())
}

/// Deletes a resident's personal data in place (the row stays, for the ids that point to it)
/// and closes their account.
async fn erase(tx: &mut Tx, resident_id: i64, now: &str) -> Result<(), sqlx::Error> {
    let statements = [
        "UPDATE residents SET name = '', gender = '', birth_date = '', id_number = 'erased-' || CAST(id AS TEXT), \
         phone = '', id_last4 = '', phone_last4 = '', ethnicity = '', political_status = 'masses', rep_party = 0, \
         rep_npc = 0, rep_cppcc = 0, rep_resident = 0, erased_at = $2, locked_at = $2, lock_reason = '', \
         updated_at = $2 WHERE id = $1",
        "DELETE FROM resident_name_grams WHERE resident_id = $1",
        "UPDATE resident_moves SET note = '' WHERE resident_id = $1",
        "DELETE FROM volunteers WHERE resident_id = $1",
        "DELETE FROM social_org_members WHERE resident_id = $1",
        "UPDATE correction_requests SET message = '', reply = '' WHERE resident_id = $1",
        "UPDATE erasure_requests SET message = '' WHERE resident_id = $1",
        "UPDATE cases SET contact_name = '', contact_phone = '', client_ip = '' \
         WHERE submitter_user_id IN (SELECT id FROM users WHERE resident_id = $1)",
        "DELETE FROM outbox WHERE user_id IN (SELECT id FROM users WHERE resident_id = $1)",
        "DELETE FROM sessions WHERE user_id IN (SELECT id FROM users WHERE resident_id = $1)",
        "DELETE FROM api_tokens WHERE user_id IN (SELECT id FROM users WHERE resident_id = $1)",
        "UPDATE users SET display_name = '', disabled = 1, totp_secret = NULL WHERE resident_id = $1",
    ];
    for sql in statements {
        // Each statement gets exactly the parameters it names.
        let q = sqlx::query(sql).bind(resident_id);
        let q = if sql.contains("$2") { q.bind(now) } else { q };
        q.execute(&mut **tx).await?;
    }
    Ok(())
}

/// A locked or deleted record is kept but not processed: no reveal, no edit.
pub fn ensure_processable(r: &Resident) -> Result<(), AppError> {
    if r.erased_at.is_some() {
        return Err(AppError::conflict("rights.erased"));
    }
    if r.locked_at.is_some() {
        return Err(AppError::conflict("rights.locked").arg("reason", &r.lock_reason));
    }
    Ok(())
}
