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

both!(
    residents_see_their_own_record_and_ask_for_corrections,
    |app: TestApp| async move {
        let resident = app.token("resident").await;
        assert_eq!(
            app.get("/api/v1/residents")
                .bearer(&resident)
                .send()
                .await
                .status,
            StatusCode::FORBIDDEN
        );
        let rid = app
            .count("SELECT resident_id FROM users WHERE username = 'resident'")
            .await;
        assert_eq!(
            app.get(&format!("/api/v1/residents/{rid}"))
                .bearer(&resident)
                .send()
                .await
                .status,
            StatusCode::FORBIDDEN
        );
        // A worker opens the resident's record; the resident then sees who did.
        let worker = app.token("worker").await;
        app.get(&format!("/api/v1/residents/{rid}"))
            .bearer(&worker)
            .send()
            .await;
        let mine = app.get("/api/v1/me/record").bearer(&resident).send().await;
        assert_eq!(mine.status, StatusCode::OK);
        let mine = mine.json();
        assert_eq!(mine["resident"]["id"], rid);
        assert!(
            mine["household"]
                .as_array()
                .unwrap()
                .iter()
                .any(|m| m["id"] == rid)
        );
        assert!(
            mine["accesses"]
                .as_array()
                .unwrap()
                .iter()
                .any(|a| a["actor"] == "worker" && a["object_type"] == "resident"),
            "{mine}"
        );
        let bad = app
            .post("/api/v1/me/corrections")
            .bearer(&resident)
            .json(&json!({"field": "salary", "message": "x"}))
            .send()
            .await;
        assert_eq!(bad.json()["field"], "field");
        let asked = app
            .post("/api/v1/me/corrections")
            .bearer(&resident)
            .json(&json!({"field": "phone", "message": "手机号已换成新号码"}))
            .send()
            .await;
        assert_eq!(asked.status, StatusCode::CREATED);
        let cid = asked.json()["id"].as_i64().unwrap();
        let list = app
            .get("/api/v1/corrections")
            .bearer(&worker)
            .send()
            .await
            .json();
        assert_eq!(list["items"][0]["id"], cid);
        assert_eq!(
            app.get("/api/v1/corrections")
                .bearer(&app.token("leader").await)
                .send()
                .await
                .status,
            StatusCode::FORBIDDEN
        );
        let done = app
            .post(&format!("/api/v1/corrections/{cid}"))
            .bearer(&worker)
            .json(&json!({"status": "done", "reply": "已更新"}))
            .send()
            .await;
        assert_eq!(done.status, StatusCode::NO_CONTENT);
        let twice = app
            .post(&format!("/api/v1/corrections/{cid}"))
            .bearer(&worker)
            .json(&json!({"status": "done", "reply": "已更新"}))
            .send()
            .await;
        assert_eq!(twice.status, StatusCode::CONFLICT);
        let mine = app
            .get("/api/v1/me/record")
            .bearer(&resident)
            .send()
            .await
            .json();
        assert_eq!(mine["corrections"][0]["status"], "done");
        assert_eq!(
            app.get("/api/v1/me/record")
                .bearer(&worker)
                .send()
                .await
                .status,
            StatusCode::FORBIDDEN,
            "staff accounts hold no resident record"
        );
    }
);

both!(
    registry_pages_for_the_worker_and_the_resident,
    |app: TestApp| async move {
        let worker = app.login("worker").await;
        let name: String = {
            use sqlx::Row;
            sqlx::query("SELECT name FROM residents WHERE community_id = 1 ORDER BY id LIMIT 1")
                .fetch_one(app.db.read())
                .await
                .unwrap()
                .try_get("name")
                .unwrap()
        };
        let list = app
            .get(&format!(
                "/residents?q={}",
                zizhi::platform::error::urlencode(&name)
            ))
            .browser(&worker)
            .send()
            .await;
        assert_eq!(list.status, StatusCode::OK);
        assert!(list.select("#residents td a").iter().any(|n| n == &name));
        let first = app
            .count("SELECT MIN(id) FROM residents WHERE community_id = 1")
            .await;
        let page = app
            .get(&format!("/residents/{first}"))
            .browser(&worker)
            .send()
            .await;
        assert_eq!(page.select("h1"), vec![name.clone()]);
        assert!(page.select("#id-number")[0].contains('*'));
        assert_eq!(
            page.select("#reason").len(),
            1,
            "workers may reveal, with a reason"
        );
        let leader = app.login("leader").await;
        let page = app.get("/residents").browser(&leader).send().await;
        assert!(!page.select("#residents tbody tr").is_empty());
        let resident = app.login("resident").await;
        let me = app.get("/me").browser(&resident).send().await;
        assert_eq!(me.status, StatusCode::OK);
        assert!(!me.select("#household li").is_empty());
        let asked = app
            .post("/me/corrections")
            .browser(&resident)
            .form(&[
                ("_csrf", &resident.csrf),
                ("field", "address"),
                ("message", "门牌号应为 302"),
            ])
            .send()
            .await;
        assert_eq!(asked.status, StatusCode::SEE_OTHER);
        let short = app
            .post("/me/corrections")
            .browser(&resident)
            .form(&[
                ("_csrf", &resident.csrf),
                ("field", "address"),
                ("message", "x"),
            ])
            .send()
            .await;
        assert_eq!(short.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(short.select("#correction-error").len(), 1);
        let queue = app.get("/corrections").browser(&worker).send().await;
        assert_eq!(queue.select(".correction").len(), 1);
        assert_eq!(
            app.get("/residents").browser(&resident).send().await.status,
            StatusCode::FORBIDDEN
        );
    }
);
