//! Tampering behind zizhi's back (issue 18 item 5): each scenario changes the database as
//! someone who can write it, but does not hold the chain key, would. It runs inside a
//! transaction, `audit::integrity::report` on that same transaction must name a problem, and
//! the transaction is rolled back for the next one. The count is printed and must be all.

mod aims;
mod rewrite;

use aims::{aims, head};
use rewrite::{exec, problems, recompute_audit, recompute_publication};

use crate::harness::{Backend, TestApp};

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
