//! The registry: scope per role, search, masking and audited reveal, validation, moves, the
//! M2 and M3 rules, and 我的信息 with correction requests.

use axum::http::StatusCode;
use serde_json::json;

use crate::both;
use crate::harness::TestApp;

async fn living(app: &TestApp, filter: &str) -> i64 {
    app.count(&format!(
        "SELECT COUNT(*) FROM residents r WHERE r.status = 'living' {filter}"
    ))
    .await
}

both!(
    each_role_sees_its_scope_of_residents,
    |app: TestApp| async move {
        let leader_building = app.count("SELECT building_id FROM grants g JOIN users u ON u.id = g.user_id WHERE u.username = 'leader'").await;
        for (user, expected) in [
            ("street", Some(living(&app, "").await)),
            ("head", Some(living(&app, "AND r.community_id = 1").await)),
            ("worker", Some(living(&app, "AND r.community_id = 1").await)),
            (
                "leader",
                Some(living(&app, &format!("AND r.building_id = {leader_building}")).await),
            ),
            ("resident", None),
            ("council", None),
            ("supervisor", None),
            ("sysadmin", None),
            ("auditor", None),
        ] {
            let token = app.token(user).await;
            let res = app
                .get("/api/v1/residents?per_page=200")
                .bearer(&token)
                .send()
                .await;
            match expected {
                Some(n) => {
                    assert_eq!(res.status, StatusCode::OK, "{user}");
                    let body = res.json();
                    assert_eq!(body["total"], n, "{user}");
                    for item in body["items"].as_array().unwrap() {
                        assert!(
                            item["id_number"].as_str().unwrap().contains("***********"),
                            "{user}: masked"
                        );
                        if user == "leader" {
                            assert_eq!(
                                item["building_id"], leader_building,
                                "a leader sees their own building only"
                            );
                        }
                    }
                }
                None => assert_eq!(res.status, StatusCode::FORBIDDEN, "{user}"),
            }
        }
        assert!(living(&app, "AND r.community_id = 1").await >= 1000);
        // Every list read is in the audit log with the actor.
        assert!(app.count("SELECT COUNT(*) FROM audit_log WHERE action = 'registry.read' AND object_type = 'resident_list' AND actor = 'leader'").await >= 1);
    }
);

both!(
    search_by_name_last_four_and_address,
    |app: TestApp| async move {
        let token = app.token("worker").await;
        let (name, id_number, phone): (String, String, String) = {
            use sqlx::Row;
            let r = sqlx::query("SELECT name, id_number, phone FROM residents WHERE community_id = 1 AND phone <> '' ORDER BY id LIMIT 1")
            .fetch_one(app.db.read()).await.unwrap();
            (
                r.try_get("name").unwrap(),
                r.try_get("id_number").unwrap(),
                r.try_get("phone").unwrap(),
            )
        };
        let q = |s: &str| {
            format!(
                "/api/v1/residents?per_page=200&q={}",
                zizhi::platform::error::urlencode(s)
            )
        };
        let by_name = app.get(&q(&name)).bearer(&token).send().await.json();
        assert!(
            by_name["items"]
                .as_array()
                .unwrap()
                .iter()
                .any(|i| i["name"] == name.as_str())
        );
        let fragment: String = name.chars().skip(1).collect();
        let by_fragment = app.get(&q(&fragment)).bearer(&token).send().await.json();
        assert!(by_fragment["total"].as_i64().unwrap() >= by_name["total"].as_i64().unwrap());
        let by_id = app
            .get(&q(&id_number[14..]))
            .bearer(&token)
            .send()
            .await
            .json();
        assert!(
            by_id["items"]
                .as_array()
                .unwrap()
                .iter()
                .any(|i| i["name"] == name.as_str()),
            "last 4 of the ID number"
        );
        let by_phone = app.get(&q(&phone[7..])).bearer(&token).send().await.json();
        assert!(
            by_phone["items"]
                .as_array()
                .unwrap()
                .iter()
                .any(|i| i["name"] == name.as_str()),
            "last 4 of the phone"
        );
        let by_address = app.get(&q("阳光新城")).bearer(&token).send().await.json();
        assert!(by_address["total"].as_i64().unwrap() > 0);
        assert!(
            by_address["items"]
                .as_array()
                .unwrap()
                .iter()
                .all(|i| i["address"].as_str().unwrap().contains("阳光新城"))
        );
        // A search's total (counted beside its page) is every match, on every page; past the
        // last page there are none and the total still says how many.
        let total = by_address["total"].as_i64().unwrap();
        let mut seen = 0;
        for page in 1..=(total + 49) / 50 + 1 {
            let p = app
                .get(&format!(
                    "/api/v1/residents?per_page=50&page={page}&q={}",
                    zizhi::platform::error::urlencode("阳光新城")
                ))
                .bearer(&token)
                .send()
                .await
                .json();
            assert_eq!(p["total"].as_i64(), Some(total), "page {page}");
            seen += p["items"].as_array().unwrap().len() as i64;
        }
        assert_eq!(seen, total);
        let nobody = app.get(&q("%")).bearer(&token).send().await.json();
        assert_eq!(nobody["total"], 0, "LIKE wildcards are taken literally");
        let bad = app
            .get("/api/v1/residents?status=gone")
            .bearer(&token)
            .send()
            .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(bad.json()["field"], "status");
    }
);

both!(
    reveal_needs_the_duty_and_a_reason_and_is_audited,
    |app: TestApp| async move {
        let id = app
            .count("SELECT MIN(id) FROM residents WHERE community_id = 1 AND phone <> ''")
            .await;
        let worker = app.token("worker").await;
        let masked = app
            .get(&format!("/api/v1/residents/{id}"))
            .bearer(&worker)
            .send()
            .await
            .json();
        assert!(masked["id_number"].as_str().unwrap().contains('*'));
        let no_reason = app
            .get(&format!("/api/v1/residents/{id}?reveal=id_number"))
            .bearer(&worker)
            .send()
            .await;
        assert_eq!(no_reason.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(no_reason.json()["field"], "reason");
        let full = app
        .get(&format!("/api/v1/residents/{id}?reveal=id_number,phone&reason=%E4%B8%8A%E9%97%A8%E6%A0%B8%E5%AE%9E"))
        .bearer(&worker)
        .send()
        .await;
        assert_eq!(full.status, StatusCode::OK);
        let full = full.json();
        assert!(
            zizhi::registry::id_number::IdNumber::parse(full["id_number"].as_str().unwrap())
                .is_ok()
        );
        assert_eq!(full["phone"].as_str().unwrap().len(), 11);
        assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_log WHERE action = 'registry.reveal' AND sensitive = 1 AND actor = 'worker' AND detail LIKE 'id_number,phone: %'").await,
        1
    );
        // Neither a building leader nor the street office reveals full values.
        for user in ["leader", "street"] {
            let token = app.token(user).await;
            let res = app
                .get(&format!(
                    "/api/v1/residents/{id}?reveal=id_number&reason=check"
                ))
                .bearer(&token)
                .send()
                .await;
            assert_eq!(res.status, StatusCode::FORBIDDEN, "{user} may not reveal");
        }
    }
);

both!(households_scope_and_detail, |app: TestApp| async move {
    let leader = app.token("leader").await;
    let mine = app
        .get("/api/v1/households?per_page=200")
        .bearer(&leader)
        .send()
        .await
        .json();
    let b = mine["items"][0]["building_id"].as_i64().unwrap();
    assert!(
        mine["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|h| h["building_id"] == b)
    );
    let h = mine["items"][0]["id"].as_i64().unwrap();
    let detail = app
        .get(&format!("/api/v1/households/{h}"))
        .bearer(&leader)
        .send()
        .await;
    assert_eq!(detail.status, StatusCode::OK);
    let other = app
        .count(&format!(
            "SELECT MIN(id) FROM households WHERE building_id <> {b}"
        ))
        .await;
    assert_eq!(
        app.get(&format!("/api/v1/households/{other}"))
            .bearer(&leader)
            .send()
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let worker = app.token("worker").await;
    let created = app
        .post("/api/v1/households")
        .bearer(&worker)
        .json(&json!({"building_id": b, "unit": 1, "door_number": "801", "tags": ["rented_out"]}))
        .send()
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text());
    assert_eq!(created.json()["tags"][0], "rented_out");
    let dup = app
        .post("/api/v1/households")
        .bearer(&worker)
        .json(&json!({"building_id": b, "unit": 1, "door_number": "801"}))
        .send()
        .await;
    assert_eq!(dup.status, StatusCode::CONFLICT);
    let bad_tag = app
        .post("/api/v1/households")
        .bearer(&worker)
        .json(&json!({"building_id": b, "unit": 1, "door_number": "802", "tags": ["vip"]}))
        .send()
        .await;
    assert_eq!(bad_tag.json()["field"], "tags");
    let bad_unit = app
        .post("/api/v1/households")
        .bearer(&worker)
        .json(&json!({"building_id": b, "unit": 9, "door_number": "802"}))
        .send()
        .await;
    assert_eq!(bad_unit.json()["field"], "unit");
    let difficulty = app
        .get("/api/v1/households?tag=in_difficulty&per_page=1")
        .bearer(&worker)
        .send()
        .await
        .json();
    assert!(difficulty["total"].as_i64().unwrap() > 0);
});
