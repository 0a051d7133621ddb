//! Issue 21, item 9 (M17/M18): family planning as the first plan asks. The four disclosures
//! as four categories with their own templates; the ledgers of 独生子女优待, 奖励扶助 and
//! 计生困难户帮扶 whose totals the third disclosure must say (D7, when drafted and when
//! published); hardship aid paid under the household's aid plan (D8); and the aid plan linked
//! to the notice that reports it, which names nobody.

use axum::http::StatusCode;
use serde_json::json;

use crate::both;
use crate::forms::{follow, post, value_of};
use crate::harness::TestApp;

both!(
    the_ledgers_feed_the_third_disclosure_and_it_says_nothing_else,
    |app: TestApp| async move {
        let quarter = zizhi::assessment::Period::current().label;
        let first = app
            .count("SELECT MIN(id) FROM households WHERE community_id = 1")
            .await;
        let second = app
            .count(&format!(
                "SELECT MIN(id) FROM households WHERE community_id = 1 AND id > {first}"
            ))
            .await;
        let (h1, h2) = (first.to_string(), second.to_string());
        let address1 = app
            .text(&format!(
                "SELECT address FROM households WHERE id = {first}"
            ))
            .await;
        let building1 = app
            .count(&format!(
                "SELECT building_id FROM households WHERE id = {first}"
            ))
            .await
            .to_string();
        let mut worker = app.login("worker").await;

        // The four disclosures, each with its template.
        let page = app.get("/family-planning").browser(&worker).send().await;
        assert_eq!(page.status, StatusCode::OK);
        assert_eq!(page.select("#four li").len(), 4);
        let draft = app
            .get("/disclosures/new?category=fp_births")
            .browser(&worker)
            .send()
            .await;
        assert!(
            draft.select("#body")[0].contains("符合生育条件的夫妻名单"),
            "the second disclosure's template fills the body"
        );

        // A payment on the page; hardship aid without the household's plan is refused by the
        // plan's field, what was typed kept.
        let paid = post(
            &app,
            &worker,
            "/family-planning/payments",
            &[
                ("period", &quarter),
                ("building_id", &building1),
                ("kind", "only_child"),
                ("household_id", &h1),
                ("amount", "120"),
                ("note", "2026 年度独生子女父母奖励"),
            ],
        )
        .await;
        let shown = follow(&app, &mut worker, &paid).await;
        assert_eq!(
            shown.select(".flash"),
            vec!["已登记：独生子女优待 120 元".to_owned()]
        );
        assert!(shown.select("#total-only_child")[0].contains("120.00"));
        let bad = post(
            &app,
            &worker,
            "/family-planning/payments",
            &[
                ("period", &quarter),
                ("building_id", &building1),
                ("kind", "hardship_aid"),
                ("household_id", &h2),
                ("amount", "500"),
            ],
        )
        .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(bad.select("#payment-aid_plan_id-error").len(), 1);
        assert_eq!(value_of(&bad, "#payment-amount").as_deref(), Some("500"));

        // Under the household's aid plan it is taken; under another household's plan not.
        let token = app.token("worker").await;
        let plan = app
            .post("/api/v1/aid-plans")
            .bearer(&token)
            .json(&json!({"household_id": h2.parse::<i64>().unwrap(), "reason": "因病致困", "plan": "每季度帮扶 500 元"}))
            .send()
            .await;
        assert_eq!(plan.status, StatusCode::CREATED, "{}", plan.text());
        let plan_id = plan.json()["id"].as_i64().unwrap();
        let pay = |household: &str, plan: Option<i64>, amount: &str| {
            json!({"kind": "hardship_aid", "household_id": household.parse::<i64>().unwrap(),
                   "amount": amount, "aid_plan_id": plan})
        };
        let wrong = app
            .post("/api/v1/family-planning/payments")
            .bearer(&token)
            .json(&pay(&h1, Some(plan_id), "500"))
            .send()
            .await;
        assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(wrong.json()["field"], "aid_plan_id");
        let right = app
            .post("/api/v1/family-planning/payments")
            .bearer(&token)
            .json(&pay(&h2, Some(plan_id), "500"))
            .send()
            .await;
        assert_eq!(right.status, StatusCode::CREATED, "{}", right.text());

        // The third disclosure drafted from the ledgers.
        let drafted = post(
            &app,
            &worker,
            "/family-planning/third-disclosure",
            &[("period", &quarter)],
        )
        .await;
        assert_eq!(drafted.status, StatusCode::SEE_OTHER, "{}", drafted.text());
        let id = app
            .count("SELECT MAX(id) FROM disclosures WHERE category = 'fp_benefits'")
            .await;
        let notice = app
            .get(&format!("/api/v1/disclosures/{id}"))
            .bearer(&token)
            .send()
            .await
            .json();
        assert_eq!(notice["expense_total"], "620.00", "{notice}");
        assert!(!notice["body"].as_str().unwrap().contains(&address1));

        // Saying another sum than the ledger is refused.
        let mut changed = notice.clone();
        changed["lines"] = json!([{"kind": "expense", "item": "独生子女父母奖励（优待）", "amount": "100.00"},
                                  {"kind": "expense", "item": "计生困难家庭帮扶", "amount": "500.00"}]);
        changed["expense_total"] = json!("600.00");
        changed["income_total"] = json!("0");
        let put = app
            .put(&format!("/api/v1/disclosures/{id}"))
            .bearer(&token)
            .json(&changed)
            .send()
            .await;
        assert_eq!(
            put.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            put.text()
        );
        assert!(put.text().contains("台账"), "{}", put.text());

        // A payment after drafting makes the draft stale: it is not published.
        let late = app
            .post("/api/v1/family-planning/payments")
            .bearer(&token)
            .json(&json!({"kind": "reward_support", "household_id": h1.parse::<i64>().unwrap(), "amount": "80"}))
            .send()
            .await;
        assert_eq!(late.status, StatusCode::CREATED);
        let stale = app
            .post(&format!("/api/v1/disclosures/{id}/publish"))
            .bearer(&token)
            .send()
            .await;
        assert_eq!(
            stale.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            stale.text()
        );
        assert_eq!(
            app.count(&format!(
                "SELECT COUNT(*) FROM disclosures WHERE id = {id} AND status = 'draft'"
            ))
            .await,
            1
        );

        // Drafted again, it is published, and the aid plan shows the notice that reports it.
        let again = app
            .post("/api/v1/family-planning/third-disclosure")
            .bearer(&token)
            .json(&json!({"period": quarter}))
            .send()
            .await;
        assert_eq!(again.status, StatusCode::CREATED, "{}", again.text());
        let id2 = again.json()["id"].as_i64().unwrap();
        let published = app
            .post(&format!("/api/v1/disclosures/{id2}/publish"))
            .bearer(&token)
            .send()
            .await;
        assert_eq!(published.status, StatusCode::OK, "{}", published.text());
        assert_eq!(
            app.count(&format!(
                "SELECT COUNT(*) FROM family_planning_benefits WHERE disclosure_id = {id2}"
            ))
            .await,
            3
        );
        let plans = app.get("/aid").browser(&worker).send().await;
        assert!(
            plans.select(&format!("#plan-{plan_id} .reported"))[0].contains("优待、奖励和帮扶情况")
        );
        let public = app.get(&format!("/disclosures/{id2}")).send().await;
        assert!(!public.text().contains(&address1));

        // Reading the ledgers is a sensitive read; a supervisor may not read them at all.
        assert!(
            app.count("SELECT COUNT(*) FROM audit_log WHERE action = 'family_planning.read' AND sensitive = 1").await >= 1
        );
        let sup = app.token("supervisor").await;
        let r = app
            .get("/api/v1/family-planning/ledger")
            .bearer(&sup)
            .send()
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
    }
);
