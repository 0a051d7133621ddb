//! The OpenAPI document as client generators take it (issue 22 item 2): unique operation ids
//! named `<area>_<verb>`, every error answer with its problem+json body, binary uploads as
//! binary, no empty license, and zero errors from `openapi-spec-validator` (PyPI; CI installs
//! it and sets ZIZHI_TEST_OPENAPI_VALIDATOR=1, which makes a missing validator a failure).

use std::collections::HashSet;

use crate::both;
use crate::harness::TestApp;

fn operations(doc: &serde_json::Value) -> Vec<(String, String, serde_json::Value)> {
    let mut out = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            out.push((path.clone(), method.clone(), op.clone()));
        }
    }
    out
}

both!(
    the_document_is_what_generators_need,
    |app: TestApp| async move {
        let doc = app.get("/api/openapi.json").send().await.json();
        let ops = operations(&doc);
        let mut seen = HashSet::new();
        for (path, method, op) in &ops {
            let id = op["operationId"]
                .as_str()
                .unwrap_or_else(|| panic!("{method} {path}: no operationId"));
            assert!(seen.insert(id.to_owned()), "{id} is used twice");
            let area = op["tags"][0].as_str().unwrap();
            assert!(
                id.starts_with(&format!("{area}_")),
                "{id} of {method} {path} is not <area>_<verb>"
            );
            assert!(
                id.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'),
                "{id}"
            );
            for (status, r) in op["responses"].as_object().unwrap() {
                if status.starts_with('4') || status.starts_with('5') {
                    assert!(
                        r["content"]["application/problem+json"]["schema"]["$ref"]
                            == "#/components/schemas/Problem",
                        "{method} {path} {status} has no problem body: {r}"
                    );
                }
            }
            if let Some(content) = op["requestBody"]["content"].as_object() {
                for (media, c) in content {
                    assert!(
                        c["schema"]["type"] != "array" || c["schema"]["items"]["type"] != "integer",
                        "{method} {path}: {media} documented as an array of integers"
                    );
                }
            }
        }
        assert!(ops.len() > 200, "{}", ops.len());
        assert!(
            seen.contains("registry_get_station") && seen.contains("home_get_calendar"),
            "{seen:?}"
        );
        let upload = &doc["paths"]["/api/v1/imports"]["post"]["requestBody"]["content"]["text/csv"]
            ["schema"];
        assert_eq!(upload["type"], "string");
        assert!(
            doc["info"]["license"].is_null()
                || doc["info"]["license"]["name"]
                    .as_str()
                    .is_some_and(|n| !n.is_empty())
        );
        // Workflow states are documented by the words sent, not the Rust names.
        let states = doc["components"]["schemas"]["CaseStatus"]["enum"]
            .as_array()
            .unwrap();
        assert!(
            states.contains(&serde_json::json!("submitted"))
                && states.contains(&serde_json::json!("in_progress")),
            "{states:?}"
        );
        // Links from a create to what can be done with what it made, for clients and the
        // stateful fuzzer: a new case can be read and moved on.
        let links = &doc["paths"]["/api/v1/cases"]["post"]["responses"]["201"]["links"];
        assert_eq!(links["cases_one"]["operationId"], "cases_one", "{links}");
        assert_eq!(
            links["cases_transition"]["parameters"]["id"],
            "$response.body#/id"
        );
        let nested = doc["paths"]["/api/v1/disclosures/{id}/objections"]["post"]["responses"]
            .as_object()
            .unwrap()
            .values()
            .find_map(|r| r["links"].as_object().cloned())
            .expect("links from an objection to its handling");
        assert_eq!(
            nested.values().next().unwrap()["parameters"]["id"],
            "$request.path.id"
        );

        let validator = std::process::Command::new("python3")
            .args(["-c", "import openapi_spec_validator"])
            .output()
            .is_ok_and(|o| o.status.success());
        if !validator {
            assert!(
                std::env::var_os("ZIZHI_TEST_OPENAPI_VALIDATOR").is_none(),
                "the validator is required but missing"
            );
            eprintln!("skipped: openapi-spec-validator is not installed");
            return;
        }
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("openapi.json");
        std::fs::write(&file, serde_json::to_vec(&doc).unwrap()).unwrap();
        let out = std::process::Command::new("python3")
            .args(["-m", "openapi_spec_validator", "--validation-errors", "all"])
            .arg(&file)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
);
