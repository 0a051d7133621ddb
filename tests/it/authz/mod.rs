//! The authorization matrix: every route (the API from its OpenAPI document, the pages and
//! Open311 from the router's source) against every persona, compared with the reviewed table in
//! `authz/table.txt`. A route missing from the table fails the test, and so does a table line
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

mod cross_scope;
mod ids;
mod sweep;

use std::collections::BTreeMap;

use crate::harness::TestApp;
use ids::Ids;
use sweep::{PERSONAS, Route, all_routes, assert_no_personal_data, mark, personas, send};

pub(super) fn table() -> BTreeMap<(String, String), String> {
    include_str!("table.txt")
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
                "{} {}: no policy in authz/table.txt ({marks})",
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
