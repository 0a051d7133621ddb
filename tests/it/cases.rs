//! Cases: intake on every channel, the lifecycle and its rules, rating, tracking, deadlines in
//! working days, sensitive categories, supervision of overdue cases.

use axum::http::StatusCode;
use serde_json::json;

use crate::both;
use crate::harness::TestApp;

fn anon(category: &str, text: &str) -> serde_json::Value {
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

both!(
    rejection_needs_a_reason_and_is_the_answer,
    |app: TestApp| async move {
        let filed = app
            .post("/api/v1/cases")
            .ip("10.7.7.7")
            .json(&anon("policy_question", "低保怎么申请"))
            .send()
            .await
            .json();
        let id = filed["id"].as_i64().unwrap();
        let head = app.token("head").await;
        let r = app
            .post(&format!("/api/v1/cases/{id}/transitions"))
            .bearer(&head)
            .json(&json!({"action": "reject"}))
            .send()
            .await;
        assert_eq!(r.json()["field"], "reason");
        let r = app
            .post(&format!("/api/v1/cases/{id}/transitions"))
            .bearer(&head)
            .json(&json!({"action": "reject", "reason": "属于民政部门职责，已告知办理窗口"}))
            .send()
            .await
            .json();
        assert_eq!(r["status"], "rejected");
        let t = app
            .get(&format!(
                "/api/v1/track/{}",
                filed["tracking_code"].as_str().unwrap()
            ))
            .send()
            .await
            .json();
        assert_eq!(
            t["reply"], "属于民政部门职责，已告知办理窗口",
            "the reason is the answer"
        );
    }
);

both!(
    sensitive_reports_are_seen_only_by_those_who_need_them,
    |app: TestApp| async move {
        let leader = app.token("leader").await;
        let r = app
            .post("/api/v1/cases")
            .bearer(&leader)
            .json(&json!({"category": "new_pregnancy", "description": "3单元新增孕妇一名"}))
            .send()
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        let id = r.json()["id"].as_i64().unwrap();
        assert_eq!(app.count(&format!("SELECT COUNT(*) FROM cases WHERE id = {id} AND channel = 'quick_report' AND sensitive = 1")).await, 1);
        let worker = app.token("worker").await;
        let list = app.get("/api/v1/cases").bearer(&worker).send().await.json();
        assert!(
            list["items"]
                .as_array()
                .unwrap()
                .iter()
                .any(|c| c["id"] == id)
        );
        let street = app.token("street").await;
        let list = app.get("/api/v1/cases").bearer(&street).send().await.json();
        assert!(
            !list["items"]
                .as_array()
                .unwrap()
                .iter()
                .any(|c| c["id"] == id),
            "the street office does not see pregnancies"
        );
        assert_eq!(
            app.get(&format!("/api/v1/cases/{id}"))
                .bearer(&street)
                .send()
                .await
                .status,
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            app.get(&format!("/api/v1/cases/{id}"))
                .bearer(&worker)
                .send()
                .await
                .status,
            StatusCode::OK
        );
        assert!(app.count(&format!("SELECT COUNT(*) FROM audit_log WHERE action = 'case.read' AND object_id = '{id}' AND sensitive = 1")).await >= 1);
        // The leader follows their own report.
        assert_eq!(
            app.get(&format!("/api/v1/cases/{id}"))
                .bearer(&leader)
                .send()
                .await
                .status,
            StatusCode::OK
        );
        assert_eq!(
            app.post("/api/v1/cases")
                .bearer(&app.token("sysadmin").await)
                .json(&json!({"category": "other", "description": "x", "community_id": 1}))
                .send()
                .await
                .status,
            StatusCode::FORBIDDEN
        );
    }
);

both!(
    overdue_cases_go_on_the_supervision_list_once,
    |app: TestApp| async move {
        let filed = app
            .post("/api/v1/cases")
            .ip("10.8.8.8")
            .json(&anon("safety_hazard", "井盖松动"))
            .send()
            .await
            .json();
        let id = filed["id"].as_i64().unwrap();
        app.exec(&format!(
            "UPDATE cases SET deadline = '2026-01-05T15:59:59.999999Z' WHERE id = {id}"
        ))
        .await;
        let worker = app.token("worker").await;
        let overdue = app
            .get("/api/v1/cases?overdue=true")
            .bearer(&worker)
            .send()
            .await
            .json();
        assert_eq!(overdue["total"], 1);
        assert_eq!(overdue["items"][0]["overdue"], true);
        assert_eq!(zizhi::cases::list::sweep(&app.db).await.unwrap(), 1);
        assert_eq!(zizhi::cases::list::sweep(&app.db).await.unwrap(), 0, "once");
        for user in ["head", "council", "supervisor", "street"] {
            let list = app
                .get("/api/v1/supervision")
                .bearer(&app.token(user).await)
                .send()
                .await;
            assert_eq!(list.status, StatusCode::OK, "{user}");
            assert_eq!(list.json()["items"][0]["id"], id, "{user}");
        }
        assert_eq!(
            app.get("/api/v1/supervision")
                .bearer(&worker)
                .send()
                .await
                .status,
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            app.count(&format!(
                "SELECT COUNT(*) FROM outbox WHERE kind = 'supervise' AND case_id = {id}"
            ))
            .await,
            1,
            "the head is told"
        );
        let supervised = app
            .get("/api/v1/cases?supervised=true")
            .bearer(&worker)
            .send()
            .await
            .json();
        assert_eq!(supervised["total"], 1);
    }
);

both!(deadlines_count_working_days, |app: TestApp| async move {
    use zizhi::cases::store::deadline;
    use zizhi::platform::calendar::Calendar;
    let cal = Calendar::builtin();
    // Filed on Thursday 30 April 2026 at 22:00 in Shanghai, 5 working days: Monday 11 May.
    let at: jiff::Timestamp = "2026-04-30T14:00:00Z".parse().unwrap();
    assert_eq!(
        zizhi::platform::time::rfc3339_shanghai(deadline(cal, at, 5)),
        "2026-05-11T23:59:59+08:00"
    );
    // Filed at 01:00 on 1 May in Shanghai (still 30 April in UTC): the day is 1 May.
    let at: jiff::Timestamp = "2026-04-30T17:00:00Z".parse().unwrap();
    assert_eq!(
        zizhi::platform::time::rfc3339_shanghai(deadline(cal, at, 1)),
        "2026-05-06T23:59:59+08:00"
    );
    let cats = app
        .get("/api/v1/case-categories?community_id=1")
        .send()
        .await
        .json();
    assert_eq!(cats["total"], 14);
    assert!(
        cats["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["code"] == "instability" && c["sensitive"] == true)
    );
});
