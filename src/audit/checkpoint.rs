//! Checkpoints (issue 18): where both chains stood at a moment, signed with the chain key, for
//! the operator to keep apart from the database (printed, mailed to the street office, on
//! another machine). `zizhi verify --checkpoint FILE` holds the database against one: a
//! database put back from an older copy, or cut back to an earlier sealed state, ends before
//! the checkpoint or has other entries there, which the seals alone cannot show.

use crate::platform::conn::Conn;
use anyhow::Context;
use serde::{Deserialize, Serialize};
use sqlx::Row;

use super::{Actor, Entry, seal};
use crate::platform::chain_key::ChainKey;
use crate::platform::db::Db;
use crate::platform::time;

pub const FORMAT: &str = "zizhi-checkpoint-v1";
const DOMAIN: &str = "zizhi-checkpoint-v1";

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    pub format: String,
    pub at: String,
    /// Which chain key signed it (`ChainKey::id`, not the key).
    pub key_id: String,
    pub audit_seq: i64,
    pub audit_hash: String,
    pub publication_seq: i64,
    pub publication_hash: String,
    pub mac: String,
}

impl Checkpoint {
    fn parts(&self) -> [String; 7] {
        [
            self.format.clone(),
            self.at.clone(),
            self.key_id.clone(),
            self.audit_seq.to_string(),
            self.audit_hash.clone(),
            self.publication_seq.to_string(),
            self.publication_hash.clone(),
        ]
    }

    fn sealed_with(&self, key: &ChainKey) -> bool {
        let parts = self.parts();
        let refs: Vec<&str> = parts.iter().map(String::as_str).collect();
        key.holds(Some(&self.mac), DOMAIN, &refs)
    }
}

/// Takes a checkpoint: records that it was taken, then signs where both chains stand.
pub async fn take(db: &Db) -> anyhow::Result<Checkpoint> {
    let key = seal::key()?;
    let mut tx = db.begin().await?;
    super::record(
        &mut tx,
        &Actor::operator(),
        Entry::new("audit.checkpoint", "audit_log", key.id()),
    )
    .await?;
    let audit = sqlx::query("SELECT seq, hash FROM audit_head WHERE id = 1")
        .fetch_one(&mut *tx)
        .await?;
    let publication = sqlx::query("SELECT seq, hash FROM publication_head WHERE id = 1")
        .fetch_one(&mut *tx)
        .await?;
    let mut c = Checkpoint {
        format: FORMAT.into(),
        at: time::now_db(),
        key_id: key.id(),
        audit_seq: audit.try_get("seq")?,
        audit_hash: audit.try_get("hash")?,
        publication_seq: publication.try_get("seq")?,
        publication_hash: publication.try_get("hash")?,
        mac: String::new(),
    };
    let parts = c.parts();
    let refs: Vec<&str> = parts.iter().map(String::as_str).collect();
    c.mac = key.mac(DOMAIN, &refs);
    tx.commit().await?;
    Ok(c)
}

/// Reads a checkpoint file.
pub fn read(path: &std::path::Path) -> anyhow::Result<Checkpoint> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read checkpoint {}", path.display()))?;
    serde_json::from_str(&text).with_context(|| format!("{} is not a checkpoint", path.display()))
}

/// What does not hold between the database and the checkpoint (nothing: it holds).
pub async fn hold(conn: &mut Conn, c: &Checkpoint) -> anyhow::Result<Vec<String>> {
    let key = seal::key()?;
    if c.format != FORMAT || !c.sealed_with(key) {
        return Ok(vec![format!(
            "检查点签名不符（被改动，或来自另一把密钥 {}）the checkpoint's seal does not hold: altered, or signed with another key ({})",
            c.key_id, c.key_id
        )]);
    }
    let mut problems = Vec::new();
    for (what, head, anchor, entries, seq, hash) in [
        (
            "审计日志 audit log",
            "audit_head",
            Some("audit_anchor"),
            "audit_log",
            c.audit_seq,
            &c.audit_hash,
        ),
        (
            "发布链 publication chain",
            "publication_head",
            None,
            "publications",
            c.publication_seq,
            &c.publication_hash,
        ),
    ] {
        let now: i64 = sqlx::query_scalar(&format!("SELECT seq FROM {head} WHERE id = 1"))
            .fetch_one(&mut *conn)
            .await?;
        if now < seq {
            problems.push(format!(
                "{what}止于第 {now} 条，早于检查点的第 {seq} 条（条目被删，或放回了旧副本）{what} ends at {now}, before the checkpoint's {seq}: entries were cut or an older copy was put back"
            ));
            continue;
        }
        let stored: Option<String> =
            sqlx::query_scalar(&format!("SELECT hash FROM {entries} WHERE seq = $1"))
                .bind(seq)
                .fetch_optional(&mut *conn)
                .await?;
        let stored = match (stored, anchor) {
            (Some(h), _) => Some(h),
            // Purged since: the (sealed) anchor holds the last purged entry's hash; an entry
            // purged before it can no longer be compared, which is retention, not a break.
            (None, Some(a)) => {
                let (at, h): (i64, String) =
                    sqlx::query_as(&format!("SELECT seq, hash FROM {a} WHERE id = 1"))
                        .fetch_one(&mut *conn)
                        .await?;
                match at.cmp(&seq) {
                    std::cmp::Ordering::Equal => Some(h),
                    std::cmp::Ordering::Greater => continue,
                    std::cmp::Ordering::Less => None,
                }
            }
            (None, None) => None,
        };
        match stored {
            Some(h) if h == *hash => {}
            Some(_) => problems.push(format!(
                "{what}第 {seq} 条与检查点不符 {what} entry {seq} differs from the checkpoint"
            )),
            None if seq == 0 => {}
            None => problems.push(format!(
                "{what}第 {seq} 条已不在 {what} entry {seq} is gone"
            )),
        }
    }
    Ok(problems)
}
