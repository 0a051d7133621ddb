//! Privacy holes found by the outside probe (issue 18), closed: free text masked in every
//! output whatever its form, anonymous outputs without the reply or the address as typed, a
//! public note chosen from a list, replies with numbers refused, `house_rented` sensitive, and
//! no oracle in the duplicate-ID refusal.

use axum::http::StatusCode;
use serde_json::json;
use sqlx::Row;

use crate::both;
use crate::harness::TestApp;

/// A description and an address with the numbers people type, written every way a probe did.
const DODGED: &str = "楼道灯坏了，请打我电话 138 1234 5678 或 +86-139-8765-4321，\
    也可以找 １５０１２３４５６７８；我的身份证 110105\n19491231\n002X";
const PLAIN: [&str; 4] = [
    "13812345678",
    "13987654321",
    "15012345678",
    "11010519491231002X",
];

fn digits_only(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '０'..='９' => char::from(b'0' + (c as u32 - '０' as u32) as u8),
            _ => c,
        })
        .filter(|c| c.is_ascii_digit() || *c == 'X')
        .collect()
}

/// Nothing of the numbers is left in `text`, even with every separator taken out.
fn assert_no_numbers(what: &str, text: &str) {
    let d = digits_only(text);
    for n in PLAIN {
        assert!(!d.contains(n), "{n} shows in {what}: {text}");
    }
}

both!(
    free_text_is_masked_in_every_output,
    |app: TestApp| async move {
        let res = app
            .post("/api/v1/cases")
            .ip("10.18.0.1")
            .json(
                &json!({"category": "public_facility", "description": DODGED, "community_id": 1,
            "address": "三角线小区3号楼2单元501 电话13812345678"}),
            )
            .send()
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.text());
        let id = res.json()["id"].as_i64().unwrap();
        let code = res.json()["tracking_code"].as_str().unwrap().to_owned();
        // Stored as typed (the record is the record) ...
        let stored: String = sqlx::query("SELECT description FROM cases WHERE id = $1")
            .bind(id)
            .fetch_one(app.db.read())
            .await
            .unwrap()
            .try_get("description")
            .unwrap();
        assert!(digits_only(&stored).contains("13812345678"));
        // ... and masked in every answer, to every role.
        let worker = app.token("worker").await;
        let head = app.login("head").await;
        for (what, text) in [
            (
                "the API",
                app.get(&format!("/api/v1/cases/{id}"))
                    .bearer(&worker)
                    .send()
                    .await
                    .text(),
            ),
            (
                "the case page",
                app.get(&format!("/cases/{id}"))
                    .browser(&head)
                    .send()
                    .await
                    .text(),
            ),
            (
                "the list",
                app.get("/api/v1/cases?per_page=100")
                    .bearer(&worker)
                    .send()
                    .await
                    .text(),
            ),
            (
                "Open311 with the key",
                app.get(&format!(
                    "/open311/v2/requests.json?api_key=demo-open311-key&service_request_id={id}"
                ))
                .send()
                .await
                .text(),
            ),
            (
                "Open311 XML with the key",
                app.get(&format!(
                    "/open311/v2/requests.xml?api_key=demo-open311-key&service_request_id={id}"
                ))
                .send()
                .await
                .text(),
            ),
        ] {
            assert_no_numbers(what, &text);
            assert!(
                text.contains("138****5678"),
                "{what} shows the masked form: {text}"
            );
        }
        // Anonymous outputs: no description, no address beyond the building, no reply.
        let t = app
            .get(&format!("/api/v1/track/{code}"))
            .send()
            .await
            .json();
        assert!(
            t.get("reply").is_none() && t.get("address").is_none(),
            "{t}"
        );
        let o = app
            .get(&format!("/open311/v2/requests/{id}.json"))
            .send()
            .await
            .json();
        assert!(o[0]["description"].is_null(), "{o}");
        assert_eq!(
            o[0]["address"], "",
            "no building was given, so no address: {o}"
        );
    }
);

both!(
    anonymous_outputs_show_the_public_note_not_the_reply,
    |app: TestApp| async move {
        let building: i64 = app
            .count("SELECT MIN(b.id) FROM buildings b WHERE b.community_id = 1")
            .await;
        let label: String = sqlx::query(
        "SELECT p.name || ' ' || b.number AS l FROM buildings b JOIN compounds p ON p.id = b.compound_id WHERE b.id = $1",
    )
    .bind(building)
    .fetch_one(app.db.read())
    .await
    .unwrap()
    .try_get("l")
    .unwrap();
        let res = app
            .post("/api/v1/cases")
            .ip("10.18.0.2")
            .json(
                &json!({"category": "repairs", "description": "水管漏水", "building_id": building,
            "address": "2单元501室"}),
            )
            .send()
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.text());
        let id = res.json()["id"].as_i64().unwrap();
        let code = res.json()["tracking_code"].as_str().unwrap().to_owned();
        let worker = app.token("worker").await;
        let act = |body: serde_json::Value| {
            let app = &app;
            let worker = worker.clone();
            async move {
                app.post(&format!("/api/v1/cases/{id}/transitions"))
                    .bearer(&worker)
                    .json(&body)
                    .send()
                    .await
            }
        };
        assert_eq!(
            act(json!({"action": "accept", "public_note": "on_site"}))
                .await
                .status,
            StatusCode::OK
        );
        // A reply carrying a phone, however written, is refused with the place named.
        let r = act(json!({"action": "reply", "message": "已修好，有问题打 139 8765 4321"})).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
        assert_eq!(r.json()["field"], "message");
        assert!(
            r.json()["detail"].as_str().unwrap().contains("第 10 个字"),
            "{}",
            r.text()
        );
        let r = act(json!({"action": "reply", "message": "物业已上门更换水管，请王阿姨查看", "public_note": "resolved"})).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        // An unknown public note is a 422 naming the field.
        let r = act(json!({"action": "close", "public_note": "anything I like"})).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());

        let t = app.get(&format!("/api/v1/track/{code}")).send().await;
        assert_eq!(t.json()["public_note"], "resolved");
        assert!(!t.text().contains("王阿姨"), "{}", t.text());
        let page = app.get(&format!("/track?code={code}")).send().await;
        assert_eq!(page.select("#public-note"), vec!["问题已处理完毕"]);
        assert!(!page.text().contains("王阿姨") && page.select("#reply").is_empty());
        for path in [
            format!("/open311/v2/requests/{id}.json"),
            format!("/open311/v2/requests.json?service_request_id={id}"),
        ] {
            let o = app.get(&path).send().await;
            let v = o.json();
            assert_eq!(v[0]["status_notes"], "已答复：问题已处理完毕", "{v}");
            assert_eq!(v[0]["address"], label, "the building, never the room: {v}");
            assert!(
                !o.text().contains("王阿姨") && !o.text().contains("501"),
                "{v}"
            );
        }
        let xml = app
            .get(&format!("/open311/v2/requests/{id}.xml"))
            .send()
            .await
            .text();
        assert!(!xml.contains("王阿姨") && !xml.contains("501"), "{xml}");
        // With the community's key: the address as filed.
        let keyed = app
            .get(&format!(
                "/open311/v2/requests.json?api_key=demo-open311-key&service_request_id={id}"
            ))
            .send()
            .await
            .json();
        assert_eq!(keyed[0]["address"], "2单元501室");
        // The case page offers the list, and the reply stays for the submitter and staff.
        let head = app.login("head").await;
        let case = app.get(&format!("/cases/{id}")).browser(&head).send().await;
        assert_eq!(case.select("#close-public-note option").len(), 8);
        assert!(case.text().contains("王阿姨"));
    }
);

both!(house_rented_is_sensitive, |app: TestApp| async move {
    assert_eq!(
        app.count("SELECT COUNT(*) FROM case_categories WHERE code = 'house_rented' AND (sensitive = 0 OR public_intake = 1)")
            .await,
        0
    );
    let r = app
        .post("/api/v1/cases")
        .ip("10.18.0.3")
        .json(&json!({"category": "house_rented", "description": "3号楼502出租了", "community_id": 1}))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    assert_eq!(r.json()["field"], "category");
    let services = app.get("/open311/v2/services.json").send().await.text();
    assert!(!services.contains("house_rented"));
});

both!(
    a_duplicate_id_elsewhere_names_no_one,
    |app: TestApp| async move {
        // The demo year's head of community 2.
        let app = TestApp::spawn_with_year(app.backend).await;
        // A resident of community 1, registered again by the head of community 2.
        let row = sqlx::query(
        "SELECT id, name, id_number FROM residents WHERE community_id = 1 AND status = 'living' ORDER BY id LIMIT 1",
    )
    .fetch_one(app.db.read())
    .await
    .unwrap();
        let (rid, name, idn): (i64, String, String) = (
            row.try_get("id").unwrap(),
            row.try_get("name").unwrap(),
            row.try_get("id_number").unwrap(),
        );
        let household: i64 = app
            .count("SELECT MIN(id) FROM households WHERE community_id = 2")
            .await;
        let head2 = app.token("head2").await;
        let body =
            json!({"household_id": household, "name": "张三", "id_number": idn, "phone": ""});
        let r = app
            .post("/api/v1/residents")
            .bearer(&head2)
            .json(&body)
            .send()
            .await;
        assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text());
        let text = r.text();
        let detail = r.json()["detail"].as_str().unwrap().to_owned();
        assert_eq!(r.json()["field"], "id_number");
        assert!(detail.contains("街道办事处"), "{text}");
        assert!(
            !text.contains(&name) && !detail.contains(&rid.to_string()),
            "no name, no record id: {text}"
        );
        // Within the community that holds it, the record is named (its staff may read it).
        let own = app
            .count("SELECT MIN(id) FROM households WHERE community_id = 1")
            .await;
        let head = app.token("head").await;
        let r = app
            .post("/api/v1/residents")
            .bearer(&head)
            .json(&json!({"household_id": own, "name": "张三", "id_number": idn, "phone": ""}))
            .send()
            .await;
        assert_eq!(r.status, StatusCode::CONFLICT);
        assert!(r.text().contains(&name), "{}", r.text());
    }
);
