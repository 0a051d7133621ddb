//! Issue 21, item 1 (M1, M2): the rules of places bind the head and the street (docs/rules.md
//! P5, P7, P8): who may create what, a custodian of the officer's own street, names their own,
//! occupancy as reported, and a committee set up once under concurrent requests.

use axum::http::StatusCode;
use serde_json::json;

use crate::both;
use crate::harness::TestApp;

both!(
    the_rules_of_places_bind_the_head_and_the_street,
    |app: TestApp| async move {
        let head = app.token("head").await;
        let street = app.token("street").await;
        let worker = app.token("worker").await;

        // Communities are the street's; compounds elsewhere are not the head's; workers do
        // not change places.
        let res = app
            .post("/api/v1/communities")
            .bearer(&head)
            .json(&json!({"code": "150102001088", "name": "新社区"}))
            .send()
            .await;
        assert_eq!(res.status, StatusCode::FORBIDDEN);
        for (token, community, want) in [
            (&head, 2, StatusCode::FORBIDDEN),
            (&worker, 1, StatusCode::FORBIDDEN),
        ] {
            let res = app
                .post("/api/v1/compounds")
                .bearer(token)
                .json(&json!({"community_id": community, "name": "新小区"}))
                .send()
                .await;
            assert_eq!(res.status, want, "{}", res.text());
        }

        // P5: the custodian is a community of the officer's own street.
        let other = app
            .insert("INSERT INTO streets (code, name, district, created_at) VALUES ('150102002', '东风街道', '', '2026-01-01T00:00:00Z') RETURNING id")
            .await;
        let elsewhere = app
            .insert(&format!("INSERT INTO communities (street_id, code, name, created_at) VALUES ({other}, '150102002001', '东风社区', '2026-01-01T00:00:00Z') RETURNING id"))
            .await;
        let res = app
            .post("/api/v1/compounds")
            .bearer(&street)
            .json(&json!({"community_id": elsewhere, "name": "新小区", "in_custody": true}))
            .send()
            .await;
        assert_eq!(res.status, StatusCode::FORBIDDEN, "{}", res.text());
        assert_eq!(
            app.count(&format!(
                "SELECT COUNT(*) FROM compounds WHERE community_id = {elsewhere}"
            ))
            .await,
            0
        );

        // P8: a community's code is its own, and so is a compound's name in its community.
        let taken: String = {
            use sqlx::Row;
            sqlx::query("SELECT code FROM communities WHERE id = 2")
                .fetch_one(app.db.read())
                .await
                .unwrap()
                .try_get("code")
                .unwrap()
        };
        let res = app
            .post("/api/v1/communities")
            .bearer(&street)
            .json(&json!({"code": taken, "name": "新社区"}))
            .send()
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(res.json()["field"], "code", "{}", res.text());
        let existing: String = {
            use sqlx::Row;
            sqlx::query("SELECT name FROM compounds WHERE community_id = 1 ORDER BY id LIMIT 1")
                .fetch_one(app.db.read())
                .await
                .unwrap()
                .try_get("name")
                .unwrap()
        };
        let res = app
            .post("/api/v1/compounds")
            .bearer(&head)
            .json(&json!({"community_id": 1, "name": existing}))
            .send()
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);

        // Occupancy as reported: never more moved in than homes.
        let res = app
            .post("/api/v1/compounds")
            .bearer(&street)
            .json(&json!({"community_id": 1, "name": "东岸新城", "in_custody": true, "homes": 100, "moved_in": 101}))
            .send()
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(res.json()["field"], "moved_in");
        let res = app
            .post("/api/v1/compounds")
            .bearer(&street)
            .json(&json!({"community_id": 1, "name": "东岸新城", "in_custody": true, "homes": 100, "moved_in": 50}))
            .send()
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.text());
        let id = res.json()["id"].as_i64().unwrap();
        let compound = app
            .get(&format!("/api/v1/compounds/{id}"))
            .bearer(&street)
            .send()
            .await
            .json();
        assert_eq!(compound["custody"], "in_custody");
        assert_eq!(compound["custodian_community_id"], 1);
        assert_eq!(compound["occupancy_source"], "recorded");
        assert_eq!(compound["needs_committee"], true, "50 of 100 is half");

        // P7: the committee is set up once, under concurrent requests too.
        let body = json!({"set_up_on": "2026-12-01", "code": "150102001077", "name": "东岸社区"});
        app.one_of_four_wins(
            &street,
            &format!("/api/v1/compounds/{id}/committee"),
            body,
            StatusCode::CREATED,
        )
        .await;
        assert_eq!(
            app.count("SELECT COUNT(*) FROM communities WHERE name = '东岸社区'")
                .await,
            1
        );
        // A compound of a community's own has no custody to end.
        let own = app
            .count("SELECT MIN(id) FROM compounds WHERE community_id = 2")
            .await;
        let res = app
            .post(&format!("/api/v1/compounds/{own}/committee"))
            .bearer(&street)
            .json(&json!({"set_up_on": "2026-12-01", "code": "150102001066", "name": "又一社区"}))
            .send()
            .await;
        assert_eq!(res.status, StatusCode::CONFLICT, "{}", res.text());
        // A compound keeps a name.
        let res = app
            .put(&format!("/api/v1/compounds/{own}"))
            .bearer(&street)
            .json(&json!({"name": "", "homes": 10}))
            .send()
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(res.json()["field"], "name");
    }
);
