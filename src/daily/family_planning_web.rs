//! Family planning on a page and in the API: `/family-planning`, the quarter's three ledgers
//! with their totals, a payment entered, the third disclosure drafted from the totals, and the
//! four disclosures' templates one click away.

use askama::Template;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::choices;
use super::family_planning::{
    BenefitKind, Ledger, PaymentInput, draft_third, ledger, record_payment,
};
use crate::assessment::Period;
use crate::auth::{CsrfForm, Ctx};
use crate::disclosure::Category;
use crate::platform::AppState;
use crate::platform::error::AppError;
use crate::platform::flash::Done;
use crate::platform::forms::{Refused, Typed, again};
use crate::platform::i18n::Tr;
use crate::platform::input::{Fields, optional_id};
use crate::platform::web::{ApiJson, Chrome, Query, redirect_or_again};

#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct LedgerQuery {
    /// A quarter (2026-Q4), month or year; this quarter by default.
    #[serde(default)]
    pub period: Option<String>,
    #[serde(default)]
    pub building_id: String,
}

impl LedgerQuery {
    fn period(&self) -> Result<Period, AppError> {
        match self.period.as_deref().map(str::trim) {
            Some(p) if !p.is_empty() => Period::parse(p),
            _ => Ok(Period::current()),
        }
    }
}

#[derive(Template)]
#[template(path = "daily/family_planning.html")]
struct FamilyPlanningPage {
    chrome: Chrome,
    t: Tr,
    l: Ledger,
    kinds: &'static [BenefitKind],
    buildings: Vec<(i64, String)>,
    households: Vec<(i64, String)>,
    building: String,
    /// The community's active aid plans, by household.
    plans: Vec<(i64, String)>,
    four: Vec<Category>,
    today: String,
    refused: Refused,
    typed: Typed,
}

async fn render(
    state: &AppState,
    ctx: &Ctx,
    q: LedgerQuery,
    refused: Option<(Typed, &AppError)>,
) -> Result<Response, AppError> {
    let p = q.period()?;
    let l = ledger(state, ctx, &p).await?;
    let mut building = q.building_id;
    let (buildings, households) =
        choices::picked_households(state, Some(l.community_id), &mut building).await?;
    let plans = sqlx::query(
        "SELECT p.id, h.address AS name FROM aid_plans p JOIN households h ON h.id = p.household_id \
         WHERE p.community_id = $1 AND p.status = 'active' ORDER BY h.address",
    )
    .bind(l.community_id)
    .fetch_all(state.db.read())
    .await?
    .iter()
    .map(|r| Ok((sqlx::Row::try_get(r, "id")?, sqlx::Row::try_get(r, "name")?)))
    .collect::<Result<_, sqlx::Error>>()?;
    let four = crate::disclosure::categories_of(state, l.community_id, ctx.lang)
        .await?
        .into_iter()
        .filter(|c| c.code.starts_with("fp_"))
        .collect();
    let (typed, err) = Typed::split(refused);
    again(
        &FamilyPlanningPage {
            chrome: ctx.chrome(),
            t: ctx.t(),
            l,
            kinds: BenefitKind::ALL,
            buildings,
            households,
            building,
            plans,
            four,
            today: crate::platform::time::today().to_string(),
            refused: Refused::of(ctx.lang, &typed.form, err),
            typed,
        },
        err,
    )
}

pub async fn family_planning_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<LedgerQuery>,
) -> Result<Response, AppError> {
    // Authorized in render > ledger: AidManage
    render(&state, &ctx, q, None).await
}

/// `POST /family-planning/payments`: a payment entered in its ledger.
pub async fn payment_submit(
    State(state): State<AppState>,
    CsrfForm(ctx, f): CsrfForm<Fields>,
) -> Result<Response, AppError> {
    // Authorized in record_payment: AidManage
    let parsed = optional_id("household_id", &f.get("household_id")).and_then(|h| {
        Ok(PaymentInput {
            community_id: None,
            kind: f.get("kind"),
            household_id: h
                .ok_or_else(|| AppError::invalid("household_id", "daily.pick_household"))?,
            paid_on: Some(f.get("paid_on")),
            amount: f.get("amount"),
            note: f.get("note"),
            aid_plan_id: optional_id("aid_plan_id", &f.get("aid_plan_id"))?,
        })
    });
    let done = match parsed {
        Ok(i) => record_payment(&state, &ctx, &i).await,
        Err(e) => Err(e),
    };
    let period = f.get("period");
    redirect_or_again(
        done,
        |_| {
            Done::to(
                format!("/family-planning?period={period}"),
                "daily.done.fp_payment",
            )
            .arg("kind", ctx.t().of("fp_kind", &f.get("kind")))
            .arg("amount", f.get("amount").trim())
        },
        async |e| {
            let q = LedgerQuery {
                period: Some(period.clone()),
                building_id: f.get("building_id"),
            };
            render(&state, &ctx, q, Some((Typed::of("payment", &f), &e))).await
        },
    )
    .await
}

/// `POST /family-planning/third-disclosure`: the quarter's third disclosure drafted from the
/// ledgers, opened for editing.
pub async fn third_submit(
    State(state): State<AppState>,
    CsrfForm(ctx, f): CsrfForm<Fields>,
) -> Result<Response, AppError> {
    // Authorized in draft_third: DisclosuresManage
    let period = f.get("period");
    let done = draft_third(&state, &ctx, period.trim()).await;
    redirect_or_again(
        done,
        |id| Done::to(format!("/disclosures/{id}/edit"), "daily.done.fp_third"),
        async |e| {
            let q = LedgerQuery {
                period: Some(period.clone()),
                building_id: String::new(),
            };
            render(&state, &ctx, q, Some((Typed::of("third", &f), &e))).await
        },
    )
    .await
}

/// The community's family-planning ledgers for a period, with their totals (a sensitive read).
#[utoipa::path(get, path = "/api/v1/family-planning/ledger", tag = "daily", params(LedgerQuery), security(("bearer" = [])),
    responses((status = 200, body = Ledger), (status = 403), (status = 422)))]
pub(super) async fn ledger_api(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<LedgerQuery>,
) -> Result<Json<Ledger>, AppError> {
    // Authorized in ledger: AidManage
    let p = q.period()?;
    Ok(Json(ledger(&state, &ctx, &p).await?))
}

#[derive(Serialize, ToSchema)]
pub struct FamilyPlanningCreated {
    pub id: i64,
}

/// Enter a payment in one of the three ledgers.
#[utoipa::path(post, path = "/api/v1/family-planning/payments", tag = "daily", request_body = PaymentInput, security(("bearer" = [])),
    responses((status = 201, body = FamilyPlanningCreated), (status = 403), (status = 422)))]
pub(super) async fn payment_create(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiJson(i): ApiJson<PaymentInput>,
) -> Result<(StatusCode, Json<FamilyPlanningCreated>), AppError> {
    // Authorized in record_payment: AidManage
    let id = record_payment(&state, &ctx, &i).await?;
    Ok((StatusCode::CREATED, Json(FamilyPlanningCreated { id })))
}

#[derive(Deserialize, ToSchema)]
pub struct ThirdInput {
    /// The quarter, such as 2026-Q4.
    pub period: String,
}

/// Draft the quarter's third disclosure (四公开之三) from the ledgers' totals; returns the draft.
#[utoipa::path(post, path = "/api/v1/family-planning/third-disclosure", tag = "daily", request_body = ThirdInput, security(("bearer" = [])),
    responses((status = 201, body = FamilyPlanningCreated), (status = 403), (status = 422)))]
pub(super) async fn third_create(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiJson(i): ApiJson<ThirdInput>,
) -> Result<(StatusCode, Json<FamilyPlanningCreated>), AppError> {
    // Authorized in draft_third: DisclosuresManage
    let id = draft_third(&state, &ctx, i.period.trim()).await?;
    Ok((StatusCode::CREATED, Json(FamilyPlanningCreated { id })))
}
