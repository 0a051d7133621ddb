//! Supervision (M10): the democratic appraisal — only representatives on the roll vote, once,
//! in secret, the tally hidden until closed and reproducible from the stored ballots, the
//! result disclosed as a notice. Its rules are tried in `appraisal_rules`.

use axum::http::StatusCode;
use serde_json::json;

use crate::both;
use crate::harness::TestApp;

pub(crate) async fn open_appraisal(app: &TestApp) -> (i64, Vec<i64>) {
    let head = app
        .count("SELECT id FROM users WHERE username = 'head'")
        .await;
    let worker = app
        .count("SELECT id FROM users WHERE username = 'worker'")
        .await;
    let supervisor = app.token("supervisor").await;
    let today = zizhi::platform::time::today();
    let res = app
        .post("/api/v1/appraisals")
        .bearer(&supervisor)
        .json(&json!({"community_id": 1, "title": "2026年度社区干部民主评议", "period": "2026", "closes_on": today.to_string(), "subjects": [head, worker]}))
        .send()
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text());
    let a = res.json();
    let subjects = a["subjects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_i64().unwrap())
        .collect();
    (a["id"].as_i64().unwrap(), subjects)
}

both!(
    representatives_vote_once_in_secret_and_the_tally_is_reproducible,
    |app: TestApp| async move {
        // The roll: the resident, the leader and four more representatives; a fifth neighbour
        // with an account is no representative.
        let mut others = app.representatives(5).await;
        let outsider = others.pop().unwrap();
        let outsider_rid = format!("(SELECT resident_id FROM users WHERE username = '{outsider}')");
        app.exec(&format!(
            "UPDATE residents SET rep_resident = 0 WHERE id = {outsider_rid}"
        ))
        .await;
        let (id, subjects) = open_appraisal(&app).await;
        let ballot = |a: &str, b: &str| json!({"choices": [{"subject_id": subjects[0], "choice": a}, {"subject_id": subjects[1], "choice": b}]});
        // Not a representative: refused, nothing recorded.
        let resident = app.token("resident").await;
        let outsider = app.token(&outsider).await;
        let res = app
            .post(&format!("/api/v1/appraisals/{id}/ballots"))
            .bearer(&outsider)
            .json(&ballot("satisfied", "basically"))
            .send()
            .await;
        assert_eq!(res.status, StatusCode::FORBIDDEN);
        assert!(res.text().contains("居民代表"), "{}", res.text());
        // Staff do not vote either.
        let worker = app.token("worker").await;
        assert_eq!(
            app.post(&format!("/api/v1/appraisals/{id}/ballots"))
                .bearer(&worker)
                .json(&ballot("satisfied", "satisfied"))
                .send()
                .await
                .status,
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            app.count(&format!(
                "SELECT COUNT(*) FROM appraisal_ballots WHERE appraisal_id = {id}"
            ))
            .await,
            0
        );

        // Made a representative after the appraisal opened: still not on its roll.
        app.exec(&format!(
            "UPDATE residents SET rep_resident = 1 WHERE id = {outsider_rid}"
        ))
        .await;
        let res = app
            .post(&format!("/api/v1/appraisals/{id}/ballots"))
            .bearer(&outsider)
            .json(&ballot("satisfied", "basically"))
            .send()
            .await;
        assert_eq!(
            res.status,
            StatusCode::FORBIDDEN,
            "the roll is fixed at opening"
        );
        // A ballot that skips a cadre or invents a choice is a 422.
        let half = json!({"choices": [{"subject_id": subjects[0], "choice": "satisfied"}]});
        assert_eq!(
            app.post(&format!("/api/v1/appraisals/{id}/ballots"))
                .bearer(&resident)
                .json(&half)
                .send()
                .await
                .status,
            StatusCode::UNPROCESSABLE_ENTITY
        );
        assert_eq!(
            app.post(&format!("/api/v1/appraisals/{id}/ballots"))
                .bearer(&resident)
                .json(&ballot("great", "satisfied"))
                .send()
                .await
                .status,
            StatusCode::UNPROCESSABLE_ENTITY
        );
        let res = app
            .post(&format!("/api/v1/appraisals/{id}/ballots"))
            .bearer(&resident)
            .json(&ballot("satisfied", "unsatisfied"))
            .send()
            .await;
        assert_eq!(res.status, StatusCode::NO_CONTENT, "{}", res.text());
        // Once only.
        assert_eq!(
            app.post(&format!("/api/v1/appraisals/{id}/ballots"))
                .bearer(&resident)
                .json(&ballot("satisfied", "satisfied"))
                .send()
                .await
                .status,
            StatusCode::CONFLICT
        );
        // The leader votes through the page.
        let leader = app.login("leader").await;
        let res = app
            .post(&format!("/appraisals/{id}/ballot"))
            .browser(&leader)
            .form(&[
                ("_csrf", leader.csrf.as_str()),
                (&format!("s_{}", subjects[0]), "basically"),
                (&format!("s_{}", subjects[1]), "unsatisfied"),
            ])
            .send()
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.text());

        // Secrecy: the ballot table holds a random key, the appraisal and the marks — no voter,
        // no time; who voted is kept apart.
        {
            use sqlx::{Column, Row};
            let row = sqlx::query("SELECT * FROM appraisal_ballots")
                .fetch_one(app.db.read())
                .await
                .unwrap();
            let mut names: Vec<&str> = row.columns().iter().map(|c| c.name()).collect();
            names.sort_unstable();
            assert_eq!(names, ["appraisal_id", "choices", "token"]);
        }
        let stored = app
            .count(&format!(
                "SELECT COUNT(*) FROM appraisal_ballots WHERE appraisal_id = {id}"
            ))
            .await;
        assert_eq!(stored, 2);
        // Two of six on the roll, the window still open: no count yet, whoever asks.
        let supervisor = app.token("supervisor").await;
        let res = app
            .post(&format!("/api/v1/appraisals/{id}/close"))
            .bearer(&supervisor)
            .send()
            .await;
        assert_eq!(res.status, StatusCode::CONFLICT, "{}", res.text());
        assert_eq!(res.json()["code"], "appraisal.voting_running");
        assert!(res.text().contains("2/6"), "{}", res.text());
        // The other four vote.
        for name in &others {
            let t = app.token(name).await;
            let res = app
                .post(&format!("/api/v1/appraisals/{id}/ballots"))
                .bearer(&t)
                .json(&ballot("satisfied", "satisfied"))
                .send()
                .await;
            assert_eq!(res.status, StatusCode::NO_CONTENT, "{name}: {}", res.text());
        }
        assert_eq!(
            app.count(&format!(
                "SELECT COUNT(*) FROM appraisal_voters WHERE appraisal_id = {id}"
            ))
            .await,
            6
        );
        // While voting is open nobody sees the running tally.
        let open = app
            .get(&format!("/api/v1/appraisals/{id}"))
            .bearer(&supervisor)
            .send()
            .await
            .json();
        assert_eq!(
            (
                open["voted"].clone(),
                open["roll"].clone(),
                open["required"].clone()
            ),
            (json!(6), json!(6), json!(5))
        );
        assert!(open["subjects"][0]["satisfied"].is_null());
        assert_eq!(
            app.get(&format!("/api/v1/appraisals/{id}/ballots"))
                .bearer(&supervisor)
                .send()
                .await
                .status,
            StatusCode::CONFLICT
        );
        // The audit log says who voted, never how.
        let votes = app.count(&format!("SELECT COUNT(*) FROM audit_log WHERE action = 'appraisal.vote' AND object_id = '{id}' AND (detail IS NULL OR detail = '')")).await;
        assert_eq!(votes, 6);

        // The whole roll has voted: it may close before the window ends, and closing tallies;
        // the stored ballots recount to the same.
        let res = app
            .post(&format!("/api/v1/appraisals/{id}/close"))
            .bearer(&supervisor)
            .send()
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.text());
        let closed = res.json();
        assert_eq!(closed["ballots_counted"], 6);
        assert_eq!(closed["status"], "closed");
        let s0 = &closed["subjects"][0];
        assert_eq!(
            (
                s0["satisfied"].as_i64(),
                s0["basically"].as_i64(),
                s0["unsatisfied"].as_i64()
            ),
            (Some(5), Some(1), Some(0))
        );
        assert_eq!(s0["rate"].as_f64(), Some(1.0));
        let s1 = &closed["subjects"][1];
        assert_eq!(
            (
                s1["satisfied"].as_i64(),
                s1["unsatisfied"].as_i64(),
                s1["rate"].as_f64()
            ),
            (Some(4), Some(2), Some(0.667))
        );
        let recount = app
            .get(&format!("/api/v1/appraisals/{id}/ballots"))
            .bearer(&supervisor)
            .send()
            .await
            .json();
        assert_eq!(recount["matches"], true);
        let ballots = recount["ballots"].as_array().unwrap();
        assert_eq!(ballots.len(), 6);
        assert!(ballots.iter().all(
            |b| b.as_object().unwrap().keys().cloned().collect::<Vec<_>>() == ["choices", "token"]
        ));
        // No vote after closing.
        assert_eq!(
            app.post(&format!("/api/v1/appraisals/{id}/ballots"))
                .bearer(&resident)
                .json(&ballot("satisfied", "satisfied"))
                .send()
                .await
                .status,
            StatusCode::CONFLICT
        );

        // Disclosed by the supervisory board, not by the head it appraises.
        let head = app.token("head").await;
        let res = app
            .post(&format!("/api/v1/appraisals/{id}/disclose"))
            .bearer(&head)
            .send()
            .await;
        assert_eq!(res.status, StatusCode::FORBIDDEN, "{}", res.text());
        let res = app
            .post(&format!("/api/v1/appraisals/{id}/disclose"))
            .bearer(&supervisor)
            .send()
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.text());
        let notice = res.json()["disclosure_id"].as_i64().expect("disclosed");
        assert_eq!(app.count(&format!("SELECT COUNT(*) FROM disclosures WHERE id = {notice} AND category = 'appraisal' AND status = 'published' AND body LIKE '%满意率 100.0%%' AND body LIKE '%名册 6 名%'")).await, 1);
        assert_eq!(
            app.post(&format!("/api/v1/appraisals/{id}/disclose"))
                .bearer(&supervisor)
                .send()
                .await
                .status,
            StatusCode::CONFLICT
        );
        // Any resident of the community reads the result on the page.
        let page = app.get("/appraisals").browser(&leader).send().await;
        assert_eq!(page.status, StatusCode::OK);
        assert_eq!(
            page.select(&format!("#appraisal-{id} table.results tbody tr"))
                .len(),
            2
        );
    }
);

both!(
    opening_an_appraisal_checks_what_it_is_given,
    |app: TestApp| async move {
        let supervisor = app.token("supervisor").await;
        let street_user = app
            .count("SELECT id FROM users WHERE username = 'street'")
            .await;
        let today = zizhi::platform::time::today().to_string();
        for (body, why) in [
            (
                json!({"community_id": 1, "title": "评议", "period": "2026", "closes_on": today, "subjects": [street_user]}),
                "not a cadre of the community",
            ),
            (
                json!({"community_id": 1, "title": "评议", "period": "2026", "closes_on": "2020-01-01", "subjects": []}),
                "closes in the past",
            ),
            (
                json!({"community_id": 1, "title": "评议", "period": "2026-Q9", "closes_on": today, "subjects": []}),
                "no such period",
            ),
            (
                json!({"community_id": 1, "title": "", "period": "2026", "closes_on": today, "subjects": []}),
                "no title",
            ),
        ] {
            let res = app
                .post("/api/v1/appraisals")
                .bearer(&supervisor)
                .json(&body)
                .send()
                .await;
            assert_eq!(
                res.status,
                StatusCode::UNPROCESSABLE_ENTITY,
                "{why}: {}",
                res.text()
            );
        }
        assert_eq!(
            app.count("SELECT COUNT(*) FROM appraisals").await,
            0,
            "nothing half-written"
        );
        let worker = app.token("worker").await;
        let res = app.post("/api/v1/appraisals").bearer(&worker).json(&json!({"community_id": 1, "title": "评议", "period": "2026", "closes_on": today, "subjects": []})).send().await;
        assert_eq!(
            res.status,
            StatusCode::FORBIDDEN,
            "cadres do not appraise themselves"
        );
    }
);
