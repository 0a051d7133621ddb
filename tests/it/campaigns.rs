//! Rollout campaigns (M23) and the street's view of the whole demo year: phases in order,
//! tasks for every community, done and inspected; the demo street's full history giving
//! every assessment component a value for every community; the street dashboard.

use axum::http::StatusCode;
use serde_json::json;

use crate::both;
use crate::harness::{Backend, TestApp, fresh_db};

pub(crate) fn phases() -> serde_json::Value {
    json!([
        {"phase": "mobilize", "starts_on": "2027-01-04", "ends_on": "2027-01-31"},
        {"phase": "publicize", "starts_on": "2027-02-01", "ends_on": "2027-02-28"},
        {"phase": "structure", "starts_on": "2027-03-01", "ends_on": "2027-04-30"},
        {"phase": "launch", "starts_on": "2027-05-01", "ends_on": "2027-06-30"}
    ])
}

both!(
    a_campaign_runs_from_tasks_to_inspection,
    |app: TestApp| async move {
        let street = app.token("street").await;
        let group = app
            .count("SELECT id FROM bodies WHERE kind = 'leading_group' AND parent_id IS NULL")
            .await;
        let office = app
            .count("SELECT id FROM bodies WHERE parent_id IS NOT NULL AND name = '领导小组办公室'")
            .await;
        let inspection = app
            .count("SELECT id FROM bodies WHERE parent_id IS NOT NULL AND name = '领导小组督查组'")
            .await;
        let council = app
            .count("SELECT id FROM bodies WHERE kind = 'council'")
            .await;
        // Phases out of order, a body that is not the leading group, a part of another body: 422s.
        let mut swapped = phases();
        swapped.as_array_mut().unwrap().swap(0, 1);
        for (body, why) in [
            (
                json!({"title": "推进", "leading_group_id": group, "phases": swapped}),
                "phases out of order",
            ),
            (
                json!({"title": "推进", "leading_group_id": council, "phases": phases()}),
                "not the leading group",
            ),
            (
                json!({"title": "推进", "leading_group_id": group, "office_id": council, "phases": phases()}),
                "office not part of the group",
            ),
            (
                json!({"title": "推进", "leading_group_id": group, "phases": [phases()[0], phases()[1], phases()[2]]}),
                "a phase missing",
            ),
        ] {
            let res = app
                .post("/api/v1/campaigns")
                .bearer(&street)
                .json(&body)
                .send()
                .await;
            assert_eq!(
                res.status,
                StatusCode::UNPROCESSABLE_ENTITY,
                "{why}: {}",
                res.text()
            );
        }
        let mut overlapping = phases();
        overlapping[1]["starts_on"] = json!("2027-01-20");
        assert_eq!(
            app.post("/api/v1/campaigns")
                .bearer(&street)
                .json(&json!({"title": "推进", "leading_group_id": group, "phases": overlapping}))
                .send()
                .await
                .status,
            StatusCode::UNPROCESSABLE_ENTITY
        );
        assert_eq!(app.count("SELECT COUNT(*) FROM campaigns").await, 0);
        // Only the street runs campaigns.
        let head = app.token("head").await;
        assert_eq!(
            app.post("/api/v1/campaigns")
                .bearer(&head)
                .json(&json!({"title": "推进", "leading_group_id": group, "phases": phases()}))
                .send()
                .await
                .status,
            StatusCode::FORBIDDEN
        );

        let res = app.post("/api/v1/campaigns").bearer(&street).json(&json!({"title": "2027年居民自治推进", "leading_group_id": group, "office_id": office, "inspection_id": inspection, "phases": phases()})).send().await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.text());
        let c = res.json();
        let id = c["id"].as_i64().unwrap();
        assert_eq!(c["office"], "领导小组办公室");
        assert_eq!(c["phases"].as_array().unwrap().len(), 4);
        // A task for every community.
        let res = app
            .post(&format!("/api/v1/campaigns/{id}/tasks"))
            .bearer(&street)
            .json(&json!({"phase": "mobilize", "title": "召开动员会", "due_on": "2027-01-20"}))
            .send()
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.text());
        let communities = app.count("SELECT COUNT(*) FROM communities").await;
        let c = res.json();
        assert_eq!(c["tasks"].as_array().unwrap().len() as i64, communities);
        assert!(
            c["progress"]
                .as_array()
                .unwrap()
                .iter()
                .all(|p| p["tasks"] == 1 && p["done"] == 0)
        );
        let task = app
            .count(&format!(
                "SELECT id FROM campaign_tasks WHERE campaign_id = {id} AND community_id = 1"
            ))
            .await;
        let other = app
            .count(&format!(
                "SELECT id FROM campaign_tasks WHERE campaign_id = {id} AND community_id = 2"
            ))
            .await;

        // The community sees its own task, reports it done; not another community's.
        let worker = app.token("worker").await;
        let mine = app
            .get(&format!("/api/v1/campaigns/{id}"))
            .bearer(&worker)
            .send()
            .await
            .json();
        assert_eq!(
            mine["tasks"].as_array().unwrap().len(),
            1,
            "only its own tasks"
        );
        assert_eq!(
            mine["progress"].as_array().unwrap().len() as i64,
            communities,
            "every community's progress"
        );
        assert_eq!(
            app.post(&format!("/api/v1/campaigns/{id}/tasks/{other}/done"))
                .bearer(&worker)
                .json(&json!({"note": "做了"}))
                .send()
                .await
                .status,
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            app.post(&format!("/api/v1/campaigns/{id}/tasks/{task}/done"))
                .bearer(&worker)
                .json(&json!({"note": ""}))
                .send()
                .await
                .status,
            StatusCode::UNPROCESSABLE_ENTITY
        );
        // Inspecting what is not done yet is a conflict.
        assert_eq!(
            app.post(&format!("/api/v1/campaigns/{id}/tasks/{task}/inspect"))
                .bearer(&street)
                .json(&json!({"verdict": "passed"}))
                .send()
                .await
                .status,
            StatusCode::CONFLICT
        );
        let res = app
            .post(&format!("/api/v1/campaigns/{id}/tasks/{task}/done"))
            .bearer(&worker)
            .json(&json!({"note": "1月15日召开动员会，48人参加"}))
            .send()
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.text());
        assert_eq!(res.json()["progress"][0]["done"], 1);
        // Sent back (with a reason): no longer done; done again, then passed.
        assert_eq!(
            app.post(&format!("/api/v1/campaigns/{id}/tasks/{task}/inspect"))
                .bearer(&street)
                .json(&json!({"verdict": "redo"}))
                .send()
                .await
                .status,
            StatusCode::UNPROCESSABLE_ENTITY
        );
        let res = app
            .post(&format!("/api/v1/campaigns/{id}/tasks/{task}/inspect"))
            .bearer(&street)
            .json(&json!({"verdict": "redo", "note": "缺少会议照片"}))
            .send()
            .await;
        assert_eq!(res.status, StatusCode::OK);
        assert_eq!(res.json()["progress"][0]["done"], 0);
        let browser = app.login("worker").await;
        let page = app.get("/campaigns").browser(&browser).send().await;
        assert!(page.text().contains("缺少会议照片"));
        let res = app
            .post(&format!("/campaigns/{id}/tasks/{task}/done"))
            .browser(&browser)
            .form(&[("_csrf", browser.csrf.as_str()), ("note", "补充了会议照片")])
            .send()
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER);
        let res = app
            .post(&format!("/api/v1/campaigns/{id}/tasks/{task}/inspect"))
            .bearer(&street)
            .json(&json!({"verdict": "passed"}))
            .send()
            .await;
        assert_eq!(res.json()["progress"][0]["passed"], 1);
        assert_eq!(
            app.count("SELECT COUNT(*) FROM audit_log WHERE action LIKE 'campaign.%'")
                .await,
            6
        );
    }
);

/// The whole demo street, history included, as `zizhi serve --demo` shows it.
async fn full_demo() -> TestApp {
    let dir = tempfile::tempdir().unwrap();
    let db = fresh_db(Backend::Sqlite, dir.path()).await;
    zizhi::demo::load(&db, zizhi::demo::DEFAULT_SEED)
        .await
        .unwrap();
    TestApp::with_db(
        Backend::Sqlite,
        db,
        dir,
        zizhi::platform::config::Config::default(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_year_gives_every_component_a_value_for_every_community() {
    let app = full_demo().await;
    let street = app.token("street").await;
    let a = app
        .get("/api/v1/assessment?period=2026")
        .bearer(&street)
        .send()
        .await
        .json();
    let rows = a["communities"].as_array().unwrap();
    assert_eq!(rows.len(), 3);
    for r in rows {
        for c in r["components"].as_array().unwrap() {
            assert!(
                c["score"].is_number(),
                "{} {}: {c}",
                r["community"],
                c["component"]
            );
        }
    }
    // The demo's communities differ: the ranking is not a tie.
    let scores: Vec<f64> = rows.iter().map(|r| r["score"].as_f64().unwrap()).collect();
    assert!(scores.windows(2).all(|w| w[0] > w[1]), "{scores:?}");
    // Admissions in every state, a campaign in its third phase, appraisals tallied and one
    // disclosed.
    let campaigns = app
        .get("/api/v1/campaigns")
        .bearer(&street)
        .send()
        .await
        .json();
    assert_eq!(
        campaigns["items"][0]["current_phase"],
        if zizhi::platform::time::today().to_string().as_str() <= "2026-12-15" {
            "structure"
        } else {
            "launch"
        }
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM appraisals WHERE status = 'closed'")
            .await,
        3
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM appraisals a JOIN disclosures d ON d.id = a.disclosure_id WHERE d.category = 'appraisal'").await, 1);
    // The street dashboard: every community at a glance, outliers flagged, drill-down links.
    let browser = app.login("street").await;
    let page = app
        .get("/street?period=2026")
        .browser(&browser)
        .send()
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text());
    assert_eq!(page.select(".glance").len(), 3);
    assert_eq!(page.select(".glance svg.spark").len(), 3);
    assert!(
        !page.select(".glance .flags a").is_empty(),
        "光明社区 stands out somewhere"
    );
    // Every published notice, the appraisal's included, is on the verifiable chain.
    assert_eq!(
        app.count(
            "SELECT COUNT(*) FROM disclosures WHERE status = 'published' AND content_hash IS NULL"
        )
        .await,
        0
    );
    let pages = ["/assessment", "/campaigns", "/appraisals", "/admissions"];
    for p in pages {
        assert_eq!(
            app.get(p).browser(&browser).send().await.status,
            StatusCode::OK,
            "{p}"
        );
    }
}

both!(
    the_street_starts_a_campaign_and_hands_out_tasks_by_form,
    |app: TestApp| async move {
        let browser = app.login("street").await;
        let page = app.get("/campaigns").browser(&browser).send().await;
        assert_eq!(page.select("#campaign-form").len(), 1);
        let group = app
            .count("SELECT id FROM bodies WHERE kind = 'leading_group' AND parent_id IS NULL")
            .await
            .to_string();
        let csrf = browser.csrf.clone();
        let mut form = vec![
            ("_csrf", csrf.as_str()),
            ("leading_group_id", group.as_str()),
            ("title", "2027年居民自治推进"),
        ];
        let dates = [
            ("mobilize_from", "2027-01-04"),
            ("mobilize_to", "2027-01-31"),
            ("publicize_from", "2027-02-01"),
            ("publicize_to", "2027-02-28"),
            ("structure_from", "2027-03-01"),
            ("structure_to", "2027-04-30"),
            ("launch_from", "2027-05-01"),
            ("launch_to", "2027-04-01"),
        ];
        form.extend(dates);
        // Launch ending before it starts: the page says which phase, with a 422.
        let res = app
            .post("/campaigns")
            .browser(&browser)
            .form(&form)
            .send()
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            res.select("#error")[0].contains("全面运行"),
            "{:?}",
            res.select("#error")
        );
        assert_eq!(app.count("SELECT COUNT(*) FROM campaigns").await, 0);
        let last = form.len() - 1;
        form[last] = ("launch_to", "2027-06-30");
        let res = app
            .post("/campaigns")
            .browser(&browser)
            .form(&form)
            .send()
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.text());
        let id = app.count("SELECT id FROM campaigns").await;
        assert_eq!(
            app.count(&format!(
                "SELECT COUNT(*) FROM campaign_phases WHERE campaign_id = {id}"
            ))
            .await,
            4
        );
        let res = app
            .post(&format!("/campaigns/{id}/tasks"))
            .browser(&browser)
            .form(&[
                ("_csrf", csrf.as_str()),
                ("phase", "mobilize"),
                ("title", "召开动员会"),
                ("due_on", "2027-01-20"),
            ])
            .send()
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER);
        assert_eq!(
            app.count(&format!(
                "SELECT COUNT(*) FROM campaign_tasks WHERE campaign_id = {id}"
            ))
            .await,
            app.count("SELECT COUNT(*) FROM communities").await
        );
        // A community's worker sees the campaign but no forms to start or hand out.
        let worker = app.login("worker").await;
        let page = app.get("/campaigns").browser(&worker).send().await;
        assert!(page.select("#campaign-form").is_empty());
        assert!(page.select("details.add-task").is_empty());
        assert_eq!(page.select("table.tasks tbody tr").len(), 1);
    }
);
