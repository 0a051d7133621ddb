//! 我的信息, correction requests, and the registry pages.

use axum::http::StatusCode;
use serde_json::json;

use crate::both;
use crate::harness::TestApp;

both!(
    residents_see_their_own_record_and_ask_for_corrections,
    |app: TestApp| async move {
        let resident = app.token("resident").await;
        assert_eq!(
            app.get("/api/v1/residents")
                .bearer(&resident)
                .send()
                .await
                .status,
            StatusCode::FORBIDDEN
        );
        let rid = app
            .count("SELECT resident_id FROM users WHERE username = 'resident'")
            .await;
        assert_eq!(
            app.get(&format!("/api/v1/residents/{rid}"))
                .bearer(&resident)
                .send()
                .await
                .status,
            StatusCode::FORBIDDEN
        );
        // A worker opens the resident's record; the resident then sees who did.
        let worker = app.token("worker").await;
        app.get(&format!("/api/v1/residents/{rid}"))
            .bearer(&worker)
            .send()
            .await;
        let mine = app.get("/api/v1/me/record").bearer(&resident).send().await;
        assert_eq!(mine.status, StatusCode::OK);
        let mine = mine.json();
        assert_eq!(mine["resident"]["id"], rid);
        assert!(
            mine["household"]
                .as_array()
                .unwrap()
                .iter()
                .any(|m| m["id"] == rid)
        );
        assert!(
            mine["accesses"]
                .as_array()
                .unwrap()
                .iter()
                .any(|a| a["actor"] == "worker" && a["object_type"] == "resident"),
            "{mine}"
        );
        let bad = app
            .post("/api/v1/me/corrections")
            .bearer(&resident)
            .json(&json!({"field": "salary", "message": "x"}))
            .send()
            .await;
        assert_eq!(bad.json()["field"], "field");
        let asked = app
            .post("/api/v1/me/corrections")
            .bearer(&resident)
            .json(&json!({"field": "phone", "message": "手机号已换成新号码"}))
            .send()
            .await;
        assert_eq!(asked.status, StatusCode::CREATED);
        let cid = asked.json()["id"].as_i64().unwrap();
        let list = app
            .get("/api/v1/corrections")
            .bearer(&worker)
            .send()
            .await
            .json();
        assert_eq!(list["items"][0]["id"], cid);
        assert_eq!(
            app.get("/api/v1/corrections")
                .bearer(&app.token("leader").await)
                .send()
                .await
                .status,
            StatusCode::FORBIDDEN
        );
        let done = app
            .post(&format!("/api/v1/corrections/{cid}"))
            .bearer(&worker)
            .json(&json!({"status": "done", "reply": "已更新"}))
            .send()
            .await;
        assert_eq!(done.status, StatusCode::NO_CONTENT);
        let twice = app
            .post(&format!("/api/v1/corrections/{cid}"))
            .bearer(&worker)
            .json(&json!({"status": "done", "reply": "已更新"}))
            .send()
            .await;
        assert_eq!(twice.status, StatusCode::CONFLICT);
        let mine = app
            .get("/api/v1/me/record")
            .bearer(&resident)
            .send()
            .await
            .json();
        assert_eq!(mine["corrections"][0]["status"], "done");
        assert_eq!(
            app.get("/api/v1/me/record")
                .bearer(&worker)
                .send()
                .await
                .status,
            StatusCode::FORBIDDEN,
            "staff accounts hold no resident record"
        );
    }
);

both!(
    registry_pages_for_the_worker_and_the_resident,
    |app: TestApp| async move {
        let worker = app.login("worker").await;
        let name: String = {
            use sqlx::Row;
            sqlx::query("SELECT name FROM residents WHERE community_id = 1 ORDER BY id LIMIT 1")
                .fetch_one(app.db.read())
                .await
                .unwrap()
                .try_get("name")
                .unwrap()
        };
        let list = app
            .get(&format!(
                "/residents?q={}",
                zizhi::platform::error::urlencode(&name)
            ))
            .browser(&worker)
            .send()
            .await;
        assert_eq!(list.status, StatusCode::OK);
        assert!(list.select("#residents td a").iter().any(|n| n == &name));
        let first = app
            .count("SELECT MIN(id) FROM residents WHERE community_id = 1")
            .await;
        let page = app
            .get(&format!("/residents/{first}"))
            .browser(&worker)
            .send()
            .await;
        assert_eq!(page.select("h1"), vec![name.clone()]);
        assert!(page.select("#id-number")[0].contains('*'));
        assert_eq!(
            page.select("#reason").len(),
            1,
            "workers may reveal, with a reason"
        );
        let leader = app.login("leader").await;
        let page = app.get("/residents").browser(&leader).send().await;
        assert!(!page.select("#residents tbody tr").is_empty());
        let resident = app.login("resident").await;
        let me = app.get("/me").browser(&resident).send().await;
        assert_eq!(me.status, StatusCode::OK);
        assert!(!me.select("#household li").is_empty());
        let asked = app
            .post("/me/corrections")
            .browser(&resident)
            .form(&[
                ("_csrf", &resident.csrf),
                ("field", "address"),
                ("message", "门牌号应为 302"),
            ])
            .send()
            .await;
        assert_eq!(asked.status, StatusCode::SEE_OTHER);
        let short = app
            .post("/me/corrections")
            .browser(&resident)
            .form(&[
                ("_csrf", &resident.csrf),
                ("field", "address"),
                ("message", "x"),
            ])
            .send()
            .await;
        assert_eq!(short.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(short.select("#correction-error").len(), 1);
        let queue = app.get("/corrections").browser(&worker).send().await;
        assert_eq!(queue.select(".correction").len(), 1);
        assert_eq!(
            app.get("/residents").browser(&resident).send().await.status,
            StatusCode::FORBIDDEN
        );
    }
);
