//! What the tamper scenarios aim at: a case answered, a notice with its attachment and its
//! objections, a motion, an election and an appraisal, made through the API so that they are
//! on the sealed record; and a checkpoint taken after.

use axum::http::StatusCode;
use serde_json::{Value, json};
use sqlx::Row;
use zizhi::audit::checkpoint::{self, Checkpoint};

use crate::harness::TestApp;

/// The ids the scenarios aim at, made through the API so that they are on the sealed record.
pub struct Aims {
    pub case: i64,
    pub reply_event: i64,
    pub notice: i64,
    pub draft: i64,
    pub objection: i64,
    pub open_objection: i64,
    pub attachment: i64,
    pub attachment_file: std::path::PathBuf,
    pub motion: i64,
    pub election: i64,
    pub appraisal: i64,
    /// The audit head as it was before the last few writes: (seq, hash, mac).
    pub old_head: (i64, String, String),
    pub checkpoint: Checkpoint,
}

async fn post(app: &TestApp, token: &str, path: &str, body: Value) -> Value {
    let r = app.post(path).bearer(token).json(&body).send().await;
    assert!(r.status.is_success(), "{path}: {} {}", r.status, r.text());
    r.json()
}

pub async fn aims(app: &TestApp) -> Aims {
    let worker = app.token("worker").await;
    let resident = app.token("resident").await;
    // A case, answered.
    let case = post(
        app,
        &resident,
        "/api/v1/cases",
        json!({"category": "repairs", "description": "三号楼楼道灯不亮"}),
    )
    .await["id"]
        .as_i64()
        .unwrap();
    let transitions = format!("/api/v1/cases/{case}/transitions");
    post(app, &worker, &transitions, json!({"action": "accept"})).await;
    post(
        app,
        &worker,
        &transitions,
        json!({"action": "reply", "message": "已更换灯泡，请查看。"}),
    )
    .await;
    let reply_event: i64 = sqlx::query_scalar(&format!(
        "SELECT MAX(id) FROM case_events WHERE case_id = {case} AND action = 'reply'"
    ))
    .fetch_one(app.db.read())
    .await
    .unwrap();
    // A notice with an attachment, published; an objection handled, one not.
    let notice_body = json!({"community_id": 1, "category": "finance", "title": "2026 年 12 月财务收支公开", "body": "请居民监督。",
        "channel": "both", "period": "2026-12", "publicity_days": 5, "income_total": "2000", "expense_total": "350.50",
        "lines": [{"kind": "income", "item": "社区服务收入", "amount": "2000"}, {"kind": "expense", "item": "楼道照明维修", "amount": "350.50"}]});
    let notice = post(app, &worker, "/api/v1/disclosures", notice_body.clone()).await["id"]
        .as_i64()
        .unwrap();
    let pdf = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n".to_vec();
    let a = app
        .post(&format!(
            "/api/v1/disclosures/{notice}/attachments?filename=receipts.pdf"
        ))
        .bearer(&worker)
        .raw("application/octet-stream", pdf)
        .send()
        .await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.text());
    let attachment = a.json()["id"].as_i64().unwrap();
    post(
        app,
        &worker,
        &format!("/api/v1/disclosures/{notice}/publish"),
        json!({}),
    )
    .await;
    let objections = format!("/api/v1/disclosures/{notice}/objections");
    let objection = post(
        app,
        &resident,
        &objections,
        json!({"body": "维修费用偏高，请说明"}),
    )
    .await["id"]
        .as_i64()
        .unwrap();
    let open_objection = post(
        app,
        &resident,
        &objections,
        json!({"body": "收入来源请写明"}),
    )
    .await["id"]
        .as_i64()
        .unwrap();
    post(
        app,
        &worker,
        &format!("{objections}/{objection}"),
        json!({"outcome": "dismissed", "handling": "维修 41 盏灯，票据可查"}),
    )
    .await;
    let mut draft_body = notice_body;
    draft_body["period"] = json!("2026-10");
    draft_body["title"] = json!("草稿：2026 年 10 月财务收支公开");
    let draft = post(app, &worker, "/api/v1/disclosures", draft_body).await["id"]
        .as_i64()
        .unwrap();
    // Then a reveal of a resident's ID number and phone: a read that leaves only its entry,
    // the kind someone would want off the record.
    let old_head = head(app).await;
    let resident_id: i64 =
        sqlx::query_scalar("SELECT MIN(id) FROM residents WHERE community_id = 1")
            .fetch_one(app.db.read())
            .await
            .unwrap();
    let reveal = app
        .get(&format!("/api/v1/residents/{resident_id}?reveal=id_number,phone&reason=%E4%B8%8A%E9%97%A8%E6%A0%B8%E5%AE%9E"))
        .bearer(&worker)
        .send()
        .await;
    assert_eq!(reveal.status, StatusCode::OK, "{}", reveal.text());
    let stored: String = sqlx::query_scalar(&format!(
        "SELECT stored_name FROM disclosure_attachments WHERE id = {attachment}"
    ))
    .fetch_one(app.db.read())
    .await
    .unwrap();
    let one = |sql: &'static str| async move {
        sqlx::query_scalar::<_, i64>(sql)
            .fetch_one(app.db.read())
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"))
    };
    Aims {
        case,
        reply_event,
        notice,
        draft,
        objection,
        open_objection,
        attachment,
        attachment_file: app.config.data_dir.join("disclosures").join(stored),
        motion: one("SELECT MIN(motion_id) FROM motion_votes WHERE choice = 'yes'").await,
        election: tallied_election(app).await,
        appraisal: one(
            "SELECT MIN(id) FROM appraisals WHERE status = 'closed' AND ballots_counted > 0",
        )
        .await,
        old_head,
        checkpoint: checkpoint::take(&app.db).await.unwrap(),
    }
}

/// An election tallied from three ballots (the demo's year has none yet): 2 votes to the
/// first candidate, who is elected, 1 to the second.
async fn tallied_election(app: &TestApp) -> i64 {
    let e = app
        .insert(
            "INSERT INTO elections (body_id, street_id, community_id, title, position, seats, electorate, status, publicity_days, \
             term_from, ballots_counted, blank_ballots, created_at) SELECT MIN(id), 1, 1, '测试选举', 'president', 1, 'building', 'tallied', 5, \
             '2027-01-01', 3, 0, '2026-11-20T00:00:00.000000Z' FROM bodies RETURNING id",
        )
        .await;
    let mut noms = Vec::new();
    for (offset, votes, elected) in [(0, 2, 1), (1, 1, 0)] {
        noms.push(
            app.insert(&format!(
                "INSERT INTO election_nominations (election_id, resident_id, name, method, statement, votes, elected, created_at) \
                 SELECT {e}, id, name, 'self', '愿意服务', {votes}, {elected}, '2026-11-20T00:00:00.000000Z' FROM residents \
                 ORDER BY id LIMIT 1 OFFSET {offset} RETURNING id"
            ))
            .await,
        );
    }
    for (token, choice) in [("t1", noms[0]), ("t2", noms[0]), ("t3", noms[1])] {
        app.exec(&format!(
            "INSERT INTO election_ballots (token, election_id, choices) VALUES ('{token}-{e}', {e}, '{choice}')"
        ))
        .await;
    }
    e
}

pub async fn head(app: &TestApp) -> (i64, String, String) {
    let r = sqlx::query("SELECT seq, hash, mac FROM audit_head WHERE id = 1")
        .fetch_one(app.db.read())
        .await
        .unwrap();
    (
        r.try_get("seq").unwrap(),
        r.try_get("hash").unwrap(),
        r.try_get("mac").unwrap(),
    )
}
