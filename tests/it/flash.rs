//! Issue 20, item 4: every action confirms what changed. The confirmation rides a cookie on the
//! redirect, shows once on the next page (no JavaScript needed), in the reader's language, and
//! a forged cookie can show nothing but one of our own confirmations, escaped.

use axum::http::StatusCode;

use crate::both;
use crate::harness::{Browser, TestApp};

/// A resident's case, filed on the page; its id.
async fn filed(app: &TestApp) -> i64 {
    let resident = app.login("resident").await;
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
    location
        .trim_start_matches("/cases/")
        .split('?')
        .next()
        .unwrap()
        .parse()
        .unwrap()
}

async fn act(
    app: &TestApp,
    b: &Browser,
    id: i64,
    action: &str,
    message: &str,
) -> crate::client::Res {
    app.post(&format!("/cases/{id}/act"))
        .browser(b)
        .form(&[("_csrf", &b.csrf), ("action", action), ("message", message)])
        .send()
        .await
}

both!(
    an_action_is_confirmed_once_on_the_next_page,
    |app: TestApp| async move {
        let id = filed(&app).await;
        let mut worker = app.login("worker").await;
        let accepted = act(&app, &worker, id, "accept", "").await;
        assert_eq!(accepted.status, StatusCode::SEE_OTHER);
        assert_eq!(accepted.header("location"), Some(format!("/cases/{id}")));
        worker.absorb(&accepted);
        let next = app
            .get(&format!("/cases/{id}"))
            .browser(&worker)
            .send()
            .await;
        assert_eq!(next.select(".flash"), vec![format!("已受理诉求 #{id}")]);
        assert!(
            next.cookies()
                .iter()
                .any(|c| c.starts_with("zz_flash=;") && c.contains("Max-Age=0")),
            "shown, then cleared: {:?}",
            next.cookies()
        );
        worker.absorb(&next);
        let again = app
            .get(&format!("/cases/{id}"))
            .browser(&worker)
            .send()
            .await;
        assert!(again.select(".flash").is_empty(), "shown once");

        // A refusal shows the form again with its error, and confirms nothing.
        let refused = act(&app, &worker, id, "reply", "").await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            refused
                .cookies()
                .iter()
                .all(|c| !c.starts_with("zz_flash="))
        );
        assert!(refused.select(".flash").is_empty());

        // In English for an English reader.
        let replied = act(&app, &worker, id, "reply", "已通知物业清运").await;
        worker.absorb(&replied);
        let english = app
            .get(&format!("/cases/{id}"))
            .browser(&worker)
            .header("accept-language", "en")
            .send()
            .await;
        assert_eq!(
            english.select(".flash"),
            vec![format!("Case #{id} answered")]
        );
    }
);

both!(
    a_forged_confirmation_shows_only_our_own_words_escaped,
    |app: TestApp| async move {
        let worker = app.login("worker").await;
        let with = |cookie: &str| {
            let mut b = worker.clone();
            b.cookies.push(("zz_flash".into(), cookie.into()));
            b
        };
        for forged in ["k=error.not_found", "k=cases.done.nothing", "k", "%%%"] {
            let page = app.get("/cases").browser(&with(forged)).send().await;
            assert_eq!(page.status, StatusCode::OK);
            assert!(page.select(".flash").is_empty(), "{forged}");
        }
        let script = app
            .get("/cases")
            .browser(&with("k=cases.done.accept&id=%3Cscript%3Ex%3C%2Fscript%3E"))
            .send()
            .await;
        assert_eq!(
            script.select(".flash"),
            vec!["已受理诉求 #<script>x</script>"]
        );
        assert!(!script.text().contains("<script>x"), "escaped");
    }
);

both!(
    a_refused_notebook_entry_keeps_what_the_leader_typed,
    |app: TestApp| async move {
        let mut leader = app.login("leader").await;
        let form = app.get("/notebooks").browser(&leader).send().await;
        assert_eq!(form.status, StatusCode::OK);
        let html = form.html();
        let building = html
            .select(&scraper::Selector::parse("#building_id option").unwrap())
            .next()
            .and_then(|o| o.value().attr("value"))
            .unwrap()
            .to_owned();
        let body = "3单元王大爷说楼道灯又坏了，晚上下楼看不清";
        let send = |household: &'static str| {
            let (app, leader, building) = (&app, leader.clone(), building.clone());
            async move {
                app.post("/notebooks")
                    .browser(&leader)
                    .form(&[
                        ("_csrf", leader.csrf.as_str()),
                        ("building_id", building.as_str()),
                        ("kind", "feedback"),
                        ("household_id", household),
                        ("body", body),
                    ])
                    .send()
                    .await
            }
        };
        let refused = send("abc").await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(refused.select("#body"), vec![body], "what was typed stays");
        let kind = refused.html();
        let chosen = kind
            .select(&scraper::Selector::parse("#kind option[selected]").unwrap())
            .next()
            .and_then(|o| o.value().attr("value"))
            .map(str::to_owned);
        assert_eq!(chosen.as_deref(), Some("feedback"));
        // The error sits by its field, not at the top.
        let by_field = scraper::Selector::parse("#household_id + p.field-error").unwrap();
        assert_eq!(kind.select(&by_field).count(), 1, "{}", refused.text());

        let written = send("").await;
        assert_eq!(written.status, StatusCode::SEE_OTHER);
        leader.absorb(&written);
        let next = app.get("/notebooks").browser(&leader).send().await;
        assert_eq!(next.select(".flash"), vec!["已记入民情日志"]);
        assert!(
            next.select("#entries li")[0].contains("年"),
            "a Chinese date"
        );
    }
);
