//! Issue 20, item 6: open 议事厅 and 恳谈 meetings are announced to everyone — on a public page
//! without an account, and in a calendar feed a phone subscribes to — and a meeting not opened
//! to residents appears in neither.

use axum::http::StatusCode;
use serde_json::json;

use crate::both;
use crate::harness::TestApp;
use crate::meetings::local;

both!(
    open_meetings_are_on_a_public_page_and_in_the_calendar_feed,
    |app: TestApp| async move {
        let head = app.token("head").await;
        let council = app
            .count("SELECT id FROM bodies WHERE kind = 'council' AND community_id = 1")
            .await;
        let schedule = |title: &'static str, open: bool| {
            let head = head.clone();
            let app = &app;
            async move {
                let m = app
                    .post("/api/v1/meetings")
                    .bearer(&head)
                    .json(&json!({"body_id": council, "kind": "deliberation_hall", "title": title,
                        "starts_at": local(24 * 60), "location": "社区广场", "open_to_residents": open,
                        "items": [{"title": "停车收费标准"}]}))
                    .send()
                    .await;
                assert_eq!(m.status, StatusCode::CREATED, "{}", m.text());
                m.json()["id"].as_i64().unwrap()
            }
        };
        let open = schedule("社区议事厅：停车收费", true).await;
        let closed = schedule("两委内部碰头会", false).await;

        let page = app.get("/open-meetings").send().await;
        assert_eq!(page.status, StatusCode::OK, "no account needed");
        let shown = page.select(&format!("#open-{open}"));
        assert_eq!(shown.len(), 1, "{}", page.text());
        assert!(
            shown[0].contains("社区广场") && shown[0].contains("年"),
            "{}",
            shown[0]
        );
        assert!(
            shown[0].contains("停车收费标准"),
            "the agenda: {}",
            shown[0]
        );
        assert!(page.select(&format!("#open-{closed}")).is_empty());
        assert!(!page.text().contains("两委内部碰头会"));
        // Another community's list does not hold it.
        let other = app.get("/open-meetings?community_id=2").send().await;
        assert!(other.select(&format!("#open-{open}")).is_empty());
        assert_eq!(
            page.select("#calendar-feed").len(),
            1,
            "the page links its feed"
        );

        let feed = app.get("/open-meetings.ics?community_id=1").send().await;
        assert_eq!(feed.status, StatusCode::OK);
        assert!(
            feed.header("content-type")
                .unwrap()
                .starts_with("text/calendar")
        );
        let text = feed.text().replace("\r\n ", "");
        assert!(
            text.contains(&format!("UID:meeting-{open}@zizhi")),
            "{text}"
        );
        assert!(!text.contains(&format!("UID:meeting-{closed}@zizhi")));
        // The home page that anyone sees links it.
        let home = app.get("/").send().await;
        assert!(home.text().contains("href=\"/open-meetings\""));
    }
);
