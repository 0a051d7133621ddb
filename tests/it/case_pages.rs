//! The case pages: intake without JavaScript, tracking, handling and rating.

use axum::http::StatusCode;

use crate::both;
use crate::harness::{Browser, TestApp};

both!(
    anonymous_intake_page_and_tracking,
    |app: TestApp| async move {
        let mut b = Browser::default();
        let form = app.get("/report?building_id=1").send().await;
        b.absorb(&form);
        assert_eq!(form.status, StatusCode::OK);
        // Arriving from the building's poster, the form says which building it is for.
        assert_eq!(form.select("#report-building").len(), 1);
        assert!(
            form.select("#report-building")[0].contains("号"),
            "{:?}",
            form.select("#report-building")
        );
        let options = form.select("#category option");
        assert!(options.contains(&"公共设施损坏".to_owned()));
        assert!(
            !options.contains(&"新增孕妇".to_owned()),
            "sensitive categories are not offered to the public"
        );
        let csrf = form.csrf().unwrap();
        let empty = app
            .post("/report")
            .browser(&b)
            .form(&[
                ("_csrf", &csrf),
                ("building_id", "1"),
                ("category", "repairs"),
                ("description", "  "),
            ])
            .send()
            .await;
        assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(empty.select("#description-error"), vec!["请描述您的诉求"]);
        let sent = app
            .post("/report")
            .browser(&b)
            .form(&[
                ("_csrf", &csrf),
                ("building_id", "1"),
                ("category", "repairs"),
                ("description", "单元门锁坏了"),
                ("contact_phone", "13900002222"),
            ])
            .send()
            .await;
        assert_eq!(sent.status, StatusCode::OK, "{}", sent.text());
        let code = sent.select("#tracking-code")[0].clone();
        let tracked = app.get(&format!("/track?code={code}")).send().await;
        assert_eq!(tracked.select("#status"), vec!["已提交"]);
        assert!(
            !tracked.text().contains("13900002222") && !tracked.text().contains("单元门锁坏了"),
            "no personal data on tracking"
        );
        assert_eq!(
            app.get("/track?code=XXXX-XXXX-XXXX").send().await.status,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            app.count(
                "SELECT COUNT(*) FROM cases WHERE channel = 'web_anonymous' AND building_id = 1"
            )
            .await,
            1
        );
    }
);

both!(
    handling_and_rating_on_the_pages,
    |app: TestApp| async move {
        let resident = app.login("resident").await;
        let form = app.get("/report").browser(&resident).send().await;
        assert_eq!(form.status, StatusCode::OK);
        let sent = app
            .post("/report")
            .browser(&resident)
            .form(&[
                ("_csrf", &resident.csrf),
                ("category", "environment"),
                ("description", "楼下垃圾桶满了"),
            ])
            .send()
            .await;
        assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.text());
        let location = sent.header("location").unwrap();
        let id: i64 = location
            .trim_start_matches("/cases/")
            .split('?')
            .next()
            .unwrap()
            .parse()
            .unwrap();
        let worker = app.login("worker").await;
        let list = app.get("/cases").browser(&worker).send().await;
        assert!(
            list.select("#cases td a")
                .iter()
                .any(|a| a.starts_with(&format!("#{id} ")))
        );
        let page = app
            .get(&format!("/cases/{id}"))
            .browser(&worker)
            .send()
            .await;
        let buttons = page.select("#desk form.act button");
        assert_eq!(
            buttons,
            vec!["受理", "不予受理"],
            "only the moves the status allows"
        );
        let act = |action: &'static str, message: &'static str| {
            let (app, worker) = (&app, worker.clone());
            async move {
                app.post(&format!("/cases/{id}/act"))
                    .browser(&worker)
                    .form(&[
                        ("_csrf", &worker.csrf),
                        ("action", action),
                        ("message", message),
                    ])
                    .send()
                    .await
            }
        };
        assert_eq!(act("accept", "").await.status, StatusCode::SEE_OTHER);
        let no_text = act("reply", "").await;
        assert_eq!(no_text.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(
            no_text.select("#case-error"),
            vec!["请填写答复内容（2 到 2000 字）"]
        );
        assert_eq!(
            act("reply", "已通知物业清运").await.status,
            StatusCode::SEE_OTHER
        );
        assert_eq!(act("close", "").await.status, StatusCode::SEE_OTHER);
        let mine = app
            .get(&format!("/cases/{id}"))
            .browser(&resident)
            .send()
            .await;
        assert_eq!(mine.select("#reply"), vec!["已通知物业清运"]);
        assert_eq!(mine.select("#rate-form button").len(), 2);
        let rated = app
            .post(&format!("/cases/{id}/rate"))
            .browser(&resident)
            .form(&[
                ("_csrf", &resident.csrf),
                ("satisfied", "yes"),
                ("comment", "谢谢"),
            ])
            .send()
            .await;
        assert_eq!(rated.status, StatusCode::SEE_OTHER);
        let after = app
            .get(&format!("/cases/{id}"))
            .browser(&resident)
            .send()
            .await;
        assert!(after.select("#rate-form").is_empty());
        assert_eq!(after.select("#timeline li").len(), 5);
        // Another resident's case is not for this resident's eyes.
        let other = app.count("SELECT COUNT(*) FROM cases").await;
        assert_eq!(other, 1);
        let leader = app.login("leader").await;
        assert_eq!(
            app.post(&format!("/cases/{id}/act"))
                .browser(&leader)
                .form(&[("_csrf", &leader.csrf), ("action", "reopen")])
                .send()
                .await
                .status,
            StatusCode::FORBIDDEN
        );
    }
);

both!(
    printable_posters_with_a_qr_code,
    |app: TestApp| async move {
        let worker = app.login("worker").await;
        let poster = app.get("/posters/building/1").browser(&worker).send().await;
        assert_eq!(poster.status, StatusCode::OK);
        assert_eq!(poster.select("#qr svg").len(), 1);
        assert_eq!(
            poster.select("#poster-url"),
            vec!["http://zizhi.test/report?building_id=1"]
        );
        let community = app
            .get("/posters/community/1")
            .browser(&worker)
            .send()
            .await;
        assert_eq!(
            community.select("#poster-url"),
            vec!["http://zizhi.test/report?community_id=1"]
        );
        assert_eq!(
            app.get("/posters/community/2")
                .browser(&worker)
                .send()
                .await
                .status,
            StatusCode::FORBIDDEN
        );
        // The code leads to the form with the place filled in.
        let form = app.get("/report?building_id=1").send().await;
        assert_eq!(form.select("input[name=building_id]").len(), 1);
    }
);

both!(
    notifications_in_the_app_and_through_the_webhook,
    |app: TestApp| async move {
        use std::sync::{Arc, Mutex};
        let resident = app.token("resident").await;
        let filed = app
            .post("/api/v1/cases")
            .bearer(&resident)
            .json(&serde_json::json!({"category": "repairs", "description": "门禁坏了"}))
            .send()
            .await
            .json();
        let id = filed["id"].as_i64().unwrap();
        let worker = app.token("worker").await;
        app.post(&format!("/api/v1/cases/{id}/transitions"))
            .bearer(&worker)
            .json(&serde_json::json!({"action": "accept"}))
            .send()
            .await;
        let mine = app
            .get("/api/v1/notifications")
            .bearer(&resident)
            .send()
            .await
            .json();
        assert_eq!(mine["unread"], 1);
        assert_eq!(mine["items"][0]["kind"], "accept");
        // In natural words, in the reader's language.
        assert_eq!(mine["items"][0]["text"], "您反映的“门禁坏了”已受理");
        let english = app
            .get("/api/v1/notifications")
            .bearer(&resident)
            .header("accept-language", "en")
            .send()
            .await
            .json();
        assert_eq!(
            english["items"][0]["text"],
            "Your request “门禁坏了” has been accepted"
        );
        let b = app.login("resident").await;
        let page = app.get("/notifications").browser(&b).send().await;
        assert_eq!(page.select("#notifications li.unread").len(), 1);
        assert!(page.select("#notifications li a")[0].contains("您反映的“门禁坏了”已受理"));
        app.post("/notifications/read")
            .browser(&b)
            .form(&[("_csrf", &b.csrf)])
            .send()
            .await;
        assert_eq!(
            app.get("/api/v1/notifications")
                .bearer(&resident)
                .send()
                .await
                .json()["unread"],
            0
        );
        // A gateway on this machine receives the batch; a failing one gets it again next time.
        let got: Arc<Mutex<Vec<serde_json::Value>>> = Arc::default();
        let sink = got.clone();
        let gateway = axum::Router::new().route(
            "/zizhi",
            axum::routing::post(move |body: axum::body::Bytes| {
                let sink = sink.clone();
                async move {
                    sink.lock()
                        .unwrap()
                        .push(serde_json::from_slice(&body).unwrap());
                    "ok"
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let server = tokio::spawn(async move { axum::serve(listener, gateway).await });
        let down = zizhi::cases::notify::deliver(&app.db, "http://127.0.0.1:9/nothing").await;
        assert!(down.is_err(), "no gateway: not delivered");
        let n = zizhi::cases::notify::deliver(&app.db, &format!("http://{addr}/zizhi"))
            .await
            .unwrap();
        assert_eq!(n, 1);
        assert_eq!(
            zizhi::cases::notify::deliver(&app.db, &format!("http://{addr}/zizhi"))
                .await
                .unwrap(),
            0,
            "delivered once"
        );
        let batch = got.lock().unwrap()[0].clone();
        assert_eq!(
            (batch[0]["user"].clone(), batch[0]["case_id"].clone()),
            (serde_json::json!("resident"), serde_json::json!(id))
        );
        // A phone number, not any "139" (a timestamp's microseconds may hold one).
        assert!(
            crate::masking::unmasked(&batch.to_string()).is_empty(),
            "no phone numbers leave: {batch:?}"
        );
        assert_eq!(batch[0]["message"], "您反映的“门禁坏了”已受理");
        server.abort();
    }
);
