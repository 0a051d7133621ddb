//! Issue 20, item 9: charts keep a fixed readable text size at any width. Each chart is drawn at
//! its own size in pixels (`width` and `height` in px, text at 12) and the stylesheet lets it
//! shrink to a narrow phone but never grow: a chart stretched to `width="100%"` scaled its
//! labels with the page (36 px on a desktop, 11 on a phone).

use crate::both;
use crate::harness::TestApp;

both!(
    charts_are_drawn_at_their_own_size,
    |app: TestApp| async move {
        let head = app.login("head").await;
        let mut seen = 0;
        for path in ["/dashboard", "/assessment"] {
            let page = app.get(path).browser(&head).send().await;
            let html = page.html();
            let sel = scraper::Selector::parse("svg.chart").unwrap();
            for svg in html.select(&sel) {
                seen += 1;
                let w = svg.value().attr("width").unwrap_or("");
                assert!(
                    w.parse::<u32>().is_ok_and(|w| w <= 360),
                    "{path}: a chart {w:?} wide scales its text with the page"
                );
                let text = scraper::Selector::parse("text").unwrap();
                for t in svg.select(&text) {
                    let size = t.value().attr("font-size").unwrap_or("12");
                    assert!(
                        size.parse::<u32>().is_ok_and(|s| s >= 12),
                        "{path}: chart text at {size}"
                    );
                }
            }
        }
        assert!(seen >= 1, "{seen} charts");
        let css = app.get("/static/app.css").send().await.text();
        assert!(css.contains("svg.chart { max-width: 100%; height: auto; }"));
    }
);
