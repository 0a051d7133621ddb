//! Issue 21, item 4 (M8): the annual assembly. Its agenda holds the standing business (the work
//! report, the charter and agreements, the review of agreements, rewards and liabilities, the
//! family-planning measures), each decided there and linked to what it decides; its minutes wait
//! for every decision (R11); a community a year without one is flagged (R12).

use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::both;
use crate::harness::TestApp;
use crate::rules::{now_local, post};

both!(
    the_annual_assembly_decides_its_standing_business,
    |app: TestApp| async move {
        let assembly = app
            .count("SELECT id FROM bodies WHERE community_id = 1 AND kind = 'assembly'")
            .await;
        let head = app.token("head").await;
        // The demo's assembly met in March 2026; let a year pass since.
        app.exec(
            "UPDATE meetings SET starts_at = '2025-03-20T06:30:00Z' WHERE kind = 'assembly_annual'",
        )
        .await;
        let mut browser = app.login("head").await;
        let late = |page: &crate::client::Res| -> Vec<String> {
            page.select("ul.today li")
                .into_iter()
                .filter(|l| l.contains("居民代表大会"))
                .collect()
        };
        let home = app.get("/").browser(&browser).send().await;
        assert_eq!(late(&home), vec!["⚑ 已一年多未召开居民代表大会".to_owned()]);
        let street = app.login("street").await;
        let home = app.get("/").browser(&street).send().await;
        assert_eq!(late(&home).len(), 1, "{}", home.text());
        assert!(late(&home)[0].contains("三角线社区"), "{:?}", late(&home));

        // Scheduled with one item of its own: the standing items join it.
        let m = post(
            &app,
            &head,
            "/api/v1/meetings",
            json!({"body_id": assembly, "kind": "assembly_annual", "title": "三角线社区 2026 年居民代表大会",
                   "starts_at": now_local(-10), "location": "社区党群服务中心",
                   "items": [{"title": "通报小区加装电梯进展"}]}),
        )
        .await;
        assert_eq!(m.status, StatusCode::CREATED, "{}", m.text());
        let m = m.json();
        let id = m["id"].as_i64().unwrap();
        let kinds: Vec<&str> = m["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["kind"].as_str().unwrap())
            .collect();
        assert_eq!(
            kinds,
            [
                "general",
                "work_report",
                "charter_and_agreements",
                "agreement_review",
                "rewards_liabilities",
                "family_planning"
            ]
        );
        let charter = app
            .count("SELECT MIN(id) FROM rules WHERE community_id = 1 AND kind = 'charter'")
            .await;
        assert_eq!(
            m["items"][2]["rule_id"], charter,
            "the charter item decides the charter"
        );
        let items: Vec<i64> = m["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["id"].as_i64().unwrap())
            .collect();
        let members: Vec<i64> = m["attendance"]["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["member_id"].as_i64().unwrap())
            .collect();
        // More than half of the representatives come: the assembly is held.
        let members: Vec<i64> = members[..members.len() / 2 + 1].to_vec();
        let r = post(
            &app,
            &head,
            &format!("/api/v1/meetings/{id}/attendance"),
            json!({"present": members}),
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());

        // A decision on an item, by a motion put to the vote.
        let decide = |item: i64, title: &'static str| {
            let (app, head, members) = (&app, head.clone(), members.clone());
            async move {
                let mo = post(
                    app,
                    &head,
                    &format!("/api/v1/meetings/{id}/motions"),
                    json!({"title": title, "item_id": item}),
                )
                .await;
                assert_eq!(mo.status, StatusCode::CREATED, "{}", mo.text());
                let motion = mo.json()["id"].as_i64().unwrap();
                let votes: Vec<Value> = members
                    .iter()
                    .map(|m| json!({"member_id": m, "choice": "yes"}))
                    .collect();
                let v = post(
                    app,
                    &head,
                    &format!("/api/v1/motions/{motion}/votes"),
                    json!({"votes": votes}),
                )
                .await;
                assert_eq!(v.status, StatusCode::OK, "{}", v.text());
                let d = post(
                    app,
                    &head,
                    &format!("/api/v1/motions/{motion}/decision"),
                    json!({}),
                )
                .await;
                assert_eq!(d.status, StatusCode::OK, "{}", d.text());
            }
        };
        decide(items[1], "关于年度工作报告的决议").await;

        // The minutes wait for every standing item (R11); nothing changes.
        let minutes = json!({"minutes": "实到代表过半数。听取并审议了工作报告，审议了章程、协议、奖惩和计划生育措施。"});
        let early = post(
            &app,
            &head,
            &format!("/api/v1/meetings/{id}/minutes"),
            minutes.clone(),
        )
        .await;
        assert_eq!(early.status, StatusCode::CONFLICT);
        assert_eq!(early.json()["code"], "meetings.agenda_undecided");
        assert!(
            early.json()["detail"]
                .as_str()
                .unwrap()
                .contains("章程和协议"),
            "{}",
            early.text()
        );
        assert_eq!(
            app.count(&format!(
                "SELECT COUNT(*) FROM meetings WHERE id = {id} AND status = 'held'"
            ))
            .await,
            1
        );

        // The page shows each standing item by its kind, decided or not.
        let page = app
            .get(&format!("/meetings/{id}"))
            .browser(&browser)
            .send()
            .await;
        assert_eq!(page.select("#agenda li").len(), 6);
        assert!(page.select("#agenda li.agenda-work_report")[0].contains("通过"));
        assert!(page.select("#agenda li.agenda-family_planning")[0].contains("尚未作出决定"));
        assert_eq!(page.select("#agenda li.agenda-agreement_review a").len(), 1);

        for (i, title) in [
            (2, "关于修改章程和协议的决议"),
            (3, "关于协议履行情况的评议决定"),
            (4, "关于奖励和责任追究的决定"),
            (5, "关于计划生育优生、优待、优惠措施的决定"),
        ] {
            decide(items[i], title).await;
        }
        let done = post(
            &app,
            &head,
            &format!("/api/v1/meetings/{id}/minutes"),
            minutes,
        )
        .await;
        assert_eq!(done.status, StatusCode::OK, "{}", done.text());

        // Held this year: the flags are gone for this community.
        let home = app.get("/").browser(&browser).send().await;
        browser.absorb(&home);
        assert!(late(&home).is_empty(), "{:?}", late(&home));
        let home = app.get("/").browser(&street).send().await;
        assert!(
            late(&home).iter().all(|l| !l.contains("三角线社区")),
            "{:?}",
            late(&home)
        );
    }
);
