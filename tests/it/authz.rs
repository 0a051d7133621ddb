//! The authorization matrix: every route (the API from its OpenAPI document, the pages and
//! Open311 from the router's source) against every persona, compared with the reviewed table in
//! `authz_table.txt`. A route missing from the table fails the test, and so does a table line
//! whose route no longer exists.
//!
//! Personas, in the table's column order: anonymous, the nine demo roles, staff of another
//! community (`head2`) and the building leader of another building (`leader_b2`). Every id in a
//! path names an object of community 1, in building 1 where objects belong to buildings (the
//! demo `leader` leads building 1 and `resident` lives there).
//!
//! Marks: `+` answered (2xx, or a redirect that is not to the login page), `v` refused as bad
//! input (400, 405, 409, 413, 415, 422, 429: the caller got past the door), `n` not found (the
//! object is not in the caller's view), `.` refused (401, 403, or the login page). A 5xx anywhere
//! fails the test. Writes are sent with an empty body (and the CSRF token for pages): they test
//! the door, not the form. A refusal may show no personal data.
//!
//! To regenerate the table after a reviewed policy change:
//! `ZIZHI_AUTHZ_PRINT=1 cargo test --test it authz::matrix -- --nocapture`.

use std::collections::BTreeMap;

use axum::http::{Method, StatusCode, header};

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
    fn is_write(&self) -> bool {
        self.method != "GET"
    }
    /// Routes that end the caller's own session or token go last.
    fn ends_session(&self) -> bool {
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
    let mut routes = routes_in_source(include_str!("../../src/app.rs"));
    routes.extend(routes_in_source(include_str!("../../src/open311/mod.rs")));
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

/// One object id for each kind of path parameter, by the route's resource.
pub struct Ids(BTreeMap<&'static str, String>);

async fn one(app: &TestApp, sql: &str) -> String {
    use sqlx::Row;
    let row = sqlx::query(sql)
        .fetch_optional(app.db.read())
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
    let found = row.and_then(|r| {
        r.try_get::<Option<i64>, _>(0)
            .map(|n| n.map(|n| n.to_string()))
            .or_else(|_| r.try_get::<Option<String>, _>(0))
            .unwrap()
    });
    found.unwrap_or_else(|| {
        println!("authz: no object for {sql}");
        "999999".to_owned()
    })
}

impl Ids {
    /// Objects of community `c`, in building `b` where objects belong to a building.
    pub async fn of(app: &TestApp, c: i64, b: i64) -> Ids {
        let q = |sql: String| async move { one(app, &sql).await };
        let mut m = BTreeMap::new();
        let pairs: Vec<(&'static str, String)> = vec![
            (
                "cases",
                format!("SELECT MIN(id) FROM cases WHERE community_id = {c} AND building_id = {b}"),
            ),
            (
                "case_code",
                format!(
                    "SELECT tracking_code FROM cases WHERE id = (SELECT MIN(id) FROM cases WHERE community_id = {c} AND building_id = {b})"
                ),
            ),
            (
                "photo",
                format!(
                    "SELECT MIN(a.id) FROM case_attachments a JOIN cases k ON k.id = a.case_id WHERE k.community_id = {c}"
                ),
            ),
            (
                "residents",
                format!(
                    "SELECT MIN(id) FROM residents WHERE community_id = {c} AND building_id = {b}"
                ),
            ),
            (
                "households",
                format!(
                    "SELECT MIN(id) FROM households WHERE community_id = {c} AND building_id = {b}"
                ),
            ),
            ("buildings", format!("SELECT {b}")),
            (
                "compounds",
                format!("SELECT compound_id FROM buildings WHERE id = {b}"),
            ),
            ("communities", format!("SELECT {c}")),
            (
                "meetings",
                format!("SELECT MIN(id) FROM meetings WHERE community_id = {c}"),
            ),
            (
                "motions",
                format!(
                    "SELECT MIN(m.id) FROM motions m JOIN meetings g ON g.id = m.meeting_id WHERE g.community_id = {c}"
                ),
            ),
            (
                "elections",
                format!("SELECT MIN(id) FROM elections WHERE community_id = {c}"),
            ),
            (
                "election_objection",
                format!(
                    "SELECT MIN(o.id) FROM election_objections o JOIN elections e ON e.id = o.election_id WHERE e.community_id = {c}"
                ),
            ),
            (
                "batch",
                format!(
                    "SELECT MIN(p.id) FROM election_paper_batches p JOIN elections e ON e.id = p.election_id WHERE e.community_id = {c}"
                ),
            ),
            (
                "disclosures",
                format!(
                    "SELECT MIN(id) FROM disclosures WHERE community_id = {c} AND status = 'published'"
                ),
            ),
            (
                "attachment",
                format!(
                    "SELECT MIN(a.id) FROM disclosure_attachments a JOIN disclosures d ON d.id = a.disclosure_id WHERE d.community_id = {c}"
                ),
            ),
            (
                "disclosure_objection",
                format!(
                    "SELECT MIN(o.id) FROM disclosure_objections o JOIN disclosures d ON d.id = o.disclosure_id WHERE d.community_id = {c}"
                ),
            ),
            (
                "rules",
                format!("SELECT MIN(id) FROM rules WHERE community_id = {c}"),
            ),
            (
                "comment",
                format!(
                    "SELECT MIN(k.id) FROM rule_comments k JOIN rules r ON r.id = k.rule_id WHERE r.community_id = {c}"
                ),
            ),
            (
                "agreements",
                format!("SELECT MIN(id) FROM agreements WHERE community_id = {c}"),
            ),
            (
                "obligation",
                format!(
                    "SELECT MIN(o.id) FROM agreement_obligations o JOIN agreements a ON a.id = o.agreement_id WHERE a.community_id = {c}"
                ),
            ),
            (
                "aid-plans",
                format!("SELECT MIN(id) FROM aid_plans WHERE community_id = {c}"),
            ),
            (
                "appraisals",
                format!("SELECT MIN(id) FROM appraisals WHERE community_id = {c}"),
            ),
            (
                "campaigns",
                format!("SELECT MIN(campaign_id) FROM campaign_tasks WHERE community_id = {c}"),
            ),
            (
                "task",
                format!("SELECT MIN(id) FROM campaign_tasks WHERE community_id = {c}"),
            ),
            (
                "bulletins",
                format!("SELECT MIN(id) FROM bulletins WHERE community_id = {c}"),
            ),
            ("admissions", "SELECT MIN(id) FROM admissions".to_owned()),
            (
                "unadmitted-tasks",
                format!("SELECT MIN(id) FROM unadmitted_tasks WHERE community_id = {c}"),
            ),
            (
                "social-orgs",
                format!("SELECT MIN(id) FROM social_orgs WHERE community_id = {c}"),
            ),
            (
                "bodies",
                format!("SELECT MIN(id) FROM bodies WHERE community_id = {c}"),
            ),
            (
                "open311-keys",
                format!("SELECT MIN(id) FROM open311_keys WHERE community_id = {c}"),
            ),
            (
                "corrections",
                format!("SELECT MIN(id) FROM correction_requests WHERE community_id = {c}"),
            ),
            (
                "case-categories",
                "SELECT MIN(code) FROM case_categories".to_owned(),
            ),
        ];
        for (k, sql) in pairs {
            m.insert(k, q(sql).await);
        }
        Ids(m)
    }

    fn get(&self, k: &str) -> &str {
        self.0
            .get(k)
            .unwrap_or_else(|| panic!("no id for {k}"))
            .as_str()
    }

    /// The path with its parameters filled; `None` for a parameter the test cannot fill.
    pub fn fill(&self, path: &str) -> String {
        let segs: Vec<&str> = path.split('/').collect();
        let mut out = Vec::new();
        for (i, s) in segs.iter().enumerate() {
            if !s.starts_with('{') {
                out.push(s.to_string());
                continue;
            }
            let parent = segs[i - 1];
            let v = match (*s, parent) {
                ("{id}", "building") => self.get("buildings").to_owned(),
                ("{id}", "community") => self.get("communities").to_owned(),
                ("{id}", p) => self.get(p).to_owned(),
                ("{photo}", _) => self.get("photo").to_owned(),
                ("{attachment}", _) => self.get("attachment").to_owned(),
                ("{objection}", _) if path.contains("/elections/") => {
                    self.get("election_objection").to_owned()
                }
                ("{objection}", _) => self.get("disclosure_objection").to_owned(),
                ("{comment}", _) => self.get("comment").to_owned(),
                ("{obligation}", _) => self.get("obligation").to_owned(),
                ("{batch}", _) => self.get("batch").to_owned(),
                ("{task}", _) => self.get("task").to_owned(),
                ("{code}", "case-categories") => self.get("case-categories").to_owned(),
                ("{code}", "track") => self.get("case_code").to_owned(),
                ("{file}", "ledgers") => "residents.xlsx".to_owned(),
                ("{file}", "services") => format!("{}.json", self.get("case-categories")),
                ("{file}", "requests") => format!("{}.json", self.get("case_code")),
                ("{file}", "tokens") => "no-such-token.json".to_owned(),
                ("{token}", _) => "0123456789abcdef".to_owned(),
                ("{community}", _) => self.get("communities").to_owned(),
                ("{job}", _) => "0123456789abcdef".to_owned(),
                (p, parent) => panic!("{path}: the test cannot fill {p} after {parent}"),
            };
            out.push(v);
        }
        let mut filled = out.join("/");
        // Routes that need a query to say which community (or which versions) they mean.
        let query = match path {
            "/api/v1/case-categories"
            | "/api/v1/disclosure-categories"
            | "/api/v1/evaluations"
            | "/api/v1/evaluations/checklist"
            | "/api/v1/open311-keys"
            | "/api/v1/assessment/records"
            | "/assessment/records"
            | "/evaluations"
            | "/visits/coverage"
            | "/api/v1/visits/coverage" => format!("?community_id={}", self.get("communities")),
            "/api/v1/meetings.ics" => format!("?body_id={}", self.get("bodies")),
            "/api/v1/rules/{id}/diff" => "?from=1&to=2".to_owned(),
            _ => String::new(),
        };
        filled.push_str(&query);
        filled
    }
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

fn table() -> BTreeMap<(String, String), String> {
    include_str!("authz_table.txt")
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| {
            let mut f = l.split_whitespace();
            let method = f.next().unwrap().to_owned();
            let path = f.next().unwrap().to_owned();
            let marks = f.next().unwrap_or_else(|| panic!("marks: {l}")).to_owned();
            assert_eq!(marks.chars().count(), PERSONAS.len(), "{l}");
            ((method, path), marks)
        })
        .collect()
}

async fn observe(app: &TestApp) -> BTreeMap<(String, String), String> {
    let routes = all_routes(app).await;
    let personas = personas(app).await;
    let ids = Ids::of(app, 1, 1).await;
    let mut seen: BTreeMap<(String, String), Vec<char>> = BTreeMap::new();
    // Reads first, then writes; the routes that end one's own session last of all.
    let mut order: Vec<&Route> = routes.iter().collect();
    order.sort_by_key(|r| (r.ends_session(), r.is_write()));
    for route in order {
        let path = ids.fill(&route.path);
        let mut marks = Vec::new();
        for p in &personas {
            let res = send(app, p, route, &path).await;
            let m = mark(&res);
            assert_ne!(
                m,
                '!',
                "{} {} {path} as {}: {} {}",
                route.method,
                route.path,
                p.name,
                res.status,
                res.text()
            );
            if m == '.' {
                assert_no_personal_data(&format!("{} {path} as {}", route.method, p.name), &res);
            }
            marks.push(m);
        }
        seen.insert((route.method.clone(), route.path.clone()), marks);
    }
    seen.into_iter()
        .map(|(k, v)| (k, v.into_iter().collect()))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn matrix_sqlite() {
    matrix(TestApp::spawn_with_year(crate::harness::Backend::Sqlite).await).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(zizhi_pg),
    ignore = "set ZIZHI_TEST_POSTGRES to run against PostgreSQL"
)]
async fn matrix_postgres() {
    matrix(TestApp::spawn_with_year(crate::harness::Backend::Postgres).await).await
}

async fn matrix(app: TestApp) {
    let seen = observe(&app).await;
    if std::env::var("ZIZHI_AUTHZ_PRINT").is_ok() {
        for ((m, p), marks) in &seen {
            println!("{m:<6} {p:<58} {marks}");
        }
    }
    let expected = table();
    let mut problems = Vec::new();
    for (k, marks) in &seen {
        match expected.get(k) {
            None => problems.push(format!(
                "{} {}: no policy in authz_table.txt ({marks})",
                k.0, k.1
            )),
            Some(e) if e != marks => {
                problems.push(format!("{} {}: expected {e}, got {marks}", k.0, k.1))
            }
            Some(_) => {}
        }
    }
    for k in expected.keys() {
        if !seen.contains_key(k) {
            problems.push(format!("{} {}: in the table but not routed", k.0, k.1));
        }
    }
    assert!(
        problems.is_empty(),
        "{} of {} routes differ from the policy table (columns: {}):\n{}",
        problems.len(),
        seen.len(),
        PERSONAS.join(" "),
        problems.join("\n")
    );
}

/// Cross-community and cross-building access: random (persona, route, foreign object) cases on
/// every id-taking route that is not public. Staff of community 1 try objects of communities 2
/// and 3; the building leader and the resident of building 1 also try objects of community 1's
/// other buildings on the routes whose objects belong to a building. Nothing may be answered.
async fn cross_scope(app: TestApp, cases: usize) {
    use rand::{Rng, SeedableRng};
    let routes = all_routes(&app).await;
    let personas = personas(&app).await;
    let table = table();
    // Public routes (anonymous is answered) show the same to everyone; the rest take an id.
    let id_routes: Vec<&Route> = routes
        .iter()
        .filter(|r| r.path.contains('{') && !r.ends_session())
        .filter(|r| {
            let marks = &table[&(r.method.clone(), r.path.clone())];
            !marks.starts_with('+')
        })
        .collect();
    // Parameters that name no object of a community: a street-wide campaign (each community
    // sees its own tasks in it) and a ledger's file name (always the caller's own scope).
    let shared = ["/api/v1/campaigns/{id}", "/api/v1/ledgers/{file}"];
    let id_routes: Vec<&Route> = id_routes
        .into_iter()
        .filter(|r| !shared.contains(&r.path.as_str()))
        .collect();
    assert!(id_routes.len() > 60, "{} id-taking routes", id_routes.len());
    let building_scoped = [
        "/cases/",
        "/residents/",
        "/households/",
        "/buildings/",
        "/posters/building/",
    ];
    let mut foreign_communities = Vec::new();
    for c in [2, 3] {
        for b in one_per_row(&app, &format!("SELECT b.id FROM buildings b JOIN compounds k ON k.id = b.compound_id WHERE k.community_id = {c} ORDER BY b.id LIMIT 4")).await {
            foreign_communities.push(Ids::of(&app, c, b).await);
        }
    }
    let mut other_buildings = Vec::new();
    for b in one_per_row(&app, "SELECT b.id FROM buildings b JOIN compounds k ON k.id = b.compound_id WHERE k.community_id = 1 AND b.id <> 1 ORDER BY b.id LIMIT 4").await {
        other_buildings.push(Ids::of(&app, 1, b).await);
    }
    let staff = ["council", "supervisor", "worker", "head"];
    let in_building = ["leader", "resident"];
    let mut rng = rand::rngs::StdRng::seed_from_u64(20261129);
    let mut tried = 0;
    let mut leaks = Vec::new();
    while tried < cases {
        let route = id_routes[rng.random_range(0..id_routes.len())];
        let who = if rng.random_bool(0.6) {
            staff[rng.random_range(0..staff.len())]
        } else {
            in_building[rng.random_range(0..in_building.len())]
        };
        let same_community = !staff.contains(&who)
            && building_scoped.iter().any(|p| route.path.contains(p))
            && rng.random_bool(0.5);
        let ids = if same_community {
            &other_buildings[rng.random_range(0..other_buildings.len())]
        } else {
            &foreign_communities[rng.random_range(0..foreign_communities.len())]
        };
        let path = ids.fill(&route.path);
        if path.contains("999999") {
            continue; // no such object in that community; nothing to try
        }
        let p = personas.iter().find(|p| p.name == who).unwrap();
        let res = send(&app, p, route, &path).await;
        let m = mark(&res);
        assert_ne!(m, '!', "{} {path} as {who}: {}", route.method, res.text());
        if m == '+' {
            leaks.push(format!("{} {path} as {who}", route.method));
        } else {
            assert_no_personal_data(&format!("{} {path} as {who}", route.method), &res);
        }
        tried += 1;
    }
    println!(
        "cross-scope: {tried} cases over {} routes, {} leaks",
        id_routes.len(),
        leaks.len()
    );
    assert!(
        leaks.is_empty(),
        "answered across scopes:\n{}",
        leaks.join("\n")
    );
}

async fn one_per_row(app: &TestApp, sql: &str) -> Vec<i64> {
    use sqlx::Row;
    sqlx::query(sql)
        .fetch_all(app.db.read())
        .await
        .unwrap()
        .iter()
        .map(|r| r.try_get::<i64, _>(0).unwrap())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cross_scope_sqlite() {
    cross_scope(
        TestApp::spawn_with_year(crate::harness::Backend::Sqlite).await,
        10_000,
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(zizhi_pg),
    ignore = "set ZIZHI_TEST_POSTGRES to run against PostgreSQL"
)]
async fn cross_scope_postgres() {
    cross_scope(
        TestApp::spawn_with_year(crate::harness::Backend::Postgres).await,
        2_000,
    )
    .await
}
