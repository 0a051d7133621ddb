//! The counts behind each component for one community (or one worker) and period, read from
//! the areas that own the records: cases, visits, disclosures, council meetings, agreements,
//! appraisals, unadmitted work.

use jiff::civil::Date;
use sqlx::Row;

use super::{Period, UNADMITTED_TOLERANCE};
use crate::disclosure::timeliness::PeriodStatus;
use crate::platform::AppState;
use crate::platform::error::AppError;
use crate::platform::i18n::Lang;
use crate::platform::time;

/// The counts behind each component, in `COMPONENTS` order; `None` where a component does not
/// apply (to one worker: disclosure, regularity, agreements, unadmitted work).
pub async fn counts(
    state: &AppState,
    community: i64,
    p: &Period,
    worker: Option<i64>,
) -> Result<[Option<(i64, i64)>; 9], AppError> {
    let pool = state.db.read();
    let (start, end) = instants(p)?;
    let who = if worker.is_some() {
        " AND assignee_user_id = $5"
    } else {
        ""
    };
    let due = crate::cases::stats::ON_TIME_DUE;
    let r = sqlx::query(&format!(
        "SELECT COUNT(*) AS total, COUNT(CASE WHEN replied_at IS NOT NULL THEN 1 END) AS answered, \
         COUNT(CASE WHEN replied_at IS NOT NULL AND replied_at <= deadline THEN 1 END) AS on_time, \
         COUNT(CASE WHEN {due}$4 THEN 1 END) AS due, \
         COUNT(CASE WHEN satisfied IS NOT NULL THEN 1 END) AS rated, COUNT(CASE WHEN satisfied = 1 THEN 1 END) AS satisfied \
         FROM cases WHERE community_id = $1 AND created_at >= $2 AND created_at < $3{who}"
    ))
    .bind(community)
    .bind(&start)
    .bind(&end)
    .bind(time::now_db())
    .bind(worker.unwrap_or(0))
    .fetch_one(pool)
    .await?;
    let n = |c: &str| -> Result<i64, sqlx::Error> { r.try_get::<i64, _>(c) };
    let (total, answered) = (n("total")?, n("answered")?);
    let mut out: [Option<(i64, i64)>; 9] = [None; 9];
    out[0] = Some((answered, total));
    out[1] = Some((n("on_time")?, n("due")?));
    out[2] = Some((n("satisfied")?, n("rated")?));
    out[3] = Some(visits(pool, community, p, worker).await?);
    out[7] = Some(appraisal(pool, community, p, worker).await?);
    if worker.is_some() {
        return Ok(out);
    }
    out[4] = Some(disclosure(state, community, p).await?);
    out[5] = Some(regularity(state, community, p).await?);
    out[6] = Some(agreements(pool, community, p).await?);
    let unadmitted: i64 = sqlx::query(
        "SELECT COUNT(*) AS n FROM unadmitted_tasks WHERE community_id = $1 AND received_on >= $2 AND received_on <= $3",
    )
    .bind(community)
    .bind(p.from.to_string())
    .bind(p.to.to_string())
    .fetch_one(pool)
    .await?
    .try_get("n")?;
    out[8] = Some((unadmitted, UNADMITTED_TOLERANCE));
    Ok(out)
}

/// Households visited in the period (by the worker, or by anyone), out of the community's
/// households: the totals of `daily::coverage::coverage`, without its per-building breakdown.
async fn visits(
    pool: &crate::platform::reader::Reader,
    community: i64,
    p: &Period,
    worker: Option<i64>,
) -> Result<(i64, i64), AppError> {
    let visited =
        crate::daily::coverage::households_visited(pool, community, p.from, p.to, worker).await?;
    let households: i64 =
        sqlx::query("SELECT COUNT(*) AS n FROM households WHERE community_id = $1")
            .bind(community)
            .fetch_one(pool)
            .await?
            .try_get("n")?;
    Ok((visited, households))
}

/// The period as stored instants: from the start of its first day to the start of the day after
/// its last, Asia/Shanghai.
pub fn instants(p: &Period) -> Result<(String, String), AppError> {
    let after = p.to.tomorrow().map_err(AppError::internal)?;
    Ok((time::day_start_db(p.from), time::day_start_db(after)))
}

/// The cadenced notices due within the period (and already due): on time, out of all.
async fn disclosure(state: &AppState, community: i64, p: &Period) -> Result<(i64, i64), AppError> {
    let today = time::today();
    let mut n = (0, 0);
    for t in crate::disclosure::timeliness::of_community(
        state,
        community,
        p.from.year(),
        Lang::ZhCn,
        today,
    )
    .await?
    {
        for period in t.periods {
            let due: Date = period.due.parse().map_err(AppError::internal)?;
            if due < p.from || due > p.to || period.status == PeriodStatus::Pending {
                continue;
            }
            n.1 += 1;
            if period.status == PeriodStatus::OnTime {
                n.0 += 1;
            }
        }
    }
    Ok(n)
}

/// The council's months in the period: with a meeting held, out of the months that have ended
/// (and the current month once it has had its meeting).
async fn regularity(state: &AppState, community: i64, p: &Period) -> Result<(i64, i64), AppError> {
    let months = council_months(state, community, p).await?;
    let held = months.iter().filter(|(_, n, _)| *n > 0).count() as i64;
    let due = months
        .iter()
        .filter(|(_, n, ended)| *ended || *n > 0)
        .count() as i64;
    Ok((held, due))
}

/// Each month of the period that has begun: (first day, meetings held, whether it has ended).
pub async fn council_months(
    state: &AppState,
    community: i64,
    p: &Period,
) -> Result<Vec<(Date, i64, bool)>, AppError> {
    let today = time::today();
    let mut held = [0i64; 12];
    for r in sqlx::query("SELECT id FROM bodies WHERE community_id = $1 AND kind = 'council'")
        .bind(community)
        .fetch_all(state.db.read())
        .await?
    {
        let by_month = crate::council::meetings::regularity::held_by_month(
            state.db.read(),
            r.try_get("id")?,
            p.from.year(),
        )
        .await?;
        for (h, n) in held.iter_mut().zip(by_month) {
            *h += n;
        }
    }
    Ok((p.from.month()..=p.to.month())
        .map(|m| jiff::civil::date(p.from.year(), m, 1))
        .filter(|d| *d <= today)
        .map(|d| (d, held[(d.month() - 1) as usize], d.last_of_month() < today))
        .collect())
}

/// Agreements in force during the period: kept by the committee (no committee breach in the
/// period), out of all.
async fn agreements(
    pool: &crate::platform::reader::Reader,
    community: i64,
    p: &Period,
) -> Result<(i64, i64), AppError> {
    let r = sqlx::query(
        "SELECT COUNT(*) AS n, COUNT(CASE WHEN NOT EXISTS (SELECT 1 FROM agreement_breaches b WHERE b.agreement_id = a.id AND b.party = 'committee' \
         AND b.occurred_on >= $2 AND b.occurred_on <= $3) THEN 1 END) AS kept \
         FROM agreements a WHERE a.community_id = $1 AND a.signed_on IS NOT NULL AND a.signed_on <= $3 AND a.valid_to >= $2",
    )
    .bind(community)
    .bind(p.from.to_string())
    .bind(p.to.to_string())
    .fetch_one(pool)
    .await?;
    Ok((r.try_get("kept")?, r.try_get("n")?))
}

/// Appraisals tallied within the period: 满意 and 基本满意 votes, out of all votes (of one
/// worker, or of every cadre appraised).
async fn appraisal(
    pool: &crate::platform::reader::Reader,
    community: i64,
    p: &Period,
    worker: Option<i64>,
) -> Result<(i64, i64), AppError> {
    let who = if worker.is_some() {
        " AND s.user_id = $4"
    } else {
        ""
    };
    let rows = sqlx::query(&format!(
        "SELECT s.satisfied, s.basically, s.unsatisfied FROM appraisal_subjects s JOIN appraisals a ON a.id = s.appraisal_id \
         WHERE a.community_id = $1 AND a.status = 'closed' AND a.closes_on >= $2 AND a.closes_on <= $3{who}"
    ))
    .bind(community)
    .bind(p.from.to_string())
    .bind(p.to.to_string())
    .bind(worker.unwrap_or(0))
    .fetch_all(pool)
    .await?;
    let mut n = (0, 0);
    for r in &rows {
        let (s, b, u): (Option<i64>, Option<i64>, Option<i64>) = (
            r.try_get("satisfied")?,
            r.try_get("basically")?,
            r.try_get("unsatisfied")?,
        );
        let (s, b, u) = (s.unwrap_or(0), b.unwrap_or(0), u.unwrap_or(0));
        n.0 += s + b;
        n.1 += s + b + u;
    }
    Ok(n)
}
