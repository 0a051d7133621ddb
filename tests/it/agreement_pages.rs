//! Issue 20, item 1 (M20 on pages): a worker drafts a household's agreement from a template,
//! adds an obligation, records the signing, checks performance, records a breach, reviews and
//! renews it — each on the page, confirmed, a refusal keeping what was typed by its field — and
//! the household sees its own signed agreements on 我的信息, and no other household's.

use axum::http::StatusCode;

use crate::both;
use crate::forms::{follow, post};
use crate::harness::TestApp;

both!(
    an_agreement_is_drafted_signed_kept_and_renewed_on_the_pages,
    |app: TestApp| async move {
        let household = app
            .count("SELECT r.household_id FROM residents r JOIN users u ON u.resident_id = r.id WHERE u.username = 'resident'")
            .await;
        let building = app
            .count(&format!(
                "SELECT building_id FROM households WHERE id = {household}"
            ))
            .await;
        let (h, b) = (household.to_string(), building.to_string());
        let mut worker = app.login("worker").await;
        let page = app
            .get(&format!("/agreements?building_id={b}"))
            .browser(&worker)
            .send()
            .await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.text().contains(&format!("<option value=\"{h}\"")));

        // The term ends before it starts: refused by the end date, the choices kept.
        let refused = post(
            &app,
            &worker,
            "/agreements",
            &[
                ("building_id", &b),
                ("household_id", &h),
                ("template", "frontage"),
                ("valid_from", "2026-01-01"),
                ("valid_to", "2025-12-31"),
            ],
        )
        .await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(refused.select("#draft-valid_to-error").len(), 1);
        assert!(
            refused
                .text()
                .contains(&format!("<option value=\"{h}\" selected"))
        );
        assert!(
            refused
                .text()
                .contains("<option value=\"frontage\" selected")
        );

        let drafted = post(
            &app,
            &worker,
            "/agreements",
            &[
                ("building_id", &b),
                ("household_id", &h),
                ("template", "frontage"),
                ("valid_from", "2026-01-01"),
                ("valid_to", "2026-12-31"),
            ],
        )
        .await;
        let page = follow(&app, &mut worker, &drafted).await;
        let id = app.count("SELECT MAX(id) FROM agreements").await;
        assert!(page.select(".flash")[0].contains("门前三包责任书"));
        assert_eq!(page.select("#side-household li").len(), 3);
        assert_eq!(page.select("#side-committee li").len(), 2);

        // The household does not see a draft.
        let mut resident = app.login("resident").await;
        let mine = app.get("/me/agreements").browser(&resident).send().await;
        assert_eq!(mine.status, StatusCode::OK);
        assert!(mine.select(&format!("#own-{id}")).is_empty());

        let empty = post(
            &app,
            &worker,
            &format!("/agreements/{id}/obligations"),
            &[("party", "household"), ("text", " ")],
        )
        .await;
        assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(empty.select("#obligation-text-error").len(), 1);
        let added = post(
            &app,
            &worker,
            &format!("/agreements/{id}/obligations"),
            &[("party", "household"), ("text", "不在门前晾晒衣物")],
        )
        .await;
        let page = follow(&app, &mut worker, &added).await;
        assert_eq!(page.select(".flash"), vec!["条款已增加".to_owned()]);
        assert_eq!(page.select("#side-household li").len(), 4);

        let signed = post(
            &app,
            &worker,
            &format!("/agreements/{id}/sign"),
            &[("on", "2026-01-01"), ("method", "in_person")],
        )
        .await;
        let page = follow(&app, &mut worker, &signed).await;
        assert_eq!(page.select(".flash"), vec!["签订已记录".to_owned()]);
        assert_eq!(page.select("#agreement-status"), vec!["履行中".to_owned()]);
        assert!(
            page.select("#obligation-form").is_empty(),
            "signed: the obligations are fixed"
        );
        let late = post(
            &app,
            &worker,
            &format!("/agreements/{id}/obligations"),
            &[("party", "household"), ("text", "再加一条")],
        )
        .await;
        assert_eq!(late.status, StatusCode::CONFLICT);

        let obligation = app
            .count(&format!("SELECT MIN(id) FROM agreement_obligations WHERE agreement_id = {id} AND party = 'committee'"))
            .await;
        let checked = post(
            &app,
            &worker,
            &format!("/agreements/{id}/obligations/{obligation}"),
            &[("performance", "met")],
        )
        .await;
        let page = follow(&app, &mut worker, &checked).await;
        assert!(page.select(&format!("#obligation-{obligation}"))[0].contains("已履行"));

        // A breach dated before the term: refused (the agreement was not in force that day) by
        // its date, the description kept.
        let early = post(
            &app,
            &worker,
            &format!("/agreements/{id}/breaches"),
            &[
                ("party", "household"),
                ("on", "2025-06-01"),
                ("description", "门前堆放杂物"),
            ],
        )
        .await;
        assert_eq!(early.status, StatusCode::CONFLICT, "{}", early.text());
        assert_eq!(
            early.select("#breach-occurred_on-error").len(),
            1,
            "{}",
            early.text()
        );
        assert_eq!(
            early.select("#br-description"),
            vec!["门前堆放杂物".to_owned()]
        );
        let breach = post(
            &app,
            &worker,
            &format!("/agreements/{id}/breaches"),
            &[
                ("party", "household"),
                ("on", "2026-03-02"),
                ("description", "门前堆放杂物"),
                ("remedy", "限期清理"),
            ],
        )
        .await;
        let page = follow(&app, &mut worker, &breach).await;
        assert_eq!(page.select(".flash"), vec!["违约已记录".to_owned()]);
        assert!(page.select("#breaches li")[0].contains("门前堆放杂物"));

        let reviewed = post(
            &app,
            &worker,
            &format!("/agreements/{id}/review"),
            &[("note", "总体履行良好")],
        )
        .await;
        let page = follow(&app, &mut worker, &reviewed).await;
        assert_eq!(page.select(".flash"), vec!["年度评议已记录".to_owned()]);

        // The review list for the assembly names it with its counts.
        let list = app.get("/agreements/review").browser(&worker).send().await;
        assert!(list.text().contains(&format!("href=\"/agreements/{id}\"")));

        let renewed = post(
            &app,
            &worker,
            &format!("/agreements/{id}/renew"),
            &[("valid_to", "2027-12-31")],
        )
        .await;
        let page = follow(&app, &mut worker, &renewed).await;
        let new = app.count("SELECT MAX(id) FROM agreements").await;
        assert_eq!(
            renewed.header("location"),
            Some(format!("/agreements/{new}"))
        );
        assert!(page.select(".flash")[0].contains(&format!("#{id}")));
        assert_eq!(
            page.select("#side-household li").len(),
            4,
            "the same obligations"
        );

        // The household sees its signed agreement with the breach, not the renewal's draft, and
        // no other household's.
        let mine = app.get("/me/agreements").browser(&resident).send().await;
        resident.absorb(&mine);
        let own = mine.select(&format!("#own-{id}"));
        assert_eq!(own.len(), 1, "{}", mine.text());
        assert!(own[0].contains("门前堆放杂物") && own[0].contains("不在门前晾晒衣物"));
        assert!(mine.select(&format!("#own-{new}")).is_empty());
        let shown = mine.select("section[id^=own-]").len() as i64;
        let theirs = app
            .count(&format!("SELECT COUNT(*) FROM agreements WHERE household_id = {household} AND status <> 'draft'"))
            .await;
        assert_eq!(shown, theirs);
        assert!(
            app.count("SELECT COUNT(*) FROM agreements WHERE status <> 'draft'")
                .await
                > theirs,
            "the demo has other households' agreements, none shown"
        );
        // The resident moves nothing.
        let tried = post(
            &app,
            &resident,
            &format!("/agreements/{new}/sign"),
            &[("method", "online")],
        )
        .await;
        assert_eq!(tried.status, StatusCode::FORBIDDEN);
        let other = app
            .get(&format!("/agreements/{new}"))
            .browser(&resident)
            .send()
            .await;
        assert_eq!(other.status, StatusCode::FORBIDDEN);
    }
);
