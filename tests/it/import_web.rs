//! A large import on the web page: it runs in the background with a progress bar.

use axum::http::StatusCode;

use crate::both;
use crate::harness::TestApp;
use crate::import::HEADER;

both!(
    a_large_web_import_shows_its_progress,
    |app: TestApp| async move {
        let b = app.login("worker").await;
        let mut csv = String::from(HEADER);
        for i in 0..2500u16 {
            let id = zizhi::registry::id_number::IdNumber::compose(
                "110106",
                jiff::civil::date(
                    1960 + (i % 40) as i16,
                    1 + (i % 12) as i8,
                    1 + (i % 28) as i8,
                ),
                i % 1000,
            );
            csv.push_str(&format!(
                "锦绣苑,13号楼,2,{},居民{i},{},,,,,\n",
                2000 + i / 3,
                id.as_str()
            ));
        }
        let boundary = "zizhi-big";
        let body = format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"_csrf\"\r\n\r\n{}\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"community_id\"\r\n\r\n1\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.csv\"\r\nContent-Type: text/csv\r\n\r\n{csv}\r\n--{boundary}--\r\n",
            b.csrf
        );
        let preview = app
            .post("/import")
            .browser(&b)
            .raw(&format!("multipart/form-data; boundary={boundary}"), body)
            .send()
            .await;
        assert_eq!(
            preview.select("#error-count"),
            vec!["0"],
            "{:?}",
            preview.select("#errors td")
        );
        let sel = scraper::Selector::parse("#report form").unwrap();
        let action = preview
            .html()
            .select(&sel)
            .next()
            .unwrap()
            .value()
            .attr("action")
            .unwrap()
            .to_owned();
        let started = app
            .post(&action)
            .browser(&b)
            .form(&[("_csrf", &b.csrf)])
            .send()
            .await;
        assert_eq!(started.status, StatusCode::SEE_OTHER);
        let progress = started.header("location").unwrap();
        assert!(progress.starts_with("/import/jobs/"));
        // Another user cannot watch it.
        let head = app.login("head").await;
        assert_eq!(
            app.get(&progress).browser(&head).send().await.status,
            StatusCode::NOT_FOUND
        );
        let mut done = None;
        for _ in 0..600 {
            let page = app.get(&progress).browser(&b).send().await;
            assert_eq!(page.status, StatusCode::OK);
            // While it runs: a progress bar that refreshes itself (the job may finish before the first look).
            if page.select("#import-progress").len() == 1 {
                assert_eq!(page.header("refresh").as_deref(), Some("1"));
            } else {
                done = Some(page);
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        let done = done.expect("the import finishes");
        assert_eq!(done.select("#residents-new"), vec!["2500"]);
        assert_eq!(done.select("#report .notice").len(), 1);
        assert_eq!(
            app.count("SELECT COUNT(*) FROM residents WHERE name LIKE '居民%'")
                .await,
            2500
        );
    }
);
