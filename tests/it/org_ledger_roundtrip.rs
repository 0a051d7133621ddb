//! The social organizations' ledger and their members' roster round-trip (issue 22 item 3):
//! exported for re-import with whole ID numbers, leaders and members found among the
//! community's living residents by ID number or a unique name, refused by name otherwise, every
//! change listed old → new before it is written.

use axum::http::StatusCode;
use calamine::Data;

use crate::both;
use crate::harness::TestApp;
use crate::social_ledger_roundtrip::{first_sheet, headers, xlsx};
use zizhi::registry::import::read_table;
use zizhi::registry::import::social::{MEMBER_COLUMNS, ORG_COLUMNS};

both!(
    social_orgs_come_back_with_their_leaders_found_among_the_residents,
    |app: TestApp| async move {
        let head = app.token("head").await;
        let export = app
            .get("/api/v1/ledgers/social-orgs-import.xlsx")
            .bearer(&head)
            .send()
            .await;
        assert_eq!(export.status, StatusCode::OK, "{}", export.text());
        let sheet = first_sheet(&export.body);
        assert_eq!(headers(&sheet), ORG_COLUMNS);
        let first = sheet.rows().nth(1).unwrap();
        assert!(
            matches!(first[2], Data::DateTime(_)),
            "成立日期 is a date: {:?}",
            first[2]
        );
        assert_eq!(
            first[4].to_string().len(),
            18,
            "the leader's ID number whole"
        );
        let orgs = app
            .count("SELECT COUNT(*) FROM social_orgs WHERE community_id = 1")
            .await;
        let same = app
            .post("/api/v1/imports/social-orgs?community_id=1")
            .bearer(&head)
            .raw("text/csv", export.body.clone())
            .send()
            .await
            .json();
        assert_eq!(same["unchanged"].as_i64(), Some(orgs), "{same}");

        // A new leader named alone (a name no one else in the community has), a new activity.
        let unique = app
            .text("SELECT MIN(name) FROM residents WHERE community_id = 1 AND status = 'living' AND locked_at IS NULL \
                   AND name IN (SELECT name FROM residents WHERE community_id = 1 AND status = 'living' AND locked_at IS NULL \
                   GROUP BY name HAVING COUNT(*) = 1)")
            .await;
        let mut rows = read_table(&export.body).unwrap();
        let org = rows[1][0].clone();
        let old_leader = rows[1][3].clone();
        assert_ne!(old_leader, unique);
        rows[1][3] = unique.clone();
        rows[1][4] = String::new();
        rows[1][5] = "每周六上午义诊".into();
        let dry = app
            .post("/api/v1/imports/social-orgs?community_id=1")
            .bearer(&head)
            .raw("text/csv", xlsx(&rows))
            .send()
            .await
            .json();
        assert_eq!(dry["updated"].as_i64(), Some(1), "{dry}");
        let fields = dry["changes"][0]["fields"].as_array().unwrap().clone();
        let leader = fields
            .iter()
            .find(|f| f["column"] == "负责人")
            .expect("the leader changes");
        assert_eq!(
            (leader["old"].as_str(), leader["new"].as_str()),
            (Some(old_leader.as_str()), Some(unique.as_str()))
        );
        assert!(
            fields
                .iter()
                .any(|f| f["column"] == "主要活动" && f["new"] == "每周六上午义诊")
        );

        // A leader who is not a resident, a masked number, a name that is not the number's, a row
        // of another community: refused by name; the commit writes nothing.
        let mut bad = rows.clone();
        bad[2][3] = "查无此人".into();
        bad[2][4] = String::new();
        if bad.len() > 3 {
            bad[3][4] = "110101********1234".into();
        }
        let r = app
            .post("/api/v1/imports/social-orgs?community_id=1&commit=true")
            .bearer(&head)
            .raw("text/csv", xlsx(&bad))
            .send()
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
        assert_eq!(
            app.count("SELECT COUNT(*) FROM social_orgs WHERE activities = '每周六上午义诊'")
                .await,
            0,
            "all or nothing"
        );
        let r = app
            .post("/api/v1/imports/social-orgs?community_id=1")
            .bearer(&head)
            .raw("text/csv", xlsx(&bad))
            .send()
            .await
            .json();
        let errors = r["errors"].as_array().unwrap();
        assert!(
            errors.iter().any(|e| e["row"] == 3
                && e["column"] == "负责人"
                && e["message"].as_str().unwrap().contains("在住居民")),
            "{r}"
        );
        if bad.len() > 3 {
            assert!(
                errors
                    .iter()
                    .any(|e| e["row"] == 4 && e["column"] == "负责人身份证号"),
                "{r}"
            );
        }
        let mut wrong = rows.clone();
        wrong[1][4] = first[4].to_string();
        wrong[1][3] = unique.clone();
        let r = app
            .post("/api/v1/imports/social-orgs?community_id=1")
            .bearer(&head)
            .raw("text/csv", xlsx(&wrong))
            .send()
            .await
            .json();
        assert!(r["errors"].as_array().unwrap().iter().any(|e| e["column"] == "负责人" && e["message"].as_str().unwrap().contains("不符")), "{r}");
        let elsewhere = format!(
            "社区,组织名称,类别,成立日期\n{},{org},文体,2020-01-01\n",
            "别的社区"
        );
        let r = app
            .post("/api/v1/imports/social-orgs?community_id=1")
            .bearer(&head)
            .raw("text/csv", elsewhere.into_bytes())
            .send()
            .await
            .json();
        assert_eq!(r["errors"][0]["column"], "社区", "{r}");

        // Committed: the leader is the resident named.
        let done = app
            .post("/api/v1/imports/social-orgs?community_id=1&commit=true")
            .bearer(&head)
            .raw("text/csv", xlsx(&rows))
            .send()
            .await;
        assert_eq!(done.status, StatusCode::OK, "{}", done.text());
        assert_eq!(done.json()["committed"], true);
        assert_eq!(
            app.count(&format!("SELECT COUNT(*) FROM social_orgs o JOIN residents r ON r.id = o.leader_resident_id \
                                WHERE o.community_id = 1 AND o.name = '{org}' AND r.name = '{unique}' AND o.activities = '每周六上午义诊'")).await,
            1
        );
    }
);

both!(
    the_members_roster_comes_back_matched_by_organization_and_resident,
    |app: TestApp| async move {
        let head = app.token("head").await;
        let export = app
            .get("/api/v1/ledgers/social-org-members-import.xlsx")
            .bearer(&head)
            .send()
            .await;
        assert_eq!(export.status, StatusCode::OK, "{}", export.text());
        let sheet = first_sheet(&export.body);
        assert_eq!(headers(&sheet), MEMBER_COLUMNS);
        assert!(
            matches!(sheet.rows().nth(1).unwrap()[3], Data::DateTime(_)),
            "加入日期 is a date"
        );
        let members = app
            .count("SELECT COUNT(*) FROM social_org_members m JOIN social_orgs o ON o.id = m.org_id \
                    JOIN residents r ON r.id = m.resident_id WHERE o.community_id = 1 AND r.locked_at IS NULL")
            .await;
        let same = app
            .post("/api/v1/imports/social-org-members?community_id=1")
            .bearer(&head)
            .raw("text/csv", export.body.clone())
            .send()
            .await
            .json();
        assert_eq!(same["unchanged"].as_i64(), Some(members), "{same}");

        // A member made vice-president; a resident who is in no organization joins the first.
        let mut rows = read_table(&export.body).unwrap();
        let (org, name) = (rows[1][0].clone(), rows[1][1].clone());
        let before = rows[1][2].clone();
        assert_ne!(before, "副会长");
        rows[1][2] = "副会长".into();
        let newcomer = app
            .text("SELECT MIN(r.name) FROM residents r WHERE r.community_id = 1 AND r.status = 'living' AND r.locked_at IS NULL \
                   AND r.id NOT IN (SELECT resident_id FROM social_org_members) AND r.birth_date < '2000-01-01'")
            .await;
        let id_number = app
            .text(&format!("SELECT MIN(id_number) FROM residents WHERE community_id = 1 AND name = '{newcomer}' AND status = 'living' \
                            AND locked_at IS NULL AND id NOT IN (SELECT resident_id FROM social_org_members)"))
            .await;
        rows.push(vec![
            org.clone(),
            newcomer.clone(),
            "成员".into(),
            "2026-11-30".into(),
            id_number,
        ]);
        rows.push(vec![
            "没有这个组织".into(),
            newcomer.clone(),
            "成员".into(),
            "2026-11-30".into(),
            String::new(),
        ]);
        let dry = app
            .post("/api/v1/imports/social-org-members?community_id=1")
            .bearer(&head)
            .raw("text/csv", xlsx(&rows))
            .send()
            .await
            .json();
        let last = rows.len() as i64;
        assert!(
            dry["errors"]
                .as_array()
                .unwrap()
                .iter()
                .any(|e| e["row"] == last && e["column"] == "组织名称"),
            "{dry}"
        );
        rows.pop();
        // An organization registered twice under one name cannot be matched: refused by name.
        app.exec(&format!(
            "INSERT INTO social_orgs (community_id, name, kind, founded_on, activities, created_at, updated_at) \
             VALUES (1, '{org}', '文体', '2020-01-01', '', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')"
        ))
        .await;
        let twice = app
            .post("/api/v1/imports/social-org-members?community_id=1&commit=true")
            .bearer(&head)
            .raw("text/csv", xlsx(&rows))
            .send()
            .await;
        assert_eq!(
            twice.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            twice.text()
        );
        let twice = app
            .post("/api/v1/imports/social-org-members?community_id=1")
            .bearer(&head)
            .raw("text/csv", xlsx(&rows))
            .send()
            .await
            .json();
        assert!(
            twice["errors"]
                .as_array()
                .unwrap()
                .iter()
                .any(|e| e["row"] == 2
                    && e["column"] == "组织名称"
                    && e["message"].as_str().unwrap().contains("同名")),
            "{twice}"
        );
        app.exec(&format!(
            "DELETE FROM social_orgs WHERE community_id = 1 AND name = '{org}' AND id NOT IN (SELECT org_id FROM social_org_members)"
        ))
        .await;
        let dry = app
            .post("/api/v1/imports/social-org-members?community_id=1")
            .bearer(&head)
            .raw("text/csv", xlsx(&rows))
            .send()
            .await
            .json();
        assert_eq!(
            (dry["updated"].as_i64(), dry["created"].as_i64()),
            (Some(1), Some(1)),
            "{dry}"
        );
        let change = &dry["changes"][0];
        assert_eq!(change["name"], format!("{org} {name}"));
        assert_eq!(change["fields"][0]["column"], "职务");
        assert_eq!(
            (
                change["fields"][0]["old"].as_str(),
                change["fields"][0]["new"].as_str()
            ),
            (Some(before.as_str()), Some("副会长"))
        );
        assert_eq!(dry["new"][0], format!("{org} {newcomer}"));
        let done = app
            .post("/api/v1/imports/social-org-members?community_id=1&commit=true")
            .bearer(&head)
            .raw("text/csv", xlsx(&rows))
            .send()
            .await;
        assert_eq!(done.status, StatusCode::OK, "{}", done.text());
        assert_eq!(
            app.count(&format!("SELECT COUNT(*) FROM social_org_members m JOIN social_orgs o ON o.id = m.org_id JOIN residents r ON r.id = m.resident_id \
                                WHERE o.community_id = 1 AND o.name = '{org}' AND r.name = '{name}' AND m.position = 'vice_president'")).await,
            1
        );
        assert_eq!(
            app.count(&format!("SELECT COUNT(*) FROM social_org_members m JOIN social_orgs o ON o.id = m.org_id JOIN residents r ON r.id = m.resident_id \
                                WHERE o.community_id = 1 AND o.name = '{org}' AND r.name = '{newcomer}' AND m.joined_on = '2026-11-30'")).await,
            1
        );
        assert_eq!(
            app.count("SELECT COUNT(*) FROM audit_log WHERE action = 'registry.import' AND object_type = 'social_org' AND detail LIKE 'member %'").await,
            2
        );
    }
);
