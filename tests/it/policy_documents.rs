//! Issue 21, item 11: building leaders as 政策文件宣传员. Staff send a policy document to
//! buildings; each building's leader records every household's acknowledgement — visited or
//! on the phone — once, for their own building only (rule K4); coverage shows by building.

use axum::http::StatusCode;
use serde_json::json;

use crate::both;
use crate::forms::{follow, post};
use crate::harness::TestApp;

both!(
    a_leader_passes_a_policy_document_to_every_household_of_the_building,
    |app: TestApp| async move {
        let leader_building = app
            .count("SELECT building_id FROM grants WHERE user_id = (SELECT id FROM users WHERE username = 'leader') AND role = 'building_leader'")
            .await;
        let other = app
            .count(&format!(
                "SELECT MIN(id) FROM buildings WHERE community_id = 1 AND id <> {leader_building}"
            ))
            .await;
        let mut worker = app.login("worker").await;
        let (lb, ob) = (leader_building.to_string(), other.to_string());
        let bad = post(
            &app,
            &worker,
            "/policy-documents",
            &[
                ("title", ""),
                ("summary", "高龄津贴申领条件和所需材料"),
                ("building_id", &lb),
            ],
        )
        .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(bad.select("#document-title-error").len(), 1);
        assert_eq!(
            bad.select("#document-summary")[0],
            "高龄津贴申领条件和所需材料"
        );
        let sent = post(
            &app,
            &worker,
            "/policy-documents",
            &[
                ("title", "关于调整高龄津贴发放标准的通知"),
                (
                    "summary",
                    "80 周岁以上老人每月津贴提高到 200 元，12 月底前到社区确认信息。",
                ),
                ("building_id", &lb),
                ("building_id", &ob),
            ],
        )
        .await;
        let page = follow(&app, &mut worker, &sent).await;
        assert_eq!(
            page.select(".flash"),
            vec!["已下发《关于调整高龄津贴发放标准的通知》".to_owned()]
        );
        let doc = app.count("SELECT MAX(id) FROM policy_documents").await;
        let in_building =
            |b: i64| format!("SELECT COUNT(*) FROM households WHERE building_id = {b}");
        let doors = app.count(&in_building(leader_building)).await;

        // The leader sees the document for their building and records a household at the door.
        let mut leader = app.login("leader").await;
        let list = app.get("/policy-documents").browser(&leader).send().await;
        assert_eq!(
            list.select("#documents > li").len(),
            2,
            "the demo's and this one"
        );
        assert_eq!(
            list.select("#document-form").len(),
            0,
            "leaders do not send documents"
        );
        assert_eq!(
            list.select(&format!("#doc-{doc} .coverage li")),
            vec![format!(
                "{}：已送达 0 / {doors} 户",
                app.text(&format!("SELECT k.name || ' ' || b.number FROM buildings b JOIN compounds k ON k.id = b.compound_id WHERE b.id = {leader_building}")).await
            )],
            "only the leader's own building"
        );
        let h = app
            .count(&format!(
                "SELECT MIN(id) FROM households WHERE building_id = {leader_building}"
            ))
            .await;
        let path = format!("/policy-documents/{doc}/acknowledgements");
        let tomorrow = zizhi::platform::time::today()
            .tomorrow()
            .unwrap()
            .to_string();
        let future = post(
            &app,
            &leader,
            &path,
            &[
                ("household_id", &h.to_string()),
                ("building_id", &lb),
                ("how", "visited"),
                ("on_date", &tomorrow),
            ],
        )
        .await;
        assert_eq!(future.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(future.select(&format!("#ack-{h}-on_date-error")).len(), 1);
        let done = post(
            &app,
            &leader,
            &path,
            &[
                ("household_id", &h.to_string()),
                ("building_id", &lb),
                ("how", "visited"),
                ("on_date", ""),
            ],
        )
        .await;
        let page = follow(&app, &mut leader, &done).await;
        assert_eq!(page.select(".flash").len(), 1);
        assert!(
            page.select(&format!("#building-{leader_building}"))[0]
                .contains(&format!("1 / {doors}"))
        );
        assert!(page.select(&format!("#household-{h}"))[0].contains("入户送达"));

        // Once per household; never another building's household.
        let token = app.token("leader").await;
        let api = format!("/api/v1/policy-documents/{doc}/acknowledgements");
        let again = app
            .post(&api)
            .bearer(&token)
            .json(&json!({"household_id": h, "how": "phone"}))
            .send()
            .await;
        assert_eq!(again.status, StatusCode::CONFLICT);
        let elsewhere = app
            .count(&format!(
                "SELECT MIN(id) FROM households WHERE building_id = {other}"
            ))
            .await;
        let r = app
            .post(&api)
            .bearer(&token)
            .json(&json!({"household_id": elsewhere, "how": "visited"}))
            .send()
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        // Staff may record for any building the document went to; not for one it did not.
        let staff = app.token("worker").await;
        let r = app
            .post(&api)
            .bearer(&staff)
            .json(&json!({"household_id": elsewhere, "how": "phone"}))
            .send()
            .await;
        assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text());
        let only_other = app
            .post("/api/v1/policy-documents")
            .bearer(&staff)
            .json(&json!({"title": "垃圾分类投放时间调整", "summary": "早 7 点至 9 点，晚 6 点至 8 点。", "building_ids": [other]}))
            .send()
            .await;
        assert_eq!(only_other.status, StatusCode::CREATED);
        let doc2 = only_other.json()["id"].as_i64().unwrap();
        let r = app
            .post(&format!("/api/v1/policy-documents/{doc2}/acknowledgements"))
            .bearer(&token)
            .json(&json!({"household_id": h, "how": "visited"}))
            .send()
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);

        // The supervisors read the coverage; residents do not.
        let sup = app.token("supervisor").await;
        let all = app
            .get("/api/v1/policy-documents")
            .bearer(&sup)
            .send()
            .await
            .json();
        let first = all["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["id"] == doc)
            .unwrap()
            .clone();
        let covered: i64 = first["buildings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| b["acknowledged"].as_i64().unwrap())
            .sum();
        assert_eq!(covered, 2);
        let resident = app.token("resident").await;
        let r = app
            .get("/api/v1/policy-documents")
            .bearer(&resident)
            .send()
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
    }
);
