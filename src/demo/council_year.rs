//! The demo council's year: monthly meetings January–November 2026 with attendance, a vote and
//! published minutes — May missed, so the regularity flag shows — December's meeting scheduled;
//! the assembly of resident representatives, its annual meeting adopting the charter and a
//! September meeting amending it; conventions adopted at the council's meetings; and a building-leader
//! election in its publicity period with one objection.

use sqlx::Row;

use crate::platform::calendar::Calendar;
use crate::platform::db::Tx;
use crate::platform::time;

const TOPICS: [(i8, &str); 10] = [
    (1, "春节期间楼道安全与烟花爆竹燃放管理"),
    (2, "小区停车秩序整治方案"),
    (3, "居民代表大会筹备事项"),
    (4, "楼道堆物清理与消防通道畅通"),
    (6, "夏季防汛与地下室排水"),
    (7, "养犬文明公约征求意见"),
    (8, "老旧小区加装电梯意向摸底"),
    (9, "重阳节敬老活动安排"),
    (10, "冬季供暖问题收集与反映"),
    (11, "年度居务公开与财务报告审议"),
];

struct Held<'a> {
    body: i64,
    kind: &'a str,
    title: String,
    starts: String,
    location: &'a str,
    topic: &'a str,
    threshold: &'a str,
    /// The rule the meeting's motion adopts.
    rule: Option<i64>,
}

async fn members(tx: &mut Tx, body: i64) -> Result<Vec<(i64, String)>, sqlx::Error> {
    sqlx::query(
        "SELECT id, name FROM body_members WHERE body_id = $1 AND ended_at IS NULL ORDER BY id",
    )
    .bind(body)
    .fetch_all(&mut **tx)
    .await?
    .iter()
    .map(|r| Ok((r.try_get("id")?, r.try_get("name")?)))
    .collect()
}

fn at(s: &str) -> String {
    time::parse_when(s).map(time::to_db).unwrap_or_default()
}

/// A meeting: held with minutes if it has started, scheduled otherwise.
async fn meeting(
    tx: &mut Tx,
    street: i64,
    community: i64,
    m: &Held<'_>,
    absent_every: usize,
    now: &str,
) -> anyhow::Result<Option<i64>> {
    let held = m.starts.as_str() < now;
    let ends = time::from_db(&m.starts)
        .and_then(|t| t.checked_add(jiff::SignedDuration::from_mins(90)).ok())
        .map(time::to_db)
        .unwrap_or_default();
    let id: i64 = sqlx::query(
        "INSERT INTO meetings (body_id, street_id, community_id, kind, title, starts_at, ends_at, location, open_to_residents, status, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
    )
    .bind(m.body)
    .bind(street)
    .bind(community)
    .bind(m.kind)
    .bind(&m.title)
    .bind(&m.starts)
    .bind(&ends)
    .bind(m.location)
    // The 议事厅 is open to residents (M5).
    .bind(i64::from(m.kind == "deliberation_hall"))
    .bind(if held { "minutes_published" } else { "scheduled" })
    .bind(now)
    .fetch_one(&mut **tx)
    .await?
    .try_get("id")?;
    let item: i64 = sqlx::query(
        "INSERT INTO meeting_items (meeting_id, seq, title) VALUES ($1, 1, $2) RETURNING id",
    )
    .bind(id)
    .bind(m.topic)
    .fetch_one(&mut **tx)
    .await?
    .try_get("id")?;
    let people = members(tx, m.body).await?;
    let mut present = Vec::new();
    for (i, (mid, name)) in people.iter().enumerate() {
        let here = held && !(i + id as usize).is_multiple_of(absent_every);
        let status = match (held, here) {
            (false, _) => "invited",
            (true, true) => "present",
            (true, false) => "absent",
        };
        sqlx::query("INSERT INTO meeting_attendance (meeting_id, member_id, name, status) VALUES ($1, $2, $3, $4)")
            .bind(id)
            .bind(*mid)
            .bind(name)
            .bind(status)
            .execute(&mut **tx)
            .await?;
        if here {
            present.push(*mid);
        }
    }
    if !held {
        return Ok(None);
    }
    let motion_title = format!("关于{}的决议", m.topic);
    let abstain = present.len().min(1);
    let yes = (present.len() - abstain) as i64;
    let motion: i64 = sqlx::query(
        "INSERT INTO motions (meeting_id, item_id, title, threshold, status, votes_yes, votes_no, votes_abstain, decided_at, created_at, rule_id) \
         VALUES ($1, $2, $3, $4, 'passed', $5, 0, $6, $7, $7, $8) RETURNING id",
    )
    .bind(id)
    .bind(item)
    .bind(&motion_title)
    .bind(m.threshold)
    .bind(yes)
    .bind(abstain as i64)
    .bind(&ends)
    .bind(m.rule)
    .fetch_one(&mut **tx)
    .await?
    .try_get("id")?;
    for (i, mid) in present.iter().enumerate() {
        sqlx::query("INSERT INTO motion_votes (motion_id, member_id, choice) VALUES ($1, $2, $3)")
            .bind(motion)
            .bind(*mid)
            .bind(if i == 0 && abstain == 1 {
                "abstain"
            } else {
                "yes"
            })
            .execute(&mut **tx)
            .await?;
    }
    sqlx::query("UPDATE meeting_items SET decision = $1 WHERE id = $2")
        .bind(format!("通过：{motion_title}（{yes} / 0 / {abstain}）"))
        .bind(item)
        .execute(&mut **tx)
        .await?;
    sqlx::query("UPDATE meetings SET minutes = $1, minutes_published_at = $2 WHERE id = $3")
        .bind(format!(
            "应到 {} 人，实到 {} 人，达到法定人数。\n会议讨论了{}，经表决通过《{motion_title}》。\n会后由各楼栋长向本楼居民传达，并在社区公开栏公示。",
            people.len(),
            present.len(),
            m.topic
        ))
        .bind(&ends)
        .bind(id)
        .execute(&mut **tx)
        .await?;
    if let Some(rule) = m.rule {
        super::public_year::adopt(tx, rule, motion, &ends).await?;
    }
    Ok(Some(motion))
}

pub async fn load(
    tx: &mut Tx,
    street: i64,
    community: i64,
    building: i64,
    rules: &super::public_year::RuleIds,
    now: &str,
) -> anyhow::Result<()> {
    let council: i64 =
        sqlx::query("SELECT id FROM bodies WHERE community_id = $1 AND kind = 'council'")
            .bind(community)
            .fetch_one(&mut **tx)
            .await?
            .try_get("id")?;
    for (month, topic) in TOPICS {
        let h = Held {
            body: council,
            kind: "council_monthly",
            title: format!("议事协调会 2026 年 {month} 月例会"),
            starts: at(&format!("2026-{month:02}-12T19:30")),
            location: "社区党群服务中心二楼议事厅",
            topic,
            threshold: "simple_majority",
            rule: match month {
                2 => Some(rules.parking),
                4 => Some(rules.environment),
                7 => Some(rules.dogs),
                _ => None,
            },
        };
        meeting(tx, street, community, &h, 6, now).await?;
    }
    let december = Held {
        body: council,
        kind: "council_monthly",
        title: "议事协调会 2026 年 12 月例会".into(),
        starts: at("2026-12-10T19:30"),
        location: "社区党群服务中心二楼议事厅",
        topic: "年终走访慰问困难家庭安排",
        threshold: "simple_majority",
        rule: None,
    };
    meeting(tx, street, community, &december, 6, now).await?;
    let hall = Held {
        body: council,
        kind: "deliberation_hall",
        title: "社区议事厅：电动车集中充电点怎么建".into(),
        starts: at("2026-12-17T19:00"),
        location: "社区党群服务中心一楼多功能厅",
        topic: "电动车集中充电点的选址与收费",
        threshold: "simple_majority",
        rule: None,
    };
    meeting(tx, street, community, &hall, 6, now).await?;

    // The assembly: the community's resident representatives.
    let assembly: i64 =
        sqlx::query("SELECT id FROM bodies WHERE community_id = $1 AND kind = 'assembly'")
            .bind(community)
            .fetch_one(&mut **tx)
            .await?
            .try_get("id")?;
    let reps = sqlx::query("SELECT id, name FROM residents WHERE community_id = $1 AND rep_resident = 1 AND status = 'living' ORDER BY id LIMIT 30")
        .bind(community)
        .fetch_all(&mut **tx)
        .await?;
    for r in &reps {
        sqlx::query(
            "INSERT INTO body_members (body_id, resident_id, name, position, source, term_from, term_to, created_at) \
             VALUES ($1, $2, $3, 'member', 'elected', '2026-01-01', '2028-12-31', $4)",
        )
        .bind(assembly)
        .bind(r.try_get::<i64, _>("id")?)
        .bind(r.try_get::<String, _>("name")?)
        .bind(now)
        .execute(&mut **tx)
        .await?;
    }
    let annual = Held {
        body: assembly,
        kind: "assembly_annual",
        title: "三角线社区 2026 年居民代表大会".into(),
        starts: at("2026-03-20T14:30"),
        location: "社区党群服务中心一楼多功能厅",
        topic: "审议社区居民自治章程",
        threshold: "two_thirds",
        rule: Some(rules.charter),
    };
    if let Some(motion) = meeting(tx, street, community, &annual, 10, now).await? {
        super::participation_year::annual_agenda(tx, motion, rules.charter).await?;
    }
    super::public_year::amend_charter(tx, rules.charter).await?;
    let amendment = Held {
        body: assembly,
        kind: "ad_hoc",
        title: "三角线社区居民代表会议（章程修订）".into(),
        starts: at("2026-09-25T14:30"),
        location: "社区党群服务中心一楼多功能厅",
        topic: "修订社区居民自治章程",
        threshold: "two_thirds",
        rule: Some(rules.charter),
    };
    meeting(tx, street, community, &amendment, 10, now).await?;

    election(tx, street, community, building, now).await
}

/// A building-leader election of the demo building, in publicity since today: the current
/// leader stands again, a neighbour is recommended, and the demo resident has objected.
async fn election(
    tx: &mut Tx,
    street: i64,
    community: i64,
    building: i64,
    now: &str,
) -> anyhow::Result<()> {
    let group: i64 =
        sqlx::query("SELECT id FROM bodies WHERE building_id = $1 AND kind = 'building_group'")
            .bind(building)
            .fetch_one(&mut **tx)
            .await?
            .try_get("id")?;
    let cal = Calendar::builtin();
    let today = time::today();
    let until = if cal.is_working_day(today) {
        cal.add_working_days(today, 4)
    } else {
        cal.add_working_days(today, 5)
    };
    let election: i64 = sqlx::query(
        "INSERT INTO elections (body_id, street_id, community_id, building_id, title, position, seats, electorate, status, publicity_days, \
         publicity_from, publicity_until, term_from, term_to, created_at) \
         VALUES ($1, $2, $3, $4, '1号楼楼栋长换届选举', 'president', 1, 'building', 'publicity', 5, $5, $6, '2027-01-01', '2029-12-31', $7) RETURNING id",
    )
    .bind(group)
    .bind(street)
    .bind(community)
    .bind(building)
    .bind(today.to_string())
    .bind(until.to_string())
    .bind(now)
    .fetch_one(&mut **tx)
    .await?
    .try_get("id")?;
    let leader: i64 = sqlx::query("SELECT resident_id FROM users WHERE username = 'leader'")
        .fetch_one(&mut **tx)
        .await?
        .try_get("resident_id")?;
    let resident = sqlx::query("SELECT u.id, r.id AS rid, r.name FROM users u JOIN residents r ON r.id = u.resident_id WHERE u.username = 'resident'")
        .fetch_one(&mut **tx)
        .await?;
    let neighbour: i64 = sqlx::query(
        "SELECT id FROM residents WHERE building_id = $1 AND status = 'living' AND birth_date < '1985-01-01' AND id NOT IN ($2, $3) ORDER BY id LIMIT 1",
    )
    .bind(building)
    .bind(leader)
    .bind(resident.try_get::<i64, _>("rid")?)
    .fetch_one(&mut **tx)
    .await?
    .try_get("id")?;
    let nominate = |resident: i64,
                    method: &'static str,
                    recommender: Option<String>,
                    statement: &'static str| {
        sqlx::query(
            "INSERT INTO election_nominations (election_id, resident_id, name, method, recommender, party_representative, npc_deputy, \
             cppcc_member, resident_representative, statement, created_at) \
             SELECT $1, r.id, r.name, $2, $3, r.rep_party, r.rep_npc, r.rep_cppcc, r.rep_resident, $4, $5 FROM residents r WHERE r.id = $6 RETURNING id",
        )
        .bind(election)
        .bind(method)
        .bind(recommender)
        .bind(statement)
        .bind(now)
        .bind(resident)
    };
    let first: i64 = nominate(
        leader,
        "self",
        None,
        "连任一届，继续做好楼道环境和邻里互助。",
    )
    .fetch_one(&mut **tx)
    .await?
    .try_get("id")?;
    nominate(
        neighbour,
        "recommended",
        Some(resident.try_get::<String, _>("name")?),
        "热心公益，退休后常帮邻居代收快递、照看老人。",
    )
    .fetch_one(&mut **tx)
    .await?;
    sqlx::query(
        "INSERT INTO election_objections (election_id, nomination_id, user_id, objector_name, body, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(election)
    .bind(first)
    .bind(resident.try_get::<i64, _>("id")?)
    .bind(resident.try_get::<String, _>("name")?)
    .bind("今年楼道粉刷的分摊费用至今没有公开明细，希望候选人先说明。")
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}
