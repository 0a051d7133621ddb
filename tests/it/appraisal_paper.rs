//! Issue 21, item 5 (M10): paper ballots for a democratic appraisal, entered twice by two
//! people as elections have them (E14); paper and online ballots never exceed the roll (E15).

use axum::http::StatusCode;
use serde_json::json;

use crate::appraisal::open_appraisal;
use crate::both;
use crate::forms::{follow, post};
use crate::harness::TestApp;

both!(
    paper_ballots_count_once_a_second_person_has_entered_them_again,
    |app: TestApp| async move {
        // A roll of six: the resident, the leader and four more representatives.
        app.representatives(4).await;
        let (id, subjects) = open_appraisal(&app).await;
        let resident = app.token("resident").await;
        let res = app
            .post(&format!("/api/v1/appraisals/{id}/ballots"))
            .bearer(&resident)
            .json(&json!({"choices": subjects.iter().map(|s| json!({"subject_id": s, "choice": "satisfied"})).collect::<Vec<_>>()}))
            .send()
            .await;
        assert_eq!(res.status, StatusCode::NO_CONTENT, "{}", res.text());

        let mut board = app.login("supervisor").await;
        let page = app.get("/appraisals").browser(&board).send().await;
        assert_eq!(page.select(&format!("#paper-{id} form")).len(), 1);
        let form = format!("paper-{id}");
        let path = format!("/appraisals/{id}/paper");

        // A ballot with a mark that is not 1, 2 or 3: refused by its field, the lines kept.
        let typed = "1 1\n2 x\n";
        let bad = post(
            &app,
            &board,
            &path,
            &[("label", "1号票箱"), ("ballots", typed)],
        )
        .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        let err = bad.select(&format!("#{form}-ballots-error"));
        assert!(err[0].contains("第 2 张"), "{}", bad.text());
        assert_eq!(
            bad.select(&format!("#{form}-ballots")),
            vec![typed.trim().to_owned()]
        );

        // Six paper ballots and one online vote would be more than the roll of six (E15).
        let six = "11\n11\n12\n13\n21\n22";
        let over = post(
            &app,
            &board,
            &path,
            &[("label", "1号票箱"), ("ballots", six)],
        )
        .await;
        assert_eq!(over.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(over.select(&format!("#{form}-ballots-error"))[0].contains("超过了代表名册"));

        let four = "11\n12\n 3 1 \n22";
        let entered = post(
            &app,
            &board,
            &path,
            &[("label", "1号票箱"), ("ballots", four)],
        )
        .await;
        let page = follow(&app, &mut board, &entered).await;
        assert_eq!(
            page.select(".flash"),
            vec!["已录入纸质选票：1号票箱，待另一人复核".to_owned()]
        );
        let batch = app
            .count(&format!(
                "SELECT id FROM appraisal_paper_batches WHERE appraisal_id = {id}"
            ))
            .await;
        let a = app
            .get(&format!("/api/v1/appraisals/{id}"))
            .bearer(&app.token("supervisor").await)
            .send()
            .await
            .json();
        assert_eq!(a["voted"], 1, "not counted before its second entry");

        // The count waits for the batch.
        let yesterday = zizhi::platform::time::today().yesterday().unwrap();
        app.exec(&format!(
            "UPDATE appraisals SET closes_on = '{yesterday}' WHERE id = {id}"
        ))
        .await;
        let supervisor = app.token("supervisor").await;
        let close = app
            .post(&format!("/api/v1/appraisals/{id}/close"))
            .bearer(&supervisor)
            .send()
            .await;
        assert_eq!(close.status, StatusCode::CONFLICT);
        assert_eq!(close.json()["code"], "appraisal.batch_unconfirmed");
        app.exec(&format!(
            "UPDATE appraisals SET closes_on = '{}' WHERE id = {id}",
            zizhi::platform::time::today()
        ))
        .await;

        // Not by the one who entered it; then another person, other ballots: refused.
        let confirm = format!("/appraisals/{id}/paper/{batch}");
        let same = post(&app, &board, &confirm, &[("ballots", four)]).await;
        assert_eq!(same.status, StatusCode::CONFLICT);
        let mut street = app.login("street").await;
        let differ = post(&app, &street, &confirm, &[("ballots", "11\n12\n31\n23")]).await;
        assert_eq!(differ.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(
            differ
                .select(&format!("#batch-{batch}-ballots-error"))
                .len(),
            1
        );
        // The same ballots, in another order: confirmed and counted.
        let ok = post(&app, &street, &confirm, &[("ballots", "22\n31\n11\n12")]).await;
        let page = follow(&app, &mut street, &ok).await;
        assert_eq!(
            page.select(".flash"),
            vec!["纸质选票已复核，计入票数".to_owned()]
        );
        let again = app
            .post(&format!(
                "/api/v1/appraisals/{id}/paper-batches/{batch}/confirm"
            ))
            .bearer(&app.token("street").await)
            .json(&json!({"label": "", "ballots": ["22", "31", "11", "12"]}))
            .send()
            .await;
        assert_eq!(again.status, StatusCode::CONFLICT, "once only");

        // Counted after the window: one online and four paper ballots, recountable.
        app.exec(&format!(
            "UPDATE appraisals SET closes_on = '{yesterday}' WHERE id = {id}"
        ))
        .await;
        let close = app
            .post(&format!("/api/v1/appraisals/{id}/close"))
            .bearer(&supervisor)
            .send()
            .await;
        assert_eq!(close.status, StatusCode::OK, "{}", close.text());
        let a = close.json();
        assert_eq!(a["status"], "closed");
        assert_eq!(a["ballots_counted"], 5);
        // The head (first subject): online 满意, paper 1,1,3,2 → 满意 3, 基本满意 1, 不满意 1.
        assert_eq!(
            (
                &a["subjects"][0]["satisfied"],
                &a["subjects"][0]["basically"],
                &a["subjects"][0]["unsatisfied"]
            ),
            (&json!(3), &json!(1), &json!(1))
        );
        let recount = app
            .get(&format!("/api/v1/appraisals/{id}/ballots"))
            .bearer(&supervisor)
            .send()
            .await
            .json();
        assert_eq!(recount["matches"], true);
        assert_eq!(recount["ballots"].as_array().unwrap().len(), 5);
    }
);
