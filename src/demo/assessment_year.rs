//! The demo street's 2026 as the assessment sees it (M10, M22, M23): every community with its
//! head and worker, a year of residents' cases answered better or worse, visits, disclosures
//! on time or late, council months held or missed, agreements, a democratic appraisal tallied
//! (and, in 三角线社区, disclosed), work received without admission, and the rollout campaign
//! in its third phase. The three communities differ on purpose, so that the ranking, the
//! trends and the outliers say something.

use jiff::civil::{Date, date};
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use sqlx::Row;

use super::DEMO_PASSWORD;
use crate::auth::{Role, Scope, store};
use crate::platform::calendar::Calendar;
use crate::platform::db::Tx;
use crate::platform::time;

/// How well each community does, by position: (answered, on time, satisfied, visited, council
/// months missed, disclosure months late, appraisal 满意 share).
struct Profile {
    answered: f64,
    on_time: f64,
    satisfied: f64,
    visited: f64,
    missed_months: &'static [i8],
    late_months: &'static [i8],
    missing_months: &'static [i8],
    content: f64,
}

const PROFILES: [Profile; 3] = [
    Profile {
        answered: 0.97,
        on_time: 0.9,
        satisfied: 0.93,
        visited: 0.0,
        missed_months: &[],
        late_months: &[],
        missing_months: &[],
        content: 0.8,
    },
    Profile {
        answered: 0.9,
        on_time: 0.78,
        satisfied: 0.82,
        visited: 0.55,
        missed_months: &[8],
        late_months: &[3],
        missing_months: &[],
        content: 0.6,
    },
    Profile {
        answered: 0.78,
        on_time: 0.6,
        satisfied: 0.66,
        visited: 0.3,
        missed_months: &[7, 8, 10],
        late_months: &[2, 6, 9],
        missing_months: &[5],
        content: 0.45,
    },
];

const STAFF: [[(&str, &str, &str); 2]; 2] = [
    [
        ("head2", "十字街社区 书记 陈刚", "community_head"),
        ("worker2", "十字街社区 社区工作者 周敏", "community_worker"),
    ],
    [
        ("head3", "光明社区 书记 吴强", "community_head"),
        ("worker3", "光明社区 社区工作者 郑丽", "community_worker"),
    ],
];

const CATEGORIES: [&str; 7] = [
    "public_facility",
    "dirty_alley",
    "environment",
    "public_order",
    "neighbour_dispute",
    "repairs",
    "safety_hazard",
];

async fn ids(tx: &mut Tx, sql: &str, bind: i64) -> anyhow::Result<Vec<i64>> {
    Ok(sqlx::query(sql)
        .bind(bind)
        .fetch_all(&mut **tx)
        .await?
        .iter()
        .map(|r| r.try_get("id"))
        .collect::<Result<_, _>>()?)
}

async fn user(tx: &mut Tx, username: &str) -> anyhow::Result<i64> {
    Ok(sqlx::query("SELECT id FROM users WHERE username = $1")
        .bind(username)
        .fetch_one(&mut **tx)
        .await?
        .try_get("id")?)
}

pub async fn load(
    tx: &mut Tx,
    rng: &mut ChaCha8Rng,
    street: i64,
    communities: &[i64],
    now: &str,
) -> anyhow::Result<()> {
    let hash = crate::auth::password::hash(DEMO_PASSWORD)?;
    let mut staff: Vec<(i64, i64)> = vec![(user(tx, "head").await?, user(tx, "worker").await?)];
    for (i, pair) in STAFF.iter().enumerate() {
        let mut ids = Vec::new();
        for (username, display, role) in pair {
            let uid: i64 = sqlx::query(
                "INSERT INTO users (username, display_name, password_hash, resident_id, disabled, created_at, password_changed_at) VALUES ($1, $2, $3, NULL, 0, $4, $4) RETURNING id",
            )
            .bind(*username)
            .bind(*display)
            .bind(&hash)
            .bind(now)
            .fetch_one(&mut **tx)
            .await?
            .try_get("id")?;
            let role = Role::parse(role).expect("known role");
            store::add_grant(
                tx,
                uid,
                role,
                Scope::Community(communities[i + 1]),
                date(2026, 1, 1),
                Some(date(2028, 12, 31)),
            )
            .await
            .map_err(|e| anyhow::anyhow!("demo grant: {e:?}"))?;
            ids.push(uid);
        }
        staff.push((ids[0], ids[1]));
    }
    // The demo building leader is also a resident representative: the one who votes in the
    // appraisal the walk-through opens.
    sqlx::query("UPDATE residents SET rep_resident = 1 WHERE id = (SELECT resident_id FROM users WHERE username = 'leader')")
        .execute(&mut **tx)
        .await?;
    for (i, c) in communities.iter().enumerate() {
        let p = &PROFILES[i.min(2)];
        let (head, worker) = staff[i.min(staff.len() - 1)];
        cases(tx, rng, *c, p, (head, worker), now).await?;
        if i > 0 {
            visits(tx, rng, street, *c, p, worker, now).await?;
            disclosures(tx, street, *c, p, worker, now).await?;
            council(tx, street, *c, p, now).await?;
            let households = ids(
                tx,
                "SELECT id FROM households WHERE community_id = $1 ORDER BY id",
                *c,
            )
            .await?;
            super::daily_year::agreements(tx, street, *c, &households, worker, now).await?;
        }
        appraisal(tx, rng, street, *c, p, (head, worker), i == 0, now).await?;
    }
    unadmitted(tx, street, communities, now).await?;
    campaign(tx, street, communities, now).await?;
    Ok(())
}

fn at(d: Date, hour: i8, minute: i8) -> String {
    d.at(hour, minute, 0, 0)
        .to_zoned_datetime(time::shanghai().clone())
        .map(|z| time::to_db(z.timestamp()))
        .unwrap_or_default()
}

/// A case every two or three days from January to the 25th of November.
async fn cases(
    tx: &mut Tx,
    rng: &mut ChaCha8Rng,
    community: i64,
    p: &Profile,
    staff: (i64, i64),
    now: &str,
) -> anyhow::Result<()> {
    let cal = Calendar::builtin();
    let today = time::today();
    let buildings = ids(
        tx,
        "SELECT id FROM buildings WHERE community_id = $1 ORDER BY id",
        community,
    )
    .await?;
    let mut day = date(2026, 1, 5);
    let mut n = 0;
    while day <= date(2026, 11, 25) && day < today {
        n += 1;
        let category = CATEGORIES[rng.random_range(0..CATEGORIES.len())];
        let days = match category {
            "safety_hazard" => 2,
            "dirty_alley" | "public_order" => 3,
            _ => 5,
        };
        let created = at(day, rng.random_range(8..18), rng.random_range(0..60));
        let due = cal.add_working_days(day, days);
        let deadline = at(due, 23, 59);
        let answered = rng.random_bool(p.answered) && cal.add_working_days(day, 1) < today;
        let on_time = rng.random_bool(p.on_time);
        let reply_day = if on_time {
            cal.add_working_days(day, rng.random_range(0..=days))
        } else {
            cal.add_working_days(due, rng.random_range(1..5))
        };
        let replied = (answered && reply_day < today).then(|| at(reply_day, 16, 30));
        let rated = replied.is_some() && rng.random_bool(0.6);
        let satisfied = rated.then(|| i64::from(rng.random_bool(p.satisfied)));
        let status = match (&replied, rated) {
            (Some(_), true) => "closed",
            (Some(_), false) => "replied",
            (None, _) => "in_progress",
        };
        let assignee = if rng.random_bool(0.7) {
            staff.1
        } else {
            staff.0
        };
        let building = buildings[rng.random_range(0..buildings.len())];
        let id: i64 = sqlx::query(
            "INSERT INTO cases (community_id, building_id, category, sensitive, channel, status, description, address, tracking_code, assignee_user_id, deadline, \
             reply, satisfied, created_at, updated_at, replied_at, closed_at) VALUES ($1, $2, $3, 0, 'reception', $4, $5, '', $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING id",
        )
        .bind(community)
        .bind(building)
        .bind(category)
        .bind(status)
        .bind(format!("{}（{}年{}月）", description(category), day.year(), day.month()))
        .bind(format!("DEMO{community}{n:04}"))
        .bind(assignee)
        .bind(&deadline)
        .bind(if replied.is_some() { "已处理，请您查看。" } else { "" })
        .bind(satisfied)
        .bind(&created)
        .bind(replied.as_deref().unwrap_or(&created))
        .bind(&replied)
        .bind(if rated { replied.clone() } else { None })
        .fetch_one(&mut **tx)
        .await?
        .try_get("id")?;
        sqlx::query("INSERT INTO case_events (case_id, at, actor, action, from_status, to_status, message) VALUES ($1, $2, '社区居委会', 'submit', '', 'submitted', '')")
            .bind(id)
            .bind(&created)
            .execute(&mut **tx)
            .await?;
        if let Some(r) = &replied {
            sqlx::query("INSERT INTO case_events (case_id, at, actor, action, from_status, to_status, message) VALUES ($1, $2, '社区居委会', 'reply', 'in_progress', 'replied', '已处理，请您查看。')")
                .bind(id)
                .bind(r)
                .execute(&mut **tx)
                .await?;
        }
        day = day.saturating_add(jiff::Span::new().days(rng.random_range(2..4)));
    }
    let _ = now;
    Ok(())
}

fn description(category: &str) -> &'static str {
    match category {
        "public_facility" => "楼道灯不亮",
        "dirty_alley" => "巷道垃圾没有清运",
        "environment" => "小区绿化带有积水",
        "public_order" => "夜间有人在楼下喧哗",
        "neighbour_dispute" => "楼上漏水，邻里协商不成",
        "repairs" => "单元门禁损坏",
        _ => "电动车在楼道内充电",
    }
}

/// Each quarter the worker visits a share of the households.
async fn visits(
    tx: &mut Tx,
    rng: &mut ChaCha8Rng,
    street: i64,
    community: i64,
    p: &Profile,
    worker: i64,
    now: &str,
) -> anyhow::Result<()> {
    let rows = sqlx::query(
        "SELECT h.id, h.building_id FROM households h WHERE h.community_id = $1 ORDER BY h.id",
    )
    .bind(community)
    .fetch_all(&mut **tx)
    .await?;
    let today = time::today();
    for q in 0..4i8 {
        let start = date(2026, q * 3 + 1, 1);
        for r in &rows {
            if !rng.random_bool(p.visited) {
                continue;
            }
            let d = start.saturating_add(jiff::Span::new().days(rng.random_range(0..88)));
            if d >= today {
                continue;
            }
            sqlx::query(
                "INSERT INTO visits (street_id, community_id, building_id, household_id, visit_date, visitors, topics, notes, worker_id, created_at) \
                 VALUES ($1, $2, $3, $4, $5, '社区工作者', '了解家庭近况，宣传居民公约', '', $6, $7)",
            )
            .bind(street)
            .bind(community)
            .bind(r.try_get::<i64, _>("building_id")?)
            .bind(r.try_get::<i64, _>("id")?)
            .bind(d.to_string())
            .bind(worker)
            .bind(now)
            .execute(&mut **tx)
            .await?;
        }
    }
    Ok(())
}

/// Monthly finance and quarterly major matters, on time, late or missing as the profile says.
async fn disclosures(
    tx: &mut Tx,
    street: i64,
    community: i64,
    p: &Profile,
    worker: i64,
    now: &str,
) -> anyhow::Result<()> {
    let cal = Calendar::builtin();
    let today = time::today();
    let name: String = sqlx::query("SELECT display_name FROM users WHERE id = $1")
        .bind(worker)
        .fetch_one(&mut **tx)
        .await?
        .try_get("display_name")?;
    for m in 1..=10i8 {
        if p.missing_months.contains(&m) {
            continue;
        }
        let end = date(2026, m, 1).last_of_month();
        let published = if p.late_months.contains(&m) {
            cal.add_working_days(end, 14)
        } else {
            cal.add_working_days(end, 4)
        };
        if published >= today {
            continue;
        }
        let income = 12_000 + i64::from(m) * 350;
        let draft = super::public_year::Draft {
            category: "finance",
            title: format!("2026年{m}月财务收支公开"),
            body: format!("本社区2026年{m}月财务收支情况如下，欢迎居民监督。"),
            period: Some(format!("2026-{m:02}")),
            published,
            lines: vec![
                ("income", "上级拨付办公经费", income),
                ("expense", "办公及活动支出", income - 1_500),
            ],
        };
        super::public_year::publish(tx, street, community, (worker, &name), &draft, now).await?;
    }
    for q in 1..=3i8 {
        let end = date(2026, q * 3, 1).last_of_month();
        let published = cal.add_working_days(
            end,
            if p.late_months.len() > 2 && q == 2 {
                13
            } else {
                6
            },
        );
        let draft = super::public_year::Draft {
            category: "major_matters",
            title: format!("2026年第{q}季度居务公开"),
            body: "本季度议事协调会议定事项、民生项目进展和居民诉求办理情况。".into(),
            period: Some(format!("2026-Q{q}")),
            published,
            lines: vec![],
        };
        super::public_year::publish(tx, street, community, (worker, &name), &draft, now).await?;
    }
    Ok(())
}

/// A council for the community, meeting every month but the ones the profile misses.
async fn council(
    tx: &mut Tx,
    street: i64,
    community: i64,
    p: &Profile,
    now: &str,
) -> anyhow::Result<()> {
    let name: String = sqlx::query("SELECT name FROM communities WHERE id = $1")
        .bind(community)
        .fetch_one(&mut **tx)
        .await?
        .try_get("name")?;
    let body: i64 = sqlx::query("INSERT INTO bodies (street_id, community_id, kind, name, created_at) VALUES ($1, $2, 'council', $3, $4) RETURNING id")
        .bind(street)
        .bind(community)
        .bind(format!("{name}居民议事协调会"))
        .bind(now)
        .fetch_one(&mut **tx)
        .await?
        .try_get("id")?;
    let today = time::today();
    for m in 1..=11i8 {
        let d = date(2026, m, 18);
        if p.missed_months.contains(&m) || d >= today {
            continue;
        }
        sqlx::query(
            "INSERT INTO meetings (body_id, street_id, community_id, kind, title, starts_at, ends_at, location, open_to_residents, status, created_at) \
             VALUES ($1, $2, $3, 'council_monthly', $4, $5, $6, '社区议事厅', 0, 'minutes_published', $7)",
        )
        .bind(body)
        .bind(street)
        .bind(community)
        .bind(format!("{m}月议事协调会例会"))
        .bind(at(d, 19, 0))
        .bind(at(d, 20, 30))
        .bind(now)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// The year's democratic appraisal of the head and the worker by the resident representatives,
/// tallied on 20 November; 三角线社区's result disclosed.
#[allow(clippy::too_many_arguments)]
async fn appraisal(
    tx: &mut Tx,
    rng: &mut ChaCha8Rng,
    street: i64,
    community: i64,
    p: &Profile,
    staff: (i64, i64),
    disclose: bool,
    now: &str,
) -> anyhow::Result<()> {
    let id: i64 = sqlx::query(
        "INSERT INTO appraisals (street_id, community_id, title, period, status, closes_on, created_at, closed_at) VALUES ($1, $2, '2026年度社区干部民主评议', '2026', 'closed', '2026-11-20', $3, $3) RETURNING id",
    )
    .bind(street)
    .bind(community)
    .bind(now)
    .fetch_one(&mut **tx)
    .await?
    .try_get("id")?;
    let reps = ids(tx, "SELECT id FROM residents WHERE community_id = $1 AND rep_resident = 1 AND status = 'living' ORDER BY id LIMIT 40", community).await?;
    let mut subjects = Vec::new();
    for (uid, post) in [(staff.0, "社区书记/主任"), (staff.1, "社区工作者")] {
        let name: String = sqlx::query("SELECT display_name FROM users WHERE id = $1")
            .bind(uid)
            .fetch_one(&mut **tx)
            .await?
            .try_get("display_name")?;
        let name = name.rsplit(' ').next().unwrap_or(&name).to_owned();
        let sid: i64 = sqlx::query("INSERT INTO appraisal_subjects (appraisal_id, user_id, name, post) VALUES ($1, $2, $3, $4) RETURNING id")
            .bind(id)
            .bind(uid)
            .bind(&name)
            .bind(post)
            .fetch_one(&mut **tx)
            .await?
            .try_get("id")?;
        subjects.push((sid, name, post, [0i64; 3]));
    }
    for r in &reps {
        sqlx::query("INSERT INTO appraisal_voters (appraisal_id, resident_id) VALUES ($1, $2)")
            .bind(id)
            .bind(r)
            .execute(&mut **tx)
            .await?;
        let mut marks = Vec::new();
        for s in &mut subjects {
            let x: f64 = rng.random();
            let j = if x < p.content {
                0
            } else if x < p.content + (1.0 - p.content) * 0.7 {
                1
            } else {
                2
            };
            s.3[j] += 1;
            marks.push(format!(
                "{}:{}",
                s.0,
                crate::supervision::appraisals::CHOICES[j]
            ));
        }
        sqlx::query(
            "INSERT INTO appraisal_ballots (token, appraisal_id, choices) VALUES ($1, $2, $3)",
        )
        .bind(format!("{:032x}", rng.random::<u128>()))
        .bind(id)
        .bind(marks.join(","))
        .execute(&mut **tx)
        .await?;
    }
    for s in &subjects {
        sqlx::query("UPDATE appraisal_subjects SET satisfied = $1, basically = $2, unsatisfied = $3 WHERE id = $4")
            .bind(s.3[0])
            .bind(s.3[1])
            .bind(s.3[2])
            .bind(s.0)
            .execute(&mut **tx)
            .await?;
    }
    sqlx::query("UPDATE appraisals SET ballots_counted = $1 WHERE id = $2")
        .bind(reps.len() as i64)
        .bind(id)
        .execute(&mut **tx)
        .await?;
    if disclose {
        let worker: String = sqlx::query("SELECT display_name FROM users WHERE id = $1")
            .bind(staff.1)
            .fetch_one(&mut **tx)
            .await?
            .try_get("display_name")?;
        let mut body = format!(
            "2026年度社区干部民主评议\n评议期间：2026　有效票数：{}\n\n",
            reps.len()
        );
        for (_, name, post, c) in &subjects {
            let total = (c[0] + c[1] + c[2]).max(1);
            body.push_str(&format!(
                "{post} {name}：满意 {}，基本满意 {}，不满意 {}；满意率 {:.1}%\n",
                c[0],
                c[1],
                c[2],
                (c[0] + c[1]) as f64 * 100.0 / total as f64
            ));
        }
        let draft = super::public_year::Draft {
            category: "appraisal",
            title: "2026年度社区干部民主评议结果公示".into(),
            body,
            period: None,
            published: date(2026, 11, 23),
            lines: vec![],
        };
        let notice =
            super::public_year::publish(tx, street, community, (staff.1, &worker), &draft, now)
                .await?;
        sqlx::query("UPDATE appraisals SET disclosure_id = $1 WHERE id = $2")
            .bind(notice)
            .bind(id)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

/// More work handed down without admission: one for 十字街, four for 光明.
async fn unadmitted(
    tx: &mut Tx,
    street: i64,
    communities: &[i64],
    now: &str,
) -> anyhow::Result<()> {
    let reports: [(usize, &str, &str, &str); 5] = [
        (
            1,
            "区文明办",
            "要求社区每周上报创建文明城区台账",
            "2026-10-12",
        ),
        (
            2,
            "区文明办",
            "要求社区每周上报创建文明城区台账",
            "2026-10-12",
        ),
        (
            2,
            "区市场监管局",
            "要求社区逐户排查燃气灶具并拍照上传",
            "2026-10-20",
        ),
        (
            2,
            "街道综治办",
            "要求社区工作人员夜间轮流值守治安卡点",
            "2026-11-03",
        ),
        (
            2,
            "区统计局",
            "要求社区代为填报辖区企业统计报表",
            "2026-11-16",
        ),
    ];
    for (i, sender, description, received) in reports {
        let Some(c) = communities.get(i) else {
            continue;
        };
        sqlx::query("INSERT INTO unadmitted_tasks (street_id, community_id, sender, description, received_on, created_at) VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(street)
            .bind(c)
            .bind(sender)
            .bind(description)
            .bind(received)
            .bind(now)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

/// (phase, title, due, done in each community, passed in each community).
type CampaignTask = (
    &'static str,
    &'static str,
    &'static str,
    [bool; 3],
    [bool; 3],
);

/// The rollout campaign, in its third phase (建章立制) at the end of November.
async fn campaign(tx: &mut Tx, street: i64, communities: &[i64], now: &str) -> anyhow::Result<()> {
    let group: i64 = sqlx::query("SELECT id FROM bodies WHERE street_id = $1 AND kind = 'leading_group' AND parent_id IS NULL").bind(street).fetch_one(&mut **tx).await?.try_get("id")?;
    let part = |name: &'static str| {
        sqlx::query("SELECT id FROM bodies WHERE parent_id = $1 AND name = $2")
            .bind(group)
            .bind(name)
    };
    let office: i64 = part("领导小组办公室")
        .fetch_one(&mut **tx)
        .await?
        .try_get("id")?;
    let inspection: i64 = part("领导小组督查组")
        .fetch_one(&mut **tx)
        .await?
        .try_get("id")?;
    let street_user = user(tx, "street").await?;
    let id: i64 = sqlx::query("INSERT INTO campaigns (street_id, title, leading_group_id, office_id, inspection_id, created_by, created_at) VALUES ($1, '新华街道居民自治工作推进', $2, $3, $4, $5, $6) RETURNING id")
        .bind(street)
        .bind(group)
        .bind(office)
        .bind(inspection)
        .bind(street_user)
        .bind(now)
        .fetch_one(&mut **tx)
        .await?
        .try_get("id")?;
    for (phase, from, to) in [
        ("mobilize", "2026-09-01", "2026-09-30"),
        ("publicize", "2026-10-01", "2026-10-31"),
        ("structure", "2026-11-01", "2026-12-15"),
        ("launch", "2026-12-16", "2027-03-31"),
    ] {
        sqlx::query("INSERT INTO campaign_phases (campaign_id, phase, starts_on, ends_on) VALUES ($1, $2, $3, $4)").bind(id).bind(phase).bind(from).bind(to).execute(&mut **tx).await?;
    }
    // (phase, title, due, done in community i?, passed?)
    let tasks: [CampaignTask; 8] = [
        (
            "mobilize",
            "召开社区居民自治工作动员会",
            "2026-09-20",
            [true; 3],
            [true; 3],
        ),
        (
            "mobilize",
            "成立社区居民自治工作小组",
            "2026-09-30",
            [true; 3],
            [true, true, false],
        ),
        (
            "publicize",
            "入户发放居民自治宣传资料",
            "2026-10-20",
            [true; 3],
            [true, true, false],
        ),
        (
            "publicize",
            "在公示栏和居民微信群宣传自治章程草案",
            "2026-10-31",
            [true, true, false],
            [true, false, false],
        ),
        (
            "structure",
            "选举产生楼栋长和居民议事协调会",
            "2026-11-30",
            [true, true, false],
            [true, false, false],
        ),
        (
            "structure",
            "起草社区居民自治章程并征求意见",
            "2026-12-10",
            [true, false, false],
            [false; 3],
        ),
        (
            "structure",
            "建立居务公开栏和民情日志",
            "2026-12-15",
            [false; 3],
            [false; 3],
        ),
        (
            "launch",
            "居民代表大会表决通过自治章程",
            "2027-01-31",
            [false; 3],
            [false; 3],
        ),
    ];
    for (phase, title, due, done, passed) in tasks {
        for (i, c) in communities.iter().enumerate().take(3) {
            let done_on = done[i].then(|| date_before(due));
            sqlx::query(
                "INSERT INTO campaign_tasks (campaign_id, phase, community_id, title, due_on, done_on, done_note, inspected_on, inspection, inspected_by, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
            )
            .bind(id)
            .bind(phase)
            .bind(c)
            .bind(title)
            .bind(due)
            .bind(&done_on)
            .bind(done[i].then_some("已按要求完成，材料已报街道。"))
            .bind((passed[i] && done[i]).then(|| due.to_owned()))
            .bind((passed[i] && done[i]).then_some("passed"))
            .bind((passed[i] && done[i]).then_some(street_user))
            .bind(now)
            .execute(&mut **tx)
            .await?;
        }
    }
    Ok(())
}

/// A few days before the due date, or today if that is earlier.
fn date_before(due: &str) -> String {
    let d: Date = due.parse().unwrap_or_else(|_| time::today());
    let d = d.saturating_sub(jiff::Span::new().days(4));
    d.min(time::today()).to_string()
}
