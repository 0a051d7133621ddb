//! Seals on the audit log and the publication chain (issue 18): an HMAC-SHA256 made with the
//! chain key (`platform::chain_key`), which the database does not hold, over every entry's hash
//! and over each head row (its sequence number and hash) and the retention anchor.
//!
//! The SHA-256 chains show that no entry was changed relative to the others; anyone who can
//! write the database can still recompute them. The seals show that the chains are the ones
//! zizhi wrote: a changed, inserted or removed entry, a recomputed chain, a head moved back
//! over a cut tail or a moved anchor all fail `zizhi verify`. What a seal cannot show is an
//! old, genuinely sealed state put back whole (an older copy of the file): that is what
//! checkpoints are for (`audit::checkpoint`).
//!
//! Rows written before the key existed are sealed once (`on_start`), at the first start that
//! finds no seal at all, and only if their SHA-256 chains hold. From then on a missing seal is
//! a break, and an append refuses to extend a head whose seal does not hold.

use sqlx::Row;

use crate::platform::chain_key::{self, ChainKey};
use crate::platform::db::{Db, Tx};

pub const ENTRY: &str = "zizhi-audit-entry-v1";
pub const HEAD: &str = "zizhi-audit-head-v1";
pub const ANCHOR: &str = "zizhi-audit-anchor-v1";
pub const PUBLICATION: &str = "zizhi-publication-entry-v1";
pub const PUBLICATION_HEAD: &str = "zizhi-publication-head-v1";

/// What is wrong where a chain breaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Break {
    /// An entry's hash, its link to the one before or its sequence number.
    Link,
    /// An entry's seal.
    Seal,
    /// The head row does not point at the last entry (a cut tail, a moved head).
    Head,
    /// The head row's seal.
    HeadSeal,
    /// The retention anchor's seal (a moved anchor).
    Anchor,
}

impl Break {
    pub fn describe(self) -> &'static str {
        match self {
            Break::Link => "哈希或链接不符 hash or link does not hold",
            Break::Seal => "签名不符 seal does not hold",
            Break::Head => "链头与最后一条不符 head does not match the last entry",
            Break::HeadSeal => "链头签名不符 head's seal does not hold",
            Break::Anchor => "起点签名不符 anchor's seal does not hold",
        }
    }
}

/// The process's chain key, or a store error if none was installed.
pub fn key() -> Result<&'static ChainKey, sqlx::Error> {
    chain_key::current().ok_or_else(|| sqlx::Error::Protocol("no chain key is installed".into()))
}

pub fn head_mac(key: &ChainKey, domain: &str, seq: i64, hash: &str) -> String {
    key.mac(domain, &[&seq.to_string(), hash])
}

pub fn holds(key: &ChainKey, domain: &str, seq: i64, hash: &str, mac: Option<String>) -> bool {
    key.holds(mac.as_deref(), domain, &[&seq.to_string(), hash])
}

/// Inside an append: the head as read must carry its seal, else nothing is appended.
pub(crate) fn check_head(
    domain: &str,
    seq: i64,
    hash: &str,
    mac: Option<String>,
) -> Result<&'static ChainKey, sqlx::Error> {
    let key = key()?;
    if !holds(key, domain, seq, hash, mac) {
        tracing::error!(
            domain,
            seq,
            "the chain head's seal does not hold; writes stop (run zizhi verify)"
        );
        return Err(sqlx::Error::Protocol(format!(
            "the head of {domain} at {seq} does not hold its seal"
        )));
    }
    Ok(key)
}

/// What the start found.
#[derive(Debug, PartialEq, Eq)]
pub enum Sealing {
    /// The heads carry this key's seals.
    Holds,
    /// Nothing was sealed before: the rows there were are sealed now.
    Sealed { audit: u64, publications: u64 },
    /// The heads' seals do not hold (another key, or the database was altered), or the
    /// unsealed chains are broken and were not sealed. zizhi does not serve; verify says more.
    Broken(String),
}

/// Checks the heads' seals; seals a database that has no seals yet when that is safe: it is
/// empty, or the key was created by this very start (the first start of a version with seals
/// on a database from before). Otherwise an unsealed database with entries is `Broken`: its
/// seals may have been stripped, and only the operator can say (`zizhi seal`). Run after
/// migrations, with the key installed.
pub async fn on_start(db: &Db, key_created: bool) -> anyhow::Result<Sealing> {
    seal(db, key_created).await
}

/// `zizhi seal`: the operator's word that an unsealed database is as zizhi left it (one from
/// before seals, under a key given in the environment); it is sealed if its chains hold.
pub async fn seal_unsealed(db: &Db) -> anyhow::Result<Sealing> {
    seal(db, true).await
}

async fn seal(db: &Db, may_seal_entries: bool) -> anyhow::Result<Sealing> {
    let key = key()?;
    let mut tx = db.begin().await?;
    // Taking both head rows keeps writers (another process on PostgreSQL) out meanwhile.
    let audit =
        sqlx::query("UPDATE audit_head SET seq = seq WHERE id = 1 RETURNING seq, hash, mac")
            .fetch_one(&mut *tx)
            .await?;
    let publication =
        sqlx::query("UPDATE publication_head SET seq = seq WHERE id = 1 RETURNING seq, hash, mac")
            .fetch_one(&mut *tx)
            .await?;
    let audit_mac: Option<String> = audit.try_get("mac")?;
    let publication_mac: Option<String> = publication.try_get("mac")?;
    if audit_mac.is_some() || publication_mac.is_some() {
        let ok = holds(
            key,
            HEAD,
            audit.try_get("seq")?,
            audit.try_get("hash")?,
            audit_mac,
        ) && holds(
            key,
            PUBLICATION_HEAD,
            publication.try_get("seq")?,
            publication.try_get("hash")?,
            publication_mac,
        );
        return Ok(if ok {
            Sealing::Holds
        } else {
            Sealing::Broken(format!(
                "链头签名与链密钥 {} 不符（密钥不对，或数据库被改动）the chain heads' seals do not hold with chain key {} (a different key, or the database was altered)",
                key.id(),
                key.id()
            ))
        });
    }
    if !never_sealed(&mut tx).await? {
        return Ok(Sealing::Broken(
            "链头签名被删除 the chain heads' seals were removed while entries keep theirs".into(),
        ));
    }
    let entries: i64 = sqlx::query_scalar(
        "SELECT (SELECT COUNT(*) FROM audit_log) + (SELECT COUNT(*) FROM publications)",
    )
    .fetch_one(&mut *tx)
    .await?;
    if entries > 0 && !may_seal_entries {
        return Ok(Sealing::Broken(format!(
            "{entries} 条记录没有签名（签名被去掉，或数据库早于签名）：核对无误后运行 zizhi seal              {entries} entries carry no seal (seals stripped, or a database from before seals): if it is as zizhi left it, run zizhi seal"
        )));
    }
    let a = super::walk(&mut tx, false).await?;
    let p = crate::disclosure::chain::walk(&mut tx, false).await?;
    if let (Some(at), _) | (_, Some((at, _, _))) = (a.first_broken, p.first_broken) {
        return Ok(Sealing::Broken(format!(
            "未签名的链在第 {at} 条断开，不予签名 the unsealed chains are broken (at entry {at}) and were not sealed"
        )));
    }
    let audit_rows = seal_rows(&mut tx, key, "audit_log", ENTRY).await?;
    let publication_rows = seal_rows(&mut tx, key, "publications", PUBLICATION).await?;
    let anchor = sqlx::query("SELECT seq, hash FROM audit_anchor WHERE id = 1")
        .fetch_one(&mut *tx)
        .await?;
    let (seq, hash): (i64, String) = (anchor.try_get("seq")?, anchor.try_get("hash")?);
    sqlx::query("UPDATE audit_anchor SET mac = $1 WHERE id = 1")
        .bind(head_mac(key, ANCHOR, seq, &hash))
        .execute(&mut *tx)
        .await?;
    for (table, domain, row) in [
        ("audit_head", HEAD, &audit),
        ("publication_head", PUBLICATION_HEAD, &publication),
    ] {
        let (seq, hash): (i64, String) = (row.try_get("seq")?, row.try_get("hash")?);
        sqlx::query(&format!("UPDATE {table} SET mac = $1 WHERE id = 1"))
            .bind(head_mac(key, domain, seq, &hash))
            .execute(&mut *tx)
            .await?;
    }
    if audit_rows + publication_rows > 0 {
        super::record(
            &mut tx,
            &super::Actor {
                id: None,
                name: "system:seal".into(),
                role: "system".into(),
                ip: "local".into(),
            },
            super::Entry::new("audit.seal", "audit_log", key.id()).detail(format!(
                "{audit_rows} audit entries, {publication_rows} publications sealed with chain key {}",
                key.id()
            )),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(Sealing::Sealed {
        audit: audit_rows,
        publications: publication_rows,
    })
}

/// Whether nothing in the database carries a seal (a database from before seals, not yet
/// started with this version).
pub async fn never_sealed(conn: &mut crate::platform::conn::Conn) -> Result<bool, sqlx::Error> {
    let sealed: i64 = sqlx::query_scalar(
        "SELECT (SELECT COUNT(*) FROM audit_log WHERE mac IS NOT NULL) \
         + (SELECT COUNT(*) FROM publications WHERE mac IS NOT NULL) \
         + (SELECT COUNT(*) FROM audit_anchor WHERE mac IS NOT NULL) \
         + (SELECT COUNT(*) FROM audit_head WHERE mac IS NOT NULL) \
         + (SELECT COUNT(*) FROM publication_head WHERE mac IS NOT NULL)",
    )
    .fetch_one(conn)
    .await?;
    Ok(sealed == 0)
}

/// Seals every entry of one chain table, in pages.
async fn seal_rows(
    tx: &mut Tx,
    key: &ChainKey,
    table: &str,
    domain: &str,
) -> Result<u64, sqlx::Error> {
    let mut after = i64::MIN;
    let mut n = 0;
    loop {
        let page: Vec<(i64, String)> = sqlx::query_as(&format!(
            "SELECT seq, hash FROM {table} WHERE seq > $1 ORDER BY seq LIMIT 2000"
        ))
        .bind(after)
        .fetch_all(&mut **tx)
        .await?;
        let Some(last) = page.last() else {
            return Ok(n);
        };
        after = last.0;
        for (seq, hash) in &page {
            sqlx::query(&format!("UPDATE {table} SET mac = $1 WHERE seq = $2"))
                .bind(key.mac(domain, &[hash]))
                .bind(seq)
                .execute(&mut **tx)
                .await?;
            n += 1;
        }
    }
}
