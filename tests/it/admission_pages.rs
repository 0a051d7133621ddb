//! Issue 20, item 1 (M21 on pages): the street office records a department's application on
//! the admissions page and, once the leading group has voted at its meeting, the decision with
//! its reasons; a refusal keeps what was typed, next to its field; a community worker sees what
//! is admitted for them and records no applications.

use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::both;
use crate::forms::{follow, post};
use crate::harness::TestApp;

async fn api(app: &TestApp, token: &str, path: &str, body: Value) -> Value {
    let r = app.post(path).bearer(token).json(&body).send().await;
    assert!(r.status.is_success(), "{path}: {}", r.text());
    r.json()
}

both!(
    an_application_is_recorded_and_decided_on_the_admissions_page,
    |app: TestApp| async move {
        let mut street = app.login("street").await;
        let page = app.get("/admissions").browser(&street).send().await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(
            !page.select("#targets label").is_empty(),
            "the street's communities to tick"
        );
        let fields = |limit: &'static str| {
            vec![
                ("applicant", "区应急管理局"),
                ("kind", "task"),
                ("title", "燃气安全入户宣传"),
                ("content", "每户发放宣传册并签收"),
                ("c_1", "1"),
                ("powers", "入户宣传"),
                ("funding", "区财政每户 5 元"),
                ("legal_basis", "《城镇燃气管理条例》"),
                ("time_limit", limit),
            ]
        };
        let refused = post(&app, &street, "/admissions", &fields("2020-01-01")).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(refused.select("#apply-time_limit-error").len(), 1);
        assert_eq!(
            refused.select("#content"),
            vec!["每户发放宣传册并签收".to_owned()]
        );
        assert!(
            refused.text().contains("name=\"c_1\" value=\"1\" checked"),
            "the ticked community stays ticked"
        );
        let applied = post(&app, &street, "/admissions", &fields("2027-06-30")).await;
        let next = follow(&app, &mut street, &applied).await;
        assert!(next.select(".flash")[0].contains("燃气安全入户宣传"));
        let id = app.count("SELECT MAX(id) FROM admissions").await;
        assert_eq!(
            app.count(&format!(
                "SELECT COUNT(*) FROM admissions WHERE id = {id} AND target_communities = '[1]'"
            ))
            .await,
            1
        );

        // The leading group votes on it at its meeting (the meeting pages' job, done here by API).
        let token = app.token("street").await;
        let group = app
            .count("SELECT id FROM bodies WHERE kind = 'leading_group' AND parent_id IS NULL")
            .await;
        let now = jiff::Timestamp::now()
            .checked_sub(jiff::SignedDuration::from_mins(5))
            .unwrap()
            .to_string();
        let m = api(&app, &token, "/api/v1/meetings", json!({"body_id": group, "kind": "ad_hoc", "title": "准入审查", "starts_at": now, "location": "街道"})).await;
        let mid = m["id"].as_i64().unwrap();
        let members: Vec<i64> = m["attendance"]["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x["member_id"].as_i64().unwrap())
            .collect();
        api(
            &app,
            &token,
            &format!("/api/v1/meetings/{mid}/attendance"),
            json!({"present": members}),
        )
        .await;
        let motion = api(
            &app,
            &token,
            &format!("/api/v1/meetings/{mid}/motions"),
            json!({"title": "审查燃气安全入户宣传", "admission_id": id}),
        )
        .await["id"]
            .as_i64()
            .unwrap();
        let page = app.get("/admissions").browser(&street).send().await;
        assert_eq!(
            page.select(&format!("#decide-{id}-form")).len(),
            1,
            "under review: the decision form"
        );
        let open = post(
            &app,
            &street,
            &format!("/admissions/{id}/decision"),
            &[("reason", "有法规依据和经费")],
        )
        .await;
        assert_eq!(open.status, StatusCode::CONFLICT);
        assert_eq!(
            open.select(&format!("#decide-{id}-error")).len(),
            1,
            "{}",
            open.text()
        );
        assert_eq!(
            open.select(&format!("#decide-{id}-reason")),
            vec!["有法规依据和经费".to_owned()]
        );
        let votes: Vec<Value> = members
            .iter()
            .map(|m| json!({"member_id": m, "choice": "yes"}))
            .collect();
        api(
            &app,
            &token,
            &format!("/api/v1/motions/{motion}/votes"),
            json!({"votes": votes}),
        )
        .await;
        api(
            &app,
            &token,
            &format!("/api/v1/motions/{motion}/decision"),
            json!({}),
        )
        .await;
        let decided = post(
            &app,
            &street,
            &format!("/admissions/{id}/decision"),
            &[("reason", "有法规依据和经费，准予协助。")],
        )
        .await;
        let next = follow(&app, &mut street, &decided).await;
        assert_eq!(
            next.select(".flash"),
            vec!["“燃气安全入户宣传”：准入，决定已记录".to_owned()]
        );
        assert!(next.select(&format!("#decide-{id}-form")).is_empty());

        // The community sees it admitted, and records no applications.
        let worker = app.login("worker").await;
        let seen = app.get("/admissions").browser(&worker).send().await;
        assert!(seen.select(&format!("#admission-{id}"))[0].contains("准入"));
        assert!(seen.select("#apply-form").is_empty());
        let tried = post(&app, &worker, "/admissions", &fields("2027-06-30")).await;
        assert_eq!(tried.status, StatusCode::FORBIDDEN);
    }
);
