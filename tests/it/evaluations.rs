//! Supervision (M10): the supervisory board's evaluation, its checklist pre-filled from the
//! records.

use axum::http::StatusCode;
use serde_json::json;

use crate::both;
use crate::harness::TestApp;

both!(
    the_boards_evaluation_starts_from_the_records,
    |app: TestApp| async move {
        let supervisor = app.token("supervisor").await;
        // The third quarter of 2026 in the demo, as the records show it.
        let res = app
            .get("/api/v1/evaluations/checklist?community_id=1&period=2026-Q3")
            .bearer(&supervisor)
            .send()
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.text());
        let draft = res.json();
        let checks = draft["checklist"].as_array().unwrap();
        assert_eq!(checks.len(), 6);
        let timely = checks
            .iter()
            .find(|c| c["check"] == "disclosure_timely")
            .unwrap();
        assert!(
            timely["figure"].as_str().unwrap().contains("逾期公开"),
            "{timely}"
        );
        assert_eq!(
            timely["verdict"],
            if timely["problems"].as_i64().unwrap() > 0 {
                "concern"
            } else {
                "ok"
            }
        );
        // A concern without a note, or a check left out, is a 422; nothing is kept.
        let mut judgments: Vec<serde_json::Value> = checks
            .iter()
            .map(|c| json!({"check": c["check"], "verdict": "ok", "note": ""}))
            .collect();
        judgments[0]["verdict"] = json!("concern");
        let res = app.post("/api/v1/evaluations").bearer(&supervisor).json(&json!({"community_id": 1, "period": "2026-Q3", "judgments": judgments, "summary": "总体良好"})).send().await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(res.text().contains("请写明情况"), "{}", res.text());
        let res = app.post("/api/v1/evaluations").bearer(&supervisor).json(&json!({"community_id": 1, "period": "2026-Q3", "judgments": judgments[1..], "summary": "总体良好"})).send().await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(app.count("SELECT COUNT(*) FROM evaluations").await, 0);
        judgments[0]["note"] = json!("八月财务公开未按时张贴");
        let res = app.post("/api/v1/evaluations").bearer(&supervisor).json(&json!({"community_id": 1, "period": "2026-Q3", "judgments": judgments, "summary": "总体良好"})).send().await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.text());
        let ev = res.json();
        assert_eq!(ev["checklist"][0]["verdict"], "concern");
        assert!(
            ev["checklist"][0]["figure"]
                .as_str()
                .unwrap()
                .contains("应公开")
        );
        // The council reads it; only the board writes it.
        let council = app.token("council").await;
        assert_eq!(
            app.get("/api/v1/evaluations?community_id=1")
                .bearer(&council)
                .send()
                .await
                .json()["items"]
                .as_array()
                .unwrap()
                .len(),
            1
        );
        assert_eq!(app.post("/api/v1/evaluations").bearer(&council).json(&json!({"community_id": 1, "period": "2026-Q3", "judgments": judgments, "summary": "x"})).send().await.status, StatusCode::FORBIDDEN);
        // The page pre-fills the same checklist.
        let browser = app.login("supervisor").await;
        let page = app
            .get("/evaluations?period=2026-Q3")
            .browser(&browser)
            .send()
            .await;
        assert_eq!(page.status, StatusCode::OK);
        assert_eq!(page.select("fieldset.check").len(), 6);
        assert_eq!(page.select("article.evaluation").len(), 1);
    }
);
