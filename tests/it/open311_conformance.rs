//! Open311 GeoReport v2 as any client expects it (issue 22 item 1): discovery and the service
//! definition in the specification's XML, absolute URLs; well-formed XML whatever was stored;
//! positions stored and returned as filed to the community's key, at building precision to
//! anyone else; empty parameters as absent ones, comma lists, the 90-day span, every error at
//! once; a location required, `jurisdiction_id` honoured, the key in the query; CORS for the
//! configured origins.

use axum::http::{Method, StatusCode};
use proptest::prelude::*;
use serde_json::json;

use crate::both;
use crate::harness::{Backend, TestApp};

const KEY: &str = "demo-open311-key";

/// Parses an answer as XML (strictly: roxmltree refuses anything not well-formed).
fn xml(text: &str) -> roxmltree::Document<'_> {
    roxmltree::Document::parse(text).unwrap_or_else(|e| panic!("not well-formed ({e}): {text}"))
}

fn child<'a>(n: roxmltree::Node<'a, 'a>, name: &str) -> roxmltree::Node<'a, 'a> {
    n.children()
        .find(|c| c.has_tag_name(name))
        .unwrap_or_else(|| panic!("no <{name}> in <{}>", n.tag_name().name()))
}

async fn file(app: &TestApp, fields: &[(&str, &str)]) -> crate::client::Res {
    app.post("/open311/v2/requests.json")
        .form(fields)
        .send()
        .await
}

both!(
    discovery_and_definitions_have_the_specifications_shape,
    |app: TestApp| async move {
        let app = app.with_config(|c| c.public_url = Some("https://zizhi.example.cn".into()));
        let d = app.get("/open311/v2/discovery.xml").send().await;
        let body = d.text();
        let doc = xml(&body);
        let root = doc.root_element();
        assert_eq!(root.tag_name().name(), "discovery");
        let endpoint = child(child(root, "endpoints"), "endpoint");
        assert_eq!(
            child(endpoint, "url").text(),
            Some("https://zizhi.example.cn/open311/v2")
        );
        assert_eq!(child(endpoint, "type").text(), Some("production"));
        let formats: Vec<&str> = child(endpoint, "formats")
            .children()
            .filter(|c| c.has_tag_name("format"))
            .filter_map(|c| c.text())
            .collect();
        assert_eq!(formats, ["text/xml", "application/json"]);
        let j = app.get("/open311/v2/discovery.json").send().await.json();
        assert_eq!(
            j["endpoints"][0]["url"],
            "https://zizhi.example.cn/open311/v2"
        );
        let def = app.get("/open311/v2/services/repairs.xml").send().await;
        let body = def.text();
        let doc = xml(&body);
        assert_eq!(doc.root_element().tag_name().name(), "service_definition");
        assert_eq!(
            child(doc.root_element(), "service_code").text(),
            Some("repairs")
        );
        let services = app.get("/open311/v2/services.xml").send().await;
        let body = services.text();
        assert_eq!(xml(&body).root_element().tag_name().name(), "services");
    }
);

both!(
    positions_are_kept_as_filed_and_shown_by_building_to_anyone_else,
    |app: TestApp| async move {
        app.exec("UPDATE buildings SET lat = 40.8123, lng = 111.6543 WHERE id = 1")
            .await;
        let r = file(
            &app,
            &[
                ("api_key", KEY),
                ("service_code", "repairs"),
                ("description", "2单元门禁坏了"),
                ("address_id", "1"),
                ("address_string", "2单元301室门口"),
                ("lat", "40.81234"),
                ("long", "111.65432"),
            ],
        )
        .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        let id = r.json()[0]["service_request_id"]
            .as_str()
            .unwrap()
            .to_owned();
        let keyed = app
            .get(&format!("/open311/v2/requests/{id}.json?api_key={KEY}"))
            .send()
            .await
            .json();
        assert_eq!(
            (keyed[0]["lat"].as_f64(), keyed[0]["long"].as_f64()),
            (Some(40.81234), Some(111.65432))
        );
        assert_eq!(keyed[0]["address"], "2单元301室门口");
        assert_eq!(keyed[0]["address_id"], "1");
        for path in [
            format!("/open311/v2/requests/{id}.json"),
            format!("/open311/v2/requests.json?service_request_id={id}"),
        ] {
            let anon = app.get(&path).send().await;
            let v = anon.json();
            assert_eq!(
                (v[0]["lat"].as_f64(), v[0]["long"].as_f64()),
                (Some(40.8123), Some(111.6543)),
                "the building's position"
            );
            assert!(
                !anon.text().contains("301") && !anon.text().contains("40.81234"),
                "{v}"
            );
        }
        let anon_xml = app
            .get(&format!("/open311/v2/requests/{id}.xml"))
            .send()
            .await;
        let body = anon_xml.text();
        let doc = xml(&body);
        let req = child(doc.root_element(), "request");
        assert_eq!(child(req, "lat").text(), Some("40.8123"));
        assert!(!anon_xml.text().contains("301"));
        // Stored once, in the case itself.
        assert_eq!(app.count(&format!("SELECT COUNT(*) FROM cases WHERE id = {id} AND building_id = 1 AND lat > 40.812 AND lng < 111.655")).await, 1);
        // Another community's building is refused under the specification's name for it.
        let other = app
            .count("SELECT MIN(id) FROM buildings WHERE community_id <> 1")
            .await;
        let other = other.to_string();
        let r = file(
            &app,
            &[
                ("api_key", KEY),
                ("service_code", "repairs"),
                ("description", "x"),
                ("address_id", &other),
            ],
        )
        .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text());
        assert!(
            r.json()[0]["description"]
                .as_str()
                .unwrap()
                .starts_with("address_id")
        );
    }
);

both!(
    parameters_behave_as_the_specification_says,
    |app: TestApp| async move {
        let r = file(
            &app,
            &[
                ("api_key", KEY),
                ("service_code", "repairs"),
                ("description", "楼道灯不亮"),
                ("address_string", "锦绣苑3号楼"),
            ],
        )
        .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        let all = app.get("/open311/v2/requests.json").send().await.json();
        // Empty is absent, for every optional parameter.
        for empty in [
            "service_code=",
            "start_date=",
            "end_date=",
            "status=",
            "api_key=",
            "jurisdiction_id=",
            "service_request_id=",
        ] {
            let r = app
                .get(&format!("/open311/v2/requests.json?{empty}"))
                .send()
                .await;
            assert_eq!(r.status, StatusCode::OK, "{empty}: {}", r.text());
            assert_eq!(r.json(), all, "{empty}");
        }
        // Comma lists.
        let both = app
            .get("/open311/v2/requests.json?status=open,closed")
            .send()
            .await;
        assert_eq!(both.json(), all);
        let codes = app
            .get("/open311/v2/requests.json?service_code=repairs,public_facility")
            .send()
            .await
            .json();
        assert!(
            codes
                .as_array()
                .unwrap()
                .iter()
                .all(|r| r["service_code"] == "repairs" || r["service_code"] == "public_facility")
        );
        assert!(!codes.as_array().unwrap().is_empty());
        // The 90-day span.
        let r = app.get("/open311/v2/requests.json?start_date=2026-01-01T00:00:00Z&end_date=2026-06-01T00:00:00Z").send().await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text());
        let r = app.get("/open311/v2/requests.json?start_date=2026-03-01T00:00:00Z&end_date=2026-02-01T00:00:00Z").send().await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
        let r = app.get("/open311/v2/requests.json?start_date=2026-01-01T00:00:00Z&end_date=2026-03-01T00:00:00Z").send().await;
        assert_eq!(r.status, StatusCode::OK);
        // Every error at once, each naming its parameter, in both formats.
        let r = app
            .get("/open311/v2/requests.xml?start_date=yesterday&end_date=never&status=maybe")
            .send()
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
        let body = r.text();
        let doc = xml(&body);
        let said: Vec<String> = doc
            .descendants()
            .filter(|n| n.has_tag_name("description"))
            .filter_map(|n| n.text().map(str::to_owned))
            .collect();
        assert_eq!(said.len(), 3, "{said:?}");
        for p in ["start_date", "end_date", "status"] {
            assert!(said.iter().any(|d| d.starts_with(p)), "{p}: {said:?}");
        }
        let r = file(
            &app,
            &[("api_key", KEY), ("lat", "95"), ("description", "")],
        )
        .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
        let errs = r.json();
        let said: Vec<&str> = errs
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["description"].as_str().unwrap())
            .collect();
        for p in ["service_code", "lat", "long", "description"] {
            assert!(said.iter().any(|d| d.starts_with(p)), "{p}: {said:?}");
        }
        // A location is required.
        let before = app.count("SELECT COUNT(*) FROM cases").await;
        let r = file(
            &app,
            &[
                ("api_key", KEY),
                ("service_code", "repairs"),
                ("description", "没有位置"),
            ],
        )
        .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text());
        assert_eq!(app.count("SELECT COUNT(*) FROM cases").await, before);
        // jurisdiction_id on POST: the key's own community, or refused; never filed elsewhere.
        let own = app.text("SELECT code FROM communities WHERE id = 1").await;
        let other = app
            .text("SELECT code FROM communities WHERE id <> 1 ORDER BY id LIMIT 1")
            .await;
        let r = file(
            &app,
            &[
                ("api_key", KEY),
                ("jurisdiction_id", &other),
                ("service_code", "repairs"),
                ("description", "别的社区"),
                ("address_string", "某处"),
            ],
        )
        .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text());
        assert_eq!(app.count("SELECT COUNT(*) FROM cases").await, before);
        let r = file(
            &app,
            &[
                ("api_key", KEY),
                ("jurisdiction_id", &own),
                ("service_code", "repairs"),
                ("description", "本社区"),
                ("address_string", "某处"),
            ],
        )
        .await;
        assert_eq!(r.status, StatusCode::CREATED);
        let r = file(
            &app,
            &[
                ("api_key", KEY),
                ("jurisdiction_id", "nowhere"),
                ("service_code", "repairs"),
                ("description", "x"),
                ("address_string", "某处"),
            ],
        )
        .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        // The key in the query string.
        let r = app
            .post(&format!("/open311/v2/requests.json?api_key={KEY}"))
            .form(&[
                ("service_code", "repairs"),
                ("description", "钥匙在查询串里"),
                ("address_string", "某处"),
            ])
            .send()
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    }
);

both!(
    a_configured_origin_may_call_from_the_browser,
    |app: TestApp| async move {
        let foreign = "https://app.example.cn";
        let pre = app
            .req(Method::OPTIONS, "/open311/v2/requests.json")
            .header("origin", foreign)
            .header("access-control-request-method", "POST")
            .send()
            .await;
        assert!(
            pre.header("access-control-allow-origin").is_none(),
            "not configured: no CORS"
        );
        let refused = app
            .post("/open311/v2/requests.json")
            .header("origin", foreign)
            .form(&[
                ("api_key", KEY),
                ("service_code", "repairs"),
                ("description", "跨站"),
                ("address_string", "某处"),
            ])
            .send()
            .await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN);
        let app = app.with_config(|c| c.open311_cors_origins = vec![foreign.into()]);
        let pre = app
            .req(Method::OPTIONS, "/open311/v2/requests.json")
            .header("origin", foreign)
            .header("access-control-request-method", "POST")
            .send()
            .await;
        assert_eq!(
            pre.header("access-control-allow-origin").as_deref(),
            Some(foreign)
        );
        let ok = app
            .post("/open311/v2/requests.json")
            .header("origin", foreign)
            .form(&[
                ("api_key", KEY),
                ("service_code", "repairs"),
                ("description", "跨站"),
                ("address_string", "某处"),
            ])
            .send()
            .await;
        assert_eq!(ok.status, StatusCode::CREATED, "{}", ok.text());
        assert_eq!(
            ok.header("access-control-allow-origin").as_deref(),
            Some(foreign)
        );
        let get = app
            .get("/open311/v2/services.json")
            .header("origin", "https://evil.example")
            .send()
            .await;
        assert!(
            get.header("access-control-allow-origin").is_none(),
            "other origins get no CORS"
        );
        // The rest of the API keeps refusing other sites.
        let api = app
            .post("/api/v1/cases")
            .header("origin", foreign)
            .json(&json!({"category": "repairs", "description": "x", "community_id": 1}))
            .send()
            .await;
        assert_eq!(api.status, StatusCode::FORBIDDEN);
    }
);

/// Any text stored in a request's fields, control characters included, keeps both formats
/// well-formed for every client.
#[test]
fn any_stored_text_keeps_both_formats_well_formed() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let app = rt.block_on(TestApp::spawn(Backend::Sqlite));
    let text = "(\\PC|[\\x01-\\x1f\\u{7f}\\u{fffe}\\u{ffff}<>&\"'\\]\\]]){1,60}";
    let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig {
        cases: 120,
        failure_persistence: None,
        ..ProptestConfig::default()
    });
    runner
        .run(&(text, text), |(description, address)| {
            rt.block_on(async {
                // Stored directly: whatever any path might have let in.
                let id = app.insert(&format!(
                    "INSERT INTO cases (community_id, building_id, category, sensitive, channel, status, description, address, contact_name, contact_phone, client_ip, tracking_code, deadline, created_at, updated_at) \
                     VALUES (1, 1, 'repairs', 0, 'open311', 'submitted', '{}', '{}', '', '', '', 'FZ' || hex(randomblob(5)), '2099-01-01T00:00:00.000000Z', '{now}', '{now}') RETURNING id",
                    description.replace('\'', "''"), address.replace('\'', "''"), now = zizhi::platform::time::now_db())).await;
                for q in [format!("requests/{id}.xml?api_key={KEY}"), format!("requests.xml?api_key={KEY}&service_request_id={id}"), format!("requests/{id}.xml")] {
                    let r = app.get(&format!("/open311/v2/{q}")).send().await;
                    prop_assert_eq!(r.status, StatusCode::OK);
                    let text = r.text();
                    prop_assert!(roxmltree::Document::parse(&text).is_ok(), "{}", text);
                }
                let j = app.get(&format!("/open311/v2/requests/{id}.json?api_key={KEY}")).send().await;
                let v: serde_json::Value = serde_json::from_slice(&j.body).expect("well-formed JSON");
                prop_assert_eq!(v[0]["description"].as_str(), Some(description.as_str()));
                Ok(())
            })
        })
        .unwrap();
}
