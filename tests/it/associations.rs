//! Issue 21, item 5 (M11): an association's members file opinions and proposals to the
//! committee on its behalf, each answered like a case (B1); the community's head records the
//! members the association sends to the supervisory board (B2).

use axum::http::StatusCode;
use serde_json::json;

use crate::both;
use crate::forms::{follow, post};
use crate::harness::TestApp;

both!(
    an_association_files_proposals_answered_like_cases_and_sends_members_to_the_board,
    |app: TestApp| async move {
        let association = app
            .count("SELECT MIN(id) FROM bodies WHERE community_id = 1 AND kind = 'association'")
            .await;
        let me = app
            .count("SELECT resident_id FROM users WHERE username = 'resident'")
            .await;
        let head = app.token("head").await;
        // The head seats the demo resident in the association.
        let r = app
            .post(&format!("/api/v1/bodies/{association}/members"))
            .bearer(&head)
            .json(&json!({"resident_id": me, "position": "member", "source": "appointed"}))
            .send()
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());

        let mut resident = app.login("resident").await;
        let page = app.get("/associations").browser(&resident).send().await;
        let form = format!("proposal-{association}");
        assert_eq!(page.select(&format!("#{form}-form")).len(), 1);
        let path = format!("/associations/{association}/proposals");
        let empty = post(&app, &resident, &path, &[("description", "  ")]).await;
        assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(empty.select(&format!("#{form}-description-error")).len(), 1);

        let text = "建议在社区服务站设立老年人助餐点，方便独居老人就餐。";
        let filed = post(&app, &resident, &path, &[("description", text)]).await;
        let page = follow(&app, &mut resident, &filed).await;
        let case = app
            .count(&format!(
                "SELECT id FROM cases WHERE body_id = {association}"
            ))
            .await;
        assert_eq!(
            page.select(".flash"),
            vec![format!("意见建议已提交居委会（诉求 #{case}），请留意答复")]
        );
        assert_eq!(
            app.count(&format!(
                "SELECT COUNT(*) FROM cases WHERE id = {case} AND category = 'association_proposal' AND channel = 'association' AND status = 'submitted'"
            ))
            .await,
            1
        );

        // Not a member: refused; and nobody files that category by the ordinary form.
        let leader = app.login("leader").await;
        let res = post(&app, &leader, &path, &[("description", text)]).await;
        assert_eq!(res.status, StatusCode::FORBIDDEN);
        let token = app.token("resident").await;
        let res = app
            .post("/api/v1/cases")
            .bearer(&token)
            .json(&json!({"category": "association_proposal", "description": text}))
            .send()
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(res.json()["field"], "category");

        // The committee answers it as it answers any case; the association reads the answer.
        let worker = app.token("worker").await;
        for step in [
            json!({"action": "accept"}),
            json!({"action": "reply", "message": "已与服务站商定，下月起试点助餐。"}),
        ] {
            let r = app
                .post(&format!("/api/v1/cases/{case}/transitions"))
                .bearer(&worker)
                .json(&step)
                .send()
                .await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        }
        let page = app.get("/associations").browser(&resident).send().await;
        let listed = page.select(&format!("#proposals-{association} li"));
        assert!(
            listed[0].contains("已答复") && listed[0].contains("下月起试点助餐"),
            "{listed:?}"
        );

        // The head sends the member to the supervisory board, once; only a member.
        let mut head_b = app.login("head").await;
        let seat = format!("/associations/{association}/delegates");
        let rid = me.to_string();
        let sent = post(&app, &head_b, &seat, &[("resident_id", &rid)]).await;
        let page = follow(&app, &mut head_b, &sent).await;
        assert_eq!(
            page.select(".flash"),
            vec!["已记录：协会会员进入监事会".to_owned()]
        );
        assert_eq!(
            app.count(&format!(
                "SELECT COUNT(*) FROM body_members m JOIN bodies b ON b.id = m.body_id WHERE b.kind = 'supervisory_board' \
                 AND m.resident_id = {me} AND m.source = 'delegated' AND m.delegated_by = {association} AND m.ended_at IS NULL"
            ))
            .await,
            1
        );
        let name: String = {
            use sqlx::Row;
            sqlx::query("SELECT name FROM residents WHERE id = $1")
                .bind(me)
                .fetch_one(app.db.read())
                .await
                .unwrap()
                .try_get("name")
                .unwrap()
        };
        assert!(
            page.select(&format!("#delegates-{association}"))[0].contains(&name),
            "{:?}",
            page.select(&format!("#delegates-{association}"))
        );
        let twice = post(&app, &head_b, &seat, &[("resident_id", &rid)]).await;
        assert_eq!(twice.status, StatusCode::CONFLICT);
        let stranger = app
            .count("SELECT resident_id FROM users WHERE username = 'leader'")
            .await
            .to_string();
        let not_member = post(&app, &head_b, &seat, &[("resident_id", &stranger)]).await;
        assert_eq!(not_member.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(
            not_member
                .select(&format!("#delegate-{association}-resident_id-error"))
                .len(),
            1
        );
        // A delegated seat comes only this way, naming its association.
        let board = app
            .count("SELECT id FROM bodies WHERE community_id = 1 AND kind = 'supervisory_board'")
            .await;
        let r = app
            .post(&format!("/api/v1/bodies/{board}/members"))
            .bearer(&head)
            .json(&json!({"resident_id": me, "position": "member", "source": "delegated"}))
            .send()
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(r.json()["code"], "bodies.delegated_by_association");
        // A worker does not send members.
        let worker_b = app.login("worker").await;
        let res = post(&app, &worker_b, &seat, &[("resident_id", &rid)]).await;
        assert_eq!(res.status, StatusCode::FORBIDDEN);
    }
);
