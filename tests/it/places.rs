//! Issue 21, item 1 (M1, M2): places that change. The street creates communities and records a
//! new compound in the custody of an adjacent community; the head records its occupancy and adds
//! its buildings; crossing half occupancy raises the flag on the street's home; the street sets
//! up its committee, and the compound passes to a community of its own with the day. The rules
//! on their own are tried in `places_rules`, the import in `places_import`.

use axum::http::StatusCode;

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
