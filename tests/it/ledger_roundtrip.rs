//! The residents' ledger round-trips (issue 22 item 3): the head exports it for re-import
//! (unmasked, the import's own layout, an audited sensitive read), corrects it in a
//! spreadsheet, and the import's check lists every change old → new before anything is written;
//! the ledger for reading (masked, with a title) is refused by name; dates and rates are real
//! cells.

use axum::http::StatusCode;
use calamine::{Data, Reader};

use crate::both;
use crate::harness::TestApp;

fn workbook(bytes: &[u8]) -> calamine::Xlsx<std::io::Cursor<Vec<u8>>> {
    calamine::open_workbook_from_rs(std::io::Cursor::new(bytes.to_vec())).expect("an xlsx")
}

/// Writes rows (the first the headers) as a one-sheet xlsx, as a spreadsheet would save it.
fn xlsx(rows: &[Vec<String>]) -> Vec<u8> {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    for (r, row) in rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            ws.write_string(r as u32, c as u16, v).unwrap();
        }
    }
    wb.save_to_buffer().unwrap()
}

both!(
    the_head_exports_for_reimport_corrects_and_sees_each_change_before_it_is_written,
    |app: TestApp| async move {
        let head = app.token("head").await;
        for (who, status) in [
            ("worker", StatusCode::FORBIDDEN),
            ("street", StatusCode::FORBIDDEN),
            ("resident", StatusCode::FORBIDDEN),
        ] {
            let t = app.token(who).await;
            let r = app
                .get("/api/v1/ledgers/residents-import.xlsx")
                .bearer(&t)
                .send()
                .await;
            assert_eq!(r.status, status, "{who}");
        }
        let before = app.count("SELECT COUNT(*) FROM audit_log WHERE action = 'registry.export_full' AND sensitive = 1").await;
        let export = app
            .get("/api/v1/ledgers/residents-import.xlsx")
            .bearer(&head)
            .send()
            .await;
        assert_eq!(export.status, StatusCode::OK, "{}", export.text());
        assert_eq!(
            app.count("SELECT COUNT(*) FROM audit_log WHERE action = 'registry.export_full' AND sensitive = 1").await,
            before + 1,
            "one audited sensitive read"
        );
        // The import's own layout: its headers first, whole numbers, a real date.
        let mut wb = workbook(&export.body);
        let sheet = wb.worksheet_range_at(0).unwrap().unwrap();
        let header: Vec<String> = sheet
            .rows()
            .next()
            .unwrap()
            .iter()
            .map(|c| c.to_string())
            .collect();
        assert_eq!(header, zizhi::registry::import::COLUMNS);
        let first = sheet.rows().nth(1).unwrap();
        assert_eq!(first[5].to_string().len(), 18);
        assert!(!first[5].to_string().contains('*'));
        assert!(
            matches!(first[9], Data::DateTime(_)),
            "迁入日期 is a date cell: {:?}",
            first[9]
        );
        assert!(
            matches!(first[2], Data::Float(_) | Data::Int(_)),
            "单元 is a number"
        );
        let living = app.count("SELECT COUNT(*) FROM residents WHERE community_id = 1 AND status = 'living' AND locked_at IS NULL").await;
        assert_eq!(sheet.rows().count() as i64 - 1, living);

        // Imported back untouched: nothing changes.
        let same = app
            .post("/api/v1/imports?community_id=1")
            .bearer(&head)
            .raw("text/csv", export.body.clone())
            .send()
            .await;
        assert_eq!(same.status, StatusCode::OK, "{}", same.text());
        let same = same.json();
        assert_eq!(
            (
                same["error_count"].as_i64(),
                same["residents_updated"].as_i64(),
                same["residents_new"].as_i64()
            ),
            (Some(0), Some(0), Some(0)),
            "{same}"
        );
        assert_eq!(same["unchanged"].as_i64(), Some(living));

        // Corrected in a spreadsheet: a new phone, another ethnicity.
        let mut rows = zizhi::registry::import::read_table(&export.body).unwrap();
        let id = rows[1][5].clone();
        let old_phone = rows[1][6].clone();
        rows[1][6] = "13900001111".into();
        rows[1][7] = "蒙古族".into();
        let edited = xlsx(&rows);
        let dry = app
            .post("/api/v1/imports?community_id=1")
            .bearer(&head)
            .raw("text/csv", edited.clone())
            .send()
            .await
            .json();
        assert_eq!(dry["residents_updated"].as_i64(), Some(1), "{dry}");
        let change = &dry["changes"][0];
        assert_eq!(change["row"].as_i64(), Some(2));
        let fields: Vec<(String, String)> = change["fields"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                (
                    f["column"].as_str().unwrap().to_owned(),
                    f["new"].as_str().unwrap().to_owned(),
                )
            })
            .collect();
        assert!(
            fields.contains(&("民族".into(), "蒙古族".into())),
            "{fields:?}"
        );
        assert!(fields.iter().any(|(c, _)| c == "手机号"), "{fields:?}");
        let eth = change["fields"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["column"] == "民族")
            .unwrap();
        assert_ne!(eth["old"], "蒙古族");
        assert_eq!(
            app.count(&format!(
                "SELECT COUNT(*) FROM residents WHERE id_number = '{id}' AND ethnicity = '蒙古族'"
            ))
            .await,
            0,
            "nothing written by the check"
        );
        // The page shows the same list before the confirm button.
        let b = app.login("head").await;
        let page = crate::forms::post_multipart(
            &app,
            &b,
            "/import",
            &[("community_id", "1")],
            "file",
            &edited,
        )
        .await;
        assert_eq!(page.status, StatusCode::OK);
        let cells = page.select("#changes td");
        assert!(cells.iter().any(|c| c == "蒙古族"), "{cells:?}");
        let done = app
            .post("/api/v1/imports?community_id=1&commit=true")
            .bearer(&head)
            .raw("text/csv", edited)
            .send()
            .await;
        assert_eq!(done.status, StatusCode::OK, "{}", done.text());
        assert_eq!(app.count(&format!("SELECT COUNT(*) FROM residents WHERE id_number = '{id}' AND ethnicity = '蒙古族' AND phone = '13900001111'")).await, 1);
        assert_ne!(old_phone, "13900001111");

        // The ledger for reading is masked and titled: its title is skipped, its masked
        // numbers refused by name, nothing written.
        let masked = app
            .get("/api/v1/ledgers/residents.xlsx")
            .bearer(&head)
            .send()
            .await;
        let r = app
            .post("/api/v1/imports?community_id=1")
            .bearer(&head)
            .raw("text/csv", masked.body.clone())
            .send()
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        let r = r.json();
        assert!(r["error_count"].as_i64().unwrap() > 0);
        let e = &r["errors"][0];
        assert_eq!(e["column"], "身份证号");
        assert!(e["message"].as_str().unwrap().contains("遮盖"), "{e}");
        assert_eq!(
            e["row"].as_i64(),
            Some(3),
            "the title row and the headers come first"
        );

        // Dates and rates are real cells in the ledgers for reading too.
        let mut wb = workbook(&masked.body);
        let sheet = wb.worksheet_range_at(0).unwrap().unwrap();
        assert!(
            sheet
                .rows()
                .nth(2)
                .unwrap()
                .iter()
                .any(|c| matches!(c, Data::DateTime(_)))
        );
        let general = app
            .get("/api/v1/ledgers/general.xlsx")
            .bearer(&head)
            .send()
            .await;
        let mut wb = workbook(&general.body);
        let compounds = wb.worksheet_range_at(1).unwrap().unwrap();
        let rate = &compounds.rows().nth(2).unwrap()[4];
        assert!(
            matches!(rate, Data::Float(x) if (0.0..=1.0).contains(x)),
            "入住率 is a number: {rate:?}"
        );

        // Offered to the head on the ledgers and import pages, not to a worker.
        let ledgers = app.get("/ledgers").browser(&b).send().await;
        assert_eq!(ledgers.select("#reimport-export").len(), 1);
        // The general ledger is computed from the records: it says there is nothing to import.
        assert!(ledgers.select("#general-computed")[0].contains("不需要也不能导入"));
        let w = app.login("worker").await;
        assert!(
            app.get("/ledgers")
                .browser(&w)
                .send()
                .await
                .select("#reimport-export")
                .is_empty()
        );
    }
);
