//! Cases: intake on every channel, the lifecycle and its rules, rating, tracking, deadlines in
//! working days, sensitive categories, supervision of overdue cases.

use axum::http::StatusCode;
use serde_json::json;

use crate::both;
use crate::harness::TestApp;

pub fn anon(category: &str, text: &str) -> serde_json::Value {
    json!({"category": category, "description": text, "community_id": 1, "address": "三角线小区3号楼前"})
}

both!(
    anonymous_intake_and_public_tracking,
    |app: TestApp| async move {
        let res = app
            .post("/api/v1/cases")
            .ip("10.5.5.5")
            .json(&anon("public_facility", "路灯坏了，晚上很黑"))
            .send()
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.text());
        let filed = res.json();
        let code = filed["tracking_code"].as_str().unwrap().to_owned();
        assert_eq!(filed["status"], "submitted");
        assert!(
            filed["deadline"]
                .as_str()
                .unwrap()
                .ends_with("T23:59:59+08:00"),
            "{filed}"
        );
        let tracked = app.get(&format!("/api/v1/track/{code}")).send().await;
        assert_eq!(tracked.status, StatusCode::OK);
        let t = tracked.json();
        assert_eq!(t["status"], "submitted");
        assert!(
            t.get("description").is_none() && t.get("contact_phone").is_none(),
            "no personal data: {t}"
        );
        assert_eq!(t["steps"][0]["action"], "submit");
        assert_eq!(
            app.get("/api/v1/track/NOPE-NOPE-NOPE").send().await.status,
            StatusCode::NOT_FOUND
        );
        // Sensitive categories are not for anonymous intake; unknown ones are named.
        let r = app
            .post("/api/v1/cases")
            .ip("10.5.5.6")
            .json(&anon("new_pregnancy", "x"))
            .send()
            .await;
        assert_eq!(r.json()["field"], "category");
        let r = app
            .post("/api/v1/cases")
            .ip("10.5.5.6")
            .json(&anon("ufo", "x"))
            .send()
            .await;
        assert_eq!(r.json()["code"], "cases.unknown_category");
        let long = "很".repeat(40_000);
        let r = app
            .post("/api/v1/cases")
            .ip("10.5.5.6")
            .json(&anon("other", &long))
            .send()
            .await;
        assert_eq!(
            (r.status, r.json()["field"].clone()),
            (StatusCode::UNPROCESSABLE_ENTITY, json!("description"))
        );
        let r = app
            .post("/api/v1/cases")
            .ip("10.5.5.6")
            .json(&json!({"category": "other", "description": "x"}))
            .send()
            .await;
        assert_eq!(r.json()["field"], "community_id");
        // The same case twice in a row is refused, naming the first.
        let twice = app
            .post("/api/v1/cases")
            .ip("10.5.5.5")
            .json(&anon("public_facility", "路灯坏了，晚上很黑"))
            .send()
            .await;
        assert_eq!(twice.status, StatusCode::CONFLICT);
        assert_eq!(
            app.count("SELECT COUNT(*) FROM cases").await,
            1,
            "nothing half-written"
        );
    }
);

both!(
    a_flood_of_anonymous_cases_is_slowed,
    |app: TestApp| async move {
        for i in 0..10 {
            let r = app
                .post("/api/v1/cases")
                .ip("10.6.6.6")
                .json(&anon("environment", &format!("垃圾没人清 {i}")))
                .send()
                .await;
            assert_eq!(r.status, StatusCode::CREATED);
        }
        let r = app
            .post("/api/v1/cases")
            .ip("10.6.6.6")
            .json(&anon("environment", "再来一条"))
            .send()
            .await;
        assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
        assert!(r.header("retry-after").is_some());
        let other = app
            .post("/api/v1/cases")
            .ip("10.6.6.7")
            .json(&anon("environment", "再来一条"))
            .send()
            .await;
        assert_eq!(
            other.status,
            StatusCode::CREATED,
            "another client is not slowed"
        );
    }
);

both!(
    the_lifecycle_answer_rating_and_reopening,
    |app: TestApp| async move {
        let resident = app.token("resident").await;
        let worker = app.token("worker").await;
        let filed = app
            .post("/api/v1/cases")
            .bearer(&resident)
            .json(&json!({"category": "repairs", "description": "楼道灯不亮"}))
            .send()
            .await;
        assert_eq!(filed.status, StatusCode::CREATED, "{}", filed.text());
        let id = filed.json()["id"].as_i64().unwrap();
        let go = |action: serde_json::Value| {
            let app = &app;
            let worker = worker.clone();
            async move {
                app.post(&format!("/api/v1/cases/{id}/transitions"))
                    .bearer(&worker)
                    .json(&action)
                    .send()
                    .await
            }
        };
        // No closing without a reply; no skipping steps.
        assert_eq!(
            go(json!({"action": "close"})).await.status,
            StatusCode::CONFLICT
        );
        assert_eq!(
            go(json!({"action": "reply", "message": "已修好"}))
                .await
                .status,
            StatusCode::CONFLICT
        );
        assert_eq!(go(json!({"action": "accept"})).await.status, StatusCode::OK);
        assert_eq!(
            go(json!({"action": "assign", "assignee": "street"}))
                .await
                .json()["field"],
            "assignee"
        );
        assert_eq!(
            go(json!({"action": "assign", "assignee": "worker"}))
                .await
                .status,
            StatusCode::OK
        );
        assert_eq!(go(json!({"action": "start"})).await.status, StatusCode::OK);
        assert_eq!(
            go(json!({"action": "reply"})).await.json()["field"],
            "message"
        );
        let replied = go(json!({"action": "reply", "message": "已更换灯泡"}))
            .await
            .json();
        assert_eq!(
            (replied["status"].clone(), replied["reply"].clone()),
            (json!("replied"), json!("已更换灯泡"))
        );
        assert_eq!(
            go(json!({"action": "close"})).await.json()["status"],
            "closed"
        );
        // The resident, not the worker, rates it; unsatisfied reopens it once.
        let r = app
            .post(&format!("/api/v1/cases/{id}/feedback"))
            .bearer(&worker)
            .json(&json!({"satisfied": true}))
            .send()
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        let r = app
            .post(&format!("/api/v1/cases/{id}/feedback"))
            .bearer(&resident)
            .json(&json!({"satisfied": false, "comment": "还是不亮"}))
            .send()
            .await;
        assert_eq!(r.json()["status"], "reopened");
        let r = app
            .post(&format!("/api/v1/cases/{id}/feedback"))
            .bearer(&resident)
            .json(&json!({"satisfied": false}))
            .send()
            .await;
        assert_eq!(r.status, StatusCode::CONFLICT, "rated once");
        assert_eq!(
            go(json!({"action": "reply", "message": "更换了线路"}))
                .await
                .status,
            StatusCode::OK
        );
        assert_eq!(go(json!({"action": "close"})).await.status, StatusCode::OK);
        assert_eq!(
            go(json!({"action": "reopen"})).await.status,
            StatusCode::CONFLICT,
            "reopened once only"
        );
        // The resident follows it and is told at each step.
        let mine = app
            .get("/api/v1/cases")
            .bearer(&resident)
            .send()
            .await
            .json();
        assert_eq!(mine["total"], 1);
        let detail = app
            .get(&format!("/api/v1/cases/{id}"))
            .bearer(&resident)
            .send()
            .await
            .json();
        let actions: Vec<&str> = detail["timeline"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["action"].as_str().unwrap())
            .collect();
        assert_eq!(
            actions,
            [
                "submit",
                "accept",
                "assign",
                "start",
                "reply",
                "close",
                "rated_unsatisfied",
                "reply",
                "close"
            ]
        );
        assert!(app.count(&format!("SELECT COUNT(*) FROM outbox WHERE case_id = {id} AND user_id = (SELECT id FROM users WHERE username = 'resident')")).await >= 5);
        // Forged moves: the resident cannot close, another community's staff cannot touch it.
        let r = app
            .post(&format!("/api/v1/cases/{id}/transitions"))
            .bearer(&resident)
            .json(&json!({"action": "reopen"}))
            .send()
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        let street = app.token("street").await;
        let r = app
            .post(&format!("/api/v1/cases/{id}/transitions"))
            .bearer(&street)
            .json(&json!({"action": "reopen"}))
            .send()
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        let bogus = app
            .post(&format!("/api/v1/cases/{id}/transitions"))
            .bearer(&worker)
            .json(&json!({"action": "teleport"}))
            .send()
            .await;
        assert_eq!(bogus.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(app.count(&format!("SELECT COUNT(*) FROM audit_log WHERE object_type = 'case' AND object_id = '{id}' AND action = 'case.transition'")).await, 7);
    }
);
