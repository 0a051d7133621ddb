//! Issue 21, item 8 (M15): the reception room. A roster of who is on duty by day, walk-in
//! requests recorded against the one on duty (C14), and the online reception room, whose
//! consultations are filed as requests answered like any other.

use axum::http::StatusCode;
use serde_json::json;

use crate::both;
use crate::forms::{follow, post, value_of};
use crate::harness::{Browser, TestApp};

both!(
    walk_ins_count_under_the_one_on_duty_and_the_online_room_files_consultations,
    |app: TestApp| async move {
        let today = zizhi::platform::time::today();
        let mut head = app.login("head").await;
        let page = app.get("/reception/duty").browser(&head).send().await;
        assert_eq!(page.select("#duty-form").len(), 1);

        let yesterday = today.yesterday().unwrap().to_string();
        let past = post(
            &app,
            &head,
            "/reception/duty",
            &[
                ("on_date", &yesterday),
                ("name", "张建国"),
                ("kind", "deputy"),
            ],
        )
        .await;
        assert_eq!(past.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(past.select("#duty-on_date-error").len(), 1);
        assert_eq!(value_of(&past, "#duty-name").as_deref(), Some("张建国"));

        let day = today.to_string();
        let saved = post(
            &app,
            &head,
            "/reception/duty",
            &[("on_date", &day), ("name", "张建国"), ("kind", "deputy")],
        )
        .await;
        let page = follow(&app, &mut head, &saved).await;
        let shown = zizhi::platform::time::show_date(today, zizhi::platform::i18n::Lang::ZhCn);
        assert_eq!(
            page.select(".flash"),
            vec![format!("已安排值班：{shown} 张建国")]
        );
        let again = post(
            &app,
            &head,
            "/reception/duty",
            &[("on_date", &day), ("name", "张建国"), ("kind", "volunteer")],
        )
        .await;
        assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(again.select("#duty-name-error").len(), 1);
        let duty = app
            .count("SELECT id FROM reception_duty WHERE name = '张建国'")
            .await;

        // A walk-in recorded at the reception room counts under the one on duty.
        let worker = app.token("worker").await;
        let r = app
            .post("/api/v1/cases")
            .bearer(&worker)
            .json(&json!({"category": "repairs", "description": "来访反映：2号楼楼顶漏水", "community_id": 1,
                          "channel": "reception", "contact_name": "王大爷"}))
            .send()
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        let id = r.json()["id"].as_i64().unwrap();
        assert_eq!(
            app.count(&format!(
                "SELECT receptionist_id FROM cases WHERE id = {id}"
            ))
            .await,
            duty
        );
        let page = app.get("/reception/duty").browser(&head).send().await;
        assert!(
            page.select("#roster li")[0].contains("接待来访 1"),
            "{:?}",
            page.select("#roster li")
        );

        // Anyone: the week's duty, and an online consultation filed as a request.
        let mut anon = Browser::default();
        let room = app.get("/reception").browser(&anon).send().await;
        assert!(room.select("#this-week li")[0].contains("张建国"));
        let sel = scraper::Selector::parse("#consult").unwrap();
        let href = room
            .html()
            .select(&sel)
            .next()
            .unwrap()
            .value()
            .attr("href")
            .unwrap()
            .to_owned();
        let form = app.get(&href).browser(&anon).send().await;
        anon.absorb(&form);
        anon.csrf = form.csrf().unwrap();
        assert_eq!(form.select("#virtual-reception").len(), 1);
        let filed = post(
            &app,
            &anon,
            "/report",
            &[
                ("category", "policy_question"),
                ("community_id", "1"),
                ("channel", "virtual_reception"),
                ("description", "请问独生子女父母奖励扶助怎么申请？"),
            ],
        )
        .await;
        assert!(
            filed.status.is_success() || filed.status.is_redirection(),
            "{}",
            filed.text()
        );
        assert_eq!(
            app.count("SELECT COUNT(*) FROM cases WHERE channel = 'virtual_reception' AND category = 'policy_question' AND status = 'submitted'").await,
            1
        );

        // The roster in the API: the same rule (today or later), and the walk-in counted.
        let worker = app.token("worker").await;
        let r = app
            .get("/api/v1/reception/duty")
            .bearer(&worker)
            .send()
            .await;
        assert_eq!(r.status, StatusCode::OK);
        assert_eq!(r.json()["items"][0]["walk_ins"], 1);
        let past = app
            .post("/api/v1/reception/duty")
            .bearer(&worker)
            .json(&json!({"on_date": yesterday, "name": "李红", "kind": "volunteer"}))
            .send()
            .await;
        assert_eq!(past.status, StatusCode::UNPROCESSABLE_ENTITY);
        let added = app
            .post("/api/v1/reception/duty")
            .bearer(&worker)
            .json(&json!({"on_date": day, "name": "李红", "kind": "volunteer"}))
            .send()
            .await;
        assert_eq!(added.status, StatusCode::CREATED, "{}", added.text());
        let resident = app.token("resident").await;
        let r = app
            .get("/api/v1/reception/duty")
            .bearer(&resident)
            .send()
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
    }
);
