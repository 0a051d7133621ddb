//! The publication chain: every published notice and every adopted rule version is an entry
//! whose hash covers the content's hash and the previous entry's hash. `zizhi verify` recomputes
//! each content from the live rows, so a notice altered even directly in the database is found
//! and named.

use serde::Serialize;
use sha2::{Digest, Sha256};
use sqlx::{AnyPool, Row};

use crate::platform::db::Tx;
use crate::platform::time;

pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

fn entry_hash(seq: i64, at: &str, kind: &str, object: i64, content: &str, prev: &str) -> String {
    let fields = [
        "zizhi-publication-v1".to_owned(),
        seq.to_string(),
        at.to_owned(),
        kind.to_owned(),
        object.to_string(),
        content.to_owned(),
        prev.to_owned(),
    ];
    let mut h = Sha256::new();
    for f in &fields {
        h.update(f.len().to_string().as_bytes());
        h.update(b":");
        h.update(f.as_bytes());
    }
    hex::encode(h.finalize())
}

/// Appends an entry inside `tx` (taking the head row first serializes publishers). Returns the
/// entry's sequence number.
pub async fn append(
    tx: &mut Tx,
    kind: &str,
    object: i64,
    content_hash: &str,
) -> Result<i64, sqlx::Error> {
    let head =
        sqlx::query("UPDATE publication_head SET seq = seq + 1 WHERE id = 1 RETURNING seq, hash")
            .fetch_one(&mut **tx)
            .await?;
    let seq: i64 = head.try_get("seq")?;
    let prev: String = head.try_get("hash")?;
    let at = time::now_db();
    let hash = entry_hash(seq, &at, kind, object, content_hash, &prev);
    sqlx::query("INSERT INTO publications (seq, at, kind, object_id, content_hash, prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7)")
        .bind(seq)
        .bind(&at)
        .bind(kind)
        .bind(object)
        .bind(content_hash)
        .bind(&prev)
        .bind(&hash)
        .execute(&mut **tx)
        .await?;
    sqlx::query("UPDATE publication_head SET hash = $1 WHERE id = 1")
        .bind(&hash)
        .execute(&mut **tx)
        .await?;
    Ok(seq)
}

/// An entry as the public may re-check it.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Publication {
    pub seq: i64,
    pub at: String,
    /// `disclosure` or `rule_version`.
    pub kind: String,
    pub object_id: i64,
    pub content_hash: String,
    pub prev_hash: String,
    pub hash: String,
}

pub async fn entries(
    pool: &AnyPool,
    after: i64,
    limit: i64,
) -> Result<Vec<Publication>, sqlx::Error> {
    sqlx::query("SELECT seq, at, kind, object_id, content_hash, prev_hash, hash FROM publications WHERE seq > $1 ORDER BY seq LIMIT $2")
        .bind(after)
        .bind(limit)
        .fetch_all(pool)
        .await?
        .iter()
        .map(|r| {
            Ok(Publication {
                seq: r.try_get("seq")?,
                at: r.try_get("at")?,
                kind: r.try_get("kind")?,
                object_id: r.try_get("object_id")?,
                content_hash: r.try_get("content_hash")?,
                prev_hash: r.try_get("prev_hash")?,
                hash: r.try_get("hash")?,
            })
        })
        .collect()
}

/// What `zizhi verify` reports about the chain.
#[derive(Debug)]
pub struct ChainReport {
    pub entries: i64,
    /// The first entry that does not hold: its sequence, kind and object.
    pub first_broken: Option<(i64, String, i64)>,
}

/// Recomputes every entry: its content from the live rows, its hash, its link.
pub async fn verify(pool: &AnyPool) -> Result<ChainReport, sqlx::Error> {
    let mut prev = "0".repeat(64);
    let mut after = 0;
    let mut expected = 1;
    let mut conn = pool.acquire().await?;
    loop {
        let page = entries(pool, after, 2000).await?;
        if page.is_empty() {
            break;
        }
        for e in &page {
            let content = match e.kind.as_str() {
                "disclosure" => super::content::disclosure(&mut conn, e.object_id).await?,
                "rule_version" => crate::rules::content::version(&mut conn, e.object_id).await?,
                _ => None,
            };
            let holds = e.seq == expected
                && e.prev_hash == prev
                && content.as_deref().map(|c| sha256_hex(c.as_bytes()))
                    == Some(e.content_hash.clone())
                && entry_hash(
                    e.seq,
                    &e.at,
                    &e.kind,
                    e.object_id,
                    &e.content_hash,
                    &e.prev_hash,
                ) == e.hash;
            if !holds {
                return Ok(ChainReport {
                    entries: e.seq,
                    first_broken: Some((e.seq, e.kind.clone(), e.object_id)),
                });
            }
            prev = e.hash.clone();
            expected += 1;
            after = e.seq;
        }
    }
    let head = sqlx::query("SELECT seq, hash FROM publication_head WHERE id = 1")
        .fetch_one(pool)
        .await?;
    let (seq, hash): (i64, String) = (head.try_get("seq")?, head.try_get("hash")?);
    if seq != after || hash != prev {
        return Ok(ChainReport {
            entries: after,
            first_broken: Some((seq, "head".into(), 0)),
        });
    }
    Ok(ChainReport {
        entries: after,
        first_broken: None,
    })
}
