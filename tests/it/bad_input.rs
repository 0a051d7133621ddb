//! Input no form would send, found by fuzzing: a page number past any list, and a NUL
//! character, which PostgreSQL cannot store. Refused by name, never a 5xx, nothing stored.

use axum::http::StatusCode;

use crate::both;
use crate::harness::TestApp;

both!(
    a_page_number_past_any_list_is_refused_not_overflowed,
    |app: TestApp| async move {
        // Found by schemathesis: page × per_page overflowed (a panic in a debug build).
        let head = app.token("head").await;
        let auditor = app.token("auditor").await;
        for (path, token) in [
            ("/api/v1/cases?page=368934881474191034", &head),
            ("/api/v1/residents?page=9223372036854775807", &head),
            ("/api/v1/households?page=1000001", &head),
            ("/api/v1/audit?page=368934881474191034", &auditor),
        ] {
            let res = app.get(path).bearer(token).send().await;
            assert_eq!(
                res.status,
                StatusCode::UNPROCESSABLE_ENTITY,
                "{path}: {}",
                res.text()
            );
            assert_eq!(res.json()["field"], "page", "{path}");
            assert!(
                res.json()["detail"].as_str().unwrap().contains("1000000"),
                "{path}"
            );
        }
        let last = app
            .get("/api/v1/cases?page=1000000")
            .bearer(&head)
            .send()
            .await;
        assert_eq!(last.status, StatusCode::OK);
        assert_eq!(last.json()["items"].as_array().unwrap().len(), 0);
    }
);

both!(
    a_nul_character_is_refused_by_name_not_stored,
    |app: TestApp| async move {
        // Found by schemathesis on PostgreSQL, which cannot store U+0000: a 500 from three
        // routes. Every JSON body, query string and form is checked before a handler runs.
        let worker = app.token("worker").await;
        let before = app.count("SELECT COUNT(*) FROM cases").await;
        let json = app
            .post("/api/v1/cases")
            .bearer(&worker)
            .raw(
                "application/json",
                r#"{"category": "repairs", "description": "楼道灯\u0000不亮"}"#,
            )
            .send()
            .await;
        assert_eq!(
            json.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            json.text()
        );
        assert_eq!(json.json()["field"], "description");
        assert!(json.json()["detail"].as_str().unwrap().contains("空字符"));
        let query = app
            .get("/api/v1/cases?category=re%00pairs")
            .bearer(&worker)
            .send()
            .await;
        assert_eq!(query.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(query.json()["field"], "category");
        let resident = app.login("resident").await;
        let form = app
            .post("/report")
            .browser(&resident)
            .form(&[
                ("_csrf", &resident.csrf),
                ("category", "repairs"),
                ("description", "楼道灯\0不亮"),
            ])
            .send()
            .await;
        assert_eq!(form.status, StatusCode::UNPROCESSABLE_ENTITY);
        let open311 = app
            .post("/open311/v2/requests.json")
            .form(&[
                ("api_key", "demo-open311-key"),
                ("service_code", "repairs"),
                ("description", "单元门\0坏了"),
            ])
            .send()
            .await;
        assert_eq!(open311.status, StatusCode::BAD_REQUEST);
        assert_eq!(app.count("SELECT COUNT(*) FROM cases").await, before);
        // An escaped backslash before "u0000" is ordinary text.
        let text = app
            .post("/api/v1/cases")
            .bearer(&worker)
            .raw(
                "application/json",
                r#"{"category": "repairs", "building_id": 1, "description": "路径 C:\\u0000 不是空字符"}"#,
            )
            .send()
            .await;
        assert_eq!(text.status, StatusCode::CREATED, "{}", text.text());
    }
);

both!(
    a_day_out_of_range_is_refused_by_name,
    |app: TestApp| async move {
        // Found by the probe: 9999-12-31 has no next day, and the statistics answered 500.
        let head = app.token("head").await;
        for (path, field) in [
            ("/api/v1/cases/stats?to=9999-12-31", "to"),
            ("/api/v1/cases/stats?from=0001-01-01", "from"),
            ("/api/v1/meetings?to=9999-12-31", "to"),
            ("/api/v1/notebooks?from=9999-12-31", "from"),
        ] {
            let r = app.get(path).bearer(&head).send().await;
            assert_eq!(
                r.status,
                StatusCode::UNPROCESSABLE_ENTITY,
                "{path}: {}",
                r.text()
            );
            assert_eq!(r.json()["field"], field, "{path}");
            assert!(
                r.json()["detail"].as_str().unwrap().contains("2199"),
                "{path}: {}",
                r.text()
            );
        }
        let b = app.login("head").await;
        let page = app.get("/dashboard?to=9999-12-31").browser(&b).send().await;
        assert_eq!(
            page.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            page.text()
        );
        assert!(page.text().contains("2199"));
    }
);

both!(
    a_number_or_choice_on_a_form_is_read_or_refused_by_name_never_dropped,
    |app: TestApp| async move {
        // Issue 19: `.parse().ok()` dropped a mistyped box silently (`platform::input`).
        let head = app.token("head").await;
        let council = app
            .count("SELECT id FROM bodies WHERE kind = 'council' AND community_id = 1")
            .await;
        let starts = jiff::Timestamp::now()
            .checked_sub(jiff::SignedDuration::from_mins(5))
            .unwrap()
            .to_string();
        let m = app
            .post("/api/v1/meetings")
            .bearer(&head)
            .json(
                &serde_json::json!({"body_id": council, "kind": "ad_hoc", "title": "临时会议",
                "starts_at": starts, "location": "社区"}),
            )
            .send()
            .await;
        assert_eq!(m.status, StatusCode::CREATED, "{}", m.text());
        let meeting = m.json()["id"].as_i64().unwrap();
        let member = m.json()["attendance"]["items"][0]["member_id"]
            .as_i64()
            .unwrap()
            .to_string();
        let b = app.login("head").await;
        let res = app
            .post(&format!("/meetings/{meeting}/attendance"))
            .browser(&b)
            .form(&[("_csrf", &b.csrf), ("present", &member), ("present", "3x")])
            .send()
            .await;
        assert_eq!(
            res.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            res.text()
        );
        assert!(res.text().contains("请填写正确的编号"), "{}", res.text());
        assert_eq!(
            app.count(&format!(
                "SELECT COUNT(*) FROM meeting_attendance WHERE meeting_id = {meeting} AND status <> 'invited'"
            ))
            .await,
            0,
            "the good box is not recorded without the bad one"
        );

        let r = app.login("resident").await;
        let rate = app
            .post("/cases/1/rate")
            .browser(&r)
            .form(&[("_csrf", &r.csrf), ("satisfied", "maybe")])
            .send()
            .await;
        assert_eq!(rate.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(rate.text().contains("请选择“是”或“否”"), "{}", rate.text());
    }
);
