//! Issue 20, item 1: the workers' daily records are kept on pages — patrols, weekly staff
//! meetings, the visit diary, services and deliveries and aid plans (the bulletin: `bulletin_pages`) — each
//! form confirming what it saved, and a refused form coming back with what was typed and the
//! error next to its field.

use axum::http::StatusCode;

use crate::both;
use crate::forms::{follow, post, value_of};
use crate::harness::TestApp;

both!(
    a_patrol_and_its_finding_are_recorded_on_the_page,
    |app: TestApp| async move {
        let mut worker = app.login("worker").await;
        let building = app
            .count("SELECT MIN(id) FROM buildings WHERE community_id = 1")
            .await;
        let b = building.to_string();
        let cases = app.count("SELECT COUNT(*) FROM cases").await;
        let patrols = app.count("SELECT COUNT(*) FROM patrols").await;
        let page = app.get("/patrols").browser(&worker).send().await;
        assert_eq!(page.status, StatusCode::OK);
        assert_eq!(page.select("#patrol-form fieldset.finding").len(), 3);

        // Refused: no route. What was typed comes back, the error next to the route.
        let refused = post(
            &app,
            &worker,
            "/patrols",
            &[
                ("route", " "),
                ("summary", "东门路灯不亮"),
                ("f1_text", "3号楼门禁坏了"),
            ],
        )
        .await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(
            refused.select("#patrol-route-error").len(),
            1,
            "{}",
            refused.text()
        );
        assert_eq!(refused.select("#summary"), vec!["东门路灯不亮".to_owned()]);
        assert_eq!(refused.select("#f1_text"), vec!["3号楼门禁坏了".to_owned()]);
        assert_eq!(app.count("SELECT COUNT(*) FROM patrols").await, patrols);

        let saved = post(
            &app,
            &worker,
            "/patrols",
            &[
                ("route", "1号楼—3号楼—东门"),
                ("summary", "东门路灯不亮"),
                ("f1_text", "3号楼门禁坏了"),
                ("f1_building_id", &b),
                ("f1_to_case", "1"),
                ("f1_category", "repairs"),
                ("f2_text", "草坪有积水"),
            ],
        )
        .await;
        let next = follow(&app, &mut worker, &saved).await;
        assert_eq!(
            next.select(".flash"),
            vec!["巡查记录已保存：发现问题 2 处，转为诉求 1 件".to_owned()]
        );
        let listed = next.select("#patrols > li");
        assert!(listed[0].contains("1号楼—3号楼—东门"), "{listed:?}");
        assert!(
            listed[0].contains("社区工作者 李娜"),
            "the author by name: {listed:?}"
        );
        assert_eq!(app.count("SELECT COUNT(*) FROM cases").await, cases + 1);
        let case = app
            .count("SELECT case_id FROM patrol_findings WHERE description = '3号楼门禁坏了'")
            .await;
        assert_eq!(
            app.count(&format!("SELECT building_id FROM cases WHERE id = {case}"))
                .await,
            building
        );
        assert!(next.text().contains(&format!("href=\"/cases/{case}\"")));

        // A leader records no patrols.
        let leader = app.login("leader").await;
        let page = app.get("/patrols").browser(&leader).send().await;
        assert_eq!(page.status, StatusCode::FORBIDDEN);
        let tried = post(&app, &leader, "/patrols", &[("route", "楼里")]).await;
        assert_eq!(tried.status, StatusCode::FORBIDDEN);
    }
);

both!(
    a_staff_meeting_is_recorded_and_a_refusal_keeps_the_notes,
    |app: TestApp| async move {
        let mut head = app.login("head").await;
        let refused = post(
            &app,
            &head,
            "/staff-meetings",
            &[
                ("meeting_date", "2099-01-01"),
                ("attendees", "李娜、王强"),
                ("notes", "讨论加装电梯"),
            ],
        )
        .await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(refused.select("#meeting-meeting_date-error").len(), 1);
        assert_eq!(refused.select("#notes"), vec!["讨论加装电梯".to_owned()]);
        assert_eq!(
            value_of(&refused, "#attendees").as_deref(),
            Some("李娜、王强")
        );
        let saved = post(
            &app,
            &head,
            "/staff-meetings",
            &[
                ("meeting_date", "2026-11-30"),
                ("attendees", "李娜、王强"),
                ("notes", "讨论加装电梯"),
            ],
        )
        .await;
        let next = follow(&app, &mut head, &saved).await;
        assert_eq!(
            next.select(".flash"),
            vec!["2026年11月30日 的工作例会记录已保存".to_owned()]
        );
        assert!(
            next.select("#staff-meetings li")
                .iter()
                .any(|m| m.contains("2026年11月30日") && m.contains("讨论加装电梯"))
        );
    }
);

both!(
    a_visit_is_written_in_the_diary_with_its_follow_up_case,
    |app: TestApp| async move {
        let mut worker = app.login("worker").await;
        let building = app
            .count("SELECT MAX(id) FROM buildings WHERE community_id = 1")
            .await;
        let household = app
            .count(&format!(
                "SELECT MIN(id) FROM households WHERE building_id = {building}"
            ))
            .await;
        let page = app
            .get(&format!("/visits?building_id={building}"))
            .browser(&worker)
            .send()
            .await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(
            page.text()
                .contains(&format!("<option value=\"{household}\"")),
            "the chosen building's households to pick from"
        );
        let (b, h) = (building.to_string(), household.to_string());
        // Whom was visited is missing: the error sits by the household, the topics stay.
        let refused = post(
            &app,
            &worker,
            "/visits",
            &[
                ("building_id", &b),
                ("topics", "独居老人近况"),
                ("followup", "想装扶手"),
            ],
        )
        .await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(refused.select("#visit-household_id-error").len(), 1);
        assert_eq!(
            value_of(&refused, "#topics").as_deref(),
            Some("独居老人近况")
        );
        assert_eq!(refused.select("#followup"), vec!["想装扶手".to_owned()]);
        let saved = post(
            &app,
            &worker,
            "/visits",
            &[
                ("building_id", &b),
                ("household_id", &h),
                ("topics", "独居老人近况"),
                ("followup", "想在卫生间装扶手"),
                ("to_case", "1"),
                ("category", "repairs"),
            ],
        )
        .await;
        let next = follow(&app, &mut worker, &saved).await;
        assert_eq!(
            next.select(".flash"),
            vec!["走访已记入民情日志，转为诉求 1 件".to_owned()]
        );
        let address: String = {
            let n = app
                .count(&format!(
                    "SELECT COUNT(*) FROM households WHERE id = {household}"
                ))
                .await;
            assert_eq!(n, 1);
            let sel = format!("#household_id option[value=\"{household}\"]");
            next.select(&sel).pop().unwrap()
        };
        let first = &next.select("#visits > li")[0];
        assert!(first.contains(&address), "{first}");
        assert!(first.contains("社区工作者 李娜"), "{first}");
        assert!(first.contains("想在卫生间装扶手"), "{first}");
        // Reading the diary is a sensitive read, in the audit log.
        assert!(
            app.count("SELECT COUNT(*) FROM audit_log WHERE action = 'visits.read'")
                .await
                >= 2
        );
    }
);

both!(
    services_and_deliveries_are_recorded_on_the_page,
    |app: TestApp| async move {
        let mut worker = app.login("worker").await;
        let refused = post(
            &app,
            &worker,
            "/services",
            &[
                ("kind", "delivery"),
                ("topic", "health"),
                ("title", "上门量血压"),
            ],
        )
        .await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(refused.select("#service-household_id-error").len(), 1);
        assert_eq!(value_of(&refused, "#title").as_deref(), Some("上门量血压"));
        let saved = post(
            &app,
            &worker,
            "/services",
            &[
                ("kind", "event"),
                ("topic", "education"),
                ("title", "防诈骗讲座"),
                ("place", "社区活动室"),
                ("attendance", "42"),
            ],
        )
        .await;
        let next = follow(&app, &mut worker, &saved).await;
        assert_eq!(
            next.select(".flash"),
            vec!["“防诈骗讲座”已记入服务台账".to_owned()]
        );
        let first = &next.select("#services li")[0];
        assert!(
            first.contains("防诈骗讲座") && first.contains("42"),
            "{first}"
        );
    }
);

both!(
    an_aid_plan_is_opened_helped_and_reviewed_on_the_page,
    |app: TestApp| async move {
        let mut worker = app.login("worker").await;
        let household = app
            .count("SELECT MIN(id) FROM households WHERE community_id = 1")
            .await;
        let h = household.to_string();
        let opened = post(
            &app,
            &worker,
            "/aid",
            &[
                ("household_id", &h),
                ("reason", "户主住院，收入中断"),
                ("plan", "申请临时救助，每周探望"),
            ],
        )
        .await;
        let next = follow(&app, &mut worker, &opened).await;
        assert_eq!(next.select(".flash").len(), 1);
        let plan = app.count("SELECT MAX(id) FROM aid_plans").await;
        assert!(next.select(&format!("#plan-{plan}"))[0].contains("户主住院"));

        // A wrong amount: the action form of this plan comes back with what was typed.
        let refused = post(
            &app,
            &worker,
            &format!("/aid/{plan}/actions"),
            &[("description", "送米面油"), ("amount", "两百")],
        )
        .await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(
            refused.select(&format!("#act-{plan}-amount-error")).len(),
            1
        );
        assert_eq!(
            value_of(&refused, &format!("#act-{plan}-description")).as_deref(),
            Some("送米面油")
        );
        let acted = post(
            &app,
            &worker,
            &format!("/aid/{plan}/actions"),
            &[("description", "临时救助金"), ("amount", "800")],
        )
        .await;
        let next = follow(&app, &mut worker, &acted).await;
        assert!(
            next.select(".flash")[0].contains("800.00"),
            "{:?}",
            next.select(".flash")
        );
        let reviewed = post(
            &app,
            &worker,
            &format!("/aid/{plan}/review"),
            &[("review", "户主出院，恢复工作")],
        )
        .await;
        let next = follow(&app, &mut worker, &reviewed).await;
        assert!(next.select(".flash")[0].contains("评估结束"));
        assert!(
            next.select(&format!("#act-{plan}-form")).is_empty(),
            "closed"
        );
        // A second review of a closed plan is refused, not recorded.
        let again = post(
            &app,
            &worker,
            &format!("/aid/{plan}/review"),
            &[("review", "再评一次")],
        )
        .await;
        assert_eq!(again.status, StatusCode::CONFLICT);
        // The council sees no aid plans.
        let council = app.login("council").await;
        let page = app.get("/aid").browser(&council).send().await;
        assert_eq!(page.status, StatusCode::FORBIDDEN);
    }
);
