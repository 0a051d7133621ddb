//! Cases, continued: rejection, sensitive categories, supervision, deadlines.

use axum::http::StatusCode;
use serde_json::json;

use crate::both;
use crate::cases::anon;
use crate::harness::TestApp;

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
