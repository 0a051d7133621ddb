//! Issue 21, item 1 (M1, M2): places that change. The street creates communities and records a
//! new compound in the custody of an adjacent community; the head records its occupancy and adds
//! its buildings; crossing half occupancy raises the flag on the street's home; the street sets
//! up its committee, and the compound passes to a community of its own with the day. Each rule
//! (docs/rules.md P1, P5–P9) is tried against the server.

use axum::http::StatusCode;
use serde_json::json;

use crate::both;
use crate::forms::{follow, post};
use crate::harness::TestApp;

both!(
    a_new_compound_is_held_in_custody_then_set_up_on_the_pages,
    |app: TestApp| async move {
        let mut street = app.login("street").await;
        let communities = app.count("SELECT COUNT(*) FROM communities").await;

        // A code with a space is refused next to its field; the name typed comes back.
        let page = app.get("/places").browser(&street).send().await;
        assert_eq!(page.select("#community-form").len(), 1);
        let refused = post(
            &app,
            &street,
            "/places/communities",
            &[("name", "锦绣社区"), ("code", "15 01")],
        )
        .await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(
            refused.select("#community-code-error").len(),
            1,
            "{}",
            refused.text()
        );
        assert_eq!(
            crate::forms::value_of(&refused, "#community-name").as_deref(),
            Some("锦绣社区")
        );
        assert_eq!(
            app.count("SELECT COUNT(*) FROM communities").await,
            communities
        );

        // A new compound in the custody of community 1, a quarter moved into.
        let saved = post(
            &app,
            &street,
            "/places/compounds",
            &[
                ("community_id", "1"),
                ("name", "锦绣新城"),
                ("in_custody", "1"),
                ("custodian_since", "2026-03-02"),
                ("homes", "200"),
                ("moved_in", "50"),
            ],
        )
        .await;
        let page = follow(&app, &mut street, &saved).await;
        assert_eq!(
            page.select(".flash"),
            vec!["已登记小区院落：锦绣新城".to_owned()]
        );
        assert_eq!(
            page.select("#custody"),
            vec!["代管中，尚无居委会".to_owned()]
        );
        assert!(
            page.select("#custodian")[0].contains("2026年3月2日"),
            "{:?}",
            page.select("#custodian")
        );
        let id = app
            .count("SELECT id FROM compounds WHERE name = '锦绣新城'")
            .await;
        assert_eq!(
            app.count(&format!(
                "SELECT custodian_community_id FROM compounds WHERE id = {id}"
            ))
            .await,
            1
        );
        let home = app.get("/").browser(&street).send().await;
        let flagged_before = home.text().contains("2 个代管小区");

        // Under half occupancy it stays in custody: no committee yet (P1).
        let early = post(
            &app,
            &street,
            &format!("/places/compounds/{id}/committee"),
            &[
                ("name", "锦绣社区"),
                ("code", "150102001099"),
                ("set_up_on", "2026-11-30"),
            ],
        )
        .await;
        assert_eq!(early.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            early.select("#setup-set_up_on-error")[0].contains("入住率未达 50%"),
            "{}",
            early.text()
        );
        assert_eq!(
            crate::forms::value_of(&early, "#setup-name").as_deref(),
            Some("锦绣社区")
        );
        assert_eq!(
            app.count("SELECT COUNT(*) FROM communities").await,
            communities
        );

        // The head records the property office's figures: past half now.
        let mut head = app.login("head").await;
        let saved = post(
            &app,
            &head,
            &format!("/places/compounds/{id}"),
            &[("name", "锦绣新城"), ("homes", "200"), ("moved_in", "120")],
        )
        .await;
        let page = follow(&app, &mut head, &saved).await;
        assert_eq!(
            page.select(".flash"),
            vec!["已保存小区院落：锦绣新城".to_owned()]
        );
        assert_eq!(page.select("#rate"), vec!["60%".to_owned()]);
        assert_eq!(
            page.select("p.flag").len(),
            1,
            "the M2 flag on the compound"
        );
        let home = app.get("/").browser(&street).send().await;
        assert!(!flagged_before, "not flagged at a quarter");
        assert!(
            home.text()
                .contains("2 个代管小区入住率已达 50%，应成立居委会"),
            "the demo's new estate and this one: {}",
            home.text()
        );

        // The head adds a building with its units; the same number again is refused.
        let saved = post(
            &app,
            &head,
            &format!("/places/compounds/{id}/buildings"),
            &[("number", "1"), ("units", "2"), ("floors", "18")],
        )
        .await;
        let page = follow(&app, &mut head, &saved).await;
        assert_eq!(page.select(".flash"), vec!["已新增楼栋：1号楼".to_owned()]);
        let building = app
            .count(&format!(
                "SELECT id FROM buildings WHERE compound_id = {id}"
            ))
            .await;
        assert_eq!(
            app.count(&format!(
                "SELECT COUNT(*) FROM units WHERE building_id = {building}"
            ))
            .await,
            2
        );
        let again = post(
            &app,
            &head,
            &format!("/places/compounds/{id}/buildings"),
            &[("number", "1号楼"), ("units", "3"), ("floors", "18")],
        )
        .await;
        assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(
            again.select("#building-number-error").len(),
            1,
            "{}",
            again.text()
        );

        // A household moves into unit 2: the units can no longer be cut to one (P9).
        let unit = app
            .count(&format!(
                "SELECT id FROM units WHERE building_id = {building} AND number = 2"
            ))
            .await;
        app.exec(&format!(
            "INSERT INTO households (community_id, building_id, unit_id, door_number, address, occupied, created_at) \
             VALUES (1, {building}, {unit}, '1801', '锦绣新城1号楼2单元1801', 1, '2026-12-01T00:00:00Z')"
        ))
        .await;
        let cut = post(
            &app,
            &head,
            &format!("/places/buildings/{building}"),
            &[("number", "1号楼"), ("units", "1"), ("floors", "18")],
        )
        .await;
        assert_eq!(cut.status, StatusCode::UNPROCESSABLE_ENTITY);
        let form = format!("#building-{building}-units-error");
        assert!(cut.select(&form)[0].contains("第 2 单元"), "{}", cut.text());
        let grown = post(
            &app,
            &head,
            &format!("/places/buildings/{building}"),
            &[("number", "1号楼"), ("units", "3"), ("floors", "18")],
        )
        .await;
        let page = follow(&app, &mut head, &grown).await;
        assert_eq!(page.select(".flash"), vec!["已保存楼栋：1号楼".to_owned()]);
        assert_eq!(
            app.count(&format!(
                "SELECT COUNT(*) FROM units WHERE building_id = {building}"
            ))
            .await,
            3
        );

        // The head does not set up committees: the street does.
        let by_head = post(
            &app,
            &head,
            &format!("/places/compounds/{id}/committee"),
            &[
                ("name", "锦绣社区"),
                ("code", "150102001099"),
                ("set_up_on", "2026-12-01"),
            ],
        )
        .await;
        assert_eq!(by_head.status, StatusCode::FORBIDDEN);

        let set_up = post(
            &app,
            &street,
            &format!("/places/compounds/{id}/committee"),
            &[
                ("name", "锦绣社区"),
                ("code", "150102001099"),
                ("set_up_on", "2026-12-01"),
            ],
        )
        .await;
        let page = follow(&app, &mut street, &set_up).await;
        assert_eq!(
            page.select(".flash"),
            vec!["已成立居委会：锦绣社区，转入 1 户、0 名居民".to_owned()]
        );
        assert_eq!(page.select("#custody"), vec!["已成立居委会".to_owned()]);
        assert_eq!(page.select("#set-up-on"), vec!["2026年12月1日".to_owned()]);
        assert!(page.select("#custodian")[0].contains("三角线社区"));
        let new = app
            .count("SELECT id FROM communities WHERE name = '锦绣社区'")
            .await;
        assert_ne!(new, 1);
        for sql in [
            format!("SELECT community_id FROM compounds WHERE id = {id}"),
            format!("SELECT community_id FROM buildings WHERE id = {building}"),
            format!("SELECT community_id FROM households WHERE building_id = {building}"),
        ] {
            assert_eq!(app.count(&sql).await, new, "{sql}");
        }
        assert_eq!(
            app.count(&format!(
                "SELECT COUNT(*) FROM audit_log WHERE action = 'places.committee_set_up' AND object_id = '{id}'"
            ))
            .await,
            1
        );
        // Its old custodian's head no longer manages it.
        let gone = app
            .get(&format!("/places/compounds/{id}"))
            .browser(&head)
            .send()
            .await;
        assert_eq!(gone.status, StatusCode::FORBIDDEN);
        let home = app.get("/").browser(&street).send().await;
        assert!(
            home.text().contains("1 个代管小区入住率已达 50%"),
            "only the demo's estate is left: {}",
            home.text()
        );
    }
);

both!(
    the_rules_of_places_bind_the_head_and_the_street,
    |app: TestApp| async move {
        let head = app.token("head").await;
        let street = app.token("street").await;
        let worker = app.token("worker").await;

        // Communities are the street's; compounds elsewhere are not the head's; workers do
        // not change places.
        let res = app
            .post("/api/v1/communities")
            .bearer(&head)
            .json(&json!({"code": "150102001088", "name": "新社区"}))
            .send()
            .await;
        assert_eq!(res.status, StatusCode::FORBIDDEN);
        for (token, community, want) in [
            (&head, 2, StatusCode::FORBIDDEN),
            (&worker, 1, StatusCode::FORBIDDEN),
        ] {
            let res = app
                .post("/api/v1/compounds")
                .bearer(token)
                .json(&json!({"community_id": community, "name": "新小区"}))
                .send()
                .await;
            assert_eq!(res.status, want, "{}", res.text());
        }

        // P5: the custodian is a community of the officer's own street.
        let other = app
            .insert("INSERT INTO streets (code, name, district, created_at) VALUES ('150102002', '东风街道', '', '2026-01-01T00:00:00Z') RETURNING id")
            .await;
        let elsewhere = app
            .insert(&format!("INSERT INTO communities (street_id, code, name, created_at) VALUES ({other}, '150102002001', '东风社区', '2026-01-01T00:00:00Z') RETURNING id"))
            .await;
        let res = app
            .post("/api/v1/compounds")
            .bearer(&street)
            .json(&json!({"community_id": elsewhere, "name": "新小区", "in_custody": true}))
            .send()
            .await;
        assert_eq!(res.status, StatusCode::FORBIDDEN, "{}", res.text());
        assert_eq!(
            app.count(&format!(
                "SELECT COUNT(*) FROM compounds WHERE community_id = {elsewhere}"
            ))
            .await,
            0
        );

        // P8: a community's code is its own, and so is a compound's name in its community.
        let taken: String = {
            use sqlx::Row;
            sqlx::query("SELECT code FROM communities WHERE id = 2")
                .fetch_one(app.db.read())
                .await
                .unwrap()
                .try_get("code")
                .unwrap()
        };
        let res = app
            .post("/api/v1/communities")
            .bearer(&street)
            .json(&json!({"code": taken, "name": "新社区"}))
            .send()
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(res.json()["field"], "code", "{}", res.text());
        let existing: String = {
            use sqlx::Row;
            sqlx::query("SELECT name FROM compounds WHERE community_id = 1 ORDER BY id LIMIT 1")
                .fetch_one(app.db.read())
                .await
                .unwrap()
                .try_get("name")
                .unwrap()
        };
        let res = app
            .post("/api/v1/compounds")
            .bearer(&head)
            .json(&json!({"community_id": 1, "name": existing}))
            .send()
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);

        // Occupancy as reported: never more moved in than homes.
        let res = app
            .post("/api/v1/compounds")
            .bearer(&street)
            .json(&json!({"community_id": 1, "name": "东岸新城", "in_custody": true, "homes": 100, "moved_in": 101}))
            .send()
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(res.json()["field"], "moved_in");
        let res = app
            .post("/api/v1/compounds")
            .bearer(&street)
            .json(&json!({"community_id": 1, "name": "东岸新城", "in_custody": true, "homes": 100, "moved_in": 50}))
            .send()
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.text());
        let id = res.json()["id"].as_i64().unwrap();
        let compound = app
            .get(&format!("/api/v1/compounds/{id}"))
            .bearer(&street)
            .send()
            .await
            .json();
        assert_eq!(compound["custody"], "in_custody");
        assert_eq!(compound["custodian_community_id"], 1);
        assert_eq!(compound["occupancy_source"], "recorded");
        assert_eq!(compound["needs_committee"], true, "50 of 100 is half");

        // P7: the committee is set up once, under concurrent requests too.
        let body = json!({"set_up_on": "2026-12-01", "code": "150102001077", "name": "东岸社区"});
        app.one_of_four_wins(
            &street,
            &format!("/api/v1/compounds/{id}/committee"),
            body,
            StatusCode::CREATED,
        )
        .await;
        assert_eq!(
            app.count("SELECT COUNT(*) FROM communities WHERE name = '东岸社区'")
                .await,
            1
        );
        // A compound of a community's own has no custody to end.
        let own = app
            .count("SELECT MIN(id) FROM compounds WHERE community_id = 2")
            .await;
        let res = app
            .post(&format!("/api/v1/compounds/{own}/committee"))
            .bearer(&street)
            .json(&json!({"set_up_on": "2026-12-01", "code": "150102001066", "name": "又一社区"}))
            .send()
            .await;
        assert_eq!(res.status, StatusCode::CONFLICT, "{}", res.text());
        // A compound keeps a name.
        let res = app
            .put(&format!("/api/v1/compounds/{own}"))
            .bearer(&street)
            .json(&json!({"name": "", "homes": 10}))
            .send()
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(res.json()["field"], "name");
    }
);

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
