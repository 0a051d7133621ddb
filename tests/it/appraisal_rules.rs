//! The appraisal's rules (M10, issue 19): counted only after its window or once the whole roll
//! has voted, only with a turnout that keeps ballots secret, and disclosed by the supervisory
//! board — once, and never by a cadre it appraises.

use axum::http::StatusCode;
use serde_json::json;

use crate::appraisal::open_appraisal;
use crate::both;
use crate::harness::TestApp;

async fn vote(app: &TestApp, who: &str, id: i64, subjects: &[i64]) {
    let t = app.token(who).await;
    let res = app
        .post(&format!("/api/v1/appraisals/{id}/ballots"))
        .bearer(&t)
        .json(&json!({"choices": subjects.iter().map(|s| json!({"subject_id": s, "choice": "unsatisfied"})).collect::<Vec<_>>()}))
        .send()
        .await;
    assert_eq!(res.status, StatusCode::NO_CONTENT, "{who}: {}", res.text());
}

/// Ends the voting window, as the calendar would: the last day of voting was yesterday.
async fn window_ends(app: &TestApp, id: i64) {
    let yesterday = zizhi::platform::time::today().yesterday().unwrap();
    app.exec(&format!(
        "UPDATE appraisals SET closes_on = '{yesterday}' WHERE id = {id}"
    ))
    .await;
}

both!(
    an_appraisal_short_of_its_turnout_is_void_and_counts_nothing,
    |app: TestApp| async move {
        app.representatives(4).await;
        let (id, subjects) = open_appraisal(&app).await;
        vote(&app, "resident", id, &subjects).await;
        vote(&app, "leader", id, &subjects).await;
        let supervisor = app.token("supervisor").await;
        let close = || async {
            app.post(&format!("/api/v1/appraisals/{id}/close"))
                .bearer(&supervisor)
                .send()
                .await
        };
        // The window is open and four of six have not voted: no count.
        let res = close().await;
        assert_eq!(res.status, StatusCode::CONFLICT);
        assert!(res.text().contains("截止后"), "{}", res.text());
        assert_eq!(
            app.count(&format!("SELECT COUNT(*) FROM appraisals WHERE id = {id} AND status = 'open' AND closed_at IS NULL")).await,
            1,
            "a refused close leaves it as it was"
        );
        // After the window, two ballots of six (five needed): void. A tally of two would tell
        // each of them what the other chose.
        window_ends(&app, id).await;
        let res = close().await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.text());
        let a = res.json();
        assert_eq!(a["status"], "void");
        assert!(a["ballots_counted"].is_null());
        assert!(a["subjects"][0]["unsatisfied"].is_null());
        assert_eq!(
            app.count(&format!(
                "SELECT COUNT(*) FROM appraisal_subjects WHERE appraisal_id = {id} AND unsatisfied IS NOT NULL"
            ))
            .await,
            0,
            "nothing counted in the database either"
        );
        for path in ["ballots", "disclose"] {
            let res = if path == "ballots" {
                app.get(&format!("/api/v1/appraisals/{id}/{path}"))
            } else {
                app.post(&format!("/api/v1/appraisals/{id}/{path}"))
            }
            .bearer(&supervisor)
            .send()
            .await;
            assert_eq!(res.status, StatusCode::CONFLICT, "{path}");
        }
        assert_eq!(close().await.status, StatusCode::CONFLICT, "closed once");
        assert_eq!(
            app.count(&format!("SELECT COUNT(*) FROM audit_log WHERE action = 'appraisal.void' AND object_id = '{id}'")).await,
            1
        );
        // The page says why.
        let page = app
            .get("/appraisals")
            .browser(&app.login("supervisor").await)
            .send()
            .await;
        assert!(
            page.select(&format!("#appraisal-{id} .void"))[0].contains("无效"),
            "{}",
            page.text()
        );
    }
);

both!(
    a_roll_of_fewer_than_five_cannot_hold_a_secret_appraisal,
    |app: TestApp| async move {
        app.representatives(2).await;
        let supervisor = app.token("supervisor").await;
        let head = app
            .count("SELECT id FROM users WHERE username = 'head'")
            .await;
        let res = app
            .post("/api/v1/appraisals")
            .bearer(&supervisor)
            .json(&json!({"community_id": 1, "title": "评议", "period": "2026", "closes_on": zizhi::platform::time::today().to_string(), "subjects": [head]}))
            .send()
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(res.text().contains("只有 4 名"), "{}", res.text());
        assert_eq!(app.count("SELECT COUNT(*) FROM appraisals").await, 0);
        assert_eq!(app.count("SELECT COUNT(*) FROM appraisal_roll").await, 0);
    }
);

both!(
    the_board_discloses_once_and_never_a_cadre_it_appraises,
    |app: TestApp| async move {
        app.representatives(4).await;
        // A board member who is also a worker of the community (交叉任职) is appraised.
        let board_worker = app
            .count("SELECT id FROM users WHERE username = 'supervisor'")
            .await;
        app.exec(&format!("INSERT INTO grants (user_id, role, street_id, community_id, valid_from, created_at) VALUES ({board_worker}, 'community_worker', 1, 1, '2026-01-01', '2026-01-01T00:00:00Z')")).await;
        let head = app
            .count("SELECT id FROM users WHERE username = 'head'")
            .await;
        let street = app.token("street").await;
        let res = app
            .post("/api/v1/appraisals")
            .bearer(&street)
            .json(&json!({"community_id": 1, "title": "评议", "period": "2026", "closes_on": zizhi::platform::time::today().to_string(), "subjects": [head, board_worker]}))
            .send()
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.text());
        let a = res.json();
        let id = a["id"].as_i64().unwrap();
        let subjects: Vec<i64> = a["subjects"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["id"].as_i64().unwrap())
            .collect();
        for who in ["resident", "leader", "rep1", "rep2", "rep3"] {
            vote(&app, who, id, &subjects).await;
        }
        window_ends(&app, id).await;
        // Four closes at once: one counts.
        let path = format!("/api/v1/appraisals/{id}/close");
        app.one_of_four_wins(&street, &path, json!({}), StatusCode::OK)
            .await;
        assert_eq!(
            app.count(&format!("SELECT COUNT(*) FROM audit_log WHERE action = 'appraisal.close' AND object_id = '{id}'")).await,
            1
        );
        assert_eq!(
            app.count(&format!(
                "SELECT ballots_counted FROM appraisals WHERE id = {id}"
            ))
            .await,
            5
        );
        // The appraised board member may not publish the result about themself.
        let res = app
            .post(&format!("/api/v1/appraisals/{id}/disclose"))
            .bearer(&app.token("supervisor").await)
            .send()
            .await;
        assert_eq!(res.status, StatusCode::FORBIDDEN);
        assert!(res.text().contains("监事会"), "{}", res.text());
        // Four discloses at once: one notice, one chain entry, one audit entry.
        let path = format!("/api/v1/appraisals/{id}/disclose");
        app.one_of_four_wins(&street, &path, json!({}), StatusCode::OK)
            .await;
        assert_eq!(
            app.count("SELECT COUNT(*) FROM disclosures WHERE category = 'appraisal'")
                .await,
            1
        );
        let notice = app
            .count(&format!(
                "SELECT disclosure_id FROM appraisals WHERE id = {id}"
            ))
            .await;
        assert_eq!(
            app.count(&format!("SELECT COUNT(*) FROM publications WHERE kind = 'disclosure' AND object_id = {notice}")).await,
            1
        );
        assert_eq!(
            app.count(&format!("SELECT COUNT(*) FROM audit_log WHERE action = 'appraisal.disclose' AND object_id = '{id}'")).await,
            1
        );
        let ok = zizhi::disclosure::chain::verify(app.db.read())
            .await
            .unwrap();
        assert!(ok.first_broken.is_none(), "{ok:?}");
    }
);
