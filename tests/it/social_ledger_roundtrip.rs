//! The ledger of stationed units round-trips (issue 22 item 3; organizations and members in
//! `org_ledger_roundtrip`): the head exports it for re-import (whole phones, the import's own
//! layout, an audited sensitive read), corrects it in a spreadsheet, and the import matches rows
//! by name within the community, lists every new record and every change old → new before
//! anything is written, refuses masked numbers by name, writes all or nothing, and changes a
//! record only if it still holds what was checked.

use axum::http::StatusCode;
use calamine::{Data, Reader};

use crate::both;
use crate::harness::TestApp;
use zizhi::registry::import::read_table;
use zizhi::registry::import::social::{SocialLedger, UNIT_COLUMNS, commit_social, plan_social};

/// Writes rows (the first the headers) as a one-sheet xlsx, as a spreadsheet would save it.
pub(crate) fn xlsx(rows: &[Vec<String>]) -> Vec<u8> {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    for (r, row) in rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            ws.write_string(r as u32, c as u16, v).unwrap();
        }
    }
    wb.save_to_buffer().unwrap()
}

pub(crate) fn first_sheet(bytes: &[u8]) -> calamine::Range<Data> {
    let mut wb: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes.to_vec())).expect("an xlsx");
    wb.worksheet_range_at(0).unwrap().unwrap()
}

/// The first row's cells, as text.
pub(crate) fn headers(sheet: &calamine::Range<Data>) -> Vec<String> {
    let first = sheet.rows().next().expect("a header row");
    first.iter().map(|c| c.to_string()).collect()
}

/// The confirm form's address on an import page.
pub(crate) fn confirm_action(page: &crate::client::Res) -> String {
    let sel = scraper::Selector::parse("#report form").unwrap();
    page.html()
        .select(&sel)
        .next()
        .and_then(|f| f.value().attr("action").map(str::to_owned))
        .expect("a confirm form")
}

both!(
    stationed_units_export_for_reimport_and_come_back_with_each_change_listed,
    |app: TestApp| async move {
        let head = app.token("head").await;
        let worker = app.token("worker").await;
        let r = app
            .get("/api/v1/ledgers/social-units-import.xlsx")
            .bearer(&worker)
            .send()
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "the head's alone");
        let before = app.count("SELECT COUNT(*) FROM audit_log WHERE action = 'registry.export_full' AND sensitive = 1").await;
        let export = app
            .get("/api/v1/ledgers/social-units-import.xlsx")
            .bearer(&head)
            .send()
            .await;
        assert_eq!(export.status, StatusCode::OK, "{}", export.text());
        assert_eq!(
            app.count("SELECT COUNT(*) FROM audit_log WHERE action = 'registry.export_full' AND sensitive = 1").await,
            before + 1
        );
        let sheet = first_sheet(&export.body);
        assert_eq!(headers(&sheet), UNIT_COLUMNS);
        let units = app
            .count("SELECT COUNT(*) FROM social_units WHERE community_id = 1")
            .await;
        assert!(units >= 2);
        assert_eq!(sheet.rows().count() as i64 - 1, units);
        let first = sheet.rows().nth(1).unwrap();
        assert_eq!(
            first[4].to_string().len(),
            11,
            "the phone whole: {:?}",
            first[4]
        );
        assert!(
            matches!(first[5], Data::Float(_) | Data::Int(_)),
            "职工人数 is a number"
        );

        // Imported back untouched: nothing changes.
        let same = app
            .post("/api/v1/imports/social-units?community_id=1")
            .bearer(&head)
            .raw("text/csv", export.body.clone())
            .send()
            .await;
        assert_eq!(same.status, StatusCode::OK, "{}", same.text());
        let same = same.json();
        assert_eq!(same["unchanged"].as_i64(), Some(units), "{same}");
        assert_eq!(
            (same["updated"].as_i64(), same["created"].as_i64()),
            (Some(0), Some(0))
        );

        // Corrected in a spreadsheet: a new phone and head count for the first, one unit more.
        let mut rows = read_table(&export.body).unwrap();
        let name = rows[1][0].clone();
        let old_phone = rows[1][4].clone();
        rows[1][4] = "13900002222".into();
        rows[1][5] = "321".into();
        rows.push(vec![
            "幸福路菜市场".into(),
            "商户".into(),
            "幸福路 8 号".into(),
            "周敏".into(),
            "13700003333".into(),
            "40".into(),
            String::new(),
        ]);
        let edited = xlsx(&rows);
        let b = app.login("head").await;
        let page = crate::forms::post_multipart(
            &app,
            &b,
            "/import",
            &[("community_id", "1"), ("ledger", "social-units")],
            "file",
            &edited,
        )
        .await;
        assert_eq!(page.status, StatusCode::OK);
        assert_eq!(page.select("#created"), ["1"]);
        assert_eq!(page.select("#updated"), ["1"]);
        assert!(page.select("#records-new")[0].contains("幸福路菜市场"));
        let cells = page.select("#changes td");
        // Phones on a page are masked like any other (the page filter), old beside new.
        assert!(cells.iter().any(|c| c == "139****2222"), "{cells:?}");
        let old_masked = format!("{}****{}", &old_phone[..3], &old_phone[7..]);
        assert!(
            cells.iter().any(|c| c == &old_masked),
            "the old phone beside the new: {cells:?}"
        );
        assert!(cells.iter().any(|c| c == "321"), "{cells:?}");
        assert_eq!(
            app.count("SELECT COUNT(*) FROM social_units WHERE name = '幸福路菜市场'")
                .await,
            0,
            "nothing written by the check"
        );
        // Confirmed on the page: written, each record audited.
        let done = crate::forms::post(&app, &b, &confirm_action(&page), &[]).await;
        assert_eq!(done.status, StatusCode::OK, "{}", done.text());
        assert_eq!(
            done.select("#report .notice").len(),
            1,
            "it says it is done"
        );
        assert_eq!(
            app.count(&format!("SELECT COUNT(*) FROM social_units WHERE community_id = 1 AND name = '{name}' AND contact_phone = '13900002222' AND employees = 321")).await,
            1
        );
        assert_eq!(app.count("SELECT COUNT(*) FROM social_units WHERE community_id = 1 AND name = '幸福路菜市场' AND kind = '商户'").await, 1);
        assert_eq!(app.count("SELECT COUNT(*) FROM audit_log WHERE action = 'registry.import' AND object_type = 'social_unit'").await, 2);

        // The ledger for reading is masked and titled: its masked phones are refused by name.
        let masked = app
            .get("/api/v1/ledgers/social-units.xlsx")
            .bearer(&head)
            .send()
            .await;
        let r = app
            .post("/api/v1/imports/social-units?community_id=1&commit=true")
            .bearer(&head)
            .raw("text/csv", masked.body.clone())
            .send()
            .await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "a commit with errors writes nothing"
        );
        let r = app
            .post("/api/v1/imports/social-units?community_id=1")
            .bearer(&head)
            .raw("text/csv", masked.body)
            .send()
            .await
            .json();
        let e = &r["errors"][0];
        assert_eq!(e["column"], "联系电话", "{r}");
        assert!(e["message"].as_str().unwrap().contains("遮盖"), "{e}");
        assert_eq!(
            e["row"].as_i64(),
            Some(3),
            "the title row and the headers come first"
        );

        // Bad rows: each named by row and column; the same name twice in the file.
        let bad = "单位名称,类别,职工人数\n幸福路菜市场,银行,很多\n幸福路菜市场,商户,1\n";
        let r = app
            .post("/api/v1/imports/social-units?community_id=1")
            .bearer(&head)
            .raw("text/csv", bad.as_bytes().to_vec())
            .send()
            .await
            .json();
        let errors: Vec<(i64, String)> = r["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                (
                    e["row"].as_i64().unwrap(),
                    e["column"].as_str().unwrap().to_owned(),
                )
            })
            .collect();
        assert!(errors.contains(&(2, "类别".into())), "{errors:?}");
        assert!(errors.contains(&(2, "职工人数".into())), "{errors:?}");
        assert!(errors.contains(&(3, "单位名称".into())), "{errors:?}");
        // A resident may not import; an unknown ledger is 404.
        let other = app.token("resident").await;
        let r = app
            .post("/api/v1/imports/social-units?community_id=1")
            .bearer(&other)
            .raw("text/csv", bad.as_bytes().to_vec())
            .send()
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        let r = app
            .post("/api/v1/imports/party-orgs?community_id=1")
            .bearer(&head)
            .raw("text/csv", bad.as_bytes().to_vec())
            .send()
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
    }
);

both!(
    an_import_changes_a_record_only_if_it_still_holds_what_was_checked,
    |app: TestApp| async move {
        let rows = vec![
            UNIT_COLUMNS
                .iter()
                .map(|s| s.to_string())
                .collect::<Vec<_>>(),
            vec![
                app.text(
                    "SELECT name FROM social_units WHERE community_id = 1 ORDER BY id LIMIT 1",
                )
                .await,
                "企业".into(),
                String::new(),
                String::new(),
                String::new(),
                "7".into(),
                String::new(),
            ],
        ];
        let name = rows[1][0].clone();
        let mut conn = app.db.read().acquire().await.unwrap();
        let community: String = app.text("SELECT name FROM communities WHERE id = 1").await;
        let plan = plan_social(
            &mut conn,
            SocialLedger::Units,
            1,
            &community,
            &rows,
            zizhi::platform::i18n::Lang::ZhCn,
        )
        .await
        .unwrap();
        drop(conn);
        assert_eq!(plan.report.updated, 1, "{:?}", plan.report);
        // Someone changes the unit between the check and the write.
        app.exec(&format!(
            "UPDATE social_units SET note = '刚改过' WHERE community_id = 1 AND name = '{name}'"
        ))
        .await;
        let mut tx = app.db.begin().await.unwrap();
        let err = commit_social(&mut tx, &plan)
            .await
            .expect_err("a changed record is not overwritten");
        assert_eq!(err.status, StatusCode::CONFLICT);
        drop(tx);
        assert_eq!(
            app.count(&format!("SELECT COUNT(*) FROM social_units WHERE name = '{name}' AND note = '刚改过' AND employees = 7")).await,
            0
        );
    }
);
