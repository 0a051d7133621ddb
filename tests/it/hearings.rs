//! Issue 21, item 12 (M24): hearings, briefings and the deliberation hall open to stationed
//! units as well as residents, with who came recorded (R13); and the staff's training sessions
//! with who attended (K5).

use axum::http::StatusCode;
use serde_json::json;

use crate::both;
use crate::forms::{follow, post};
use crate::harness::TestApp;
use crate::meetings::local;

both!(
    a_hearing_records_the_residents_and_stationed_units_who_came,
    |app: TestApp| async move {
        let head = app.token("head").await;
        let council = app
            .count("SELECT id FROM bodies WHERE kind = 'council' AND community_id = 1")
            .await;
        let schedule = |kind: &str, units: bool| {
            json!({"body_id": council, "kind": kind, "title": "老旧小区加装电梯民情恳谈会",
                   "starts_at": local(-30), "location": "社区议事厅", "open_to_residents": true, "open_to_units": units})
        };
        let r = app
            .post("/api/v1/meetings")
            .bearer(&head)
            .json(&schedule("resident_hearing", true))
            .send()
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        let id = r.json()["id"].as_i64().unwrap();
        let name = app
            .text("SELECT MIN(name) FROM residents WHERE community_id = 1 AND status = 'living' AND name IN \
                   (SELECT name FROM residents WHERE community_id = 1 GROUP BY name HAVING COUNT(*) = 1)")
            .await;
        let unit = app
            .count("SELECT MIN(id) FROM social_units WHERE community_id = 1")
            .await;

        let mut browser = app.login("head").await;
        let page = app
            .get(&format!("/meetings/{id}/guests"))
            .browser(&browser)
            .send()
            .await;
        assert_eq!(page.select("#resident-form").len(), 1);
        assert_eq!(page.select("#unit-form").len(), 1);
        let path = format!("/meetings/{id}/guests");
        let nobody = post(&app, &browser, &path, &[("resident_name", "查无此人")]).await;
        assert_eq!(nobody.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(nobody.select("#resident-resident_name-error").len(), 1);
        let came = post(&app, &browser, &path, &[("resident_name", &name)]).await;
        let shown = follow(&app, &mut browser, &came).await;
        assert_eq!(shown.select(".flash"), vec![format!("已登记：{name}")]);
        let again = post(&app, &browser, &path, &[("resident_name", &name)]).await;
        assert_eq!(again.status, StatusCode::CONFLICT);
        assert_eq!(again.select("#resident-error").len(), 1);
        let unit_came = post(
            &app,
            &browser,
            &path,
            &[("social_unit_id", &unit.to_string())],
        )
        .await;
        let shown = follow(&app, &mut browser, &unit_came).await;
        assert_eq!(shown.select("#guests li").len(), 2);
        assert!(shown.select("#guests li")[1].contains("驻社区单位"));

        // Units only when invited; guests only at hearings, briefings and the hall.
        let closed = app
            .post("/api/v1/meetings")
            .bearer(&head)
            .json(&schedule("community_briefing", false))
            .send()
            .await;
        let closed = closed.json()["id"].as_i64().unwrap();
        let r = app
            .post(&format!("/api/v1/meetings/{closed}/guests"))
            .bearer(&head)
            .json(&json!({"social_unit_id": unit}))
            .send()
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(r.json()["field"], "social_unit_id");
        let monthly = app
            .post("/api/v1/meetings")
            .bearer(&head)
            .json(&schedule("council_monthly", true))
            .send()
            .await;
        assert_eq!(monthly.status, StatusCode::CREATED, "{}", monthly.text());
        let monthly = monthly.json()["id"].as_i64().unwrap();
        let r = app
            .post(&format!("/api/v1/meetings/{monthly}/guests"))
            .bearer(&head)
            .json(&json!({"resident_name": name}))
            .send()
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        let resident = app.token("resident").await;
        let r = app
            .post(&format!("/api/v1/meetings/{id}/guests"))
            .bearer(&resident)
            .json(&json!({"resident_name": name}))
            .send()
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        let list = app
            .get(&format!("/api/v1/meetings/{id}/guests"))
            .bearer(&head)
            .send()
            .await
            .json();
        assert_eq!(list["items"].as_array().unwrap().len(), 2);
    }
);

both!(
    staff_training_records_who_of_the_staff_attended,
    |app: TestApp| async move {
        let worker_id = app
            .count("SELECT id FROM users WHERE username = 'worker'")
            .await;
        let head_id = app
            .count("SELECT id FROM users WHERE username = 'head'")
            .await;
        let mut worker = app.login("worker").await;
        let none = post(
            &app,
            &worker,
            "/trainings",
            &[("topic", "用法律的手段处理问题"), ("held_on", "")],
        )
        .await;
        assert_eq!(none.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(none.select("#training-attended-error").len(), 1);
        assert_eq!(
            crate::forms::value_of(&none, "#training-topic").as_deref(),
            Some("用法律的手段处理问题")
        );
        let done = post(
            &app,
            &worker,
            "/trainings",
            &[
                ("topic", "用法律的手段处理问题"),
                ("trainer", "街道司法所 陈律师"),
                ("held_on", ""),
                ("attended", &worker_id.to_string()),
                ("attended", &head_id.to_string()),
            ],
        )
        .await;
        let page = follow(&app, &mut worker, &done).await;
        assert_eq!(
            page.select(".flash"),
            vec!["已记录学习：用法律的手段处理问题".to_owned()]
        );
        assert!(
            page.select("#staff-sessions li")
                .iter()
                .all(|l| l.contains("1 次")),
            "{:?}",
            page.select("#staff-sessions li")
        );

        let token = app.token("worker").await;
        let council = app
            .count("SELECT id FROM users WHERE username = 'council'")
            .await;
        let r = app
            .post("/api/v1/trainings")
            .bearer(&token)
            .json(&json!({"topic": "群众工作方法", "attended": [worker_id, council]}))
            .send()
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(r.json()["field"], "attended");
        let tomorrow = zizhi::platform::time::today()
            .tomorrow()
            .unwrap()
            .to_string();
        let r = app
            .post("/api/v1/trainings")
            .bearer(&token)
            .json(&json!({"topic": "群众工作方法", "held_on": tomorrow, "attended": [worker_id]}))
            .send()
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        let sup = app.token("supervisor").await;
        let r = app.get("/api/v1/trainings").bearer(&sup).send().await;
        assert_eq!(r.status, StatusCode::OK);
        assert_eq!(r.json()["items"].as_array().unwrap().len(), 1);
        let resident = app.token("resident").await;
        let r = app.get("/api/v1/trainings").bearer(&resident).send().await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
    }
);
