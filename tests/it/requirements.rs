//! Issue 21, item 12 (M23/M24): the work requirements. The street sets each community's type
//! and the year's targets per type for the 五个抓好 goals (W6); each community records its
//! progress on them and the channels it used to publicize a campaign (W7), the plan's five
//! flagged where missing.

use axum::http::StatusCode;
use serde_json::json;

use crate::both;
use crate::forms::{follow, post};
use crate::harness::TestApp;

both!(
    the_street_guides_by_type_and_each_community_reports_its_goals_and_publicity,
    |app: TestApp| async move {
        let year = zizhi::platform::time::today().year().to_string();
        let mut street = app.login("street").await;
        let typed = post(
            &app,
            &street,
            "/requirements/type",
            &[
                ("year", &year),
                ("community_id", "1"),
                ("community_type", "old_town"),
            ],
        )
        .await;
        let page = follow(&app, &mut street, &typed).await;
        assert_eq!(page.select(".flash"), vec!["社区类型已保存".to_owned()]);
        assert!(page.select("#community-1 h2")[0].contains("老城区社区"));
        let empty = post(
            &app,
            &street,
            "/requirements/targets",
            &[
                ("year", &year),
                ("community_type", "old_town"),
                ("goal", "self_governance"),
                ("target", " "),
            ],
        )
        .await;
        assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(empty.select("#target-target-error").len(), 1);
        let set = post(
            &app,
            &street,
            "/requirements/targets",
            &[
                ("year", &year),
                ("community_type", "old_town"),
                ("goal", "self_governance"),
                ("target", "每个楼栋选出楼栋长，议事协调会每月开会"),
            ],
        )
        .await;
        assert_eq!(set.status, StatusCode::SEE_OTHER, "{}", set.text());

        // The community sees its own type's target and records its progress.
        let mut worker = app.login("worker").await;
        let page = app
            .get(&format!("/requirements?year={year}"))
            .browser(&worker)
            .send()
            .await;
        assert_eq!(
            page.select("section[id^=community-]").len(),
            1,
            "its own community only"
        );
        assert!(page.select("#goal-self_governance")[0].contains("每个楼栋选出楼栋长"));
        let bare = post(
            &app,
            &worker,
            "/requirements/progress",
            &[
                ("year", &year),
                ("goal", "self_governance"),
                ("status", "achieved"),
                ("note", ""),
            ],
        )
        .await;
        assert_eq!(bare.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(bare.select("#goal-self_governance-note-error").len(), 1);
        let done = post(
            &app,
            &worker,
            "/requirements/progress",
            &[
                ("year", &year),
                ("goal", "self_governance"),
                ("status", "achieved"),
                (
                    "note",
                    "36 个楼栋都已选出楼栋长；议事协调会 1–11 月每月开会",
                ),
            ],
        )
        .await;
        let page = follow(&app, &mut worker, &done).await;
        assert_eq!(page.select(".flash").len(), 1);
        assert!(page.select("#goal-self_governance")[0].contains("已实现"));

        // Publicity of a campaign of its street: not before the campaign, not to come.
        let token = app.token("street").await;
        let group = app
            .count("SELECT id FROM bodies WHERE kind = 'leading_group' AND parent_id IS NULL")
            .await;
        let made = app
            .post("/api/v1/campaigns")
            .bearer(&token)
            .json(
                &json!({"title": "居民自治推进", "leading_group_id": group, "phases": [
                {"phase": "mobilize", "starts_on": "2026-01-05", "ends_on": "2026-01-31"},
                {"phase": "publicize", "starts_on": "2026-02-01", "ends_on": "2026-02-28"},
                {"phase": "structure", "starts_on": "2026-03-01", "ends_on": "2026-04-30"},
                {"phase": "launch", "starts_on": "2026-05-01", "ends_on": "2026-12-31"}]}),
            )
            .send()
            .await;
        assert_eq!(made.status, StatusCode::CREATED, "{}", made.text());
        let campaign = made.json()["id"].as_i64().unwrap().to_string();
        let early = post(
            &app,
            &worker,
            "/requirements/publicity",
            &[
                ("year", &year),
                ("campaign_id", &campaign),
                ("channel", "banner"),
                ("held_on", "2025-12-01"),
            ],
        )
        .await;
        assert_eq!(early.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(early.select("#publicity-held_on-error").len(), 1);
        let banner = post(
            &app,
            &worker,
            "/requirements/publicity",
            &[
                ("year", &year),
                ("campaign_id", &campaign),
                ("channel", "banner"),
                ("held_on", "2026-02-03"),
                ("note", "小区南门悬挂横幅 2 条"),
            ],
        )
        .await;
        let page = follow(&app, &mut worker, &banner).await;
        assert_eq!(
            page.select(".flash"),
            vec!["已记录宣传形式：横幅".to_owned()]
        );
        let missing = page.select("#community-1 .missing-channels")[0].clone();
        assert!(
            missing.contains("标语") && !missing.contains("横幅"),
            "{missing}"
        );

        // The street's to set types and targets; a community records only its own.
        let w = app.token("worker").await;
        let r = app
            .put("/api/v1/communities/1/type")
            .bearer(&w)
            .json(&json!({"community_type": "new_estate"}))
            .send()
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        let r = app
            .put("/api/v1/goal-progress")
            .bearer(&w)
            .json(&json!({"community_id": 2, "year": 2026, "goal": "culture", "status": "planned"}))
            .send()
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        let all = app
            .get(&format!("/api/v1/requirements?year={year}"))
            .bearer(&token)
            .send()
            .await;
        assert_eq!(all.status, StatusCode::OK);
        let first = &all.json()["communities"][0];
        assert_eq!(first["community_type"], "old_town");
        assert_eq!(first["goals"][0]["status"], "achieved");
    }
);
