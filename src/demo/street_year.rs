//! The demo street's work admission for 2026: applications in every state, decided at meetings
//! of the leading group, and unadmitted work reported by communities.

use sqlx::Row;

use crate::platform::db::Tx;
use crate::platform::time;

struct Application<'a> {
    applicant: &'a str,
    kind: &'a str,
    title: &'a str,
    limit: &'a str,
    /// None: not yet put to the vote; Some(open, passed).
    vote: Option<(bool, bool)>,
    reason: &'a str,
}

pub async fn load(tx: &mut Tx, street: i64, communities: &[i64], now: &str) -> anyhow::Result<()> {
    let group: i64 = sqlx::query("SELECT id FROM bodies WHERE street_id = $1 AND kind = 'leading_group' AND parent_id IS NULL")
        .bind(street)
        .fetch_one(&mut **tx)
        .await?
        .try_get("id")?;
    // The whole group came, and every member voted.
    let members: Vec<(i64, String)> = sqlx::query(
        "SELECT id, name FROM body_members WHERE body_id = $1 AND ended_at IS NULL ORDER BY id",
    )
    .bind(group)
    .fetch_all(&mut **tx)
    .await?
    .iter()
    .map(|r| Ok((r.try_get("id")?, r.try_get("name")?)))
    .collect::<Result<_, sqlx::Error>>()?;
    let n = members.len() as i64;
    let officer: i64 = sqlx::query("SELECT id FROM users WHERE username = 'street'")
        .fetch_one(&mut **tx)
        .await?
        .try_get("id")?;
    let starts = time::parse_when("2026-11-20T09:00")
        .map(time::to_db)
        .unwrap_or_default();
    let ends = time::parse_when("2026-11-20T10:30")
        .map(time::to_db)
        .unwrap_or_default();
    let meeting: i64 = sqlx::query(
        "INSERT INTO meetings (body_id, street_id, kind, title, starts_at, ends_at, location, open_to_residents, status, created_by, created_at) \
         VALUES ($1, $2, 'ad_hoc', '领导小组会议：社区工作准入审查', $3, $4, '街道办事处三楼会议室', 0, 'held', $5, $6) RETURNING id",
    )
    .bind(group)
    .bind(street)
    .bind(&starts)
    .bind(&ends)
    .bind(officer)
    .bind(now)
    .fetch_one(&mut **tx)
    .await?
    .try_get("id")?;
    for (mid, mname) in &members {
        sqlx::query("INSERT INTO meeting_attendance (meeting_id, member_id, name, status) VALUES ($1, $2, $3, 'present')")
            .bind(meeting)
            .bind(mid)
            .bind(mname)
            .execute(&mut **tx)
            .await?;
    }
    let apps = [
        Application {
            applicant: "区卫生健康委员会",
            kind: "task",
            title: "居民健康档案入户核查",
            limit: "2027-06-30",
            vote: None,
            reason: "",
        },
        Application {
            applicant: "区退役军人事务局",
            kind: "signboard",
            title: "退役军人服务站挂牌",
            limit: "2027-12-31",
            vote: Some((true, false)),
            reason: "",
        },
        Application {
            applicant: "区民政局",
            kind: "task",
            title: "老年人能力综合评估",
            limit: "2027-06-30",
            vote: Some((false, true)),
            reason: "有法律依据和专项经费，属社区应协助事项。",
        },
        Application {
            applicant: "区城市管理局",
            kind: "assessment",
            title: "“门前三包”考核评比进社区",
            limit: "2027-03-31",
            vote: Some((false, false)),
            reason: "属部门自身职责，且无经费保障，不予准入。",
        },
        Application {
            applicant: "区统计局",
            kind: "task",
            title: "2026 年人口抽样调查入户",
            limit: "2026-06-30",
            vote: Some((false, true)),
            reason: "法定统计调查，限期协助。",
        },
    ];
    for a in &apps {
        let status = match a.vote {
            None => "applied",
            Some((true, _)) => "under_review",
            Some((false, true)) => "admitted",
            Some((false, false)) => "declined",
        };
        let id: i64 = sqlx::query(
            "INSERT INTO admissions (street_id, applicant, kind, title, content, target_communities, powers, time_limit, funding, legal_basis, status, reason, decided_at, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, '[]', $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING id",
        )
        .bind(street)
        .bind(a.applicant)
        .bind(a.kind)
        .bind(a.title)
        .bind(format!("{}：由社区协助完成，部门负责业务指导。", a.title))
        .bind("社区协助入户、登记；不承担执法和考核责任。")
        .bind(a.limit)
        .bind("部门专项经费，按户拨付")
        .bind("相关法律法规及区政府文件")
        .bind(status)
        .bind((!a.reason.is_empty()).then_some(a.reason))
        .bind((status == "admitted" || status == "declined").then_some(&ends))
        .bind(officer)
        .bind(now)
        .fetch_one(&mut **tx)
        .await?
        .try_get("id")?;
        if let Some((open, passed)) = a.vote {
            let motion: i64 = sqlx::query(
                "INSERT INTO motions (meeting_id, title, threshold, status, votes_yes, votes_no, votes_abstain, decided_at, created_at, admission_id) \
                 VALUES ($1, $2, 'simple_majority', $3, $4, $5, 0, $6, $7, $8) RETURNING id",
            )
            .bind(meeting)
            .bind(format!("审查：{}", a.title))
            .bind(if open { "open" } else if passed { "passed" } else { "failed" })
            .bind(if !open && passed { n } else { 0 })
            .bind(if !open && !passed { n } else { 0 })
            .bind((!open).then_some(&ends))
            .bind(now)
            .bind(id)
            .fetch_one(&mut **tx)
            .await?
            .try_get("id")?;
            for (mid, _) in members.iter().filter(|_| !open) {
                sqlx::query(
                    "INSERT INTO motion_votes (motion_id, member_id, choice) VALUES ($1, $2, $3)",
                )
                .bind(motion)
                .bind(mid)
                .bind(if passed { "yes" } else { "no" })
                .execute(&mut **tx)
                .await?;
            }
            sqlx::query("UPDATE admissions SET motion_id = $1 WHERE id = $2")
                .bind(motion)
                .bind(id)
                .execute(&mut **tx)
                .await?;
        }
    }
    for (c, sender, what, followed) in [
        (
            communities[0],
            "区城市管理局",
            "要求社区每周上报沿街商铺门前卫生检查表",
            true,
        ),
        (
            communities[0],
            "区城市管理局",
            "要求社区参加创卫迎检并提供台账",
            false,
        ),
        (
            communities[1],
            "区文化和旅游局",
            "要求社区组织居民参加线上答题活动并统计参与率",
            false,
        ),
    ] {
        sqlx::query(
            "INSERT INTO unadmitted_tasks (street_id, community_id, sender, description, received_on, follow_up, followed_up_at, created_at) \
             VALUES ($1, $2, $3, $4, '2026-10-15', $5, $6, $7)",
        )
        .bind(street)
        .bind(c)
        .bind(sender)
        .bind(what)
        .bind(followed.then_some("已与该局沟通：未经准入，社区不再承担；由部门自行开展。"))
        .bind(followed.then_some(now))
        .bind(now)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}
