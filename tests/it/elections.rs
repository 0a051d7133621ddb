//! Elections (M5, M6): nominations, publicity with real-name objections, secret ballots online
//! and on paper, a reproducible tally, and the announcement that seats the winner.

use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::both;
use crate::harness::TestApp;

async fn demo_election(app: &TestApp) -> i64 {
    app.count("SELECT id FROM elections WHERE status = 'publicity'")
        .await
}

both!(
    the_demo_election_is_public_with_its_objection,
    |app: TestApp| async move {
        let id = demo_election(&app).await;
        let e = app.get(&format!("/api/v1/elections/{id}")).send().await;
        assert_eq!(e.status, StatusCode::OK, "public without sign-in");
        assert_eq!(e.json()["status"], "publicity");
        assert!(
            e.json()["publicity_until"].as_str().unwrap()
                > e.json()["publicity_from"].as_str().unwrap()
        );
        let noms = app
            .get(&format!("/api/v1/elections/{id}/nominations"))
            .send()
            .await
            .json();
        assert_eq!(noms["total"], 2);
        let methods: Vec<&str> = noms["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n["method"].as_str().unwrap())
            .collect();
        assert_eq!(methods, ["self", "recommended"]);
        assert!(
            noms["items"][1]["recommender"]
                .as_str()
                .is_some_and(|r| !r.is_empty())
        );
        let obj = app
            .get(&format!("/api/v1/elections/{id}/objections"))
            .send()
            .await
            .json();
        assert_eq!(obj["total"], 1);
        let objector = obj["items"][0]["objector"].as_str().unwrap();
        assert!(objector.contains('*'), "masked to the public: {objector}");
        assert!(obj["items"][0]["outcome"].is_null());
        let page = app.get(&format!("/elections/{id}")).send().await;
        assert_eq!(page.status, StatusCode::OK);
        assert_eq!(page.select("#candidates li").len(), 2);
        assert_eq!(page.select("#objections li").len(), 1);
        // Staff see the objector's full name, to answer them.
        let staff = app
            .get(&format!("/api/v1/elections/{id}/objections"))
            .bearer(&app.token("head").await)
            .send()
            .await
            .json();
        assert!(
            !staff["items"][0]["objector"]
                .as_str()
                .unwrap()
                .contains('*')
        );
        assert_eq!(
            app.get("/api/v1/elections").send().await.status,
            StatusCode::UNAUTHORIZED
        );
    }
);

both!(objections_are_by_name_only, |app: TestApp| async move {
    let id = demo_election(&app).await;
    let path = format!("/api/v1/elections/{id}/objections");
    let anon = app
        .post(&path)
        .json(&json!({"body": "匿名反映：候选人不合适"}))
        .send()
        .await;
    assert_eq!(anon.status, StatusCode::UNAUTHORIZED);
    // The API's door refuses anonymous writes before reading them (`web::api_door`).
    assert_eq!(anon.json()["code"], "error.unauthenticated");
    let worker = app
        .post(&path)
        .bearer(&app.token("worker").await)
        .json(&json!({"body": "工作人员不能以居民身份异议"}))
        .send()
        .await;
    assert_eq!(worker.status, StatusCode::FORBIDDEN);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM election_objections").await,
        1
    );

    let resident = app.token("resident").await;
    let nomination = app.count(&format!("SELECT id FROM election_nominations WHERE election_id = {id} AND method = 'recommended'")).await;
    let r = app
        .post(&path)
        .bearer(&resident)
        .json(&json!({"nomination_id": nomination, "body": "该候选人户口已迁出本楼"}))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let oid = r.json()["id"].as_i64().unwrap();
    let head = app.token("head").await;
    let bad = app
        .post(&format!("{path}/{oid}"))
        .bearer(&head)
        .json(&json!({"outcome": "maybe", "handling": "x"}))
        .send()
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    let handled = app
        .post(&format!("{path}/{oid}"))
        .bearer(&head)
        .json(&json!({"outcome": "upheld", "handling": "经核实户口已迁出，取消候选资格"}))
        .send()
        .await;
    assert_eq!(handled.status, StatusCode::OK, "{}", handled.text());
    assert_eq!(handled.json()["outcome"], "upheld");
    let noms = app
        .get(&format!("/api/v1/elections/{id}/nominations"))
        .send()
        .await
        .json();
    assert_eq!(noms["items"][1]["disqualified"], true);
    let again = app
        .post(&format!("{path}/{oid}"))
        .bearer(&head)
        .json(&json!({"outcome": "dismissed", "handling": "改判"}))
        .send()
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    // The publicity page shows the handling.
    let page = app.get(&format!("/elections/{id}")).send().await;
    assert!(page.text().contains("经核实户口已迁出"));
});

async fn post(app: &TestApp, token: &str, path: &str, body: Value) -> crate::client::Res {
    app.post(path).bearer(token).json(&body).send().await
}

both!(
    an_election_from_nomination_to_announcement,
    |app: TestApp| async move {
        let head = app.token("head").await;
        let worker = app.token("worker").await;
        let resident = app.token("resident").await;
        let leader = app.token("leader").await;
        let group = app.count("SELECT b.id FROM bodies b JOIN users u ON 1 = 1 JOIN residents r ON r.id = u.resident_id \
             WHERE u.username = 'resident' AND b.building_id = r.building_id").await;
        let e = post(
            &app,
            &head,
            "/api/v1/elections",
            json!({"body_id": group, "title": "1号楼楼栋长补选", "seats": 1,
            "electorate": "building", "term_from": "2027-01-01", "term_to": "2029-12-31"}),
        )
        .await;
        assert_eq!(e.status, StatusCode::CREATED, "{}", e.text());
        let id = e.json()["id"].as_i64().unwrap();
        assert_eq!(e.json()["status"], "nominating");
        let path = |p: &str| format!("/api/v1/elections/{id}{p}");
        let me: i64 = app
            .count("SELECT resident_id FROM users WHERE username = 'resident'")
            .await;
        let lead: i64 = app
            .count("SELECT resident_id FROM users WHERE username = 'leader'")
            .await;
        let elsewhere: i64 = app.count(&format!("SELECT id FROM residents WHERE building_id <> (SELECT building_id FROM residents WHERE id = {me}) AND status = 'living' ORDER BY id LIMIT 1")).await;
        let a = post(
            &app,
            &resident,
            &path("/nominations"),
            json!({"resident_id": me, "method": "self", "statement": "愿为邻居服务"}),
        )
        .await;
        assert_eq!(a.status, StatusCode::CREATED, "{}", a.text());
        let a = a.json()["id"].as_i64().unwrap();
        let b = post(
            &app,
            &worker,
            &path("/nominations"),
            json!({"resident_id": lead, "method": "recommended", "recommender": "王秀兰"}),
        )
        .await;
        assert_eq!(b.status, StatusCode::CREATED, "{}", b.text());
        assert_eq!(b.json()["recommender"], "王秀兰");
        let b = b.json()["id"].as_i64().unwrap();
        let far = post(
            &app,
            &worker,
            &path("/nominations"),
            json!({"resident_id": elsewhere, "method": "self"}),
        )
        .await;
        assert_eq!(far.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(far.json()["code"], "elections.not_in_constituency");
        let twice = post(
            &app,
            &worker,
            &path("/nominations"),
            json!({"resident_id": me, "method": "self"}),
        )
        .await;
        assert_eq!(twice.status, StatusCode::CONFLICT);
        // Publicity: N working days, then voting.
        let p = post(
            &app,
            &head,
            &path("/status"),
            json!({"status": "publicity"}),
        )
        .await;
        assert_eq!(p.status, StatusCode::OK, "{}", p.text());
        assert!(p.json()["publicity_until"].is_string());
        let early = post(&app, &head, &path("/status"), json!({"status": "voting"})).await;
        assert_eq!(early.status, StatusCode::CONFLICT);
        assert_eq!(early.json()["code"], "elections.publicity_running");
        let skip = post(
            &app,
            &head,
            &path("/status"),
            json!({"status": "announced"}),
        )
        .await;
        assert_eq!(skip.status, StatusCode::CONFLICT);
        app.exec(&format!(
            "UPDATE elections SET publicity_until = '2026-01-01' WHERE id = {id}"
        ))
        .await;
        let v = post(&app, &head, &path("/status"), json!({"status": "voting"})).await;
        assert_eq!(v.status, StatusCode::OK, "{}", v.text());
        assert_eq!(v.json()["status"], "voting");

        // Online: once each, known candidates only, inside the window.
        let vote = post(&app, &resident, &path("/ballots"), json!({"choices": [a]})).await;
        assert_eq!(vote.status, StatusCode::CREATED, "{}", vote.text());
        let again = post(&app, &resident, &path("/ballots"), json!({"choices": [b]})).await;
        assert_eq!(again.status, StatusCode::CONFLICT);
        assert_eq!(again.json()["code"], "elections.voted_already");
        let unknown = post(
            &app,
            &leader,
            &path("/ballots"),
            json!({"choices": [a + 999]}),
        )
        .await;
        assert_eq!(unknown.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(unknown.json()["code"], "elections.unknown_candidate");
        let two = post(&app, &leader, &path("/ballots"), json!({"choices": [a, b]})).await;
        assert_eq!(
            two.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "one seat, one mark"
        );
        let staff = post(&app, &worker, &path("/ballots"), json!({"choices": [a]})).await;
        assert_eq!(staff.status, StatusCode::FORBIDDEN);
        assert_eq!(
            app.count(&format!(
                "SELECT COUNT(*) FROM election_ballots WHERE election_id = {id}"
            ))
            .await,
            1
        );
        assert_eq!(
            app.count(&format!(
                "SELECT COUNT(*) FROM election_voters WHERE election_id = {id}"
            ))
            .await,
            1
        );
        // No tally while the polls are open (M5): two ballots of many would be the result.
        let early = post(&app, &head, &path("/status"), json!({"status": "tallied"})).await;
        assert_eq!(early.status, StatusCode::CONFLICT, "{}", early.text());
        assert_eq!(early.json()["code"], "elections.voting_running");
        // The roll: the building's adults living there; the turnout is in the refusal.
        let roll = app.count(&format!("SELECT COUNT(*) FROM residents WHERE building_id = (SELECT building_id FROM residents WHERE id = {me}) \
             AND status = 'living' AND locked_at IS NULL AND birth_date <= '{}'", zizhi::platform::time::today().checked_sub(jiff::Span::new().years(18)).unwrap())).await;
        assert!(
            early.text().contains(&format!("1/{roll}")),
            "{}",
            early.text()
        );
        app.exec(&format!(
            "UPDATE elections SET voting_closes = '2026-01-01T00:00:00.000000Z' WHERE id = {id}"
        ))
        .await;
        let late = post(&app, &leader, &path("/ballots"), json!({"choices": [b]})).await;
        assert_eq!(late.status, StatusCode::CONFLICT);
        assert_eq!(late.json()["code"], "elections.window_closed");

        // Paper: entered by one worker, confirmed by another, only then counted.
        let batch = json!({"label": "1号票箱", "ballots": [[a], [a], [b], []]});
        let entered = post(&app, &worker, &path("/paper-batches"), batch.clone()).await;
        assert_eq!(entered.status, StatusCode::CREATED, "{}", entered.text());
        assert_eq!(entered.json()["status"], "entered");
        let bid = entered.json()["id"].as_i64().unwrap();
        let tally = post(&app, &head, &path("/status"), json!({"status": "tallied"})).await;
        assert_eq!(tally.json()["code"], "elections.batches_unconfirmed");
        let own = post(
            &app,
            &worker,
            &path(&format!("/paper-batches/{bid}/confirm")),
            batch.clone(),
        )
        .await;
        assert_eq!(own.json()["code"], "elections.second_person");
        let differs = post(
            &app,
            &head,
            &path(&format!("/paper-batches/{bid}/confirm")),
            json!({"label": "1号票箱", "ballots": [[a], [b], [b], []]}),
        )
        .await;
        assert_eq!(differs.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(differs.json()["code"], "elections.batch_mismatch");
        let same = post(
            &app,
            &head,
            &path(&format!("/paper-batches/{bid}/confirm")),
            json!({"label": "1号票箱", "ballots": [[], [b], [a], [a]]}),
        )
        .await;
        assert_eq!(same.status, StatusCode::OK, "{}", same.text());
        assert_eq!(same.json()["status"], "confirmed");

        let before = app.get(&path("/result")).send().await;
        assert_eq!(
            before.status,
            StatusCode::CONFLICT,
            "no result before the tally"
        );
        let t = post(&app, &head, &path("/status"), json!({"status": "tallied"})).await;
        assert_eq!(t.status, StatusCode::OK, "{}", t.text());
        let result = app.get(&path("/result")).send().await.json();
        assert_eq!(result["ballots_counted"], 5);
        assert_eq!(
            result["roll"], roll,
            "the turnout is shown against the roll"
        );
        assert_eq!(result["blank_ballots"], 1);
        assert_eq!(result["reproduced"], true);
        assert_eq!(result["candidates"][0]["nomination_id"], a);
        assert_eq!(result["candidates"][0]["votes"], 3);
        assert_eq!(result["candidates"][0]["elected"], true);
        assert_eq!(result["candidates"][1]["elected"], false);
        // Anyone can recount, and a tampered tally shows.
        let ballots = app.get(&path("/ballots")).send().await.json();
        assert_eq!(ballots["total"], 5);
        let marks_for_a = ballots["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|b| b["choices"].as_array().unwrap().contains(&json!(a)))
            .count();
        assert_eq!(marks_for_a, 3);
        app.exec(&format!(
            "UPDATE election_nominations SET votes = 4 WHERE id = {a}"
        ))
        .await;
        assert_eq!(
            app.get(&path("/result")).send().await.json()["reproduced"],
            false
        );
        app.exec(&format!(
            "UPDATE election_nominations SET votes = 3 WHERE id = {a}"
        ))
        .await;

        // Announced: the winner leads the building, with the role for the term.
        let ann = post(
            &app,
            &head,
            &path("/status"),
            json!({"status": "announced"}),
        )
        .await;
        assert_eq!(ann.status, StatusCode::OK, "{}", ann.text());
        let members = app
            .get(&format!("/api/v1/bodies/{group}/members"))
            .bearer(&head)
            .send()
            .await
            .json();
        assert_eq!(members["total"], 1);
        assert_eq!(members["items"][0]["resident_id"], me);
        assert_eq!(members["items"][0]["position"], "president");
        assert_eq!(members["items"][0]["source"], "elected");
        assert_eq!(app.count("SELECT COUNT(*) FROM grants g JOIN users u ON u.id = g.user_id WHERE u.username = 'resident' AND g.role = 'building_leader' AND g.revoked_at IS NULL").await, 1);
        assert_eq!(app.count("SELECT COUNT(*) FROM grants g JOIN users u ON u.id = g.user_id WHERE u.username = 'leader' AND g.role = 'building_leader' AND g.revoked_at IS NULL").await, 0);
    }
);

both!(
    no_query_or_export_links_a_ballot_to_its_voter,
    |app: TestApp| async move {
        // The ballot table holds no voter, no time and no insertion order.
        let columns: Vec<String> = match app.backend {
            crate::harness::Backend::Sqlite => {
                sqlx_columns(&app, "SELECT name FROM pragma_table_info('election_ballots') ORDER BY name").await
            }
            crate::harness::Backend::Postgres => {
                sqlx_columns(&app, "SELECT CAST(column_name AS TEXT) AS name FROM information_schema.columns WHERE table_name = 'election_ballots' AND table_schema = current_schema() ORDER BY column_name").await
            }
        };
        assert_eq!(columns, ["batch_id", "choices", "election_id", "token"]);
        if app.backend == crate::harness::Backend::Sqlite {
            let sql = app.count("SELECT COUNT(*) FROM sqlite_master WHERE name = 'election_ballots' AND sql LIKE '%WITHOUT ROWID%'").await;
            assert_eq!(sql, 1, "no rowid to betray the order of casting");
        }
        let voters: Vec<String> = match app.backend {
            crate::harness::Backend::Sqlite => sqlx_columns(&app, "SELECT name FROM pragma_table_info('election_voters') ORDER BY name").await,
            crate::harness::Backend::Postgres => sqlx_columns(&app, "SELECT CAST(column_name AS TEXT) AS name FROM information_schema.columns WHERE table_name = 'election_voters' AND table_schema = current_schema() ORDER BY column_name").await,
        };
        assert_eq!(
            voters,
            ["election_id", "user_id"],
            "who voted, never when or how"
        );
        // The audit entry of a vote says who voted, never how.
        let id = app
            .count("SELECT id FROM elections WHERE status = 'publicity'")
            .await;
        app.exec(&format!("UPDATE elections SET status = 'voting', voting_opens = '2026-01-01T00:00:00.000000Z', voting_closes = '2099-01-01T00:00:00.000000Z' WHERE id = {id}")).await;
        let nom = app
            .count(&format!(
                "SELECT MIN(id) FROM election_nominations WHERE election_id = {id}"
            ))
            .await;
        let r = app
            .post(&format!("/api/v1/elections/{id}/ballots"))
            .bearer(&app.token("resident").await)
            .json(&json!({"choices": [nom]}))
            .send()
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        assert_eq!(
            app.count("SELECT COUNT(*) FROM audit_log WHERE action = 'elections.vote'")
                .await,
            1
        );
        assert_eq!(app.count(&format!("SELECT COUNT(*) FROM audit_log WHERE action = 'elections.vote' AND detail LIKE '%{nom}%'")).await, 0);
        // Before the tally nobody sees the ballots, not even staff.
        let early = app
            .get(&format!("/api/v1/elections/{id}/ballots"))
            .bearer(&app.token("head").await)
            .send()
            .await;
        assert_eq!(early.status, StatusCode::CONFLICT);
    }
);

async fn sqlx_columns(app: &TestApp, sql: &str) -> Vec<String> {
    use sqlx::Row;
    sqlx::query(sql)
        .fetch_all(app.db.read())
        .await
        .unwrap()
        .iter()
        .map(|r| r.try_get::<String, _>("name").unwrap())
        .collect()
}

both!(
    the_council_takes_only_building_leaders,
    |app: TestApp| async move {
        let head = app.token("head").await;
        let council = app
            .count("SELECT id FROM bodies WHERE kind = 'council'")
            .await;
        let e = post(
            &app,
            &head,
            "/api/v1/elections",
            json!({"body_id": council, "title": "议事协调会换届", "seats": 10,
            "electorate": "representatives", "term_from": "2027-01-01"}),
        )
        .await;
        assert_eq!(e.status, StatusCode::CREATED, "{}", e.text());
        let id = e.json()["id"].as_i64().unwrap();
        let too_many = post(
            &app,
            &head,
            "/api/v1/elections",
            json!({"body_id": council, "title": "x", "seats": 11,
            "electorate": "community", "term_from": "2027-01-01"}),
        )
        .await;
        assert_eq!(too_many.json()["field"], "seats");
        // The candidates' 公示 is never shorter than 5 working days (M5, M19).
        let short = post(
            &app,
            &head,
            "/api/v1/elections",
            json!({"body_id": council, "title": "x", "seats": 5, "publicity_days": 1,
            "electorate": "representatives", "term_from": "2027-01-01"}),
        )
        .await;
        assert_eq!(short.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(short.json()["field"], "publicity_days");
        assert_eq!(short.json()["code"], "publicity.bad_days");
        let not_leader = app.count("SELECT r.id FROM residents r WHERE r.community_id = 1 AND r.status = 'living' AND r.id NOT IN \
            (SELECT m.resident_id FROM body_members m JOIN bodies b ON b.id = m.body_id WHERE b.kind = 'building_group' AND m.resident_id IS NOT NULL) ORDER BY r.id LIMIT 1").await;
        let r = post(
            &app,
            &head,
            &format!("/api/v1/elections/{id}/nominations"),
            json!({"resident_id": not_leader, "method": "self"}),
        )
        .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(r.json()["code"], "bodies.members_are_leaders");
        let leader = app
            .count("SELECT resident_id FROM users WHERE username = 'leader'")
            .await;
        let ok = post(
            &app,
            &head,
            &format!("/api/v1/elections/{id}/nominations"),
            json!({"resident_id": leader, "method": "self"}),
        )
        .await;
        assert_eq!(ok.status, StatusCode::CREATED, "{}", ok.text());
        assert_eq!(
            app.count(&format!(
                "SELECT COUNT(*) FROM election_nominations WHERE election_id = {id}"
            ))
            .await,
            1
        );
        // A resident's account cannot run elections.
        let denied = post(
            &app,
            &app.token("resident").await,
            "/api/v1/elections",
            json!({"body_id": council, "title": "x", "seats": 1,
            "electorate": "community", "term_from": "2027-01-01"}),
        )
        .await;
        assert_eq!(denied.status, StatusCode::FORBIDDEN);
    }
);
