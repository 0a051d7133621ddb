//! The other communities' disclosures and councils in the demo year: notices on time, late or
//! missing, and council months held or missed, as each community's profile says.

use jiff::civil::date;
use sqlx::Row;

use super::assessment_year::{Profile, at};
use crate::platform::calendar::Calendar;
use crate::platform::db::Tx;
use crate::platform::time;

/// Monthly finance and quarterly major matters, on time, late or missing as the profile says.
pub(super) async fn disclosures(
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
pub(super) async fn council(
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
