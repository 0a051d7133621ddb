//! Issue 20, item 3: the case desk. One form per move with its own field; assignment by
//! picking a person; 不予受理 confirmed; every note kept on the timeline, with people's names;
//! the caller's phone in full for the handlers who ask, audited as a sensitive read.

use axum::http::StatusCode;

use crate::both;
use crate::client::{Browser, Res};
use crate::harness::TestApp;

/// A walk-up case with the caller's phone, filed without an account; its id.
pub async fn walk_up(app: &TestApp) -> i64 {
    walk_up_with(app, "三单元楼道灯坏了").await
}

/// As [`walk_up`], with its own description (the same one twice is refused as sent twice).
pub async fn walk_up_with(app: &TestApp, description: &str) -> i64 {
    let mut b = Browser::default();
    let form = app.get("/report?building_id=1").send().await;
    b.absorb(&form);
    let sent = app
        .post("/report")
        .browser(&b)
        .form(&[
            ("_csrf", &form.csrf().unwrap()),
            ("building_id", "1"),
            ("category", "repairs"),
            ("description", description),
            ("contact_phone", "13900002222"),
        ])
        .send()
        .await;
    assert_eq!(sent.status, StatusCode::OK, "{}", sent.text());
    app.count("SELECT MAX(id) FROM cases").await
}

pub async fn act(app: &TestApp, b: &Browser, id: i64, fields: &[(&str, &str)]) -> Res {
    let mut all = vec![("_csrf", b.csrf.as_str())];
    all.extend_from_slice(fields);
    app.post(&format!("/cases/{id}/act"))
        .browser(b)
        .form(&all)
        .send()
        .await
}

both!(
    the_desk_assigns_by_name_keeps_every_note_and_confirms_a_rejection,
    |app: TestApp| async move {
        let id = walk_up(&app).await;
        let worker = app.login("worker").await;
        let desk = app
            .get(&format!("/cases/{id}"))
            .browser(&worker)
            .send()
            .await;
        assert_eq!(
            desk.select("#desk form.act button"),
            vec!["受理", "不予受理"],
            "one form per move the status allows"
        );
        // A note typed with 受理 goes on the timeline.
        let accepted = act(
            &app,
            &worker,
            id,
            &[("action", "accept"), ("message", "已电话联系，明天上门")],
        )
        .await;
        assert_eq!(accepted.status, StatusCode::SEE_OTHER);
        let page = app
            .get(&format!("/cases/{id}"))
            .browser(&worker)
            .send()
            .await;
        let timeline = page.select("#timeline li");
        assert!(
            timeline
                .iter()
                .any(|l| l.contains("社区工作者 李娜") && l.contains("已电话联系，明天上门")),
            "the note and the person's name: {timeline:?}"
        );
        assert!(
            timeline.iter().all(|l| !l.contains(" worker ")),
            "no account names: {timeline:?}"
        );
        assert!(timeline[0].contains("居民（未登录）"), "{timeline:?}");

        // Assigning: pick a person of the community by name.
        let people = page.select("#assignee option");
        assert!(people.contains(&"社区书记 王秀英".to_owned()), "{people:?}");
        assert!(
            !people.iter().any(|p| p == "head"),
            "names, not account names: {people:?}"
        );
        let wrong = act(
            &app,
            &worker,
            id,
            &[("action", "assign"), ("assignee", "leader")],
        )
        .await;
        assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(
            wrong.select("#act-assign #case-error"),
            vec!["只能交办给本社区的工作人员"]
        );
        let assigned = act(
            &app,
            &worker,
            id,
            &[("action", "assign"), ("assignee", "head")],
        )
        .await;
        assert_eq!(assigned.status, StatusCode::SEE_OTHER);
        let page = app
            .get(&format!("/cases/{id}"))
            .browser(&worker)
            .send()
            .await;
        assert!(
            page.select("#timeline li")
                .iter()
                .any(|l| l.contains("交办") && l.contains("社区书记 王秀英"))
        );

        // 不予受理 needs its box ticked; the reason typed stays, the error sits by the box.
        let reason = "属于供电公司职责，已告知报修电话";
        let unconfirmed = act(
            &app,
            &worker,
            id,
            &[("action", "reject"), ("message", reason)],
        )
        .await;
        assert_eq!(unconfirmed.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(
            unconfirmed.select("#act-reject #case-error"),
            vec!["请勾选确认后再不予受理"]
        );
        assert_eq!(unconfirmed.select("#reject-message"), vec![reason]);
        assert!(
            unconfirmed.select("#act-reply #case-error").is_empty(),
            "next to its own form only"
        );
        assert_eq!(
            app.count(&format!(
                "SELECT COUNT(*) FROM cases WHERE id = {id} AND status = 'rejected'"
            ))
            .await,
            0
        );
        let rejected = act(
            &app,
            &worker,
            id,
            &[
                ("action", "reject"),
                ("message", reason),
                ("confirm", "yes"),
            ],
        )
        .await;
        assert_eq!(rejected.status, StatusCode::SEE_OTHER);
        assert_eq!(
            app.count(&format!(
                "SELECT COUNT(*) FROM cases WHERE id = {id} AND status = 'rejected'"
            ))
            .await,
            1
        );
    }
);

both!(
    handlers_call_back_on_the_full_number_and_the_reveal_is_audited,
    |app: TestApp| async move {
        let id = walk_up(&app).await;
        let worker = app.login("worker").await;
        let masked = app
            .get(&format!("/cases/{id}"))
            .browser(&worker)
            .send()
            .await;
        let phone = masked.select("#phone")[0].clone();
        assert!(
            !phone.contains("13900002222") && phone.contains("139"),
            "{phone}"
        );
        assert_eq!(masked.select("#reveal-phone").len(), 1);
        let reveals = "SELECT COUNT(*) FROM audit_log WHERE action = 'case.read' AND sensitive = 1 AND detail LIKE 'phone revealed%'";
        assert_eq!(app.count(reveals).await, 0, "no reveal without asking");

        let shown = app
            .get(&format!("/cases/{id}?reveal=phone"))
            .browser(&worker)
            .send()
            .await;
        assert_eq!(shown.select("#phone a"), vec!["13900002222"]);
        assert!(shown.text().contains("href=\"tel:13900002222\""));
        assert_eq!(app.count(reveals).await, 1);

        // Someone who does not handle the case asks in vain.
        let street = app.login("street").await;
        let theirs = app
            .get(&format!("/cases/{id}?reveal=phone"))
            .browser(&street)
            .send()
            .await;
        assert_eq!(theirs.status, StatusCode::FORBIDDEN);
        assert!(!theirs.text().contains("13900002222"));
        let page = app
            .get(&format!("/cases/{id}"))
            .browser(&street)
            .send()
            .await;
        assert_eq!(
            page.status,
            StatusCode::OK,
            "the street reads the case, but does not handle it"
        );
        assert!(page.select("#reveal-phone").is_empty());
        assert_eq!(app.count(reveals).await, 1);
    }
);

both!(
    the_list_finds_filters_sorts_pages_and_exports_what_it_shows,
    |app: TestApp| async move {
        let resident = app.token("resident").await;
        for i in 0..30 {
            let what = if i % 3 == 0 {
                "楼道灯坏了"
            } else {
                "门口有垃圾"
            };
            let r = app
                .post("/api/v1/cases")
                .bearer(&resident)
                .json(&serde_json::json!({"category": "repairs", "description": format!("{what}（第 {i} 次）")}))
                .send()
                .await;
            assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        }
        let worker = app.login("worker").await;
        let get = |url: String| {
            let (app, worker) = (&app, worker.clone());
            async move { app.get(&url).browser(&worker).send().await }
        };
        let first = get("/cases?per_page=10".into()).await;
        assert_eq!(first.select("#cases tbody tr").len(), 10);
        assert_eq!(first.select("#total"), vec!["30"]);
        let next = first.html();
        let next = next
            .select(&scraper::Selector::parse("#next-page").unwrap())
            .next()
            .and_then(|a| a.value().attr("href"))
            .unwrap()
            .to_owned();
        assert!(
            next.contains("per_page=10") && next.ends_with("page=2"),
            "{next}"
        );
        assert_eq!(get(next).await.select("#cases tbody tr").len(), 10);

        let found = get("/cases?q=楼道灯".into()).await;
        assert_eq!(found.select("#total"), vec!["10"]);
        assert!(
            found
                .select("#cases tbody tr")
                .iter()
                .all(|r| r.contains("楼道灯"))
        );
        assert_eq!(found.select("#f-q").len(), 1);

        let ids = |p: &crate::client::Res| -> Vec<i64> {
            p.select("#cases td.lead a")
                .iter()
                .map(|a| {
                    a.trim_start_matches('#')
                        .split(' ')
                        .next()
                        .unwrap()
                        .parse()
                        .unwrap()
                })
                .collect()
        };
        let oldest = ids(&get("/cases?sort=oldest".into()).await);
        assert!(oldest.windows(2).all(|w| w[0] < w[1]), "{oldest:?}");
        let bad = get("/cases?sort=sideways".into()).await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);

        // The cases with a person: assigned ones, found by who has them.
        assert_eq!(
            get("/cases?assignee=me".into()).await.select("#total"),
            vec!["0"]
        );
        let id = oldest[0];
        for (action, extra) in [("accept", ""), ("assign", "worker")] {
            let r = act(
                &app,
                &worker,
                id,
                &[("action", action), ("assignee", extra)],
            )
            .await;
            assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
        }
        let mine = get("/cases?assignee=me".into()).await;
        assert_eq!(ids(&mine), vec![id]);

        // The export holds what the list shows, on all its pages.
        let export =
            get("/cases/export.xlsx?q=%E6%A5%BC%E9%81%93%E7%81%AF&per_page=5".into()).await;
        assert_eq!(export.status, StatusCode::OK);
        let sheets = crate::ledgers::sheets(&export.body);
        let rows = &sheets[0].1;
        // A title, the headers, then the ten cases.
        assert_eq!(rows.len(), 12, "{rows:?}");
        assert!(
            rows[2..].iter().all(|r| r[7].contains("楼道灯")),
            "{rows:?}"
        );
        // 提交时间 and 答复期限 are real date-time cells, not text.
        {
            use calamine::Reader;
            let mut wb: calamine::Xlsx<_> =
                calamine::open_workbook_from_rs(std::io::Cursor::new(export.body.clone())).unwrap();
            let sheet = wb.worksheet_range_at(0).unwrap().unwrap();
            let first = sheet.rows().nth(2).unwrap();
            assert!(
                matches!(first[4], calamine::Data::DateTime(_)),
                "{:?}",
                first[4]
            );
            assert!(
                matches!(first[5], calamine::Data::DateTime(_)),
                "{:?}",
                first[5]
            );
        }
        assert_eq!(
            app.count("SELECT COUNT(*) FROM audit_log WHERE action = 'case.export'")
                .await,
            1
        );
    }
);
