//! The election's rules (issue 19, M5): the tally may come before the window closes only once
//! everyone on the roll has voted, and each stage is left once, under concurrent requests too.

use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::both;
use crate::harness::TestApp;

async fn post(app: &TestApp, token: &str, path: &str, body: Value) -> crate::client::Res {
    app.post(path).bearer(token).json(&body).send().await
}

both!(
    a_tally_before_the_window_closes_needs_the_whole_roll,
    |app: TestApp| async move {
        let head = app.token("head").await;
        // A small building: only the resident and the leader are adults living there.
        app.exec("UPDATE residents SET status = 'moved_out' WHERE building_id = (SELECT r.building_id FROM residents r JOIN users u ON u.resident_id = r.id WHERE u.username = 'resident') \
                  AND id NOT IN (SELECT resident_id FROM users WHERE resident_id IS NOT NULL)").await;
        let group = app.count("SELECT b.id FROM bodies b JOIN residents r ON r.building_id = b.building_id JOIN users u ON u.resident_id = r.id \
             WHERE u.username = 'resident' AND b.kind = 'building_group'").await;
        let e = post(
            &app,
            &head,
            "/api/v1/elections",
            json!({"body_id": group, "title": "楼栋长补选", "seats": 1,
            "electorate": "building", "term_from": "2027-01-01", "term_to": "2029-12-31"}),
        )
        .await;
        assert_eq!(e.status, StatusCode::CREATED, "{}", e.text());
        let id = e.json()["id"].as_i64().unwrap();
        let path = |p: &str| format!("/api/v1/elections/{id}{p}");
        // A stage that does not exist is bad input naming its field; a stage skipped, a conflict.
        let bogus = post(&app, &head, &path("/status"), json!({"status": "done"})).await;
        assert_eq!(
            (bogus.status, bogus.json()["field"].clone()),
            (StatusCode::UNPROCESSABLE_ENTITY, json!("status"))
        );
        let skip = post(&app, &head, &path("/status"), json!({"status": "tallied"})).await;
        assert_eq!(skip.json()["code"], "error.bad_transition");
        let me = app
            .count("SELECT resident_id FROM users WHERE username = 'resident'")
            .await;
        let resident = app.token("resident").await;
        let n = post(
            &app,
            &resident,
            &path("/nominations"),
            json!({"resident_id": me, "method": "self"}),
        )
        .await;
        assert_eq!(n.status, StatusCode::CREATED, "{}", n.text());
        let a = n.json()["id"].as_i64().unwrap();
        assert_eq!(
            post(
                &app,
                &head,
                &path("/status"),
                json!({"status": "publicity"})
            )
            .await
            .status,
            StatusCode::OK
        );
        app.exec(&format!(
            "UPDATE elections SET publicity_until = '2026-01-01' WHERE id = {id}"
        ))
        .await;
        assert_eq!(
            post(&app, &head, &path("/status"), json!({"status": "voting"}))
                .await
                .status,
            StatusCode::OK
        );
        assert_eq!(
            post(&app, &resident, &path("/ballots"), json!({"choices": [a]}))
                .await
                .status,
            StatusCode::CREATED
        );
        let early = post(&app, &head, &path("/status"), json!({"status": "tallied"})).await;
        assert_eq!(early.status, StatusCode::CONFLICT);
        assert!(early.text().contains("1/2"), "{}", early.text());
        let leader = app.token("leader").await;
        assert_eq!(
            post(&app, &leader, &path("/ballots"), json!({"choices": [a]}))
                .await
                .status,
            StatusCode::CREATED
        );
        // Everyone on the roll has voted: four tallies at once, one counts.
        app.one_of_four_wins(
            &head,
            &path("/status"),
            json!({"status": "tallied"}),
            StatusCode::OK,
        )
        .await;
        assert_eq!(
            app.count(&format!("SELECT COUNT(*) FROM audit_log WHERE action = 'elections.advance' AND object_id = '{id}' AND detail LIKE '%tallied'")).await,
            1
        );
        let result = app.get(&path("/result")).send().await.json();
        assert_eq!(
            (result["ballots_counted"].clone(), result["roll"].clone()),
            (json!(2), json!(2))
        );
        assert_eq!(result["reproduced"], true);
        // The page shows the turnout.
        let page = app.get(&format!("/elections/{id}")).send().await;
        assert!(
            page.select("#result .turnout")[0].contains("2 / 选民 2"),
            "{}",
            page.text()
        );
    }
);
