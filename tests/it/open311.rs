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
                ("address_string", "锦绣苑"),
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
                ("address_string", "锦绣苑"),
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
                        ("description", d),
                        ("address_string", "锦绣苑")
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
