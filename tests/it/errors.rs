//! One error type, three renderings, in the user's language; the shell's headers; OpenAPI.

use axum::http::StatusCode;
use serde_json::json;

use crate::both;
use crate::harness::TestApp;

both!(unknown_pages_in_each_rendering, |app: TestApp| async move {
    let page = app.get("/no/such/page").send().await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    assert_eq!(page.select("html").len(), 1);
    assert!(
        page.select("h1")[0].starts_with("页面或记录不存在"),
        "{:?}",
        page.select("h1")
    );
    assert_eq!(
        page.html().root_element().value().attr("lang"),
        Some("zh-CN")
    );
    let en = app.get("/no/such/page?lang=en").send().await;
    assert!(en.select("h1")[0].starts_with("No such page or record"));
    assert!(
        en.cookies().iter().any(|c| c.starts_with("lang=en")),
        "the choice is remembered"
    );
    let accept = app
        .get("/no/such/page")
        .header("accept-language", "en-US,en;q=0.9")
        .send()
        .await;
    assert_eq!(
        accept.html().root_element().value().attr("lang"),
        Some("en")
    );
    let api = app.get("/api/v1/nothing").send().await;
    assert_eq!(api.status, StatusCode::NOT_FOUND);
    assert_eq!(
        api.header("content-type").as_deref(),
        Some("application/problem+json")
    );
    assert_eq!(api.json()["status"], 404);
    let o311 = app.get("/open311/v2/nothing.json").send().await;
    assert_eq!(o311.status, StatusCode::NOT_FOUND);
    assert_eq!(o311.json()[0]["code"], 404);
    let o311x = app.get("/open311/v2/nothing.xml").send().await;
    assert!(
        o311x.text().contains("<errors><error><code>404</code>"),
        "{}",
        o311x.text()
    );
});

both!(
    malformed_bodies_are_4xx_naming_the_problem,
    |app: TestApp| async move {
        let broken = app
            .post("/api/v1/auth/token")
            .raw("application/json", "{\"username\": ")
            .send()
            .await;
        assert_eq!(broken.status, StatusCode::BAD_REQUEST);
        assert_eq!(broken.json()["detail"], "JSON 格式错误，无法解析");
        let wrong_type = app
            .post("/api/v1/auth/token")
            .raw("text/plain", "username=head")
            .send()
            .await;
        assert_eq!(wrong_type.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
        let missing = app
            .post("/api/v1/auth/token")
            .json(&json!({"username": "head"}))
            .send()
            .await;
        assert_eq!(missing.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(missing.json()["field"], "password");
        assert!(
            missing.json()["detail"]
                .as_str()
                .unwrap()
                .contains("password")
        );
        let typed = app
            .post("/api/v1/auth/token")
            .json(&json!({"username": 7, "password": "x"}))
            .send()
            .await;
        assert_eq!(typed.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(typed.json()["field"], "username");
        let en = app
            .post("/api/v1/auth/token?lang=en")
            .json(&json!({"username": "head"}))
            .send()
            .await;
        assert_eq!(
            en.json()["detail"],
            "Field \"password\" is missing or has the wrong type"
        );
        let huge = format!(
            "{{\"username\": \"{}\", \"password\": \"x\"}}",
            "x".repeat(2 * 1024 * 1024)
        );
        let big = app
            .post("/api/v1/auth/token")
            .raw("application/json", huge)
            .send()
            .await;
        assert_eq!(big.status, StatusCode::PAYLOAD_TOO_LARGE);
        // None of it wrote anything but the audit of nothing: no login attempts were recorded.
        assert_eq!(app.count("SELECT COUNT(*) FROM login_attempts").await, 0);
    }
);

both!(
    security_headers_on_every_response,
    |app: TestApp| async move {
        for path in [
            "/",
            "/login",
            "/healthz",
            "/nope",
            "/api/v1/me",
            "/static/app.css",
            "/api/openapi.json",
        ] {
            let res = app.get(path).send().await;
            let csp = res.header("content-security-policy").unwrap_or_default();
            assert!(
                csp.contains("frame-ancestors 'none'") && csp.contains("script-src 'self'"),
                "{path}: {csp}"
            );
            assert!(!csp.contains("unsafe-inline"), "{path}");
            assert_eq!(
                res.header("x-content-type-options").as_deref(),
                Some("nosniff"),
                "{path}"
            );
            assert!(res.header("referrer-policy").is_some(), "{path}");
        }
        assert_eq!(app.get("/healthz").send().await.status, StatusCode::OK);
        assert_eq!(
            app.get("/").send().await.header("cache-control").as_deref(),
            Some("no-store")
        );
        assert!(
            app.get("/")
                .send()
                .await
                .header("strict-transport-security")
                .is_none(),
            "no HSTS over plain http"
        );
    }
);

both!(openapi_covers_every_api_route, |app: TestApp| async move {
    let doc = app.get("/api/openapi.json").send().await.json();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    let paths = doc["paths"].as_object().unwrap();
    for p in [
        "/api/v1/auth/token",
        "/api/v1/me",
        "/api/v1/audit",
        "/api/v1/users",
    ] {
        assert!(paths.contains_key(p), "{p} missing from the document");
    }
    // Every documented operation exists in the router: no "no such route" and no 405.
    for (path, ops) in paths {
        let concrete = path.replace("{id}", "1").replace("{file}", "residents.csv");
        for method in ops.as_object().unwrap().keys() {
            let m: axum::http::Method = method.to_uppercase().parse().unwrap();
            let res = app.req(m.clone(), &concrete).send().await;
            let code = serde_json::from_slice::<serde_json::Value>(&res.body)
                .ok()
                .and_then(|v| v["code"].as_str().map(str::to_owned));
            assert!(
                code.as_deref() != Some("error.no_route")
                    && res.status != StatusCode::METHOD_NOT_ALLOWED,
                "{m} {path} is documented but not routed"
            );
        }
    }
    assert_eq!(
        app.get("/api/v1/nothing/here").send().await.json()["code"],
        "error.no_route"
    );
    // And every /api/v1 route in the router is documented: the API router is built from the
    // same annotated handlers as the document (zizhi::app::api), so compare both lists.
    let (_, built) = zizhi::app::api();
    let built: Vec<String> = built.paths.paths.keys().cloned().collect();
    let documented: Vec<String> = paths.keys().cloned().collect();
    assert_eq!(built, documented);
});

both!(
    bad_queries_and_ids_are_answered_in_the_users_language,
    |app: TestApp| async move {
        let token = app.token("head").await;
        let missing = app
            .get("/api/v1/case-categories")
            .bearer(&token)
            .send()
            .await;
        assert!(missing.status.is_client_error(), "{}", missing.status);
        assert_eq!(missing.json()["field"], "community_id");
        assert_eq!(
            missing.json()["detail"],
            "网址中的参数“community_id”缺失或格式不对"
        );
        let typed = app
            .get("/api/v1/cases?page=abc&lang=en")
            .bearer(&token)
            .send()
            .await;
        assert!(typed.status.is_client_error(), "{}", typed.status);
        assert_eq!(typed.json()["field"], "page");
        assert_eq!(
            typed.json()["detail"],
            "The address parameter \"page\" is missing or malformed"
        );
        // A workflow state that does not exist is refused by name, not matched to nothing.
        for path in [
            "/api/v1/meetings?status=done",
            "/api/v1/elections?status=done",
        ] {
            let res = app.get(path).bearer(&token).send().await;
            assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{path}");
            assert_eq!(res.json()["field"], "status", "{path}");
        }
        // An id that is not a number names no record: the same 404 as a missing one.
        let id = app.get("/api/v1/cases/abc").bearer(&token).send().await;
        assert_eq!(id.status, StatusCode::NOT_FOUND);
        assert_eq!(id.json()["code"], "error.not_found");
        let page = app
            .get("/cases/abc")
            .browser(&app.login("head").await)
            .send()
            .await;
        assert_eq!(page.status, StatusCode::NOT_FOUND);
        assert!(page.text().contains("页面或记录不存在"), "{}", page.text());
        // Anonymous writes to the API are refused before the body is read.
        let anon = app
            .post("/api/v1/residents")
            .json(&json!({"name": "张三"}))
            .send()
            .await;
        assert_eq!(anon.status, StatusCode::UNAUTHORIZED);
        assert_eq!(anon.json()["code"], "error.unauthenticated");
    }
);

/// Two types with one OpenAPI name would share one schema in the document (the later silently
/// wins), and clients would be told the wrong shape: each `ToSchema` name must be unique.
#[test]
fn openapi_schema_names_are_unique() {
    fn walk(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(&p, out);
            } else if p.extension().is_some_and(|x| x == "rs") {
                out.push(p);
            }
        }
    }
    let mut files = Vec::new();
    walk(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
        &mut files,
    );
    let mut seen: std::collections::BTreeMap<String, String> = Default::default();
    let mut clashes = Vec::new();
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        for (i, l) in lines.iter().enumerate() {
            if !(l.starts_with("#[derive(") && l.contains("ToSchema")) {
                continue;
            }
            let mut name_as = None;
            for next in &lines[i + 1..] {
                let next = next.trim();
                if let Some(rest) = next.strip_prefix("#[schema(as = ") {
                    name_as = Some(rest.trim_end_matches(")]").to_owned());
                } else if next.starts_with("#[") || next.starts_with("///") {
                    continue;
                } else {
                    let name = next
                        .trim_start_matches("pub ")
                        .trim_start_matches("pub(crate) ")
                        .trim_start_matches("struct ")
                        .trim_start_matches("enum ")
                        .split(|c: char| !c.is_alphanumeric() && c != '_')
                        .next()
                        .unwrap()
                        .to_owned();
                    let name = name_as.clone().unwrap_or(name);
                    let at = format!("{}:{}", f.display(), i + 1);
                    if let Some(first) = seen.insert(name.clone(), at.clone()) {
                        clashes.push(format!("{name}: {first} and {at}"));
                    }
                    break;
                }
            }
        }
    }
    assert!(seen.len() > 100, "found only {} schemas", seen.len());
    assert!(clashes.is_empty(), "{}", clashes.join("\n"));
}
