//! Meetings (M6, M8, M24): scheduling with invitations, attendance and quorum, motions and
//! recorded votes with their thresholds, minutes that close the meeting, residents' comments,
//! monthly regularity, and the iCalendar feeds.

use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::both;
use crate::harness::TestApp;

async fn post(app: &TestApp, token: &str, path: &str, body: Value) -> crate::client::Res {
    app.post(path).bearer(token).json(&body).send().await
}

pub fn local(offset_minutes: i64) -> String {
    let ts = jiff::Timestamp::now()
        .checked_add(jiff::SignedDuration::from_mins(offset_minutes))
        .unwrap();
    ts.to_zoned_datetime(jiff::tz::TimeZone::get("Asia/Shanghai").unwrap())
        .strftime("%Y-%m-%dT%H:%M")
        .to_string()
}

both!(
    the_demo_year_and_the_missing_month,
    |app: TestApp| async move {
        let head = app.token("head").await;
        let r = app
            .get("/api/v1/meetings/regularity?year=2026")
            .bearer(&head)
            .send()
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        let council = &r.json()["items"][0];
        assert_eq!(council["missing"], json!(["2026-05"]));
        assert_eq!(council["months"][0]["held"], 1);
        let list = app
            .get("/api/v1/meetings?kind=council_monthly")
            .bearer(&head)
            .send()
            .await
            .json();
        assert_eq!(list["total"], 11, "ten held, December's scheduled");
        let held = app
            .get("/api/v1/meetings?kind=council_monthly&status=minutes_published")
            .bearer(&head)
            .send()
            .await
            .json();
        assert_eq!(held["total"], 10);
        let one = app
            .get(&format!("/api/v1/meetings/{}", held["items"][0]["id"]))
            .bearer(&head)
            .send()
            .await
            .json();
        assert_eq!(one["attendance"]["quorum"], true);
        assert_eq!(one["motions"][0]["status"], "passed");
        assert!(
            one["items"][0]["decision"]
                .as_str()
                .unwrap()
                .starts_with("通过")
        );
        assert!(one["minutes"].as_str().unwrap().contains("实到"));
        let annual = app
            .get("/api/v1/meetings?kind=assembly_annual")
            .bearer(&head)
            .send()
            .await
            .json();
        assert_eq!(annual["total"], 1);
        // The flag reaches the head and the street on their home pages.
        for who in ["head", "street"] {
            let b = app.login(who).await;
            let home = app.get("/").browser(&b).send().await;
            assert!(
                home.text().contains("2026-05"),
                "{who} sees the missed month"
            );
        }
        let page = app
            .get("/meetings")
            .browser(&app.login("head").await)
            .send()
            .await;
        assert!(page.text().contains("2026-05"));
        assert_eq!(
            app.get("/api/v1/meetings")
                .bearer(&app.token("auditor").await)
                .send()
                .await
                .status,
            StatusCode::FORBIDDEN
        );
    }
);

both!(
    a_meeting_from_invitation_to_minutes,
    |app: TestApp| async move {
        let head = app.token("head").await;
        let council = app
            .count("SELECT id FROM bodies WHERE kind = 'council'")
            .await;
        let before = app.count("SELECT COUNT(*) FROM meetings").await;
        let bad = post(&app, &head, "/api/v1/meetings", json!({"body_id": council, "kind": "ad_hoc", "title": "临时会议",
            "starts_at": local(-5), "location": "议事厅", "items": [{"title": "不存在的诉求", "case_id": 999999}]})).await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(bad.json()["code"], "meetings.unknown_case");
        let wrong_body = post(
            &app,
            &head,
            "/api/v1/meetings",
            json!({"body_id": council, "kind": "assembly_annual", "title": "x",
            "starts_at": local(-5), "location": "议事厅"}),
        )
        .await;
        assert_eq!(wrong_body.json()["code"], "meetings.kind_body");
        assert_eq!(
            app.count("SELECT COUNT(*) FROM meetings").await,
            before,
            "nothing half-written"
        );
        let outbox = app
            .count("SELECT COUNT(*) FROM outbox WHERE kind = 'meeting_invitation'")
            .await;
        let m = post(&app, &head, "/api/v1/meetings", json!({"body_id": council, "kind": "ad_hoc", "title": "关于电动车充电的临时会议",
            "starts_at": local(-5), "location": "社区议事厅", "items": [{"title": "电动车楼道充电隐患"}, {"title": "充电桩选址"}]})).await;
        assert_eq!(m.status, StatusCode::CREATED, "{}", m.text());
        let m = m.json();
        let id = m["id"].as_i64().unwrap();
        assert_eq!(m["status"], "scheduled");
        assert_eq!(m["attendance"]["members"], 11);
        assert!(
            m["attendance"]["items"]
                .as_array()
                .unwrap()
                .iter()
                .all(|a| a["status"] == "invited")
        );
        assert!(
            app.count("SELECT COUNT(*) FROM outbox WHERE kind = 'meeting_invitation'")
                .await
                > outbox,
            "invitations sent"
        );
        let members: Vec<i64> = m["attendance"]["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["member_id"].as_i64().unwrap())
            .collect();
        let item = m["items"][0]["id"].as_i64().unwrap();
        let path = |p: &str| format!("/api/v1/meetings/{id}{p}");

        let early = post(&app, &head, &path("/motions"), json!({"title": "x"})).await;
        assert_eq!(early.json()["code"], "meetings.not_held");
        // Five of eleven: held, but no quorum, so no decision.
        let few = post(
            &app,
            &head,
            &path("/attendance"),
            json!({"present": members[..5]}),
        )
        .await;
        assert_eq!(few.status, StatusCode::OK, "{}", few.text());
        assert_eq!(few.json()["quorum"], false);
        // Without its quorum the meeting is not held: it stays scheduled (M6), so it cannot
        // raise the council's regularity.
        let status = app.get(&path("")).bearer(&head).send().await.json()["status"].clone();
        assert_eq!(status, "scheduled");
        let nobody = post(&app, &head, &path("/attendance"), json!({"present": []})).await;
        assert_eq!(nobody.json()["present"], 0);
        assert_eq!(
            app.count(&format!(
                "SELECT COUNT(*) FROM meetings WHERE id = {id} AND status = 'held'"
            ))
            .await,
            0,
            "nobody present is no meeting held"
        );
        let no_quorum = post(
            &app,
            &head,
            &path("/motions"),
            json!({"title": "禁止楼道充电"}),
        )
        .await;
        assert_eq!(no_quorum.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(no_quorum.json()["code"], "meetings.no_quorum");
        let stranger = post(
            &app,
            &head,
            &path("/attendance"),
            json!({"present": [members[0], 999999]}),
        )
        .await;
        assert_eq!(stranger.status, StatusCode::UNPROCESSABLE_ENTITY);
        let enough = post(
            &app,
            &head,
            &path("/attendance"),
            json!({"present": members[..8]}),
        )
        .await;
        assert_eq!(enough.json()["present"], 8);
        assert_eq!(enough.json()["quorum"], true);

        let motion = post(
            &app,
            &head,
            &path("/motions"),
            json!({"title": "禁止楼道内为电动车充电", "item_id": item}),
        )
        .await;
        assert_eq!(motion.status, StatusCode::CREATED, "{}", motion.text());
        let mid = motion.json()["id"].as_i64().unwrap();
        let votes: Vec<Value> = members[..8].iter().enumerate().map(|(i, m)| {
            json!({"member_id": m, "choice": if i < 5 { "yes" } else if i < 7 { "no" } else { "abstain" }})
        }).collect();
        let absent = post(
            &app,
            &head,
            &format!("/api/v1/motions/{mid}/votes"),
            json!({"votes": [{"member_id": members[9], "choice": "yes"}]}),
        )
        .await;
        assert_eq!(absent.json()["code"], "meetings.voter_not_present");
        let v = post(
            &app,
            &head,
            &format!("/api/v1/motions/{mid}/votes"),
            json!({"votes": votes}),
        )
        .await;
        assert_eq!(v.status, StatusCode::OK, "{}", v.text());
        assert_eq!(
            (
                v.json()["yes"].clone(),
                v.json()["no"].clone(),
                v.json()["abstain"].clone()
            ),
            (json!(5), json!(2), json!(1))
        );
        let twice = post(
            &app,
            &head,
            &format!("/api/v1/motions/{mid}/votes"),
            json!({"votes": [{"member_id": members[0], "choice": "no"}]}),
        )
        .await;
        assert_eq!(twice.status, StatusCode::CONFLICT);
        assert_eq!(
            app.count(&format!(
                "SELECT COUNT(*) FROM motion_votes WHERE motion_id = {mid}"
            ))
            .await,
            8
        );
        let early_minutes = post(
            &app,
            &head,
            &path("/minutes"),
            json!({"minutes": "会议讨论了电动车充电问题。"}),
        )
        .await;
        assert_eq!(early_minutes.json()["code"], "meetings.motions_open");
        let d = post(
            &app,
            &head,
            &format!("/api/v1/motions/{mid}/decision"),
            json!({}),
        )
        .await;
        assert_eq!(d.json()["status"], "passed", "5 of 8 present is a majority");
        // Two thirds of all eleven members: six yes is not enough.
        let hard = post(
            &app,
            &head,
            &path("/motions"),
            json!({"title": "修改议事规则", "threshold": "two_thirds"}),
        )
        .await;
        let hid = hard.json()["id"].as_i64().unwrap();
        let six: Vec<Value> = members[..8]
            .iter()
            .enumerate()
            .map(|(i, m)| json!({"member_id": m, "choice": if i < 6 { "yes" } else { "no" }}))
            .collect();
        post(
            &app,
            &head,
            &format!("/api/v1/motions/{hid}/votes"),
            json!({"votes": six}),
        )
        .await;
        let d = post(
            &app,
            &head,
            &format!("/api/v1/motions/{hid}/decision"),
            json!({}),
        )
        .await;
        assert_eq!(d.json()["status"], "failed");
        let detail = app.get(&path("")).bearer(&head).send().await.json();
        assert!(
            detail["items"][0]["decision"]
                .as_str()
                .unwrap()
                .contains("禁止楼道内为电动车充电")
        );

        let pub_ = post(
            &app,
            &head,
            &path("/minutes"),
            json!({"minutes": "应到 11 人，实到 8 人。会议表决通过禁止楼道内为电动车充电。"}),
        )
        .await;
        assert_eq!(pub_.status, StatusCode::OK, "{}", pub_.text());
        assert_eq!(pub_.json()["status"], "minutes_published");
        let after = post(
            &app,
            &head,
            &path("/attendance"),
            json!({"present": members}),
        )
        .await;
        assert_eq!(after.status, StatusCode::CONFLICT);
        assert_eq!(after.json()["code"], "meetings.closed");
        let again = post(
            &app,
            &head,
            &path("/minutes"),
            json!({"minutes": "改写后的纪要内容，不应被接受。"}),
        )
        .await;
        assert_eq!(again.status, StatusCode::CONFLICT);

        // A meeting not yet begun cannot be recorded as held.
        let later = post(
            &app,
            &head,
            "/api/v1/meetings",
            json!({"body_id": council, "kind": "ad_hoc", "title": "下周会议",
            "starts_at": local(60 * 24 * 7), "location": "议事厅"}),
        )
        .await;
        let lid = later.json()["id"].as_i64().unwrap();
        let not_yet = post(
            &app,
            &head,
            &format!("/api/v1/meetings/{lid}/attendance"),
            json!({"present": members}),
        )
        .await;
        assert_eq!(not_yet.json()["code"], "meetings.not_started");
        // Only staff run meetings.
        let denied = post(
            &app,
            &app.token("council").await,
            "/api/v1/meetings",
            json!({"body_id": council, "kind": "ad_hoc",
            "title": "x", "starts_at": local(0), "location": "x"}),
        )
        .await;
        assert_eq!(denied.status, StatusCode::FORBIDDEN);
    }
);

both!(
    residents_comment_on_open_meetings,
    |app: TestApp| async move {
        let head = app.token("head").await;
        let council = app
            .count("SELECT id FROM bodies WHERE kind = 'council'")
            .await;
        let m = post(
            &app,
            &head,
            "/api/v1/meetings",
            json!({"body_id": council, "kind": "deliberation_hall", "title": "社区议事厅：停车收费",
        "starts_at": local(60), "location": "社区广场", "open_to_residents": true}),
        )
        .await;
        assert_eq!(m.status, StatusCode::CREATED, "{}", m.text());
        let id = m.json()["id"].as_i64().unwrap();
        let resident = app.token("resident").await;
        let c = post(
            &app,
            &resident,
            &format!("/api/v1/meetings/{id}/comments"),
            json!({"body": "建议夜间停车免费"}),
        )
        .await;
        assert_eq!(c.status, StatusCode::CREATED, "{}", c.text());
        assert!(
            c.json()["author"].as_str().unwrap().contains('*'),
            "named to staff, masked in public"
        );
        let worker = post(
            &app,
            &app.token("worker").await,
            &format!("/api/v1/meetings/{id}/comments"),
            json!({"body": "工作人员留言"}),
        )
        .await;
        assert_eq!(worker.status, StatusCode::FORBIDDEN);
        let closed_meeting = app
            .count("SELECT MIN(id) FROM meetings WHERE status = 'minutes_published'")
            .await;
        let closed = post(
            &app,
            &resident,
            &format!("/api/v1/meetings/{closed_meeting}/comments"),
            json!({"body": "迟到的留言"}),
        )
        .await;
        assert_eq!(closed.status, StatusCode::CONFLICT);
        let list = app
            .get(&format!("/api/v1/meetings/{id}/comments"))
            .bearer(&resident)
            .send()
            .await
            .json();
        assert_eq!(list["total"], 1);
    }
);

both!(meetings_in_phone_calendars, |app: TestApp| async move {
    let council = app
        .count("SELECT id FROM bodies WHERE kind = 'council'")
        .await;
    let feed = app
        .get(&format!("/api/v1/meetings.ics?body_id={council}"))
        .send()
        .await;
    assert_eq!(feed.status, StatusCode::OK);
    assert!(
        feed.header("content-type")
            .unwrap()
            .starts_with("text/calendar")
    );
    let text = feed.text();
    assert!(text.starts_with("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"));
    assert!(text.ends_with("END:VCALENDAR\r\n"));
    let events = text.matches("BEGIN:VEVENT").count();
    let since = app.count("SELECT COUNT(*) FROM meetings WHERE body_id = (SELECT id FROM bodies WHERE kind = 'council')").await;
    assert_eq!(events as i64, since);
    assert_eq!(text.matches("END:VEVENT").count(), events);
    for needed in ["UID:", "DTSTAMP:", "DTSTART:", "DTEND:", "SUMMARY:"] {
        assert_eq!(
            text.matches(&format!("\r\n{needed}")).count(),
            events,
            "{needed}"
        );
    }
    for line in text.split("\r\n") {
        assert!(line.len() <= 75, "folded at 75 octets: {line}");
        assert!(!line.contains('\n'));
    }
    assert!(
        text.contains("DTSTART:20260112T113000Z"),
        "19:30 in Shanghai is 11:30 UTC"
    );
    let one = app.count("SELECT MIN(id) FROM meetings").await;
    let single = app.get(&format!("/api/v1/meetings/{one}.ics")).send().await;
    assert_eq!(single.status, StatusCode::OK);
    assert_eq!(single.text().matches("BEGIN:VEVENT").count(), 1);
    assert_eq!(
        app.get("/api/v1/meetings/x.ics").send().await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.get("/api/v1/meetings.ics?body_id=999999")
            .send()
            .await
            .status,
        StatusCode::NOT_FOUND
    );
});

both!(
    the_council_is_convened_by_its_president,
    |app: TestApp| async move {
        let council = app
            .count("SELECT id FROM bodies WHERE kind = 'council' AND community_id = 1")
            .await;
        let meeting = json!({"body_id": council, "kind": "ad_hoc", "title": "临时会议",
            "starts_at": local(60), "location": "议事厅"});
        let before = app.count("SELECT COUNT(*) FROM meetings").await;
        // A worker may manage meetings, but does not call the council (M6).
        let worker = post(
            &app,
            &app.token("worker").await,
            "/api/v1/meetings",
            meeting.clone(),
        )
        .await;
        assert_eq!(worker.status, StatusCode::FORBIDDEN, "{}", worker.text());
        assert_eq!(worker.json()["code"], "meetings.convened_by_president");
        assert_eq!(app.count("SELECT COUNT(*) FROM meetings").await, before);
        // The secretary, its president, does.
        let head = post(&app, &app.token("head").await, "/api/v1/meetings", meeting).await;
        assert_eq!(head.status, StatusCode::CREATED, "{}", head.text());
    }
);
