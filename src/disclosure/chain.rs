//! The publication chain: every published notice and every adopted rule version is an entry
//! whose hash covers the content's hash and the previous entry's hash. `zizhi verify` recomputes
//! each content from the live rows, so a notice altered even directly in the database is found
//! and named.

use crate::platform::conn::Conn;
use serde::Serialize;
use sha2::{Digest, Sha256};
use sqlx::Row;

use crate::platform::reader::Reader;

use crate::audit::seal;
use crate::platform::db::Tx;
use crate::platform::time;

pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// A publication entry's hash (public: anyone may recompute it).
pub fn entry_hash(
    seq: i64,
    at: &str,
    kind: &str,
    object: i64,
    content: &str,
    prev: &str,
) -> String {
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
    let head = sqlx::query(
        "UPDATE publication_head SET seq = seq + 1 WHERE id = 1 RETURNING seq, hash, mac",
    )
    .fetch_one(&mut **tx)
    .await?;
    let seq: i64 = head.try_get("seq")?;
    let prev: String = head.try_get("hash")?;
    let key = seal::check_head(seal::PUBLICATION_HEAD, seq - 1, &prev, head.try_get("mac")?)?;
    let at = time::now_db();
    let hash = entry_hash(seq, &at, kind, object, content_hash, &prev);
    sqlx::query("INSERT INTO publications (seq, at, kind, object_id, content_hash, prev_hash, hash, mac) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")
        .bind(seq)
        .bind(&at)
        .bind(kind)
        .bind(object)
        .bind(content_hash)
        .bind(&prev)
        .bind(&hash)
        .bind(key.mac(seal::PUBLICATION, &[&hash]))
        .execute(&mut **tx)
        .await?;
    sqlx::query("UPDATE publication_head SET hash = $1, mac = $2 WHERE id = 1")
        .bind(&hash)
        .bind(seal::head_mac(key, seal::PUBLICATION_HEAD, seq, &hash))
        .execute(&mut **tx)
        .await?;
    Ok(seq)
}

/// An entry as the public may re-check it.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Publication {
    pub seq: i64,
    /// The time exactly as it was hashed (UTC, `2026-11-26T03:16:50.123456Z`), so that the
    /// chain can be recomputed (one of the two answers that carry instants as stored).
    pub at: String,
    /// `disclosure` or `rule_version`.
    pub kind: String,
    pub object_id: i64,
    pub content_hash: String,
    pub prev_hash: String,
    pub hash: String,
}

pub async fn entries(
    pool: &Reader,
    after: i64,
    limit: i64,
) -> Result<Vec<Publication>, sqlx::Error> {
    let mut conn = pool.acquire().await?;
    Ok(sealed_entries(&mut conn, after, limit)
        .await?
        .into_iter()
        .map(|(p, _)| p)
        .collect())
}

/// Entries with their seals (which are not public).
async fn sealed_entries(
    conn: &mut Conn,
    after: i64,
    limit: i64,
) -> Result<Vec<(Publication, Option<String>)>, sqlx::Error> {
    sqlx::query("SELECT seq, at, kind, object_id, content_hash, prev_hash, hash, mac FROM publications WHERE seq > $1 ORDER BY seq LIMIT $2")
        .bind(after)
        .bind(limit)
        .fetch_all(conn)
        .await?
        .iter()
        .map(|r| {
            Ok((
                Publication {
                    seq: r.try_get("seq")?,
                    at: r.try_get("at")?,
                    kind: r.try_get("kind")?,
                    object_id: r.try_get("object_id")?,
                    content_hash: r.try_get("content_hash")?,
                    prev_hash: r.try_get("prev_hash")?,
                    hash: r.try_get("hash")?,
                },
                r.try_get("mac")?,
            ))
        })
        .collect()
}

/// What `zizhi verify` reports about the chain.
#[derive(Debug)]
pub struct ChainReport {
    pub entries: i64,
    /// The first entry that does not hold: its sequence, kind (`head` for the head row) and
    /// object.
    pub first_broken: Option<(i64, String, i64)>,
    /// What was wrong there.
    pub why: Option<seal::Break>,
}

impl ChainReport {
    fn broken(e: &Publication, why: seal::Break) -> ChainReport {
        ChainReport {
            entries: e.seq,
            first_broken: Some((e.seq, e.kind.clone(), e.object_id)),
            why: Some(why),
        }
    }
}

/// Recomputes every entry: its content from the live rows, its hash, its link, its seal.
pub async fn verify(pool: &Reader) -> Result<ChainReport, sqlx::Error> {
    let mut conn = pool.acquire().await?;
    walk(&mut conn, true).await
}

/// As `verify` on one connection; without `seals` only the public chain (`audit::seal`).
pub(crate) async fn walk(conn: &mut Conn, seals: bool) -> Result<ChainReport, sqlx::Error> {
    let key = seal::key()?;
    let mut prev = "0".repeat(64);
    let mut after = 0;
    let mut expected = 1;
    loop {
        let page = sealed_entries(conn, after, 2000).await?;
        if page.is_empty() {
            break;
        }
        for (e, mac) in &page {
            let content = match e.kind.as_str() {
                "disclosure" => super::content::disclosure(conn, e.object_id).await?,
                "rule_version" => crate::rules::content::version(conn, e.object_id).await?,
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
                return Ok(ChainReport::broken(e, seal::Break::Link));
            }
            if seals && !key.holds(mac.as_deref(), seal::PUBLICATION, &[&e.hash]) {
                return Ok(ChainReport::broken(e, seal::Break::Seal));
            }
            prev = e.hash.clone();
            expected += 1;
            after = e.seq;
        }
    }
    let head = sqlx::query("SELECT seq, hash, mac FROM publication_head WHERE id = 1")
        .fetch_one(&mut *conn)
        .await?;
    let (seq, hash): (i64, String) = (head.try_get("seq")?, head.try_get("hash")?);
    let why = if seq != after || hash != prev {
        Some(seal::Break::Head)
    } else if seals
        && !seal::holds(
            key,
            seal::PUBLICATION_HEAD,
            seq,
            &hash,
            head.try_get("mac")?,
        )
    {
        Some(seal::Break::HeadSeal)
    } else {
        None
    };
    Ok(ChainReport {
        entries: after,
        first_broken: why.map(|_| (seq, "head".into(), 0)),
        why,
    })
}
