//! Agreements between the committee and households (M20): both sides bound, and the term that
//! runs by its dates.

use axum::http::StatusCode;
use serde_json::json;

use crate::both;
use crate::daily::post;
use crate::harness::TestApp;

both!(agreements_bind_both_sides, |app: TestApp| async move {
    let worker = app.token("worker").await;
    let household = app
        .count("SELECT id FROM households WHERE community_id = 1 ORDER BY id DESC LIMIT 1")
        .await;
    assert_eq!(post(&app, &worker, "/api/v1/agreements", json!({"household_id": household, "template": "x", "valid_from": "2027-01-01", "valid_to": "2027-12-31"})).await.json()["field"], "template");
    let a = post(&app, &worker, "/api/v1/agreements", json!({"household_id": household, "template": "frontage", "valid_from": "2026-01-01", "valid_to": "2026-12-31"})).await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.text());
    let id = a.json()["id"].as_i64().unwrap();
    let path = |p: &str| format!("/api/v1/agreements/{id}{p}");
    let o = app
        .get(&path("/obligations"))
        .bearer(&worker)
        .send()
        .await
        .json();
    let parties: Vec<&str> = o["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["party"].as_str().unwrap())
        .collect();
    assert_eq!(
        parties,
        [
            "household",
            "household",
            "household",
            "committee",
            "committee"
        ]
    );
    assert_eq!(
        post(
            &app,
            &worker,
            &path("/obligations"),
            json!({"party": "committee", "text": "每季度入户回访"})
        )
        .await
        .status,
        StatusCode::CREATED
    );
    assert_eq!(
        post(
            &app,
            &worker,
            &path("/breaches"),
            json!({"party": "committee", "description": "未签就违约"})
        )
        .await
        .status,
        StatusCode::CONFLICT
    );
    let s = post(
        &app,
        &worker,
        &path("/sign"),
        json!({"method": "in_person", "signed_on": "2025-12-28"}),
    )
    .await;
    assert_eq!(s.json()["status"], "in_force");
    assert_eq!(
        post(
            &app,
            &worker,
            &path("/obligations"),
            json!({"party": "household", "text": "后加的"})
        )
        .await
        .status,
        StatusCode::CONFLICT
    );
    let household_duty = o["items"][0]["id"].as_i64().unwrap();
    let checked = post(
        &app,
        &worker,
        &path(&format!("/obligations/{household_duty}")),
        json!({"performance": "met"}),
    )
    .await;
    assert_eq!(checked.json()["items"][0]["performance"], "met");
    let wrong = post(
        &app,
        &worker,
        &path("/breaches"),
        json!({"party": "committee", "obligation_id": household_duty, "description": "错配"}),
    )
    .await;
    assert_eq!(wrong.json()["code"], "agreements.obligation_party");
    let before = app
        .get("/api/v1/agreements/review-list")
        .bearer(&worker)
        .send()
        .await
        .json()["committee_breaches"]
        .as_i64()
        .unwrap();
    assert!(before >= 1, "the demo's committee breach");
    let b = post(
        &app,
        &worker,
        &path("/breaches"),
        json!({"party": "committee", "description": "垃圾清运中断三天", "remedy": "补运并道歉"}),
    )
    .await;
    assert_eq!(b.status, StatusCode::CREATED, "{}", b.text());
    let list = app
        .get("/api/v1/agreements/review-list")
        .bearer(&app.token("council").await)
        .send()
        .await
        .json();
    assert_eq!(
        list["committee_breaches"],
        before + 1,
        "committee breaches are counted for the assembly"
    );
    assert_eq!(
        post(
            &app,
            &worker,
            &path("/review"),
            json!({"note": "总体履行良好；居委会一次违约已整改"})
        )
        .await
        .json()["status"],
        "reviewed"
    );
    let r = post(
        &app,
        &worker,
        &path("/renew"),
        json!({"valid_to": "2027-12-31"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    assert_eq!(r.json()["renews_id"], id);
    assert_eq!(r.json()["valid_from"], "2027-01-01");
    assert_eq!(
        app.get(&path("")).bearer(&worker).send().await.json()["status"],
        "ended"
    );
    let renewed = r.json()["id"].as_i64().unwrap();
    assert_eq!(
        app.get(&format!("/api/v1/agreements/{renewed}/obligations"))
            .bearer(&worker)
            .send()
            .await
            .json()["items"]
            .as_array()
            .unwrap()
            .len(),
        6
    );
    assert_eq!(
        app.get("/api/v1/agreements")
            .bearer(&app.token("resident").await)
            .send()
            .await
            .status,
        StatusCode::FORBIDDEN
    );
});

both!(
    agreements_move_through_their_dates_by_themselves,
    |app: TestApp| async move {
        let worker = app.token("worker").await;
        let household = app
            .count("SELECT id FROM households WHERE community_id = 1 ORDER BY id DESC LIMIT 1")
            .await;
        let make = |from: &'static str, to: &'static str| {
            let (app, worker) = (&app, worker.clone());
            async move {
                let a = post(app, &worker, "/api/v1/agreements", json!({"household_id": household, "template": "dogs", "valid_from": from, "valid_to": to})).await;
                assert_eq!(a.status, StatusCode::CREATED, "{}", a.text());
                let id = a.json()["id"].as_i64().unwrap();
                let s = post(
                    app,
                    &worker,
                    &format!("/api/v1/agreements/{id}/sign"),
                    json!({"method": "in_person", "signed_on": "2024-12-20"}),
                )
                .await;
                assert_eq!(s.status, StatusCode::OK, "{}", s.text());
                id
            }
        };
        let breach = |id: i64, on: &'static str| {
            let (app, worker) = (&app, worker.clone());
            async move {
                post(
                    app,
                    &worker,
                    &format!("/api/v1/agreements/{id}/breaches"),
                    json!({"party": "household", "description": "遛狗未牵绳", "occurred_on": on}),
                )
                .await
            }
        };
        let status = |id: i64| {
            let (app, worker) = (&app, worker.clone());
            async move {
                app.get(&format!("/api/v1/agreements/{id}"))
                    .bearer(&worker)
                    .send()
                    .await
                    .json()["status"]
                    .as_str()
                    .unwrap()
                    .to_owned()
            }
        };
        // Signed for next year: not in force the day it is signed.
        let next = make("2099-01-01", "2099-12-31").await;
        assert_eq!(status(next).await, "signed");
        let early = breach(next, "2026-01-05").await;
        assert_eq!(early.status, StatusCode::CONFLICT, "{}", early.text());
        assert_eq!(early.json()["code"], "agreements.not_in_force_on");
        // Ended last year: lapsed by itself, no breach after its end, one during it still.
        let past = make("2025-01-01", "2025-12-31").await;
        assert_eq!(status(past).await, "lapsed");
        let late = breach(past, "2026-03-02").await;
        assert_eq!(late.status, StatusCode::CONFLICT, "{}", late.text());
        assert_eq!(late.json()["code"], "agreements.not_in_force_on");
        assert_eq!(breach(past, "2025-06-02").await.status, StatusCode::CREATED);
        assert_eq!(
            post(
                &app,
                &worker,
                &format!("/api/v1/agreements/{past}/review"),
                json!({"note": "已到期"})
            )
            .await
            .json()["code"],
            "agreements.not_in_force"
        );
        // The list by standing.
        let lapsed = app
            .get("/api/v1/agreements?status=lapsed")
            .bearer(&worker)
            .send()
            .await
            .json();
        let ids: Vec<i64> = lapsed["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["id"].as_i64().unwrap())
            .collect();
        assert!(ids.contains(&past) && !ids.contains(&next), "{ids:?}");
        // Signing twice is refused.
        let again = post(
            &app,
            &worker,
            &format!("/api/v1/agreements/{past}/sign"),
            json!({"method": "in_person"}),
        )
        .await;
        assert_eq!(again.status, StatusCode::CONFLICT);
    }
);
