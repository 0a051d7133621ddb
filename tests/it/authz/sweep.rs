//! The sweep's parts: the routes (the API from its OpenAPI document, pages and Open311 from the
//! router's source), the personas, sending a request as one, and reading the answer.

use axum::http::{Method, StatusCode, header};

use super::ids::one;
use crate::client::{Browser, Res};
use crate::harness::TestApp;

pub const PERSONAS: &[&str] = &[
    "anonymous",
    "resident",
    "leader",
    "council",
    "supervisor",
    "worker",
    "head",
    "street",
    "auditor",
    "sysadmin",
    "head2",
    "leader_b2",
];

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Route {
    pub method: String,
    pub path: String,
}

impl Route {
    fn is_api(&self) -> bool {
        self.path.starts_with("/api/")
    }
    pub fn is_write(&self) -> bool {
        self.method != "GET"
    }
    /// Routes that end the caller's own session or token go last.
    pub fn ends_session(&self) -> bool {
        self.path == "/logout" || (self.path == "/api/v1/auth/token" && self.method == "DELETE")
    }
}

/// `.route("PATH", get(…).post(…))` calls in a router's source, with Open311's `{ext}` paths
/// expanded to json and xml.
fn routes_in_source(src: &str) -> Vec<Route> {
    let mut out = Vec::new();
    let mut rest = src;
    while let Some(i) = rest.find(".route(") {
        rest = &rest[i + ".route(".len()..];
        let open = rest.find('"').expect("a path literal");
        let close = open + 1 + rest[open + 1..].find('"').unwrap();
        let path = &rest[open + 1..close];
        // The method router: up to the parenthesis that closes `.route(`.
        let mut depth = 1;
        let mut end = 0;
        for (j, c) in rest.char_indices() {
            match c {
                '(' => depth += 1,
                ')' => {
                    depth -= 1;
                    if depth == 0 {
                        end = j;
                        break;
                    }
                }
                _ => {}
            }
        }
        let methods = &rest[close..end];
        let paths: Vec<String> = if path.contains("{ext}") {
            ["json", "xml"]
                .iter()
                .map(|e| path.replace("{ext}", e))
                .collect()
        } else {
            vec![path.to_owned()]
        };
        for m in ["get", "post", "put", "delete", "patch"] {
            let called = methods.match_indices(&format!("{m}(")).any(|(k, _)| {
                k == 0
                    || !methods.as_bytes()[k - 1].is_ascii_alphanumeric()
                        && methods.as_bytes()[k - 1] != b'_'
            });
            if called {
                for p in &paths {
                    out.push(Route {
                        method: m.to_uppercase(),
                        path: p.clone(),
                    });
                }
            }
        }
        rest = &rest[end..];
    }
    out
}

/// Every route the application serves.
pub async fn all_routes(app: &TestApp) -> Vec<Route> {
    // Pages are routed by each area (`pub fn pages()`), Open311 by its own router, the
    // kernel's few by app.rs: every `.route(` in the source.
    let mut routes = Vec::new();
    let mut dirs = vec![std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src")];
    while let Some(dir) = dirs.pop() {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                dirs.push(p);
            } else if p.extension().is_some_and(|x| x == "rs") {
                routes.extend(routes_in_source(&std::fs::read_to_string(&p).unwrap()));
            }
        }
    }
    let doc = app.get("/api/openapi.json").send().await.json();
    for (path, ops) in doc["paths"].as_object().unwrap() {
        for m in ops.as_object().unwrap().keys() {
            if ["get", "post", "put", "delete", "patch"].contains(&m.as_str()) {
                routes.push(Route {
                    method: m.to_uppercase(),
                    path: path.clone(),
                });
            }
        }
    }
    routes.sort();
    routes.dedup();
    assert!(routes.len() > 200, "found only {} routes", routes.len());
    routes
}

/// Who is asking: a bearer token for the API, a signed-in browser for pages.
pub struct Persona {
    pub name: &'static str,
    pub token: Option<String>,
    pub browser: Browser,
}

pub async fn personas(app: &TestApp) -> Vec<Persona> {
    // The building leader of another building of community 1.
    let other = one(
        app,
        "SELECT MIN(id) FROM buildings WHERE id <> 1 AND compound_id IN \
         (SELECT id FROM compounds WHERE community_id = 1)",
    )
    .await;
    let now = zizhi::platform::time::to_db(zizhi::platform::time::now());
    let id = app
        .insert(&format!(
            "INSERT INTO users (username, display_name, password_hash, disabled, created_at, password_changed_at) \
             SELECT 'leader_b2', '另一栋楼长', password_hash, 0, '{now}', '{now}' FROM users WHERE username = 'leader' RETURNING id"
        ))
        .await;
    app.exec(&format!(
        "INSERT INTO grants (user_id, role, building_id, valid_from, created_at) \
         VALUES ({id}, 'building_leader', {other}, '2026-01-01', '{now}')"
    ))
    .await;
    let mut out = Vec::new();
    for name in PERSONAS {
        if *name == "anonymous" {
            out.push(Persona {
                name,
                token: None,
                browser: Browser::default(),
            });
        } else {
            out.push(Persona {
                name,
                token: Some(app.token(name).await),
                browser: app.login(name).await,
            });
        }
    }
    out
}

pub async fn send(app: &TestApp, p: &Persona, route: &Route, path: &str) -> Res {
    let method = Method::from_bytes(route.method.as_bytes()).unwrap();
    let req = app.req(method, path);
    if route.is_api() || path.starts_with("/open311") {
        let req = match &p.token {
            Some(t) => req.bearer(t),
            None => req,
        };
        if route.is_write() {
            req.json(&serde_json::json!({})).send().await
        } else {
            req.send().await
        }
    } else {
        let req = req.browser(&p.browser);
        if route.is_write() {
            req.form(&[("_csrf", p.browser.csrf.as_str())]).send().await
        } else {
            req.send().await
        }
    }
}

pub fn mark(res: &Res) -> char {
    let s = res.status;
    if s.is_server_error() {
        return '!';
    }
    if s == StatusCode::UNAUTHORIZED || s == StatusCode::FORBIDDEN {
        return '.';
    }
    if s.is_redirection() {
        let to = res
            .headers
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        return if to.starts_with("/login") { '.' } else { '+' };
    }
    if s == StatusCode::NOT_FOUND {
        return 'n';
    }
    if s.is_client_error() {
        return 'v';
    }
    '+'
}

/// No 18-digit ID number and no mobile number, masked or not, in a refusal. Only whole words
/// count: a hex token (the CSRF field) may hold a long run of digits by chance.
pub fn assert_no_personal_data(what: &str, res: &Res) {
    let text = res.text();
    for word in text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '*')) {
        let digits = word.chars().filter(char::is_ascii_digit).count();
        let id_like = word.len() == 18
            && word[..17].chars().all(|c| c.is_ascii_digit() || c == '*')
            && word[17..]
                .chars()
                .all(|c| c.is_ascii_digit() || c == 'X' || c == '*');
        let phone_like = word.len() == 11
            && word.starts_with('1')
            && word.chars().all(|c| c.is_ascii_digit() || c == '*');
        assert!(
            !((id_like || phone_like) && digits >= 4),
            "{what}: a refusal shows {word}"
        );
    }
}
