//! Rules (M7, M9): a convention from draft through public comment, legal review and the council's
//! vote to publication and amendment; the demo charter and its amendment.

use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::both;
use crate::harness::TestApp;

pub(crate) async fn post(
    app: &TestApp,
    token: &str,
    path: &str,
    body: Value,
) -> crate::client::Res {
    app.post(path).bearer(token).json(&body).send().await
}

/// A local date-time `minutes` from now, as a meeting's form takes it.
pub(crate) fn now_local(minutes: i64) -> String {
    jiff::Timestamp::now()
        .checked_add(jiff::SignedDuration::from_mins(minutes))
        .unwrap()
        .to_zoned_datetime(jiff::tz::TimeZone::get("Asia/Shanghai").unwrap())
        .strftime("%Y-%m-%dT%H:%M")
        .to_string()
}

/// A held council meeting with eight of eleven present; returns its id.
async fn held_meeting(app: &TestApp, head: &str) -> i64 {
    let council = app
        .count("SELECT id FROM bodies WHERE kind = 'council'")
        .await;
    let m = post(
        app,
        head,
        "/api/v1/meetings",
        json!({"body_id": council, "kind": "ad_hoc", "title": "公约表决",
        "starts_at": now_local(-5), "location": "议事厅"}),
    )
    .await
    .json();
    let id = m["id"].as_i64().unwrap();
    let members: Vec<i64> = m["attendance"]["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["member_id"].as_i64().unwrap())
        .collect();
    post(
        app,
        head,
        &format!("/api/v1/meetings/{id}/attendance"),
        json!({"present": members[..8]}),
    )
    .await;
    id
}

both!(
    a_convention_from_draft_to_amendment,
    |app: TestApp| async move {
        let head = app.token("head").await;
        let street = app.token("street").await;
        let resident = app.token("resident").await;
        let r = post(&app, &head, "/api/v1/rules", json!({"community_id": 1, "kind": "convention", "subject": "public_order", "matter": "治安巡逻",
        "title": "三角线社区治安公约", "articles": ["第一条 邻里守望。", "第二条 陌生人进楼须登记。", "第三条 发现可疑情况及时报告。"]})).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        assert_eq!(r.json()["status"], "draft");
        let id = r.json()["id"].as_i64().unwrap();
        let p = |s: &str| format!("/api/v1/rules/{id}{s}");
        // One matter, one convention (R10): the same matter however written, under any
        // category, is refused; another matter under the same category is not.
        let dup = post(&app, &head, "/api/v1/rules", json!({"community_id": 1, "kind": "convention", "subject": "other", "matter": " 治安、巡逻公约", "title": "x", "articles": ["x"]})).await;
        assert_eq!(dup.status, StatusCode::CONFLICT);
        assert_eq!(dup.json()["code"], "rules.one_per_matter");
        assert_eq!(dup.json()["field"], "matter");
        let other = post(&app, &head, "/api/v1/rules", json!({"community_id": 1, "kind": "convention", "subject": "public_order", "matter": "防范电信诈骗", "title": "三角线社区防范电信诈骗公约", "articles": ["第一条 不轻信陌生来电。"]})).await;
        assert_eq!(other.status, StatusCode::CREATED, "{}", other.text());
        assert_eq!(other.json()["matter"], "防范电信诈骗");
        let unnamed = post(&app, &head, "/api/v1/rules", json!({"community_id": 1, "kind": "convention", "subject": "public_order", "title": "y", "articles": ["y"]})).await;
        assert_eq!(unnamed.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(unnamed.json()["field"], "matter");
        assert_eq!(
            app.get(&p("")).send().await.status,
            StatusCode::UNAUTHORIZED,
            "a draft is the staff's"
        );

        // No vote before legal review; nothing is written.
        let meeting = held_meeting(&app, &head).await;
        let motions = app.count("SELECT COUNT(*) FROM motions").await;
        let early = post(
            &app,
            &head,
            &format!("/api/v1/meetings/{meeting}/motions"),
            json!({"title": "表决治安公约", "rule_id": id}),
        )
        .await;
        assert_eq!(early.status, StatusCode::CONFLICT);
        assert_eq!(early.json()["code"], "rules.not_reviewed");
        assert_eq!(app.count("SELECT COUNT(*) FROM motions").await, motions);
        let skip = post(&app, &head, &p("/status"), json!({"status": "vote"})).await;
        assert_eq!(skip.json()["code"], "rules.vote_by_motion");

        // Public comment, article by article, every comment answered.
        let pc = post(
            &app,
            &head,
            &p("/status"),
            json!({"status": "public_comment", "days": 5}),
        )
        .await;
        assert_eq!(pc.status, StatusCode::OK, "{}", pc.text());
        assert_eq!(
            app.get(&p("")).send().await.status,
            StatusCode::OK,
            "public from comment on"
        );
        let c = post(
            &app,
            &resident,
            &p("/comments"),
            json!({"article": 2, "body": "外卖和快递员也要登记吗？"}),
        )
        .await;
        assert_eq!(c.status, StatusCode::CREATED, "{}", c.text());
        let cid = c.json()["id"].as_i64().unwrap();
        assert_eq!(
            post(
                &app,
                &resident,
                &p("/comments"),
                json!({"article": 9, "body": "没有第九条"})
            )
            .await
            .status,
            StatusCode::UNPROCESSABLE_ENTITY
        );
        // After the comment period's last day, no comment is taken, even before staff move on.
        let until: String =
            sqlx::query_scalar(&format!("SELECT comment_until FROM rules WHERE id = {id}"))
                .fetch_one(app.db.read())
                .await
                .unwrap();
        app.exec(&format!(
            "UPDATE rules SET comment_until = '2026-01-05' WHERE id = {id}"
        ))
        .await;
        let late = post(
            &app,
            &resident,
            &p("/comments"),
            json!({"article": 1, "body": "期限过了还能提吗？"}),
        )
        .await;
        assert_eq!(late.status, StatusCode::CONFLICT, "{}", late.text());
        assert_eq!(late.json()["code"], "rules.comment_closed");
        app.exec(&format!(
            "UPDATE rules SET comment_until = '{until}' WHERE id = {id}"
        ))
        .await;
        assert_eq!(
            app.post(&p("/comments"))
                .json(&json!({"article": 1, "body": "匿名意见"}))
                .send()
                .await
                .status,
            StatusCode::UNAUTHORIZED
        );
        let running = post(
            &app,
            &head,
            &p("/status"),
            json!({"status": "legal_review"}),
        )
        .await;
        assert_eq!(running.json()["code"], "rules.comment_running");
        app.exec(&format!(
            "UPDATE rules SET comment_until = '2026-01-01' WHERE id = {id}"
        ))
        .await;
        let unanswered = post(
            &app,
            &head,
            &p("/status"),
            json!({"status": "legal_review"}),
        )
        .await;
        assert_eq!(unanswered.json()["code"], "rules.comments_unanswered");
        let a = post(
            &app,
            &head,
            &p(&format!("/comments/{cid}")),
            json!({"answer": "快递员在门岗登记即可。"}),
        )
        .await;
        assert_eq!(a.status, StatusCode::OK, "{}", a.text());
        assert_eq!(
            post(
                &app,
                &head,
                &p("/status"),
                json!({"status": "legal_review"})
            )
            .await
            .json()["status"],
            "legal_review"
        );

        // Legal review by the street, not the community.
        let checks = json!({"no_conflict_with_law": true, "respects_rights": true, "binds_officials": true, "note": "未发现与法律法规相抵触的内容"});
        assert_eq!(
            post(&app, &head, &p("/review"), checks.clone())
                .await
                .status,
            StatusCode::FORBIDDEN
        );
        let rv = post(&app, &street, &p("/review"), checks).await;
        assert_eq!(rv.status, StatusCode::OK, "{}", rv.text());
        assert_eq!(rv.json()["status"], "vote");

        // The council's vote adopts it.
        let m = post(
            &app,
            &head,
            &format!("/api/v1/meetings/{meeting}/motions"),
            json!({"title": "表决治安公约", "rule_id": id}),
        )
        .await;
        assert_eq!(m.status, StatusCode::CREATED, "{}", m.text());
        assert_eq!(m.json()["threshold"], "simple_majority");
        let mid = m.json()["id"].as_i64().unwrap();
        let present: Vec<i64> = app
            .get(&format!("/api/v1/meetings/{meeting}/attendance"))
            .bearer(&head)
            .send()
            .await
            .json()["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|a| a["status"] == "present")
            .map(|a| a["member_id"].as_i64().unwrap())
            .collect();
        let votes: Vec<Value> = present
            .iter()
            .map(|m| json!({"member_id": m, "choice": "yes"}))
            .collect();
        post(
            &app,
            &head,
            &format!("/api/v1/motions/{mid}/votes"),
            json!({"votes": votes}),
        )
        .await;
        let d = post(
            &app,
            &head,
            &format!("/api/v1/motions/{mid}/decision"),
            json!({}),
        )
        .await;
        assert_eq!(d.json()["status"], "passed");
        assert_eq!(app.get(&p("")).send().await.json()["status"], "adopted");
        let pub_ = post(&app, &head, &p("/status"), json!({"status": "published"})).await;
        assert_eq!(pub_.json()["status"], "published");
        assert_eq!(pub_.json()["in_force_version"], 1);
        let v = app.get(&p("/versions")).send().await.json();
        assert_eq!(v["items"][0]["motion_id"], mid);
        assert_eq!(v["items"][0]["content_hash"].as_str().unwrap().len(), 64);
        assert!(v["items"][0]["reviewer"].is_string());

        // An amendment: a new version while the old stays in force; the diff is by article.
        let am = post(&app, &head, &p("/versions"), json!({"articles": ["第一条 邻里守望。", "第二条 陌生人进楼须登记，快递员在门岗登记。", "第三条 发现可疑情况及时报告。", "第四条 本公约自公布之日起施行。"], "note": "根据居民意见修改"})).await;
        assert_eq!(am.status, StatusCode::CREATED, "{}", am.text());
        assert_eq!(am.json()["status"], "draft");
        assert_eq!(am.json()["in_force_version"], 1);
        let diff = app.get(&p("/diff?from=1&to=2")).send().await.json();
        let kinds: Vec<&str> = diff["changes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["change"].as_str().unwrap())
            .collect();
        assert_eq!(kinds, ["same", "changed", "same", "added"]);
        assert_eq!(
            app.get(&p("/diff?from=1&to=7")).send().await.status,
            StatusCode::UNPROCESSABLE_ENTITY
        );
    }
);

both!(
    the_demo_charter_and_its_amendment,
    |app: TestApp| async move {
        let rules = app.get("/api/v1/rules?community_id=1").send().await.json();
        let items = rules["items"].as_array().unwrap();
        let charter = items.iter().find(|r| r["kind"] == "charter").unwrap();
        assert_eq!(charter["status"], "amended");
        assert_eq!(charter["in_force_version"], 2);
        let conventions: Vec<&Value> = items.iter().filter(|r| r["kind"] == "convention").collect();
        assert_eq!(conventions.len(), 3);
        assert!(conventions.iter().all(|c| c["status"] == "published"));
        let id = charter["id"].as_i64().unwrap();
        let diff = app
            .get(&format!("/api/v1/rules/{id}/diff?from=1&to=2"))
            .send()
            .await
            .json();
        let changed: Vec<&str> = diff["changes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["change"].as_str().unwrap())
            .filter(|c| *c != "same")
            .collect();
        assert_eq!(changed, ["changed", "added"]);
        // Both versions were adopted by the assembly, by two thirds.
        let versions = app
            .get(&format!("/api/v1/rules/{id}/versions"))
            .send()
            .await
            .json();
        for v in versions["items"].as_array().unwrap() {
            let motion = v["motion_id"].as_i64().unwrap();
            assert_eq!(app.count(&format!("SELECT COUNT(*) FROM motions m JOIN meetings g ON g.id = m.meeting_id JOIN bodies b ON b.id = g.body_id \
            WHERE m.id = {motion} AND b.kind = 'assembly' AND m.threshold = 'two_thirds' AND m.rule_id = {id}")).await, 1);
        }
        let page = app.get(&format!("/rules/{id}?from=1&to=2")).send().await;
        assert_eq!(page.status, StatusCode::OK);
        assert_eq!(page.select("#articles > li").len(), 6);
        assert!(page.select("#diff li").len() >= 2);
        // The charter is the assembly's to vote: not the council's.
        app.exec(&format!("UPDATE rules SET status = 'vote' WHERE id = {id}"))
            .await;
        let head = app.token("head").await;
        let meeting = held_meeting(&app, &head).await;
        let r = post(
            &app,
            &head,
            &format!("/api/v1/meetings/{meeting}/motions"),
            json!({"title": "修改章程", "rule_id": id}),
        )
        .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(r.json()["code"], "rules.wrong_body");
    }
);
