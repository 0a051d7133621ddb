//! Issue 20, item 2: each role's home says what needs doing today, counted from the records,
//! each line a link to the page where it is done.

use axum::http::StatusCode;

use crate::both;
use crate::harness::TestApp;

fn today(page: &crate::client::Res) -> Vec<(String, String)> {
    let html = page.html();
    let sel = scraper::Selector::parse(".role-card ul.today li a").unwrap();
    html.select(&sel)
        .map(|a| {
            (
                a.text().collect::<String>().trim().to_owned(),
                a.value().attr("href").unwrap_or("").to_owned(),
            )
        })
        .collect()
}

both!(
    each_home_lists_what_needs_doing_today,
    |app: TestApp| async move {
        let resident = app.token("resident").await;
        let filed = app
            .post("/api/v1/cases")
            .bearer(&resident)
            .json(&serde_json::json!({"category": "repairs", "description": "楼道灯坏了"}))
            .send()
            .await;
        assert_eq!(filed.status, StatusCode::CREATED);
        let id = filed.json()["id"].as_i64().unwrap();
        // Its deadline passed without an answer.
        app.exec(&format!(
            "UPDATE cases SET deadline = '2026-11-01T00:00:00Z' WHERE id = {id}"
        ))
        .await;
        let late = app
            .count(&format!(
                "SELECT COUNT(*) FROM cases WHERE community_id = 1 AND deadline < '{}' \
                 AND status IN ('submitted', 'accepted', 'assigned', 'in_progress', 'reopened')",
                zizhi::platform::time::now_db()
            ))
            .await;
        assert!(late >= 1);

        let head = app.login("head").await;
        let home = app.get("/").browser(&head).send().await;
        assert_eq!(home.status, StatusCode::OK);
        let items = today(&home);
        let (first, href) = &items[0];
        assert_eq!(
            first,
            &format!("⚑ {late} 件诉求已超期未答复"),
            "urgent first: {items:?}"
        );
        assert_eq!(href, "/cases?overdue=true");
        // The link shows exactly those.
        let list = app.get(href).browser(&head).send().await;
        assert_eq!(list.select("#total"), vec![late.to_string()]);

        let b = app.login("resident").await;
        let mine = today(&app.get("/").browser(&b).send().await);
        let open = app
            .count(
                "SELECT COUNT(*) FROM cases WHERE submitter_user_id = (SELECT id FROM users WHERE username = 'resident') \
                 AND status IN ('submitted', 'accepted', 'assigned', 'in_progress', 'reopened')",
            )
            .await;
        assert!(
            mine.contains(&(format!("您有 {open} 件诉求正在办理"), "/cases".to_owned())),
            "{mine:?}"
        );

        let leader = app.login("leader").await;
        let theirs = today(&app.get("/").browser(&leader).send().await);
        assert!(
            theirs
                .iter()
                .any(|(t, h)| t.starts_with("本周已走访") && h == "/notebooks"),
            "{theirs:?}"
        );
        // English too.
        let english = app
            .get("/")
            .browser(&head)
            .header("accept-language", "en")
            .send()
            .await;
        assert!(today(&english)[0].0.contains("past their deadline"));
    }
);

both!(
    residents_report_first_and_leaders_have_eight_tiles,
    |app: TestApp| async move {
        let resident = app.login("resident").await;
        let home = app.get("/").browser(&resident).send().await;
        let html = home.html();
        let first = scraper::Selector::parse(".role-card a.button").unwrap();
        let a = html.select(&first).next().unwrap();
        assert_eq!(
            a.value().attr("href"),
            Some("/report"),
            "反映诉求 comes first"
        );
        assert_eq!(a.value().attr("id"), Some("report-first"));

        let leader = app.login("leader").await;
        let home = app.get("/").browser(&leader).send().await;
        let html = home.html();
        let tiles = scraper::Selector::parse("#must-report a.tile").unwrap();
        let links: Vec<String> = html
            .select(&tiles)
            .map(|a| a.value().attr("href").unwrap().to_owned())
            .collect();
        assert_eq!(links.len(), 8, "八必报: {links:?}");
        // A tile opens the form with its category and the leader's building filled in.
        let form = app.get(&links[0]).browser(&leader).send().await;
        let html = form.html();
        let chosen = scraper::Selector::parse("#category option[selected]").unwrap();
        let code = html
            .select(&chosen)
            .next()
            .and_then(|o| o.value().attr("value"))
            .unwrap();
        assert!(
            links[0].contains(&format!("category={code}&")),
            "{} {code}",
            links[0]
        );
        assert!(links[0].contains("building_id="));
    }
);

both!(
    the_heads_home_names_agreements_to_review_and_admissions_ending,
    |app: TestApp| async move {
        let today = zizhi::platform::time::today();
        let year = today.year();
        // An agreement in force all year, never reviewed; an admission for community 1 ending
        // in ten days.
        let household = app
            .count("SELECT MIN(id) FROM households WHERE community_id = 1")
            .await;
        app.exec(&format!(
            "INSERT INTO agreements (street_id, community_id, household_id, template, title, status, valid_from, valid_to, created_at) \
             VALUES (1, 1, {household}, 'dogs', '文明养犬协议书', 'in_force', '{year}-01-01', '{year}-12-31', '{year}-01-01T00:00:00Z')"
        ))
        .await;
        let ends = today.checked_add(jiff::Span::new().days(10)).unwrap();
        app.exec(&format!(
            "INSERT INTO admissions (street_id, applicant, kind, title, content, target_communities, powers, time_limit, funding, legal_basis, status, created_at) \
             VALUES (1, '区民政局', 'task', '老年人能力评估', '入户评估', '[1]', '入户', '{ends}', '区财政', '《老年人权益保障法》', 'admitted', '{year}-01-01T00:00:00Z')"
        ))
        .await;
        let unreviewed = app
            .count(&format!(
                "SELECT COUNT(*) FROM agreements WHERE community_id = 1 AND status IN ('in_force', 'reviewed') \
                 AND valid_from <= '{today}' AND valid_to >= '{today}' AND (reviewed_on IS NULL OR reviewed_on < '{year}-01-01')"
            ))
            .await;
        assert!(unreviewed >= 1);
        let head = app.login("head").await;
        let items = today_items(&app.get("/").browser(&head).send().await);
        assert!(
            items.contains(&(
                format!("{unreviewed} 份协议今年尚未评议"),
                "/agreements/review".to_owned()
            )),
            "{items:?}"
        );
        let expiring = items
            .iter()
            .find(|(_, href)| href == "/admissions")
            .expect("admissions ending");
        assert!(
            expiring.0.ends_with("项准入事项 30 天内到期"),
            "{expiring:?}"
        );
        // An admission for community 2 only does not remind community 1's head.
        app.exec(&format!(
            "INSERT INTO admissions (street_id, applicant, kind, title, content, target_communities, powers, time_limit, funding, legal_basis, status, created_at) \
             VALUES (1, '区民政局', 'task', '另一社区的事', '入户', '[2]', '入户', '{ends}', '区财政', '依据', 'admitted', '{year}-01-01T00:00:00Z')"
        ))
        .await;
        let again = today_items(&app.get("/").browser(&head).send().await);
        assert!(again.contains(expiring), "{again:?}");
    }
);

fn today_items(page: &crate::client::Res) -> Vec<(String, String)> {
    today(page)
}
