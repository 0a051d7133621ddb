//! Cross-community and cross-building access, by generated cases.

use super::ids::{Ids, one_per_row};
use super::sweep::{Route, all_routes, assert_no_personal_data, mark, personas, send};
use super::table;
use crate::harness::TestApp;

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
    // sees its own tasks in it) and a ledger's file name or kind (always the caller's own scope).
    let shared = [
        "/api/v1/campaigns/{id}",
        "/api/v1/ledgers/{file}",
        "/ledgers/{kind}/print",
    ];
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
