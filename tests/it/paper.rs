//! Issue 20, item 8, "paper is still real": each of the four ledgers has a print view (title,
//! the communities it covers, the day printed, page numbers from the stylesheet) linked from
//! the ledgers page, in the reader's scope, masked and audited; a notice prints with its
//! issuing committee, a 落款 and Chinese dates.

use axum::http::StatusCode;

use crate::both;
use crate::harness::TestApp;

both!(
    each_ledger_prints_in_scope_masked_and_audited,
    |app: TestApp| async move {
        let b = app.login("head").await;
        let list = app.get("/ledgers").browser(&b).send().await;
        assert_eq!(list.status, StatusCode::OK);
        let home = app.get("/").browser(&b).send().await;
        assert!(
            home.text().contains("href=\"/ledgers\""),
            "home links the ledgers"
        );
        for kind in ["residents", "social-units", "social-orgs", "general"] {
            // Every link on the card answers: the print view and both downloads.
            let links: Vec<String> = {
                let sel = scraper::Selector::parse(&format!("#ledger-{kind} a")).unwrap();
                list.html()
                    .select(&sel)
                    .map(|a| a.value().attr("href").unwrap().to_owned())
                    .collect()
            };
            // The head's cards also offer the ledger for re-import and the import (the general
            // ledger is computed and has none).
            let offered = match kind {
                "general" => 3,
                "social-orgs" => 6, // the members' roster too
                _ => 5,
            };
            assert_eq!(links.len(), offered, "{kind}: print, xlsx, csv");
            for href in &links {
                let r = app.get(href).browser(&b).send().await;
                assert_eq!(r.status, StatusCode::OK, "{href}");
            }
        }
        let p = app.get("/ledgers/residents/print").browser(&b).send().await;
        assert_eq!(p.select("h1")[0], "居民台账");
        let meta = &p.select("#ledger-meta")[0];
        assert!(meta.contains("三角线社区"), "{meta}");
        assert!(
            meta.contains('年') && meta.contains('日'),
            "a Chinese date: {meta}"
        );
        let rows = p.select(".ledger-table tbody tr").len() as i64;
        assert_eq!(
            rows,
            app.count("SELECT COUNT(*) FROM residents WHERE community_id = 1 AND status = 'living' AND locked_at IS NULL").await
        );
        assert!(
            p.select(".ledger-section h2").len() >= 2,
            "one section per compound"
        );
        // No full ID number or phone on paper.
        let id: String = sqlx::query_scalar(
            "SELECT id_number FROM residents WHERE community_id = 1 AND status = 'living' LIMIT 1",
        )
        .fetch_one(app.db.read())
        .await
        .unwrap();
        assert!(!p.text().contains(&id), "ID numbers are masked");
        assert_eq!(
            app.count("SELECT COUNT(*) FROM audit_log WHERE action = 'registry.print' AND object_id = 'residents'").await,
            2,
            "each print is audited (the link followed above, and this one)"
        );
        assert_eq!(
            app.get("/ledgers/nothing/print")
                .browser(&b)
                .send()
                .await
                .status,
            StatusCode::NOT_FOUND
        );

        // A building leader prints only their building.
        let leader = app.login("leader").await;
        let p = app
            .get("/ledgers/residents/print")
            .browser(&leader)
            .send()
            .await;
        assert_eq!(p.status, StatusCode::OK);
        let building = app
            .count("SELECT g.building_id FROM grants g JOIN users u ON u.id = g.user_id WHERE u.username = 'leader' AND g.building_id IS NOT NULL")
            .await;
        assert_eq!(
            p.select(".ledger-table tbody tr").len() as i64,
            app.count(&format!("SELECT COUNT(*) FROM residents WHERE building_id = {building} AND status = 'living' AND locked_at IS NULL")).await
        );
        // A resident has no ledger.
        let resident = app.login("resident").await;
        for path in ["/ledgers", "/ledgers/residents/print"] {
            assert_eq!(
                app.get(path).browser(&resident).send().await.status,
                StatusCode::FORBIDDEN,
                "{path}"
            );
        }
    }
);

both!(
    a_notice_prints_with_its_committee_and_chinese_dates,
    |app: TestApp| async move {
        let (id, publish): (i64, String) = {
            use sqlx::Row;
            let r = sqlx::query("SELECT id, publish_date FROM disclosures WHERE community_id = 1 AND status = 'published' AND category = 'finance' ORDER BY id LIMIT 1")
                .fetch_one(app.db.read())
                .await
                .unwrap();
            (r.try_get(0).unwrap(), r.try_get(1).unwrap())
        };
        let p = app.get(&format!("/disclosures/{id}/print")).send().await;
        assert_eq!(p.status, StatusCode::OK);
        let signed = &p.select("#signed-off")[0];
        assert!(signed.contains("三角线社区居民委员会"), "{signed}");
        let (y, rest) = publish.split_once('-').unwrap();
        let (m, d) = rest.split_once('-').unwrap();
        let chinese = format!(
            "{y}年{}月{}日",
            m.trim_start_matches('0'),
            d.trim_start_matches('0')
        );
        assert!(signed.contains(&chinese), "{signed} names {chinese}");
        let publicity = &p.select("#print-publicity")[0];
        assert!(publicity.contains(&chinese), "{publicity}");
        assert!(!publicity.contains(&publish), "no ISO date: {publicity}");
    }
);

both!(
    the_candidates_publicity_prints_names_only_with_its_committee,
    |app: TestApp| async move {
        let id = app
            .count("SELECT id FROM elections WHERE status = 'publicity' ORDER BY id LIMIT 1")
            .await;
        let page = app.get(&format!("/elections/{id}")).send().await;
        let publicity = &page.select("#publicity")[0];
        assert!(
            publicity.contains('年'),
            "Chinese dates on the page: {publicity}"
        );
        assert_eq!(
            page.select("#print-link").len(),
            1,
            "the page links its print"
        );
        let p = app.get(&format!("/elections/{id}/print")).send().await;
        assert_eq!(p.status, StatusCode::OK);
        let names: Vec<String> = sqlx::query_scalar(&format!(
            "SELECT name FROM election_nominations WHERE election_id = {id} AND disqualified = 0 ORDER BY id"
        ))
        .fetch_all(app.db.read())
        .await
        .unwrap();
        assert!(!names.is_empty());
        let rows = p.select("#print-candidates tbody tr");
        assert_eq!(rows.len(), names.len());
        for (row, name) in rows.iter().zip(&names) {
            assert!(row.contains(name.as_str()), "{row} names {name}");
        }
        // Names, never ID numbers or phones.
        let (idn, phone): (String, String) = {
            use sqlx::Row;
            let r = sqlx::query(&format!("SELECT r.id_number, r.phone FROM residents r JOIN election_nominations n ON n.resident_id = r.id WHERE n.election_id = {id} LIMIT 1"))
                .fetch_one(app.db.read())
                .await
                .unwrap();
            (r.try_get(0).unwrap(), r.try_get(1).unwrap())
        };
        assert!(!p.text().contains(&idn));
        assert!(phone.is_empty() || !p.text().contains(&phone));
        let signed = &p.select("#signed-off")[0];
        assert!(
            signed.contains("居民委员会") && signed.contains('年'),
            "{signed}"
        );
        assert!(p.select("#print-publicity")[0].contains('年'));
        assert!(
            p.text().contains("<svg"),
            "a QR code to the election's page"
        );
    }
);
