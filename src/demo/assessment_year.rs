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
pub(super) struct Profile {
    pub(super) answered: f64,
    pub(super) on_time: f64,
    pub(super) satisfied: f64,
    pub(super) visited: f64,
    pub(super) missed_months: &'static [i8],
    pub(super) late_months: &'static [i8],
    pub(super) missing_months: &'static [i8],
    pub(super) content: f64,
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

pub(super) async fn ids(tx: &mut Tx, sql: &str, bind: i64) -> anyhow::Result<Vec<i64>> {
    Ok(sqlx::query(sql)
        .bind(bind)
        .fetch_all(&mut **tx)
        .await?
        .iter()
        .map(|r| r.try_get("id"))
        .collect::<Result<_, _>>()?)
}

pub(super) async fn user(tx: &mut Tx, username: &str) -> anyhow::Result<i64> {
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
    for (i, c) in communities.iter().enumerate().skip(1) {
        let name: String = sqlx::query("SELECT name FROM communities WHERE id = $1")
            .bind(c)
            .fetch_one(&mut **tx)
            .await?
            .try_get("name")?;
        let pair: [(String, String, &str); 2] = match STAFF.get(i - 1) {
            Some(p) => p.map(|(u, d, r)| (u.to_owned(), d.to_owned(), r)),
            None => [
                (
                    format!("head{}", i + 1),
                    format!("{name} 书记 {}", super::names::full_name(rng)),
                    "community_head",
                ),
                (
                    format!("worker{}", i + 1),
                    format!("{name} 社区工作者 {}", super::names::full_name(rng)),
                    "community_worker",
                ),
            ],
        };
        let mut ids = Vec::new();
        for (username, display, role) in &pair {
            let uid: i64 = sqlx::query(
                "INSERT INTO users (username, display_name, password_hash, resident_id, disabled, created_at, password_changed_at, totp_exempt) VALUES ($1, $2, $3, NULL, 0, $4, $4, 1) RETURNING id",
            )
            .bind(username)
            .bind(display)
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
                Scope::Community(*c),
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
        let p = &PROFILES[i % PROFILES.len()];
        let (head, worker) = staff[i];
        cases(tx, rng, *c, p, (head, worker), now).await?;
        if i > 0 {
            visits(tx, rng, street, *c, p, worker, now).await?;
            super::community_year::disclosures(tx, street, *c, p, worker, now).await?;
            super::community_year::council(tx, street, *c, p, now).await?;
            let households = ids(
                tx,
                "SELECT id FROM households WHERE community_id = $1 ORDER BY id",
                *c,
            )
            .await?;
            super::daily_year::agreements(tx, street, *c, &households, worker, now).await?;
        }
        let board = if i == 0 {
            Some(user(tx, "supervisor").await?)
        } else {
            None
        };
        super::appraisal_year::appraisal(tx, rng, street, *c, p, (head, worker), board, now)
            .await?;
    }
    super::scale::escalated(tx, "DEMO%").await?;
    super::campaign_year::unadmitted(tx, street, communities, now).await?;
    super::campaign_year::campaign(tx, street, communities, now).await?;
    Ok(())
}

pub(super) fn at(d: Date, hour: i8, minute: i8) -> String {
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
