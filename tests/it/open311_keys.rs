//! Open311 keys and per-community case categories.

use axum::http::StatusCode;

use crate::both;
use crate::harness::TestApp;

both!(
    keys_and_categories_are_configured_per_community,
    |app: TestApp| async move {
        let head = app.token("head").await;
        let made = app
            .post("/api/v1/open311-keys")
            .bearer(&head)
            .json(&serde_json::json!({"community_id": 1, "label": "市民热线"}))
            .send()
            .await;
        assert_eq!(made.status, StatusCode::CREATED);
        let made = made.json();
        let key = made["api_key"].as_str().unwrap().to_owned();
        let fields = [
            ("api_key", key.as_str()),
            ("service_code", "repairs"),
            ("description", "水管漏水"),
            ("address_string", "锦绣苑5号楼"),
        ];
        assert_eq!(
            app.post("/open311/v2/requests.json")
                .form(&fields)
                .send()
                .await
                .status,
            StatusCode::CREATED
        );
        let list = app
            .get("/api/v1/open311-keys?community_id=1")
            .bearer(&head)
            .send()
            .await
            .json();
        assert_eq!(list["total"], 2);
        assert!(
            !list.to_string().contains(&key),
            "the key is shown once only"
        );
        let id = made["id"].as_i64().unwrap();
        assert_eq!(
            app.req(
                axum::http::Method::DELETE,
                &format!("/api/v1/open311-keys/{id}")
            )
            .bearer(&head)
            .send()
            .await
            .status,
            StatusCode::NO_CONTENT
        );
        assert_eq!(
            app.post("/open311/v2/requests.json")
                .form(&fields)
                .send()
                .await
                .status,
            StatusCode::FORBIDDEN,
            "revoked"
        );
        let worker = app.token("worker").await;
        assert_eq!(
            app.get("/api/v1/open311-keys?community_id=1")
                .bearer(&worker)
                .send()
                .await
                .status,
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            app.get("/api/v1/open311-keys?community_id=2")
                .bearer(&head)
                .send()
                .await
                .status,
            StatusCode::FORBIDDEN
        );
        // Categories: a community sets its own deadline and may stop offering one.
        let set = |code: &'static str, body: serde_json::Value| {
            let (app, head) = (&app, head.clone());
            async move {
                app.req(
                    axum::http::Method::PUT,
                    &format!("/api/v1/case-categories/{code}?community_id=1"),
                )
                .bearer(&head)
                .json(&body)
                .send()
                .await
            }
        };
        let ok = set("repairs", serde_json::json!({"deadline_days": 2, "responsible_role": "community_worker", "public_intake": true, "active": true})).await;
        assert_eq!(ok.status, StatusCode::OK, "{}", ok.text());
        let cats = app
            .get("/api/v1/case-categories?community_id=1")
            .send()
            .await
            .json();
        let repairs = cats["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["code"] == "repairs")
            .unwrap()
            .clone();
        assert_eq!(repairs["deadline_days"], 2);
        let other = app
            .get("/api/v1/case-categories?community_id=2")
            .send()
            .await
            .json();
        assert_eq!(
            other["items"]
                .as_array()
                .unwrap()
                .iter()
                .find(|c| c["code"] == "repairs")
                .unwrap()["deadline_days"],
            5,
            "only community 1 changed"
        );
        assert_eq!(set("other", serde_json::json!({"deadline_days": 5, "responsible_role": "community_worker", "public_intake": true, "active": false})).await.status, StatusCode::OK);
        assert_eq!(
            app.get("/api/v1/case-categories?community_id=1")
                .send()
                .await
                .json()["total"],
            14,
            "fifteen categories (the association's proposals among them), one inactive"
        );
        assert_eq!(set("new_pregnancy", serde_json::json!({"deadline_days": 5, "responsible_role": "community_worker", "public_intake": true, "active": true})).await.json()["field"], "public_intake");
        assert_eq!(set("repairs", serde_json::json!({"deadline_days": 0, "responsible_role": "community_worker", "public_intake": true, "active": true})).await.json()["field"], "deadline_days");
        assert_eq!(set("ufo", serde_json::json!({"deadline_days": 3, "responsible_role": "community_worker", "public_intake": true, "active": true})).await.status, StatusCode::NOT_FOUND);
        let r = app.req(axum::http::Method::PUT, "/api/v1/case-categories/repairs?community_id=1").bearer(&worker)
        .json(&serde_json::json!({"deadline_days": 9, "responsible_role": "community_worker", "public_intake": true, "active": true})).send().await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
    }
);

both!(
    an_operator_set_limit_slows_a_key,
    |app: TestApp| async move {
        let head = app.token("head").await;
        let made = app.post("/api/v1/open311-keys").bearer(&head)
        .json(&serde_json::json!({"community_id": 1, "label": "测试应用", "rate_limit_per_minute": 2})).send().await.json();
        let key = made["api_key"].as_str().unwrap().to_owned();
        for (i, expected) in [
            StatusCode::CREATED,
            StatusCode::CREATED,
            StatusCode::TOO_MANY_REQUESTS,
        ]
        .into_iter()
        .enumerate()
        {
            let d = format!("第{i}条");
            let r = app
                .post("/open311/v2/requests.json")
                .form(&[
                    ("api_key", key.as_str()),
                    ("service_code", "repairs"),
                    ("description", d.as_str()),
                    ("address_string", "锦绣苑"),
                ])
                .send()
                .await;
            assert_eq!(r.status, expected, "{i}");
        }
        let bad = app
            .post("/api/v1/open311-keys")
            .bearer(&head)
            .json(&serde_json::json!({"community_id": 1, "label": "x", "rate_limit_per_minute": 0}))
            .send()
            .await;
        assert_eq!(bad.json()["field"], "rate_limit_per_minute");
    }
);
