//! Issue 20, item 6: whoever holds the tracking code rates the answer, once, and an
//! unsatisfied rating reopens the case once; walk-ins, callers and Open311 apps included.

use axum::http::StatusCode;
use serde_json::json;

use crate::both;
use crate::case_desk::{act, walk_up_with};
use crate::client::Browser;
use crate::harness::TestApp;

async fn answered(app: &TestApp, description: &str) -> (i64, String) {
    let id = walk_up_with(app, description).await;
    let worker = app.login("worker").await;
    for (action, message) in [("accept", ""), ("reply", "已联系物业，今天更换灯泡")] {
        let r = act(
            app,
            &worker,
            id,
            &[("action", action), ("message", message)],
        )
        .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    }
    let code: String = sqlx::query_scalar("SELECT tracking_code FROM cases WHERE id = $1")
        .bind(id)
        .fetch_one(app.db.read())
        .await
        .unwrap();
    (id, code)
}

both!(
    the_tracking_code_rates_the_answer_once_and_reopens_once,
    |app: TestApp| async move {
        let (id, code) = answered(&app, "二单元楼道灯坏了").await;
        let mut b = Browser::default();
        let page = app.get(&format!("/track?code={code}")).send().await;
        b.absorb(&page);
        assert_eq!(
            page.select("#track-rate-form").len(),
            1,
            "answered, not rated"
        );
        let rated = app
            .post("/track/rate")
            .browser(&b)
            .form(&[
                ("_csrf", page.csrf().unwrap().as_str()),
                ("code", &code.to_lowercase()),
                ("satisfied", "no"),
                ("comment", "灯还是不亮"),
            ])
            .send()
            .await;
        assert_eq!(rated.status, StatusCode::SEE_OTHER, "{}", rated.text());
        assert_eq!(
            rated.header("location"),
            Some(format!("/track?code={code}"))
        );
        b.absorb(&rated);
        let after = app
            .get(&format!("/track?code={code}"))
            .browser(&b)
            .send()
            .await;
        assert_eq!(
            after.select(".flash"),
            vec![format!("您不满意，诉求 #{id} 已重新打开，将再次办理")]
        );
        assert_eq!(after.select("#status"), vec!["重新办理"]);
        assert!(after.select("#track-rate-form").is_empty(), "rated once");
        assert_eq!(
            app.count(&format!("SELECT COUNT(*) FROM cases WHERE id = {id} AND status = 'reopened' AND satisfied = 0 AND reopen_count = 1")).await,
            1
        );

        // Through the API, for apps: once, and never for an unknown code.
        let (other, code2) = answered(&app, "小区北门路灯不亮").await;
        let path = format!("/api/v1/track/{code2}/feedback");
        let ok = app
            .post(&path)
            .json(&json!({"satisfied": true, "comment": "谢谢"}))
            .send()
            .await;
        assert_eq!(ok.status, StatusCode::OK, "{}", ok.text());
        assert_eq!(ok.json()["status"], "replied");
        let again = app
            .post(&path)
            .json(&json!({"satisfied": false}))
            .send()
            .await;
        assert_eq!(again.status, StatusCode::CONFLICT);
        assert_eq!(
            app.count(&format!(
                "SELECT COUNT(*) FROM cases WHERE id = {other} AND satisfied = 1"
            ))
            .await,
            1
        );
        let unknown = app
            .post("/api/v1/track/AAAA-BBBB-CCCC/feedback")
            .json(&json!({"satisfied": true}))
            .send()
            .await;
        assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    }
);
