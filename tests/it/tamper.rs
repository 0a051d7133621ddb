//! Tampering behind zizhi's back (issue 18 item 5): each scenario changes the database as
//! someone who can write it, but does not hold the chain key, would. It runs inside a
//! transaction, `audit::integrity::report` on that same transaction must name a problem, and
//! the transaction is rolled back for the next one. The count is printed and must be all.

use axum::http::StatusCode;
use serde_json::{Value, json};
use sqlx::{AnyConnection, Row};
use zizhi::audit::checkpoint::{self, Checkpoint};

use crate::harness::{Backend, TestApp};

/// The ids the scenarios aim at, made through the API so that they are on the sealed record.
struct Aims {
    case: i64,
    reply_event: i64,
    notice: i64,
    draft: i64,
    objection: i64,
    open_objection: i64,
    attachment: i64,
    attachment_file: std::path::PathBuf,
    motion: i64,
    election: i64,
    appraisal: i64,
    /// The audit head as it was before the last few writes: (seq, hash, mac).
    old_head: (i64, String, String),
    checkpoint: Checkpoint,
}

async fn post(app: &TestApp, token: &str, path: &str, body: Value) -> Value {
    let r = app.post(path).bearer(token).json(&body).send().await;
    assert!(r.status.is_success(), "{path}: {} {}", r.status, r.text());
    r.json()
}

async fn aims(app: &TestApp) -> Aims {
    let worker = app.token("worker").await;
    let resident = app.token("resident").await;
    // A case, answered.
    let case = post(
        app,
        &resident,
        "/api/v1/cases",
        json!({"category": "repairs", "description": "三号楼楼道灯不亮"}),
    )
    .await["id"]
        .as_i64()
        .unwrap();
    let transitions = format!("/api/v1/cases/{case}/transitions");
    post(app, &worker, &transitions, json!({"action": "accept"})).await;
    post(
        app,
        &worker,
        &transitions,
        json!({"action": "reply", "message": "已更换灯泡，请查看。"}),
    )
    .await;
    let reply_event: i64 = sqlx::query_scalar(&format!(
        "SELECT MAX(id) FROM case_events WHERE case_id = {case} AND action = 'reply'"
    ))
    .fetch_one(app.db.read())
    .await
    .unwrap();
    // A notice with an attachment, published; an objection handled, one not.
    let notice_body = json!({"community_id": 1, "category": "finance", "title": "2026 年 12 月财务收支公开", "body": "请居民监督。",
        "channel": "both", "period": "2026-12", "publicity_days": 5, "income_total": "2000", "expense_total": "350.50",
        "lines": [{"kind": "income", "item": "社区服务收入", "amount": "2000"}, {"kind": "expense", "item": "楼道照明维修", "amount": "350.50"}]});
    let notice = post(app, &worker, "/api/v1/disclosures", notice_body.clone()).await["id"]
        .as_i64()
        .unwrap();
    let pdf = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n".to_vec();
    let a = app
        .post(&format!(
            "/api/v1/disclosures/{notice}/attachments?filename=receipts.pdf"
        ))
        .bearer(&worker)
        .raw("application/octet-stream", pdf)
        .send()
        .await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.text());
    let attachment = a.json()["id"].as_i64().unwrap();
    post(
        app,
        &worker,
        &format!("/api/v1/disclosures/{notice}/publish"),
        json!({}),
    )
    .await;
    let objections = format!("/api/v1/disclosures/{notice}/objections");
    let objection = post(
        app,
        &resident,
        &objections,
        json!({"body": "维修费用偏高，请说明"}),
    )
    .await["id"]
        .as_i64()
        .unwrap();
    let open_objection = post(
        app,
        &resident,
        &objections,
        json!({"body": "收入来源请写明"}),
    )
    .await["id"]
        .as_i64()
        .unwrap();
    post(
        app,
        &worker,
        &format!("{objections}/{objection}"),
        json!({"outcome": "dismissed", "handling": "维修 41 盏灯，票据可查"}),
    )
    .await;
    let mut draft_body = notice_body;
    draft_body["period"] = json!("2026-10");
    draft_body["title"] = json!("草稿：2026 年 10 月财务收支公开");
    let draft = post(app, &worker, "/api/v1/disclosures", draft_body).await["id"]
        .as_i64()
        .unwrap();
    // Then a reveal of a resident's ID number and phone: a read that leaves only its entry,
    // the kind someone would want off the record.
    let old_head = head(app).await;
    let resident_id: i64 =
        sqlx::query_scalar("SELECT MIN(id) FROM residents WHERE community_id = 1")
            .fetch_one(app.db.read())
            .await
            .unwrap();
    let reveal = app
        .get(&format!("/api/v1/residents/{resident_id}?reveal=id_number,phone&reason=%E4%B8%8A%E9%97%A8%E6%A0%B8%E5%AE%9E"))
        .bearer(&worker)
        .send()
        .await;
    assert_eq!(reveal.status, StatusCode::OK, "{}", reveal.text());
    let stored: String = sqlx::query_scalar(&format!(
        "SELECT stored_name FROM disclosure_attachments WHERE id = {attachment}"
    ))
    .fetch_one(app.db.read())
    .await
    .unwrap();
    let one = |sql: &'static str| async move {
        sqlx::query_scalar::<_, i64>(sql)
            .fetch_one(app.db.read())
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"))
    };
    Aims {
        case,
        reply_event,
        notice,
        draft,
        objection,
        open_objection,
        attachment,
        attachment_file: app.config.data_dir.join("disclosures").join(stored),
        motion: one("SELECT MIN(motion_id) FROM motion_votes WHERE choice = 'yes'").await,
        election: tallied_election(app).await,
        appraisal: one(
            "SELECT MIN(id) FROM appraisals WHERE status = 'closed' AND ballots_counted > 0",
        )
        .await,
        old_head,
        checkpoint: checkpoint::take(&app.db).await.unwrap(),
    }
}

/// An election tallied from three ballots (the demo's year has none yet): 2 votes to the
/// first candidate, who is elected, 1 to the second.
async fn tallied_election(app: &TestApp) -> i64 {
    let e = app
        .insert(
            "INSERT INTO elections (body_id, street_id, community_id, title, position, seats, electorate, status, publicity_days, \
             term_from, ballots_counted, blank_ballots, created_at) SELECT MIN(id), 1, 1, '测试选举', 'president', 1, 'building', 'tallied', 5, \
             '2027-01-01', 3, 0, '2026-11-20T00:00:00.000000Z' FROM bodies RETURNING id",
        )
        .await;
    let mut noms = Vec::new();
    for (offset, votes, elected) in [(0, 2, 1), (1, 1, 0)] {
        noms.push(
            app.insert(&format!(
                "INSERT INTO election_nominations (election_id, resident_id, name, method, statement, votes, elected, created_at) \
                 SELECT {e}, id, name, 'self', '愿意服务', {votes}, {elected}, '2026-11-20T00:00:00.000000Z' FROM residents \
                 ORDER BY id LIMIT 1 OFFSET {offset} RETURNING id"
            ))
            .await,
        );
    }
    for (token, choice) in [("t1", noms[0]), ("t2", noms[0]), ("t3", noms[1])] {
        app.exec(&format!(
            "INSERT INTO election_ballots (token, election_id, choices) VALUES ('{token}-{e}', {e}, '{choice}')"
        ))
        .await;
    }
    e
}

async fn head(app: &TestApp) -> (i64, String, String) {
    let r = sqlx::query("SELECT seq, hash, mac FROM audit_head WHERE id = 1")
        .fetch_one(app.db.read())
        .await
        .unwrap();
    (
        r.try_get("seq").unwrap(),
        r.try_get("hash").unwrap(),
        r.try_get("mac").unwrap(),
    )
}

async fn problems(
    conn: &mut AnyConnection,
    app: &TestApp,
    checkpoint: Option<&Checkpoint>,
) -> Vec<String> {
    zizhi::audit::integrity::report(conn, Some(&app.config.data_dir), checkpoint)
        .await
        .unwrap()
        .problems
}

async fn exec(conn: &mut AnyConnection, sql: &str) {
    sqlx::query(sql)
        .execute(&mut *conn)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
}

/// Rewrites the audit chain from `from` on, as a writer with the public hash function would:
/// every hash and link recomputed, the head moved along. Only the seals are left as they are.
async fn recompute_audit(conn: &mut AnyConnection, from: i64) {
    let prev: String = sqlx::query_scalar("SELECT hash FROM audit_log WHERE seq = $1")
        .bind(from - 1)
        .fetch_one(&mut *conn)
        .await
        .unwrap();
    let rows = sqlx::query("SELECT * FROM audit_log WHERE seq >= $1 ORDER BY seq")
        .bind(from)
        .fetch_all(&mut *conn)
        .await
        .unwrap();
    let mut prev = prev;
    for r in rows {
        let g = |c: &str| r.try_get::<String, _>(c).unwrap();
        let seq: i64 = r.try_get("seq").unwrap();
        let hash = zizhi::audit::entry_hash(&zizhi::audit::Hashed {
            seq,
            at: &g("at"),
            actor_id: r.try_get("actor_id").unwrap(),
            actor: &g("actor"),
            role: &g("role"),
            action: &g("action"),
            object_type: &g("object_type"),
            object_id: &g("object_id"),
            place: zizhi::auth::scope::Place {
                street_id: r.try_get("street_id").unwrap(),
                community_id: r.try_get("community_id").unwrap(),
                building_id: r.try_get("building_id").unwrap(),
            },
            result: &g("result"),
            ip: &g("client_ip"),
            sensitive: r.try_get::<i64, _>("sensitive").unwrap() != 0,
            detail: &g("detail"),
            prev_hash: &prev,
        });
        sqlx::query("UPDATE audit_log SET prev_hash = $1, hash = $2 WHERE seq = $3")
            .bind(&prev)
            .bind(&hash)
            .bind(seq)
            .execute(&mut *conn)
            .await
            .unwrap();
        prev = hash;
    }
    sqlx::query("UPDATE audit_head SET hash = $1 WHERE id = 1")
        .bind(&prev)
        .execute(&mut *conn)
        .await
        .unwrap();
}

/// Changes a published notice and recomputes its content hash, its entry and every later
/// entry of the public chain, and the head.
async fn recompute_publication(conn: &mut AnyConnection, notice: i64) {
    exec(
        conn,
        &format!("UPDATE disclosures SET income_total = income_total + 100000 WHERE id = {notice}"),
    )
    .await;
    let content = zizhi::disclosure::content::disclosure(conn, notice)
        .await
        .unwrap()
        .unwrap();
    let content_hash = zizhi::disclosure::chain::sha256_hex(content.as_bytes());
    exec(
        conn,
        &format!("UPDATE disclosures SET content_hash = '{content_hash}' WHERE id = {notice}"),
    )
    .await;
    let from: i64 = sqlx::query_scalar(&format!(
        "SELECT seq FROM publications WHERE kind = 'disclosure' AND object_id = {notice}"
    ))
    .fetch_one(&mut *conn)
    .await
    .unwrap();
    exec(
        conn,
        &format!("UPDATE publications SET content_hash = '{content_hash}' WHERE seq = {from}"),
    )
    .await;
    let rows: Vec<(i64, String, String, i64, String, String)> = sqlx::query_as(
        "SELECT seq, at, kind, object_id, content_hash, prev_hash FROM publications WHERE seq >= $1 ORDER BY seq",
    )
    .bind(from)
    .fetch_all(&mut *conn)
    .await
    .unwrap();
    let mut prev = rows[0].5.clone();
    for (seq, at, kind, object, content, _) in rows {
        let hash = zizhi::disclosure::chain::entry_hash(seq, &at, &kind, object, &content, &prev);
        exec(
            conn,
            &format!(
                "UPDATE publications SET prev_hash = '{prev}', hash = '{hash}' WHERE seq = {seq}"
            ),
        )
        .await;
        prev = hash;
    }
    exec(
        conn,
        &format!("UPDATE publication_head SET hash = '{prev}' WHERE id = 1"),
    )
    .await;
}

async fn every_tamper_scenario_is_caught(backend: Backend) {
    let app = TestApp::spawn_with_year(backend).await;
    let t = aims(&app).await;
    {
        let mut conn = app.db.read().acquire().await.unwrap();
        let clean = problems(&mut conn, &app, Some(&t.checkpoint)).await;
        assert!(clean.is_empty(), "before any tampering: {clean:#?}");
    }
    let a = head(&app).await.0;
    let (old_seq, old_hash, old_mac) = t.old_head.clone();
    let p: i64 = sqlx::query_scalar("SELECT seq FROM publication_head WHERE id = 1")
        .fetch_one(app.db.read())
        .await
        .unwrap();
    let (case, ev, notice, draft, o, o2) = (
        t.case,
        t.reply_event,
        t.notice,
        t.draft,
        t.objection,
        t.open_objection,
    );
    let (att, m, e, ap) = (t.attachment, t.motion, t.election, t.appraisal);
    let sql: Vec<(&str, Vec<String>)> = vec![
        ("an audit entry edited", vec![format!("UPDATE audit_log SET detail = 'nothing happened' WHERE seq = {}", a - 2)]),
        ("an audit entry deleted", vec![format!("DELETE FROM audit_log WHERE seq = {}", a - 2)]),
        ("the audit log's tail cut", vec![format!("DELETE FROM audit_log WHERE seq > {}", a - 3)]),
        ("the tail cut and the head moved back", vec![
            format!("UPDATE audit_head SET seq = {0}, hash = (SELECT hash FROM audit_log WHERE seq = {0}) WHERE id = 1", a - 3),
            format!("DELETE FROM audit_log WHERE seq > {}", a - 3),
        ]),
        ("an entry's seal removed", vec![format!("UPDATE audit_log SET mac = NULL WHERE seq = {}", a - 1)]),
        ("a seal copied from another entry", vec![format!(
            "UPDATE audit_log SET mac = (SELECT l.mac FROM audit_log l WHERE l.seq = {}) WHERE seq = {}", a - 1, a - 2)]),
        ("every seal stripped", vec![
            "UPDATE audit_log SET mac = NULL".into(), "UPDATE audit_head SET mac = NULL".into(),
            "UPDATE audit_anchor SET mac = NULL".into(), "UPDATE publications SET mac = NULL".into(),
            "UPDATE publication_head SET mac = NULL".into(),
        ]),
        ("the anchor moved over deleted entries", vec![
            "UPDATE audit_anchor SET seq = 5, hash = (SELECT hash FROM audit_log WHERE seq = 5) WHERE id = 1".into(),
            "DELETE FROM audit_log WHERE seq <= 5".into(),
        ]),
        ("a published notice edited", vec![format!("UPDATE disclosures SET body = body || '（已删改）' WHERE id = {notice}")]),
        ("the publication chain's tail cut and its head moved back", vec![
            format!("UPDATE publication_head SET seq = {0}, hash = (SELECT hash FROM publications WHERE seq = {0}) WHERE id = 1", p - 1),
            format!("DELETE FROM publications WHERE seq = {p}"),
        ]),
        ("a published notice set back to draft", vec![format!("UPDATE disclosures SET status = 'draft' WHERE id = {notice}")]),
        ("a draft shown as published", vec![format!(
            "UPDATE disclosures SET status = 'published', publish_date = '2026-12-01', publicity_until = '2026-12-08' WHERE id = {draft}")]),
        ("an objection's outcome flipped", vec![format!("UPDATE disclosure_objections SET outcome = 'upheld' WHERE id = {o}")]),
        ("an objection's handling rewritten", vec![format!("UPDATE disclosure_objections SET handling = '已妥善处理' WHERE id = {o}")]),
        ("a handled objection set back to unhandled", vec![format!(
            "UPDATE disclosure_objections SET outcome = NULL, handling = NULL, handled_at = NULL WHERE id = {o}")]),
        ("an objection marked handled without handling it", vec![format!(
            "UPDATE disclosure_objections SET outcome = 'dismissed', handling = '不成立', handled_at = '2026-12-02T00:00:00.000000Z' WHERE id = {o2}")]),
        ("an attachment's recorded hash changed", vec![format!(
            "UPDATE disclosure_attachments SET sha256 = '{}' WHERE id = {att}", "0".repeat(64))]),
        ("a motion's yes votes raised", vec![format!("UPDATE motions SET votes_yes = votes_yes + 5 WHERE id = {m}")]),
        ("a member's vote removed", vec![format!(
            "DELETE FROM motion_votes WHERE motion_id = {m} AND member_id = (SELECT MIN(v.member_id) FROM motion_votes v WHERE v.motion_id = {m})")]),
        ("a candidate's votes raised", vec![format!(
            "UPDATE election_nominations SET votes = votes + 3 WHERE id = (SELECT MIN(n.id) FROM election_nominations n WHERE n.election_id = {e} AND n.disqualified = 0)")]),
        ("a ballot removed", vec![format!(
            "DELETE FROM election_ballots WHERE token = (SELECT MIN(b.token) FROM election_ballots b WHERE b.election_id = {e} AND b.batch_id IS NULL)")]),
        ("an appraisal's result raised", vec![format!(
            "UPDATE appraisal_subjects SET satisfied = satisfied + 1 WHERE id = (SELECT MIN(s.id) FROM appraisal_subjects s WHERE s.appraisal_id = {ap})")]),
        ("a ballot slipped into an appraisal", vec![format!(
            "INSERT INTO appraisal_ballots (token, appraisal_id, choices) VALUES ('forged', {ap}, '')")]),
        ("a case's reply rewritten", vec![format!("UPDATE cases SET reply = '已解决' WHERE id = {case}")]),
        ("a case's reply rewritten in its timeline too", vec![
            format!("UPDATE cases SET reply = '已解决' WHERE id = {case}"),
            format!("UPDATE case_events SET message = '已解决' WHERE id = {ev}"),
        ]),
        ("a case closed behind the desk", vec![format!("UPDATE cases SET status = 'closed' WHERE id = {case}")]),
    ];
    let mut caught = Vec::new();
    let mut missed = Vec::new();
    let mut judge = |name: &str, found: Vec<String>| {
        if found.is_empty() {
            missed.push(name.to_owned());
        } else {
            caught.push(format!("{name}: {}", found[0]));
        }
    };
    for (name, statements) in &sql {
        let mut tx = app.db.begin().await.unwrap();
        for s in statements {
            exec(&mut tx, s).await;
        }
        judge(name, problems(&mut tx, &app, None).await);
    }
    // The chain recomputed after an edit, with the public hash function: only seals show it.
    {
        let mut tx = app.db.begin().await.unwrap();
        exec(
            &mut tx,
            &format!(
                "UPDATE audit_log SET actor = 'someone-else' WHERE seq = {}",
                a - 4
            ),
        )
        .await;
        recompute_audit(&mut tx, a - 4).await;
        judge(
            "an audit entry edited and the chain recomputed",
            problems(&mut tx, &app, None).await,
        );
    }
    // A forged entry appended, hashed and linked right, the head moved to it.
    {
        let mut tx = app.db.begin().await.unwrap();
        exec(&mut tx, &format!(
            "INSERT INTO audit_log (seq, at, actor_id, actor, role, action, object_type, object_id, street_id, community_id, building_id, \
             result, client_ip, sensitive, detail, prev_hash, hash, mac) SELECT {}, at, actor_id, actor, role, 'account.grant', object_type, object_id, \
             street_id, community_id, building_id, result, client_ip, sensitive, 'sysadmin', hash, hash, mac FROM audit_log WHERE seq = {a}", a + 1)).await;
        exec(
            &mut tx,
            &format!("UPDATE audit_head SET seq = {} WHERE id = 1", a + 1),
        )
        .await;
        recompute_audit(&mut tx, a + 1).await;
        judge(
            "a forged entry appended to the audit log",
            problems(&mut tx, &app, None).await,
        );
    }
    // A notice's amounts changed and the public chain recomputed over it.
    {
        let mut tx = app.db.begin().await.unwrap();
        recompute_publication(&mut tx, notice).await;
        judge(
            "a notice edited and the publication chain recomputed",
            problems(&mut tx, &app, None).await,
        );
    }
    // Attachment files changed or removed on disk.
    let original = std::fs::read(&t.attachment_file).unwrap();
    std::fs::write(&t.attachment_file, b"%PDF-1.4 another receipt").unwrap();
    {
        let mut conn = app.db.read().acquire().await.unwrap();
        judge(
            "an attachment's file replaced",
            problems(&mut conn, &app, None).await,
        );
    }
    std::fs::remove_file(&t.attachment_file).unwrap();
    {
        let mut conn = app.db.read().acquire().await.unwrap();
        judge(
            "an attachment's file deleted",
            problems(&mut conn, &app, None).await,
        );
    }
    std::fs::write(&t.attachment_file, &original).unwrap();
    // An older, genuinely sealed state put back (the tail cut, the old head row restored):
    // the seals hold, as they must; only the checkpoint shows it.
    {
        let mut tx = app.db.begin().await.unwrap();
        exec(
            &mut tx,
            &format!("DELETE FROM audit_log WHERE seq > {old_seq}"),
        )
        .await;
        exec(&mut tx, &format!("UPDATE audit_head SET seq = {old_seq}, hash = '{old_hash}', mac = '{old_mac}' WHERE id = 1")).await;
        assert!(
            problems(&mut tx, &app, None).await.is_empty(),
            "a genuine older state, on its own, holds"
        );
        judge(
            "an older sealed state put back (held against a checkpoint)",
            problems(&mut tx, &app, Some(&t.checkpoint)).await,
        );
    }
    // A checkpoint edited to match a cut database.
    {
        let mut forged = t.checkpoint.clone();
        forged.audit_seq = old_seq;
        forged.audit_hash = old_hash.clone();
        let mut conn = app.db.read().acquire().await.unwrap();
        judge(
            "a checkpoint edited",
            problems(&mut conn, &app, Some(&forged)).await,
        );
    }
    // Every scenario was rolled back: the database holds again.
    let mut conn = app.db.read().acquire().await.unwrap();
    let after = problems(&mut conn, &app, Some(&t.checkpoint)).await;
    assert!(after.is_empty(), "after the scenarios: {after:#?}");
    let total = caught.len() + missed.len();
    println!(
        "tamper scenarios caught ({backend:?}): {} of {total}",
        caught.len()
    );
    for c in &caught {
        println!("  caught: {c}");
    }
    assert!(missed.is_empty(), "not caught: {missed:#?}");
    assert!(total >= 20, "{total}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_tamper_scenario_is_caught_on_sqlite() {
    every_tamper_scenario_is_caught(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(zizhi_pg),
    ignore = "set ZIZHI_TEST_POSTGRES to run against PostgreSQL"
)]
async fn every_tamper_scenario_is_caught_on_postgres() {
    every_tamper_scenario_is_caught(Backend::Postgres).await;
}
