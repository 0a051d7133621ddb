//! Retention: what the purge job deletes, and what it must keep.
//!
//! - Network and access logs (login attempts, and every audit entry) are kept at least
//!   `ACCESS_DAYS` (180 days, 等保 2.0 level 3 / the Cybersecurity Law's six months).
//! - Entries recording access to sensitive personal data (`sensitive = 1`: reveals, reads of
//!   sensitive cases and aid plans) are kept at least `SENSITIVE_DAYS` (3 years, PIPL Art. 55's
//!   impact-assessment records).
//!
//! The audit log is a hash chain, so only a prefix can go: everything before the oldest entry
//! that must stay. The last purged entry's sequence number and hash become the chain's anchor
//! (`audit_anchor`), where `zizhi verify` starts. The purge itself is an audit entry.

use jiff::{SignedDuration, Timestamp};
use sqlx::Row;

use super::{Actor, Entry, record};
use crate::platform::db::Db;
use crate::platform::time;

pub const ACCESS_DAYS: i64 = 180;
pub const SENSITIVE_DAYS: i64 = 3 * 365 + 1;

#[derive(Debug, Default, PartialEq, Eq)]
pub struct Purged {
    pub login_attempts: u64,
    pub audit_entries: u64,
    /// The chain's new anchor, when entries went.
    pub anchor_seq: Option<i64>,
}

/// Deletes what is past both retention periods as of `now`.
pub async fn purge(db: &Db, now: Timestamp) -> anyhow::Result<Purged> {
    let access_cutoff = time::to_db(now - SignedDuration::from_hours(24 * ACCESS_DAYS));
    let sensitive_cutoff = time::to_db(now - SignedDuration::from_hours(24 * SENSITIVE_DAYS));
    let mut tx = db.begin().await?;
    let login_attempts = sqlx::query("DELETE FROM login_attempts WHERE at < $1")
        .bind(&access_cutoff)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    // The oldest entry that must stay; everything before it may go.
    let keep_from: Option<i64> = sqlx::query(
        "SELECT MIN(seq) AS seq FROM audit_log WHERE at >= $1 OR (sensitive = 1 AND at >= $2)",
    )
    .bind(&access_cutoff)
    .bind(&sensitive_cutoff)
    .fetch_one(&mut *tx)
    .await?
    .try_get("seq")?;
    let last_purgeable = match keep_from {
        Some(seq) => seq - 1,
        None => sqlx::query("SELECT seq FROM audit_head WHERE id = 1")
            .fetch_one(&mut *tx)
            .await?
            .try_get("seq")?,
    };
    let anchor: i64 = sqlx::query("SELECT seq FROM audit_anchor WHERE id = 1")
        .fetch_one(&mut *tx)
        .await?
        .try_get("seq")?;
    let mut purged = Purged {
        login_attempts,
        ..Purged::default()
    };
    if last_purgeable > anchor {
        let hash: String = sqlx::query("SELECT hash FROM audit_log WHERE seq = $1")
            .bind(last_purgeable)
            .fetch_one(&mut *tx)
            .await?
            .try_get("hash")?;
        purged.audit_entries = sqlx::query("DELETE FROM audit_log WHERE seq <= $1")
            .bind(last_purgeable)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        let mac = super::seal::head_mac(
            super::seal::key()?,
            super::seal::ANCHOR,
            last_purgeable,
            &hash,
        );
        sqlx::query(
            "UPDATE audit_anchor SET seq = $1, hash = $2, purged_at = $3, mac = $4 WHERE id = 1",
        )
        .bind(last_purgeable)
        .bind(&hash)
        .bind(time::to_db(now))
        .bind(mac)
        .execute(&mut *tx)
        .await?;
        purged.anchor_seq = Some(last_purgeable);
    }
    if purged.audit_entries > 0 || purged.login_attempts > 0 {
        let actor = Actor {
            id: None,
            name: "system:retention".into(),
            role: "system".into(),
            ip: "local".into(),
        };
        record(
            &mut tx,
            &actor,
            Entry::new("audit.purge", "audit_log", last_purgeable.max(anchor)).detail(format!(
                "{} audit entries, {} login attempts",
                purged.audit_entries, purged.login_attempts
            )),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(purged)
}
