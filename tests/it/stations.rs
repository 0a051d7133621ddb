//! Issue 21, item 13: the community service station (社区工作站/服务站) as an organisation of
//! the community, with its staff drawn from the community's workers and head (P12), and cases
//! and services assigned to it, the community's own only (P13).

use axum::http::StatusCode;
use serde_json::json;

use crate::both;
use crate::forms::{follow, post, value_of};
use crate::harness::TestApp;

both!(
    the_station_has_its_staff_and_takes_cases_and_services,
    |app: TestApp| async move {
        let worker_id = app
            .count("SELECT id FROM users WHERE username = 'worker'")
            .await;
        let head_id = app
            .count("SELECT id FROM users WHERE username = 'head'")
            .await;
        let mut head = app.login("head").await;
        let page = app.get("/station").browser(&head).send().await;
        assert_eq!(page.select("#no-station").len(), 1);
        let bad = post(
            &app,
            &head,
            "/station",
            &[("name", " "), ("address", "三角线小区 5 号楼底商")],
        )
        .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(bad.select("#station-name-error").len(), 1);
        assert_eq!(
            value_of(&bad, "#station-address").as_deref(),
            Some("三角线小区 5 号楼底商")
        );
        let made = post(
            &app,
            &head,
            "/station",
            &[
                ("name", "三角线社区服务站"),
                ("address", "三角线小区 5 号楼底商"),
                ("hours", "工作日 8:30–17:30"),
            ],
        )
        .await;
        let page = follow(&app, &mut head, &made).await;
        assert_eq!(
            page.select(".flash"),
            vec!["已保存：三角线社区服务站".to_owned()]
        );
        assert_eq!(page.select("h1"), vec!["三角线社区服务站".to_owned()]);

        let (w, h) = (worker_id.to_string(), head_id.to_string());
        let (pw, ph) = (format!("post_{worker_id}"), format!("post_{head_id}"));
        let staffed = post(
            &app,
            &head,
            "/station/staff",
            &[
                ("staff", &w),
                (&pw, "工作人员"),
                ("staff", &h),
                (&ph, "站长"),
            ],
        )
        .await;
        let page = follow(&app, &mut head, &staffed).await;
        assert_eq!(page.select("#station-staff li").len(), 2);
        let token = app.token("head").await;
        let council = app
            .count("SELECT id FROM users WHERE username = 'council'")
            .await;
        let r = app
            .put("/api/v1/station/staff")
            .bearer(&token)
            .json(&json!({"staff": [{"user_id": council, "post": "工作人员"}]}))
            .send()
            .await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "only the community's staff"
        );
        assert_eq!(
            app.count("SELECT COUNT(*) FROM service_station_staff")
                .await,
            2
        );
        let w_token = app.token("worker").await;
        let r = app
            .put("/api/v1/station")
            .bearer(&w_token)
            .json(&json!({"name": "改名"}))
            .send()
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "the head sets it up");

        // A case handed to the station from its desk; a service it delivered.
        let station = app
            .count("SELECT id FROM service_stations WHERE community_id = 1")
            .await;
        let filed = app
            .post("/api/v1/cases")
            .bearer(&w_token)
            .json(&json!({"category": "repairs", "description": "5号楼单元门禁坏了", "community_id": 1}))
            .send()
            .await;
        assert_eq!(filed.status, StatusCode::CREATED, "{}", filed.text());
        let case = filed.json()["id"].as_i64().unwrap();
        let mut worker = app.login("worker").await;
        let desk = app
            .get(&format!("/cases/{case}"))
            .browser(&worker)
            .send()
            .await;
        assert_eq!(desk.select("#station-form").len(), 1);
        let handed = post(
            &app,
            &worker,
            &format!("/cases/{case}/station"),
            &[("station_id", &station.to_string())],
        )
        .await;
        let shown = follow(&app, &mut worker, &handed).await;
        assert_eq!(
            shown.select(".flash"),
            vec!["已交社区服务站办理".to_owned()]
        );
        let r = app
            .put(&format!("/api/v1/cases/{case}/station"))
            .bearer(&w_token)
            .json(&json!({"station_id": 999_999}))
            .send()
            .await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "another community's, or none"
        );
        let svc = app
            .post("/api/v1/services")
            .bearer(&w_token)
            .json(&json!({"kind": "event", "topic": "health", "title": "服务站义诊", "attendance": 30, "station_id": station}))
            .send()
            .await;
        assert_eq!(svc.status, StatusCode::CREATED, "{}", svc.text());
        let s = app
            .get("/api/v1/station")
            .bearer(&w_token)
            .send()
            .await
            .json();
        assert_eq!(s["cases"][0]["id"], case);
        assert_eq!(s["services_this_year"], 1);

        // A closed case stays where it is.
        app.exec(&format!(
            "UPDATE cases SET status = 'closed' WHERE id = {case}"
        ))
        .await;
        let r = app
            .put(&format!("/api/v1/cases/{case}/station"))
            .bearer(&w_token)
            .json(&json!({"station_id": null}))
            .send()
            .await;
        assert_eq!(r.status, StatusCode::CONFLICT);
    }
);
