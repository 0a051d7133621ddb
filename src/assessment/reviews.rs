//! The year's 评议考核奖励 of community workers (M14): at the year's end every worker and head
//! of a community is reviewed once — a grade (优秀, 称职, 基本称职, 不称职) and a reward — and the
//! review stands beside the year's assessment score computed from the records. A worker is
//! reviewed by the head, the head by the street, nobody by themselves (rule K3, `record`).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use sqlx::Row;
use utoipa::{IntoParams, ToSchema};

use super::Period;
use crate::audit::{self, Entry};
use crate::auth::{Action, Ctx, Place, Scope, Target};
use crate::platform::AppState;
use crate::platform::error::AppError;
use crate::platform::extract::ApiJson;
use crate::platform::time;
use crate::platform::web::Query;

crate::workflow_state! {
    /// The year's grade: 优秀, 称职, 基本称职 or 不称职.
    pub enum Grade {
        Excellent = "excellent",
        Competent = "competent",
        Basic = "basic",
        Incompetent = "incompetent",
    }
}

/// A recorded review.
#[derive(Clone, Serialize, ToSchema)]
pub struct Review {
    pub id: i64,
    pub grade: Grade,
    /// The reward given (a title, a bonus); empty for none.
    pub reward: String,
    pub comment: String,
    /// Who recorded it, by name.
    pub recorded_by: String,
    pub recorded_at: time::Instant,
}

/// A worker or head of a community, the year's score, and the review if recorded.
#[derive(Clone, Serialize, ToSchema)]
pub struct Reviewee {
    pub user_id: i64,
    pub name: String,
    pub community_id: i64,
    pub community: String,
    /// The community's head: reviewed by the street, not by the community.
    pub head: bool,
    /// The year's assessment score (0–100) from the records, as of now.
    pub score: f64,
    pub review: Option<Review>,
    /// Whether the caller may record this person's review (rule K3).
    pub may_record: bool,
}

#[derive(Serialize, ToSchema)]
pub struct Reviews {
    pub year: i16,
    /// Whether the year's reviews may be recorded yet (from 1 December of the year).
    pub open: bool,
    pub people: Vec<Reviewee>,
}

#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct ReviewsQuery {
    /// The year; by default this year in December, else the last.
    pub year: Option<String>,
}

impl ReviewsQuery {
    pub fn year(&self) -> Result<i16, AppError> {
        match self
            .year
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            None => {
                let t = time::today();
                Ok(if t.month() == 12 {
                    t.year()
                } else {
                    t.year() - 1
                })
            }
            Some(y) => Ok(Period::parse(y)
                .ok()
                .filter(|p| p.label.len() == 4)
                .ok_or_else(|| AppError::invalid("year", "assessment.bad_year").arg("year", y))?
                .from
                .year()),
        }
    }
}

#[derive(Clone, Default, Deserialize, ToSchema)]
pub struct ReviewInput {
    pub community_id: i64,
    pub user_id: i64,
    pub year: i16,
    /// excellent, competent, basic or incompetent.
    pub grade: String,
    #[serde(default)]
    pub reward: String,
    #[serde(default)]
    pub comment: String,
}

/// The first day a year's reviews may be recorded: 1 December, the year's end.
pub fn opens(year: i16) -> Option<Date> {
    Date::new(year, 12, 1).ok()
}

/// The workers and heads of the communities whose detail the caller sees, with their year.
pub async fn year_reviews(state: &AppState, ctx: &Ctx, year: i16) -> Result<Reviews, AppError> {
    let reach = super::compute::reach(state, ctx).await?;
    let weights = super::weights::of_street(state, reach.street).await?;
    let p = Period::parse(&year.to_string())?;
    let mut people = Vec::new();
    for community in &reach.detail {
        let place = crate::registry::places::place_of_community(state.db.read(), *community)
            .await?
            .ok_or_else(AppError::not_found)?;
        let name: String = sqlx::query("SELECT name FROM communities WHERE id = $1")
            .bind(community)
            .fetch_one(state.db.read())
            .await?
            .try_get("name")?;
        let heads = heads_of(state.db.read(), *community).await?;
        for w in super::compute::worker_rows(state, ctx.lang, *community, &p, &weights).await? {
            let head = heads.contains(&w.user_id);
            let review = recorded(state, *community, w.user_id, year).await?;
            people.push(Reviewee {
                may_record: review.is_none() && may_review(ctx, place, w.user_id, head).is_ok(),
                user_id: w.user_id,
                name: w.name,
                community_id: *community,
                community: name.clone(),
                head,
                score: w.score,
                review,
            });
        }
    }
    Ok(Reviews {
        year,
        open: opens(year).is_some_and(|d| time::today() >= d),
        people,
    })
}

async fn heads_of(
    pool: &crate::platform::reader::Reader,
    community: i64,
) -> Result<Vec<i64>, AppError> {
    Ok(sqlx::query(
        "SELECT DISTINCT user_id FROM grants WHERE community_id = $1 AND role = 'community_head' AND revoked_at IS NULL",
    )
    .bind(community)
    .fetch_all(pool)
    .await?
    .iter()
    .map(|r| r.try_get("user_id"))
    .collect::<Result<_, _>>()?)
}

async fn recorded(
    state: &AppState,
    community: i64,
    user: i64,
    year: i16,
) -> Result<Option<Review>, AppError> {
    let row = sqlx::query(
        "SELECT r.id, r.grade, r.reward, r.comment, u.display_name, r.recorded_at FROM worker_reviews r \
         JOIN users u ON u.id = r.recorded_by WHERE r.community_id = $1 AND r.user_id = $2 AND r.year = $3",
    )
    .bind(community)
    .bind(user)
    .bind(i64::from(year))
    .fetch_optional(state.db.read())
    .await?;
    let Some(r) = row else { return Ok(None) };
    Ok(Some(Review {
        id: r.try_get("id")?,
        grade: r.try_get("grade")?,
        reward: r.try_get("reward")?,
        comment: r.try_get("comment")?,
        recorded_by: r.try_get("display_name")?,
        recorded_at: r.try_get("recorded_at")?,
    }))
}

/// K3, who reviews whom: never oneself; a worker by the head (or the street), the head only by
/// the street.
fn may_review(ctx: &Ctx, place: Place, user: i64, head: bool) -> Result<(), AppError> {
    ctx.require(Action::WorkerReviewsRecord, Target::At(place))?;
    if ctx.user.as_ref().is_some_and(|u| u.id == user) {
        return Err(AppError::new(
            StatusCode::FORBIDDEN,
            "assessment.review_own",
        ));
    }
    let street = place.street_id.map(Scope::Street);
    if head
        && !ctx
            .scopes(Action::WorkerReviewsRecord)
            .iter()
            .any(|s| Some(*s) == street)
    {
        return Err(AppError::new(
            StatusCode::FORBIDDEN,
            "assessment.head_by_street",
        ));
    }
    Ok(())
}

/// Records a worker's review of the year (rule K3): by the right person (`may_review`), for a
/// current worker or head of the community, from 1 December of the year on, once; no reward
/// for 不称职.
pub async fn record(
    state: &AppState,
    ctx: &Ctx,
    i: &ReviewInput,
) -> Result<(i64, String), AppError> {
    ctx.require(Action::WorkerReviewsRecord, Target::System)?;
    let place = crate::registry::places::community_place(
        state,
        ctx,
        Action::WorkerReviewsRecord,
        Some(i.community_id),
    )
    .await?;
    let staff = sqlx::query(
        "SELECT COUNT(*) AS n, COUNT(CASE WHEN g.role = 'community_head' THEN 1 END) AS heads, MAX(u.display_name) AS name \
         FROM grants g JOIN users u ON u.id = g.user_id \
         WHERE g.community_id = $1 AND g.user_id = $2 AND g.role IN ('community_worker', 'community_head') AND g.revoked_at IS NULL",
    )
    .bind(i.community_id)
    .bind(i.user_id)
    .fetch_one(state.db.read())
    .await?;
    if staff.try_get::<i64, _>("n")? == 0 {
        return Err(AppError::invalid("user_id", "assessment.not_staff"));
    }
    may_review(ctx, place, i.user_id, staff.try_get::<i64, _>("heads")? > 0)?;
    if opens(i.year).is_none_or(|d| time::today() < d) || i.year < 2000 {
        return Err(AppError::invalid("year", "assessment.review_too_early").arg("year", i.year));
    }
    let grade: Grade = i
        .grade
        .parse()
        .map_err(|_| AppError::invalid("grade", "assessment.bad_grade"))?;
    let reward = optional("reward", &i.reward, 100)?;
    if grade == Grade::Incompetent && !reward.is_empty() {
        return Err(AppError::invalid("reward", "assessment.no_reward"));
    }
    let comment = optional("comment", &i.comment, 500)?;
    let by = ctx.signed_in()?.id;
    let mut tx = state.db.begin().await?;
    let id: i64 = sqlx::query(
        "INSERT INTO worker_reviews (community_id, user_id, year, grade, reward, comment, recorded_by, recorded_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    )
    .bind(i.community_id)
    .bind(i.user_id)
    .bind(i64::from(i.year))
    .bind(grade)
    .bind(&reward)
    .bind(&comment)
    .bind(by)
    .bind(time::now_db())
    .fetch_one(&mut *tx)
    .await
    .map_err(crate::platform::db::unique_or(AppError::conflict(
        "assessment.reviewed_already",
    )))?
    .try_get("id")?;
    audit::record(
        &mut tx,
        &ctx.actor(),
        Entry::new("assessment.review", "worker_review", id)
            .at(place)
            .detail(format!("{} {} {grade}", i.user_id, i.year)),
    )
    .await?;
    tx.commit().await?;
    Ok((id, staff.try_get("name")?))
}

/// Optional free text: up to `max` characters, and no ID or phone number in it.
fn optional(field: &'static str, s: &str, max: usize) -> Result<String, AppError> {
    let s = s.trim();
    if s.chars().count() > max {
        return Err(AppError::invalid(field, "input.bad_text").arg("max", max));
    }
    if let Some(pos) = crate::platform::pii::first_position(s) {
        return Err(AppError::invalid(field, "assessment.personal_number").arg("position", pos));
    }
    Ok(s.to_owned())
}

/// The year's reviews of the workers and heads whose detail the caller sees.
#[utoipa::path(get, path = "/api/v1/assessment/reviews", tag = "assessment", params(ReviewsQuery), security(("bearer" = [])),
    responses((status = 200, body = Reviews), (status = 403), (status = 422)))]
pub(super) async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<ReviewsQuery>,
) -> Result<Json<Reviews>, AppError> {
    // Authorized in year_reviews > reach: AssessmentRead
    let year = q.year()?;
    Ok(Json(year_reviews(&state, &ctx, year).await?))
}

#[derive(Serialize, ToSchema)]
pub struct ReviewRecorded {
    pub id: i64,
}

/// Records a worker's (or, for the street, a head's) review of the year.
#[utoipa::path(post, path = "/api/v1/assessment/reviews", tag = "assessment", request_body = ReviewInput, security(("bearer" = [])),
    responses((status = 201, body = ReviewRecorded), (status = 403), (status = 409), (status = 422)))]
pub(super) async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiJson(i): ApiJson<ReviewInput>,
) -> Result<(StatusCode, Json<ReviewRecorded>), AppError> {
    // Authorized in record: WorkerReviewsRecord
    let (id, _) = record(&state, &ctx, &i).await?;
    Ok((StatusCode::CREATED, Json(ReviewRecorded { id })))
}
