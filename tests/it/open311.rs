//! Open311 GeoReport v2, checked against the published JSON Schemas (tests/open311/).

use axum::http::StatusCode;

use crate::both;
use crate::harness::TestApp;

/// A schema from tests/open311, with `{"$ref": "x.json"}` replaced by that file's schema.
fn schema(name: &str) -> serde_json::Value {
    fn inline(v: &mut serde_json::Value) {
        match v {
            serde_json::Value::Object(map) => {
                if let Some(serde_json::Value::String(r)) = map.get("$ref").cloned() {
                    map.remove("$ref");
                    let inner = schema(&r);
                    if let serde_json::Value::Object(inner) = inner {
                        for (k, val) in inner {
                            map.entry(k).or_insert(val);
                        }
                    }
                }
                for val in map.values_mut() {
                    inline(val);
                }
            }
            serde_json::Value::Array(items) => items.iter_mut().for_each(inline),
            _ => {}
        }
    }
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/open311")
        .join(name);
    let mut v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    inline(&mut v);
    v
}

fn assert_valid(schema_name: &str, instance: &serde_json::Value) {
    let validator = jsonschema::validator_for(&schema(schema_name)).expect("a valid schema");
    let errors: Vec<String> = validator
        .iter_errors(instance)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{schema_name}: {errors:?}\n{instance}");
}

const KEY: &str = "demo-open311-key";

both!(services_and_definitions, |app: TestApp| async move {
    let res = app.get("/open311/v2/services.json").send().await;
    assert_eq!(res.status, StatusCode::OK);
    let services = res.json();
    assert_valid("services.json", &services);
    let codes: Vec<&str> = services
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["service_code"].as_str().unwrap())
        .collect();
    assert!(codes.contains(&"public_facility") && codes.contains(&"repairs"));
    for hidden in [
        "new_pregnancy",
        "serious_illness",
        "incoming_outsider",
        "instability",
    ] {
        assert!(!codes.contains(&hidden), "{hidden} is never offered");
    }
    let xml = app.get("/open311/v2/services.xml").send().await;
    assert!(xml.header("content-type").unwrap().starts_with("text/xml"));
    assert!(xml.text().contains("<services><service><service_code>"));
    let def = app
        .get("/open311/v2/services/repairs.json")
        .send()
        .await
        .json();
    assert_eq!(def["service_code"], "repairs");
    assert_valid("service-definition.json", &def);
    let missing = app
        .get("/open311/v2/services/new_pregnancy.json")
        .send()
        .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert_eq!(missing.json()[0]["code"], 404);
    let discovery = app.get("/open311/v2/discovery.json").send().await.json();
    assert_eq!(
        discovery["endpoints"][0]["specification"],
        "http://wiki.open311.org/GeoReport_v2"
    );
    assert_eq!(
        app.get("/open311/v2/services.json?jurisdiction_id=150102001001")
            .send()
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        app.get("/open311/v2/services.json?jurisdiction_id=nowhere")
            .send()
            .await
            .status,
        StatusCode::NOT_FOUND
    );
});

both!(
    posting_listing_and_reading_requests,
    |app: TestApp| async move {
        let post = |fields: Vec<(&'static str, &'static str)>, path: &'static str| {
            let app = &app;
            async move { app.post(path).form(&fields).send().await }
        };
        let res = post(
            vec![
                ("api_key", KEY),
                ("service_code", "public_facility"),
                ("description", "健身器材损坏"),
                ("address_string", "锦绣苑东门"),
                ("lat", "40.8"),
                ("long", "111.7"),
            ],
            "/open311/v2/requests.json",
        )
        .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.text());
        let created = res.json();
        let id = created[0]["service_request_id"]
            .as_str()
            .unwrap()
            .to_owned();
        let token = created[0]["token"].as_str().unwrap().to_owned();
        assert_eq!(app.count(&format!("SELECT COUNT(*) FROM cases WHERE id = {id} AND channel = 'open311' AND community_id = 1")).await, 1);
        // Errors with the statuses the specification gives.
        let r = post(
            vec![("service_code", "repairs"), ("description", "x")],
            "/open311/v2/requests.json",
        )
        .await;
        assert_eq!(
            (r.status, r.json()[0]["code"].clone()),
            (StatusCode::FORBIDDEN, serde_json::json!(403))
        );
        let r = post(
            vec![
                ("api_key", "wrong"),
                ("service_code", "repairs"),
                ("description", "x"),
            ],
            "/open311/v2/requests.json",
        )
        .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        let r = post(
            vec![("api_key", KEY), ("description", "x")],
            "/open311/v2/requests.json",
        )
        .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
        let r = post(
            vec![
                ("api_key", KEY),
                ("service_code", "ufo"),
                ("description", "x"),
            ],
            "/open311/v2/requests.json",
        )
        .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        let r = post(
            vec![
                ("api_key", KEY),
                ("service_code", "instability"),
                ("description", "x"),
            ],
            "/open311/v2/requests.json",
        )
        .await;
        assert_eq!(
            r.status,
            StatusCode::NOT_FOUND,
            "sensitive categories are not Open311 services"
        );
        let r = post(
            vec![
                ("api_key", KEY),
                ("service_code", "repairs"),
                ("description", "x"),
                ("lat", "999"),
            ],
            "/open311/v2/requests.xml",
        )
        .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
        assert!(
            r.text().contains("<errors><error><code>400</code>"),
            "{}",
            r.text()
        );
        let r = post(
            vec![
                ("api_key", KEY),
                ("service_code", "repairs"),
                ("description", ""),
            ],
            "/open311/v2/requests.json",
        )
        .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
        // Keys are trusted: no anonymous rate limit for them.
        for i in 0..12 {
            let d: &'static str = Box::leak(format!("第{i}处路灯").into_boxed_str());
            assert_eq!(
                post(
                    vec![
                        ("api_key", KEY),
                        ("service_code", "public_facility"),
                        ("description", d)
                    ],
                    "/open311/v2/requests.json"
                )
                .await
                .status,
                StatusCode::CREATED
            );
        }
        // A sensitive case filed another way never shows in listings.
        let leader = app.token("leader").await;
        app.post("/api/v1/cases")
            .bearer(&leader)
            .json(&serde_json::json!({"category": "serious_illness", "description": "住院"}))
            .send()
            .await;
        let list = app.get("/open311/v2/requests.json").send().await;
        assert_eq!(list.status, StatusCode::OK);
        let list = list.json();
        assert_valid("requests.json", &list);
        assert_eq!(list.as_array().unwrap().len(), 13);
        assert!(
            list.as_array()
                .unwrap()
                .iter()
                .all(|r| r["service_code"] != "serious_illness")
        );
        assert!(
            list[0]["description"].is_null(),
            "descriptions only for the community's key"
        );
        assert!(
            list[0]["expected_datetime"]
                .as_str()
                .unwrap()
                .ends_with("+08:00")
        );
        let keyed = app
            .get(&format!(
                "/open311/v2/requests.json?api_key={KEY}&service_request_id={id}"
            ))
            .send()
            .await
            .json();
        assert_eq!(keyed[0]["description"], "健身器材损坏");
        let one = app
            .get(&format!("/open311/v2/requests/{id}.json"))
            .send()
            .await
            .json();
        assert_valid("requests.json", &one);
        assert_eq!(
            (
                one[0]["status"].clone(),
                one[0]["service_request_id"].clone()
            ),
            (serde_json::json!("open"), serde_json::json!(id))
        );
        let closed = app
            .get("/open311/v2/requests.json?status=closed")
            .send()
            .await
            .json();
        assert_eq!(closed.as_array().unwrap().len(), 0);
        assert_eq!(
            app.get("/open311/v2/requests.json?status=maybe")
                .send()
                .await
                .status,
            StatusCode::BAD_REQUEST
        );
        assert_eq!(
            app.get("/open311/v2/requests.json?start_date=yesterday")
                .send()
                .await
                .status,
            StatusCode::BAD_REQUEST
        );
        let by_token = app
            .get(&format!("/open311/v2/tokens/{token}.json"))
            .send()
            .await
            .json();
        assert_eq!(by_token[0]["service_request_id"], id);
        let xml = app
            .get(&format!("/open311/v2/requests/{id}.xml"))
            .send()
            .await
            .text();
        assert!(
            xml.contains(&format!("<service_request_id>{id}</service_request_id>"))
                && xml.contains("<status>open</status>")
        );
        assert_eq!(
            app.get("/open311/v2/requests/999999.json")
                .send()
                .await
                .status,
            StatusCode::NOT_FOUND
        );
    }
);

#[test]
fn the_schemas_do_refuse_wrong_shapes() {
    let validator = jsonschema::validator_for(&schema("requests.json")).unwrap();
    assert!(
        !validator.is_valid(&serde_json::json!([{"service_request_id": 1, "status": "open"}])),
        "numeric id, missing fields"
    );
    assert!(!validator.is_valid(&serde_json::json!([{"service_request_id": "1", "status": "pending", "service_code": "x", "requested_datetime": "2026-01-01T00:00:00+08:00"}])));
    assert!(validator.is_valid(&serde_json::json!([{"service_request_id": "1", "status": "open", "service_code": "x", "requested_datetime": "2026-01-01T00:00:00+08:00"}])));
}

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
            13
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
