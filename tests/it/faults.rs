//! Fault injection (issue 10, item 11): a failure at the audit insert, at commit, or on a full
//! disk rolls the request back and answers 503 with `Retry-After`, saying nothing was saved. No
//! row of it remains in any table, both chains verify, and once the fault is gone the same write
//! goes through.
//!
//! The faults are real database failures, not mocks: a trigger that raises on the audit insert;
//! a deferred constraint broken by the audit insert, which SQLite and PostgreSQL only check at
//! `COMMIT`; and, on SQLite, a database held at its size (`max_page_count`) with no free page
//! left, which fails exactly as a full disk does (`SQLITE_FULL`).

use std::collections::BTreeMap;

use axum::http::StatusCode;
use serde_json::json;

use crate::both;
use crate::harness::{Backend, Browser, TestApp};

#[derive(Clone, Copy, Debug)]
enum Fault {
    AuditInsert,
    Commit,
}

async fn inject(app: &TestApp, fault: Fault) {
    match (app.backend, fault) {
        (Backend::Sqlite, Fault::AuditInsert) => {
            app.exec(
                "CREATE TRIGGER fault_injected BEFORE INSERT ON audit_log \
                 BEGIN SELECT RAISE(ABORT, 'injected fault: audit insert'); END",
            )
            .await
        }
        (Backend::Sqlite, Fault::Commit) => {
            // A dangling reference to a deferred foreign key: the statement passes, COMMIT fails.
            app.exec(
                "CREATE TRIGGER fault_injected AFTER INSERT ON audit_log \
                 BEGIN INSERT INTO fault_child (parent) VALUES (-1); END",
            )
            .await
        }
        (Backend::Postgres, Fault::AuditInsert) => {
            app.exec(
                "CREATE TRIGGER fault_injected BEFORE INSERT ON audit_log \
                 FOR EACH ROW EXECUTE FUNCTION fault_raise()",
            )
            .await
        }
        (Backend::Postgres, Fault::Commit) => {
            app.exec(
                "CREATE CONSTRAINT TRIGGER fault_injected AFTER INSERT ON audit_log \
                 DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION fault_raise()",
            )
            .await
        }
    }
}

/// What the faults need, made before the first snapshot so that it is part of the baseline.
async fn prepare(app: &TestApp) {
    match app.backend {
        Backend::Sqlite => {
            app.exec("CREATE TABLE fault_parent (id INTEGER PRIMARY KEY)")
                .await;
            app.exec(
                "CREATE TABLE fault_child (parent INTEGER \
                 REFERENCES fault_parent (id) DEFERRABLE INITIALLY DEFERRED)",
            )
            .await;
        }
        Backend::Postgres => {
            app.exec(
                "CREATE FUNCTION fault_raise() RETURNS trigger LANGUAGE plpgsql AS \
                 $$ BEGIN RAISE EXCEPTION 'injected fault'; END $$",
            )
            .await;
        }
    }
}

async fn clear(app: &TestApp) {
    match app.backend {
        Backend::Sqlite => app.exec("DROP TRIGGER fault_injected").await,
        Backend::Postgres => app.exec("DROP TRIGGER fault_injected ON audit_log").await,
    }
}

/// Every table's row count, and the audit chain's head: any trace of a write changes one.
async fn snapshot(app: &TestApp) -> BTreeMap<String, i64> {
    let names = app.table_names().await;
    let mut counts = BTreeMap::new();
    for name in names {
        let n = app.count(&format!("SELECT COUNT(*) FROM {name}")).await;
        counts.insert(name, n);
    }
    counts.insert(
        "audit_head.seq".into(),
        app.count("SELECT seq FROM audit_head WHERE id = 1").await,
    );
    counts
}

/// The writers of the test: signed in (or holding a key) before any fault is injected.
struct Writers {
    resident: Browser,
    worker: String,
    case_id: i64,
}

async fn writers(app: &TestApp) -> Writers {
    let resident_token = app.token("resident").await;
    let filed = app
        .post("/api/v1/cases")
        .bearer(&resident_token)
        .json(&json!({"category": "repairs", "description": "楼道灯不亮"}))
        .send()
        .await;
    assert_eq!(filed.status, StatusCode::CREATED, "{}", filed.text());
    Writers {
        resident: app.login("resident").await,
        worker: app.token("worker").await,
        case_id: filed.json()["id"].as_i64().unwrap(),
    }
}

const KINDS: [&str; 4] = ["api intake", "open311", "staff transition", "page form"];

/// One write of each kind (anonymous API intake, Open311, a worker's transition, a resident's
/// page form), with `text` in the description; gives each one's status.
async fn write_each(app: &TestApp, w: &Writers, text: &str) -> Vec<crate::harness::Res> {
    let intake = app
        .post("/api/v1/cases")
        .ip("10.9.9.1")
        .json(&json!({"category": "public_facility", "description": text,
                      "community_id": 1, "address": "三角线小区3号楼前"}))
        .send()
        .await;
    let open311 = app
        .post("/open311/v2/requests.json")
        .form(&[
            ("api_key", "demo-open311-key"),
            ("service_code", "public_facility"),
            ("description", text),
            ("address_string", "三角线小区3号楼前"),
        ])
        .send()
        .await;
    let transition = app
        .post(&format!("/api/v1/cases/{}/transitions", w.case_id))
        .bearer(&w.worker)
        .json(&json!({"action": "accept"}))
        .send()
        .await;
    let page = app
        .post("/report")
        .browser(&w.resident)
        .form(&[
            ("_csrf", &w.resident.csrf),
            ("category", "environment"),
            ("description", text),
        ])
        .send()
        .await;
    vec![intake, open311, transition, page]
}

/// Each answer is a 503 that says, in Chinese, that nothing was saved.
fn assert_refused(answers: &[crate::harness::Res], what: &str) {
    for (kind, res) in KINDS.iter().zip(answers) {
        assert_eq!(
            res.status,
            StatusCode::SERVICE_UNAVAILABLE,
            "{what}, {kind}: {}",
            res.text()
        );
        assert!(
            res.header("retry-after").is_some(),
            "{what}, {kind}: no Retry-After"
        );
        assert!(
            res.text().contains("本次操作没有生效"),
            "{what}, {kind}: {}",
            res.text()
        );
    }
}

async fn assert_chains_verify(app: &TestApp) {
    let report = zizhi::audit::verify(app.db.read()).await.unwrap();
    assert_eq!(report.first_broken, None);
    assert!(report.entries > 0);
}

both!(
    a_failed_audit_insert_or_commit_leaves_nothing_and_answers_503,
    |app: TestApp| async move {
        prepare(&app).await;
        let w = writers(&app).await;
        for fault in [Fault::AuditInsert, Fault::Commit] {
            let before = snapshot(&app).await;
            inject(&app, fault).await;
            let answers = write_each(&app, &w, &format!("故障注入 {fault:?}：路灯不亮")).await;
            assert_refused(&answers, &format!("{fault:?}"));
            assert_eq!(snapshot(&app).await, before, "{fault:?} left a trace");
            clear(&app).await;
            assert_chains_verify(&app).await;
        }
        // The same writes go through once the fault is gone, each with its audit entry.
        let before = snapshot(&app).await;
        let answers = write_each(&app, &w, "故障排除后：路灯不亮").await;
        let statuses: Vec<u16> = answers.iter().map(|r| r.status.as_u16()).collect();
        assert_eq!(statuses, [201, 201, 200, 303]);
        let after = snapshot(&app).await;
        assert_eq!(after["cases"] - before["cases"], 3);
        assert!(after["audit_log"] - before["audit_log"] >= 4);
        assert_chains_verify(&app).await;
    }
);

/// Fills the database's last free pages and holds it at its size: from then on, any write that
/// needs one more page fails with `SQLITE_FULL`, as on a full disk.
async fn fill_the_disk(app: &TestApp) {
    app.exec("CREATE TABLE fault_filler (b BLOB)").await;
    let pages = app
        .count("SELECT page_count FROM pragma_page_count()")
        .await;
    // The limit is the writing connection's, where every write runs.
    app.exec(&format!("PRAGMA max_page_count = {pages}")).await;
    let mut size = 1 << 20;
    while size >= 8 {
        let mut tx = app.db.begin().await.unwrap();
        let filled = sqlx::query(&format!(
            "INSERT INTO fault_filler (b) VALUES (zeroblob({size}))"
        ))
        .execute(&mut *tx)
        .await;
        match filled {
            Ok(_) => tx.commit().await.unwrap(),
            Err(e) => {
                assert!(e.to_string().contains("full"), "{e}");
                drop(tx);
                size /= 2;
            }
        }
    }
    assert_eq!(
        app.count("SELECT freelist_count FROM pragma_freelist_count()")
            .await,
        0
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_disk_leaves_nothing_and_answers_503() {
    // PostgreSQL's disk cannot be filled from a test; its `disk_full` (53100) takes the same
    // path to a 503 (`platform::error`).
    let app = TestApp::spawn(Backend::Sqlite).await;
    let w = writers(&app).await;
    fill_the_disk(&app).await;
    let before = snapshot(&app).await;
    // A description longer than a page needs an overflow page, which no longer fits.
    let long = "楼道灯不亮，".repeat(300);
    let answers = write_each(&app, &w, &long).await;
    // The transition stores no text; it may still fit in the pages there are.
    let texts = [&answers[0], &answers[1], &answers[3]];
    for res in texts {
        assert_eq!(
            res.status,
            StatusCode::SERVICE_UNAVAILABLE,
            "{}",
            res.text()
        );
        assert!(res.text().contains("本次操作没有生效"), "{}", res.text());
        assert!(res.header("retry-after").is_some());
    }
    let after = snapshot(&app).await;
    assert_eq!(after["cases"], before["cases"]);
    let transitioned = i64::from(answers[2].status == StatusCode::OK);
    assert_eq!(
        after["audit_log"] - before["audit_log"],
        transitioned,
        "only a transition that got through leaves an entry"
    );
    assert_chains_verify(&app).await;
    // Space again: the same writes go through.
    app.exec("PRAGMA max_page_count = 1073741823").await;
    app.exec("DROP TABLE fault_filler").await;
    let answers = write_each(&app, &w, &long).await;
    assert_eq!(
        answers[0].status,
        StatusCode::CREATED,
        "{}",
        answers[0].text()
    );
    assert_eq!(
        answers[1].status,
        StatusCode::CREATED,
        "{}",
        answers[1].text()
    );
    assert_eq!(
        answers[3].status,
        StatusCode::SEE_OTHER,
        "{}",
        answers[3].text()
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM cases").await,
        before["cases"] + 3
    );
    assert_chains_verify(&app).await;
}

both!(
    a_patrol_that_fails_takes_its_new_cases_with_it,
    |app: TestApp| async move {
        // A patrol files its findings as cases; should the patrol itself not be stored, neither
        // are they (they were once committed first, on their own).
        prepare(&app).await;
        let worker = app.token("worker").await;
        match app.backend {
            Backend::Sqlite => {
                app.exec(
                    "CREATE TRIGGER fault_injected BEFORE INSERT ON patrols \
                     BEGIN SELECT RAISE(ABORT, 'injected fault: patrol'); END",
                )
                .await
            }
            Backend::Postgres => {
                app.exec(
                    "CREATE TRIGGER fault_injected BEFORE INSERT ON patrols \
                     FOR EACH ROW EXECUTE FUNCTION fault_raise()",
                )
                .await
            }
        }
        let before = snapshot(&app).await;
        let body = json!({"route": "东区 1—11 号楼", "findings": [
            {"description": "井盖松动", "building_id": 1, "new_case": {"category": "public_facility"}},
            {"description": "路灯不亮", "new_case": {"category": "public_facility"}}]});
        let res = app
            .post("/api/v1/patrols")
            .bearer(&worker)
            .json(&body)
            .send()
            .await;
        assert_eq!(
            res.status,
            StatusCode::INTERNAL_SERVER_ERROR,
            "{}",
            res.text()
        );
        assert_eq!(
            snapshot(&app).await,
            before,
            "nothing of the patrol is left"
        );
        match app.backend {
            Backend::Sqlite => app.exec("DROP TRIGGER fault_injected").await,
            Backend::Postgres => app.exec("DROP TRIGGER fault_injected ON patrols").await,
        }
        let res = app
            .post("/api/v1/patrols")
            .bearer(&worker)
            .json(&body)
            .send()
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.text());
        assert_eq!(
            app.count("SELECT COUNT(*) FROM cases").await,
            before["cases"] + 2
        );
    }
);
