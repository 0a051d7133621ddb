//! A locked record (PIPL Art. 47: kept because the law requires it, no longer processed) is out
//! of every list, household view, ledger, statistic and export, and its own page says so.

use axum::http::StatusCode;

use crate::both;
use crate::harness::TestApp;

both!(
    a_locked_record_is_kept_not_processed,
    |app: TestApp| async move {
        // A resident of community 1 whose name no one else there has, in a household of several.
        let (id, name, household): (i64, String, i64) = sqlx::query_as(
        "SELECT r.id, r.name, r.household_id FROM residents r WHERE r.community_id = 1 AND r.status = 'living' \
         AND (SELECT COUNT(*) FROM residents s WHERE s.name = r.name) = 1 \
         AND (SELECT COUNT(*) FROM residents m WHERE m.household_id = r.household_id AND m.status = 'living') > 1 \
         ORDER BY r.id LIMIT 1",
    )
    .fetch_one(app.db.read())
    .await
    .unwrap();
        let head = app.token("head").await;
        let get = |path: String| {
            let (app, head) = (&app, head.clone());
            async move {
                let r = app.get(&path).bearer(&head).send().await;
                assert_eq!(r.status, StatusCode::OK, "{path}: {}", r.text());
                r
            }
        };
        let residents = |v: serde_json::Value| v["residents"].as_i64().unwrap();
        let before_count = residents(get("/api/v1/communities/1".into()).await.json());
        let before_members =
            get(format!("/api/v1/households/{household}")).await.json()["residents"]
                .as_array()
                .unwrap()
                .len();
        assert!(
            get("/api/v1/ledgers/residents.csv".into())
                .await
                .text()
                .contains(&name)
        );

        app.exec(&format!(
        "UPDATE residents SET locked_at = '2026-12-01T00:00:00.000000Z', lock_reason = '涉及在办案件，依法保存' WHERE id = {id}"
    ))
    .await;

        assert!(
            !get("/api/v1/ledgers/residents.csv".into())
                .await
                .text()
                .contains(&name),
            "not in the ledger export"
        );
        assert_eq!(
            residents(get("/api/v1/communities/1".into()).await.json()),
            before_count - 1,
            "not counted"
        );
        let members = get(format!("/api/v1/households/{household}")).await.json()["residents"]
            .as_array()
            .unwrap()
            .clone();
        assert_eq!(
            members.len(),
            before_members - 1,
            "not in the household view"
        );
        assert!(members.iter().all(|m| m["id"] != id));
        let search = get(format!(
            "/api/v1/residents?q={}",
            zizhi::platform::error::urlencode(&name)
        ))
        .await;
        assert!(!search.text().contains(&name), "not found by search");

        // Its own page says it is locked, and offers neither edit nor reveal.
        let b = app.login("head").await;
        let page = app
            .get(&format!("/residents/{id}"))
            .browser(&b)
            .send()
            .await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.text());
        let notice = page.select("#locked-notice");
        assert_eq!(notice.len(), 1, "{}", page.text());
        assert!(
            notice[0].contains("已封存") && notice[0].contains("涉及在办案件"),
            "{notice:?}"
        );
        assert!(!page.text().contains(&format!("/residents/{id}/edit")));
        assert!(
            page.select("input[name=reason]").is_empty(),
            "no reveal form"
        );
        let reveal = app
            .get(&format!(
                "/api/v1/residents/{id}?reveal=id_number&reason=%E6%A0%B8%E5%AE%9E"
            ))
            .bearer(&head)
            .send()
            .await;
        assert_eq!(reveal.status, StatusCode::CONFLICT, "{}", reveal.text());
    }
);

/// The rule in the code's shape: every query that takes the living residents also leaves the
/// locked ones out (the demo's loader, which writes before anything is locked, aside).
#[test]
fn every_living_residents_query_leaves_locked_records_out() {
    let mut missing = Vec::new();
    let mut stack = vec![std::path::PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/src"
    ))];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                if !path.ends_with("demo") {
                    stack.push(path);
                }
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            for (n, line) in text.lines().enumerate() {
                if line.contains("status = 'living'")
                    && !line.contains("locked_at IS NULL")
                    && !line.contains("UPDATE residents")
                {
                    missing.push(format!("{}:{}: {}", path.display(), n + 1, line.trim()));
                }
            }
        }
    }
    assert!(missing.is_empty(), "{missing:#?}");
}
