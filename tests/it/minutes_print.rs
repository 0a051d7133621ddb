//! Issue 20, item 8: the minutes print on one page with who attended and who did not, the
//! agenda, the votes with their tallies, signature lines for each member present, and a QR
//! code to the meeting's page.

use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::both;
use crate::harness::TestApp;
use crate::meetings::local;

both!(
    the_minutes_print_with_attendees_votes_and_signature_lines,
    |app: TestApp| async move {
        let head = app.token("head").await;
        let council = app
            .count("SELECT id FROM bodies WHERE kind = 'council' AND community_id = 1")
            .await;
        let api = async |path: &str, body: Value| {
            let r = app.post(path).bearer(&head).json(&body).send().await;
            assert!(r.status.is_success(), "{path}: {}", r.text());
            r.json()
        };
        let m = api(
            "/api/v1/meetings",
            json!({"body_id": council, "kind": "ad_hoc", "title": "电动车充电桩选址",
            "starts_at": local(-5), "location": "社区会议室", "items": [{"title": "充电桩选址"}]}),
        )
        .await;
        let id = m["id"].as_i64().unwrap();
        let members: Vec<(i64, String)> = m["attendance"]["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| {
                (
                    x["member_id"].as_i64().unwrap(),
                    x["name"].as_str().unwrap().to_owned(),
                )
            })
            .collect();
        assert!(members.len() >= 3);
        // All but one present.
        let present: Vec<i64> = members[1..].iter().map(|m| m.0).collect();
        api(
            &format!("/api/v1/meetings/{id}/attendance"),
            json!({"present": present}),
        )
        .await;
        let motion = api(
            &format!("/api/v1/meetings/{id}/motions"),
            json!({"title": "在3号楼东侧建充电桩"}),
        )
        .await["id"]
            .as_i64()
            .unwrap();
        let votes: Vec<Value> = present
            .iter()
            .map(|m| json!({"member_id": m, "choice": "yes"}))
            .collect();
        api(
            &format!("/api/v1/motions/{motion}/votes"),
            json!({"votes": votes}),
        )
        .await;

        let b = app.login("head").await;
        let meeting = app.get(&format!("/meetings/{id}")).browser(&b).send().await;
        assert_eq!(
            meeting.select("#print-link").len(),
            1,
            "the meeting links its print"
        );
        let p = app
            .get(&format!("/meetings/{id}/print"))
            .browser(&b)
            .send()
            .await;
        assert_eq!(p.status, StatusCode::OK);
        let shown_present = p.select("#print-present").pop().unwrap();
        let shown_absent = p.select("#print-absent").pop().unwrap();
        for (mid, name) in &members {
            if present.contains(mid) {
                assert!(
                    shown_present.contains(name.as_str()),
                    "{name} present: {shown_present}"
                );
            } else {
                assert!(
                    shown_absent.contains(name.as_str()),
                    "{name} absent: {shown_absent}"
                );
            }
        }
        assert_eq!(p.select("#signatures .sign-list li").len(), present.len());
        let tally = p.select("#print-motions tbody tr").pop().unwrap();
        assert!(
            tally.contains("在3号楼东侧建充电桩") && tally.contains(&present.len().to_string()),
            "{tally}"
        );
        assert!(p.select("#print-items li")[0].contains("充电桩选址"));
        assert_eq!(
            p.select("#print-minutes"),
            vec!["纪要尚未发布。".to_owned()]
        );
        assert!(p.text().contains("<svg"), "the QR code");
        assert!(p.text().contains(&format!("/meetings/{id}</p>")));
        // Not without an account.
        let anon = app.get(&format!("/meetings/{id}/print")).send().await;
        assert_ne!(anon.status, StatusCode::OK);
    }
);
