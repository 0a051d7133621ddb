//! Public disclosure (M18, M19): drafting with the finance check and masking, publishing into
//! the chain, the public pages, real-name objections, corrections, expiry, timeliness, and the
//! tamper check.

use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::both;
use crate::harness::TestApp;

pub(crate) async fn post(
    app: &TestApp,
    token: &str,
    path: &str,
    body: Value,
) -> crate::client::Res {
    app.post(path).bearer(token).json(&body).send().await
}

both!(
    the_list_comes_in_pages_that_add_up_to_it,
    |app: TestApp| async move {
        let all = app
            .get("/api/v1/disclosures?per_page=200")
            .send()
            .await
            .json();
        let total = all["total"].as_i64().unwrap();
        let ids = |v: &Value| -> Vec<i64> {
            v["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|n| n["id"].as_i64().unwrap())
                .collect()
        };
        let every = ids(&all);
        assert_eq!(
            every.len() as i64,
            total,
            "one page of 200 holds the demo year"
        );
        assert!(total > 10, "{total}");
        // Pages of 7, in order, are the whole list once, each saying the same total.
        let mut paged = Vec::new();
        for page in 1..=(total + 6) / 7 {
            let p = app
                .get(&format!("/api/v1/disclosures?per_page=7&page={page}"))
                .send()
                .await
                .json();
            assert_eq!(p["total"].as_i64(), Some(total), "page {page}");
            paged.extend(ids(&p));
        }
        assert_eq!(paged, every);
        // The default page is 25; past the end is empty and still counts them all.
        let first = app.get("/api/v1/disclosures").send().await.json();
        assert_eq!(ids(&first), every[..25.min(every.len())].to_vec());
        let past = app.get("/api/v1/disclosures?page=99").send().await.json();
        assert_eq!(past["items"].as_array().unwrap().len(), 0);
        assert_eq!(past["total"].as_i64(), Some(total));
        // Bad paging is a 422 naming the field, in the reader's language.
        for bad in ["per_page=0", "per_page=201", "page=0"] {
            let r = app.get(&format!("/api/v1/disclosures?{bad}")).send().await;
            assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
            assert_eq!(r.json()["field"], bad.split('=').next().unwrap(), "{bad}");
        }
        // The page shows the same pages, and its pager keeps the filters.
        let page = app.get("/disclosures?per_page=7").send().await.text();
        let pages = (total + 6) / 7;
        assert!(
            page.contains(&format!("<strong id=\"total\">{total}</strong>")),
            "{page}"
        );
        assert!(page.contains(&format!("1 / {pages}")));
        assert!(
            page.contains("href=\"/disclosures?per_page=7&page=2\""),
            "{page}"
        );
        let second = app
            .get("/disclosures?per_page=7&page=2")
            .send()
            .await
            .text();
        for id in &every[7..14.min(every.len())] {
            assert!(
                second.contains(&format!("href=\"/disclosures/{id}\"")),
                "{id}"
            );
        }
        assert!(!second.contains(&format!("href=\"/disclosures/{}\"", every[0])));
        assert!(second.contains("rel=\"prev\""));
    }
);

pub(crate) fn finance(total_income: &str) -> Value {
    json!({"community_id": 1, "category": "finance", "title": "2026 年 11 月财务收支公开", "body": "请居民监督。",
        "channel": "both", "period": "2026-11", "publicity_days": 5, "income_total": total_income, "expense_total": "350.50",
        "lines": [{"kind": "income", "item": "社区服务收入", "amount": "1200"}, {"kind": "income", "item": "办公经费", "amount": "800.00"},
                  {"kind": "expense", "item": "楼道照明维修", "amount": "350.50"}]})
}

both!(anyone_reads_what_is_published, |app: TestApp| async move {
    let list = app.get("/api/v1/disclosures?per_page=200").send().await;
    assert_eq!(list.status, StatusCode::OK, "no sign-in needed");
    let items = list.json()["items"].as_array().unwrap().clone();
    assert!(items.len() >= 15, "a year of demo notices: {}", items.len());
    assert!(items.iter().all(|n| n["status"] != "draft"));
    let cats: Vec<&str> = items
        .iter()
        .map(|n| n["category"].as_str().unwrap())
        .collect();
    for c in ["finance", "major_matters", "fp_births", "policies"] {
        assert!(cats.contains(&c), "{c}");
    }
    let fin = items.iter().find(|n| n["category"] == "finance").unwrap();
    let one = app
        .get(&format!("/api/v1/disclosures/{}", fin["id"]))
        .send()
        .await
        .json();
    assert_eq!(one["lines"].as_array().unwrap().len(), 5);
    assert_eq!(one["content_hash"].as_str().unwrap().len(), 64);
    // The canonical bytes hash to the shown fingerprint.
    let canonical = app
        .get(&format!("/api/v1/disclosures/{}/canonical", fin["id"]))
        .send()
        .await;
    use sha2::Digest;
    assert_eq!(
        hex::encode(sha2::Sha256::digest(&canonical.body)),
        one["content_hash"].as_str().unwrap()
    );
    let page = app.get(&format!("/disclosures/{}", fin["id"])).send().await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(
        page.select("#content-hash")[0],
        one["content_hash"].as_str().unwrap()
    );
    let print = app
        .get(&format!("/disclosures/{}/print", fin["id"]))
        .send()
        .await;
    assert_eq!(print.status, StatusCode::OK);
    assert!(print.text().contains("<svg"), "QR code on the A4 copy");
    assert_eq!(
        app.get("/disclosures/verify").send().await.status,
        StatusCode::OK
    );
    let chain = app.get("/api/v1/publications").send().await.json();
    let entries = chain["items"].as_array().unwrap();
    assert!(entries.len() >= 20);
    for w in entries.windows(2) {
        assert_eq!(
            w[1]["prev_hash"], w[0]["hash"],
            "each entry links to the one before"
        );
    }
    // The expired aid list answers 410 and is gone from the list; the current one is public.
    let expired = app.count("SELECT id FROM disclosures WHERE category = 'aid_recipients' ORDER BY publish_date LIMIT 1").await;
    let gone = app
        .get(&format!("/api/v1/disclosures/{expired}"))
        .send()
        .await;
    assert_eq!(gone.status, StatusCode::GONE);
    assert!(!items.iter().any(|n| n["id"] == expired));
    assert_eq!(
        app.get(&format!("/disclosures/{expired}"))
            .send()
            .await
            .status,
        StatusCode::GONE
    );
});

both!(
    drafting_checks_totals_periods_and_masks,
    |app: TestApp| async move {
        let worker = app.token("worker").await;
        let before = app.count("SELECT COUNT(*) FROM disclosures").await;
        let lines_before = app.count("SELECT COUNT(*) FROM disclosure_lines").await;
        let wrong = post(&app, &worker, "/api/v1/disclosures", finance("2100.00")).await;
        assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(wrong.json()["code"], "disclosure.totals_mismatch");
        assert!(
            wrong.json()["detail"].as_str().unwrap().contains("2000.00"),
            "{}",
            wrong.text()
        );
        // 公示 lasts at least 5 working days: a head cannot make it 1 (M19).
        for days in [0, 1, 4, 31, 400] {
            let mut v = finance("2000");
            v["publicity_days"] = json!(days);
            let r = post(&app, &worker, "/api/v1/disclosures", v).await;
            assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{days}");
            assert_eq!(r.json()["field"], "publicity_days", "{days}");
            assert_eq!(r.json()["code"], "publicity.bad_days", "{days}");
            assert!(
                r.json()["detail"]
                    .as_str()
                    .unwrap()
                    .contains("不得少于 5 个工作日"),
                "{}",
                r.text()
            );
        }
        let mut no_period = finance("2000");
        no_period["period"] = json!("十一月");
        assert_eq!(
            post(&app, &worker, "/api/v1/disclosures", no_period)
                .await
                .json()["field"],
            "period"
        );
        // A quarter written with a character that is not ASCII: refused, not a crash.
        let quarterly = json!({"community_id": 1, "category": "major_matters", "title": "第三季度居务公开", "body": "内容",
            "channel": "online", "period": "2026中", "publicity_days": 5});
        let r = post(&app, &worker, "/api/v1/disclosures", quarterly).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(r.json()["field"], "period");
        assert_eq!(
            app.count("SELECT COUNT(*) FROM disclosures").await,
            before,
            "nothing half-written"
        );
        assert_eq!(
            app.count("SELECT COUNT(*) FROM disclosure_lines").await,
            lines_before
        );
        // Numbers are always masked; names unless the category names people.
        let (name, id_number): (String, String) = {
            use sqlx::Row;
            let r = sqlx::query("SELECT name, id_number FROM residents WHERE community_id = 1 AND length(name) >= 3 ORDER BY id LIMIT 1")
            .fetch_one(app.db.read()).await.unwrap();
            (r.try_get("name").unwrap(), r.try_get("id_number").unwrap())
        };
        let mut v = finance("2000");
        v["body"] = json!(format!(
            "经办人 {name}，电话 13912345678，身份证 {id_number}。"
        ));
        let ok = post(&app, &worker, "/api/v1/disclosures", v).await;
        assert_eq!(ok.status, StatusCode::CREATED, "{}", ok.text());
        let body = ok.json()["body"].as_str().unwrap().to_owned();
        assert!(
            !body.contains(&name) && !body.contains("13912345678") && !body.contains(&id_number),
            "{body}"
        );
        assert_eq!(ok.json()["status"], "draft");
        let id = ok.json()["id"].as_i64().unwrap();
        // Drafts are the staff's.
        assert_eq!(
            app.get(&format!("/api/v1/disclosures/{id}"))
                .send()
                .await
                .status,
            StatusCode::UNAUTHORIZED
        );
        assert!(
            !app.get("/api/v1/disclosures").send().await.json()["items"]
                .as_array()
                .unwrap()
                .iter()
                .any(|n| n["id"] == id)
        );
        // Residents cannot draft.
        assert_eq!(
            post(
                &app,
                &app.token("resident").await,
                "/api/v1/disclosures",
                finance("2000")
            )
            .await
            .status,
            StatusCode::FORBIDDEN
        );
    }
);

both!(published_notices_never_change, |app: TestApp| async move {
    let worker = app.token("worker").await;
    let id = post(&app, &worker, "/api/v1/disclosures", finance("2000"))
        .await
        .json()["id"]
        .as_i64()
        .unwrap();
    let p = post(
        &app,
        &worker,
        &format!("/api/v1/disclosures/{id}/publish"),
        json!({}),
    )
    .await;
    assert_eq!(p.status, StatusCode::OK, "{}", p.text());
    assert_eq!(p.json()["status"], "published");
    assert!(
        p.json()["publicity_until"].as_str().unwrap() >= p.json()["publish_date"].as_str().unwrap()
    );
    let seq = app
        .count(&format!(
            "SELECT seq FROM publications WHERE kind = 'disclosure' AND object_id = {id}"
        ))
        .await;
    assert!(seq > 0, "in the chain");
    let edit = app
        .req(
            axum::http::Method::PUT,
            &format!("/api/v1/disclosures/{id}"),
        )
        .bearer(&worker)
        .json(&finance("2000"))
        .send()
        .await;
    assert_eq!(edit.status, StatusCode::CONFLICT);
    assert_eq!(edit.json()["code"], "disclosure.published_immutable");
    let again = post(
        &app,
        &worker,
        &format!("/api/v1/disclosures/{id}/publish"),
        json!({}),
    )
    .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    // A correction is a new notice that references the old one.
    let mut c = finance("2000");
    c["title"] = json!("更正：2026 年 11 月财务收支公开");
    c["corrects_id"] = json!(id);
    let cid = post(&app, &worker, "/api/v1/disclosures", c).await.json()["id"]
        .as_i64()
        .unwrap();
    post(
        &app,
        &worker,
        &format!("/api/v1/disclosures/{cid}/publish"),
        json!({}),
    )
    .await;
    let old = app
        .get(&format!("/api/v1/disclosures/{id}"))
        .send()
        .await
        .json();
    assert_eq!(old["corrected_by"], json!([cid]));
    assert_eq!(
        old["title"], "2026 年 11 月财务收支公开",
        "the old notice stands as it was"
    );
});

both!(
    objections_are_by_name_and_handled_on_the_record,
    |app: TestApp| async move {
        let worker = app.token("worker").await;
        let id = post(&app, &worker, "/api/v1/disclosures", finance("2000"))
            .await
            .json()["id"]
            .as_i64()
            .unwrap();
        post(
            &app,
            &worker,
            &format!("/api/v1/disclosures/{id}/publish"),
            json!({}),
        )
        .await;
        let path = format!("/api/v1/disclosures/{id}/objections");
        let anon = app
            .post(&path)
            .json(&json!({"body": "照明维修费用偏高"}))
            .send()
            .await;
        assert_eq!(anon.status, StatusCode::UNAUTHORIZED);
        // The API's door refuses anonymous writes before reading them (`web::api_door`).
        assert_eq!(anon.json()["code"], "error.unauthenticated");
        let r = post(
            &app,
            &app.token("resident").await,
            &path,
            json!({"body": "照明维修费用偏高，请说明"}),
        )
        .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        let oid = r.json()["id"].as_i64().unwrap();
        let h = post(
            &app,
            &worker,
            &format!("{path}/{oid}"),
            json!({"outcome": "dismissed", "handling": "维修 41 盏灯，票据可查"}),
        )
        .await;
        assert_eq!(h.status, StatusCode::OK, "{}", h.text());
        let public = app.get(&path).send().await.json();
        assert_eq!(public["items"][0]["outcome"], "dismissed");
        assert!(
            public["items"][0]["objector"]
                .as_str()
                .unwrap()
                .contains('*')
        );
        let page = app.get(&format!("/disclosures/{id}")).send().await;
        assert!(page.text().contains("维修 41 盏灯"));
        // After publicity, objections are closed.
        app.exec(&format!(
            "UPDATE disclosures SET publicity_until = '2026-01-01' WHERE id = {id}"
        ))
        .await;
        let late = post(
            &app,
            &app.token("resident").await,
            &path,
            json!({"body": "迟到的异议内容"}),
        )
        .await;
        assert_eq!(late.status, StatusCode::CONFLICT);
    }
);

both!(timeliness_shows_the_late_month, |app: TestApp| async move {
    let r = app
        .get("/api/v1/disclosures/timeliness?year=2026&community_id=1")
        .bearer(&app.token("supervisor").await)
        .send()
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let fin = r.json()["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["category"] == "finance")
        .unwrap()
        .clone();
    let july = fin["periods"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["period"] == "2026-07")
        .unwrap()
        .clone();
    assert_eq!(july["status"], "late");
    assert!(july["late_working_days"].as_i64().unwrap() >= 5);
    assert_eq!(fin["late"], 1);
    assert_eq!(fin["on_time"], 9);
    let street = app
        .get("/api/v1/disclosures/timeliness?year=2026")
        .bearer(&app.token("street").await)
        .send()
        .await
        .json();
    let communities: std::collections::HashSet<i64> = street["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["community_id"].as_i64().unwrap())
        .collect();
    assert_eq!(
        communities.len(),
        3,
        "the street sees every community, gaps included"
    );
    assert!(
        street["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["community_id"] == 2 && c["missing"].as_i64().unwrap() > 0)
    );
    assert_eq!(
        app.get("/api/v1/disclosures/timeliness")
            .bearer(&app.token("resident").await)
            .send()
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let page = app
        .get("/disclosures/timeliness")
        .browser(&app.login("supervisor").await)
        .send()
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text().contains("2026-07"));
});
