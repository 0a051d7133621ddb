//! Issue 21, item 2 (M3, M4): volunteers and party organizations are registered and corrected,
//! not only listed. A volunteer is registered from the resident's page; a party organization
//! whose registered form contradicts the >50 rule's verdict is flagged (docs/rules.md P10).

use axum::http::StatusCode;
use serde_json::json;

use crate::both;
use crate::forms::{follow, post, value_of};
use crate::harness::TestApp;

both!(
    a_volunteer_is_registered_from_the_residents_page_and_corrected,
    |app: TestApp| async move {
        let mut worker = app.login("worker").await;
        let resident = app
            .count(
                "SELECT MIN(id) FROM residents WHERE community_id = 1 AND status = 'living' \
                 AND id NOT IN (SELECT resident_id FROM volunteers)",
            )
            .await;
        let name: String = {
            use sqlx::Row;
            sqlx::query("SELECT name FROM residents WHERE id = $1")
                .bind(resident)
                .fetch_one(app.db.read())
                .await
                .unwrap()
                .try_get("name")
                .unwrap()
        };
        let page = app
            .get(&format!("/residents/{resident}"))
            .browser(&worker)
            .send()
            .await;
        let sel = scraper::Selector::parse("#volunteer-link").unwrap();
        let href = page
            .html()
            .select(&sel)
            .next()
            .and_then(|a| a.value().attr("href").map(str::to_owned))
            .expect("the resident's page offers to register them");
        let form = app.get(&href).browser(&worker).send().await;
        assert_eq!(form.status, StatusCode::OK);
        assert!(
            form.select("#who")[0].contains(&name),
            "{:?}",
            form.select("#who")
        );

        let rid = resident.to_string();
        let refused = post(
            &app,
            &worker,
            "/organizations/volunteers",
            &[
                ("resident_id", &rid),
                ("skills", "理发"),
                ("hours", "许多"),
                ("since", "2026-05-01"),
            ],
        )
        .await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(
            refused.select("#volunteer-hours-error").len(),
            1,
            "{}",
            refused.text()
        );
        assert_eq!(value_of(&refused, "#skills").as_deref(), Some("理发"));
        assert_eq!(
            app.count(&format!(
                "SELECT COUNT(*) FROM volunteers WHERE resident_id = {resident}"
            ))
            .await,
            0
        );

        let saved = post(
            &app,
            &worker,
            "/organizations/volunteers",
            &[
                ("resident_id", &rid),
                ("skills", "理发"),
                ("hours", "12"),
                ("since", "2026-05-01"),
            ],
        )
        .await;
        let list = follow(&app, &mut worker, &saved).await;
        assert_eq!(list.select(".flash"), vec!["已登记志愿者".to_owned()]);
        assert!(
            list.select("#volunteer-list li")
                .iter()
                .any(|l| l.contains(&name) && l.contains("12")),
            "{:?}",
            list.select("#volunteer-list li")
        );

        // Once only: the same resident again is refused, at the top of the form.
        let twice = post(
            &app,
            &worker,
            "/organizations/volunteers",
            &[("resident_id", &rid), ("skills", "维修"), ("hours", "0")],
        )
        .await;
        assert_eq!(twice.status, StatusCode::CONFLICT);
        assert!(twice.select("#volunteer-error")[0].contains("已经登记为志愿者"));

        // Corrected: more hours.
        let id = app
            .count(&format!(
                "SELECT id FROM volunteers WHERE resident_id = {resident}"
            ))
            .await;
        let edit = app
            .get(&format!("/organizations/volunteers/{id}"))
            .browser(&worker)
            .send()
            .await;
        assert_eq!(value_of(&edit, "#hours").as_deref(), Some("12"));
        let saved = post(
            &app,
            &worker,
            &format!("/organizations/volunteers/{id}"),
            &[
                ("skills", "理发、陪护"),
                ("hours", "40"),
                ("since", "2026-05-01"),
            ],
        )
        .await;
        let list = follow(&app, &mut worker, &saved).await;
        assert_eq!(list.select(".flash"), vec!["已保存志愿者信息".to_owned()]);
        assert_eq!(
            app.count(&format!("SELECT hours FROM volunteers WHERE id = {id}"))
                .await,
            40
        );
        assert_eq!(
            app.count(&format!(
                "SELECT COUNT(*) FROM audit_log WHERE object_type = 'volunteer' AND object_id = '{id}'"
            ))
            .await,
            2
        );

        // Staff may not touch another community's volunteers.
        let head = app.token("head").await;
        let theirs = app
            .count("SELECT MIN(id) FROM volunteers WHERE community_id = 2")
            .await;
        let res = app
            .put(&format!("/api/v1/volunteers/{theirs}"))
            .bearer(&head)
            .json(&json!({"skills": "x", "hours": 1}))
            .send()
            .await;
        assert_eq!(res.status, StatusCode::FORBIDDEN);
        let other = app
            .count(
                "SELECT MIN(id) FROM residents WHERE community_id = 2 AND status = 'living' \
                 AND id NOT IN (SELECT resident_id FROM volunteers)",
            )
            .await;
        let res = app
            .post("/api/v1/volunteers")
            .bearer(&head)
            .json(&json!({"resident_id": other, "skills": "x", "hours": 1}))
            .send()
            .await;
        assert_eq!(res.status, StatusCode::FORBIDDEN);
    }
);

both!(
    a_party_organization_against_the_rule_is_flagged,
    |app: TestApp| async move {
        let mut worker = app.login("worker").await;
        let members = app
            .count(
                "SELECT COUNT(*) FROM residents WHERE community_id = 1 AND status = 'living' \
                 AND locked_at IS NULL AND political_status IN ('party_member', 'probationary_member')",
            )
            .await;
        let (rule, against) = if members > 50 {
            ("general_branch", "branch")
        } else {
            ("branch", "general_branch")
        };
        let org = app
            .count("SELECT MIN(id) FROM party_orgs WHERE community_id = 1")
            .await;
        let page = app.get("/organizations").browser(&worker).send().await;
        assert!(
            page.select(&format!("#party-{org} .flag")).is_empty(),
            "registered as the rule says: no flag"
        );

        // A bad form is refused next to its field, the name typed kept.
        let form = format!("party-{org}");
        let refused = post(
            &app,
            &worker,
            &format!("/organizations/party/{org}"),
            &[("name", "中共三角线社区委员会"), ("form", "committee")],
        )
        .await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(
            refused.select(&format!("#{form}-form-error")).len(),
            1,
            "{}",
            refused.text()
        );
        assert_eq!(
            value_of(&refused, &format!("#{form}-name")).as_deref(),
            Some("中共三角线社区委员会")
        );

        // Registered in the other form: saved, and flagged with the verdict.
        let saved = post(
            &app,
            &worker,
            &format!("/organizations/party/{org}"),
            &[("name", "中共三角线社区委员会"), ("form", against)],
        )
        .await;
        let page = follow(&app, &mut worker, &saved).await;
        assert_eq!(
            page.select(".flash"),
            vec!["已保存党组织：中共三角线社区委员会".to_owned()]
        );
        let flag = page.select(&format!("#party-{org} .flag"));
        assert_eq!(flag.len(), 1, "{}", page.text());
        assert!(flag[0].contains(&format!("现有党员 {members}")), "{flag:?}");
        let token = app.token("worker").await;
        let list = app
            .get("/api/v1/party-orgs")
            .bearer(&token)
            .send()
            .await
            .json();
        let item = list["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["id"] == org)
            .unwrap()
            .clone();
        assert_eq!(item["contradicts_rule"], true);
        assert_eq!(item["rule_form"], rule);
        assert_eq!(item["community_members"], members);

        // A building branch is not the community's own: never flagged.
        let saved = post(
            &app,
            &worker,
            "/organizations/party",
            &[
                ("community_id", "1"),
                ("name", "中共三角线社区1-3号楼党支部"),
                ("form", "building_branch"),
            ],
        )
        .await;
        let page = follow(&app, &mut worker, &saved).await;
        assert_eq!(
            page.select(".flash"),
            vec!["已登记党组织：中共三角线社区1-3号楼党支部".to_owned()]
        );
        let added = app
            .count("SELECT MAX(id) FROM party_orgs WHERE community_id = 1")
            .await;
        assert!(page.select(&format!("#party-{added} .flag")).is_empty());

        // The council reads, but registers nothing; staff do not correct another community's.
        let council = app.login("council").await;
        let page = app.get("/organizations").browser(&council).send().await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.select("#party-form").is_empty());
        let res = post(
            &app,
            &council,
            "/organizations/party",
            &[("community_id", "1"), ("name", "x"), ("form", "branch")],
        )
        .await;
        assert_eq!(res.status, StatusCode::FORBIDDEN);
        let head = app.token("head").await;
        let theirs = app
            .count("SELECT MIN(id) FROM party_orgs WHERE community_id = 2")
            .await;
        let res = app
            .put(&format!("/api/v1/party-orgs/{theirs}"))
            .bearer(&head)
            .json(&json!({"name": "x", "form": "branch"}))
            .send()
            .await;
        assert_eq!(res.status, StatusCode::FORBIDDEN);
    }
);
