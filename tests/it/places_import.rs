//! Issue 21, item 1 (M1, M2): an import creates a new compound's buildings when the head asks it
//! to, with units and floors from its rows; a worker may not ask.

use axum::http::StatusCode;
use serde_json::json;

use crate::both;
use crate::harness::TestApp;

/// The import page's multipart upload, as a browser sends it.
async fn upload(
    app: &TestApp,
    b: &crate::harness::Browser,
    csv: &str,
    create_buildings: bool,
) -> crate::harness::Res {
    let boundary = "zizhi-places";
    let part = |name: &str, value: &str| {
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
        )
    };
    let mut body = part("_csrf", &b.csrf) + &part("community_id", "1");
    if create_buildings {
        body += &part("create_buildings", "1");
    }
    body += &format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"new.csv\"\r\nContent-Type: text/csv\r\n\r\n{csv}\r\n--{boundary}--\r\n"
    );
    app.post("/import")
        .browser(b)
        .raw(&format!("multipart/form-data; boundary={boundary}"), body)
        .send()
        .await
}

both!(
    an_import_creates_a_new_compounds_buildings_when_told_to,
    |app: TestApp| async move {
        let token = app.token("head").await;
        let res = app
            .post("/api/v1/compounds")
            .bearer(&token)
            .json(&json!({"community_id": 1, "name": "翠湖新苑", "in_custody": true}))
            .send()
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.text());
        let compound = res.json()["id"].as_i64().unwrap();
        let person = |n: u16| {
            zizhi::registry::id_number::IdNumber::compose(
                "110106",
                jiff::civil::date(1980, 1 + (n % 12) as i8, 1 + n as i8),
                n,
            )
        };
        let mut csv = String::from(crate::import::HEADER);
        for (n, (building, unit, door)) in
            [("1号楼", 1, "302"), ("1号楼", 2, "1801"), ("2", 1, "101")]
                .into_iter()
                .enumerate()
        {
            csv.push_str(&format!(
                "翠湖新苑,{building},{unit},{door},住户{n},{},,,,,\n",
                person(n as u16 + 1).as_str()
            ));
        }

        // Not told to: the unknown buildings are errors, named by row.
        let mut head = app.login("head").await;
        let plain = upload(&app, &head, &csv, false).await;
        assert_eq!(plain.select("#error-count"), vec!["3"], "{}", plain.text());
        assert!(
            plain
                .select("#errors td")
                .iter()
                .any(|t| t.contains("1号楼"))
        );

        // A worker may import residents but not create buildings.
        let worker = app.login("worker").await;
        let page = app.get("/import").browser(&worker).send().await;
        assert!(page.select("input[name=create_buildings]").is_empty());
        let refused = upload(&app, &worker, &csv, true).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN);

        // The head, told to: the preview names the buildings; the confirmation makes them.
        let page = app.get("/import").browser(&head).send().await;
        assert_eq!(page.select("input[name=create_buildings]").len(), 1);
        let told = upload(&app, &head, &csv, true).await;
        assert_eq!(
            told.select("#error-count"),
            vec!["0"],
            "{:?}",
            told.select("#errors td")
        );
        assert_eq!(
            told.select("#buildings-new"),
            vec!["将新建楼栋：1号楼、2号楼".to_owned()]
        );
        assert_eq!(
            app.count(&format!(
                "SELECT COUNT(*) FROM buildings WHERE compound_id = {compound}"
            ))
            .await,
            0,
            "the preview writes nothing"
        );
        let sel = scraper::Selector::parse("#report form").unwrap();
        let action = told
            .html()
            .select(&sel)
            .next()
            .unwrap()
            .value()
            .attr("action")
            .unwrap()
            .to_owned();
        let done = crate::forms::post(&app, &head, &action, &[]).await;
        head.absorb(&done);
        assert_eq!(done.status, StatusCode::OK, "{}", done.text());
        assert_eq!(done.select("#residents-new"), vec!["3"]);
        for (number, units, floors) in [("1号楼", 2, 18), ("2号楼", 1, 1)] {
            assert_eq!(
                app.count(&format!(
                    "SELECT units * 1000 + floors FROM buildings WHERE compound_id = {compound} AND number = '{number}'"
                ))
                .await,
                units * 1000 + floors,
                "{number}"
            );
        }
        assert_eq!(
            app.count(&format!(
                "SELECT COUNT(*) FROM residents r JOIN buildings b ON b.id = r.building_id WHERE b.compound_id = {compound}"
            ))
            .await,
            3
        );
        let audit = app
            .count("SELECT COUNT(*) FROM audit_log WHERE action = 'registry.import' AND detail LIKE '%2 new buildings%'")
            .await;
        assert_eq!(audit, 1);

        // Again, the same file: nothing new, no building twice.
        let again = upload(&app, &head, &csv, true).await;
        assert!(again.select("#buildings-new").is_empty());
        assert_eq!(again.select("#error-count"), vec!["0"]);
    }
);
