//! A resident's copy of everything zizhi holds about them and their account (PIPL Art. 45),
//! downloaded as one JSON file from 我的信息.

use serde::Serialize;
use sqlx::Row;
use utoipa::ToSchema;

use crate::audit::{self, Entry};
use crate::auth::Ctx;
use crate::platform::error::AppError;
use crate::registry::me;

/// The sections of the export: every table that holds rows about the resident or their
/// account, with the rows it holds. `$1` is the resident's id, `$2` the account's (or 0), `$3`
/// the household's. Secrets of the account (password hash, TOTP secret, session tokens) are
/// left out: they are not information about the person.
const SECTIONS: &[(&str, &str)] = &[
    ("resident", "SELECT * FROM residents WHERE id = $1"),
    (
        "household",
        "SELECT id, building_id, unit_id, door_number, address FROM households WHERE id = $3",
    ),
    (
        "moves",
        "SELECT * FROM resident_moves WHERE resident_id = $1 ORDER BY id",
    ),
    (
        "volunteering",
        "SELECT * FROM volunteers WHERE resident_id = $1",
    ),
    (
        "organizations",
        "SELECT * FROM social_org_members WHERE resident_id = $1",
    ),
    (
        "body_memberships",
        "SELECT * FROM body_members WHERE resident_id = $1 OR user_id = $2 ORDER BY id",
    ),
    (
        "meeting_attendance",
        "SELECT * FROM meeting_attendance WHERE member_id IN \
         (SELECT id FROM body_members WHERE resident_id = $1 OR user_id = $2) ORDER BY meeting_id",
    ),
    (
        "council_votes",
        "SELECT * FROM motion_votes WHERE member_id IN \
         (SELECT id FROM body_members WHERE resident_id = $1 OR user_id = $2) ORDER BY motion_id",
    ),
    (
        "nominations",
        "SELECT * FROM election_nominations WHERE resident_id = $1 ORDER BY id",
    ),
    (
        "voter_rolls",
        "SELECT * FROM election_voters WHERE user_id = $2",
    ),
    (
        "election_objections",
        "SELECT * FROM election_objections WHERE user_id = $2 ORDER BY id",
    ),
    (
        "appraisal_rolls",
        "SELECT * FROM appraisal_voters WHERE resident_id = $1",
    ),
    (
        "household_visits",
        "SELECT id, visit_date, visitors, topics, notes FROM visits WHERE household_id = $3 ORDER BY id",
    ),
    (
        "cases",
        "SELECT id, community_id, building_id, category, channel, status, description, address, contact_name, \
        contact_phone, client_ip, tracking_code, deadline, reply, reject_reason, satisfied, feedback, created_at, \
        replied_at, closed_at FROM cases WHERE submitter_user_id = $2 ORDER BY id",
    ),
    (
        "case_photos",
        "SELECT id, case_id, content_type, size, created_at FROM case_attachments \
         WHERE case_id IN (SELECT id FROM cases WHERE submitter_user_id = $2) ORDER BY id",
    ),
    (
        "notifications",
        "SELECT * FROM outbox WHERE user_id = $2 ORDER BY id",
    ),
    (
        "meeting_comments",
        "SELECT * FROM meeting_comments WHERE user_id = $2 ORDER BY id",
    ),
    (
        "rule_comments",
        "SELECT * FROM rule_comments WHERE user_id = $2 ORDER BY id",
    ),
    (
        "disclosure_objections",
        "SELECT * FROM disclosure_objections WHERE user_id = $2 ORDER BY id",
    ),
    (
        "corrections",
        "SELECT * FROM correction_requests WHERE resident_id = $1 ORDER BY id",
    ),
    (
        "erasure_requests",
        "SELECT * FROM erasure_requests WHERE resident_id = $1 ORDER BY id",
    ),
    (
        "account",
        "SELECT id, username, display_name, lang, disabled, created_at, password_changed_at, \
        CASE WHEN totp_secret IS NULL THEN 0 ELSE 1 END AS two_factor FROM users WHERE id = $2",
    ),
    (
        "sessions",
        "SELECT created_at, last_seen_at, expires_at FROM sessions WHERE user_id = $2 ORDER BY created_at",
    ),
    (
        "api_tokens",
        "SELECT created_at, expires_at, revoked_at FROM api_tokens WHERE user_id = $2 ORDER BY created_at",
    ),
    (
        "sign_ins",
        "SELECT at, client_ip, succeeded FROM login_attempts \
        WHERE username = (SELECT username FROM users WHERE id = $2) ORDER BY id",
    ),
];

/// Everything held about the signed-in resident, section by section, with who accessed it.
#[derive(Serialize, ToSchema)]
pub struct PersonalData {
    /// UTC, RFC 3339.
    pub exported_at: crate::platform::time::Instant,
    /// Each section's rows, as stored (column → value). The resident's own ID number and
    /// phone in full: it is their copy.
    #[schema(value_type = Object)]
    pub sections: serde_json::Map<String, serde_json::Value>,
    /// Who read this resident's data, from the audit log (the latest 100).
    pub accesses: Vec<me::Access>,
}

/// One stored row as JSON, whatever its columns: numbers as numbers, text as text.
fn row_json(row: &sqlx::any::AnyRow) -> serde_json::Value {
    use sqlx::Column;
    let mut out = serde_json::Map::new();
    for (i, col) in row.columns().iter().enumerate() {
        let v = if let Ok(n) = row.try_get::<Option<i64>, _>(i) {
            n.map(serde_json::Value::from)
        } else if let Ok(s) = row.try_get::<Option<String>, _>(i) {
            s.map(serde_json::Value::from)
        } else if let Ok(f) = row.try_get::<Option<f64>, _>(i) {
            f.map(serde_json::Value::from)
        } else {
            None
        };
        out.insert(col.name().to_owned(), v.unwrap_or(serde_json::Value::Null));
    }
    serde_json::Value::Object(out)
}

/// The export of the signed-in resident's data; the read is audited as sensitive (it shows
/// the full ID number and phone, to their owner).
pub async fn export(db: &crate::platform::db::Db, ctx: &Ctx) -> Result<PersonalData, AppError> {
    let pool = db.read();
    let r = me::own_resident(pool, ctx).await?;
    let user_id = ctx.user.as_ref().map_or(0, |u| u.id);
    audit::record_alone(
        db,
        &ctx.actor(),
        Entry::new("registry.export_own", "resident", r.id)
            .at(r.place())
            .sensitive(),
    )
    .await?;
    let mut sections = serde_json::Map::new();
    for (name, sql) in SECTIONS {
        let rows = sqlx::query(sql)
            .bind(r.id)
            .bind(user_id)
            .bind(r.household_id)
            .fetch_all(pool)
            .await?;
        sections.insert(
            (*name).to_owned(),
            serde_json::Value::Array(rows.iter().map(row_json).collect()),
        );
    }
    Ok(PersonalData {
        exported_at: crate::platform::time::Instant::now(),
        sections,
        accesses: me::accesses(pool, &r).await?,
    })
}
