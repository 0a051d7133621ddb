//! 加入手机日历 (issue 22 item 4): each person's meetings behind a private, revocable token,
//! offered on a page; every feed with an ETag and Last-Modified, answering 304 when unchanged.

use axum::http::StatusCode;

use crate::both;
use crate::harness::TestApp;

/// A council meeting two weeks ahead, titled `title`.
async fn council_meeting(app: &TestApp, title: &str) -> i64 {
    let council = app
        .count("SELECT MIN(id) FROM bodies WHERE kind = 'council' AND community_id = 1")
        .await;
    let at = |days: i64| {
        zizhi::platform::time::to_db(
            zizhi::platform::time::now() + jiff::SignedDuration::from_hours(24 * days),
        )
    };
    let now = zizhi::platform::time::now_db();
    app.insert(&format!(
        "INSERT INTO meetings (body_id, street_id, community_id, kind, title, starts_at, ends_at, location, open_to_residents, status, created_at) \
         VALUES ({council}, 1, 1, 'council_monthly', '{title}', '{}', '{}', '议事厅', 0, 'scheduled', '{now}') RETURNING id",
        at(14),
        at(14)
    ))
    .await
}

both!(
    a_member_subscribes_with_a_private_address_that_can_be_renewed_and_stopped,
    |app: TestApp| async move {
        council_meeting(&app, "十二月议事协调会").await;
        // The council member sits on the council (as a member or as the resident they are).
        let member = app.text("SELECT u.username FROM users u JOIN body_members bm ON (bm.user_id = u.id OR bm.resident_id = u.resident_id) \
            JOIN bodies b ON b.id = bm.body_id WHERE b.kind = 'council' AND b.community_id = 1 AND bm.ended_at IS NULL ORDER BY u.id LIMIT 1").await;
        let b = app.login(&member).await;
        let page = app.get("/me/calendar").browser(&b).send().await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(
            page.select("#feed-url").is_empty(),
            "no address before one is made"
        );
        let made = crate::forms::post(&app, &b, "/me/calendar", &[("action", "new")]).await;
        assert_eq!(made.status, StatusCode::OK, "{}", made.text());
        assert_eq!(made.header("cache-control").as_deref(), Some("no-store"));
        let url = crate::forms::value_of(&made, "#feed-url").expect("the address, shown once");
        let path = url.split_once("://").unwrap().1.split_once('/').unwrap().1;
        let path = format!("/{path}");
        assert!(
            path.starts_with("/calendar/feed/") && path.ends_with(".ics"),
            "{url}"
        );
        assert!(made.select("#feed-webcal")[0].contains("加入手机日历"));
        assert_eq!(
            app.count("SELECT COUNT(*) FROM audit_log WHERE action = 'calendar_feed.create'")
                .await,
            1
        );

        // The phone subscribes: no sign-in, the address is the credential.
        let feed = app.get(&path).send().await;
        assert_eq!(feed.status, StatusCode::OK);
        assert!(
            feed.header("content-type")
                .unwrap()
                .starts_with("text/calendar")
        );
        assert!(feed.text().contains("SUMMARY:十二月议事协调会"));
        assert_eq!(
            feed.header("cache-control").as_deref(),
            Some("private, no-cache")
        );
        let etag = feed.header("etag").expect("an ETag");
        let modified = feed.header("last-modified").expect("Last-Modified");
        assert!(modified.ends_with(" GMT"), "{modified}");
        let again = app.get(&path).header("if-none-match", &etag).send().await;
        assert_eq!(again.status, StatusCode::NOT_MODIFIED);
        assert!(again.body.is_empty());
        let since = app
            .get(&path)
            .header("if-modified-since", &modified)
            .send()
            .await;
        assert_eq!(since.status, StatusCode::NOT_MODIFIED);
        // A new meeting changes the feed: a new ETag, the whole feed again.
        council_meeting(&app, "临时议事会").await;
        let changed = app.get(&path).header("if-none-match", &etag).send().await;
        assert_eq!(changed.status, StatusCode::OK);
        assert_ne!(changed.header("etag"), Some(etag.clone()));
        assert!(changed.text().contains("SUMMARY:临时议事会"));

        // A resident sitting on nothing gets an empty calendar, not the council's.
        let resident = app.token("resident").await;
        let theirs = app
            .post("/api/v1/me/calendar-feed")
            .bearer(&resident)
            .send()
            .await;
        assert_eq!(theirs.status, StatusCode::CREATED, "{}", theirs.text());
        let rurl = theirs.json()["url"].as_str().unwrap().to_owned();
        assert!(
            theirs.json()["webcal"]
                .as_str()
                .unwrap()
                .starts_with("webcal://")
        );
        let rpath = format!(
            "/{}",
            rurl.split_once("://").unwrap().1.split_once('/').unwrap().1
        );
        let rfeed = app.get(&rpath).send().await.text();
        assert!(
            rfeed.starts_with("BEGIN:VCALENDAR") && !rfeed.contains("议事协调会"),
            "{rfeed}"
        );

        // Renewed: the old address is dead at once. Stopped: the new one too.
        let renewed = crate::forms::post(&app, &b, "/me/calendar", &[("action", "new")]).await;
        let new_url = crate::forms::value_of(&renewed, "#feed-url").unwrap();
        assert_ne!(new_url, url);
        assert_eq!(app.get(&path).send().await.status, StatusCode::NOT_FOUND);
        let new_path = format!(
            "/{}",
            new_url
                .split_once("://")
                .unwrap()
                .1
                .split_once('/')
                .unwrap()
                .1
        );
        assert_eq!(app.get(&new_path).send().await.status, StatusCode::OK);
        let stopped = crate::forms::post(&app, &b, "/me/calendar", &[("action", "stop")]).await;
        assert_eq!(stopped.select("#feed-stopped").len(), 1);
        assert_eq!(
            app.get(&new_path).send().await.status,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            app.count("SELECT COUNT(*) FROM audit_log WHERE action = 'calendar_feed.stop'")
                .await,
            1
        );
        let r = app
            .req(axum::http::Method::DELETE, "/api/v1/me/calendar-feed")
            .bearer(&resident)
            .send()
            .await;
        assert_eq!(r.status, StatusCode::NO_CONTENT);
        assert_eq!(app.get(&rpath).send().await.status, StatusCode::NOT_FOUND);
        let r = app
            .req(axum::http::Method::DELETE, "/api/v1/me/calendar-feed")
            .bearer(&resident)
            .send()
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "nothing left to stop");
        assert_eq!(
            app.post("/api/v1/me/calendar-feed").send().await.status,
            StatusCode::UNAUTHORIZED
        );
        assert_eq!(
            app.get("/calendar/feed/0000.ics").send().await.status,
            StatusCode::NOT_FOUND
        );

        // The public feeds are offered on the page too, with the same caching.
        let page = app.get("/me/calendar").browser(&b).send().await;
        assert!(page.select("#public-feeds a").len() >= 2);
        let meetings = app.get("/meetings").browser(&b).send().await;
        assert_eq!(
            meetings.select("#phone-calendar").len(),
            1,
            "offered on the meetings page"
        );
        let open = app.get("/open-meetings.ics").send().await;
        let tag = open.header("etag").unwrap();
        assert_eq!(
            app.get("/open-meetings.ics")
                .header("if-none-match", &tag)
                .send()
                .await
                .status,
            StatusCode::NOT_MODIFIED
        );
        let council = app
            .count("SELECT MIN(id) FROM bodies WHERE kind = 'council' AND community_id = 1")
            .await;
        let body = app
            .get(&format!("/api/v1/meetings.ics?body_id={council}"))
            .send()
            .await;
        assert!(body.header("etag").is_some() && body.header("last-modified").is_some());
    }
);
