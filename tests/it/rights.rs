//! Residents' rights under PIPL (issue 10, item 14): a resident downloads everything held about
//! them; a deletion request is answered by deleting the data where the law allows it (moved out
//! or deceased), and otherwise by locking the record with the reason shown; after a deletion
//! the ID number is gone from the database (on SQLite: from the file and its WAL after a
//! checkpoint).

use axum::http::StatusCode;
use serde_json::json;
use sqlx::Row;

use crate::both;
use crate::harness::{Backend, TestApp};

async fn resident_of(app: &TestApp, username: &str) -> (i64, String, String) {
    let row = sqlx::query(
        "SELECT r.id, r.id_number, r.phone FROM residents r JOIN users u ON u.resident_id = r.id \
         WHERE u.username = $1",
    )
    .bind(username)
    .fetch_one(app.db.read())
    .await
    .unwrap();
    (
        row.try_get("id").unwrap(),
        row.try_get("id_number").unwrap(),
        row.try_get("phone").unwrap(),
    )
}

both!(
    a_resident_downloads_everything_held_about_them,
    |app: TestApp| async move {
        let token = app.token("resident").await;
        let (rid, id_number, _) = resident_of(&app, "resident").await;
        let filed = app
            .post("/api/v1/cases")
            .bearer(&token)
            .json(&json!({"category": "repairs", "description": "楼道灯不亮，导出测试"}))
            .send()
            .await;
        assert_eq!(filed.status, StatusCode::CREATED, "{}", filed.text());
        let asked = app
            .post("/api/v1/me/corrections")
            .bearer(&token)
            .json(&json!({"field": "phone", "message": "手机号已换"}))
            .send()
            .await;
        assert_eq!(asked.status, StatusCode::CREATED);
        let sensitive_before = app
            .count("SELECT COUNT(*) FROM audit_log WHERE action = 'registry.export_own' AND sensitive = 1")
            .await;

        let res = app.get("/api/v1/me/export").bearer(&token).send().await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.text());
        assert!(
            res.header("content-disposition")
                .is_some_and(|d| d.starts_with("attachment; filename=\"zizhi-my-data-"))
        );
        let data = res.json();
        let s = &data["sections"];
        assert_eq!(s["resident"][0]["id"], rid);
        assert_eq!(
            s["resident"][0]["id_number"], id_number,
            "their own, in full"
        );
        assert!(
            s["cases"]
                .as_array()
                .unwrap()
                .iter()
                .any(|c| c["description"] == "楼道灯不亮，导出测试")
        );
        assert_eq!(s["corrections"][0]["message"], "手机号已换");
        assert_eq!(s["account"][0]["username"], "resident");
        assert_eq!(s["household"].as_array().unwrap().len(), 1);
        assert!(!s["api_tokens"].as_array().unwrap().is_empty());
        assert!(!s["sign_ins"].as_array().unwrap().is_empty());
        // Every section is there, even when it has no rows.
        for name in [
            "moves",
            "volunteering",
            "voter_rolls",
            "notifications",
            "erasure_requests",
        ] {
            assert!(s[name].is_array(), "{name}");
        }
        let text = res.text();
        for secret in ["password_hash", "totp_secret", "token_hash", "csrf_token"] {
            assert!(!text.contains(secret), "{secret} is not the person's data");
        }
        assert!(!data["accesses"].as_array().unwrap().is_empty());
        assert_eq!(
            app.count("SELECT COUNT(*) FROM audit_log WHERE action = 'registry.export_own' AND sensitive = 1")
                .await,
            sensitive_before + 1,
            "the export is an audited sensitive read"
        );

        // The page's link gives the same file to the signed-in resident.
        let b = app.login("resident").await;
        let me = app.get("/me").browser(&b).send().await;
        assert_eq!(me.select("a#export"), vec!["下载我的全部信息"]);
        let page = app.get("/me/export").browser(&b).send().await;
        assert_eq!(page.status, StatusCode::OK);
        assert_eq!(page.json()["sections"]["resident"][0]["id"], rid);

        // A building leader's export holds their seats on the bodies.
        let leader = app.token("leader").await;
        let theirs = app
            .get("/api/v1/me/export")
            .bearer(&leader)
            .send()
            .await
            .json();
        assert!(
            !theirs["sections"]["body_memberships"]
                .as_array()
                .unwrap()
                .is_empty()
        );

        // Nobody else's export: staff have no resident record, strangers are not signed in.
        let worker = app.token("worker").await;
        let res = app.get("/api/v1/me/export").bearer(&worker).send().await;
        assert_eq!(res.status, StatusCode::FORBIDDEN);
        let res = app.get("/api/v1/me/export").send().await;
        assert_eq!(res.status, StatusCode::UNAUTHORIZED);
    }
);

both!(
    a_living_residents_record_is_locked_with_the_reason_shown,
    |app: TestApp| async move {
        let token = app.token("resident").await;
        let (rid, _, _) = resident_of(&app, "resident").await;
        let ask = |message: &'static str| {
            let (app, token) = (&app, token.clone());
            async move {
                app.post("/api/v1/me/erasure")
                    .bearer(&token)
                    .json(&json!({ "message": message }))
                    .send()
                    .await
            }
        };
        assert_eq!(ask("x").await.json()["field"], "message");
        let asked = ask("请删除我的全部个人信息").await;
        assert_eq!(asked.status, StatusCode::CREATED, "{}", asked.text());
        let id = asked.json()["id"].as_i64().unwrap();
        assert_eq!(ask("再申请一次").await.status, StatusCode::CONFLICT);

        let head = app.token("head").await;
        let list = app
            .get("/api/v1/erasure-requests")
            .bearer(&head)
            .send()
            .await;
        assert_eq!(list.json()["items"][0]["id"], id);
        assert_eq!(list.json()["items"][0]["status"], "open");
        let decide = |body: serde_json::Value| {
            let (app, head) = (&app, head.clone());
            async move {
                app.post(&format!("/api/v1/erasure-requests/{id}"))
                    .bearer(&head)
                    .json(&body)
                    .send()
                    .await
            }
        };
        let refused = decide(json!({"decision": "erase"})).await;
        assert_eq!(refused.status, StatusCode::CONFLICT);
        assert_eq!(refused.json()["code"], "rights.must_keep");
        assert_eq!(
            decide(json!({"decision": "lock"})).await.json()["field"],
            "reason"
        );
        // Only the community's registry staff answer it (the other communities' too are kept
        // out: `authz::cross_scope` covers the route).
        let leader = app.token("leader").await;
        let other = app
            .post(&format!("/api/v1/erasure-requests/{id}"))
            .bearer(&leader)
            .json(&json!({"decision": "lock", "reason": "依法保存"}))
            .send()
            .await;
        assert_eq!(other.status, StatusCode::FORBIDDEN);
        let reason = "在册居民登记信息依《城乡社区居民委员会组织法》须保存，已封存";
        let locked = decide(json!({"decision": "lock", "reason": reason})).await;
        assert_eq!(locked.status, StatusCode::NO_CONTENT, "{}", locked.text());
        assert_eq!(
            decide(json!({"decision": "lock", "reason": reason}))
                .await
                .status,
            StatusCode::CONFLICT
        );

        // The resident sees the lock and its reason.
        let rec = app
            .get("/api/v1/me/record")
            .bearer(&token)
            .send()
            .await
            .json();
        assert_eq!(rec["resident"]["locked"], true);
        assert_eq!(rec["resident"]["lock_reason"], reason);
        assert_eq!(rec["erasures"][0]["status"], "locked");
        assert_eq!(rec["erasures"][0]["reason"], reason);
        let b = app.login("resident").await;
        let me = app.get("/me").browser(&b).send().await;
        assert!(me.select("#locked-notice")[0].contains(reason));

        // Kept, not processed: out of the lists, no reveal, no edit.
        let worker = app.token("worker").await;
        let name: String = sqlx::query("SELECT name FROM residents WHERE id = $1")
            .bind(rid)
            .fetch_one(app.db.read())
            .await
            .unwrap()
            .try_get(0)
            .unwrap();
        let found = app
            .get(&format!("/api/v1/residents?q={}", urlencoding(&name)))
            .bearer(&worker)
            .send()
            .await
            .json();
        assert!(
            found["items"]
                .as_array()
                .unwrap()
                .iter()
                .all(|r| r["id"] != rid),
            "{found}"
        );
        let reveal = app
            .get(&format!(
                "/api/v1/residents/{rid}?reveal=id_number&reason=%E6%A0%B8%E5%AF%B9"
            ))
            .bearer(&worker)
            .send()
            .await;
        assert_eq!(reveal.status, StatusCode::CONFLICT);
        assert_eq!(reveal.json()["code"], "rights.locked");
        assert_eq!(
            app.count(&format!(
                "SELECT COUNT(*) FROM audit_log WHERE action = 'registry.erasure_decide' AND object_id = '{rid}'"
            ))
            .await,
            1
        );
    }
);

fn urlencoding(s: &str) -> String {
    s.bytes().map(|b| format!("%{b:02X}")).collect()
}

both!(
    a_moved_out_residents_data_is_deleted_to_the_last_byte,
    |app: TestApp| async move {
        let token = app.token("resident").await;
        let (rid, id_number, phone) = resident_of(&app, "resident").await;
        let filed = app
            .post("/api/v1/cases")
            .bearer(&token)
            .json(&json!({"category": "repairs", "description": "删除前提交的诉求"}))
            .send()
            .await;
        assert_eq!(filed.status, StatusCode::CREATED);
        let worker = app.token("worker").await;
        let left = app
            .post(&format!("/api/v1/residents/{rid}/moves"))
            .bearer(&worker)
            .json(&json!({"kind": "move_out", "on_date": "2026-11-01"}))
            .send()
            .await;
        assert!(left.status.is_success(), "{}", left.text());
        let asked = app
            .post("/api/v1/me/erasure")
            .bearer(&token)
            .json(&json!({"message": "已迁出，请删除我的个人信息"}))
            .send()
            .await;
        assert_eq!(asked.status, StatusCode::CREATED, "{}", asked.text());
        let id = asked.json()["id"].as_i64().unwrap();
        if app.backend == Backend::Sqlite {
            // The scan finds what is there: before the deletion, the ID number is in the file.
            assert!(sqlite_files_hold(&app, &id_number).await);
        }
        let head = app.token("head").await;
        let erased = app
            .post(&format!("/api/v1/erasure-requests/{id}"))
            .bearer(&head)
            .json(&json!({"decision": "erase"}))
            .send()
            .await;
        assert_eq!(erased.status, StatusCode::NO_CONTENT, "{}", erased.text());

        // The account is closed; the record keeps its id and nothing personal.
        let after = app.get("/api/v1/me/record").bearer(&token).send().await;
        assert_eq!(after.status, StatusCode::UNAUTHORIZED);
        let row = sqlx::query(
            "SELECT name, id_number, phone, birth_date, erased_at FROM residents WHERE id = $1",
        )
        .bind(rid)
        .fetch_one(app.db.read())
        .await
        .unwrap();
        assert_eq!(row.try_get::<String, _>("name").unwrap(), "");
        assert_eq!(
            row.try_get::<String, _>("id_number").unwrap(),
            format!("erased-{rid}")
        );
        assert!(
            row.try_get::<Option<String>, _>("erased_at")
                .unwrap()
                .is_some()
        );
        assert_eq!(
            app.count("SELECT COUNT(*) FROM cases WHERE contact_phone <> '' AND submitter_user_id = (SELECT id FROM users WHERE username = 'resident')")
                .await,
            0
        );
        let list = app
            .get("/api/v1/erasure-requests")
            .bearer(&head)
            .send()
            .await
            .json();
        assert_eq!(list["items"][0]["status"], "erased");
        assert_eq!(list["items"][0]["resident_name"], "");

        // Not a byte of the ID number left, anywhere.
        match app.backend {
            Backend::Sqlite => {
                for secret in [&id_number, &phone] {
                    assert!(
                        !sqlite_files_hold(&app, secret).await,
                        "{secret} is still there"
                    );
                }
            }
            Backend::Postgres => {
                let tables = app.table_names().await;
                for t in tables {
                    let n = app
                        .count(&format!(
                            "SELECT COUNT(*) FROM {t} x WHERE CAST(row_to_json(x) AS TEXT) LIKE '%{id_number}%'"
                        ))
                        .await;
                    assert_eq!(n, 0, "{id_number} still in {t}");
                }
            }
        }
        // A second answer is refused; the audit log recorded the deletion, not the data.
        let again = app
            .post(&format!("/api/v1/erasure-requests/{id}"))
            .bearer(&head)
            .json(&json!({"decision": "erase"}))
            .send()
            .await;
        assert_eq!(again.status, StatusCode::CONFLICT);
        let report = zizhi::audit::verify(app.db.read()).await.unwrap();
        assert_eq!(report.first_broken, None);
    }
);

/// Whether the SQLite file or its WAL holds `secret`, after a checkpoint from a connection of
/// its own (as SQLite runs one automatically); TRUNCATE also empties the WAL file.
async fn sqlite_files_hold(app: &TestApp, secret: &str) -> bool {
    use sqlx::Connection;
    let dir = &app.config.data_dir;
    let url = zizhi::platform::db::sqlite_url(&dir.join("zizhi.db"));
    let mut conn = sqlx::AnyConnection::connect(&url).await.unwrap();
    let busy: i64 = sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
        .fetch_one(&mut conn)
        .await
        .unwrap()
        .try_get(0)
        .unwrap();
    assert_eq!(busy, 0, "the checkpoint ran to the end");
    conn.close().await.unwrap();
    let file = std::fs::read(dir.join("zizhi.db")).unwrap();
    assert!(file.len() > 100_000);
    let wal = std::fs::read(dir.join("zizhi.db-wal")).unwrap_or_default();
    [file, wal]
        .iter()
        .any(|bytes| bytes.windows(secret.len()).any(|w| w == secret.as_bytes()))
}
