//! Issue 21, item 10 (M19): the 公示 telephone. The notice shows the number to call; an
//! objection taken on it is entered by staff under the caller's real name — a living resident
//! of the community — marked as by phone, and handled like the others (rule D9).

use axum::http::StatusCode;
use serde_json::json;

use crate::both;
use crate::forms::{follow, post, value_of};
use crate::harness::{Browser, TestApp};

both!(
    an_objection_by_phone_is_entered_under_the_callers_real_name,
    |app: TestApp| async move {
        let mut head = app.login("head").await;
        let mobile = post(
            &app,
            &head,
            "/disclosures/phone",
            &[("phone", "13912345678")],
        )
        .await;
        assert_eq!(mobile.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(mobile.select("#phone-phone-error").len(), 1);
        let set = post(
            &app,
            &head,
            "/disclosures/phone",
            &[("phone", "0471-6612345")],
        )
        .await;
        let shown = follow(&app, &mut head, &set).await;
        assert_eq!(
            shown.select(".flash"),
            vec!["公示监督电话已设为 0471-6612345".to_owned()]
        );
        assert_eq!(
            value_of(&shown, "#phone-phone").as_deref(),
            Some("0471-6612345")
        );

        // A notice in its publicity period shows the number to anyone.
        let token = app.token("head").await;
        let made = app
            .post("/api/v1/disclosures")
            .bearer(&token)
            .json(&json!({"community_id": 1, "category": "major_matters", "title": "小区停车位划线方案公示",
                          "body": "拟在3号楼北侧划设停车位 20 个，请居民监督。", "channel": "both",
                          "period": "2026-Q4", "publicity_days": 5}))
            .send()
            .await;
        assert_eq!(made.status, StatusCode::CREATED, "{}", made.text());
        let id = made.json()["id"].as_i64().unwrap();
        let r = app
            .post(&format!("/api/v1/disclosures/{id}/publish"))
            .bearer(&token)
            .send()
            .await;
        assert_eq!(r.status, StatusCode::OK);
        let public = app
            .get(&format!("/disclosures/{id}"))
            .browser(&Browser::default())
            .send()
            .await;
        assert!(public.select("#publicity-phone")[0].contains("0471-6612345"));
        assert_eq!(
            public.select("#phone-form").len(),
            0,
            "only staff enter phone objections"
        );
        let print = app.get(&format!("/disclosures/{id}/print")).send().await;
        assert!(print.select("#print-publicity")[0].contains("0471-6612345"));

        // Staff enter it: a name no resident has is refused by the name, what was typed kept.
        let mut worker = app.login("worker").await;
        let path = format!("/disclosures/{id}/phone-objections");
        let nobody = post(
            &app,
            &worker,
            &path,
            &[
                ("objector_name", "查无此人"),
                ("body", "停车位占用了消防通道"),
            ],
        )
        .await;
        assert_eq!(nobody.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(nobody.select("#phone-objector_name-error").len(), 1);
        assert_eq!(nobody.select("#phone-body")[0], "停车位占用了消防通道");

        // Two residents of one name: the address says which.
        let first = app
            .count("SELECT MIN(id) FROM residents WHERE community_id = 1 AND status = 'living'")
            .await;
        let name = app
            .text(&format!("SELECT name FROM residents WHERE id = {first}"))
            .await;
        let other = app
            .count(&format!(
                "SELECT MIN(r.id) FROM residents r JOIN households h ON h.id = r.household_id WHERE r.community_id = 1 \
                 AND r.status = 'living' AND h.id <> (SELECT household_id FROM residents WHERE id = {first})"
            ))
            .await;
        app.exec(&format!(
            "UPDATE residents SET name = '{name}' WHERE id = {other}"
        ))
        .await;
        let address = app
            .text(&format!("SELECT h.address FROM residents r JOIN households h ON h.id = r.household_id WHERE r.id = {first}"))
            .await;
        let which = post(
            &app,
            &worker,
            &path,
            &[("objector_name", &name), ("body", "停车位占用了消防通道")],
        )
        .await;
        assert_eq!(which.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(which.select("#phone-address-error").len(), 1);
        let taken = post(
            &app,
            &worker,
            &path,
            &[
                ("objector_name", &name),
                ("address", &address),
                ("body", "停车位占用了消防通道"),
            ],
        )
        .await;
        let page = follow(&app, &mut worker, &taken).await;
        assert_eq!(
            page.select(".flash"),
            vec![format!("已登记{name}的电话异议")]
        );
        assert!(page.select("#objections li")[0].contains("电话登记"));
        let staff_id = app
            .count("SELECT id FROM users WHERE username = 'worker'")
            .await;
        assert_eq!(
            app.count(&format!(
                "SELECT COUNT(*) FROM disclosure_objections WHERE disclosure_id = {id} AND by_phone = 1 \
                 AND user_id = {staff_id} AND resident_id = {first} AND objector_name = '{name}'"
            ))
            .await,
            1
        );

        // Handled like any other; the public list marks it and shows the surname only.
        let list = app
            .get(&format!("/api/v1/disclosures/{id}/objections"))
            .send()
            .await
            .json();
        let o = &list["items"][0];
        assert_eq!(o["by_phone"], true);
        assert_ne!(o["objector"], json!(name));
        let oid = o["id"].as_i64().unwrap();
        let h = app
            .post(&format!("/api/v1/disclosures/{id}/objections/{oid}"))
            .bearer(&token)
            .json(&json!({"outcome": "upheld", "handling": "已改划至3号楼南侧，另发更正公告"}))
            .send()
            .await;
        assert_eq!(h.status, StatusCode::OK, "{}", h.text());

        // Only staff enter phone objections, and only while the period runs.
        let resident = app.token("resident").await;
        let api = format!("/api/v1/disclosures/{id}/phone-objections");
        let r = app
            .post(&api)
            .bearer(&resident)
            .json(
                &json!({"objector_name": name, "address": address, "body": "我替邻居反映一下意见"}),
            )
            .send()
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        app.exec(&format!(
            "UPDATE disclosures SET publicity_until = '2026-01-05' WHERE id = {id}"
        ))
        .await;
        let worker_token = app.token("worker").await;
        let late = app
            .post(&api)
            .bearer(&worker_token)
            .json(&json!({"objector_name": name, "address": address, "body": "公示期过了才打来的电话"}))
            .send()
            .await;
        assert_eq!(late.status, StatusCode::CONFLICT);
    }
);
