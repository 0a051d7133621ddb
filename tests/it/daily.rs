//! Daily work (M13, M14, M16, M17): notebooks, patrols, visits and coverage, bulletins, services
//! and aid plans.

use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::both;
use crate::harness::TestApp;

pub(crate) async fn post(
    app: &TestApp,
    token: &str,
    path: &str,
    body: Value,
) -> crate::client::Res {
    app.post(path).bearer(token).json(&body).send().await
}

both!(
    a_leader_writes_only_about_their_building,
    |app: TestApp| async move {
        let leader = app.token("leader").await;
        let own = app.count("SELECT r.building_id FROM users u JOIN residents r ON r.id = u.resident_id WHERE u.username = 'leader'").await;
        let other = app.count(&format!("SELECT id FROM buildings WHERE community_id = 1 AND id <> {own} ORDER BY id LIMIT 1")).await;
        let home = app
            .count(&format!(
                "SELECT id FROM households WHERE building_id = {own} ORDER BY id LIMIT 1"
            ))
            .await;
        let away = app
            .count(&format!(
                "SELECT id FROM households WHERE building_id = {other} ORDER BY id LIMIT 1"
            ))
            .await;
        let before = app.count("SELECT COUNT(*) FROM notebook_entries").await;
        let cases = app.count("SELECT COUNT(*) FROM cases").await;
        for (body, field) in [
            (
                json!({"building_id": other, "kind": "work", "body": "别的楼"}),
                None,
            ),
            (
                json!({"building_id": own, "kind": "visit", "body": "没选住户"}),
                Some("household_id"),
            ),
            (
                json!({"building_id": own, "kind": "visit", "body": "别楼住户", "household_id": away}),
                Some("household_id"),
            ),
            (
                json!({"building_id": own, "kind": "work", "body": "明天的事", "entry_date": "2099-01-01"}),
                Some("entry_date"),
            ),
            (
                json!({"building_id": own, "kind": "diary", "body": "x"}),
                Some("kind"),
            ),
            (
                json!({"building_id": own, "kind": "visit", "body": "坏类别", "household_id": home, "new_case": {"category": "nonsense"}}),
                Some("category"),
            ),
        ] {
            let r = post(&app, &leader, "/api/v1/notebooks", body.clone()).await;
            match field {
                None => assert_eq!(r.status, StatusCode::FORBIDDEN, "{body}"),
                Some(f) => {
                    assert_eq!(
                        r.status,
                        StatusCode::UNPROCESSABLE_ENTITY,
                        "{body}: {}",
                        r.text()
                    );
                    assert_eq!(r.json()["field"], f, "{body}");
                }
            }
        }
        assert_eq!(
            app.count("SELECT COUNT(*) FROM notebook_entries").await,
            before,
            "nothing half-written"
        );
        assert_eq!(app.count("SELECT COUNT(*) FROM cases").await, cases);
        let ok = post(
            &app,
            &leader,
            "/api/v1/notebooks",
            json!({"building_id": own, "kind": "visit", "household_id": home,
        "body": "住户反映楼道灯坏了", "new_case": {"category": "repairs"}}),
        )
        .await;
        assert_eq!(ok.status, StatusCode::CREATED, "{}", ok.text());
        let case = ok.json()["case_id"]
            .as_i64()
            .expect("the finding became a case");
        assert_eq!(app.count(&format!("SELECT COUNT(*) FROM cases WHERE id = {case} AND building_id = {own} AND channel = 'quick_report'")).await, 1);
        let mine = app
            .get("/api/v1/notebooks")
            .bearer(&leader)
            .send()
            .await
            .json();
        assert!(
            mine["items"]
                .as_array()
                .unwrap()
                .iter()
                .all(|e| e["building_id"] == own)
        );
        let supervisor = app
            .get("/api/v1/notebooks?kind=visit")
            .bearer(&app.token("supervisor").await)
            .send()
            .await;
        assert_eq!(supervisor.status, StatusCode::OK);
        assert_eq!(
            app.get("/api/v1/notebooks")
                .bearer(&app.token("resident").await)
                .send()
                .await
                .status,
            StatusCode::FORBIDDEN
        );
    }
);

both!(patrols_visits_and_coverage, |app: TestApp| async move {
    let worker = app.token("worker").await;
    let cases = app.count("SELECT COUNT(*) FROM cases").await;
    let patrols = app.count("SELECT COUNT(*) FROM patrols").await;
    let bad = post(&app, &worker, "/api/v1/patrols", json!({"route": "东区", "findings": [{"description": "井盖松动", "new_case": {"category": "nonsense"}}]})).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        (
            app.count("SELECT COUNT(*) FROM patrols").await,
            app.count("SELECT COUNT(*) FROM cases").await
        ),
        (patrols, cases)
    );
    let building = app
        .count("SELECT id FROM buildings WHERE community_id = 1 ORDER BY id LIMIT 1")
        .await;
    let p = post(&app, &worker, "/api/v1/patrols", json!({"route": "东区 1—11 号楼", "summary": "正常",
        "findings": [{"description": "井盖松动", "building_id": building, "new_case": {"category": "public_facility"}}, {"description": "绿地有落叶"}]})).await;
    assert_eq!(p.status, StatusCode::CREATED, "{}", p.text());
    let case = p.json()["findings"][0]["case_id"].as_i64().unwrap();
    assert!(p.json()["findings"][1]["case_id"].is_null());
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM cases WHERE id = {case} AND channel = 'patrol'"
        ))
        .await,
        1
    );

    let household = app
        .count("SELECT id FROM households WHERE community_id = 1 ORDER BY id DESC LIMIT 1")
        .await;
    let v = post(
        &app,
        &worker,
        "/api/v1/visits",
        json!({"household_id": household, "topics": "独居老人冬季取暖",
        "followups": [{"description": "暖气不热", "new_case": {"category": "repairs"}}]}),
    )
    .await;
    assert_eq!(v.status, StatusCode::CREATED, "{}", v.text());
    assert!(v.json()["followups"][0]["case_id"].is_i64());
    let both = post(&app, &worker, "/api/v1/visits", json!({"topics": "x"})).await;
    assert_eq!(both.json()["field"], "household_id");

    // Coverage against a count made here, from the rows.
    let c = app
        .get("/api/v1/visits/coverage")
        .bearer(&app.token("supervisor").await)
        .send()
        .await;
    assert_eq!(c.status, StatusCode::OK, "{}", c.text());
    let c = c.json();
    let (from, to) = {
        let q = c["quarter"].as_str().unwrap();
        let (y, n): (i32, i32) = (q[..4].parse().unwrap(), q[6..].parse().unwrap());
        (
            format!("{y}-{:02}-01", (n - 1) * 3 + 1),
            format!("{y}-{:02}-31", n * 3),
        )
    };
    let visited = app.count(&format!(
        "SELECT COUNT(DISTINCT household_id) FROM (SELECT household_id FROM visits WHERE community_id = 1 AND household_id IS NOT NULL AND visit_date BETWEEN '{from}' AND '{to}' \
         UNION SELECT household_id FROM notebook_entries WHERE community_id = 1 AND kind = 'visit' AND household_id IS NOT NULL AND entry_date BETWEEN '{from}' AND '{to}') v")).await;
    let households = app
        .count("SELECT COUNT(*) FROM households WHERE community_id = 1")
        .await;
    assert_eq!(c["visited"], visited);
    assert_eq!(c["households"], households);
    let by_building: i64 = c["buildings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["visited"].as_i64().unwrap())
        .sum();
    assert_eq!(by_building, visited, "each household is in one building");
    assert!(
        c["workers"].as_array().unwrap().len() >= 2,
        "the worker and the leader"
    );
    assert_eq!(
        app.get("/api/v1/visits/coverage")
            .bearer(&app.token("resident").await)
            .send()
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let page = app
        .get("/visits/coverage")
        .browser(&app.login("head").await)
        .send()
        .await;
    assert_eq!(page.status, StatusCode::OK);
});

both!(
    a_bulletin_is_drafted_edited_and_published,
    |app: TestApp| async move {
        let worker = app.token("worker").await;
        let council = app.token("council").await;
        let d = post(
            &app,
            &worker,
            "/api/v1/bulletins",
            json!({"week": "2025-12-03"}),
        )
        .await;
        assert_eq!(d.status, StatusCode::CREATED, "{}", d.text());
        assert_eq!(d.json()["week_start"], "2025-12-01", "its Monday");
        assert!(d.json()["body"].as_str().unwrap().contains("民情通报"));
        let id = d.json()["id"].as_i64().unwrap();
        assert_eq!(
            post(
                &app,
                &worker,
                "/api/v1/bulletins",
                json!({"week": "2025-12-05"})
            )
            .await
            .status,
            StatusCode::CONFLICT
        );
        let seen = |items: &Value| {
            items["items"]
                .as_array()
                .unwrap()
                .iter()
                .any(|b| b["id"] == id)
        };
        assert!(
            !seen(
                &app.get("/api/v1/bulletins")
                    .bearer(&council)
                    .send()
                    .await
                    .json()
            ),
            "drafts are the staff's"
        );
        let e = app
            .req(axum::http::Method::PUT, &format!("/api/v1/bulletins/{id}"))
            .bearer(&worker)
            .json(&json!({"body": "民情通报：本周重点是供暖。"}))
            .send()
            .await;
        assert_eq!(e.status, StatusCode::OK);
        assert_eq!(
            post(
                &app,
                &worker,
                &format!("/api/v1/bulletins/{id}/publish"),
                json!({})
            )
            .await
            .status,
            StatusCode::OK
        );
        assert!(seen(
            &app.get("/api/v1/bulletins")
                .bearer(&council)
                .send()
                .await
                .json()
        ));
        let late = app
            .req(axum::http::Method::PUT, &format!("/api/v1/bulletins/{id}"))
            .bearer(&worker)
            .json(&json!({"body": "改"}))
            .send()
            .await;
        assert_eq!(late.status, StatusCode::CONFLICT);
    }
);

both!(services_and_aid_plans, |app: TestApp| async move {
    let worker = app.token("worker").await;
    let e = post(
        &app,
        &worker,
        "/api/v1/services",
        json!({"kind": "event", "topic": "health", "title": "义诊", "attendance": 42}),
    )
    .await;
    assert_eq!(e.status, StatusCode::CREATED, "{}", e.text());
    let d = post(
        &app,
        &worker,
        "/api/v1/services",
        json!({"kind": "delivery", "topic": "health", "title": "送药上门"}),
    )
    .await;
    assert_eq!(d.json()["field"], "household_id");
    let household = app
        .count("SELECT id FROM households WHERE community_id = 1 ORDER BY id LIMIT 1")
        .await;
    let audits = app
        .count("SELECT COUNT(*) FROM audit_log WHERE action = 'aid.read' AND sensitive = 1")
        .await;
    let list = app.get("/api/v1/aid-plans").bearer(&worker).send().await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(
        !list.json()["items"].as_array().unwrap().is_empty(),
        "demo plans"
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_log WHERE action = 'aid.read' AND sensitive = 1")
            .await,
        audits + 1,
        "the read is audited"
    );
    assert_eq!(
        app.get("/api/v1/aid-plans")
            .bearer(&app.token("supervisor").await)
            .send()
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.get("/api/v1/aid-plans")
            .bearer(&app.token("sysadmin").await)
            .send()
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let p = post(
        &app,
        &worker,
        "/api/v1/aid-plans",
        json!({"household_id": household, "reason": "户主住院", "plan": "协助申请临时救助"}),
    )
    .await;
    assert_eq!(p.status, StatusCode::CREATED, "{}", p.text());
    let id = p.json()["id"].as_i64().unwrap();
    let a = post(
        &app,
        &worker,
        &format!("/api/v1/aid-plans/{id}/actions"),
        json!({"description": "送慰问金", "amount": "1200.5"}),
    )
    .await;
    assert_eq!(a.json()["total"], "1200.50");
    assert_eq!(
        post(
            &app,
            &worker,
            &format!("/api/v1/aid-plans/{id}/actions"),
            json!({"description": "x", "amount": "abc"})
        )
        .await
        .json()["field"],
        "amount"
    );
    let r = post(
        &app,
        &worker,
        &format!("/api/v1/aid-plans/{id}/review"),
        json!({"review": "已获救助，结束帮扶"}),
    )
    .await;
    assert_eq!(r.json()["status"], "reviewed");
    assert_eq!(
        post(
            &app,
            &worker,
            &format!("/api/v1/aid-plans/{id}/actions"),
            json!({"description": "再送"})
        )
        .await
        .status,
        StatusCode::CONFLICT
    );
});
