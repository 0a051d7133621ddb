//! What `zizhi verify` checks beyond the two chains (issue 18): that the records the chains and
//! the sealed audit log attest still say what was attested, and that every tally still follows
//! from its ballots.
//!
//! - Notices: a draft has no publication entry; a published notice has exactly one, over its
//!   content hash (the chain itself recomputes the content).
//! - Objections to notices: each handled one has the sealed `disclosure.handle_objection` entry
//!   naming its outcome and its handling text's hash; an unhandled one has none.
//! - Attachments: every stored file still has the hash recorded for it (a published notice's
//!   attachment hashes are part of its sealed content).
//! - Tallies: motions against their votes, elections against their counted ballots
//!   (`lifecycle::count`), democratic appraisals against theirs (`appraisals::tally`).
//! - Cases: the reply shown is the last reply's text; every sealed transition's message hash
//!   still matches its event; a case's status is the one its last sealed change set.
//!
//! Records the demo writes as history (the year behind the demo street) have no audit entries;
//! the checks that rest on the audit log pass over what has none, after a retention purge too.

use std::collections::HashMap;
use std::path::Path;

use crate::platform::conn::Conn;
use sqlx::Row;

use crate::disclosure::chain::sha256_hex;

mod cases;
mod tallies;

/// One record that does not hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// Which check: notice, objection, attachment, motion, election, appraisal, case.
    pub check: &'static str,
    /// The record, e.g. `disclosure 12`, `case 40`.
    pub object: String,
    pub what: String,
}

fn finding(check: &'static str, object: String, what: impl Into<String>) -> Finding {
    Finding {
        check,
        object,
        what: what.into(),
    }
}

/// How a sealed audit entry attests a text: a hash, so that the entry itself holds no personal
/// data and a text changed afterwards is found.
pub fn attest(text: &str) -> String {
    format!("sha256:{}", &sha256_hex(text.as_bytes())[..32])
}

/// The detail of a handled objection's audit entry.
pub fn objection_detail(objection: i64, outcome: &str, handling: &str) -> String {
    format!("objection {objection}: {outcome} · {}", attest(handling))
}

/// What `zizhi verify` found beyond the file's own integrity: one line per check that holds,
/// one per problem.
#[derive(Debug, Default)]
pub struct Report {
    pub lines: Vec<String>,
    pub problems: Vec<String>,
}

/// Both chains (hashes and seals; only hashes in a database never sealed), the records they
/// attest (`check`), and the checkpoint if one is given, on one connection: inside a
/// transaction it sees that transaction's writes.
pub async fn report(
    conn: &mut Conn,
    files: Option<&Path>,
    checkpoint: Option<&super::checkpoint::Checkpoint>,
) -> anyhow::Result<Report> {
    let mut lines = Vec::new();
    let mut problems = Vec::new();
    let unsealed = super::seal::never_sealed(conn).await?;
    let entries: i64 = sqlx::query_scalar(
        "SELECT (SELECT COUNT(*) FROM audit_log) + (SELECT COUNT(*) FROM publications)",
    )
    .fetch_one(&mut *conn)
    .await?;
    if unsealed && entries > 0 {
        problems.push(format!(
            "{entries} 条记录没有签名（签名被去掉，或数据库早于签名，须 zizhi seal）{entries} entries carry no seal (stripped, or from before seals: zizhi seal)"
        ));
    }
    let report = super::walk(conn, !unsealed).await?;
    match (report.first_broken, report.why) {
        (Some(seq), why) => problems.push(format!(
            "审计日志第 {seq} 条被篡改 audit chain broken at entry {seq}: {}",
            why.map_or("", super::seal::Break::describe)
        )),
        (None, _) => lines.push(format!(
            "审计日志完整 audit chain intact: {} entries",
            report.entries
        )),
    }
    let published = crate::disclosure::chain::walk(conn, !unsealed).await?;
    match published.first_broken {
        Some((seq, kind, id)) => {
            let what = match kind.as_str() {
                "disclosure" => format!("公开事项 #{id} disclosure {id}"),
                "rule_version" => format!("规约版本 #{id} rule version {id}"),
                _ => "链头 chain head".to_owned(),
            };
            problems.push(format!(
                "发布链第 {seq} 条被篡改：{what} publication chain broken at entry {seq}: {kind} {id}: {}",
                published.why.map_or("", super::seal::Break::describe)
            ));
        }
        None => lines.push(format!(
            "发布链完整 publication chain intact: {} entries",
            published.entries
        )),
    }
    let key = super::seal::key()?;
    if !unsealed {
        lines.push(format!("签名有效 seals hold with chain key {}", key.id()));
    }
    let findings = check(conn, files).await?;
    if findings.is_empty() {
        lines.push(
            "记录与审计一致 records hold: notices, objections, attachments, tallies, cases"
                .to_owned(),
        );
    }
    for f in &findings {
        problems.push(format!("{}: {}", f.object, f.what));
    }
    if let Some(c) = checkpoint {
        let held = super::checkpoint::hold(conn, c).await?;
        if held.is_empty() {
            lines.push(format!(
                "与检查点一致 holds against the checkpoint of {}: audit {}, publications {}",
                c.at, c.audit_seq, c.publication_seq
            ));
        }
        problems.extend(held);
    }
    Ok(Report { lines, problems })
}

/// Runs every check; `data_dir` holds the attachment files (none: a copy of the database
/// alone, whose files are not checked).
pub async fn check(conn: &mut Conn, data_dir: Option<&Path>) -> anyhow::Result<Vec<Finding>> {
    let mut out = Vec::new();
    notices(conn, &mut out).await?;
    objections(conn, &mut out).await?;
    if let Some(dir) = data_dir {
        attachments(conn, dir, &mut out).await?;
    }
    tallies::motions(conn, &mut out).await?;
    tallies::elections(conn, &mut out).await?;
    tallies::appraisals(conn, &mut out).await?;
    cases::cases(conn, &mut out).await?;
    Ok(out)
}

/// The sealed audit entries of one action: (object id, detail), oldest first.
async fn entries(conn: &mut Conn, action: &str) -> Result<Vec<(String, String)>, sqlx::Error> {
    sqlx::query_as("SELECT object_id, detail FROM audit_log WHERE action = $1 ORDER BY seq")
        .bind(action)
        .fetch_all(conn)
        .await
}

async fn notices(conn: &mut Conn, out: &mut Vec<Finding>) -> anyhow::Result<()> {
    let rows = sqlx::query(
        "SELECT d.id, d.status, d.content_hash, \
         (SELECT COUNT(*) FROM publications p WHERE p.kind = 'disclosure' AND p.object_id = d.id) AS entries, \
         (SELECT MAX(p.content_hash) FROM publications p WHERE p.kind = 'disclosure' AND p.object_id = d.id) AS chained \
         FROM disclosures d ORDER BY d.id",
    )
    .fetch_all(&mut *conn)
    .await?;
    for r in rows {
        let id: i64 = r.try_get("id")?;
        let status: String = r.try_get("status")?;
        let n: i64 = r.try_get("entries")?;
        let hash: Option<String> = r.try_get("content_hash")?;
        let chained: Option<String> = r.try_get("chained")?;
        let object = format!("disclosure {id}");
        match status.as_str() {
            "draft" if n > 0 => out.push(finding(
                "notice",
                object,
                "草稿却有发布记录 a draft that was published (status set back)",
            )),
            "draft" => {}
            "published" if n != 1 || chained != hash => out.push(finding(
                "notice",
                object,
                format!("已发布却无对应的发布链记录 published without its one publication entry ({n} found)"),
            )),
            "published" => {}
            other => out.push(finding(
                "notice",
                object,
                format!("未知状态 unknown status {other:?}"),
            )),
        }
    }
    Ok(())
}

async fn objections(conn: &mut Conn, out: &mut Vec<Finding>) -> anyhow::Result<()> {
    // objection id → (outcome, attested hash) from the sealed entries.
    let mut sealed: HashMap<i64, (String, Option<String>)> = HashMap::new();
    for (_, detail) in entries(conn, "disclosure.handle_objection").await? {
        let Some(rest) = detail.strip_prefix("objection ") else {
            continue;
        };
        let Some((oid, rest)) = rest.split_once(": ") else {
            continue;
        };
        let (outcome, hash) = match rest.split_once(" · ") {
            Some((o, h)) => (o.to_owned(), Some(h.to_owned())),
            None => (rest.to_owned(), None),
        };
        if let Ok(oid) = oid.parse() {
            sealed.insert(oid, (outcome, hash));
        }
    }
    let horizon = audit_horizon(conn).await?;
    let rows = sqlx::query(
        "SELECT id, outcome, handling, handled_at FROM disclosure_objections ORDER BY id",
    )
    .fetch_all(&mut *conn)
    .await?;
    for r in rows {
        let id: i64 = r.try_get("id")?;
        let outcome: Option<String> = r.try_get("outcome")?;
        let handling: Option<String> = r.try_get("handling")?;
        let at: Option<String> = r.try_get("handled_at")?;
        let object = format!("objection {id}");
        match (outcome, sealed.get(&id)) {
            (None, Some(_)) => out.push(finding(
                "objection",
                object,
                "已处理的异议被改回未处理 a handled objection set back to unhandled",
            )),
            (None, None) => {}
            (Some(o), Some((so, hash))) => {
                if o != *so {
                    out.push(finding(
                        "objection",
                        object,
                        format!("处理结果被改动 outcome {o} where {so} was recorded"),
                    ));
                } else if let Some(h) = hash
                    && attest(handling.as_deref().unwrap_or("")) != *h
                {
                    out.push(finding(
                        "objection",
                        object,
                        "处理意见被改动 handling text changed after it was recorded",
                    ));
                }
            }
            (Some(_), None) => {
                let on_record = horizon
                    .as_deref()
                    .is_none_or(|h| at.as_deref().is_some_and(|at| at >= h));
                if on_record {
                    out.push(finding(
                        "objection",
                        object,
                        "处理结果无审计记录 handled without an audit entry",
                    ));
                }
            }
        }
    }
    Ok(())
}

/// From when the audit log is complete: none if it was never purged, else its first entry's
/// time (what was done before is no longer on record).
async fn audit_horizon(conn: &mut Conn) -> Result<Option<String>, sqlx::Error> {
    let purged: Option<String> =
        sqlx::query_scalar("SELECT purged_at FROM audit_anchor WHERE id = 1")
            .fetch_one(&mut *conn)
            .await?;
    if purged.is_none() {
        return Ok(None);
    }
    sqlx::query_scalar("SELECT MIN(at) FROM audit_log")
        .fetch_one(conn)
        .await
}

async fn attachments(
    conn: &mut Conn,
    data_dir: &Path,
    out: &mut Vec<Finding>,
) -> anyhow::Result<()> {
    let disclosure: Vec<(i64, String, String)> =
        sqlx::query_as("SELECT id, stored_name, sha256 FROM disclosure_attachments ORDER BY id")
            .fetch_all(&mut *conn)
            .await?;
    let photos: Vec<(i64, String, String)> = sqlx::query_as(
        "SELECT id, stored_name, sha256 FROM case_attachments WHERE sha256 IS NOT NULL ORDER BY id",
    )
    .fetch_all(&mut *conn)
    .await?;
    for (folder, what, rows) in [
        ("disclosures", "disclosure attachment", disclosure),
        ("attachments", "case photo", photos),
    ] {
        for (id, name, sha) in rows {
            let object = format!("{what} {id}");
            match std::fs::read(data_dir.join(folder).join(&name)) {
                Ok(bytes) if sha256_hex(&bytes) == sha => {}
                Ok(_) => out.push(finding(
                    "attachment",
                    object,
                    "文件内容与记录的哈希不符 the file's content does not match its hash",
                )),
                Err(_) => out.push(finding(
                    "attachment",
                    object,
                    format!("文件缺失 file {folder}/{name} is missing"),
                )),
            }
        }
    }
    Ok(())
}
