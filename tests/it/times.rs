//! One JSON time format (issue 19, item 5): every instant an answer carries is RFC 3339 in
//! Asia/Shanghai (`2026-12-10T19:30:00+08:00`, `platform::time::Instant`); days are
//! `2026-12-10`. Never the stored UTC form, never a date written for reading.

use axum::http::StatusCode;
use serde_json::Value;

use crate::both;
use crate::harness::TestApp;

fn digits(s: &[u8]) -> bool {
    s.iter().all(u8::is_ascii_digit)
}

/// Starts like a date with a time: `2026-12-10T19:30` or `2026-12-10 19:30`.
fn looks_like_an_instant(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() >= 16
        && digits(&b[0..4])
        && b[4] == b'-'
        && digits(&b[5..7])
        && b[7] == b'-'
        && digits(&b[8..10])
        && (b[10] == b'T' || b[10] == b' ')
        && digits(&b[11..13])
        && b[13] == b':'
}

/// Exactly `YYYY-MM-DDTHH:MM:SS+08:00`.
fn the_one_format(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 25
        && looks_like_an_instant(s)
        && b[10] == b'T'
        && digits(&b[14..16])
        && b[16] == b':'
        && digits(&b[17..19])
        && s.ends_with("+08:00")
}

/// Three answers carry instants as stored, on purpose: the publication chain and the audit
/// log publish each entry's time exactly as it was hashed (`disclosure::chain::entry_hash`,
/// `audit::entry_hash`), so that the chains can be recomputed from them; a resident's export
/// of their data (PIPL) is a copy of the records as held.
const AS_STORED: &[&str] = &["/api/v1/publications", "/api/v1/audit", "/api/v1/me/export"];

fn walk(v: &Value, at: &str, bad: &mut Vec<String>) {
    match v {
        Value::String(s) => {
            let instant_field = at.ends_with("_at") || at.ends_with("datetime");
            if (looks_like_an_instant(s) || instant_field) && !the_one_format(s) {
                bad.push(format!("{at} = {s:?}"));
            }
        }
        Value::Array(items) => items.iter().for_each(|x| walk(x, at, bad)),
        Value::Object(map) => map.iter().for_each(|(k, x)| walk(x, k, bad)),
        _ => {}
    }
}

both!(
    every_answer_carries_instants_in_one_format,
    |app: TestApp| async move {
        let doc = app.get("/api/openapi.json").send().await.json();
        let mut paths: Vec<String> = doc["paths"]
            .as_object()
            .unwrap()
            .iter()
            .filter(|(p, ops)| !p.contains('{') && ops.get("get").is_some())
            .map(|(p, _)| p.clone())
            .collect();
        // Lists that need their community, and records by number.
        for p in [
            "/api/v1/evaluations?community_id=1",
            "/api/v1/assessment/records?community_id=1&component=response",
            "/api/v1/cases/1",
            "/api/v1/meetings/1",
            "/api/v1/rules/1/versions",
            "/api/v1/rules/1/comments",
            "/api/v1/disclosures/1/objections",
            "/api/v1/elections/1/objections",
            "/api/v1/meetings/1/comments",
        ] {
            paths.push(p.to_owned());
        }
        let mut read = 0;
        let mut bad = Vec::new();
        for who in [
            "head",
            "supervisor",
            "street",
            "resident",
            "sysadmin",
            "auditor",
            "worker",
        ] {
            let token = app.token(who).await;
            for p in &paths {
                let res = app.get(p).bearer(&token).send().await;
                let json = res
                    .headers
                    .get("content-type")
                    .and_then(|c| c.to_str().ok())
                    .is_some_and(|c| c.starts_with("application/json"));
                if res.status == StatusCode::OK && json && !AS_STORED.contains(&p.as_str()) {
                    read += 1;
                    let mut found = Vec::new();
                    walk(&res.json(), "", &mut found);
                    bad.extend(found.into_iter().map(|b| format!("{who} {p}: {b}")));
                }
            }
        }
        assert!(read > 60, "only {read} JSON answers read");
        bad.sort();
        bad.dedup();
        assert!(
            bad.is_empty(),
            "{} instants in another format: {bad:#?}",
            bad.len()
        );
    }
);

#[test]
fn the_format_check_can_fail() {
    assert!(the_one_format("2026-12-10T19:30:00+08:00"));
    for other in [
        "2026-12-10T11:30:00.000000Z",
        "2026-12-10T19:30:00Z",
        "2026-12-10 19:30",
        "2026年12月10日 19:30",
    ] {
        let mut bad = Vec::new();
        walk(&serde_json::json!({ "created_at": other }), "", &mut bad);
        assert_eq!(bad.len(), 1, "{other}");
    }
    let mut none = Vec::new();
    walk(
        &serde_json::json!({"day": "2026-12-10", "title": "2026年11月财务收支公开"}),
        "",
        &mut none,
    );
    assert!(none.is_empty(), "{none:?}");
}
