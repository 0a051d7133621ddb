//! Issue 21, item 7 (M14): the workers' routines are checked as the council's monthly meetings
//! are (K1): a working day without a patrol and a week without a staff meeting are flagged on
//! their pages and the head's home.

use crate::both;
use crate::harness::TestApp;

both!(
    a_day_without_a_patrol_and_a_week_without_a_meeting_are_flagged,
    |app: TestApp| async move {
        let today = zizhi::platform::time::today();
        let first = today.first_of_month().to_string();
        let worker = app.login("worker").await;
        let head = app.login("head").await;

        // The demo's worker patrols every working day: this month is regular so far.
        let page = app.get("/patrols").browser(&worker).send().await;
        assert_eq!(
            page.select("#patrol-regularity"),
            vec!["本月每个工作日都有巡查记录。".to_owned()]
        );
        // One working day's patrol goes missing (when this month has had one before today).
        let day: Option<String> = {
            use sqlx::Row;
            sqlx::query("SELECT MIN(patrol_date) AS d FROM patrols WHERE community_id = 1 AND patrol_date >= $1 AND patrol_date < $2")
                .bind(&first)
                .bind(today.to_string())
                .fetch_one(app.db.read())
                .await
                .unwrap()
                .try_get("d")
                .unwrap()
        };
        if let Some(day) = day {
            app.exec(&format!(
                "DELETE FROM patrol_findings WHERE patrol_id IN (SELECT id FROM patrols WHERE community_id = 1 AND patrol_date = '{day}')"
            ))
            .await;
            app.exec(&format!(
                "DELETE FROM patrols WHERE community_id = 1 AND patrol_date = '{day}'"
            ))
            .await;
            let page = app.get("/patrols").browser(&worker).send().await;
            let shown = zizhi::platform::time::show_date(
                day.parse().unwrap(),
                zizhi::platform::i18n::Lang::ZhCn,
            );
            let flag = page.select("#patrol-regularity");
            assert!(
                flag[0].starts_with("⚑") && flag[0].contains(&shown),
                "{flag:?}"
            );
            let home = app.get("/").browser(&head).send().await;
            assert!(
                home.select("ul.today li")
                    .iter()
                    .any(|l| l.contains("本月有 1 个工作日没有巡查记录")),
                "{:?}",
                home.select("ul.today li")
            );
        }

        // The year's first weekly meeting goes missing: that week is flagged by its Monday.
        let first_meeting: String = {
            use sqlx::Row;
            sqlx::query("SELECT MIN(meeting_date) AS d FROM staff_meetings WHERE community_id = 1 AND meeting_date >= $1")
                .bind(today.first_of_year().to_string())
                .fetch_one(app.db.read())
                .await
                .unwrap()
                .try_get("d")
                .unwrap()
        };
        let page = app.get("/staff-meetings").browser(&worker).send().await;
        let before = page.select("#meeting-regularity");
        app.exec(&format!(
            "DELETE FROM staff_meetings WHERE community_id = 1 AND meeting_date = '{first_meeting}'"
        ))
        .await;
        let page = app.get("/staff-meetings").browser(&worker).send().await;
        let after = page.select("#meeting-regularity");
        let shown = zizhi::platform::time::show_date(
            first_meeting.parse().unwrap(),
            zizhi::platform::i18n::Lang::ZhCn,
        );
        assert!(
            after[0].starts_with("⚑") && after[0].contains(&shown),
            "{before:?} → {after:?}"
        );
    }
);

both!(
    visit_coverage_counts_the_stationed_units_and_lists_the_doors_not_visited,
    |app: TestApp| async move {
        let worker = app.login("worker").await;
        let units_line = |page: &crate::client::Res| page.select("#units-coverage")[0].clone();
        let page = app.get("/visits/coverage").browser(&worker).send().await;
        let units = app
            .count("SELECT COUNT(*) FROM social_units WHERE community_id = 1")
            .await;
        let before = units_line(&page);
        assert!(before.contains(&format!("/ {units}")), "{before}");

        // A visit to a unit not yet visited this quarter raises the count by one.
        let quarter_start = {
            let t = zizhi::platform::time::today();
            jiff::civil::date(t.year(), (t.month() - 1) / 3 * 3 + 1, 1).to_string()
        };
        let unit = app
            .count(&format!(
                "SELECT MIN(id) FROM social_units WHERE community_id = 1 AND id NOT IN \
                 (SELECT social_unit_id FROM visits WHERE social_unit_id IS NOT NULL AND visit_date >= '{quarter_start}')"
            ))
            .await;
        let visited = app
            .count(&format!(
                "SELECT COUNT(DISTINCT social_unit_id) FROM visits WHERE community_id = 1 AND social_unit_id IS NOT NULL AND visit_date >= '{quarter_start}'"
            ))
            .await;
        let token = app.token("worker").await;
        let r = app
            .post("/api/v1/visits")
            .bearer(&token)
            .json(&serde_json::json!({"social_unit_id": unit, "topics": "共建共治：联合开展消防演练"}))
            .send()
            .await;
        assert_eq!(r.status, axum::http::StatusCode::CREATED, "{}", r.text());
        let page = app.get("/visits/coverage").browser(&worker).send().await;
        assert!(
            units_line(&page).contains(&format!("{} / {units}", visited + 1)),
            "{before} → {}",
            units_line(&page)
        );

        // The doors nobody visited this year, by building; a visit takes its door off.
        let not_visited = page.select("#not-visited details");
        let listed_before: usize = page
            .select("#not-visited .doors")
            .iter()
            .map(|d| d.split('、').count())
            .sum();
        assert!(
            !not_visited.is_empty(),
            "the demo leaves some households unvisited"
        );
        let household = app
            .count(&format!(
                "SELECT MIN(h.id) FROM households h WHERE h.community_id = 1 AND h.occupied = 1 AND h.id NOT IN \
                 (SELECT household_id FROM visits WHERE household_id IS NOT NULL AND visit_date >= '{}') \
                 AND h.id NOT IN (SELECT household_id FROM notebook_entries WHERE kind = 'visit' AND household_id IS NOT NULL AND entry_date >= '{}')",
                zizhi::platform::time::today().first_of_year(),
                zizhi::platform::time::today().first_of_year()
            ))
            .await;
        let r = app
            .post("/api/v1/visits")
            .bearer(&token)
            .json(&serde_json::json!({"household_id": household, "topics": "入户走访"}))
            .send()
            .await;
        assert_eq!(r.status, axum::http::StatusCode::CREATED, "{}", r.text());
        let page = app.get("/visits/coverage").browser(&worker).send().await;
        let listed_after: usize = page
            .select("#not-visited .doors")
            .iter()
            .map(|d| d.split('、').count())
            .sum();
        assert_eq!(listed_after + 1, listed_before);

        // The council reads the figures, not the doors.
        let council = app.login("council").await;
        let page = app.get("/visits/coverage").browser(&council).send().await;
        assert_eq!(page.select("#units-coverage").len(), 1);
        assert!(page.select("#not-visited").is_empty());
    }
);
