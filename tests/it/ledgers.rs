//! Ledgers out (xlsx, CSV) and in (import with a dry run), and the M4 registries.

use axum::http::StatusCode;
use calamine::Reader;
use serde_json::json;

use crate::both;
use crate::harness::TestApp;

pub fn sheets(bytes: &[u8]) -> Vec<(String, Vec<Vec<String>>)> {
    let mut wb = calamine::open_workbook_auto_from_rs(std::io::Cursor::new(bytes.to_vec()))
        .expect("a workbook");
    let names = wb.sheet_names();
    names
        .into_iter()
        .map(|n| {
            let range = wb.worksheet_range(&n).unwrap();
            (
                n,
                range
                    .rows()
                    .map(|r| r.iter().map(|c| c.to_string()).collect())
                    .collect(),
            )
        })
        .collect()
}

both!(
    ledgers_export_in_scope_and_masked,
    |app: TestApp| async move {
        let head = app.token("head").await;
        let res = app
            .get("/api/v1/ledgers/residents.xlsx")
            .bearer(&head)
            .send()
            .await;
        assert_eq!(res.status, StatusCode::OK);
        assert!(
            res.header("content-disposition")
                .unwrap()
                .contains("residents.xlsx")
        );
        let book = sheets(&res.body);
        assert_eq!(book.len(), 4, "one sheet per compound of community 1");
        assert!(book[0].0.starts_with("三角线社区"));
        assert_eq!(
            book[0].1[1][..6],
            ["序号", "小区", "楼栋", "单元", "门牌号", "姓名"]
        );
        let rows: usize = book.iter().map(|(_, r)| r.len() - 2).sum();
        assert_eq!(
            rows as i64,
            app.count(
                "SELECT COUNT(*) FROM residents WHERE community_id = 1 AND status = 'living'"
            )
            .await
        );
        for (_, r) in &book {
            for row in &r[2..] {
                assert!(row[8].contains("***********"), "ID masked: {row:?}");
                for cell in row {
                    assert!(crate::masking::unmasked(cell).is_empty(), "{row:?}");
                }
            }
        }
        let csv = app
            .get("/api/v1/ledgers/residents.csv")
            .bearer(&head)
            .send()
            .await;
        assert!(csv.body.starts_with(b"\xEF\xBB\xBF"), "a BOM for Excel");
        assert!(csv.text().contains("身份证号"));
        let leader = app.token("leader").await;
        let mine = sheets(
            &app.get("/api/v1/ledgers/residents.xlsx")
                .bearer(&leader)
                .send()
                .await
                .body,
        );
        assert_eq!(mine.len(), 1, "a leader's ledger holds their building only");
        let general = sheets(
            &app.get("/api/v1/ledgers/general.xlsx")
                .bearer(&app.token("street").await)
                .send()
                .await
                .body,
        );
        assert_eq!(
            general.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>(),
            ["社区概况", "小区院落", "困难户", "走访覆盖"]
        );
        // The visit coverage sheet: a row per building, the demo community's visited.
        let buildings = app.count("SELECT COUNT(*) FROM buildings").await;
        assert_eq!(general[3].1.len() as i64, 2 + buildings);
        assert!(general[3].1.iter().skip(2).any(|r| r[3] != "0"));
        assert_eq!(general[0].1.len(), 2 + 3, "three communities");
        assert!(
            general[1]
                .1
                .iter()
                .any(|r| r.last().is_some_and(|c| c == "应成立居委会"))
        );
        for kind in ["social-units.xlsx", "social-orgs.csv"] {
            assert_eq!(
                app.get(&format!("/api/v1/ledgers/{kind}"))
                    .bearer(&head)
                    .send()
                    .await
                    .status,
                StatusCode::OK,
                "{kind}"
            );
        }
        assert_eq!(
            app.get("/api/v1/ledgers/secrets.xlsx")
                .bearer(&head)
                .send()
                .await
                .status,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            app.get("/api/v1/ledgers/residents.xlsx")
                .bearer(&app.token("resident").await)
                .send()
                .await
                .status,
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            app.get("/api/v1/ledgers/residents.xlsx")
                .bearer(&app.token("sysadmin").await)
                .send()
                .await
                .status,
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            app.count("SELECT COUNT(*) FROM audit_log WHERE action = 'registry.export'")
                .await,
            6
        );
    }
);

both!(
    stationed_units_and_social_organizations,
    |app: TestApp| async move {
        let worker = app.token("worker").await;
        let units = app
            .get("/api/v1/social-units")
            .bearer(&worker)
            .send()
            .await
            .json();
        assert_eq!(units["total"], 5);
        assert!(
            units["items"][0]["contact_phone"]
                .as_str()
                .unwrap()
                .contains("****")
        );
        let created = app.post("/api/v1/social-units").bearer(&worker)
        .json(&json!({"community_id": 1, "name": "新华书店", "kind": "企业", "contact_phone": "13711112222", "employees": 12})).send().await;
        assert_eq!(created.status, StatusCode::CREATED, "{}", created.text());
        let bad = app
            .post("/api/v1/social-units")
            .bearer(&worker)
            .json(&json!({"community_id": 1, "name": "", "kind": "企业"}))
            .send()
            .await;
        assert_eq!(bad.json()["field"], "name");
        let other = app
            .post("/api/v1/social-units")
            .bearer(&worker)
            .json(&json!({"community_id": 2, "name": "X", "kind": "企业"}))
            .send()
            .await;
        assert_eq!(other.status, StatusCode::FORBIDDEN);
        let orgs = app
            .get("/api/v1/social-orgs")
            .bearer(&worker)
            .send()
            .await
            .json();
        assert_eq!(orgs["total"], 3);
        let org = orgs["items"][0]["id"].as_i64().unwrap();
        let detail = app
            .get(&format!("/api/v1/social-orgs/{org}"))
            .bearer(&worker)
            .send()
            .await
            .json();
        assert_eq!(
            detail["member_list"].as_array().unwrap().len() as i64,
            detail["members"].as_i64().unwrap()
        );
        let outsider = app
            .count("SELECT MIN(id) FROM residents WHERE community_id = 2")
            .await;
        let res = app
            .post(&format!("/api/v1/social-orgs/{org}/members"))
            .bearer(&worker)
            .json(&json!({"resident_id": outsider}))
            .send()
            .await;
        assert_eq!(res.json()["field"], "resident_id");
        let member = detail["member_list"][0]["resident_id"].as_i64().unwrap();
        let dup = app
            .post(&format!("/api/v1/social-orgs/{org}/members"))
            .bearer(&worker)
            .json(&json!({"resident_id": member}))
            .send()
            .await;
        assert_eq!(dup.status, StatusCode::CONFLICT);
    }
);
