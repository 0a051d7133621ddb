//! Visits (M16, 两访): who went, to which household or social unit, when, the topics, and
//! follow-ups that can become cases; and coverage — the share of households visited this quarter,
//! per building and per worker, counting leaders' visit-notebook entries too.

use crate::platform::web::Query;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use sqlx::Row;
use utoipa::{IntoParams, ToSchema};

use super::patrols::DatedQuery;
use super::{NewCase, community_place, dated, insert_cases, prepare_case, scoped};
use crate::audit::{self, Entry};
use crate::auth::{Action, Ctx, Place};
use crate::platform::AppState;
use crate::platform::db::bind_vals;
use crate::platform::error::AppError;
use crate::platform::input::{date_or_today, text};
use crate::platform::time;
use crate::platform::web::ApiJson;

#[derive(Serialize, ToSchema)]
pub struct Followup {
    pub description: String,
    pub case_id: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct Visit {
    pub id: i64,
    pub community_id: i64,
    pub household_id: Option<i64>,
    pub social_unit_id: Option<i64>,
    pub visit_date: String,
    pub visitors: String,
    pub topics: String,
    pub notes: String,
    pub followups: Vec<Followup>,
}

#[derive(Serialize, ToSchema)]
pub struct VisitList {
    pub items: Vec<Visit>,
    pub total: i64,
}

/// Visits of the caller's communities, newest first.
#[utoipa::path(get, path = "/api/v1/visits", tag = "daily", params(DatedQuery), security(("bearer" = [])),
    responses((status = 200, body = VisitList), (status = 403)))]
pub(super) async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<DatedQuery>,
) -> Result<Json<VisitList>, AppError> {
    let mut f = scoped(&ctx, &[Action::FieldWorkRead], None)?;
    dated(&mut f, "t.visit_date", q.community_id, &q.from, &q.to)?;
    let sql = format!(
        "SELECT t.id, t.community_id, t.household_id, t.social_unit_id, t.visit_date, t.visitors, t.topics, t.notes FROM visits t {} \
         ORDER BY t.visit_date DESC, t.id DESC LIMIT 200",
        f.sql()
    );
    let rows = bind_vals(sqlx::query(&sql), &f.vals)
        .fetch_all(state.db.read())
        .await?;
    let mut items = Vec::with_capacity(rows.len());
    for r in &rows {
        let id: i64 = r.try_get("id")?;
        let followups = sqlx::query(
            "SELECT description, case_id FROM visit_followups WHERE visit_id = $1 ORDER BY id",
        )
        .bind(id)
        .fetch_all(state.db.read())
        .await?
        .iter()
        .map(|x| {
            Ok(Followup {
                description: x.try_get("description")?,
                case_id: x.try_get("case_id")?,
            })
        })
        .collect::<Result<_, sqlx::Error>>()?;
        items.push(Visit {
            id,
            community_id: r.try_get("community_id")?,
            household_id: r.try_get("household_id")?,
            social_unit_id: r.try_get("social_unit_id")?,
            visit_date: r.try_get("visit_date")?,
            visitors: r.try_get("visitors")?,
            topics: r.try_get("topics")?,
            notes: r.try_get("notes")?,
            followups,
        });
    }
    let n = format!("{} visits", items.len());
    audit::sensitive_read(&state.db, &ctx.actor(), "visits.read", "visit", "list", n).await?;
    Ok(Json(VisitList {
        total: items.len() as i64,
        items,
    }))
}

#[derive(Deserialize, ToSchema)]
pub struct FollowupInput {
    pub description: String,
    pub new_case: Option<NewCase>,
}

#[derive(Deserialize, ToSchema)]
pub struct VisitInput {
    pub community_id: Option<i64>,
    /// A household, or…
    pub household_id: Option<i64>,
    /// …a stationed unit or social organization.
    pub social_unit_id: Option<i64>,
    pub visit_date: Option<String>,
    /// Who went (the recording worker is added).
    #[serde(default)]
    pub visitors: String,
    pub topics: String,
    #[serde(default)]
    pub notes: String,
    #[serde(default)]
    pub followups: Vec<FollowupInput>,
}

/// Record a visit; follow-ups marked `new_case` are filed as cases.
#[utoipa::path(post, path = "/api/v1/visits", tag = "daily", request_body = VisitInput, security(("bearer" = [])),
    responses((status = 201, body = Visit), (status = 403), (status = 422)))]
pub(super) async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiJson(v): ApiJson<VisitInput>,
) -> Result<(StatusCode, Json<Visit>), AppError> {
    let place = community_place(&state, &ctx, Action::FieldWork, v.community_id).await?;
    let pool = state.db.read();
    let building: Option<i64> = match (v.household_id, v.social_unit_id) {
        (Some(h), None) => Some(
            sqlx::query("SELECT building_id FROM households WHERE id = $1 AND community_id = $2")
                .bind(h)
                .bind(place.community_id)
                .fetch_optional(pool)
                .await?
                .ok_or_else(|| {
                    AppError::invalid("household_id", "daily.household_not_in_community")
                })?
                .try_get("building_id")?,
        ),
        (None, Some(u)) => {
            let n: i64 = sqlx::query(
                "SELECT COUNT(*) AS n FROM social_units WHERE id = $1 AND community_id = $2",
            )
            .bind(u)
            .bind(place.community_id)
            .fetch_one(pool)
            .await?
            .try_get("n")?;
            if n == 0 {
                return Err(AppError::invalid(
                    "social_unit_id",
                    "daily.unit_not_in_community",
                ));
            }
            None
        }
        _ => return Err(AppError::invalid("household_id", "daily.visit_whom")),
    };
    let topics = text("topics", &v.topics, 500)?;
    let notes = v.notes.trim().to_owned();
    if notes.chars().count() > 5000 || v.followups.len() > 20 {
        return Err(AppError::invalid("notes", "input.bad_text").arg("max", 5000));
    }
    let date = date_or_today("visit_date", v.visit_date.as_deref())?;
    let user = ctx.user.as_ref().ok_or_else(AppError::unauthenticated)?;
    let visitors = match v.visitors.trim() {
        "" => user.display_name.clone(),
        s if s.contains(&user.display_name) => s.to_owned(),
        s => format!("{}、{s}", user.display_name),
    };
    let mut texts = Vec::new();
    for (i, f) in v.followups.iter().enumerate() {
        texts.push(
            text("followups", &f.description, 1000)
                .map_err(|e| e.field(format!("followups[{i}].description")))?,
        );
    }
    let at = Place {
        building_id: building,
        ..place
    };
    // The follow-up cases are stored in the visit's transaction: kept or lost with it.
    let mut ready = Vec::new();
    for (f, t) in v.followups.iter().zip(&texts) {
        ready.push(match &f.new_case {
            Some(c) => Some(prepare_case(&state, &ctx, c, t, at).await?),
            None => None,
        });
    }
    let mut tx = state.db.begin().await?;
    let cases = insert_cases(&mut tx, &ready).await?;
    let id: i64 = sqlx::query(
        "INSERT INTO visits (street_id, community_id, building_id, household_id, social_unit_id, visit_date, visitors, topics, notes, worker_id, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
    )
    .bind(place.street_id)
    .bind(place.community_id)
    .bind(building)
    .bind(v.household_id)
    .bind(v.social_unit_id)
    .bind(date.to_string())
    .bind(&visitors)
    .bind(&topics)
    .bind(&notes)
    .bind(user.id)
    .bind(time::now_db())
    .fetch_one(&mut *tx)
    .await?
    .try_get("id")?;
    let mut followups = Vec::new();
    for (t, c) in texts.iter().zip(&cases) {
        sqlx::query(
            "INSERT INTO visit_followups (visit_id, description, case_id) VALUES ($1, $2, $3)",
        )
        .bind(id)
        .bind(t)
        .bind(*c)
        .execute(&mut *tx)
        .await?;
        followups.push(Followup {
            description: t.clone(),
            case_id: *c,
        });
    }
    audit::record(
        &mut tx,
        &ctx.actor(),
        Entry::new("visits.create", "visit", id)
            .at(at)
            .detail(format!("{} follow-ups", followups.len())),
    )
    .await?;
    tx.commit().await?;
    Ok((
        StatusCode::CREATED,
        Json(Visit {
            id,
            community_id: place.community_id.unwrap_or_default(),
            household_id: v.household_id,
            social_unit_id: v.social_unit_id,
            visit_date: date.to_string(),
            visitors,
            topics,
            notes,
            followups,
        }),
    ))
}

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
    pool: &sqlx::AnyPool,
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
    pool: &sqlx::AnyPool,
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
    pool: &sqlx::AnyPool,
    community: i64,
    quarter: &str,
) -> Result<Coverage, AppError> {
    let (from, to) =
        quarter_bounds(quarter).ok_or_else(|| AppError::invalid("quarter", "daily.bad_quarter"))?;
    coverage_in(pool, community, from, to, quarter).await
}

/// Coverage over any span of days (the assessment's periods), labelled `label`.
pub async fn coverage_in(
    pool: &sqlx::AnyPool,
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
    Ok(Coverage {
        community_id: community,
        quarter: label.to_owned(),
        households: total,
        visited,
        coverage: ratio(visited, total),
        buildings,
        workers,
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
