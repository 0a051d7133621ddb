//! Visits (M16, 两访): who went, to which household or social unit, when, the topics, and
//! follow-ups that can become cases; and coverage — the share of households visited this quarter,
//! per building and per worker, counting leaders' visit-notebook entries too.

use crate::platform::web::Query;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use sqlx::Row;
use utoipa::ToSchema;

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
    // Authorized in visits_of: FieldWorkRead
    visits_of(&state, &ctx, q).await.map(Json)
}

/// The visit diary of the caller's communities, newest first; the read is audited as sensitive.
pub async fn visits_of(state: &AppState, ctx: &Ctx, q: DatedQuery) -> Result<VisitList, AppError> {
    let mut f = scoped(ctx, &[Action::FieldWorkRead], None)?;
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
    Ok(VisitList {
        total: items.len() as i64,
        items,
    })
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
    // Authorized in record_visit: FieldWork
    record_visit(&state, &ctx, v)
        .await
        .map(|x| (StatusCode::CREATED, Json(x)))
}

/// Records a visit and files its follow-ups marked as cases, in one transaction.
pub async fn record_visit(state: &AppState, ctx: &Ctx, v: VisitInput) -> Result<Visit, AppError> {
    let place = community_place(state, ctx, Action::FieldWork, v.community_id).await?;
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
            Some(c) => Some(prepare_case(state, ctx, c, t, at).await?),
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
    Ok(Visit {
        id,
        community_id: place.community_id.unwrap_or_default(),
        household_id: v.household_id,
        social_unit_id: v.social_unit_id,
        visit_date: date.to_string(),
        visitors,
        topics,
        notes,
        followups,
    })
}
