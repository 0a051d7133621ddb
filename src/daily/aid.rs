//! Aid to households in difficulty (帮扶, M17): a plan, the actions taken with their amounts, and a
//! review. The reason can name illness or hardship: every read is audited as sensitive, and only
//! the community's staff see it.

use crate::platform::web::{Path, Query};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use sqlx::Row;
use utoipa::ToSchema;

use super::patrols::DatedQuery;
use super::{community_place, dated, scoped};
use crate::audit::{self, Entry};
use crate::auth::{Action, Ctx, Place, Target};
use crate::disclosure::{fen, yuan};
use crate::platform::AppState;
use crate::platform::db::bind_vals;
use crate::platform::error::AppError;
use crate::platform::input::{date_or_today, text};
use crate::platform::time;
use crate::platform::web::ApiJson;

#[derive(Serialize, ToSchema)]
pub struct AidAction {
    pub action_date: String,
    pub description: String,
    /// Yuan.
    pub amount: String,
}

#[derive(Serialize, ToSchema)]
pub struct AidPlan {
    pub id: i64,
    pub community_id: i64,
    pub household_id: i64,
    pub household: String,
    pub reason: String,
    pub plan: String,
    /// active or reviewed.
    pub status: AidStatus,
    pub review: Option<String>,
    pub actions: Vec<AidAction>,
    /// Yuan, all actions.
    pub total: String,
    /// The published third family-planning disclosures (四公开之三) that report its hardship
    /// payments, by counts and sums, never by name.
    pub reported_in: Vec<ReportedIn>,
}

#[derive(Serialize, ToSchema)]
pub struct ReportedIn {
    pub disclosure_id: i64,
    pub title: String,
}

crate::workflow_state! {
    /// An aid plan (帮扶) takes actions while active; its review closes it.
    pub enum AidStatus {
        Active = "active",
        Reviewed = "reviewed",
    }
}

#[derive(Serialize, ToSchema)]
pub struct AidPlanList {
    pub items: Vec<AidPlan>,
}

async fn plans(state: &AppState, f: crate::platform::db::Filter) -> Result<Vec<AidPlan>, AppError> {
    let sql = format!(
        "SELECT t.id, t.community_id, t.household_id, h.address, t.reason, t.plan, t.status, t.review FROM aid_plans t \
         JOIN households h ON h.id = t.household_id {} ORDER BY t.id DESC LIMIT 200",
        f.sql()
    );
    let rows = bind_vals(sqlx::query(&sql), &f.vals)
        .fetch_all(state.db.read())
        .await?;
    let mut out = Vec::new();
    for r in &rows {
        let id: i64 = r.try_get("id")?;
        let acts = sqlx::query("SELECT action_date, description, amount FROM aid_actions WHERE plan_id = $1 ORDER BY action_date, id")
            .bind(id)
            .fetch_all(state.db.read())
            .await?;
        let total: i64 = acts
            .iter()
            .map(|a| a.try_get::<i64, _>("amount"))
            .sum::<Result<i64, _>>()?;
        let reported = sqlx::query(
            "SELECT DISTINCT d.id, d.title FROM family_planning_benefits b JOIN disclosures d ON d.id = b.disclosure_id \
             WHERE b.aid_plan_id = $1 ORDER BY d.id",
        )
        .bind(id)
        .fetch_all(state.db.read())
        .await?;
        out.push(AidPlan {
            id,
            community_id: r.try_get("community_id")?,
            household_id: r.try_get("household_id")?,
            household: r.try_get("address")?,
            reason: r.try_get("reason")?,
            plan: r.try_get("plan")?,
            status: r.try_get("status")?,
            review: r.try_get("review")?,
            actions: acts
                .iter()
                .map(|a| {
                    Ok(AidAction {
                        action_date: a.try_get("action_date")?,
                        description: a.try_get("description")?,
                        amount: yuan(a.try_get("amount")?),
                    })
                })
                .collect::<Result<_, sqlx::Error>>()?,
            total: yuan(total),
            reported_in: reported
                .iter()
                .map(|d| {
                    Ok(ReportedIn {
                        disclosure_id: d.try_get("id")?,
                        title: d.try_get("title")?,
                    })
                })
                .collect::<Result<_, sqlx::Error>>()?,
        });
    }
    Ok(out)
}

/// Aid plans of the caller's communities (sensitive: the read is audited).
#[utoipa::path(get, path = "/api/v1/aid-plans", tag = "daily", params(DatedQuery), security(("bearer" = [])),
    responses((status = 200, body = AidPlanList), (status = 403)))]
pub(super) async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<DatedQuery>,
) -> Result<Json<AidPlanList>, AppError> {
    // Authorized in plans_of: AidManage
    plans_of(&state, &ctx, q).await.map(Json)
}

/// The aid plans of the caller's communities; the read is audited as sensitive.
pub async fn plans_of(state: &AppState, ctx: &Ctx, q: DatedQuery) -> Result<AidPlanList, AppError> {
    let mut f = scoped(ctx, &[Action::AidManage], None)?;
    dated(
        &mut f,
        "substr(t.created_at, 1, 10)",
        q.community_id,
        &q.from,
        &q.to,
    )?;
    let items = plans(state, f).await?;
    audit::record_alone(
        &state.db,
        &ctx.actor(),
        Entry::new("aid.read", "aid_plan", "list")
            .sensitive()
            .detail(format!("{} plans", items.len())),
    )
    .await?;
    Ok(AidPlanList { items })
}

#[derive(Deserialize, ToSchema)]
pub struct PlanInput {
    pub community_id: Option<i64>,
    pub household_id: i64,
    pub reason: String,
    pub plan: String,
}

/// Open an aid plan for a household of the community.
#[utoipa::path(post, path = "/api/v1/aid-plans", tag = "daily", request_body = PlanInput, security(("bearer" = [])),
    responses((status = 201, body = AidPlan), (status = 403), (status = 422)))]
pub(super) async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiJson(p): ApiJson<PlanInput>,
) -> Result<(StatusCode, Json<AidPlan>), AppError> {
    // Authorized in open_plan: AidManage
    open_plan(&state, &ctx, p)
        .await
        .map(|x| (StatusCode::CREATED, Json(x)))
}

/// Opens an aid plan for a household of the community.
pub async fn open_plan(state: &AppState, ctx: &Ctx, p: PlanInput) -> Result<AidPlan, AppError> {
    let place = community_place(state, ctx, Action::AidManage, p.community_id).await?;
    let reason = text("reason", &p.reason, 1000)?;
    let plan = text("plan", &p.plan, 2000)?;
    let mut tx = state.db.begin().await?;
    let n: i64 =
        sqlx::query("SELECT COUNT(*) AS n FROM households WHERE id = $1 AND community_id = $2")
            .bind(p.household_id)
            .bind(place.community_id)
            .fetch_one(&mut *tx)
            .await?
            .try_get("n")?;
    if n == 0 {
        return Err(AppError::invalid(
            "household_id",
            "daily.household_not_in_community",
        ));
    }
    let id: i64 = sqlx::query(
        "INSERT INTO aid_plans (street_id, community_id, household_id, reason, plan, status, author_id, created_at) VALUES ($1, $2, $3, $4, $5, 'active', $6, $7) RETURNING id",
    )
    .bind(place.street_id)
    .bind(place.community_id)
    .bind(p.household_id)
    .bind(&reason)
    .bind(&plan)
    .bind(ctx.user.as_ref().map(|u| u.id))
    .bind(time::now_db())
    .fetch_one(&mut *tx)
    .await?
    .try_get("id")?;
    audit::record(
        &mut tx,
        &ctx.actor(),
        Entry::new("aid.create", "aid_plan", id)
            .at(place)
            .sensitive(),
    )
    .await?;
    tx.commit().await?;
    one(state, id).await
}

async fn one(state: &AppState, id: i64) -> Result<AidPlan, AppError> {
    let mut f = crate::platform::db::Filter::default();
    f.and("t.id = ?", [crate::platform::db::Val::I(id)]);
    plans(state, f).await?.pop().ok_or_else(AppError::not_found)
}

async fn managed(state: &AppState, ctx: &Ctx, id: i64) -> Result<Place, AppError> {
    let r = sqlx::query("SELECT street_id, community_id, status FROM aid_plans WHERE id = $1")
        .bind(id)
        .fetch_optional(state.db.read())
        .await?
        .ok_or_else(AppError::not_found)?;
    let place = Place {
        street_id: Some(r.try_get("street_id")?),
        community_id: Some(r.try_get("community_id")?),
        building_id: None,
    };
    ctx.require(Action::AidManage, Target::At(place))?;
    if r.try_get::<AidStatus, _>("status")? != AidStatus::Active {
        return Err(AppError::conflict("daily.aid_reviewed"));
    }
    Ok(place)
}

#[derive(Deserialize, ToSchema)]
pub struct ActionInput {
    pub action_date: Option<String>,
    pub description: String,
    /// Yuan; "0" for help in kind.
    #[serde(default)]
    pub amount: String,
}

/// Record an action taken under the plan.
#[utoipa::path(post, path = "/api/v1/aid-plans/{id}/actions", tag = "daily", params(("id" = i64, Path)), request_body = ActionInput,
    security(("bearer" = [])), responses((status = 201, body = AidPlan), (status = 403), (status = 409), (status = 422)))]
pub(super) async fn act(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    ApiJson(a): ApiJson<ActionInput>,
) -> Result<(StatusCode, Json<AidPlan>), AppError> {
    // Authorized in act_on_plan > managed: AidManage
    act_on_plan(&state, &ctx, id, a)
        .await
        .map(|x| (StatusCode::CREATED, Json(x)))
}

/// Records an action under an active plan; a plan reviewed meanwhile refuses it (409).
pub async fn act_on_plan(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    a: ActionInput,
) -> Result<AidPlan, AppError> {
    let place = managed(state, ctx, id).await?;
    let description = text("description", &a.description, 1000)?;
    let amount = if a.amount.trim().is_empty() {
        Some(0)
    } else {
        fen(&a.amount)
    }
    .ok_or_else(|| AppError::invalid("amount", "input.bad_amount"))?;
    let date = date_or_today("action_date", a.action_date.as_deref())?;
    let mut tx = state.db.begin().await?;
    // No action lands on a plan a concurrent review has just closed.
    crate::platform::state::hold(
        &mut tx,
        "aid_plans",
        id,
        AidStatus::Active.as_str(),
        "daily.aid_reviewed",
    )
    .await?;
    sqlx::query("INSERT INTO aid_actions (plan_id, action_date, description, amount, author_id, created_at) VALUES ($1, $2, $3, $4, $5, $6)")
        .bind(id)
        .bind(date.to_string())
        .bind(&description)
        .bind(amount)
        .bind(ctx.user.as_ref().map(|u| u.id))
        .bind(time::now_db())
        .execute(&mut *tx)
        .await?;
    audit::record(
        &mut tx,
        &ctx.actor(),
        Entry::new("aid.act", "aid_plan", id)
            .at(place)
            .sensitive()
            .detail(yuan(amount)),
    )
    .await?;
    tx.commit().await?;
    one(state, id).await
}

#[derive(Deserialize, ToSchema)]
#[schema(as = AidReviewInput)]
pub struct ReviewInput {
    pub review: String,
}

/// Review the plan: what it achieved; it is then closed.
#[utoipa::path(post, path = "/api/v1/aid-plans/{id}/review", tag = "daily", params(("id" = i64, Path)), request_body = ReviewInput,
    security(("bearer" = [])), responses((status = 200, body = AidPlan), (status = 403), (status = 409), (status = 422)))]
pub(super) async fn review(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    ApiJson(r): ApiJson<ReviewInput>,
) -> Result<Json<AidPlan>, AppError> {
    // Authorized in review_plan > managed: AidManage
    review_plan(&state, &ctx, id, r).await.map(Json)
}

/// Reviews an active plan, which closes it (`UPDATE … WHERE status = 'active'`).
pub async fn review_plan(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    r: ReviewInput,
) -> Result<AidPlan, AppError> {
    let place = managed(state, ctx, id).await?;
    let review = text("review", &r.review, 2000)?;
    let mut tx = state.db.begin().await?;
    let moved = sqlx::query(
        "UPDATE aid_plans SET status = 'reviewed', review = $1, reviewed_at = $2 WHERE id = $3 AND status = 'active'",
    )
    .bind(&review)
    .bind(time::now_db())
    .bind(id)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    crate::platform::state::moved(moved, "daily.aid_reviewed")?;
    audit::record(
        &mut tx,
        &ctx.actor(),
        Entry::new("aid.review", "aid_plan", id)
            .at(place)
            .sensitive(),
    )
    .await?;
    tx.commit().await?;
    one(state, id).await
}
