//! Self-governance bodies and their composition rules (M5, M6, M10).

use axum::http::StatusCode;
use serde_json::json;

use crate::both;
use crate::harness::TestApp;

both!(
    the_demo_council_and_who_sees_it,
    |app: TestApp| async move {
        let resident = app.token("resident").await;
        let bodies = app
            .get("/api/v1/bodies?kind=council")
            .bearer(&resident)
            .send()
            .await;
        assert_eq!(bodies.status, StatusCode::OK);
        let council = bodies.json()["items"][0].clone();
        assert_eq!(
            council["members"], 11,
            "ten building leaders and the secretary"
        );
        let members = app
            .get(&format!("/api/v1/bodies/{}/members", council["id"]))
            .bearer(&resident)
            .send()
            .await
            .json();
        let positions: Vec<&str> = members["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["position"].as_str().unwrap())
            .collect();
        assert_eq!(positions[..2], ["president", "vice_president"]);
        assert_eq!(members["items"][0]["source"], "ex_officio");
        assert_eq!(
            app.get("/api/v1/bodies")
                .bearer(&app.token("auditor").await)
                .send()
                .await
                .status,
            StatusCode::FORBIDDEN
        );
        let street = app
            .get("/api/v1/bodies?kind=building_group")
            .bearer(&app.token("street").await)
            .send()
            .await
            .json();
        assert_eq!(street["total"], 22);
    }
);

both!(composition_rules_are_enforced, |app: TestApp| async move {
    let head = app.token("head").await;
    let council = app
        .get("/api/v1/bodies?kind=council")
        .bearer(&head)
        .send()
        .await
        .json()["items"][0]["id"]
        .as_i64()
        .unwrap();
    let seat = |body: i64, v: serde_json::Value| {
        let (app, head) = (&app, head.clone());
        async move {
            app.post(&format!("/api/v1/bodies/{body}/members"))
                .bearer(&head)
                .json(&v)
                .send()
                .await
        }
    };
    // Nobody is seated as elected by hand, not even a building leader, who may stand: elected
    // seats come only from an election's result.
    let building_leader_12: i64 = app.count("SELECT m.resident_id FROM body_members m JOIN bodies b ON b.id = m.body_id WHERE b.kind = 'building_group' ORDER BY m.id LIMIT 1 OFFSET 11").await;
    let r = seat(
        council,
        json!({"resident_id": building_leader_12, "position": "member", "source": "elected"}),
    )
    .await;
    assert_eq!(
        (
            r.status,
            r.json()["code"].clone(),
            r.json()["field"].clone()
        ),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            json!("bodies.elected_by_election"),
            json!("source")
        )
    );
    assert!(r.text().contains("选举结果"), "{}", r.text());
    let not_leader = app.count("SELECT MIN(id) FROM residents WHERE community_id = 1 AND id NOT IN (SELECT resident_id FROM body_members WHERE resident_id IS NOT NULL)").await;
    let r = seat(
        council,
        json!({"username": "worker", "position": "member", "source": "appointed"}),
    )
    .await;
    assert_eq!(
        r.json()["code"],
        "bodies.one_cadre",
        "the secretary is the one cadre"
    );
    let r = seat(
        council,
        json!({"username": "worker", "position": "president", "source": "ex_officio"}),
    )
    .await;
    assert_eq!(r.json()["code"], "bodies.president_is_secretary");
    let r = seat(
        council,
        json!({"resident_id": not_leader, "position": "vice_president", "source": "elected"}),
    )
    .await;
    assert_eq!(r.json()["code"], "bodies.vice_from_members");
    // One building leader per building.
    let group = app
        .count("SELECT MIN(id) FROM bodies WHERE kind = 'building_group'")
        .await;
    let r = seat(
        group,
        json!({"resident_id": not_leader, "position": "president", "source": "elected"}),
    )
    .await;
    assert_eq!(r.json()["code"], "bodies.elected_by_election");
    let r = seat(
        group,
        json!({"resident_id": not_leader, "position": "president", "source": "appointed"}),
    )
    .await;
    assert_eq!(r.json()["code"], "bodies.one_leader_per_building");
    // The supervisory board takes resident representatives or association members only.
    let board = app
        .count("SELECT id FROM bodies WHERE kind = 'supervisory_board'")
        .await;
    let plain = app.count("SELECT MIN(id) FROM residents WHERE community_id = 1 AND rep_resident = 0 AND id NOT IN (SELECT resident_id FROM social_org_members)").await;
    let r = seat(
        board,
        json!({"resident_id": plain, "position": "member", "source": "appointed"}),
    )
    .await;
    assert_eq!(r.json()["code"], "bodies.board_members");
    let rep = app
        .count("SELECT MAX(id) FROM residents WHERE community_id = 1 AND rep_resident = 1")
        .await;
    let r = seat(
        board,
        json!({"resident_id": rep, "position": "member", "source": "elected"}),
    )
    .await;
    assert_eq!(
        r.json()["code"],
        "bodies.elected_by_election",
        "board members seated as elected without an election"
    );
    assert_eq!(
        seat(
            board,
            json!({"resident_id": rep, "position": "member", "source": "appointed"})
        )
        .await
        .status,
        StatusCode::CREATED
    );
    // A new building group takes its leader; the worker may not form bodies.
    let made = app
        .post("/api/v1/bodies")
        .bearer(&head)
        .json(&json!({"kind": "association", "name": "计划生育协会", "community_id": 1}))
        .send()
        .await;
    assert_eq!(made.status, StatusCode::CREATED);
    let worker = app.token("worker").await;
    assert_eq!(
        app.post("/api/v1/bodies")
            .bearer(&worker)
            .json(&json!({"kind": "association", "name": "x", "community_id": 1}))
            .send()
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.post("/api/v1/bodies")
            .bearer(&head)
            .json(&json!({"kind": "club", "name": "x", "community_id": 1}))
            .send()
            .await
            .json()["field"],
        "kind"
    );
    let before = app
        .count("SELECT COUNT(*) FROM body_members m JOIN bodies b ON b.id = m.body_id WHERE b.kind NOT IN ('assembly', 'association', 'leading_group')")
        .await;
    assert_eq!(before, 22 + 11 + 4, "nothing half-written by the refusals");
});

both!(
    every_kind_of_body_and_the_leading_group_parts,
    |app: TestApp| async move {
        let street = app.token("street").await;
        let all = app
            .get("/api/v1/bodies")
            .bearer(&street)
            .send()
            .await
            .json();
        let mut kinds: Vec<&str> = all["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| b["kind"].as_str().unwrap())
            .collect();
        kinds.sort();
        kinds.dedup();
        assert_eq!(
            kinds,
            [
                "assembly",
                "association",
                "building_group",
                "council",
                "leading_group",
                "supervisory_board"
            ]
        );
        let groups = app
            .get("/api/v1/bodies?kind=leading_group")
            .bearer(&street)
            .send()
            .await
            .json();
        assert_eq!(groups["total"], 3);
        let top = groups["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|b| b["parent_id"].is_null())
            .unwrap()["id"]
            .clone();
        let parts = groups["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|b| b["parent_id"] == top)
            .count();
        assert_eq!(parts, 2, "the office and the inspection group");
        // A part must be of its parent's kind and place.
        let council = app
            .count("SELECT id FROM bodies WHERE kind = 'council'")
            .await;
        let r = app
            .post("/api/v1/bodies")
            .bearer(&street)
            .json(&json!({"kind": "leading_group", "name": "宣传组", "parent_id": council}))
            .send()
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(r.json()["field"], "parent_id");
        let ok = app
            .post("/api/v1/bodies")
            .bearer(&street)
            .json(&json!({"kind": "leading_group", "name": "宣传组", "parent_id": top}))
            .send()
            .await;
        assert_eq!(ok.status, StatusCode::CREATED, "{}", ok.text());
        assert_eq!(ok.json()["parent_id"], top);
    }
);

both!(
    one_building_group_per_building_even_created_at_once,
    |app: TestApp| async move {
        let head = app.token("head").await;
        // A building of community 1 that has its group, and one that has none yet.
        let taken = app
            .count("SELECT MIN(building_id) FROM bodies WHERE kind = 'building_group' AND community_id = 1")
            .await;
        let create = |building: i64| {
            let (app, head) = (&app, head.clone());
            async move {
                app.post("/api/v1/bodies")
                    .bearer(&head)
                    .json(&serde_json::json!({"kind": "building_group", "name": "第二楼栋小组", "building_id": building}))
                    .send()
                    .await
            }
        };
        let second = create(taken).await;
        assert_eq!(second.status, StatusCode::CONFLICT, "{}", second.text());
        assert_eq!(second.json()["code"], "bodies.one_group_per_building");
        // A new building, and three heads' tabs creating its group at once: one wins.
        let free = app
            .insert(
                "INSERT INTO buildings (community_id, compound_id, number, units, floors, created_at) \
                 SELECT 1, MIN(id), '99', 2, 6, '2026-12-01T00:00:00.000000Z' FROM compounds WHERE community_id = 1 RETURNING id",
            )
            .await;
        let mut statuses: Vec<StatusCode> =
            futures_util::future::join_all((0..3).map(|_| create(free)))
                .await
                .iter()
                .map(|r| r.status)
                .collect();
        statuses.sort();
        assert_eq!(
            statuses,
            [
                StatusCode::CREATED,
                StatusCode::CONFLICT,
                StatusCode::CONFLICT
            ]
        );
        let groups = app
            .count("SELECT COUNT(*) FROM bodies WHERE kind = 'building_group' AND building_id IS NOT NULL \
                    GROUP BY building_id ORDER BY COUNT(*) DESC LIMIT 1")
            .await;
        assert_eq!(groups, 1, "never two groups for one building");
    }
);
