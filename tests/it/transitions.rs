//! Guarded transitions (issue 19): four identical requests fired at once at a state change —
//! exactly one changes the state and leaves its audit entry, the other three answer 409.
//! Appraisals, elections, motions, admissions, inspections and notices have theirs beside
//! their rules (`appraisal_rules`, `election_rules`, `street_rules`, `disclosure_publishing`).

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

use crate::both;
use crate::harness::TestApp;

async fn post(app: &TestApp, token: &str, path: &str, body: Value) -> crate::client::Res {
    app.post(path).bearer(token).json(&body).send().await
}

/// Fires `body` at `path` four times at once: one `won`, three 409s, and one `action` in the
/// audit log for it.
async fn once(app: &TestApp, token: &str, path: &str, body: Value, won: StatusCode, action: &str) {
    let before = app
        .count(&format!(
            "SELECT COUNT(*) FROM audit_log WHERE action = '{action}'"
        ))
        .await;
    app.one_of_four_wins(token, path, body, won).await;
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM audit_log WHERE action = '{action}'"
        ))
        .await,
        before + 1,
        "{path}: one audit entry"
    );
}

both!(
    concurrent_duplicates_change_each_state_once,
    |app: TestApp| async move {
        let worker = app.token("worker").await;
        let head = app.token("head").await;
        let resident = app.token("resident").await;

        // An agreement is renewed once: one new draft.
        let household = app
            .count("SELECT id FROM households WHERE community_id = 1 ORDER BY id DESC LIMIT 1")
            .await;
        let a = post(&app, &worker, "/api/v1/agreements", json!({"household_id": household, "template": "frontage", "valid_from": "2026-01-01", "valid_to": "2026-12-31"})).await;
        assert_eq!(a.status, StatusCode::CREATED, "{}", a.text());
        let id = a.json()["id"].as_i64().unwrap();
        let s = post(
            &app,
            &worker,
            &format!("/api/v1/agreements/{id}/sign"),
            json!({"method": "in_person", "signed_on": "2025-12-28"}),
        )
        .await;
        assert_eq!(s.json()["status"], "in_force", "{}", s.text());
        once(
            &app,
            &worker,
            &format!("/api/v1/agreements/{id}/renew"),
            json!({"valid_to": "2027-12-31"}),
            StatusCode::CREATED,
            "agreements.renew",
        )
        .await;
        assert_eq!(
            app.count(&format!(
                "SELECT COUNT(*) FROM agreements WHERE renews_id = {id}"
            ))
            .await,
            1
        );

        // A rule goes to public comment once.
        let r = post(
            &app,
            &head,
            "/api/v1/rules",
            json!({"community_id": 1, "kind": "convention", "subject": "public_order", "matter": "治安",
            "title": "三角线社区治安公约", "articles": ["第一条 邻里守望。"]}),
        )
        .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        let rule = r.json()["id"].as_i64().unwrap();
        once(
            &app,
            &head,
            &format!("/api/v1/rules/{rule}/status"),
            json!({"status": "public_comment", "days": 10}),
            StatusCode::OK,
            "rules.advance",
        )
        .await;

        // A bulletin is published once.
        let b = post(
            &app,
            &worker,
            "/api/v1/bulletins",
            json!({"week": "2025-12-03"}),
        )
        .await;
        assert_eq!(b.status, StatusCode::CREATED, "{}", b.text());
        let bulletin = b.json()["id"].as_i64().unwrap();
        once(
            &app,
            &worker,
            &format!("/api/v1/bulletins/{bulletin}/publish"),
            json!({}),
            StatusCode::OK,
            "bulletins.publish",
        )
        .await;
        let edit = app
            .req(Method::PUT, &format!("/api/v1/bulletins/{bulletin}"))
            .bearer(&worker)
            .json(&json!({"body": "改过的通报"}))
            .send()
            .await;
        assert_eq!(edit.status, StatusCode::CONFLICT, "published, never edited");

        // An aid plan is reviewed once.
        let p = post(&app, &worker, "/api/v1/aid-plans", json!({"household_id": household, "reason": "家中老人重病", "plan": "每月上门一次，协助申请临时救助"})).await;
        assert_eq!(p.status, StatusCode::CREATED, "{}", p.text());
        let plan = p.json()["id"].as_i64().unwrap();
        once(
            &app,
            &worker,
            &format!("/api/v1/aid-plans/{plan}/review"),
            json!({"review": "已获临时救助，情况好转"}),
            StatusCode::OK,
            "aid.review",
        )
        .await;

        // A resident's requests are answered once.
        let c = post(
            &app,
            &resident,
            "/api/v1/me/corrections",
            json!({"field": "phone", "message": "手机号已换"}),
        )
        .await;
        assert_eq!(c.status, StatusCode::CREATED, "{}", c.text());
        let correction = c.json()["id"].as_i64().unwrap();
        once(
            &app,
            &head,
            &format!("/api/v1/corrections/{correction}"),
            json!({"status": "declined", "reply": "请到社区当面核对"}),
            StatusCode::NO_CONTENT,
            "registry.correction_answer",
        )
        .await;
        let e = post(
            &app,
            &resident,
            "/api/v1/me/erasure",
            json!({"message": "请删除我的全部个人信息"}),
        )
        .await;
        assert_eq!(e.status, StatusCode::CREATED, "{}", e.text());
        let erasure = e.json()["id"].as_i64().unwrap();
        once(
            &app,
            &head,
            &format!("/api/v1/erasure-requests/{erasure}"),
            json!({"decision": "lock", "reason": "在册居民信息依法须保存，已封存"}),
            StatusCode::NO_CONTENT,
            "registry.erasure_decide",
        )
        .await;

        // A meeting's minutes are published once.
        let council = app
            .count("SELECT id FROM bodies WHERE kind = 'council'")
            .await;
        let now = jiff::Timestamp::now()
            .checked_sub(jiff::SignedDuration::from_mins(5))
            .unwrap()
            .to_string();
        let m = post(&app, &head, "/api/v1/meetings", json!({"body_id": council, "kind": "ad_hoc", "title": "临时会议", "starts_at": now, "location": "社区"})).await;
        assert_eq!(m.status, StatusCode::CREATED, "{}", m.text());
        let m = m.json();
        let meeting = m["id"].as_i64().unwrap();
        let present: Vec<i64> = m["attendance"]["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x["member_id"].as_i64().unwrap())
            .collect();
        let at = post(
            &app,
            &head,
            &format!("/api/v1/meetings/{meeting}/attendance"),
            json!({"present": present}),
        )
        .await;
        assert_eq!(at.status, StatusCode::OK, "{}", at.text());
        once(
            &app,
            &head,
            &format!("/api/v1/meetings/{meeting}/minutes"),
            json!({"minutes": "实到全体成员，议定楼道清理安排。"}),
            StatusCode::OK,
            "meetings.minutes",
        )
        .await;

        // An objection to a notice is handled once (`disclosure::objections::handle_in`).
        let n = post(
            &app,
            &worker,
            "/api/v1/disclosures",
            crate::disclosure::finance("2000"),
        )
        .await;
        assert_eq!(n.status, StatusCode::CREATED, "{}", n.text());
        let notice = n.json()["id"].as_i64().unwrap();
        let p = post(
            &app,
            &worker,
            &format!("/api/v1/disclosures/{notice}/publish"),
            json!({}),
        )
        .await;
        assert_eq!(p.status, StatusCode::OK, "{}", p.text());
        let o = post(
            &app,
            // The resident's record was locked above; the building leader objects.
            &app.token("leader").await,
            &format!("/api/v1/disclosures/{notice}/objections"),
            json!({"body": "办公经费请列明细"}),
        )
        .await;
        assert_eq!(o.status, StatusCode::CREATED, "{}", o.text());
        let oid = o.json()["id"].as_i64().unwrap();
        once(
            &app,
            &worker,
            &format!("/api/v1/disclosures/{notice}/objections/{oid}"),
            json!({"outcome": "upheld", "handling": "已补列办公经费明细"}),
            StatusCode::OK,
            "disclosure.handle_objection",
        )
        .await;
        let unknown = post(
            &app,
            &worker,
            &format!("/api/v1/disclosures/{notice}/objections/{}", oid + 1000),
            json!({"outcome": "upheld", "handling": "已补列"}),
        )
        .await;
        assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    }
);
