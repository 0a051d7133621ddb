//! Issue 21, item 3 (M7 一事一约): a convention names its matter in free words and is drafted on
//! the rules page; only a second convention on the same matter is refused (docs/rules.md R10).

use axum::http::StatusCode;

use crate::both;
use crate::forms::{follow, post, value_of};
use crate::harness::TestApp;

both!(
    a_convention_is_drafted_on_the_page_one_per_matter,
    |app: TestApp| async move {
        let mut head = app.login("head").await;
        let page = app.get("/rules").browser(&head).send().await;
        assert_eq!(page.select("#draft-form").len(), 1);
        let resident = app.login("resident").await;
        let page = app.get("/rules").browser(&resident).send().await;
        assert!(
            page.select("#draft-form").is_empty(),
            "residents comment, staff draft"
        );
        let rules = app.count("SELECT COUNT(*) FROM rules").await;

        // No matter named: refused next to it, the rest kept.
        let articles =
            "第一条 晚二十二时至早六时不得装修施工。\n\n第二条 广场舞音响音量不超过六十分贝。";
        let fields = |matter: &'static str, title: &'static str| {
            vec![
                ("community_id", "1"),
                ("kind", "convention"),
                ("matter", matter),
                ("subject", "public_order"),
                ("title", title),
                ("articles", articles),
            ]
        };
        let refused = post(
            &app,
            &head,
            "/rules",
            &fields(" ", "三角线社区噪音管理公约"),
        )
        .await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(
            refused.select("#draft-matter-error").len(),
            1,
            "{}",
            refused.text()
        );
        assert_eq!(
            value_of(&refused, "#draft-title").as_deref(),
            Some("三角线社区噪音管理公约")
        );
        assert_eq!(app.count("SELECT COUNT(*) FROM rules").await, rules);

        let saved = post(
            &app,
            &head,
            "/rules",
            &fields("噪音管理", "三角线社区噪音管理公约"),
        )
        .await;
        let page = follow(&app, &mut head, &saved).await;
        assert_eq!(
            page.select(".flash"),
            vec!["已保存草稿：三角线社区噪音管理公约".to_owned()]
        );
        let id = app
            .count("SELECT MAX(id) FROM rules WHERE matter = '噪音管理'")
            .await;
        assert_eq!(
            app.count(&format!(
                "SELECT COUNT(*) FROM rule_versions WHERE rule_id = {id}"
            ))
            .await,
            1
        );
        let stored: String = {
            use sqlx::Row;
            sqlx::query("SELECT articles FROM rule_versions WHERE rule_id = $1")
                .bind(id)
                .fetch_one(app.db.read())
                .await
                .unwrap()
                .try_get("articles")
                .unwrap()
        };
        let stored: Vec<String> = serde_json::from_str(&stored).unwrap();
        assert_eq!(stored.len(), 2, "one article a line, blank lines skipped");

        // The same matter, written otherwise and filed elsewhere: refused next to the matter.
        let again = post(&app, &head, "/rules", &fields("噪音 管理公约", "噪音公约")).await;
        assert_eq!(again.status, StatusCode::CONFLICT);
        assert!(
            again.select("#draft-matter-error")[0].contains("一事一约"),
            "{}",
            again.text()
        );
        // Another matter under the same category is its own convention.
        let other = post(
            &app,
            &head,
            "/rules",
            &fields("高空抛物", "三角线社区禁止高空抛物公约"),
        )
        .await;
        assert_eq!(other.status, StatusCode::SEE_OTHER, "{}", other.text());
        let list = app.get("/rules").browser(&head).send().await;
        assert!(
            list.select("#rules li")
                .iter()
                .any(|l| l.contains("事项：高空抛物"))
        );
    }
);
