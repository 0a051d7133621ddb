//! 件件有回应: how many cases were answered, on time, to the residents' satisfaction; by
//! category and by month. `GET /api/v1/cases/stats` and the dashboard page with SVG charts.

use crate::platform::web::Query;
use askama::Template;
use axum::Json;
use axum::extract::State;
use axum::response::Response;
use serde::{Deserialize, Serialize};
use sqlx::Row;
use utoipa::{IntoParams, ToSchema};

use crate::auth::{Action, Ctx, Target, scope::scope_condition};
use crate::platform::AppState;
use crate::platform::db::{Filter, Val, bind_vals};
use crate::platform::error::AppError;
use crate::platform::i18n::Tr;
use crate::platform::time;
use crate::platform::web::{Chrome, page};

#[derive(Clone, Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StatsQuery {
    pub community_id: Option<i64>,
    /// First day (YYYY-MM-DD, Asia/Shanghai); default: 365 days ago.
    pub from: Option<String>,
    /// Last day (YYYY-MM-DD); default: today.
    pub to: Option<String>,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct CategoryStats {
    pub category: String,
    pub total: i64,
    pub answered: i64,
    pub on_time: i64,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct MonthStats {
    /// YYYY-MM.
    pub month: String,
    pub total: i64,
    pub answered: i64,
}

/// 件件有回应's on-time rule (M12), one definition for the statistics and the assessment: a case
/// is due once it is answered or its deadline has passed (bound to now); it is on time if it
/// was answered by its deadline. The rate is on time ÷ due.
pub const ON_TIME_DUE: &str = "replied_at IS NOT NULL OR deadline < ";

/// `ON_TIME_DUE` for one case, for lists of the cases behind the rate.
pub fn on_time_due(replied: Option<&str>, deadline: &str, now: &str) -> bool {
    replied.is_some() || deadline < now
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Stats {
    pub total: i64,
    /// Answered (replied or rejected with a reason) ÷ total, 0–1.
    pub response_rate: f64,
    /// Answered by the deadline ÷ cases due (`ON_TIME_DUE`): an unanswered case past its
    /// deadline counts as late, not as nothing.
    pub on_time_rate: f64,
    /// Rated satisfied ÷ rated.
    pub satisfaction_rate: f64,
    /// Still owing an answer past the deadline.
    pub overdue: i64,
    pub by_category: Vec<CategoryStats>,
    pub by_month: Vec<MonthStats>,
}

fn ratio(a: i64, b: i64) -> f64 {
    if b == 0 { 0.0 } else { a as f64 / b as f64 }
}

/// The day range as stored instants: from the start of `from` to the end of `to`, Shanghai.
fn range(q: &StatsQuery) -> Result<(String, String), AppError> {
    let tz = time::shanghai();
    let parse = time::parse_day;
    let to = match &q.to {
        Some(s) => parse("to", s)?,
        None => time::today(),
    };
    let from = match &q.from {
        Some(s) => parse("from", s)?,
        None => to
            .checked_sub(jiff::Span::new().days(365))
            .map_err(|_| AppError::invalid("from", "input.bad_date"))?,
    };
    if from > to {
        return Err(AppError::invalid("from", "cases.range_order"));
    }
    let start = from
        .to_zoned_datetime(tz.clone())
        .map_err(AppError::internal)?
        .timestamp();
    let end = to
        .tomorrow()
        .map_err(AppError::internal)?
        .to_zoned_datetime(tz.clone())
        .map_err(AppError::internal)?
        .timestamp();
    Ok((time::to_db(start), time::to_db(end)))
}

pub async fn compute(state: &AppState, ctx: &Ctx, q: &StatsQuery) -> Result<Stats, AppError> {
    let scopes = ctx.scopes(Action::CaseRead);
    let Some((cond, vals)) = scope_condition(
        &scopes,
        "c.street_id",
        "k.community_id",
        Some("k.building_id"),
    ) else {
        ctx.require(Action::CaseRead, Target::System)?;
        return Err(AppError::forbidden());
    };
    let (start, end) = range(q)?;
    let mut f = Filter::default();
    f.and(&cond, vals);
    f.and(
        "k.created_at >= ? AND k.created_at < ?",
        [Val::T(start), Val::T(end)],
    );
    if let Some(c) = q.community_id {
        f.and("k.community_id = ?", [Val::I(c)]);
    }
    let now = time::now_db();
    let from = "FROM cases k JOIN communities c ON c.id = k.community_id";
    let due = ON_TIME_DUE;
    let sql = format!(
        "SELECT k.category, COUNT(*) AS total, \
         SUM(CASE WHEN k.replied_at IS NOT NULL THEN 1 ELSE 0 END) AS answered, \
         SUM(CASE WHEN k.replied_at IS NOT NULL AND k.replied_at <= k.deadline THEN 1 ELSE 0 END) AS on_time, \
         SUM(CASE WHEN {due}${0} THEN 1 ELSE 0 END) AS due, \
         SUM(CASE WHEN k.satisfied IS NOT NULL THEN 1 ELSE 0 END) AS rated, \
         SUM(CASE WHEN k.satisfied = 1 THEN 1 ELSE 0 END) AS satisfied, \
         SUM(CASE WHEN k.status IN ('submitted', 'accepted', 'assigned', 'in_progress', 'reopened') AND k.deadline < ${0} THEN 1 ELSE 0 END) AS overdue \
         {from} {1} GROUP BY k.category ORDER BY total DESC, k.category",
        f.len() + 1,
        f.sql()
    );
    let mut vals = f.vals.clone();
    vals.push(Val::T(now));
    let rows = bind_vals(sqlx::query(&sql), &vals)
        .fetch_all(state.db.read())
        .await?;
    let (mut total, mut answered, mut on_time, mut rated, mut satisfied, mut overdue) =
        (0, 0, 0, 0, 0, 0);
    let mut due = 0;
    let mut by_category = Vec::new();
    for r in &rows {
        let n = |c: &str| -> Result<i64, sqlx::Error> {
            Ok(r.try_get::<Option<i64>, _>(c)?.unwrap_or(0))
        };
        total += n("total")?;
        answered += n("answered")?;
        on_time += n("on_time")?;
        due += n("due")?;
        rated += n("rated")?;
        satisfied += n("satisfied")?;
        overdue += n("overdue")?;
        by_category.push(CategoryStats {
            category: r.try_get("category")?,
            total: n("total")?,
            answered: n("answered")?,
            on_time: n("on_time")?,
        });
    }
    let sql = format!(
        "SELECT substr(k.created_at, 1, 7) AS month, COUNT(*) AS total, SUM(CASE WHEN k.replied_at IS NOT NULL THEN 1 ELSE 0 END) AS answered \
         {from} {} GROUP BY substr(k.created_at, 1, 7) ORDER BY month",
        f.sql()
    );
    let rows = bind_vals(sqlx::query(&sql), &f.vals)
        .fetch_all(state.db.read())
        .await?;
    let by_month = rows
        .iter()
        .map(|r| {
            Ok(MonthStats {
                month: r.try_get("month")?,
                total: r.try_get("total")?,
                answered: r.try_get::<Option<i64>, _>("answered")?.unwrap_or(0),
            })
        })
        .collect::<Result<_, sqlx::Error>>()?;
    Ok(Stats {
        total,
        response_rate: ratio(answered, total),
        on_time_rate: ratio(on_time, due),
        satisfaction_rate: ratio(satisfied, rated),
        overdue,
        by_category,
        by_month,
    })
}

/// Response, on-time and satisfaction rates, overdue cases, by category and month.
#[utoipa::path(get, path = "/api/v1/cases/stats", tag = "cases", params(StatsQuery), security(("bearer" = [])),
    responses((status = 200, body = Stats), (status = 422)))]
pub(super) async fn stats(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<StatsQuery>,
) -> Result<Json<Stats>, AppError> {
    // Authorized in compute: CaseRead
    Ok(Json(compute(&state, &ctx, &q).await?))
}

/// One bar of a chart, laid out on the server.
pub struct Bar {
    pub label: String,
    pub value: i64,
    pub y: i64,
    pub width: i64,
}

#[derive(Template)]
#[template(path = "cases/dashboard.html")]
struct Dashboard {
    chrome: Chrome,
    t: Tr,
    s: Stats,
    percent: (String, String, String),
    bars: Vec<Bar>,
    months: Vec<Bar>,
}

/// The 件件有回应 dashboard for the community head and the street.
pub async fn dashboard(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<StatsQuery>,
) -> Result<Response, AppError> {
    // Authorized in compute: CaseRead
    let s = compute(&state, &ctx, &q).await?;
    let t = ctx.t();
    let max = s
        .by_category
        .iter()
        .map(|c| c.total)
        .max()
        .unwrap_or(1)
        .max(1);
    let bars = s
        .by_category
        .iter()
        .enumerate()
        .map(|(i, c)| Bar {
            label: t.of("category", &c.category).to_owned(),
            value: c.total,
            y: i as i64 * 28,
            width: c.total * 220 / max,
        })
        .collect();
    let mmax = s.by_month.iter().map(|m| m.total).max().unwrap_or(1).max(1);
    let months = s
        .by_month
        .iter()
        .enumerate()
        .map(|(i, m)| Bar {
            label: m.month.clone(),
            value: m.total,
            y: i as i64 * 26,
            width: m.total * 220 / mmax,
        })
        .collect();
    let pct = |x: f64| format!("{:.1}%", x * 100.0);
    let percent = (
        pct(s.response_rate),
        pct(s.on_time_rate),
        pct(s.satisfaction_rate),
    );
    page(&Dashboard {
        chrome: ctx.chrome(),
        t,
        s,
        percent,
        bars,
        months,
    })
}
