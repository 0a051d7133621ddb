//! Timeliness (M18, M10): each cadenced category's notice is due a number of working days after
//! its period ends. Late and missing periods are shown to the supervisory board and the street.

use crate::platform::web::Query;
use axum::Json;
use axum::extract::State;
use jiff::civil::{Date, date};
use serde::{Deserialize, Serialize};
use sqlx::Row;
use utoipa::{IntoParams, ToSchema};

use super::categories_of;
use crate::auth::{Action, Ctx, Scope, Target};
use crate::platform::AppState;
use crate::platform::error::AppError;
use crate::platform::i18n::Lang;
use crate::platform::time;

crate::workflow_state! {
    /// Where one period's notice stands against its due date: published on time, late,
    /// missing (due and not published), or pending (not yet due).
    pub enum PeriodStatus {
        OnTime = "on_time",
        Late = "late",
        Missing = "missing",
        Pending = "pending",
    }
}

impl PeriodStatus {
    /// Due and not kept: late or missing (flagged on the page).
    pub fn flagged(self) -> bool {
        matches!(self, PeriodStatus::Late | PeriodStatus::Missing)
    }
}

#[derive(Serialize, ToSchema)]
pub struct Period {
    /// 2026-10, 2026-Q3 or 2026.
    pub period: String,
    pub due: String,
    pub published: Option<String>,
    pub status: PeriodStatus,
    /// Working days after the due date, for a late notice.
    pub late_working_days: i64,
}

#[derive(Serialize, ToSchema)]
pub struct CategoryTimeliness {
    pub community_id: i64,
    pub category: String,
    pub name: String,
    pub cadence: String,
    pub periods: Vec<Period>,
    pub on_time: i64,
    pub late: i64,
    pub missing: i64,
}

#[derive(Serialize, ToSchema)]
pub struct Timeliness {
    pub year: i16,
    pub items: Vec<CategoryTimeliness>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TimelinessQuery {
    pub year: Option<i16>,
    pub community_id: Option<i64>,
}

/// The periods of a cadence in a year that have ended by `today`, with their last day.
fn periods(cadence: &str, year: i16, today: Date) -> Vec<(String, Date)> {
    let ends: Vec<(String, Date)> = match cadence {
        "monthly" => (1..=12i8)
            .map(|m| (format!("{year}-{m:02}"), date(year, m, 1).last_of_month()))
            .collect(),
        "quarterly" => (1..=4i8)
            .map(|q| (format!("{year}-Q{q}"), date(year, q * 3, 1).last_of_month()))
            .collect(),
        "yearly" => vec![(year.to_string(), date(year, 12, 31))],
        _ => vec![],
    };
    ends.into_iter().filter(|(_, end)| *end < today).collect()
}

pub async fn timeliness(
    state: &AppState,
    ctx: &Ctx,
    year: i16,
    community: Option<i64>,
) -> Result<Vec<CategoryTimeliness>, AppError> {
    let mut communities: Vec<i64> = Vec::new();
    for s in ctx.scopes(Action::SupervisionRead) {
        let ids: Vec<i64> = match s {
            Scope::Street(st) => {
                sqlx::query("SELECT id FROM communities WHERE street_id = $1 ORDER BY id")
                    .bind(st)
                    .fetch_all(state.db.read())
                    .await?
                    .iter()
                    .map(|r| r.try_get("id"))
                    .collect::<Result<_, _>>()?
            }
            Scope::Community(c) => vec![c],
            Scope::Building(_) => vec![],
        };
        communities.extend(ids);
    }
    if communities.is_empty() {
        ctx.require(Action::SupervisionRead, Target::System)?;
        return Err(AppError::forbidden());
    }
    if let Some(c) = community {
        if !communities.contains(&c) {
            return Err(AppError::forbidden());
        }
        communities = vec![c];
    }
    communities.sort_unstable();
    communities.dedup();
    let today = time::today();
    let mut out = Vec::new();
    for c in communities {
        out.extend(of_community(state, c, year, ctx.lang, today).await?);
    }
    Ok(out)
}

/// One community's cadenced categories in the year, each period that ended before `today`.
pub async fn of_community(
    state: &AppState,
    c: i64,
    year: i16,
    lang: Lang,
    today: Date,
) -> Result<Vec<CategoryTimeliness>, AppError> {
    let mut out = Vec::new();
    for cat in categories_of(state, c, lang).await? {
        let ps = periods(&cat.cadence, year, today);
        if ps.is_empty() {
            continue;
        }
        let published: Vec<(String, String)> = sqlx::query(
            "SELECT period, MIN(publish_date) AS first FROM disclosures WHERE community_id = $1 AND category = $2 AND status = 'published' \
             AND corrects_id IS NULL AND period IS NOT NULL GROUP BY period",
        )
        .bind(c)
        .bind(&cat.code)
        .fetch_all(state.db.read())
        .await?
        .iter()
        .map(|r| Ok((r.try_get("period")?, r.try_get("first")?)))
        .collect::<Result<_, sqlx::Error>>()?;
        let mut t = CategoryTimeliness {
            community_id: c,
            category: cat.code.clone(),
            name: cat.name.clone(),
            cadence: cat.cadence.clone(),
            periods: vec![],
            on_time: 0,
            late: 0,
            missing: 0,
        };
        for (p, end) in ps {
            let due = state
                .calendar
                .add_working_days(end, cat.due_working_days.max(0) as u32);
            let first = published
                .iter()
                .find(|(x, _)| *x == p)
                .map(|(_, d)| d.clone());
            let published_on = first
                .as_deref()
                .map(|d| d.parse::<Date>().map_err(AppError::internal))
                .transpose()?;
            let (status, late) = match published_on {
                Some(d) if d <= due => (PeriodStatus::OnTime, 0),
                Some(d) => (
                    PeriodStatus::Late,
                    state.calendar.working_days_between(due, d) as i64,
                ),
                None if today > due => (PeriodStatus::Missing, 0),
                None => (PeriodStatus::Pending, 0),
            };
            match status {
                PeriodStatus::OnTime => t.on_time += 1,
                PeriodStatus::Late => t.late += 1,
                PeriodStatus::Missing => t.missing += 1,
                PeriodStatus::Pending => {}
            }
            t.periods.push(Period {
                period: p,
                due: due.to_string(),
                published: first,
                status,
                late_working_days: late,
            });
        }
        out.push(t);
    }
    Ok(out)
}

/// On time, late and missing notices per cadenced category (supervisory board, council, head,
/// street).
#[utoipa::path(get, path = "/api/v1/disclosures/timeliness", tag = "disclosure", params(TimelinessQuery), security(("bearer" = [])),
    responses((status = 200, body = Timeliness), (status = 403)))]
pub(super) async fn report(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<TimelinessQuery>,
) -> Result<Json<Timeliness>, AppError> {
    // Authorized in timeliness: SupervisionRead
    let year = q.year.unwrap_or_else(|| time::today().year());
    if !(2000..=2100).contains(&year) {
        return Err(AppError::invalid("year", "input.bad_year"));
    }
    let items = timeliness(&state, &ctx, year, q.community_id).await?;
    Ok(Json(Timeliness { year, items }))
}
