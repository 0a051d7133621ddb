//! The audit log: entries for writes, the hash chain, tampering found, the auditor's API.

use axum::http::{Method, StatusCode};

use crate::both;
use crate::harness::TestApp;

both!(
    logins_and_reads_of_the_log_are_recorded,
    |app: TestApp| async move {
        let before = app.count("SELECT COUNT(*) FROM audit_log").await;
        let token = app.token("auditor").await;
        let _ = app
            .post("/api/v1/auth/token")
            .ip("10.9.9.9")
            .json(&serde_json::json!({"username": "head", "password": "wrong-password"}))
            .send()
            .await;
        let list = app
            .get("/api/v1/audit?action=auth.login&per_page=10")
            .bearer(&token)
            .send()
            .await;
        assert_eq!(list.status, StatusCode::OK);
        let list = list.json();
        assert_eq!(list["total"], 2, "{list}");
        let items = list["items"].as_array().unwrap();
        assert_eq!(items[0]["actor"], "head");
        assert_eq!(items[0]["result"], "failed");
        assert_eq!(items[0]["client_ip"], "10.9.9.9");
        assert!(items[0]["at"].as_str().unwrap().ends_with('Z'));
        assert_eq!(items[1]["result"], "ok");
        // Login, token issue, failed login, and the auditor's read: one entry each.
        assert_eq!(
            app.count("SELECT COUNT(*) FROM audit_log").await,
            before + 4
        );
        let reads = app
            .get("/api/v1/audit?action=audit.read")
            .bearer(&token)
            .send()
            .await
            .json();
        assert_eq!(
            reads["total"], 1,
            "the earlier read of the log was itself recorded"
        );
        assert_eq!(reads["items"][0]["actor"], "auditor");
        let bad = app
            .get("/api/v1/audit?per_page=100000")
            .bearer(&token)
            .send()
            .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(bad.json()["field"], "per_page");
    }
);

both!(
    the_chain_verifies_and_tampering_is_found,
    |app: TestApp| async move {
        let _ = app.token("worker").await;
        let _ = app.token("head").await;
        let report = zizhi::audit::verify(app.db.read()).await.unwrap();
        assert_eq!(report.first_broken, None);
        assert!(report.entries >= 5, "{report:?}");
        app.exec("UPDATE audit_log SET detail = 'nothing happened' WHERE seq = 3")
            .await;
        assert_eq!(
            zizhi::audit::verify(app.db.read())
                .await
                .unwrap()
                .first_broken,
            Some(3)
        );
        app.exec("UPDATE audit_log SET detail = '' WHERE seq = 3")
            .await;
        assert_eq!(
            zizhi::audit::verify(app.db.read())
                .await
                .unwrap()
                .first_broken,
            None,
            "restored"
        );
        let last = app.count("SELECT MAX(seq) FROM audit_log").await;
        app.exec(&format!("DELETE FROM audit_log WHERE seq = {last}"))
            .await;
        assert_eq!(
            zizhi::audit::verify(app.db.read())
                .await
                .unwrap()
                .first_broken,
            Some(last),
            "a removed tail is found"
        );
    }
);

both!(
    the_auditor_cannot_alter_the_log,
    |app: TestApp| async move {
        let token = app.token("auditor").await;
        for method in [Method::POST, Method::PUT, Method::PATCH, Method::DELETE] {
            let res = app
                .req(method.clone(), "/api/v1/audit")
                .bearer(&token)
                .send()
                .await;
            assert_eq!(res.status, StatusCode::METHOD_NOT_ALLOWED, "{method}");
        }
    }
);

both!(
    concurrent_writers_keep_one_chain,
    |app: TestApp| async move {
        let app = std::sync::Arc::new(app);
        let mut tasks = Vec::new();
        for i in 0..16 {
            let app = app.clone();
            tasks.push(tokio::spawn(async move {
                let user = ["head", "worker", "street", "council"][i % 4];
                app.token(user).await
            }));
        }
        for t in tasks {
            t.await.unwrap();
        }
        let report = zizhi::audit::verify(app.db.read()).await.unwrap();
        assert_eq!(report.first_broken, None);
        assert_eq!(
            report.entries,
            app.count("SELECT COUNT(*) FROM audit_log").await
        );
    }
);

both!(
    concurrent_reads_share_commits_and_each_is_recorded_once,
    |app: TestApp| async move {
        // Audited reads arriving together are written in shared transactions: every one
        // answered, every one recorded exactly once, the chain unbroken.
        let token = app.token("worker").await;
        let before = app
            .count("SELECT COUNT(*) FROM audit_log WHERE action = 'registry.read' AND object_type = 'resident_list'")
            .await;
        let before_all = app.count("SELECT COUNT(*) FROM audit_log").await;
        let reads = (0..40).map(|_| {
            let (app, token) = (&app, &token);
            async move {
                app.get("/api/v1/residents?q=%E7%8E%8B")
                    .bearer(token)
                    .send()
                    .await
                    .status
            }
        });
        let statuses = futures_util::future::join_all(reads).await;
        assert!(
            statuses.iter().all(|s| *s == StatusCode::OK),
            "{statuses:?}"
        );
        let after = app
            .count("SELECT COUNT(*) FROM audit_log WHERE action = 'registry.read' AND object_type = 'resident_list'")
            .await;
        assert_eq!(after - before, 40);
        assert_eq!(
            app.count("SELECT COUNT(*) FROM audit_log").await - before_all,
            40
        );
        let report = zizhi::audit::verify(app.db.read()).await.unwrap();
        assert_eq!(report.first_broken, None);
    }
);

both!(
    retention_purges_old_entries_and_keeps_the_chain,
    |app: TestApp| async move {
        use jiff::{SignedDuration, Timestamp};
        use zizhi::audit::{self, Actor, Entry, retention};
        let actor = Actor::operator();
        let write = |e: Entry| {
            let db = app.db.clone();
            let actor = actor.clone();
            async move {
                let mut tx = db.begin().await.unwrap();
                let seq = audit::record(&mut tx, &actor, e).await.unwrap();
                tx.commit().await.unwrap();
                seq
            }
        };
        let first = write(Entry::new("case.submit", "case", 1)).await;
        let sensitive = write(Entry::new("registry.reveal", "resident", 7).sensitive()).await;
        write(Entry::new("case.submit", "case", 2)).await;
        app.exec("INSERT INTO login_attempts (username, client_ip, at, succeeded) VALUES ('head', '10.0.0.1', '2020-01-01T00:00:00Z', 0)")
            .await;
        let before = app.count("SELECT COUNT(*) FROM audit_log").await;
        assert!(before >= 3);

        // Today nothing is old enough but the 2020 login attempt.
        let now = Timestamp::now();
        let p = retention::purge(&app.db, now).await.unwrap();
        assert_eq!((p.login_attempts, p.audit_entries), (1, 0));
        assert_eq!(
            audit::verify(app.db.read()).await.unwrap().first_broken,
            None
        );

        // 200 days on: the ordinary entries before the sensitive read may go; the read stays
        // (3 years), and with it everything after it.
        let later = now + SignedDuration::from_hours(24 * 200);
        let p = retention::purge(&app.db, later).await.unwrap();
        assert_eq!(p.anchor_seq, Some(sensitive - 1));
        assert_eq!(p.audit_entries as i64, sensitive - 1);
        assert_eq!(
            app.count(&format!(
                "SELECT COUNT(*) FROM audit_log WHERE seq <= {first}"
            ))
            .await,
            0
        );
        assert_eq!(
            app.count(&format!(
                "SELECT COUNT(*) FROM audit_log WHERE seq = {sensitive}"
            ))
            .await,
            1
        );
        let report = audit::verify(app.db.read()).await.unwrap();
        assert_eq!(report.first_broken, None, "{report:?}");

        // Four years on, everything but the purge's own entry has gone, and the chain holds.
        let much_later = now + SignedDuration::from_hours(24 * 365 * 4);
        retention::purge(&app.db, much_later).await.unwrap();
        let report = audit::verify(app.db.read()).await.unwrap();
        assert_eq!(report.first_broken, None, "{report:?}");
        assert_eq!(report.entries, 1, "only the purge's own record");
        // New entries chain on from the anchor.
        write(Entry::new("case.submit", "case", 3)).await;
        assert_eq!(
            audit::verify(app.db.read()).await.unwrap().first_broken,
            None
        );
        // Rewriting the anchor is found.
        // (A different first byte: one anchor in 256 already starts with ff.)
        app.exec(
            "UPDATE audit_anchor SET hash = CASE WHEN substr(hash, 1, 2) = 'ff' THEN '00' ELSE 'ff' END || substr(hash, 3) WHERE id = 1",
        )
        .await;
        assert!(
            audit::verify(app.db.read())
                .await
                .unwrap()
                .first_broken
                .is_some()
        );
    }
);

both!(
    reading_an_ordinary_case_is_not_audited_a_sensitive_one_is_each_time,
    |app: TestApp| async move {
        let reads = |id: i64| {
            format!(
                "SELECT COUNT(*) FROM audit_log WHERE action = 'case.read' AND object_id = '{id}'"
            )
        };
        let sensitive_reads = |id: i64| format!("{} AND sensitive = 1", reads(id));
        // An ordinary case: its caller's number masked, nothing sensitive to record.
        let filed = app
            .post("/api/v1/cases")
            .json(&crate::cases::anon("public_facility", "路灯坏了，晚上很黑"))
            .send()
            .await;
        assert_eq!(filed.status, StatusCode::CREATED, "{}", filed.text());
        let ordinary = filed.json()["id"].as_i64().unwrap();
        let worker = app.token("worker").await;
        for _ in 0..2 {
            let r = app
                .get(&format!("/api/v1/cases/{ordinary}"))
                .bearer(&worker)
                .send()
                .await;
            assert_eq!(r.status, StatusCode::OK);
        }
        assert_eq!(app.count(&reads(ordinary)).await, 0);
        // A sensitive one (an instability report): every read is one sensitive entry.
        let sensitive = instability_report(&app, "两户多次争吵").await;
        let head = app.token("head").await;
        for _ in 0..2 {
            let r = app
                .get(&format!("/api/v1/cases/{sensitive}"))
                .bearer(&head)
                .send()
                .await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        }
        assert_eq!(app.count(&sensitive_reads(sensitive)).await, 2);
        assert_eq!(app.count(&reads(sensitive)).await, 2);
    }
);

both!(
    a_list_gives_sensitive_cases_without_their_content_opening_one_is_the_audited_read,
    |app: TestApp| async move {
        let id = instability_report(&app, "两户多次争吵，需要调解").await;
        let lamp = app
            .post("/api/v1/cases")
            .json(&crate::cases::anon("public_facility", "路灯坏了，晚上很黑"))
            .send()
            .await;
        assert_eq!(lamp.status, StatusCode::CREATED, "{}", lamp.text());
        let entries = |action: &str| {
            format!("SELECT COUNT(*) FROM audit_log WHERE action = '{action}' AND sensitive = 1")
        };
        let before = app.count(&entries("case.search")).await;
        let head = app.token("head").await;
        // The list: the case is there, by category and status, without what was said.
        let list = app
            .get("/api/v1/cases?status=submitted&per_page=200")
            .bearer(&head)
            .send()
            .await;
        assert_eq!(list.status, StatusCode::OK);
        let body = list.json();
        let item = body["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["id"] == id)
            .expect("the sensitive case is listed")
            .clone();
        assert_eq!(item["redacted"], true);
        assert_eq!(item["category"], "instability");
        assert_eq!(item["description"], "");
        assert!(!list.text().contains("两户多次争吵"));
        let ordinary = body["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["id"] == lamp.json()["id"])
            .unwrap()
            .clone();
        assert_eq!(
            ordinary["redacted"], false,
            "an ordinary case is listed whole"
        );
        assert_eq!(ordinary["description"], "路灯坏了，晚上很黑");
        // The page says why, and links to the case.
        let b = app.login("head").await;
        let page = app
            .get("/cases?status=submitted&per_page=200")
            .browser(&b)
            .send()
            .await
            .text();
        assert!(!page.contains("两户多次争吵"));
        assert!(page.contains("内容不在列表中显示"), "{page}");
        assert!(page.contains(&format!("href=\"/cases/{id}\"")));
        // Listing read nothing sensitive; opening the case is the read, naming it.
        assert_eq!(app.count(&entries("case.search")).await, before);
        assert_eq!(
            app.count(&format!(
                "SELECT COUNT(*) FROM audit_log WHERE sensitive = 1 AND object_id = '{id}'"
            ))
            .await,
            0
        );
        let one = app
            .get(&format!("/api/v1/cases/{id}"))
            .bearer(&head)
            .send()
            .await;
        assert_eq!(one.json()["description"], "两户多次争吵，需要调解");
        assert_eq!(
            app.count(&format!("SELECT COUNT(*) FROM audit_log WHERE action = 'case.read' AND sensitive = 1 AND object_id = '{id}'")).await,
            1
        );
        // A search by words read the text of what it matched: one audited sensitive read.
        let found = app
            .get("/api/v1/cases?q=%E4%BA%89%E5%90%B5")
            .bearer(&head)
            .send()
            .await
            .json();
        let hit = found["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["id"] == id)
            .unwrap()
            .clone();
        assert_eq!(hit["redacted"], true);
        assert_eq!(app.count(&entries("case.search")).await, before + 1);
        // A search that matched nothing sensitive is no sensitive read.
        app.get("/api/v1/cases?q=%E8%B7%AF%E7%81%AF")
            .bearer(&head)
            .send()
            .await;
        assert_eq!(app.count(&entries("case.search")).await, before + 1);
    }
);

/// A sensitive case (an instability report) filed by the demo building leader; its id.
async fn instability_report(app: &TestApp, text: &str) -> i64 {
    let leader = app.token("leader").await;
    let building = app
        .count("SELECT building_id FROM grants g JOIN users u ON u.id = g.user_id WHERE u.username = 'leader'")
        .await;
    let filed = app
        .post("/api/v1/cases")
        .bearer(&leader)
        .json(&serde_json::json!({"category": "instability", "description": text, "building_id": building}))
        .send()
        .await;
    assert_eq!(filed.status, StatusCode::CREATED, "{}", filed.text());
    filed.json()["id"].as_i64().unwrap()
}
