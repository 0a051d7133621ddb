//! The street at full scale for the benchmark: cases over two years, in every state, across
//! every community, up to `STREET_CASES` in all, written in bulk.

use jiff::civil::Date;
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use sqlx::Row;

use super::assessment_year::at;
use crate::platform::calendar::Calendar;
use crate::platform::db::{Tx, Val, bulk_insert};
use crate::platform::time;

const CATEGORIES: [(&str, u32, bool); 10] = [
    ("public_facility", 5, false),
    ("dirty_alley", 3, false),
    ("environment", 5, false),
    ("public_order", 3, false),
    ("neighbour_dispute", 5, false),
    ("repairs", 5, false),
    ("safety_hazard", 2, false),
    ("house_rented", 5, true),
    ("new_pregnancy", 5, true),
    ("serious_illness", 2, true),
];

const OPEN: [&str; 5] = [
    "submitted",
    "accepted",
    "assigned",
    "in_progress",
    "reopened",
];

/// Adds cases until the street holds `total`, filed over the two years up to today.
pub(super) async fn cases(
    tx: &mut Tx,
    rng: &mut ChaCha8Rng,
    communities: &[i64],
    total: i64,
) -> anyhow::Result<()> {
    let have: i64 = sqlx::query("SELECT COUNT(*) AS n FROM cases")
        .fetch_one(&mut **tx)
        .await?
        .try_get("n")?;
    let cal = Calendar::builtin();
    let today = time::today();
    let start = today.saturating_sub(jiff::Span::new().days(730));
    let mut places = Vec::new();
    for c in communities {
        let buildings: Vec<i64> = sqlx::query("SELECT id FROM buildings WHERE community_id = $1")
            .bind(c)
            .fetch_all(&mut **tx)
            .await?
            .iter()
            .map(|r| r.try_get("id"))
            .collect::<Result<_, _>>()?;
        let staff: Vec<i64> = sqlx::query("SELECT user_id FROM grants WHERE community_id = $1 AND role IN ('community_worker', 'community_head')")
            .bind(c)
            .fetch_all(&mut **tx)
            .await?
            .iter()
            .map(|r| r.try_get("user_id"))
            .collect::<Result<_, _>>()?;
        places.push((*c, buildings, staff));
    }
    let mut rows = Vec::new();
    for n in 0..(total - have).max(0) {
        let (community, buildings, staff) = &places[rng.random_range(0..places.len())];
        let (category, days, sensitive) = CATEGORIES[rng.random_range(0..CATEGORIES.len())];
        let day: Date = start.saturating_add(jiff::Span::new().days(rng.random_range(0..730)));
        let created = at(day, rng.random_range(7..21), rng.random_range(0..60));
        let due = cal.add_working_days(day, days);
        let age = (today - day).get_days();
        let status = if age > 20 {
            match rng.random_range(0..100) {
                0..=54 => "closed",
                55..=89 => "replied",
                90..=94 => "rejected",
                _ => OPEN[rng.random_range(0..OPEN.len())],
            }
        } else {
            match rng.random_range(0..100) {
                0..=29 => "replied",
                30..=39 => "closed",
                _ => OPEN[rng.random_range(0..OPEN.len())],
            }
        };
        let answered = matches!(status, "closed" | "replied" | "rejected");
        let reply_day = if rng.random_bool(0.85) {
            cal.add_working_days(day, rng.random_range(0..=days))
        } else {
            cal.add_working_days(due, rng.random_range(1..6))
        }
        .min(today);
        let replied = answered.then(|| at(reply_day, 16, rng.random_range(0..60)));
        let satisfied = (status == "closed" && rng.random_bool(0.7)).then(|| rng.random_bool(0.86));
        let assignee = (status != "submitted" && !staff.is_empty())
            .then(|| staff[rng.random_range(0..staff.len())]);
        rows.push(vec![
            Val::I(*community),
            Val::I(buildings[rng.random_range(0..buildings.len())]),
            Val::T(category.into()),
            Val::B(sensitive),
            Val::T(
                if rng.random_bool(0.6) {
                    "web"
                } else {
                    "reception"
                }
                .into(),
            ),
            Val::T(status.into()),
            Val::T(format!(
                "居民反映的问题（{}年{}月）",
                day.year(),
                day.month()
            )),
            Val::T(format!("S{n:07}")),
            assignee.map_or(Val::NullI, Val::I),
            Val::T(at(due, 23, 59)),
            Val::T(
                if status == "rejected" {
                    ""
                } else if answered {
                    "已处理，请您查看。"
                } else {
                    ""
                }
                .into(),
            ),
            Val::T(
                if status == "rejected" {
                    "不属于社区职责，已告知居民向物业反映。"
                } else {
                    ""
                }
                .into(),
            ),
            satisfied.map_or(Val::NullI, |s| Val::I(i64::from(s))),
            Val::T(created.clone()),
            Val::T(replied.clone().unwrap_or_else(|| created.clone())),
            replied.clone().map_or(Val::NullT, Val::T),
            if status == "closed" {
                replied.map_or(Val::NullT, Val::T)
            } else {
                Val::NullT
            },
            Val::I(i64::from(status == "reopened")),
        ]);
        if rows.len() == 20_000 {
            write(tx, &rows).await?;
            rows.clear();
        }
    }
    write(tx, &rows).await?;
    // Every case's history starts with its filing; answered ones have their answer.
    sqlx::query(
        "INSERT INTO case_events (case_id, at, actor, action, from_status, to_status, message) \
         SELECT id, created_at, '居民', 'submit', '', 'submitted', '' FROM cases WHERE tracking_code LIKE 'S%'",
    )
    .execute(&mut **tx)
    .await?;
    sqlx::query(
        "INSERT INTO case_events (case_id, at, actor, action, from_status, to_status, message) \
         SELECT id, replied_at, '社区居委会', 'reply', 'in_progress', 'replied', reply FROM cases WHERE tracking_code LIKE 'S%' AND replied_at IS NOT NULL",
    )
    .execute(&mut **tx)
    .await?;
    escalated(tx, "S%").await
}

/// History's overdue open cases went on the supervision list long ago, as the sweep would have
/// put them: marked, with the sweep's entry on their timeline (so that the server's first
/// sweep does not have years of history to catch up on).
pub(super) async fn escalated(tx: &mut Tx, codes: &str) -> anyhow::Result<()> {
    let now = time::now_db();
    let open = OPEN.map(|s| format!("'{s}'")).join(", ");
    sqlx::query(&format!(
        "UPDATE cases SET supervised_at = deadline, supervision_reason = '超过办理时限' \
         WHERE tracking_code LIKE $1 AND supervised_at IS NULL AND deadline < $2 AND status IN ({open})"
    ))
    .bind(codes)
    .bind(&now)
    .execute(&mut **tx)
    .await?;
    sqlx::query(
        "INSERT INTO case_events (case_id, at, actor, action, from_status, to_status, message, public) \
         SELECT id, supervised_at, 'system', 'supervise', status, status, supervision_reason, 0 FROM cases \
         WHERE tracking_code LIKE $1 AND supervised_at IS NOT NULL",
    )
    .bind(codes)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

async fn write(tx: &mut Tx, rows: &[Vec<Val>]) -> anyhow::Result<()> {
    let columns = [
        "community_id",
        "building_id",
        "category",
        "sensitive",
        "channel",
        "status",
        "description",
        "tracking_code",
        "assignee_user_id",
        "deadline",
        "reply",
        "reject_reason",
        "satisfied",
        "created_at",
        "updated_at",
        "replied_at",
        "closed_at",
        "reopen_count",
    ];
    bulk_insert(tx, "cases", &columns, rows).await?;
    Ok(())
}
