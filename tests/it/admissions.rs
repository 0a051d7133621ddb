//! Work admission (M21): the leading group's collective decision, what communities see, expiry,
//! and unadmitted work counted against its sender.

use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::both;
use crate::harness::TestApp;

async fn post(app: &TestApp, token: &str, path: &str, body: Value) -> crate::client::Res {
    app.post(path).bearer(token).json(&body).send().await
}

fn statuses(v: &Value) -> Vec<String> {
    let mut s: Vec<String> = v["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["status"].as_str().unwrap().to_owned())
        .collect();
    s.sort();
    s
}

both!(
    the_demo_has_every_state_and_communities_see_the_admitted,
    |app: TestApp| async move {
        let street = app
            .get("/api/v1/admissions")
            .bearer(&app.token("street").await)
            .send()
            .await
            .json();
        assert_eq!(
            statuses(&street),
            ["admitted", "applied", "declined", "expired", "under_review"]
        );
        let head = app
            .get("/api/v1/admissions")
            .bearer(&app.token("head").await)
            .send()
            .await
            .json();
        assert_eq!(
            statuses(&head),
            ["admitted", "expired"],
            "communities see what binds them"
        );
        assert_eq!(
            app.get("/api/v1/admissions")
                .bearer(&app.token("resident").await)
                .send()
                .await
                .status,
            StatusCode::FORBIDDEN
        );
        let declined = street["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["status"] == "declined")
            .unwrap();
        assert!(declined["reason"].as_str().unwrap().contains("不予准入"));
        assert_eq!(
            app.get(&format!("/api/v1/admissions/{}", declined["id"]))
                .bearer(&app.token("head").await)
                .send()
                .await
                .status,
            StatusCode::FORBIDDEN
        );
    }
);

both!(
    the_leading_group_decides_and_admitted_work_expires,
    |app: TestApp| async move {
        let street = app.token("street").await;
        let bad = post(
            &app,
            &street,
            "/api/v1/admissions",
            json!({"applicant": "区某局", "kind": "favour", "title": "x", "content": "x",
        "powers": "x", "time_limit": "2027-01-01", "funding": "x", "legal_basis": "x"}),
        )
        .await;
        assert_eq!(bad.json()["field"], "kind");
        let past = post(
            &app,
            &street,
            "/api/v1/admissions",
            json!({"applicant": "区某局", "kind": "task", "title": "x", "content": "x",
        "powers": "x", "time_limit": "2020-01-01", "funding": "x", "legal_basis": "x"}),
        )
        .await;
        assert_eq!(past.json()["field"], "time_limit");
        let a = post(&app, &street, "/api/v1/admissions", json!({"applicant": "区应急管理局", "kind": "task", "title": "燃气安全入户宣传",
        "content": "协助入户发放燃气安全告知书", "target_communities": [1], "powers": "宣传，不执法", "time_limit": "2027-03-31",
        "funding": "每户 2 元", "legal_basis": "《城镇燃气管理条例》"})).await;
        assert_eq!(a.status, StatusCode::CREATED, "{}", a.text());
        assert_eq!(a.json()["status"], "applied");
        let id = a.json()["id"].as_i64().unwrap();
        let by_community = post(&app, &app.token("head").await, "/api/v1/admissions", json!({"applicant": "区某局", "kind": "task", "title": "x",
        "content": "x", "powers": "x", "time_limit": "2027-01-01", "funding": "x", "legal_basis": "x"})).await;
        assert_eq!(
            by_community.status,
            StatusCode::FORBIDDEN,
            "communities do not admit work"
        );
        // Not the council's to decide.
        let council = app
            .count("SELECT id FROM bodies WHERE kind = 'council'")
            .await;
        let head = app.token("head").await;
        let now = jiff::Timestamp::now()
            .checked_sub(jiff::SignedDuration::from_mins(5))
            .unwrap()
            .to_string();
        let cm = post(&app, &head, "/api/v1/meetings", json!({"body_id": council, "kind": "ad_hoc", "title": "x", "starts_at": now, "location": "x"})).await.json();
        let cmid = cm["id"].as_i64().unwrap();
        let present: Vec<i64> = cm["attendance"]["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["member_id"].as_i64().unwrap())
            .collect();
        post(
            &app,
            &head,
            &format!("/api/v1/meetings/{cmid}/attendance"),
            json!({"present": present}),
        )
        .await;
        let wrong = post(
            &app,
            &head,
            &format!("/api/v1/meetings/{cmid}/motions"),
            json!({"title": "准入", "admission_id": id}),
        )
        .await;
        assert_eq!(wrong.json()["code"], "admissions.leading_group");
        // The leading group's meeting decides.
        let group = app
            .count("SELECT id FROM bodies WHERE kind = 'leading_group' AND parent_id IS NULL")
            .await;
        let m = post(&app, &street, "/api/v1/meetings", json!({"body_id": group, "kind": "ad_hoc", "title": "准入审查", "starts_at": now, "location": "街道"})).await.json();
        let mid = m["id"].as_i64().unwrap();
        let members: Vec<i64> = m["attendance"]["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x["member_id"].as_i64().unwrap())
            .collect();
        post(
            &app,
            &street,
            &format!("/api/v1/meetings/{mid}/attendance"),
            json!({"present": members}),
        )
        .await;
        let early = post(
            &app,
            &street,
            &format!("/api/v1/admissions/{id}/decision"),
            json!({"reason": "x"}),
        )
        .await;
        assert_eq!(early.json()["code"], "admissions.not_under_review");
        let motion = post(
            &app,
            &street,
            &format!("/api/v1/meetings/{mid}/motions"),
            json!({"title": "审查燃气安全入户宣传", "admission_id": id}),
        )
        .await;
        assert_eq!(motion.status, StatusCode::CREATED, "{}", motion.text());
        let motion = motion.json()["id"].as_i64().unwrap();
        assert_eq!(
            app.get(&format!("/api/v1/admissions/{id}"))
                .bearer(&street)
                .send()
                .await
                .json()["status"],
            "under_review"
        );
        let open = post(
            &app,
            &street,
            &format!("/api/v1/admissions/{id}/decision"),
            json!({"reason": "有依据"}),
        )
        .await;
        assert_eq!(open.json()["code"], "admissions.vote_open");
        let votes: Vec<Value> = members
            .iter()
            .map(|m| json!({"member_id": m, "choice": "yes"}))
            .collect();
        post(
            &app,
            &street,
            &format!("/api/v1/motions/{motion}/votes"),
            json!({"votes": votes}),
        )
        .await;
        post(
            &app,
            &street,
            &format!("/api/v1/motions/{motion}/decision"),
            json!({}),
        )
        .await;
        let d = post(
            &app,
            &street,
            &format!("/api/v1/admissions/{id}/decision"),
            json!({"reason": "有法规依据和经费，准予协助。"}),
        )
        .await;
        assert_eq!(d.status, StatusCode::OK, "{}", d.text());
        assert_eq!(d.json()["status"], "admitted");
        let seen = app
            .get("/api/v1/admissions?status=admitted")
            .bearer(&head)
            .send()
            .await
            .json();
        assert!(
            seen["items"]
                .as_array()
                .unwrap()
                .iter()
                .any(|a| a["id"] == id)
        );
        let other = app
            .get("/api/v1/admissions")
            .bearer(&app.token("council").await)
            .send()
            .await
            .json();
        assert!(
            other["items"]
                .as_array()
                .unwrap()
                .iter()
                .any(|a| a["id"] == id),
            "council of community 1 sees it too"
        );
        // At its time limit it expires.
        app.exec(&format!(
            "UPDATE admissions SET time_limit = '2026-01-01' WHERE id = {id}"
        ))
        .await;
        assert_eq!(
            app.get(&format!("/api/v1/admissions/{id}"))
                .bearer(&street)
                .send()
                .await
                .json()["status"],
            "expired"
        );
    }
);

both!(
    unadmitted_work_counts_against_its_sender,
    |app: TestApp| async move {
        let worker = app.token("worker").await;
        let r = post(
            &app,
            &worker,
            "/api/v1/unadmitted-tasks",
            json!({"sender": "区城市管理局", "description": "要求社区代收罚款"}),
        )
        .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        let id = r.json()["id"].as_i64().unwrap();
        assert_eq!(
            post(
                &app,
                &worker,
                "/api/v1/unadmitted-tasks",
                json!({"sender": "", "description": "x"})
            )
            .await
            .json()["field"],
            "sender"
        );
        let street = app.token("street").await;
        let list = app
            .get("/api/v1/unadmitted-tasks")
            .bearer(&street)
            .send()
            .await
            .json();
        assert_eq!(list["by_sender"][0]["sender"], "区城市管理局");
        assert_eq!(
            list["by_sender"][0]["reports"], 3,
            "two in the demo and this one"
        );
        let mine = app
            .get("/api/v1/unadmitted-tasks")
            .bearer(&worker)
            .send()
            .await
            .json();
        assert!(
            mine["items"]
                .as_array()
                .unwrap()
                .iter()
                .all(|t| t["community_id"] == 1)
        );
        assert_eq!(
            post(
                &app,
                &worker,
                &format!("/api/v1/unadmitted-tasks/{id}/follow-up"),
                json!({"follow_up": "x"})
            )
            .await
            .status,
            StatusCode::FORBIDDEN
        );
        let f = post(
            &app,
            &street,
            &format!("/api/v1/unadmitted-tasks/{id}/follow-up"),
            json!({"follow_up": "已告知该局：未经准入，社区不承担。"}),
        )
        .await;
        assert_eq!(f.status, StatusCode::OK);
        assert!(f.json()["follow_up"].as_str().unwrap().contains("未经准入"));
    }
);

both!(
    the_admission_page_and_its_report_form,
    |app: TestApp| async move {
        let b = app.login("worker").await;
        let page = app.get("/admissions").browser(&b).send().await;
        assert_eq!(page.status, StatusCode::OK);
        assert_eq!(
            page.select("#admissions tbody tr").len(),
            2,
            "admitted and expired"
        );
        let csrf = page.csrf().unwrap();
        let before = app.count("SELECT COUNT(*) FROM unadmitted_tasks").await;
        let r = app
            .post("/admissions/unadmitted")
            .browser(&b)
            .form(&[
                ("_csrf", &csrf),
                ("sender", "区某局"),
                ("description", "要求社区代填报表"),
            ])
            .send()
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        assert_eq!(
            app.count("SELECT COUNT(*) FROM unadmitted_tasks").await,
            before + 1
        );
        let empty = app
            .post("/admissions/unadmitted")
            .browser(&b)
            .form(&[("_csrf", &csrf), ("sender", ""), ("description", "x")])
            .send()
            .await;
        assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(
            app.count("SELECT COUNT(*) FROM unadmitted_tasks").await,
            before + 1
        );
        let street = app
            .get("/admissions")
            .browser(&app.login("street").await)
            .send()
            .await;
        assert_eq!(street.select("#admissions tbody tr").len(), 5);
    }
);
