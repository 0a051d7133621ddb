//! The street's own rules bind the street too (issue 19, M21, M23): the leading group decides
//! collectively, only the inspection group inspects, and each decision or verdict is taken
//! once, under concurrent requests too.

use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::both;
use crate::campaigns::phases;
use crate::harness::TestApp;

async fn post(app: &TestApp, token: &str, path: &str, body: Value) -> crate::client::Res {
    app.post(path).bearer(token).json(&body).send().await
}

/// An application, and a held meeting of the leading group with everyone in office present.
async fn application_and_meeting(app: &TestApp, street: &str) -> (i64, i64) {
    let a = post(app, street, "/api/v1/admissions", json!({"applicant": "区应急管理局", "kind": "task", "title": "燃气安全入户宣传",
        "content": "协助入户发放燃气安全告知书", "target_communities": [1], "powers": "宣传，不执法", "time_limit": "2027-03-31",
        "funding": "每户 2 元", "legal_basis": "《城镇燃气管理条例》"})).await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.text());
    let group = app
        .count("SELECT id FROM bodies WHERE kind = 'leading_group' AND parent_id IS NULL")
        .await;
    let now = jiff::Timestamp::now()
        .checked_sub(jiff::SignedDuration::from_mins(5))
        .unwrap()
        .to_string();
    let m = post(app, street, "/api/v1/meetings", json!({"body_id": group, "kind": "ad_hoc", "title": "准入审查", "starts_at": now, "location": "街道"})).await.json();
    let mid = m["id"].as_i64().unwrap();
    let members: Vec<i64> = m["attendance"]["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["member_id"].as_i64().unwrap())
        .collect();
    let res = post(
        app,
        street,
        &format!("/api/v1/meetings/{mid}/attendance"),
        json!({"present": members}),
    )
    .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    (a.json()["id"].as_i64().unwrap(), mid)
}

both!(
    a_leading_group_of_one_officer_does_not_decide_collectively,
    |app: TestApp| async move {
        let street = app.token("street").await;
        // Everyone but its leader leaves the group; he meets alone, "with a quorum" of one.
        app.exec("UPDATE body_members SET ended_at = '2026-06-01T00:00:00Z' WHERE position <> 'president' \
                  AND body_id = (SELECT id FROM bodies WHERE kind = 'leading_group' AND parent_id IS NULL)").await;
        let (id, mid) = application_and_meeting(&app, &street).await;
        let res = post(
            &app,
            &street,
            &format!("/api/v1/meetings/{mid}/motions"),
            json!({"title": "审查燃气安全入户宣传", "admission_id": id}),
        )
        .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(res.json()["code"], "admissions.not_collective");
        assert!(res.text().contains("集体研究决定"), "{}", res.text());
        assert_eq!(
            app.count(&format!(
                "SELECT COUNT(*) FROM motions WHERE meeting_id = {mid}"
            ))
            .await,
            0,
            "nothing half-written"
        );
        assert_eq!(
            app.count(&format!(
                "SELECT COUNT(*) FROM admissions WHERE id = {id} AND status = 'applied'"
            ))
            .await,
            1
        );
    }
);

both!(
    a_motion_and_an_admission_are_decided_once,
    |app: TestApp| async move {
        let street = app.token("street").await;
        let (id, mid) = application_and_meeting(&app, &street).await;
        let res = post(
            &app,
            &street,
            &format!("/api/v1/meetings/{mid}/motions"),
            json!({"title": "审查燃气安全入户宣传", "admission_id": id}),
        )
        .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.text());
        let motion = res.json()["id"].as_i64().unwrap();
        let members: Vec<i64> = app
            .get(&format!("/api/v1/meetings/{mid}/attendance"))
            .bearer(&street)
            .send()
            .await
            .json()["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x["member_id"].as_i64().unwrap())
            .collect();
        assert_eq!(members.len(), 5, "the demo group has five members");
        let votes: Vec<Value> = members
            .iter()
            .map(|m| json!({"member_id": m, "choice": "yes"}))
            .collect();
        let res = post(
            &app,
            &street,
            &format!("/api/v1/motions/{motion}/votes"),
            json!({"votes": votes}),
        )
        .await;
        assert!(res.status.is_success(), "{}", res.text());
        for (path, body, action) in [
            (
                format!("/api/v1/motions/{motion}/decision"),
                json!({}),
                "meetings.decide",
            ),
            (
                format!("/api/v1/admissions/{id}/decision"),
                json!({"reason": "有法规依据和经费，准予协助。"}),
                "admissions.decide",
            ),
        ] {
            app.one_of_four_wins(&street, &path, body, StatusCode::OK)
                .await;
            assert_eq!(
                app.count(&format!(
                    "SELECT COUNT(*) FROM audit_log WHERE action = '{action}'"
                ))
                .await,
                1,
                "{action}"
            );
        }
    }
);

both!(
    only_the_inspection_group_inspects,
    |app: TestApp| async move {
        let street = app.token("street").await;
        let group = app
            .count("SELECT id FROM bodies WHERE kind = 'leading_group' AND parent_id IS NULL")
            .await;
        let inspection = app
            .count("SELECT id FROM bodies WHERE name = '领导小组督查组'")
            .await;
        let res = app.post("/api/v1/campaigns").bearer(&street).json(&json!({"title": "2027年居民自治推进", "leading_group_id": group, "inspection_id": inspection, "phases": phases()})).send().await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.text());
        let id = res.json()["id"].as_i64().unwrap();
        post(
            &app,
            &street,
            &format!("/api/v1/campaigns/{id}/tasks"),
            json!({"phase": "mobilize", "title": "召开动员会", "due_on": "2027-01-20"}),
        )
        .await;
        let task = app
            .count(&format!(
                "SELECT id FROM campaign_tasks WHERE campaign_id = {id} AND community_id = 1"
            ))
            .await;
        let worker = app.token("worker").await;
        let res = post(
            &app,
            &worker,
            &format!("/api/v1/campaigns/{id}/tasks/{task}/done"),
            json!({"note": "1月15日召开动员会"}),
        )
        .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.text());
        // A second street officer, not on the inspection group.
        let now = zizhi::platform::time::now_db();
        let other = app.insert(&format!("INSERT INTO users (username, display_name, password_hash, disabled, created_at, password_changed_at, totp_exempt) \
             SELECT 'street2', '街道干部 孙明', password_hash, 0, '{now}', '{now}', 1 FROM users WHERE username = 'street' RETURNING id")).await;
        app.exec(&format!("INSERT INTO grants (user_id, role, street_id, community_id, building_id, valid_from, valid_to, created_at) \
             SELECT {other}, role, street_id, community_id, building_id, valid_from, valid_to, created_at FROM grants \
             WHERE user_id = (SELECT id FROM users WHERE username = 'street')")).await;
        let path = format!("/api/v1/campaigns/{id}/tasks/{task}/inspect");
        let res = post(
            &app,
            &app.token("street2").await,
            &path,
            json!({"verdict": "passed"}),
        )
        .await;
        assert_eq!(res.status, StatusCode::FORBIDDEN);
        assert!(res.text().contains("督查组"), "{}", res.text());
        // The inspection group's member inspects, once: four verdicts at once, one kept.
        app.one_of_four_wins(&street, &path, json!({"verdict": "passed"}), StatusCode::OK)
            .await;
        assert_eq!(
            app.count("SELECT COUNT(*) FROM audit_log WHERE action = 'campaign.inspect'")
                .await,
            1
        );
    }
);
