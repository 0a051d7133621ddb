//! The demo community's year of daily work (2026 up to today): the leaders' notebooks, the
//! worker's patrols, weekly staff meetings and bulletins, visits, services and deliveries, aid
//! plans for households in difficulty, and agreements with their performance — one breach by the
//! committee among them.

use jiff::civil::{Date, Weekday, date};
use sqlx::Row;

use crate::platform::db::Tx;
use crate::platform::time;

const FINDINGS: [&str; 6] = [
    "3单元楼道灯不亮",
    "消防通道有电动车停放",
    "垃圾桶满溢未清运",
    "绿地护栏损坏",
    "井盖松动",
    "楼道堆放纸箱",
];

fn days(from: Date, to: Date) -> impl Iterator<Item = Date> {
    from.series(jiff::Span::new().days(1))
        .take_while(move |d| *d <= to)
}

async fn ids(tx: &mut Tx, sql: &str, bind: i64) -> anyhow::Result<Vec<i64>> {
    Ok(sqlx::query(sql)
        .bind(bind)
        .fetch_all(&mut **tx)
        .await?
        .iter()
        .map(|r| r.try_get::<i64, _>(0))
        .collect::<Result<_, _>>()?)
}

pub async fn load(
    tx: &mut Tx,
    street: i64,
    community: i64,
    buildings: &[i64],
    now: &str,
) -> anyhow::Result<()> {
    let today = time::today();
    let start = date(2026, 1, 1);
    let worker = sqlx::query("SELECT id, display_name FROM users WHERE username = 'worker'")
        .fetch_one(&mut **tx)
        .await?;
    let (wid, wname): (i64, String) = (worker.try_get("id")?, worker.try_get("display_name")?);
    let leader = sqlx::query("SELECT id, display_name FROM users WHERE username = 'leader'")
        .fetch_one(&mut **tx)
        .await?;
    let (lid, lname): (i64, String) = (leader.try_get("id")?, leader.try_get("display_name")?);
    let households = ids(
        tx,
        "SELECT id FROM households WHERE community_id = $1 ORDER BY id",
        community,
    )
    .await?;
    let home = ids(
        tx,
        "SELECT id FROM households WHERE building_id = $1 ORDER BY id",
        buildings[0],
    )
    .await?;

    // The leader's notebooks: a visit, a work note and a feedback note most weeks.
    for (i, d) in days(start, today)
        .filter(|d| d.weekday() == Weekday::Tuesday)
        .enumerate()
    {
        let entries = [
            (
                "visit",
                format!(
                    "走访住户，了解到老人独居，需要关照。第 {} 次回访",
                    i / 4 + 1
                ),
                Some(home[i % home.len()]),
            ),
            (
                "work",
                "组织本楼居民清理楼道杂物，张贴文明养犬公约".to_owned(),
                None,
            ),
            (
                "feedback",
                format!(
                    "向居民反馈：{}已报社区，正在处理",
                    FINDINGS[i % FINDINGS.len()]
                ),
                None,
            ),
        ];
        for (k, (kind, body, household)) in entries.iter().enumerate() {
            if (i + k) % 4 == 3 {
                continue;
            }
            sqlx::query(
                "INSERT INTO notebook_entries (street_id, community_id, building_id, kind, entry_date, body, household_id, author_id, author, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            )
            .bind(street)
            .bind(community)
            .bind(buildings[0])
            .bind(*kind)
            .bind(d.to_string())
            .bind(body)
            .bind(*household)
            .bind(lid)
            .bind(&lname)
            .bind(now)
            .execute(&mut **tx)
            .await?;
        }
    }

    // The worker's patrols on working days, staff meetings and bulletins on Mondays.
    let cal = crate::platform::calendar::Calendar::builtin();
    for (i, d) in days(start, today)
        .filter(|d| cal.is_working_day(*d))
        .enumerate()
    {
        let patrol: i64 = sqlx::query(
            "INSERT INTO patrols (street_id, community_id, patrol_date, route, summary, author_id, author, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        )
        .bind(street)
        .bind(community)
        .bind(d.to_string())
        .bind(if i % 2 == 0 { "东区 1—11 号楼、健身广场" } else { "西区 12—22 号楼、停车场" })
        .bind("巡查楼道、消防通道、公共设施。")
        .bind(wid)
        .bind(&wname)
        .bind(now)
        .fetch_one(&mut **tx)
        .await?
        .try_get("id")?;
        if i % 3 == 0 {
            sqlx::query("INSERT INTO patrol_findings (patrol_id, description, building_id) VALUES ($1, $2, $3)")
                .bind(patrol)
                .bind(FINDINGS[i % FINDINGS.len()])
                .bind(buildings[i % buildings.len()])
                .execute(&mut **tx)
                .await?;
        }
        if d.weekday() == Weekday::Monday {
            sqlx::query("INSERT INTO staff_meetings (street_id, community_id, meeting_date, attendees, notes, author_id, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)")
                .bind(street)
                .bind(community)
                .bind(d.to_string())
                .bind("社区书记、社区工作者 4 人")
                .bind("通报上周诉求办理和走访情况，安排本周巡查与入户。")
                .bind(wid)
                .bind(now)
                .execute(&mut **tx)
                .await?;
            // Every Monday up to today's: on a Monday the week's bulletin is out already, so
            // who may draft one does not change with the day of the week.
            sqlx::query(
                "INSERT INTO bulletins (street_id, community_id, week_start, body, status, author_id, published_at, created_at) VALUES ($1, $2, $3, $4, 'published', $5, $6, $6)",
            )
            .bind(street)
            .bind(community)
            .bind(d.to_string())
            .bind(format!("民情通报（{d} 起一周）\n\n一、居民诉求：集中在{}。\n二、走访：工作人员入户约 60 户次。\n三、需要关注：独居老人冬季取暖。", FINDINGS[i % FINDINGS.len()]))
            .bind(wid)
            .bind(now)
            .execute(&mut **tx)
            .await?;
        }
    }

    // Visits: about 15 households a week, going round the community.
    let mut next = 0usize;
    for d in days(start, today).filter(|d| cal.is_working_day(*d)) {
        for _ in 0..3 {
            let h = households[next % households.len()];
            next += 7;
            let visit: i64 = sqlx::query(
                "INSERT INTO visits (street_id, community_id, building_id, household_id, visit_date, visitors, topics, notes, worker_id, created_at) \
                 SELECT $1, $2, building_id, id, $3, $4, $5, $6, $7, $8 FROM households WHERE id = $9 RETURNING id",
            )
            .bind(street)
            .bind(community)
            .bind(d.to_string())
            .bind(&wname)
            .bind("家庭情况、居住安全、对社区工作的意见")
            .bind("住户反映总体满意。")
            .bind(wid)
            .bind(now)
            .bind(h)
            .fetch_one(&mut **tx)
            .await?
            .try_get("id")?;
            if next % 50 < 7 {
                sqlx::query("INSERT INTO visit_followups (visit_id, description) VALUES ($1, $2)")
                    .bind(visit)
                    .bind("反映楼上漏水，约物业上门查看")
                    .execute(&mut **tx)
                    .await?;
            }
        }
    }

    // Services: a monthly event and a delivery.
    for m in 1..=12i8 {
        let d = date(2026, m, 20);
        if d > today {
            break;
        }
        let (topic, title) = [
            ("health", "义诊和血压测量"),
            ("education", "家庭教育讲座"),
            ("display", "垃圾分类展板"),
            ("culture", "社区文艺汇演"),
        ][(m as usize) % 4];
        sqlx::query(
            "INSERT INTO services (street_id, community_id, kind, topic, title, service_date, place, attendance, notes, author_id, created_at) \
             VALUES ($1, $2, 'event', $3, $4, $5, '社区党群服务中心', $6, '', $7, $8)",
        )
        .bind(street)
        .bind(community)
        .bind(topic)
        .bind(title)
        .bind(d.to_string())
        .bind(30 + i64::from(m) * 3)
        .bind(wid)
        .bind(now)
        .execute(&mut **tx)
        .await?;
        sqlx::query(
            "INSERT INTO services (street_id, community_id, kind, topic, title, service_date, place, household_id, attendance, notes, author_id, created_at) \
             VALUES ($1, $2, 'delivery', 'health', '上门测血压、送药', $3, '', $4, 0, '', $5, $6)",
        )
        .bind(street)
        .bind(community)
        .bind(d.to_string())
        .bind(households[(m as usize * 13) % households.len()])
        .bind(wid)
        .bind(now)
        .execute(&mut **tx)
        .await?;
    }

    // Aid plans for households in difficulty.
    let difficulty = ids(tx, "SELECT id FROM households WHERE community_id = $1 AND tags LIKE '%in_difficulty%' ORDER BY id LIMIT 4", community).await?;
    for (i, h) in difficulty.iter().enumerate() {
        let plan: i64 = sqlx::query(
            "INSERT INTO aid_plans (street_id, community_id, household_id, reason, plan, status, review, reviewed_at, author_id, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
        )
        .bind(street)
        .bind(community)
        .bind(*h)
        .bind(["户主长期患病，无稳定收入", "独居高龄老人，行动不便", "子女就学负担重", "失业，正在求职"][i % 4])
        .bind("每月上门探望一次；协助申请临时救助；联系志愿者结对")
        .bind(if i == 0 { "reviewed" } else { "active" })
        .bind((i == 0).then_some("已获临时救助，家庭收入趋于稳定，结束帮扶。"))
        .bind((i == 0).then_some(now))
        .bind(wid)
        .bind(now)
        .fetch_one(&mut **tx)
        .await?
        .try_get("id")?;
        for m in (1..=10i8).step_by(3) {
            sqlx::query("INSERT INTO aid_actions (plan_id, action_date, description, amount, author_id, created_at) VALUES ($1, $2, $3, $4, $5, $6)")
                .bind(plan)
                .bind(date(2026, m, 15).to_string())
                .bind("上门探望，送米面油")
                .bind(30_000i64)
                .bind(wid)
                .bind(now)
                .execute(&mut **tx)
                .await?;
        }
    }

    agreements(tx, street, community, &households, wid, now).await
}

pub(super) async fn agreements(
    tx: &mut Tx,
    street: i64,
    community: i64,
    households: &[i64],
    worker: i64,
    now: &str,
) -> anyhow::Result<()> {
    let mut n = 0usize;
    for (template, count) in [
        ("frontage", 12),
        ("dogs", 6),
        ("parking", 8),
        ("family_planning", 3),
    ] {
        let (title, household, committee) =
            crate::agreements::template(template).expect("demo templates exist");
        for _ in 0..count {
            n += 1;
            let h = households[(n * 37) % households.len()];
            let id: i64 = sqlx::query(
                "INSERT INTO agreements (street_id, community_id, household_id, template, title, status, valid_from, valid_to, signed_on, signing_method, author_id, created_at) \
                 VALUES ($1, $2, $3, $4, $5, 'in_force', '2026-01-01', '2026-12-31', '2025-12-20', $6, $7, $8) RETURNING id",
            )
            .bind(street)
            .bind(community)
            .bind(h)
            .bind(template)
            .bind(title)
            .bind(if n.is_multiple_of(5) { "proxy" } else { "in_person" })
            .bind(worker)
            .bind(now)
            .fetch_one(&mut **tx)
            .await?
            .try_get("id")?;
            let mut seq = 0;
            for (party, items) in [("household", household), ("committee", committee)] {
                for o in items {
                    seq += 1;
                    // One committee breach: rubbish not collected for a week (门前三包).
                    let committee_breach =
                        template == "frontage" && n == 2 && party == "committee" && seq == 4;
                    let performance = if committee_breach
                        || (party == "household" && (n + seq).is_multiple_of(7))
                    {
                        "not_met"
                    } else {
                        "met"
                    };
                    let oid: i64 = sqlx::query(
                        "INSERT INTO agreement_obligations (agreement_id, party, seq, text, performance, checked_on, checked_by) VALUES ($1, $2, $3, $4, $5, '2026-10-31', $6) RETURNING id",
                    )
                    .bind(id)
                    .bind(party)
                    .bind(seq as i64)
                    .bind(*o)
                    .bind(performance)
                    .bind(worker)
                    .fetch_one(&mut **tx)
                    .await?
                    .try_get("id")?;
                    if performance == "not_met" {
                        sqlx::query(
                            "INSERT INTO agreement_breaches (agreement_id, party, obligation_id, occurred_on, description, remedy, author_id, created_at) \
                             VALUES ($1, $2, $3, '2026-08-10', $4, $5, $6, $7)",
                        )
                        .bind(id)
                        .bind(party)
                        .bind(oid)
                        .bind(if party == "committee" { "暑期垃圾清运中断一周，住户门前堆积" } else { "经劝导后仍未履行" })
                        .bind(if party == "committee" { "居委会书面致歉，调整清运排班" } else { "楼栋长再次上门劝导" })
                        .bind(worker)
                        .bind(now)
                        .execute(&mut **tx)
                        .await?;
                    }
                }
            }
        }
    }
    Ok(())
}
