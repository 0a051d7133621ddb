//! The registry's pages: forms, places, households and organizations.

use axum::http::StatusCode;

use crate::both;
use crate::harness::TestApp;

both!(
    registering_editing_and_moving_through_the_forms,
    |app: TestApp| async move {
        let worker = app.login("worker").await;
        let household = app
            .count("SELECT MIN(id) FROM households WHERE community_id = 1")
            .await
            .to_string();
        let form = app
            .get(&format!("/residents/new?household_id={household}"))
            .browser(&worker)
            .send()
            .await;
        assert_eq!(form.status, StatusCode::OK);
        let bad = app
            .post("/residents/new")
            .browser(&worker)
            .form(&[
                ("_csrf", &worker.csrf),
                ("household_id", &household),
                ("name", "赵敏"),
                ("id_number", "110105194912310021"),
            ])
            .send()
            .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(
            bad.select("#id_number-error"),
            vec!["身份证号校验位不正确"],
            "the error stands next to its field"
        );
        assert_eq!(bad.select("#name").len(), 1);
        let ok = app
            .post("/residents/new")
            .browser(&worker)
            .form(&[
                ("_csrf", &worker.csrf),
                ("household_id", &household),
                ("name", "赵敏"),
                ("id_number", "11010519491231002X"),
                ("phone", "13900001111"),
                ("political_status", "league_member"),
                ("moved_in", "2026-02-01"),
                ("rep_resident", "on"),
            ])
            .send()
            .await;
        assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.text());
        let location = ok.header("location").unwrap();
        let id: i64 = location
            .trim_start_matches("/residents/")
            .split('?')
            .next()
            .unwrap()
            .parse()
            .unwrap();
        let page = app.get(&location).browser(&worker).send().await;
        assert_eq!(page.select(".notice").len(), 1);
        assert_eq!(
            app.count(&format!(
                "SELECT rep_resident FROM residents WHERE id = {id}"
            ))
            .await,
            1
        );
        // Editing does not show the full ID number or phone: left empty, they stay as they are.
        let edit = app
            .get(&format!("/residents/{id}/edit"))
            .browser(&worker)
            .send()
            .await;
        assert_eq!(edit.status, StatusCode::OK);
        let sel = scraper::Selector::parse("#id_number").unwrap();
        let input = edit.html().select(&sel).next().map(|e| {
            (
                e.value().attr("value").map(str::to_owned),
                e.value().attr("placeholder").map(str::to_owned),
            )
        });
        assert_eq!(
            input,
            Some((Some(String::new()), Some("110***********002X".to_owned())))
        );
        let renamed = app
            .post(&format!("/residents/{id}/edit"))
            .browser(&worker)
            .form(&[
                ("_csrf", &worker.csrf),
                ("household_id", &household),
                ("name", "赵敏敏"),
                ("id_number", "11010519491231002X"),
                ("moved_in", "2026-02-01"),
            ])
            .send()
            .await;
        assert_eq!(renamed.status, StatusCode::SEE_OTHER);
        let found = app
            .get("/api/v1/residents?q=%E6%95%8F%E6%95%8F")
            .bearer(&app.token("worker").await)
            .send()
            .await
            .json();
        assert_eq!(
            found["items"][0]["id"], id,
            "the renamed resident is found by the new name"
        );
        assert_eq!(
            found["items"][0]["phone"], "139****1111",
            "the phone was kept"
        );
        let moved = app
            .post(&format!("/residents/{id}/move"))
            .browser(&worker)
            .form(&[
                ("_csrf", &worker.csrf),
                ("kind", "move_out"),
                ("on_date", "2026-11-01"),
                ("note", "随子女迁居"),
            ])
            .send()
            .await;
        assert_eq!(moved.status, StatusCode::SEE_OTHER);
        let page = app
            .get(&format!("/residents/{id}"))
            .browser(&worker)
            .send()
            .await;
        assert_eq!(page.select("#moves li").len(), 2);
        let leader = app.login("leader").await;
        assert_eq!(
            app.get(&format!("/residents/{id}/edit"))
                .browser(&leader)
                .send()
                .await
                .status,
            StatusCode::FORBIDDEN
        );
    }
);

both!(the_places_page_shows_the_rules, |app: TestApp| async move {
    let head = app.login("head").await;
    let page = app.get("/places").browser(&head).send().await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.select(".community").len(), 1);
    assert_eq!(page.select(".party-form"), vec!["党总支"]);
    assert_eq!(
        page.select(".flag").len(),
        1,
        "one compound needs its own committee"
    );
    let street = app.login("street").await;
    assert_eq!(
        app.get("/places")
            .browser(&street)
            .send()
            .await
            .select(".community")
            .len(),
        3
    );
    let leader = app.login("leader").await;
    let mine = app.get("/places").browser(&leader).send().await;
    assert_eq!(mine.select(".community").len(), 0);
    assert_eq!(mine.select("li a").len(), 1, "a leader sees their building");
    let resident = app.login("resident").await;
    assert_eq!(
        app.get("/places").browser(&resident).send().await.status,
        StatusCode::FORBIDDEN
    );
});

both!(
    household_and_organization_pages,
    |app: TestApp| async move {
        let worker = app.login("worker").await;
        let list = app
            .get("/households?tag=in_difficulty")
            .browser(&worker)
            .send()
            .await;
        assert_eq!(list.status, StatusCode::OK);
        let total: i64 = list.select("#total")[0].parse().unwrap();
        assert_eq!(total, app.count("SELECT COUNT(*) FROM households WHERE community_id = 1 AND tags LIKE '%in_difficulty%'").await);
        let first = app
            .count("SELECT MIN(id) FROM households WHERE community_id = 1 AND occupied = 1")
            .await;
        let one = app
            .get(&format!("/households/{first}"))
            .browser(&worker)
            .send()
            .await;
        assert_eq!(one.status, StatusCode::OK);
        assert!(!one.select("#members li").is_empty());
        assert_eq!(
            app.get("/households?tag=vip")
                .browser(&worker)
                .send()
                .await
                .status,
            StatusCode::UNPROCESSABLE_ENTITY
        );
        let leader = app.login("leader").await;
        let other = app
            .count("SELECT MAX(id) FROM households WHERE community_id = 1")
            .await;
        assert_eq!(
            app.get(&format!("/households/{other}"))
                .browser(&leader)
                .send()
                .await
                .status,
            StatusCode::FORBIDDEN
        );

        let orgs = app.get("/organizations").browser(&worker).send().await;
        assert_eq!(orgs.select("#unit-list li").len(), 5);
        assert_eq!(orgs.select("#org-list li").len(), 3);
        assert_eq!(orgs.select("#volunteer-list li").len(), 20);
        assert_eq!(
            orgs.select("#party-list > li > strong"),
            vec!["中共三角线社区党总支"]
        );
        let bad = app
            .post("/organizations/units")
            .browser(&worker)
            .form(&[
                ("_csrf", &worker.csrf),
                ("community_id", "1"),
                ("name", "卫生站"),
                ("kind", "医院"),
                ("contact_phone", "123"),
            ])
            .send()
            .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(
            bad.select("#unit-contact_phone-error"),
            vec!["手机号应为 11 位，以 13–19 开头"]
        );
        let ok = app
            .post("/organizations/orgs")
            .browser(&worker)
            .form(&[
                ("_csrf", &worker.csrf),
                ("community_id", "1"),
                ("name", "书法协会"),
                ("kind", "文体"),
                ("founded_on", "2024-03-01"),
            ])
            .send()
            .await;
        assert_eq!(ok.status, StatusCode::SEE_OTHER);
        assert_eq!(
            app.get("/organizations")
                .browser(&worker)
                .send()
                .await
                .select("#org-list li")
                .len(),
            4
        );
        let forged = app
            .post("/organizations/orgs")
            .browser(&worker)
            .form(&[
                ("_csrf", &worker.csrf),
                ("community_id", "2"),
                ("name", "X"),
                ("kind", "文体"),
                ("founded_on", "2024-03-01"),
            ])
            .send()
            .await;
        assert_eq!(forged.status, StatusCode::FORBIDDEN);
    }
);
