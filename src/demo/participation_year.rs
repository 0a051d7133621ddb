//! Residents' voice in the demo year: the annual assembly's standing business (M8), the elders'
//! association's delegate and proposal (M11) and the reception room's roster (M15).

use sqlx::Row;

use crate::platform::db::Tx;
use crate::platform::time;

/// The association's voice (M11): the elders' association sends a member to the supervisory
/// board and has filed a proposal with the committee, answered like any request.
pub(super) async fn association_year(tx: &mut Tx, community: i64, now: &str) -> anyhow::Result<()> {
    let ids = |kind: &'static str| {
        sqlx::query("SELECT MIN(id) AS id FROM bodies WHERE community_id = $1 AND kind = $2")
            .bind(community)
            .bind(kind)
    };
    let elders: i64 = ids("association")
        .fetch_one(&mut **tx)
        .await?
        .try_get("id")?;
    let board: i64 = ids("supervisory_board")
        .fetch_one(&mut **tx)
        .await?
        .try_get("id")?;
    let member = sqlx::query(
        "SELECT resident_id, name FROM body_members WHERE body_id = $1 AND resident_id NOT IN \
         (SELECT resident_id FROM body_members WHERE body_id = $2 AND resident_id IS NOT NULL) ORDER BY id LIMIT 1",
    )
    .bind(elders)
    .bind(board)
    .fetch_one(&mut **tx)
    .await?;
    sqlx::query(
        "INSERT INTO body_members (body_id, resident_id, name, position, source, term_from, term_to, created_at, delegated_by) \
         VALUES ($1, $2, $3, 'member', 'delegated', '2026-01-01', '2028-12-31', $4, $5)",
    )
    .bind(board)
    .bind(member.try_get::<i64, _>("resident_id")?)
    .bind(member.try_get::<String, _>("name")?)
    .bind(now)
    .bind(elders)
    .execute(&mut **tx)
    .await?;
    sqlx::query(
        "INSERT INTO cases (community_id, category, sensitive, channel, status, description, reply, tracking_code, deadline, \
         created_at, updated_at, replied_at, body_id) VALUES ($1, 'association_proposal', 0, 'association', 'replied', $2, $3, $4, $5, $5, $5, $5, $6)",
    )
    .bind(community)
    .bind("建议在社区党群服务中心设老年人助餐点，方便独居和高龄老人就餐。")
    .bind("已与社区服务站商定，下月起在党群服务中心一楼试点助餐，每周一至周五供应午餐。")
    .bind(crate::cases::model::tracking_code())
    .bind(now)
    .bind(elders)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The reception room's roster for the coming week (M15): a party member, a deputy, a
/// residents' representative and a volunteer take turns on working days.
pub(super) async fn reception_week(tx: &mut Tx, community: i64, now: &str) -> anyhow::Result<()> {
    let people = [
        ("刘志强", "party_member"),
        ("陈淑华", "deputy"),
        ("赵卫东", "resident_rep"),
        ("孙丽娟", "volunteer"),
    ];
    let cal = crate::platform::calendar::Calendar::builtin();
    let mut day = time::today();
    let mut n = 0;
    for _ in 0..7 {
        if cal.is_working_day(day) {
            let (name, kind) = people[n % people.len()];
            sqlx::query(
                "INSERT INTO reception_duty (community_id, on_date, name, kind, created_at) VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(community)
            .bind(day.to_string())
            .bind(name)
            .bind(kind)
            .bind(now)
            .execute(&mut **tx)
            .await?;
            n += 1;
        }
        day = day.tomorrow()?;
    }
    Ok(())
}

/// The annual assembly's standing business (M8): its charter item is the one the demo meeting
/// voted on; the other standing items are on its agenda with what was decided on each.
pub(super) async fn annual_agenda(tx: &mut Tx, motion: i64, charter: i64) -> anyhow::Result<()> {
    let row = sqlx::query("SELECT meeting_id, item_id FROM motions WHERE id = $1")
        .bind(motion)
        .fetch_one(&mut **tx)
        .await?;
    let meeting: i64 = row.try_get("meeting_id")?;
    sqlx::query("UPDATE meeting_items SET kind = 'charter_and_agreements', rule_id = $1, seq = 2 WHERE id = $2")
        .bind(charter)
        .bind(row.try_get::<i64, _>("item_id")?)
        .execute(&mut **tx)
        .await?;
    let decided = [
        (
            1,
            "work_report",
            "听取和审议社区居委会 2025 年度工作报告",
            "审议通过 2025 年度工作报告",
        ),
        (
            3,
            "agreement_review",
            "评议协议书履行情况",
            "协议履行情况良好；对 2 户违约提出整改意见",
        ),
        (
            4,
            "rewards_liabilities",
            "决定奖励和责任追究事项",
            "表彰优秀楼栋长 5 名、优秀志愿者 10 名",
        ),
        (
            5,
            "family_planning",
            "审议计划生育优生、优待、优惠措施",
            "通过 2026 年计划生育优生、优待、优惠措施",
        ),
    ];
    for (seq, kind, title, decision) in decided {
        sqlx::query("INSERT INTO meeting_items (meeting_id, seq, kind, title, decision) VALUES ($1, $2, $3, $4, $5)")
            .bind(meeting)
            .bind(seq)
            .bind(kind)
            .bind(title)
            .bind(decision)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

/// The year's 评议考核奖励 (M14) in the other communities, once December has come: each worker
/// graded by their head, each head by the street. The demo community's own are left for the
/// walk-through to record.
pub(super) async fn worker_reviews(
    tx: &mut Tx,
    communities: &[i64],
    now: &str,
) -> anyhow::Result<()> {
    let year = 2026;
    if crate::assessment::reviews::opens(year).is_none_or(|d| time::today() < d) {
        return Ok(());
    }
    let street: i64 = super::assessment_year::user(tx, "street").await?;
    for (i, c) in communities.iter().enumerate().skip(1) {
        let staff = sqlx::query(
            "SELECT user_id, role FROM grants WHERE community_id = $1 AND role IN ('community_head', 'community_worker') ORDER BY role",
        )
        .bind(c)
        .fetch_all(&mut **tx)
        .await?;
        let head: i64 = staff[0].try_get("user_id")?;
        for r in &staff {
            let (user, role): (i64, String) = (r.try_get("user_id")?, r.try_get("role")?);
            let (grade, reward, by) = match (role.as_str(), i % 2) {
                ("community_head", _) => ("competent", "", street),
                (_, 1) => ("excellent", "年度优秀社区工作者，奖金 800 元", head),
                _ => ("basic", "", head),
            };
            sqlx::query(
                "INSERT INTO worker_reviews (community_id, user_id, year, grade, reward, comment, recorded_by, recorded_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(c)
            .bind(user)
            .bind(i64::from(year))
            .bind(grade)
            .bind(reward)
            .bind("按年度考核得分和群众评议评定")
            .bind(by)
            .bind(now)
            .execute(&mut **tx)
            .await?;
        }
    }
    Ok(())
}

/// The family-planning ledgers of the demo quarter (M17): one-child benefits and reward
/// support paid in October, and hardship aid under the active aid plans. The third disclosure
/// is left for the walk-through to draft from them.
pub(super) async fn family_planning(tx: &mut Tx, community: i64, now: &str) -> anyhow::Result<()> {
    let worker: i64 = super::assessment_year::user(tx, "worker").await?;
    let households =
        sqlx::query("SELECT id FROM households WHERE community_id = $1 ORDER BY id LIMIT 9")
            .bind(community)
            .fetch_all(&mut **tx)
            .await?;
    let pay = |kind: &'static str,
               household: i64,
               day: &'static str,
               fen: i64,
               plan: Option<i64>| {
        sqlx::query(
            "INSERT INTO family_planning_benefits (community_id, kind, household_id, paid_on, amount, note, aid_plan_id, recorded_by, recorded_at) \
             VALUES ($1, $2, $3, $4, $5, '', $6, $7, $8)",
        )
        .bind(community)
        .bind(kind)
        .bind(household)
        .bind(day)
        .bind(fen)
        .bind(plan)
        .bind(worker)
        .bind(now.to_owned())
    };
    for (i, h) in households.iter().enumerate() {
        let h: i64 = h.try_get("id")?;
        let (kind, fen) = if i < 6 {
            ("only_child", 12_000)
        } else {
            ("reward_support", 24_000)
        };
        pay(kind, h, "2026-10-15", fen, None)
            .execute(&mut **tx)
            .await?;
    }
    let plans = sqlx::query(
        "SELECT id, household_id FROM aid_plans WHERE community_id = $1 AND status = 'active' ORDER BY id LIMIT 2",
    )
    .bind(community)
    .fetch_all(&mut **tx)
    .await?;
    for p in &plans {
        pay(
            "hardship_aid",
            p.try_get("household_id")?,
            "2026-11-10",
            50_000,
            Some(p.try_get("id")?),
        )
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// A policy document passed to the households (政策文件宣传员): sent to every building of the
/// demo community, and the demo leader has reached a third of the building's doors, some at
/// the door, some on the phone.
pub(super) async fn policy_documents(
    tx: &mut Tx,
    community: i64,
    leader_building: i64,
    now: &str,
) -> anyhow::Result<()> {
    let worker: i64 = super::assessment_year::user(tx, "worker").await?;
    let leader: i64 = super::assessment_year::user(tx, "leader").await?;
    let id: i64 = sqlx::query(
        "INSERT INTO policy_documents (community_id, title, summary, sent_on, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(community)
    .bind("关于做好今冬明春供暖保障工作的通知")
    .bind("一、供暖期为 10 月 15 日至次年 4 月 15 日。\n二、室温低于 18℃ 可拨打热力公司热线或向楼栋长反映。\n三、困难家庭取暖补贴 12 月底前到社区申请。")
    .bind("2026-11-02")
    .bind(worker)
    .bind(now)
    .fetch_one(&mut **tx)
    .await?
    .try_get("id")?;
    sqlx::query(
        "INSERT INTO policy_document_buildings (document_id, building_id) SELECT $1, id FROM buildings WHERE community_id = $2",
    )
    .bind(id)
    .bind(community)
    .execute(&mut **tx)
    .await?;
    let doors = sqlx::query("SELECT id FROM households WHERE building_id = $1 ORDER BY id")
        .bind(leader_building)
        .fetch_all(&mut **tx)
        .await?;
    for (i, h) in doors.iter().enumerate().filter(|(i, _)| i % 3 == 0) {
        sqlx::query(
            "INSERT INTO policy_acknowledgements (document_id, household_id, building_id, how, on_date, recorded_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(id)
        .bind(h.try_get::<i64, _>("id")?)
        .bind(leader_building)
        .bind(if i % 2 == 0 { "visited" } else { "phone" })
        .bind("2026-11-05")
        .bind(leader)
        .bind(now)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}
