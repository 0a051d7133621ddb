//! Issue 20, item 4: drafting a notice on its page. A refusal keeps everything typed and puts
//! the message next to the field it is about; a draft can be edited until it is published.

use axum::http::StatusCode;

use crate::both;
use crate::client::Browser;
use crate::harness::TestApp;

fn form<'a>(
    b: &'a Browser,
    title: &'a str,
    lines: &'a str,
    income: &'a str,
) -> Vec<(&'a str, &'a str)> {
    vec![
        ("_csrf", b.csrf.as_str()),
        ("category", "finance"),
        ("title", title),
        ("period", "2026-11"),
        ("body", "请居民监督。"),
        ("lines", lines),
        ("income_total", income),
        ("expense_total", "350.50"),
        ("channel", "both"),
        ("publicity_days", "5"),
    ]
}

both!(
    a_draft_refused_keeps_what_was_typed_and_can_be_edited,
    |app: TestApp| async move {
        let worker = app.login("worker").await;
        let lines = "收入 社区服务收入 1200\n支出 楼道照明维修 350.50\n这一行不对";
        let refused = app
            .post("/disclosures")
            .browser(&worker)
            .form(&form(&worker, "11 月财务收支", lines, "1200"))
            .send()
            .await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        let page = refused.html();
        let by_lines = scraper::Selector::parse("#lines + p.field-error").unwrap();
        assert_eq!(page.select(&by_lines).count(), 1, "{}", refused.text());
        assert!(refused.select(".alert").is_empty(), "not at the top");
        assert_eq!(refused.select("#lines"), vec![lines]);
        let title = scraper::Selector::parse("#title").unwrap();
        let typed = page
            .select(&title)
            .next()
            .and_then(|e| e.value().attr("value"));
        assert_eq!(typed, Some("11 月财务收支"));

        let lines = "收入 社区服务收入 1200.00\n支出 楼道照明维修 350.50";
        let saved = app
            .post("/disclosures")
            .browser(&worker)
            .form(&form(&worker, "11 月财务收支", lines, "1200"))
            .send()
            .await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.text());
        let id: i64 = saved
            .header("location")
            .unwrap()
            .trim_start_matches("/disclosures/")
            .parse()
            .unwrap();
        let notice = app
            .get(&format!("/disclosures/{id}"))
            .browser(&worker)
            .send()
            .await;
        assert_eq!(notice.select("#edit-link").len(), 1);

        // The draft comes back in its form, and is saved in place.
        let edit = app
            .get(&format!("/disclosures/{id}/edit"))
            .browser(&worker)
            .send()
            .await;
        assert_eq!(edit.status, StatusCode::OK);
        assert_eq!(edit.select("#lines"), vec![lines]);
        let action = scraper::Selector::parse("#draft-form").unwrap();
        let html = edit.html();
        let to = html
            .select(&action)
            .next()
            .and_then(|f| f.value().attr("action"));
        assert_eq!(to, Some(format!("/disclosures/{id}/edit").as_str()));
        let edited = app
            .post(&format!("/disclosures/{id}/edit"))
            .browser(&worker)
            .form(&form(&worker, "2026 年 11 月财务收支公开", lines, "1200"))
            .send()
            .await;
        assert_eq!(edited.status, StatusCode::SEE_OTHER, "{}", edited.text());
        assert_eq!(
            app.count(&format!(
                "SELECT COUNT(*) FROM disclosures WHERE id = {id} AND title = '2026 年 11 月财务收支公开' AND status = 'draft'"
            ))
            .await,
            1
        );
        assert_eq!(
            app.count("SELECT COUNT(*) FROM disclosures WHERE title LIKE '%11 月财务收支%'")
                .await,
            1,
            "in place"
        );

        // Published, it is no longer a draft to edit.
        let published = app
            .post(&format!("/disclosures/{id}/publish"))
            .browser(&worker)
            .form(&[("_csrf", worker.csrf.as_str())])
            .send()
            .await;
        assert_eq!(
            published.status,
            StatusCode::SEE_OTHER,
            "{}",
            published.text()
        );
        let late = app
            .get(&format!("/disclosures/{id}/edit"))
            .browser(&worker)
            .send()
            .await;
        assert_eq!(late.status, StatusCode::CONFLICT);
        // Others may not edit at all.
        let resident = app.login("resident").await;
        let theirs = app
            .get(&format!("/disclosures/{id}/edit"))
            .browser(&resident)
            .send()
            .await;
        assert_eq!(theirs.status, StatusCode::FORBIDDEN);
    }
);
