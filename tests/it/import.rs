//! Importing households and residents: dry run, errors by row and column, all or nothing,
//! idempotent, xlsx and CSV, API and web.

use axum::http::StatusCode;

use crate::both;
use crate::harness::TestApp;

fn valid_id(seq: u16) -> String {
    zizhi::registry::id_number::IdNumber::compose("110105", jiff::civil::date(1975, 3, 9), seq)
        .as_str()
        .to_owned()
}

pub const HEADER: &str =
    "小区,楼栋,单元,门牌号,姓名,身份证号,手机号,民族,政治面貌,迁入日期,户标记\n";

both!(
    import_dry_run_then_all_or_nothing_then_idempotent,
    |app: TestApp| async move {
        let worker = app.token("worker").await;
        let before = app.count("SELECT COUNT(*) FROM residents").await;
        let households = app.count("SELECT COUNT(*) FROM households").await;
        let good = format!(
            "{HEADER}阳光新城,22号楼,1,901,张秀兰,{},13912345678,汉族,中共党员,2026-01-02,出租户\n阳光新城,22,1,901,李建国,{},,回族,群众,,\n阳光新城,22号楼,2,902,王芳,{},,,,2025/06/30,\n",
            valid_id(1),
            valid_id(3),
            valid_id(2)
        );
        let dry = app
            .post("/api/v1/imports?community_id=1")
            .bearer(&worker)
            .raw("text/csv", good.clone())
            .send()
            .await;
        assert_eq!(dry.status, StatusCode::OK, "{}", dry.text());
        let dry = dry.json();
        assert_eq!(
            (
                dry["rows"].as_i64(),
                dry["households_new"].as_i64(),
                dry["residents_new"].as_i64()
            ),
            (Some(3), Some(2), Some(3))
        );
        assert_eq!(dry["committed"], false);
        assert_eq!(
            app.count("SELECT COUNT(*) FROM residents").await,
            before,
            "a dry run writes nothing"
        );

        let bad = format!(
            "{HEADER}阳光新城,22号楼,1,901,张秀兰,{},13912345678,汉族,中共党员,2026-01-02,出租户\n不存在,1,1,1,王五,110105194912310021,123,,火星人,2099-01-01,\n阳光新城,99号楼,1,1,赵六,{},,,,,\n阳光新城,22号楼,1,902,孙七,{},,,,,\n",
            valid_id(1),
            valid_id(5),
            valid_id(1)
        );
        let res = app
            .post("/api/v1/imports?community_id=1")
            .bearer(&worker)
            .raw("text/csv", bad.clone())
            .send()
            .await
            .json();
        let errors: Vec<(i64, String)> = res["errors"]
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
        assert_eq!(
            errors,
            vec![
                (3, "小区".into()),
                (4, "楼栋".into()),
                (5, "身份证号".into())
            ],
            "{res}"
        );
        assert!(
            res["errors"][2]["message"]
                .as_str()
                .unwrap()
                .contains("第 2 行"),
            "names the earlier row"
        );
        let commit = app
            .post("/api/v1/imports?community_id=1&commit=true")
            .bearer(&worker)
            .raw("text/csv", bad)
            .send()
            .await;
        assert_eq!(commit.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(
            app.count("SELECT COUNT(*) FROM residents").await,
            before,
            "errors: nothing written"
        );

        let ok = app
            .post("/api/v1/imports?community_id=1&commit=true")
            .bearer(&worker)
            .raw("text/csv", good.clone())
            .send()
            .await
            .json();
        assert_eq!(ok["committed"], true);
        assert_eq!(
            app.count("SELECT COUNT(*) FROM residents").await,
            before + 3
        );
        assert_eq!(
            app.count("SELECT COUNT(*) FROM households").await,
            households + 2
        );
        assert_eq!(app.count("SELECT COUNT(*) FROM residents WHERE political_status = 'party_member' AND name = '张秀兰'").await, 1);
        let again = app
            .post("/api/v1/imports?community_id=1&commit=true")
            .bearer(&worker)
            .raw("text/csv", good)
            .send()
            .await
            .json();
        assert_eq!(
            (again["residents_new"].as_i64(), again["unchanged"].as_i64()),
            (Some(0), Some(3)),
            "{again}"
        );
        assert_eq!(
            app.count("SELECT COUNT(*) FROM residents").await,
            before + 3,
            "no duplicates"
        );
        assert_eq!(
            app.count("SELECT COUNT(*) FROM audit_log WHERE action = 'registry.import'")
                .await,
            2
        );
    }
);

both!(
    import_refuses_bad_files_with_clear_messages,
    |app: TestApp| async move {
        let worker = app.token("worker").await;
        let missing = app
            .post("/api/v1/imports?community_id=1")
            .bearer(&worker)
            .raw("text/csv", "姓名,身份证号\n张三,1\n")
            .send()
            .await;
        assert_eq!(missing.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            missing.json()["detail"]
                .as_str()
                .unwrap()
                .contains("小区、楼栋、单元、门牌号"),
            "{}",
            missing.text()
        );
        let garbage = app
            .post("/api/v1/imports?community_id=1")
            .bearer(&worker)
            .raw("text/csv", vec![0xff, 0xfe, 0x00, 0x41])
            .send()
            .await;
        assert_eq!(garbage.status, StatusCode::UNPROCESSABLE_ENTITY);
        let fake_xlsx = app
            .post("/api/v1/imports?community_id=1")
            .bearer(&worker)
            .raw("application/octet-stream", b"PK\x03\x04 not a zip".to_vec())
            .send()
            .await;
        assert_eq!(fake_xlsx.status, StatusCode::UNPROCESSABLE_ENTITY);
        let empty = app
            .post("/api/v1/imports?community_id=1")
            .bearer(&worker)
            .raw("text/csv", "")
            .send()
            .await;
        assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
        // 5,000 bad rows: all counted, the first 200 listed, nothing written.
        let mut many = String::from(HEADER);
        for i in 0..5000 {
            many.push_str(&format!(
                "阳光新城,22号楼,1,{i},某人,11010519491231002{},,,,,\n",
                i % 10
            ));
        }
        let before = app.count("SELECT COUNT(*) FROM residents").await;
        let res = app
            .post("/api/v1/imports?community_id=1&commit=true")
            .bearer(&worker)
            .raw("text/csv", many.clone())
            .send()
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
        let dry = app
            .post("/api/v1/imports?community_id=1")
            .bearer(&worker)
            .raw("text/csv", many)
            .send()
            .await
            .json();
        assert!(
            dry["error_count"].as_i64().unwrap() >= 4500,
            "{}",
            dry["error_count"]
        );
        assert_eq!(dry["errors"].as_array().unwrap().len(), 200);
        assert_eq!(app.count("SELECT COUNT(*) FROM residents").await, before);
        // Another community is not the worker's to import into; a leader imports nothing.
        assert_eq!(
            app.post("/api/v1/imports?community_id=2")
                .bearer(&worker)
                .raw("text/csv", HEADER)
                .send()
                .await
                .status,
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            app.post("/api/v1/imports?community_id=1")
                .bearer(&app.token("leader").await)
                .raw("text/csv", HEADER)
                .send()
                .await
                .status,
            StatusCode::FORBIDDEN
        );
    }
);

both!(
    import_from_xlsx_and_the_web_pages,
    |app: TestApp| async move {
        // Round trip: a workbook written like a worker's, read back by the importer.
        let mut wb = rust_xlsxwriter::Workbook::new();
        let ws = wb.add_worksheet();
        for (c, h) in HEADER.trim().split(',').enumerate() {
            ws.write_string(0, c as u16, h).unwrap();
        }
        let row = [
            "锦绣苑",
            "13号楼",
            "1",
            "1001",
            "周敏",
            &valid_id(11),
            "13800001111",
            "汉族",
            "群众",
            "2024-05-01",
            "困难户",
        ];
        for (c, v) in row.iter().enumerate() {
            ws.write_string(1, c as u16, *v).unwrap();
        }
        let bytes = wb.save_to_buffer().unwrap();
        let worker = app.token("worker").await;
        let res = app
            .post("/api/v1/imports?community_id=1&commit=true")
            .bearer(&worker)
            .raw(
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                bytes.clone(),
            )
            .send()
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.text());
        assert_eq!(res.json()["residents_new"], 1);
        assert_eq!(app.count("SELECT COUNT(*) FROM households WHERE tags = 'in_difficulty' AND door_number = '1001'").await, 1);

        // The web: upload (multipart, with the CSRF token), preview, confirm.
        let b = app.login("head").await;
        let csv = format!("{HEADER}锦绣苑,13号楼,1,1002,吴刚,{},,,,,\n", valid_id(13));
        let boundary = "zizhi-test-boundary";
        let body = format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"_csrf\"\r\n\r\n{}\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"community_id\"\r\n\r\n1\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.csv\"\r\nContent-Type: text/csv\r\n\r\n{csv}\r\n--{boundary}--\r\n",
            b.csrf
        );
        let preview = app
            .post("/import")
            .browser(&b)
            .raw(
                &format!("multipart/form-data; boundary={boundary}"),
                body.clone(),
            )
            .send()
            .await;
        assert_eq!(preview.status, StatusCode::OK, "{}", preview.text());
        assert_eq!(preview.select("#residents-new"), vec!["1"]);
        let action = {
            let sel = scraper::Selector::parse("#report form").unwrap();
            preview
                .html()
                .select(&sel)
                .next()
                .unwrap()
                .value()
                .attr("action")
                .unwrap()
                .to_owned()
        };
        let done = app
            .post(&action)
            .browser(&b)
            .form(&[("_csrf", &b.csrf)])
            .send()
            .await;
        assert_eq!(done.status, StatusCode::OK);
        assert_eq!(done.select("#report .notice").len(), 1);
        assert_eq!(
            app.count("SELECT COUNT(*) FROM residents WHERE name = '吴刚'")
                .await,
            1
        );
        let replay = app
            .post(&action)
            .browser(&b)
            .form(&[("_csrf", &b.csrf)])
            .send()
            .await;
        assert_eq!(
            replay.status,
            StatusCode::NOT_FOUND,
            "a confirmed upload is gone"
        );
        let forged = body.replace(&b.csrf, "forged");
        assert_eq!(
            app.post("/import")
                .browser(&b)
                .raw(&format!("multipart/form-data; boundary={boundary}"), forged)
                .send()
                .await
                .status,
            StatusCode::FORBIDDEN
        );
    }
);
