//! The policy table, role by role: the table itself as a reviewed matrix, and the routes that
//! enforce it, through the router, for every demo account and for anonymous visitors.

use axum::http::StatusCode;
use zizhi::auth::policy::{Action, Role, permits};

use crate::both;
use crate::harness::TestApp;

/// The reviewed matrix: one line per role, one column per action, in `Action::ALL` order
/// (home, accounts, audit, places, places.manage, communities.manage, registry.read, registry.reveal, registry.write, registry.export_full, open311 keys,
/// case.submit, case.read, case.read_sensitive, case.handle, supervision.read, cases.configure,
/// bodies.read, bodies.manage; … assessment.read, assessment.configure, assessment.review, evaluations,
/// appraisals, campaigns.manage, campaigns.read).
/// Changing the policy means changing this table in the same commit.
const MATRIX: &str = "
resident          x . . . . . . . . . .  x . . . . .  x .  . . x  . . .  . . . . . .  . .  . . . . . . .
building_leader   x . . x . . x . . . .  x x . . . .  x .  . . x  . . .  x . . . . .  . .  . . . . . . .
council_member    x . . x . . . . . . .  . . . . x .  x .  . . x  . . .  . . x . . x  . x  x . . . . . x
supervisor        x . . x . . . . . . .  . . . . x .  x .  . . x  . . .  . . x . . x  . x  x . . x x . x
community_worker  x . . x . . x x x . .  x x x x . .  x .  x x .  x x .  x x x x x x  . x  x . . . . . x
community_head    x . . x x . x x x x x  x x x x x x  x x  x x .  x x .  x x x x x x  . x  x . x . . . x
street_officer    x . . x . x x . . . .  . x . . x .  x x  . x .  . . x  . . x . . x  x x  x x x . x x x
auditor           x . x . . . . . . . .  . . . . . .  . .  . . .  . . .  . . . . . .  . .  . . . . . . .
sysadmin          x x . x . . . . . . x  . . . . . .  . .  . . .  . . .  . . . . . .  . .  . . . . . . .
";

#[test]
fn policy_table_matches_the_reviewed_matrix() {
    let mut seen = 0;
    for line in MATRIX.lines().filter(|l| !l.trim().is_empty()) {
        let mut cols = line.split_whitespace();
        let role = Role::parse(cols.next().unwrap()).expect("known role");
        let marks: Vec<&str> = cols.collect();
        assert_eq!(
            marks.len(),
            Action::ALL.len(),
            "{role:?}: one mark per action"
        );
        for (action, mark) in Action::ALL.iter().zip(marks) {
            assert_eq!(permits(role, *action), mark == "x", "{role:?} × {action:?}");
        }
        seen += 1;
    }
    assert_eq!(seen, Role::ALL.len());
}

/// Demo account → role.
const ACCOUNTS: &[(&str, Role)] = &[
    ("resident", Role::Resident),
    ("leader", Role::BuildingLeader),
    ("council", Role::CouncilMember),
    ("supervisor", Role::Supervisor),
    ("worker", Role::CommunityWorker),
    ("head", Role::CommunityHead),
    ("street", Role::StreetOfficer),
    ("auditor", Role::Auditor),
    ("sysadmin", Role::Sysadmin),
];

/// Routes guarded by a system-wide action: (path, action).
const GUARDED: &[(&str, Action)] = &[
    ("/api/v1/me", Action::HomeView),
    ("/api/v1/audit", Action::AuditRead),
    ("/api/v1/users", Action::AccountsManage),
    ("/audit", Action::AuditRead),
];

both!(
    every_role_gets_what_the_table_says,
    |app: TestApp| async move {
        for (user, role) in ACCOUNTS {
            let token = app.token(user).await;
            let browser = app.login(user).await;
            for (path, action) in GUARDED {
                let res = if path.starts_with("/api") {
                    app.get(path).bearer(&token).send().await
                } else {
                    app.get(path).browser(&browser).send().await
                };
                let expected = if permits(*role, *action) {
                    StatusCode::OK
                } else {
                    StatusCode::FORBIDDEN
                };
                assert_eq!(res.status, expected, "{user} GET {path}: {}", res.text());
                if res.status == StatusCode::FORBIDDEN {
                    assert!(
                        !res.text().contains("zizhi-demo"),
                        "a refusal shows nothing but the refusal"
                    );
                }
            }
        }
        for (path, _) in GUARDED {
            let res = app.get(path).send().await;
            if path.starts_with("/api") {
                assert_eq!(res.status, StatusCode::UNAUTHORIZED, "anonymous GET {path}");
            } else {
                assert_eq!(
                    res.status,
                    StatusCode::SEE_OTHER,
                    "anonymous GET {path} goes to login"
                );
            }
        }
    }
);

both!(each_role_sees_its_own_home, |app: TestApp| async move {
    for (user, role) in ACCOUNTS {
        let b = app.login(user).await;
        let home = app.get("/").browser(&b).send().await;
        assert_eq!(home.status, StatusCode::OK);
        let cards = home.select(".role-card h2");
        let role_name = zizhi::platform::i18n::t(
            zizhi::platform::i18n::Lang::ZhCn,
            &format!("role.{}", role.as_str()),
        );
        assert_eq!(cards.len(), 1, "{user}: {cards:?}");
        assert!(cards[0].starts_with(role_name), "{user}: {cards:?}");
        assert!(
            !home.select(".role-card .next li").is_empty(),
            "{user} is told what to do next"
        );
    }
    // The leader's card counts their building only; the head's the whole community.
    let leader = app.login("leader").await;
    let head = app.login("head").await;
    let leader_facts = app
        .get("/")
        .browser(&leader)
        .send()
        .await
        .select(".facts dd");
    let head_facts = app.get("/").browser(&head).send().await.select(".facts dd");
    let n = |v: &Vec<String>, i: usize| v[i].parse::<i64>().unwrap();
    assert!(
        n(&leader_facts, 1) > 0 && n(&leader_facts, 1) < n(&head_facts, 1),
        "{leader_facts:?} {head_facts:?}"
    );
    assert!(
        n(&head_facts, 1) >= 1000,
        "a community holds over a thousand residents"
    );
});

both!(
    separation_of_duties_is_enforced,
    |app: TestApp| async move {
        use zizhi::auth::{Scope, store};
        let mut tx = app.db.begin().await.unwrap();
        let sysadmin = store::find_by_username_tx(&mut tx, "sysadmin")
            .await
            .unwrap()
            .unwrap();
        let head = store::find_by_username_tx(&mut tx, "head")
            .await
            .unwrap()
            .unwrap();
        let today = zizhi::platform::time::today();
        let err = store::add_grant(
            &mut tx,
            sysadmin.id,
            Role::Auditor,
            Scope::Street(1),
            today,
            None,
        )
        .await
        .unwrap_err();
        assert_eq!(err.key, "account.separation_of_duties");
        let err = store::add_grant(
            &mut tx,
            head.id,
            Role::Sysadmin,
            Scope::Street(1),
            today,
            None,
        )
        .await
        .unwrap_err();
        assert_eq!(err.key, "account.separation_of_duties");
        let err = store::add_grant(
            &mut tx,
            head.id,
            Role::CommunityWorker,
            Scope::Street(1),
            today,
            None,
        )
        .await
        .unwrap_err();
        assert_eq!(err.key, "account.scope_level");
        // A role that fits is fine, and a term that has not started yet grants nothing today.
        let tomorrow = today.tomorrow().unwrap();
        store::add_grant(
            &mut tx,
            head.id,
            Role::Supervisor,
            Scope::Community(2),
            tomorrow,
            None,
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        let me = app
            .get("/api/v1/me")
            .bearer(&app.token("head").await)
            .send()
            .await
            .json();
        assert_eq!(me["roles"].as_array().unwrap().len(), 1, "{me}");
    }
);
