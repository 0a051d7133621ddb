//! Privacy holes found by the outside probe (issue 18), the parts about access: planner
//! statistics without personal values, a reveal's reason one can read, and every refusal on the
//! audit log (the sysadmin's included).

use axum::http::StatusCode;
use sqlx::Row;

use crate::both;
use crate::harness::TestApp;

both!(
    planner_statistics_hold_no_personal_values,
    |app: TestApp| async move {
        let idn: String = sqlx::query("SELECT id_number FROM residents ORDER BY id LIMIT 1")
            .fetch_one(app.db.read())
            .await
            .unwrap()
            .try_get("id_number")
            .unwrap();
        app.db.analyze(&["residents", "cases"]).await.unwrap();
        match app.backend {
            crate::harness::Backend::Sqlite => {
                let stat4 = app
                    .count("SELECT COUNT(*) FROM sqlite_master WHERE name = 'sqlite_stat4'")
                    .await;
                if stat4 > 0 {
                    assert_eq!(app.count("SELECT COUNT(*) FROM sqlite_stat4").await, 0);
                }
                assert!(
                    app.count("SELECT COUNT(*) FROM sqlite_stat1").await > 0,
                    "counts are kept"
                );
            }
            crate::harness::Backend::Postgres => {
                app.exec("ANALYZE residents").await;
                let sampled = app
                .count(
                    "SELECT COUNT(*) FROM pg_stats WHERE schemaname = current_schema() AND tablename = 'residents' \
                     AND attname IN ('name', 'id_number', 'phone', 'id_last4', 'phone_last4')",
                )
                .await;
                assert_eq!(sampled, 0, "no statistics on personal columns");
                let all = app
                .count("SELECT COUNT(*) FROM pg_stats WHERE schemaname = current_schema() AND tablename = 'residents'")
                .await;
                assert!(all > 0, "the other columns still have statistics");
                let leaked = app
                .count(&format!(
                    "SELECT COUNT(*) FROM pg_stats WHERE schemaname = current_schema() AND tablename = 'residents' \
                     AND (most_common_vals::text LIKE '%{idn}%' OR histogram_bounds::text LIKE '%{idn}%')"
                ))
                .await;
                assert_eq!(leaked, 0);
            }
        }
    }
);

both!(
    a_reveal_needs_a_reason_one_can_read,
    |app: TestApp| async move {
        let id = app
            .count("SELECT MIN(id) FROM residents WHERE community_id = 1 AND status = 'living'")
            .await;
        let head = app.token("head").await;
        let before = app
            .count("SELECT COUNT(*) FROM audit_log WHERE action = 'registry.reveal'")
            .await;
        for reason in [
            "%E2%80%8B%E2%80%8B", // two zero-width spaces
            "%E3%80%80%E3%80%80", // two ideographic spaces
            "%E5%B8%AE%E2%80%8B", // one character and a zero-width space
            "%01%02",             // control characters
            "%C2%AD%C2%AD",       // soft hyphens
        ] {
            let r = app
                .get(&format!(
                    "/api/v1/residents/{id}?reveal=id_number&reason={reason}"
                ))
                .bearer(&head)
                .send()
                .await;
            assert_eq!(
                r.status,
                StatusCode::UNPROCESSABLE_ENTITY,
                "{reason}: {}",
                r.text()
            );
            assert_eq!(r.json()["field"], "reason");
        }
        assert_eq!(
            app.count("SELECT COUNT(*) FROM audit_log WHERE action = 'registry.reveal'")
                .await,
            before,
            "nothing revealed"
        );
        let ok = app
            .get(&format!(
                "/api/v1/residents/{id}?reveal=id_number&reason=%E6%A0%B8%E5%AF%B9"
            ))
            .bearer(&head)
            .send()
            .await;
        assert_eq!(ok.status, StatusCode::OK);
    }
);

both!(every_refusal_leaves_an_entry, |app: TestApp| async move {
    let count = |who: &'static str, route: &'static str| {
        let app = &app;
        async move {
            app.count(&format!(
                "SELECT COUNT(*) FROM audit_log WHERE action = 'access.denied' AND result = 'denied' \
                 AND actor = '{who}' AND object_id = '{route}'"
            ))
            .await
        }
    };
    let resident = app.token("resident").await;
    let r = app.get("/api/v1/audit").bearer(&resident).send().await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(count("resident", "/api/v1/audit").await, 1);
    // Out of scope: the head of community 1 reading a resident of community 2.
    let other = app
        .count("SELECT MIN(id) FROM residents WHERE community_id = 2")
        .await;
    let head = app.token("head").await;
    let r = app
        .get(&format!("/api/v1/residents/{other}"))
        .bearer(&head)
        .send()
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(count("head", "/api/v1/residents/{id}").await, 1);
    // The sysadmin reads no personal data through any door, and is on the log for trying.
    let sysadmin = app.token("sysadmin").await;
    let org = app
        .count("SELECT MIN(id) FROM social_orgs WHERE community_id = 1")
        .await;
    let r = app
        .get(&format!("/api/v1/social-orgs/{org}"))
        .bearer(&sysadmin)
        .send()
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text());
    assert_eq!(count("sysadmin", "/api/v1/social-orgs/{id}").await, 1);
});

both!(
    reads_of_health_family_planning_aid_visits_and_notebooks_are_sensitive_reads,
    |app: TestApp| async move {
        let app = TestApp::spawn_with_year(app.backend).await;
        let worker = app.token("worker").await;
        let agreement: i64 = sqlx::query_scalar(
            "SELECT MIN(id) FROM agreements WHERE community_id = 1 AND template = 'family_planning'",
        )
        .fetch_one(app.db.read())
        .await
        .unwrap();
        for (path, action) in [
            (format!("/api/v1/agreements/{agreement}"), "agreements.read"),
            (
                format!("/api/v1/agreements/{agreement}/breaches"),
                "agreements.read",
            ),
            (
                format!("/api/v1/agreements/{agreement}/obligations"),
                "agreements.read",
            ),
            ("/api/v1/agreements".to_owned(), "agreements.read"),
            (
                "/api/v1/agreements/review-list".to_owned(),
                "agreements.read",
            ),
            ("/api/v1/services".to_owned(), "services.read"),
            ("/api/v1/aid-plans".to_owned(), "aid.read"),
            ("/api/v1/visits".to_owned(), "visits.read"),
            ("/api/v1/notebooks".to_owned(), "notebooks.read"),
        ] {
            let sql = format!(
                "SELECT COUNT(*) FROM audit_log WHERE action = '{action}' AND sensitive = 1 AND actor = 'worker'"
            );
            let before = app.count(&sql).await;
            let r = app.get(&path).bearer(&worker).send().await;
            assert_eq!(r.status, StatusCode::OK, "{path}: {}", r.text());
            assert_eq!(
                app.count(&sql).await,
                before + 1,
                "{path}: one sensitive entry"
            );
        }
    }
);
