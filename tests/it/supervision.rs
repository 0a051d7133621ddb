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
            r["reply"], "属于民政部门职责，已告知办理窗口",
            "the reason is the answer"
        );
        assert_eq!(t["status"], "rejected");
        assert!(t.get("reply").is_none(), "the answer is not public: {t}");
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
        zizhi::platform::time::rfc3339_shanghai(deadline(cal, at, 5).0),
        "2026-05-11T23:59:59+08:00"
    );
    // Filed at 01:00 on 1 May in Shanghai (still 30 April in UTC): the day is 1 May.
    let at: jiff::Timestamp = "2026-04-30T17:00:00Z".parse().unwrap();
    assert_eq!(
        zizhi::platform::time::rfc3339_shanghai(deadline(cal, at, 1).0),
        "2026-05-06T23:59:59+08:00"
    );
    let cats = app
        .get("/api/v1/case-categories?community_id=1")
        .send()
        .await
        .json();
    // The eight must-reports, six kinds of request and the association's proposals (M11).
    assert_eq!(cats["total"], 15);
    assert!(
        cats["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["code"] == "instability" && c["sensitive"] == true)
    );
});

both!(statistics_computed_by_hand, |app: TestApp| async move {
    let worker = app.token("worker").await;
    let mut ids = vec![];
    for (i, cat) in ["repairs", "repairs", "environment", "other"]
        .iter()
        .enumerate()
    {
        let r = app
            .post("/api/v1/cases")
            .ip(&format!("10.9.0.{i}"))
            .json(&anon(cat, &format!("第{i}件")))
            .send()
            .await
            .json();
        ids.push(r["id"].as_i64().unwrap());
    }
    let act = |id: i64, body: serde_json::Value| {
        let (app, worker) = (&app, worker.clone());
        async move {
            app.post(&format!("/api/v1/cases/{id}/transitions"))
                .bearer(&worker)
                .json(&body)
                .send()
                .await
        }
    };
    // Two answered (one late), one rejected, one left open and overdue.
    act(ids[0], json!({"action": "accept"})).await;
    act(ids[0], json!({"action": "reply", "message": "已修"})).await;
    act(ids[1], json!({"action": "accept"})).await;
    app.exec(&format!(
        "UPDATE cases SET deadline = '2026-01-01T00:00:00.000000Z' WHERE id = {}",
        ids[1]
    ))
    .await;
    act(ids[1], json!({"action": "reply", "message": "晚了"})).await;
    act(
        ids[2],
        json!({"action": "reject", "reason": "不属于社区职责"}),
    )
    .await;
    app.exec(&format!(
        "UPDATE cases SET deadline = '2026-01-01T00:00:00.000000Z' WHERE id = {}",
        ids[3]
    ))
    .await;
    app.exec(&format!(
        "UPDATE cases SET satisfied = 1 WHERE id = {}",
        ids[0]
    ))
    .await;
    app.exec(&format!(
        "UPDATE cases SET satisfied = 0 WHERE id = {}",
        ids[2]
    ))
    .await;
    let head = app.token("head").await;
    let s = app
        .get("/api/v1/cases/stats?community_id=1")
        .bearer(&head)
        .send()
        .await
        .json();
    assert_eq!(s["total"], 4);
    assert_eq!(s["response_rate"], 0.75, "3 of 4 answered");
    assert!(
        (s["on_time_rate"].as_f64().unwrap() - 0.5).abs() < 1e-9,
        "2 of 4 on time: the overdue unanswered case is late, not left out: {s}"
    );
    assert_eq!(s["satisfaction_rate"], 0.5);
    assert_eq!(s["overdue"], 1);
    let repairs = s["by_category"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["category"] == "repairs")
        .unwrap()
        .clone();
    assert_eq!(
        (
            repairs["total"].as_i64(),
            repairs["answered"].as_i64(),
            repairs["on_time"].as_i64()
        ),
        (Some(2), Some(2), Some(1))
    );
    assert_eq!(s["by_month"][0]["total"], 4);
    let bad = app
        .get("/api/v1/cases/stats?from=2026-12-01&to=2026-01-01")
        .bearer(&head)
        .send()
        .await;
    assert_eq!(bad.json()["field"], "from");
    assert_eq!(
        app.get("/api/v1/cases/stats")
            .bearer(&app.token("resident").await)
            .send()
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let b = app.login("head").await;
    let page = app.get("/dashboard").browser(&b).send().await;
    assert_eq!(page.select("#response-rate"), vec!["75.0%"]);
    assert_eq!(page.select("svg.chart").len(), 2);
    assert_eq!(
        page.select("svg.chart rect").len(),
        3 + 1,
        "three categories, one month"
    );
});

both!(
    reception_entry_and_the_supervision_page,
    |app: TestApp| async move {
        let worker = app.login("worker").await;
        let form = app.get("/report").browser(&worker).send().await;
        assert_eq!(
            form.select("#channel option").len(),
            2,
            "staff choose reception or patrol"
        );
        let sent = app
            .post("/report")
            .browser(&worker)
            .form(&[
                ("_csrf", &worker.csrf),
                ("community_id", "1"),
                ("category", "neighbour_dispute"),
                ("description", "楼上漏水与邻居争执"),
                ("channel", "reception"),
                ("contact_name", "王大爷"),
                ("contact_phone", "13800003333"),
            ])
            .send()
            .await;
        assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.text());
        assert_eq!(
            app.count(
                "SELECT COUNT(*) FROM cases WHERE channel = 'reception' AND contact_name = '王大爷'"
            )
            .await,
            1
        );
        let id = app.count("SELECT MAX(id) FROM cases").await;
        app.exec(&format!(
            "UPDATE cases SET deadline = '2026-01-05T15:59:59.999999Z' WHERE id = {id}"
        ))
        .await;
        zizhi::cases::list::sweep(&app.db).await.unwrap();
        let council = app.login("council").await;
        let page = app.get("/supervision").browser(&council).send().await;
        assert_eq!(page.status, StatusCode::OK);
        assert_eq!(page.select("#supervised li").len(), 1);
        assert!(page.select("#supervised li")[0].contains("超过办理时限"));
        let home = app.get("/").browser(&council).send().await;
        assert!(home.select(".role-card a").iter().any(|a| a == "督办清单"));
        let resident = app.login("resident").await;
        assert_eq!(
            app.get("/supervision")
                .browser(&resident)
                .send()
                .await
                .status,
            StatusCode::FORBIDDEN
        );
    }
);
