//! The holiday calendar's edge (issue 22 item 5): a deadline or publicity period counted into a
//! year whose holidays are not loaded is flagged as an estimate on its page and in the API,
//! never passed off as official; from 1 November the head and the street officer are warned
//! on their home page and in `/api/v1/me`; loading the year from the data folder's
//! holidays.toml ends both.

use axum::http::StatusCode;
use serde_json::json;
use zizhi::platform::calendar::Calendar;
use zizhi::platform::time;

use crate::both;
use crate::disclosure::{finance, post};
use crate::harness::TestApp;

/// The year 30 working days from today reach, when it is a later year and not loaded: what
/// a case filed today with a 30-day deadline must be flagged with.
fn expected_flag() -> Option<i16> {
    let cal = Calendar::builtin();
    let today = time::today();
    let due = cal.add_working_days(today, 30);
    (due.year() > today.year() && !cal.covers(due.year())).then_some(due.year())
}

async fn file_repair(app: &TestApp, token: &str, what: &str) -> serde_json::Value {
    let r = app
        .post("/api/v1/cases")
        .bearer(token)
        .json(&json!({"category": "repairs", "description": what}))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    r.json()
}

both!(
    a_deadline_counted_into_an_unloaded_year_is_flagged_until_the_year_is_loaded,
    |app: TestApp| async move {
        let head = app.token("head").await;
        let set = app
            .req(axum::http::Method::PUT, "/api/v1/case-categories/repairs?community_id=1")
            .bearer(&head)
            .json(&json!({"deadline_days": 30, "responsible_role": "community_worker", "public_intake": true, "active": true}))
            .send()
            .await;
        assert_eq!(set.status, StatusCode::OK, "{}", set.text());
        let resident = app.token("resident").await;
        let filed = file_repair(&app, &resident, "三单元楼道灯不亮").await;
        let flag = expected_flag();
        assert_eq!(filed["deadline_uncovered_year"], json!(flag), "{filed}");
        let id = filed["id"].as_i64().unwrap();
        let one = app
            .get(&format!("/api/v1/cases/{id}"))
            .bearer(&head)
            .send()
            .await
            .json();
        assert_eq!(one["deadline_uncovered_year"], json!(flag));
        let b = app.login("head").await;
        let page = app.get(&format!("/cases/{id}")).browser(&b).send().await;
        let note = page.select("#deadline-estimate");
        match flag {
            Some(year) => {
                assert_eq!(
                    note.len(),
                    1,
                    "the case page says the deadline is an estimate"
                );
                assert!(note[0].contains(&year.to_string()), "{}", note[0]);
                assert!(page.text().contains("（估算）"));
            }
            None => assert!(note.is_empty()),
        }
        let code = filed["tracking_code"].as_str().unwrap();
        let tracked = app.get(&format!("/track?code={code}")).send().await;
        assert_eq!(
            tracked.select("#deadline-estimate").len(),
            usize::from(flag.is_some())
        );

        // The head and the street officer are told from 1 November; a resident is not.
        let next = time::today().year() + 1;
        let warned = time::today().month() >= 11 && !Calendar::builtin().covers(next);
        for (user, told) in [("head", warned), ("street", warned), ("resident", false)] {
            let token = app.token(user).await;
            let me = app.get("/api/v1/me").bearer(&token).send().await.json();
            let warnings = me["warnings"].as_array().unwrap();
            assert_eq!(!warnings.is_empty(), told, "{user}: {me}");
            if told {
                assert!(warnings[0].as_str().unwrap().contains(&next.to_string()));
            }
            let b = app.login(user).await;
            let home = app.get("/").browser(&b).send().await;
            assert_eq!(
                home.select("a[href=\"/calendar\"]")
                    .iter()
                    .any(|a| a.contains(&next.to_string())),
                told,
                "{user}'s 今日待办"
            );
        }
        let cal = app.get("/api/v1/calendar").send().await.json();
        assert!(cal["years"].as_array().unwrap().contains(&json!(2026)));
        assert_eq!(
            cal["next_year_missing"],
            if warned { json!(next) } else { json!(null) }
        );
        let y2026 = app.get("/api/v1/calendar?year=2026").send().await.json();
        assert!(y2026["covered"].as_bool().unwrap());
        assert!(
            y2026["days"]
                .as_array()
                .unwrap()
                .iter()
                .any(|d| d["date"] == "2026-02-14" && d["working"] == true)
        );
        for year in ["99999", "1900", "next"] {
            let bad = app
                .get(&format!("/api/v1/calendar?year={year}"))
                .send()
                .await;
            assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{year}");
            assert_eq!(bad.json()["field"], "year");
        }
        let page = app.get(&format!("/calendar?year={next}")).send().await;
        assert_eq!(page.status, StatusCode::OK);
        assert_eq!(
            page.select("#calendar-uncovered").len(),
            usize::from(!Calendar::builtin().covers(next))
        );

        // A publicity period of 30 working days published today is flagged the same way.
        let worker = app.token("worker").await;
        let mut notice = finance("2000");
        notice["publicity_days"] = json!(30);
        let nid = post(&app, &worker, "/api/v1/disclosures", notice)
            .await
            .json()["id"]
            .as_i64()
            .unwrap();
        let p = post(
            &app,
            &worker,
            &format!("/api/v1/disclosures/{nid}/publish"),
            json!({}),
        )
        .await;
        assert_eq!(p.status, StatusCode::OK, "{}", p.text());
        let shown = app.get(&format!("/disclosures/{nid}")).send().await;
        let until: jiff::civil::Date = p.json()["publicity_until"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap();
        let flagged = !Calendar::builtin().covers(until.year());
        assert_eq!(
            shown.select("#publicity-estimate").len(),
            usize::from(flagged)
        );

        // The operator loads next year: the warning ends and new deadlines are counted by it.
        std::fs::write(
            app.config.data_dir.join("holidays.toml"),
            format!("years = [{next}]\n[[holiday]]\nname = \"元旦\"\nfrom = \"{next}-01-01\"\nto = \"{next}-01-01\"\n"),
        )
        .unwrap();
        let app = app.with_config(|_| {});
        let me = app.get("/api/v1/me").bearer(&head).send().await.json();
        assert_eq!(me["warnings"], json!([]));
        let again = file_repair(&app, &resident, "五单元单元门关不上").await;
        assert_eq!(again["deadline_uncovered_year"], json!(null), "{again}");
        let b = app.login("head").await;
        let page = app
            .get(&format!("/cases/{}", again["id"]))
            .browser(&b)
            .send()
            .await;
        assert!(page.select("#deadline-estimate").is_empty());
    }
);
