//! Issue 20, item 5: a council member votes on their own phone, by name and once, while the
//! vote is open; the tally on the meeting page counts what is cast and who has yet to vote.

use axum::http::StatusCode;
use serde_json::json;

use crate::both;
use crate::harness::TestApp;
use crate::meetings::local;

both!(
    members_present_vote_on_their_own_phones_once,
    |app: TestApp| async move {
        let token = app.token("head").await;
        let council = app
            .count("SELECT id FROM bodies WHERE kind = 'council'")
            .await;
        let m = app
            .post("/api/v1/meetings")
            .bearer(&token)
            .json(&json!({"body_id": council, "kind": "ad_hoc", "title": "电动车充电临时会议",
                "starts_at": local(-5), "location": "社区议事厅", "items": [{"title": "楼道充电隐患"}]}))
            .send()
            .await;
        assert_eq!(m.status, StatusCode::CREATED, "{}", m.text());
        let id = m.json()["id"].as_i64().unwrap();
        let seat = |who: &'static str| {
            let app = &app;
            async move {
                app.count(&format!(
                    "SELECT bm.id FROM body_members bm JOIN users u ON u.id = bm.user_id OR u.resident_id = bm.resident_id \
                     WHERE u.username = '{who}' AND bm.body_id = {council} AND bm.ended_at IS NULL"
                ))
                .await
            }
        };
        let (head_seat, leader_seat) = (seat("head").await, seat("leader").await);
        let others: Vec<i64> = m.json()["attendance"]["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["member_id"].as_i64().unwrap())
            .filter(|s| *s != head_seat && *s != leader_seat)
            .take(6)
            .collect();
        let mut present = vec![head_seat, leader_seat];
        present.extend(&others);
        let a = app
            .post(&format!("/api/v1/meetings/{id}/attendance"))
            .bearer(&token)
            .json(&json!({"present": present}))
            .send()
            .await;
        assert_eq!(a.json()["quorum"], true, "{}", a.text());

        // The secretary puts the motion without entering votes: it stays open.
        let head = app.login("head").await;
        let put = app
            .post(&format!("/meetings/{id}/motions"))
            .browser(&head)
            .form(&[
                ("_csrf", head.csrf.as_str()),
                ("title", "禁止在楼道内为电动车充电"),
                ("threshold", "simple_majority"),
            ])
            .send()
            .await;
        assert_eq!(put.status, StatusCode::SEE_OTHER, "{}", put.text());
        let motion = app
            .count(&format!(
                "SELECT id FROM motions WHERE meeting_id = {id} AND status = 'open'"
            ))
            .await;

        let leader = app.login("leader").await;
        let page = app
            .get(&format!("/meetings/{id}"))
            .browser(&leader)
            .send()
            .await;
        assert_eq!(
            page.select(&format!("#own-vote-{motion} button")),
            vec!["同意", "反对", "弃权"]
        );
        let vote = |b: crate::client::Browser, choice: &'static str| {
            let app = &app;
            async move {
                app.post(&format!("/meetings/{id}/motions/{motion}/my-vote"))
                    .browser(&b)
                    .form(&[("_csrf", b.csrf.as_str()), ("choice", choice)])
                    .send()
                    .await
            }
        };
        assert_eq!(
            vote(leader.clone(), "yes").await.status,
            StatusCode::SEE_OTHER
        );
        assert_eq!(
            vote(leader.clone(), "no").await.status,
            StatusCode::CONFLICT,
            "once"
        );
        assert_eq!(
            vote(head.clone(), "abstain").await.status,
            StatusCode::SEE_OTHER
        );
        // No seat, no vote.
        let outsider = app.login("council").await;
        assert_eq!(vote(outsider, "yes").await.status, StatusCode::FORBIDDEN);
        assert_eq!(
            app.count(&format!(
                "SELECT COUNT(*) FROM motion_votes WHERE motion_id = {motion}"
            ))
            .await,
            2
        );
        let named = app
            .count(&format!(
                "SELECT COUNT(*) FROM motion_votes WHERE motion_id = {motion} AND member_id = {leader_seat} AND choice = 'yes'"
            ))
            .await;
        assert_eq!(named, 1, "recorded by name");

        let after = app
            .get(&format!("/meetings/{id}"))
            .browser(&leader)
            .send()
            .await;
        assert!(after.select(&format!("#own-vote-{motion}")).is_empty());
        let line = after.select("#motions li")[0].clone();
        assert!(
            line.contains("同意 1") && line.contains("弃权 1") && line.contains("未表态 6"),
            "{line}"
        );

        // The secretary closes it; no vote after that.
        let closed = app
            .post(&format!("/meetings/{id}/motions/{motion}/close"))
            .browser(&head)
            .form(&[("_csrf", head.csrf.as_str())])
            .send()
            .await;
        assert_eq!(closed.status, StatusCode::SEE_OTHER, "{}", closed.text());
        assert_eq!(
            app.count(&format!(
                "SELECT COUNT(*) FROM motions WHERE id = {motion} AND status <> 'open'"
            ))
            .await,
            1
        );
        let late = app.login("leader").await;
        assert_eq!(vote(late, "no").await.status, StatusCode::CONFLICT);
    }
);
