//! Issue 20, item 1: the weekly bulletin (民情通报) on its page — drafted from the week's records,
//! corrected, published once — and read by the council only once it is published.

use axum::http::StatusCode;

use crate::both;
use crate::forms::{follow, post};
use crate::harness::TestApp;

both!(
    the_weekly_bulletin_is_drafted_corrected_and_published_on_the_page,
    |app: TestApp| async move {
        let mut worker = app.login("worker").await;
        // The demo has this week's already; a week the demo has none of (any day of it).
        let drafted = post(&app, &worker, "/bulletins", &[("week", "2025-06-04")]).await;
        let next = follow(&app, &mut worker, &drafted).await;
        assert_eq!(
            next.select(".flash"),
            vec!["已起草 2025年6月2日 这一周的民情通报，请核对后发布".to_owned()]
        );
        let id = app.count("SELECT MAX(id) FROM bulletins").await;
        let body = next.select(&format!("#edit-{id}-body")).pop().unwrap();
        assert!(body.contains("一、居民诉求"), "{body}");
        // The same week twice is refused.
        let twice = post(&app, &worker, "/bulletins", &[("week", "2025-06-02")]).await;
        assert_eq!(twice.status, StatusCode::CONFLICT);
        assert_eq!(
            twice.select("#draft-error"),
            vec!["这一周的民情通报已经起草".to_owned()]
        );
        // A draft emptied: refused, and what was there is not lost.
        let emptied = post(&app, &worker, &format!("/bulletins/{id}"), &[("body", " ")]).await;
        assert_eq!(emptied.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(emptied.select(&format!("#edit-{id}-body-error")).len(), 1);
        let text = format!("{body}\n四、需要关注的问题\n3号楼电梯频繁故障");
        let saved = post(
            &app,
            &worker,
            &format!("/bulletins/{id}"),
            &[("body", &text)],
        )
        .await;
        let next = follow(&app, &mut worker, &saved).await;
        assert!(next.select(&format!("#edit-{id}-body"))[0].contains("电梯频繁故障"));
        // The council reads nothing until it is published.
        let mut council = app.login("council").await;
        let before = app.get("/bulletins").browser(&council).send().await;
        assert_eq!(before.status, StatusCode::OK);
        assert!(before.select(&format!("#bulletin-{id}")).is_empty());
        let published = post(&app, &worker, &format!("/bulletins/{id}/publish"), &[]).await;
        let next = follow(&app, &mut worker, &published).await;
        assert!(next.select(".flash")[0].contains("已发布"));
        assert!(
            next.select(&format!("#edit-{id}-body")).is_empty(),
            "no more edits"
        );
        let after = app.get("/bulletins").browser(&council).send().await;
        council.absorb(&after);
        assert!(after.select(&format!("#bulletin-{id}"))[0].contains("电梯频繁故障"));
        assert!(
            after.select("#draft-form").is_empty(),
            "the council drafts nothing"
        );
        let edit = post(
            &app,
            &worker,
            &format!("/bulletins/{id}"),
            &[("body", "改")],
        )
        .await;
        assert_eq!(edit.status, StatusCode::CONFLICT);
    }
);
