//! Issue 21, item 6 (M12, M15): nothing drops off. An instability report reaches the street
//! office as well, told where and never what (C12); an overdue sensitive case stays on the
//! supervision list of everyone who supervises, whole for those who may read it and without its
//! details for the others (C13).

use axum::http::StatusCode;
use serde_json::json;

use crate::both;
use crate::harness::TestApp;

both!(
    an_instability_report_reaches_the_street_and_stays_on_every_supervision_list,
    |app: TestApp| async move {
        let leader = app.token("leader").await;
        let building = app
            .count("SELECT building_id FROM grants g JOIN users u ON u.id = g.user_id WHERE u.username = 'leader'")
            .await;
        let said = "3号楼两户因漏水纠纷多次争吵，一方扬言报复";
        let r = app
            .post("/api/v1/cases")
            .bearer(&leader)
            .json(&json!({"category": "instability", "description": said, "building_id": building}))
            .send()
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        let id = r.json()["id"].as_i64().unwrap();

        // The street is told where and which, never what.
        let street = app.token("street").await;
        let notes = app
            .get("/api/v1/notifications")
            .bearer(&street)
            .send()
            .await
            .json();
        let note = notes["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|n| n["case_id"] == id)
            .expect("the street officer is told")
            .clone();
        let text = note["text"].as_str().unwrap();
        assert!(
            text.contains("不稳定因素") && text.contains(&format!("#{id}")),
            "{text}"
        );
        assert!(!text.contains("漏水") && !note["message"].as_str().unwrap().contains("漏水"));

        // Overdue: on the supervision list.
        app.exec(&format!(
            "UPDATE cases SET deadline = '2026-01-05T15:59:59Z' WHERE id = {id}"
        ))
        .await;
        assert!(zizhi::cases::list::sweep(&app.db).await.unwrap() >= 1);
        let listed = |token: String| {
            let app = &app;
            async move {
                let list = app.get("/api/v1/supervision").bearer(&token).send().await;
                assert_eq!(list.status, StatusCode::OK, "{}", list.text());
                list.json()["items"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .find(|c| c["id"] == id)
                    .cloned()
            }
        };
        // The council and the street supervise without the duty to read it: there, without
        // its details.
        for who in ["council", "street", "supervisor"] {
            let c = listed(app.token(who).await)
                .await
                .unwrap_or_else(|| panic!("{who} sees it listed"));
            assert_eq!(c["redacted"], true, "{who}");
            assert_eq!(c["description"], "", "{who}");
            assert_eq!(c["category"], "instability");
            assert!(
                c["supervision_reason"]
                    .as_str()
                    .is_some_and(|s| !s.is_empty())
            );
        }
        let council = app.login("council").await;
        let page = app.get("/supervision").browser(&council).send().await;
        let row = page.select("#supervised li.redacted");
        assert_eq!(row.len(), 1, "{}", page.text());
        assert!(
            row[0].contains("详情仅限有权查看的人员") && !row[0].contains("漏水"),
            "{row:?}"
        );
        assert!(!page.text().contains("漏水"));

        // The head may read it: whole, and the read is audited as sensitive.
        let reads =
            "SELECT COUNT(*) FROM audit_log WHERE action = 'case.supervision' AND sensitive = 1";
        let before = app.count(reads).await;
        let c = listed(app.token("head").await)
            .await
            .expect("the head sees it");
        assert_eq!(c["redacted"], false);
        assert_eq!(c["description"], said);
        assert_eq!(app.count(reads).await, before + 1);
    }
);
