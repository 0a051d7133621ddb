//! Walking the audit chain for `zizhi verify`: every entry's hash, its link to the one before,
//! its sequence number and its seal (`seal`), from the retention anchor to the head.

use crate::platform::conn::Conn;
use sqlx::Row;

use crate::platform::reader::Reader;

use super::{Hashed, entry_hash, seal};
use crate::auth::scope::Place;

/// What `zizhi verify` found in the audit chain.
#[derive(Debug, PartialEq, Eq)]
pub struct ChainReport {
    pub entries: i64,
    /// The first entry whose hash, link, sequence or seal is wrong.
    pub first_broken: Option<i64>,
    /// What was wrong there.
    pub why: Option<seal::Break>,
}

impl ChainReport {
    fn broken(entries: i64, at: i64, why: seal::Break) -> ChainReport {
        ChainReport {
            entries,
            first_broken: Some(at),
            why: Some(why),
        }
    }
}

/// Recomputes every entry's hash, link and seal, in pages.
pub async fn verify(pool: &Reader) -> Result<ChainReport, sqlx::Error> {
    let mut conn = pool.acquire().await?;
    walk(&mut conn, true).await
}

/// The walk itself; without `seals` only the public SHA-256 chain (before the first sealing).
pub(crate) async fn walk(conn: &mut Conn, seals: bool) -> Result<ChainReport, sqlx::Error> {
    let key = seal::key()?;
    // After a retention purge the chain starts at the last purged entry's hash.
    let anchor = sqlx::query("SELECT seq, hash, mac FROM audit_anchor WHERE id = 1")
        .fetch_one(&mut *conn)
        .await?;
    let anchor_seq: i64 = anchor.try_get("seq")?;
    let mut prev: String = anchor.try_get("hash")?;
    let sealed = seal::holds(key, seal::ANCHOR, anchor_seq, &prev, anchor.try_get("mac")?);
    if seals && !sealed {
        return Ok(ChainReport::broken(0, anchor_seq, seal::Break::Anchor));
    }
    let mut expected_seq = anchor_seq + 1;
    let mut after = anchor_seq;
    loop {
        let rows = sqlx::query(
            "SELECT seq, at, actor_id, actor, role, action, object_type, object_id, street_id, community_id, \
             building_id, result, client_ip, sensitive, detail, prev_hash, hash, mac FROM audit_log \
             WHERE seq > $1 ORDER BY seq LIMIT 5000",
        )
        .bind(after)
        .fetch_all(&mut *conn)
        .await?;
        if rows.is_empty() {
            break;
        }
        for r in &rows {
            let seq: i64 = r.try_get("seq")?;
            let at: String = r.try_get("at")?;
            let actor: String = r.try_get("actor")?;
            let role: String = r.try_get("role")?;
            let action: String = r.try_get("action")?;
            let object_type: String = r.try_get("object_type")?;
            let object_id: String = r.try_get("object_id")?;
            let result: String = r.try_get("result")?;
            let ip: String = r.try_get("client_ip")?;
            let detail: String = r.try_get("detail")?;
            let prev_hash: String = r.try_get("prev_hash")?;
            let hash: String = r.try_get("hash")?;
            let computed = entry_hash(&Hashed {
                seq,
                at: &at,
                actor_id: r.try_get("actor_id")?,
                actor: &actor,
                role: &role,
                action: &action,
                object_type: &object_type,
                object_id: &object_id,
                place: Place {
                    street_id: r.try_get("street_id")?,
                    community_id: r.try_get("community_id")?,
                    building_id: r.try_get("building_id")?,
                },
                result: &result,
                ip: &ip,
                sensitive: r.try_get::<i64, _>("sensitive")? != 0,
                detail: &detail,
                prev_hash: &prev_hash,
            });
            if seq != expected_seq || prev_hash != prev || computed != hash {
                return Ok(ChainReport::broken(
                    seq - anchor_seq,
                    seq.min(expected_seq),
                    seal::Break::Link,
                ));
            }
            let mac: Option<String> = r.try_get("mac")?;
            if seals && !key.holds(mac.as_deref(), seal::ENTRY, &[&hash]) {
                return Ok(ChainReport::broken(
                    seq - anchor_seq,
                    seq,
                    seal::Break::Seal,
                ));
            }
            prev = hash;
            expected_seq += 1;
            after = seq;
        }
    }
    let head = sqlx::query("SELECT seq, hash, mac FROM audit_head WHERE id = 1")
        .fetch_one(&mut *conn)
        .await?;
    let head_seq: i64 = head.try_get("seq")?;
    let head_hash: String = head.try_get("hash")?;
    let last = expected_seq - 1;
    let entries = last - anchor_seq;
    if head_seq != last || head_hash != prev {
        // Entries were removed from the end, or the head was rewritten.
        return Ok(ChainReport::broken(entries, last + 1, seal::Break::Head));
    }
    if seals && !seal::holds(key, seal::HEAD, head_seq, &head_hash, head.try_get("mac")?) {
        return Ok(ChainReport::broken(
            entries,
            head_seq,
            seal::Break::HeadSeal,
        ));
    }
    Ok(ChainReport {
        entries,
        first_broken: None,
        why: None,
    })
}
