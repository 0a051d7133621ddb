//! Issue 21, item 7 (M14): the 评议考核奖励 of community workers. At the year's end the head
//! records each worker's grade and reward beside the year's score; the head's own review is the
//! street's; nobody reviews themselves, nobody twice, and 不称职 gets no reward (rule K3).

use axum::http::StatusCode;
use serde_json::json;

use crate::both;
use crate::forms::{follow, post, value_of};
use crate::harness::TestApp;

/// The year whose reviews are open today: this one in December, else the last.
fn open_year() -> i16 {
    let t = zizhi::platform::time::today();
    if t.month() == 12 {
        t.year()
    } else {
        t.year() - 1
    }
}

both!(
    the_head_reviews_workers_the_street_reviews_the_head_once_a_year,
    |app: TestApp| async move {
        let year = open_year().to_string();
        let worker = app
            .count("SELECT id FROM users WHERE username = 'worker'")
            .await;
        let head_id = app
            .count("SELECT id FROM users WHERE username = 'head'")
            .await;
        let head = app.login("head").await;
        let page = app
            .get(&format!("/assessment/reviews?year={year}"))
            .browser(&head)
            .send()
            .await;
        assert_eq!(page.status, StatusCode::OK);
        let form = format!("#review-{worker}");
        assert_eq!(
            page.select(&form).len(),
            1,
            "the head may review the worker"
        );
        assert_eq!(
            page.select(&format!("#review-{head_id}")).len(),
            0,
            "but not themselves"
        );
        assert!(page.select(&format!("#person-{head_id} .pending"))[0].contains("由街道评定"));

        // 不称职 with a reward: refused by the reward, what was typed kept.
        let fields = |grade: &'static str, reward: &'static str| {
            vec![
                ("year", year.clone()),
                ("community_id", "1".to_owned()),
                ("user_id", worker.to_string()),
                ("grade", grade.to_owned()),
                ("reward", reward.to_owned()),
                ("comment", "全年入户走访认真".to_owned()),
            ]
        };
        let send = |f: Vec<(&'static str, String)>| {
            let head = &head;
            let app = &app;
            async move {
                let f: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
                post(app, head, "/assessment/reviews", &f).await
            }
        };
        let bad = send(fields("incompetent", "奖金 500 元")).await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(
            bad.select(&format!("#review-{worker}-reward-error")),
            vec!["评为不称职的不能给予奖励".to_owned()]
        );
        assert_eq!(
            value_of(&bad, &format!("#review-{worker}-reward")).as_deref(),
            Some("奖金 500 元")
        );
        let phone = send(fields("excellent", "奖金请联系 13912345678")).await;
        assert_eq!(phone.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(
            phone
                .select(&format!("#review-{worker}-reward-error"))
                .len(),
            1
        );
        assert_eq!(app.count("SELECT COUNT(*) FROM worker_reviews").await, 0);

        let saved = send(fields("excellent", "年度优秀社区工作者，奖金 800 元")).await;
        let mut reader = head.clone();
        let shown = follow(&app, &mut reader, &saved).await;
        assert_eq!(
            shown.select(".flash"),
            vec!["已记录社区工作者 李娜的年度评议考核：优秀".to_owned()]
        );
        let row = shown.select(&format!("#person-{worker} .review"))[0].clone();
        assert!(
            row.contains("优秀") && row.contains("奖金 800 元") && row.contains("社区书记 王秀英"),
            "{row}"
        );
        assert_eq!(
            app.count("SELECT COUNT(*) FROM audit_log WHERE action = 'assessment.review'")
                .await,
            1
        );

        // Once a year: a second review of the same worker is refused, on the page and the API.
        let twice = send(fields("competent", "")).await;
        assert_eq!(twice.status, StatusCode::CONFLICT);
        assert_eq!(twice.select(&format!("#review-{worker}-error")).len(), 1);
        let head_token = app.token("head").await;
        let body = |user: i64, year: i16, grade: &str| json!({"community_id": 1, "user_id": user, "year": year, "grade": grade});
        let r = app
            .post("/api/v1/assessment/reviews")
            .bearer(&head_token)
            .json(&body(worker, open_year(), "competent"))
            .send()
            .await;
        assert_eq!(r.status, StatusCode::CONFLICT);

        // The head may not review themselves, nor a year that has not reached its end.
        let own = app
            .post("/api/v1/assessment/reviews")
            .bearer(&head_token)
            .json(&body(head_id, open_year(), "excellent"))
            .send()
            .await;
        assert_eq!(own.status, StatusCode::FORBIDDEN);
        let street = app.token("street").await;
        let early = app
            .post("/api/v1/assessment/reviews")
            .bearer(&street)
            .json(&body(head_id, open_year() + 1, "excellent"))
            .send()
            .await;
        assert_eq!(early.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(early.json()["field"], "year");
        // A worker may not record reviews at all; someone who is not staff is not reviewed.
        let w = app.token("worker").await;
        let r = app
            .post("/api/v1/assessment/reviews")
            .bearer(&w)
            .json(&body(head_id, open_year(), "basic"))
            .send()
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        let council = app
            .count("SELECT id FROM users WHERE username = 'council'")
            .await;
        let r = app
            .post("/api/v1/assessment/reviews")
            .bearer(&street)
            .json(&body(council, open_year(), "basic"))
            .send()
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);

        // The street reviews the head; two at once land once.
        let (a, b) = tokio::join!(
            app.post("/api/v1/assessment/reviews")
                .bearer(&street)
                .json(&body(head_id, open_year(), "competent"))
                .send(),
            app.post("/api/v1/assessment/reviews")
                .bearer(&street)
                .json(&body(head_id, open_year(), "competent"))
                .send()
        );
        let mut codes = [a.status, b.status];
        codes.sort();
        assert_eq!(codes, [StatusCode::CREATED, StatusCode::CONFLICT]);
        let list = app
            .get(&format!("/api/v1/assessment/reviews?year={year}"))
            .bearer(&head_token)
            .send()
            .await;
        let people = list.json()["people"].as_array().unwrap().clone();
        let head_row = people.iter().find(|p| p["user_id"] == head_id).unwrap();
        assert_eq!(head_row["review"]["grade"], "competent");
        assert_eq!(head_row["head"], true);
        assert_eq!(head_row["may_record"], false);
    }
);
