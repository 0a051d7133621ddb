//! Visit coverage (M13, M16): which households were visited in a quarter or any span of days,
//! per building and per visitor, from workers' visits and leaders' visit entries.

use crate::platform::web::Query;
use axum::Json;
use axum::extract::State;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use sqlx::Row;
use utoipa::{IntoParams, ToSchema};

use super::community_place;
use crate::auth::{Action, Ctx};
use crate::platform::AppState;
use crate::platform::error::AppError;
use crate::platform::time;

#[derive(Serialize, ToSchema)]
pub struct Share {
    /// A building's number, or a worker's name.
    pub name: String,
    pub id: i64,
    pub households: i64,
    pub visited: i64,
    /// visited / households, 0 to 1.
    pub coverage: f64,
}

#[derive(Serialize, ToSchema)]
pub struct Coverage {
    pub community_id: i64,
    /// 2026-Q4.
    pub quarter: String,
    pub households: i64,
    pub visited: i64,
    pub coverage: f64,
    pub buildings: Vec<Share>,
    /// Households each worker (or leader) visited, against the community's households.
    pub workers: Vec<Share>,
    /// Units stationed in the community (驻社区单位), and how many were visited (两访, M16).
    pub units: i64,
    pub units_visited: i64,
    pub units_coverage: f64,
}

/// The first and last day of a quarter like `2026-Q4`.
pub fn quarter_bounds(q: &str) -> Option<(Date, Date)> {
    let (y, n) = q.split_once("-Q")?;
    let (y, n): (i16, i8) = (y.parse().ok()?, n.parse().ok()?);
    if !(1..=4).contains(&n) {
        return None;
    }
    let start = jiff::civil::date(y, (n - 1) * 3 + 1, 1);
    Some((start, jiff::civil::date(y, n * 3, 1).last_of_month()))
}

pub fn this_quarter() -> String {
    let t = time::today();
    format!("{}-Q{}", t.year(), (t.month() - 1) / 3 + 1)
}

/// Who visited which household in the period: workers' visits and leaders' visit entries.
const VISITED: &str = "SELECT household_id, worker_id AS who FROM visits WHERE community_id = $1 AND household_id IS NOT NULL AND visit_date >= $2 AND visit_date <= $3 \
    UNION SELECT household_id, author_id AS who FROM notebook_entries WHERE community_id = $1 AND kind = 'visit' AND household_id IS NOT NULL AND entry_date >= $2 AND entry_date <= $3";

/// Who visited which household of the community between two days (inclusive): workers'
/// visits and leaders' visit entries, each (household, visitor) once.
pub async fn visits_between(
    pool: &crate::platform::reader::Reader,
    community: i64,
    from: Date,
    to: Date,
) -> Result<Vec<(i64, Option<i64>)>, sqlx::Error> {
    sqlx::query(&format!(
        "SELECT DISTINCT household_id, who FROM ({VISITED}) v"
    ))
    .bind(community)
    .bind(from.to_string())
    .bind(to.to_string())
    .fetch_all(pool)
    .await?
    .iter()
    .map(|r| Ok((r.try_get("household_id")?, r.try_get("who")?)))
    .collect()
}

/// How many households of the community were visited between two days, by anyone or by
/// one visitor.
pub async fn households_visited(
    pool: &crate::platform::reader::Reader,
    community: i64,
    from: Date,
    to: Date,
    by: Option<i64>,
) -> Result<i64, sqlx::Error> {
    let who = if by.is_some() {
        " WHERE v.who = $4"
    } else {
        ""
    };
    sqlx::query(&format!(
        "SELECT COUNT(DISTINCT v.household_id) AS n FROM ({VISITED}) v{who}"
    ))
    .bind(community)
    .bind(from.to_string())
    .bind(to.to_string())
    .bind(by.unwrap_or(0))
    .fetch_one(pool)
    .await?
    .try_get("n")
}

pub async fn coverage(
    pool: &crate::platform::reader::Reader,
    community: i64,
    quarter: &str,
) -> Result<Coverage, AppError> {
    let (from, to) =
        quarter_bounds(quarter).ok_or_else(|| AppError::invalid("quarter", "daily.bad_quarter"))?;
    coverage_in(pool, community, from, to, quarter).await
}

/// Coverage over any span of days (the assessment's periods), labelled `label`.
pub async fn coverage_in(
    pool: &crate::platform::reader::Reader,
    community: i64,
    from: Date,
    to: Date,
    label: &str,
) -> Result<Coverage, AppError> {
    let (from, to) = (from.to_string(), to.to_string());
    let ratio = |v: i64, h: i64| {
        if h == 0 {
            0.0
        } else {
            (v as f64 / h as f64 * 1000.0).round() / 1000.0
        }
    };
    let buildings = sqlx::query(&format!(
        "SELECT b.id, (SELECT k.name FROM compounds k WHERE k.id = b.compound_id) || ' ' || b.number AS name, (SELECT COUNT(*) FROM households h WHERE h.building_id = b.id) AS households, \
         (SELECT COUNT(DISTINCT v.household_id) FROM ({VISITED}) v JOIN households h ON h.id = v.household_id WHERE h.building_id = b.id) AS visited \
         FROM buildings b WHERE b.community_id = $1 ORDER BY b.id"
    ))
    .bind(community)
    .bind(&from)
    .bind(&to)
    .fetch_all(pool)
    .await?
    .iter()
    .map(|r| {
        let (h, v): (i64, i64) = (r.try_get("households")?, r.try_get("visited")?);
        Ok(Share { id: r.try_get("id")?, name: r.try_get("name")?, households: h, visited: v, coverage: ratio(v, h) })
    })
    .collect::<Result<Vec<_>, sqlx::Error>>()?;
    let total: i64 = buildings.iter().map(|b| b.households).sum();
    let visited: i64 = sqlx::query(&format!(
        "SELECT COUNT(DISTINCT household_id) AS n FROM ({VISITED}) v"
    ))
    .bind(community)
    .bind(&from)
    .bind(&to)
    .fetch_one(pool)
    .await?
    .try_get("n")?;
    let workers = sqlx::query(&format!(
        "SELECT u.id, u.display_name, COUNT(DISTINCT v.household_id) AS visited FROM ({VISITED}) v JOIN users u ON u.id = v.who \
         GROUP BY u.id, u.display_name ORDER BY visited DESC, u.id"
    ))
    .bind(community)
    .bind(&from)
    .bind(&to)
    .fetch_all(pool)
    .await?
    .iter()
    .map(|r| {
        let v: i64 = r.try_get("visited")?;
        Ok(Share { id: r.try_get("id")?, name: r.try_get("display_name")?, households: total, visited: v, coverage: ratio(v, total) })
    })
    .collect::<Result<Vec<_>, sqlx::Error>>()?;
    let units = sqlx::query(
        "SELECT (SELECT COUNT(*) FROM social_units WHERE community_id = $1) AS units, \
         (SELECT COUNT(DISTINCT social_unit_id) FROM visits WHERE community_id = $1 AND social_unit_id IS NOT NULL \
          AND visit_date >= $2 AND visit_date <= $3) AS visited",
    )
    .bind(community)
    .bind(&from)
    .bind(&to)
    .fetch_one(pool)
    .await?;
    let (units, units_visited): (i64, i64) = (units.try_get("units")?, units.try_get("visited")?);
    Ok(Coverage {
        community_id: community,
        quarter: label.to_owned(),
        households: total,
        visited,
        coverage: ratio(visited, total),
        buildings,
        workers,
        units,
        units_visited,
        units_coverage: ratio(units_visited, units),
    })
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CoverageQuery {
    pub community_id: Option<i64>,
    /// 2026-Q4; default this quarter.
    pub quarter: Option<String>,
}

/// Visit coverage this quarter (or the one named), per building and per worker.
#[utoipa::path(get, path = "/api/v1/visits/coverage", tag = "daily", params(CoverageQuery), security(("bearer" = [])),
    responses((status = 200, body = Coverage), (status = 403), (status = 422)))]
pub(super) async fn coverage_report(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<CoverageQuery>,
) -> Result<Json<Coverage>, AppError> {
    let place = community_place(&state, &ctx, Action::FieldWorkRead, q.community_id).await?;
    let quarter = q
        .quarter
        .clone()
        .filter(|s| !s.is_empty())
        .unwrap_or_else(this_quarter);
    Ok(Json(
        coverage(
            state.db.read(),
            place.community_id.unwrap_or_default(),
            &quarter,
        )
        .await?,
    ))
}

/// The households of a building not visited since `from`, by their door.
#[derive(Serialize, ToSchema)]
pub struct NotVisited {
    pub building: String,
    pub doors: Vec<String>,
}

/// M16: the households of the community nobody has visited this year (workers' visits and
/// leaders' visit entries since 1 January), building by building, for those who visit them.
pub async fn not_visited_this_year(
    pool: &crate::platform::reader::Reader,
    community: i64,
    today: Date,
) -> Result<Vec<NotVisited>, AppError> {
    let rows = sqlx::query(&format!(
        "SELECT (SELECT k.name FROM compounds k WHERE k.id = b.compound_id) || ' ' || b.number AS building, \
         u.number AS unit, h.door_number FROM households h JOIN buildings b ON b.id = h.building_id JOIN units u ON u.id = h.unit_id \
         WHERE h.community_id = $1 AND h.occupied = 1 AND h.id NOT IN (SELECT household_id FROM ({VISITED}) v) \
         ORDER BY b.compound_id, b.id, u.number, h.door_number"
    ))
    .bind(community)
    .bind(today.first_of_year().to_string())
    .bind(today.to_string())
    .fetch_all(pool)
    .await?;
    let mut out: Vec<NotVisited> = Vec::new();
    for r in &rows {
        let building: String = r.try_get("building")?;
        let door = format!(
            "{}-{}",
            r.try_get::<i64, _>("unit")?,
            r.try_get::<String, _>("door_number")?
        );
        match out.last_mut() {
            Some(last) if last.building == building => last.doors.push(door),
            _ => out.push(NotVisited {
                building,
                doors: vec![door],
            }),
        }
    }
    Ok(out)
}
