//! The assessment (M22) against a hand-computed fixture: a fresh community, 四季社区, whose
//! third quarter of 2026 is written record by record below, with every component and the
//! weighted score worked out by hand. Then the weights, the drill-down, the export, and who
//! sees what.

use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::both;
use crate::harness::TestApp;

/// A Shanghai wall-clock time as stored (UTC).
fn at(s: &str) -> String {
    let dt: jiff::civil::DateTime = s.parse().unwrap();
    zizhi::platform::time::to_db(
        dt.to_zoned_datetime(zizhi::platform::time::shanghai().clone())
            .unwrap()
            .timestamp(),
    )
}

/// 四季社区: one building, four households, a worker, and its Q3 2026.
/// Returns (community id, worker user id).
async fn fixture(app: &TestApp) -> (i64, i64) {
    let now = "2026-01-01T00:00:00.000000Z";
    let c = app.insert(&format!("INSERT INTO communities (street_id, code, name, created_at) VALUES (1, '150102099', '四季社区', '{now}') RETURNING id")).await;
    let k = app.insert(&format!("INSERT INTO compounds (community_id, name, created_at) VALUES ({c}, '四季小区', '{now}') RETURNING id")).await;
    let b = app.insert(&format!("INSERT INTO buildings (community_id, compound_id, number, units, floors, created_at) VALUES ({c}, {k}, '1号楼', 1, 6, '{now}') RETURNING id")).await;
    let u = app
        .insert(&format!(
            "INSERT INTO units (building_id, number) VALUES ({b}, 1) RETURNING id"
        ))
        .await;
    let mut h = Vec::new();
    for door in ["101", "102", "201", "202"] {
        h.push(app.insert(&format!("INSERT INTO households (community_id, building_id, unit_id, door_number, address, created_at) VALUES ({c}, {b}, {u}, '{door}', '四季小区1号楼1单元{door}', '{now}') RETURNING id")).await);
    }
    let w = app.insert(&format!("INSERT INTO users (username, display_name, password_hash, disabled, created_at, password_changed_at) VALUES ('siji', '四季社区 社区工作者 孙立', 'x', 0, '{now}', '{now}') RETURNING id")).await;
    app.exec(&format!("INSERT INTO grants (user_id, role, community_id, valid_from, created_at) VALUES ({w}, 'community_worker', {c}, '2026-01-01', '{now}')")).await;

    // Cases filed in Q3: four. (E, filed on 30 June, is Q2's.)
    // A: answered in time, rated satisfied. B: answered late, rated not satisfied.
    // C: answered in time, not rated. D: not answered.
    // response 3/4, on time 2/4 (D is past its deadline unanswered: late, not left out),
    // satisfaction 1/2. The worker has A and B.
    for (code, created, deadline, replied, satisfied, assignee) in [
        (
            "FA",
            "2026-07-06T10:00",
            "2026-07-10T23:59",
            Some("2026-07-08T15:00"),
            Some(1),
            Some(w),
        ),
        (
            "FB",
            "2026-07-13T10:00",
            "2026-07-15T23:59",
            Some("2026-07-20T09:00"),
            Some(0),
            Some(w),
        ),
        (
            "FC",
            "2026-08-03T10:00",
            "2026-08-07T23:59",
            Some("2026-08-05T11:00"),
            None,
            None,
        ),
        (
            "FD",
            "2026-09-01T10:00",
            "2026-09-03T23:59",
            None,
            None,
            None,
        ),
        (
            "FE",
            "2026-06-30T10:00",
            "2026-07-03T23:59",
            Some("2026-07-01T10:00"),
            Some(1),
            Some(w),
        ),
    ] {
        let sql_opt = |v: Option<String>| v.map_or("NULL".to_owned(), |v| format!("'{v}'"));
        app.exec(&format!(
            "INSERT INTO cases (community_id, building_id, category, sensitive, channel, status, description, tracking_code, assignee_user_id, deadline, satisfied, created_at, updated_at, replied_at) \
             VALUES ({c}, {b}, 'repairs', 0, 'reception', '{}', '门禁坏了', 'FIX{code}', {}, '{}', {}, '{}', '{}', {})",
            if replied.is_some() { "replied" } else { "in_progress" },
            assignee.map_or("NULL".to_owned(), |a| a.to_string()),
            at(deadline),
            satisfied.map_or("NULL".to_owned(), |s: i64| s.to_string()),
            at(created),
            at(created),
            sql_opt(replied.map(at)),
        ))
        .await;
    }
    // Visits: households 1 and 2 in Q3 (1 twice, once by the worker), household 3 in June.
    // Coverage 2/4; the worker's 1/4.
    for (hh, day, who) in [
        (h[0], "2026-07-02", Some(w)),
        (h[0], "2026-08-20", None),
        (h[1], "2026-09-30", None),
        (h[2], "2026-06-15", Some(w)),
    ] {
        app.exec(&format!(
            "INSERT INTO visits (street_id, community_id, building_id, household_id, visit_date, visitors, topics, notes, worker_id, created_at) \
             VALUES (1, {c}, {b}, {hh}, '{day}', '社区', '走访', '', {}, '{now}')",
            who.map_or("NULL".to_owned(), |x| x.to_string())
        ))
        .await;
    }
    // Disclosures due in Q3: finance for June, July, August; major matters and the two
    // quarterly family-planning disclosures (births, benefits) for Q2 (each due ten working
    // days after its period). June's and July's finance and Q2's births on time; Q2's major
    // matters and benefits late (30 September); August's finance missing. Timeliness 3/6.
    for (category, period, published) in [
        ("finance", "2026-06", "2026-07-01"),
        ("finance", "2026-07", "2026-08-03"),
        ("fp_births", "2026-Q2", "2026-07-02"),
        ("fp_benefits", "2026-Q2", "2026-09-30"),
        ("major_matters", "2026-Q2", "2026-09-30"),
    ] {
        app.exec(&format!(
            "INSERT INTO disclosures (street_id, community_id, category, title, body, channel, period, publicity_days, status, author, publish_date, created_at) \
             VALUES (1, {c}, '{category}', '{period}公开', '内容', 'both', '{period}', 5, 'published', '孙立', '{published}', '{now}')"
        ))
        .await;
    }
    // The council met in July and September, not in August: 2/3.
    let council = app.insert(&format!("INSERT INTO bodies (street_id, community_id, kind, name, created_at) VALUES (1, {c}, 'council', '四季社区居民议事协调会', '{now}') RETURNING id")).await;
    for day in ["2026-07-15T19:00", "2026-09-10T19:00"] {
        app.exec(&format!(
            "INSERT INTO meetings (body_id, street_id, community_id, kind, title, starts_at, ends_at, location, open_to_residents, status, created_at) \
             VALUES ({council}, 1, {c}, 'council_monthly', '例会', '{}', '{}', '议事厅', 0, 'minutes_published', '{now}')",
            at(day),
            at(day)
        ))
        .await;
    }
    // Agreements in force in Q3: three; the committee broke one in August (the household's
    // breach of another does not count against the committee). One signed in October is
    // not Q3's. Kept 2/3.
    let mut agreements = Vec::new();
    for (hh, signed) in [
        (h[0], "2026-01-10"),
        (h[1], "2026-01-10"),
        (h[2], "2026-02-01"),
        (h[3], "2026-10-01"),
    ] {
        agreements.push(app.insert(&format!(
            "INSERT INTO agreements (street_id, community_id, household_id, template, title, status, valid_from, valid_to, signed_on, signing_method, created_at) \
             VALUES (1, {c}, {hh}, 'dogs', '文明养犬协议', 'in_force', '{signed}', '2026-12-31', '{signed}', 'paper', '{now}') RETURNING id"
        )).await);
    }
    for (a, party, day) in [
        (agreements[0], "committee", "2026-08-01"),
        (agreements[1], "household", "2026-08-02"),
    ] {
        app.exec(&format!("INSERT INTO agreement_breaches (agreement_id, party, occurred_on, description, remedy, created_at) VALUES ({a}, '{party}', '{day}', '未履行', '整改', '{now}')")).await;
    }
    // The appraisal closed on 20 September: the worker 8 / 1 / 1, a second cadre 5 / 3 / 2.
    // (8 + 1 + 5 + 3) / 20 = 0.85; the worker's own (8 + 1) / 10 = 0.9.
    let ap = app.insert(&format!("INSERT INTO appraisals (street_id, community_id, title, period, status, closes_on, ballots_counted, created_at) VALUES (1, {c}, '评议', '2026-Q3', 'closed', '2026-09-20', 10, '{now}') RETURNING id")).await;
    app.exec(&format!("INSERT INTO appraisal_subjects (appraisal_id, user_id, name, post, satisfied, basically, unsatisfied) VALUES ({ap}, {w}, '孙立', '社区工作者', 8, 1, 1)")).await;
    app.exec(&format!("INSERT INTO appraisal_subjects (appraisal_id, user_id, name, post, satisfied, basically, unsatisfied) VALUES ({ap}, NULL, '钱进', '社区书记', 5, 3, 2)")).await;
    // Unadmitted work: two in Q3, one in June. 1 − 2/5 = 0.6.
    for day in ["2026-07-20", "2026-09-05", "2026-06-01"] {
        app.exec(&format!("INSERT INTO unadmitted_tasks (street_id, community_id, sender, description, received_on, created_at) VALUES (1, {c}, '区某局', '填报表', '{day}', '{now}')")).await;
    }
    (c, w)
}

fn row(a: &Value, community: i64) -> Value {
    a["communities"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["community_id"] == community)
        .cloned()
        .expect("the community is ranked")
}

fn component(r: &Value, code: &str) -> (f64, i64, i64) {
    let c = r["components"]
        .as_array()
        .expect("detail shown")
        .iter()
        .find(|c| c["component"] == code)
        .unwrap();
    (
        c["score"].as_f64().unwrap(),
        c["numerator"].as_i64().unwrap(),
        c["denominator"].as_i64().unwrap(),
    )
}

both!(
    numbers_match_the_hand_computed_fixture,
    |app: TestApp| async move {
        let (c, w) = fixture(&app).await;
        let street = app.token("street").await;
        let res = app
            .get("/api/v1/assessment?period=2026-Q3")
            .bearer(&street)
            .send()
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.text());
        let a = res.json();
        assert_eq!(
            (a["from"].as_str(), a["to"].as_str()),
            (Some("2026-07-01"), Some("2026-09-30"))
        );
        let r = row(&a, c);
        let expected: [(&str, f64, i64, i64); 9] = [
            ("response", 0.75, 3, 4),
            ("on_time", 0.5, 2, 4),
            ("satisfaction", 0.5, 1, 2),
            ("visits", 0.5, 2, 4),
            ("disclosure", 0.5, 3, 6),
            ("regularity", 0.667, 2, 3),
            ("agreements", 0.667, 2, 3),
            ("appraisal", 0.85, 17, 20),
            ("unadmitted", 0.6, 2, 5),
        ];
        for (code, score, num, den) in expected {
            assert_eq!(component(&r, code), (score, num, den), "{code}");
        }
        // 15·0.75 + 15·0.5 + 15·0.5 + 10·0.5 + 10·0.5 + 10·⅔ + 10·⅔ + 10·0.85 + 5·0.6 = 61.08…
        assert_eq!(r["score"].as_f64(), Some(61.1));
        // The worker: A and B (response 2/2, on time 1/2, satisfaction 1/2), one household of
        // four visited, appraisal 9/10; the community-only components do not apply and their
        // weight is shared: (15·1 + 15·0.5 + 15·0.5 + 10·0.25 + 10·0.9) / 65 = 41.5 / 65.
        let worker = a["workers"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["user_id"] == w)
            .cloned()
            .expect("worker assessed");
        assert_eq!(worker["score"].as_f64(), Some(63.8));
        assert_eq!(worker["components"].as_array().unwrap().len(), 5);
        // Ranked: ranks are 1..n by score.
        let ranks: Vec<i64> = a["communities"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["rank"].as_i64().unwrap())
            .collect();
        assert_eq!(ranks, (1..=ranks.len() as i64).collect::<Vec<_>>());

        // The drill-down recounts every number from its records.
        for (code, _, num, den) in expected {
            let res = app
                .get(&format!(
                    "/api/v1/assessment/records?period=2026-Q3&community_id={c}&component={code}"
                ))
                .bearer(&street)
                .send()
                .await;
            assert_eq!(res.status, StatusCode::OK, "{code}: {}", res.text());
            let d = res.json();
            assert_eq!(
                (d["numerator"].as_i64(), d["denominator"].as_i64()),
                (Some(num), Some(den)),
                "{code}"
            );
            let recs = d["records"].as_array().unwrap();
            let part: i64 = recs.iter().map(|x| x["part"].as_i64().unwrap()).sum();
            assert_eq!(part, num, "{code}: the records' parts add up");
            if code != "unadmitted" {
                let of: i64 = recs.iter().map(|x| x["of"].as_i64().unwrap()).sum();
                assert_eq!(of, den, "{code}: the records add up to the denominator");
            } else {
                assert_eq!(recs.len() as i64, num);
            }
        }
        // And the page shows it.
        let browser = app.login("street").await;
        let page = app
            .get(&format!(
                "/assessment/records?period=2026-Q3&community_id={c}&component=on_time"
            ))
            .browser(&browser)
            .send()
            .await;
        assert_eq!(page.status, StatusCode::OK);
        assert_eq!(
            page.select("#records tbody tr").len(),
            4,
            "D, late, is listed"
        );
        let ranking = app
            .get("/assessment?period=2026-Q3")
            .browser(&browser)
            .send()
            .await;
        assert_eq!(ranking.status, StatusCode::OK);
        assert!(ranking.text().contains("61.1"));
        assert_eq!(
            ranking.select("svg.trend polyline").len() as i64,
            app.count("SELECT COUNT(*) FROM communities").await
        );
    }
);

both!(
    weights_are_the_streets_and_add_up_to_100,
    |app: TestApp| async move {
        let (c, _) = fixture(&app).await;
        let street = app.token("street").await;
        let only_response = json!({"weights": [
        {"component": "response", "weight": 100}, {"component": "on_time", "weight": 0}, {"component": "satisfaction", "weight": 0},
        {"component": "visits", "weight": 0}, {"component": "disclosure", "weight": 0}, {"component": "regularity", "weight": 0},
        {"component": "agreements", "weight": 0}, {"component": "appraisal", "weight": 0}, {"component": "unadmitted", "weight": 0}]});
        let res = app
            .put("/api/v1/assessment/weights")
            .bearer(&street)
            .json(&only_response)
            .send()
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.text());
        let a = app
            .get("/api/v1/assessment?period=2026-Q3")
            .bearer(&street)
            .send()
            .await
            .json();
        assert_eq!(row(&a, c)["score"].as_f64(), Some(75.0));
        assert_eq!(
            app.count("SELECT COUNT(*) FROM audit_log WHERE action = 'assessment.weights'")
                .await,
            1
        );

        // Not summing to 100, unknown, missing or repeated: a 422 naming the problem, nothing kept.
        let mut bad = only_response.clone();
        bad["weights"][0]["weight"] = json!(90);
        let res = app
            .put("/api/v1/assessment/weights")
            .bearer(&street)
            .json(&bad)
            .send()
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(res.text().contains("90%"), "{}", res.text());
        let mut unknown = only_response.clone();
        unknown["weights"][1]["component"] = json!("charm");
        assert_eq!(
            app.put("/api/v1/assessment/weights")
                .bearer(&street)
                .json(&unknown)
                .send()
                .await
                .status,
            StatusCode::UNPROCESSABLE_ENTITY
        );
        let mut missing = only_response.clone();
        missing["weights"].as_array_mut().unwrap().pop();
        assert_eq!(
            app.put("/api/v1/assessment/weights")
                .bearer(&street)
                .json(&missing)
                .send()
                .await
                .status,
            StatusCode::UNPROCESSABLE_ENTITY
        );
        let w = app
            .get("/api/v1/assessment/weights")
            .bearer(&street)
            .send()
            .await
            .json();
        assert_eq!(w["weights"][0]["weight"], 100);

        // The form says the same in Chinese, next to the weights, with a 422.
        let browser = app.login("street").await;
        let mut form: Vec<(String, String)> = vec![
            ("_csrf".into(), browser.csrf.clone()),
            ("period".into(), "2026-Q3".into()),
        ];
        for code in zizhi::assessment::COMPONENTS {
            form.push((format!("w_{code}"), "10".into()));
        }
        let refs: Vec<(&str, &str)> = form.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
        let res = app
            .post("/assessment/weights")
            .browser(&browser)
            .form(&refs)
            .send()
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(res.select("#error")[0].contains("90%"));
        // Only the street sets weights.
        let head = app.token("head").await;
        assert_eq!(
            app.put("/api/v1/assessment/weights")
                .bearer(&head)
                .json(&only_response)
                .send()
                .await
                .status,
            StatusCode::FORBIDDEN
        );
        // A period that is not one is a 422, not a crash.
        for p in ["2026-Q5", "2026中", "abc", "2026-13"] {
            let res = app
                .get(&format!("/api/v1/assessment?period={}", urlencoding(p)))
                .bearer(&street)
                .send()
                .await;
            assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{p}");
        }
    }
);

fn urlencoding(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b == b'-' {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

both!(
    a_community_sees_the_ranking_and_only_its_own_detail,
    |app: TestApp| async move {
        let (c, _) = fixture(&app).await;
        for user in ["head", "council", "supervisor", "worker"] {
            let token = app.token(user).await;
            let a = app
                .get("/api/v1/assessment?period=2026-Q3")
                .bearer(&token)
                .send()
                .await
                .json();
            assert!(
                row(&a, 1)["components"].is_array(),
                "{user} sees its own detail"
            );
            assert!(
                row(&a, c)["components"].is_null(),
                "{user} does not see another community's detail"
            );
            assert!(row(&a, c)["score"].is_number(), "{user} sees the ranking");
            assert!(
                a["workers"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .all(|w| w["community_id"] == 1)
            );
            let res = app
                .get(&format!(
                    "/api/v1/assessment/records?period=2026-Q3&community_id={c}&component=response"
                ))
                .bearer(&token)
                .send()
                .await;
            assert_eq!(res.status, StatusCode::FORBIDDEN, "{user}");
        }
        for user in ["resident", "leader", "sysadmin", "auditor"] {
            let token = app.token(user).await;
            assert_eq!(
                app.get("/api/v1/assessment")
                    .bearer(&token)
                    .send()
                    .await
                    .status,
                StatusCode::FORBIDDEN,
                "{user}"
            );
        }
        let browser = app.login("head").await;
        let page = app
            .get("/assessment?period=2026-Q3")
            .browser(&browser)
            .send()
            .await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(
            !page
                .select(&format!("tr[data-community=\"{c}\"] td.hidden-detail"))
                .is_empty()
        );
        assert!(page.select("#weights-form").is_empty());
    }
);

both!(
    the_export_is_the_ranking_in_a_spreadsheet,
    |app: TestApp| async move {
        use calamine::Reader;
        let (_, _) = fixture(&app).await;
        let street = app.token("street").await;
        let res = app
            .get("/api/v1/assessment.xlsx?period=2026-Q3")
            .bearer(&street)
            .send()
            .await;
        assert_eq!(res.status, StatusCode::OK);
        assert!(
            res.headers["content-type"]
                .to_str()
                .unwrap()
                .contains("spreadsheetml")
        );
        let mut book = calamine::Xlsx::new(std::io::Cursor::new(res.body.clone())).unwrap();
        let sheet = book.worksheet_range("社区排名").unwrap();
        let rows: Vec<Vec<String>> = sheet
            .rows()
            .map(|r| r.iter().map(|c| c.to_string()).collect())
            .collect();
        let siji = rows
            .iter()
            .find(|r| r.iter().any(|c| c == "四季社区"))
            .expect("a row for 四季社区");
        assert!(siji.iter().any(|c| c == "61.1"), "{siji:?}");
        assert_eq!(
            app.count("SELECT COUNT(*) FROM audit_log WHERE action = 'assessment.export'")
                .await,
            1
        );
    }
);
