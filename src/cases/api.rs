//! `/api/v1/cases`, `/api/v1/case-categories`, `/api/v1/track/{code}`, `/api/v1/supervision`.

use crate::platform::web::{Path, Query};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

use super::handle::{self, FeedbackInput, TransitionInput};
use super::intake::{self, CaseInput, Filed};
use super::list::{self, CaseQuery};
use super::model::{CaseStatus, PublicNote};
use super::store::{self, Case, Category, Event};
use crate::audit::{self, Entry};
use crate::auth::{Action, Ctx, Target};
use crate::platform::AppState;
use crate::platform::error::AppError;
use crate::platform::time;
use crate::platform::web::ApiJson;
use crate::registry::id_number::mask;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(categories))
        .routes(routes!(create, list_cases))
        .routes(routes!(one))
        .routes(routes!(transition))
        .routes(routes!(rate))
        .routes(routes!(track))
        .routes(routes!(rate_by_code))
        .routes(routes!(supervision))
        .routes(routes!(super::stats::stats))
        .routes(routes!(super::config::set_category))
        .routes(routes!(super::config::list_keys, super::config::make_key))
        .routes(routes!(super::config::revoke_key))
        .routes(routes!(super::notify::list))
        .routes(routes!(
            super::reception::duty_list,
            super::reception::duty_create
        ))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CommunityParam {
    pub community_id: i64,
}

#[derive(Serialize, ToSchema)]
pub struct CategoryList {
    pub items: Vec<Category>,
    pub total: i64,
}

/// The case categories in force for a community (public).
#[utoipa::path(get, path = "/api/v1/case-categories", tag = "cases", params(CommunityParam),
    responses((status = 200, body = CategoryList)))]
async fn categories(
    State(state): State<AppState>,
    Query(q): Query<CommunityParam>,
) -> Result<Json<CategoryList>, AppError> {
    // Public: the categories a caller may file under.
    crate::registry::places::place_of_community(state.db.read(), q.community_id)
        .await?
        .ok_or_else(AppError::not_found)?;
    let items = store::categories(state.db.read(), q.community_id).await?;
    Ok(Json(CategoryList {
        total: items.len() as i64,
        items,
    }))
}

/// File a case. Without a token it is anonymous: public categories only, and the tracking code
/// is the only handle on it.
#[utoipa::path(post, path = "/api/v1/cases", tag = "cases", request_body = CaseInput,
    responses((status = 201, body = Filed), (status = 409, description = "sent twice"), (status = 422), (status = 429, description = "too many anonymous cases")))]
async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiJson(i): ApiJson<CaseInput>,
) -> Result<(StatusCode, Json<Filed>), AppError> {
    // Public: anyone may file; without a token, public categories only (intake::file).
    Ok((
        StatusCode::CREATED,
        Json(intake::file(&state, &ctx, &i).await?),
    ))
}

/// A case as staff and its submitter see it; the contact phone masked.
#[derive(Serialize, ToSchema)]
pub struct CaseView {
    pub id: i64,
    pub community_id: i64,
    pub building_id: Option<i64>,
    pub category: String,
    pub sensitive: bool,
    pub channel: String,
    pub status: CaseStatus,
    pub description: String,
    pub address: String,
    pub contact_name: String,
    pub contact_phone: String,
    pub tracking_code: String,
    /// RFC 3339, +08:00.
    pub deadline: String,
    /// Set when the deadline was counted across a year whose holidays are not announced yet:
    /// an estimate (only weekends and the holidays fixed by date in law were skipped there).
    pub deadline_uncovered_year: Option<i16>,
    pub overdue: bool,
    pub reply: String,
    pub satisfied: Option<bool>,
    pub supervised: bool,
    /// Why it is on the supervision list, once it is.
    pub supervision_reason: String,
    /// Given without its details: a sensitive case in a list (`GET /api/v1/cases/{id}` reads
    /// it, and that read is audited), or on the supervision list of someone without the duty to
    /// read it (rule C13).
    pub redacted: bool,
    /// The public note on progress chosen by staff, if any.
    pub public_note: Option<PublicNote>,
    pub created_at: time::Instant,
}

impl From<&Case> for CaseView {
    fn from(c: &Case) -> Self {
        let deadline = time::from_db(&c.deadline)
            .map(time::rfc3339_shanghai)
            .unwrap_or_default();
        CaseView {
            id: c.id,
            community_id: c.community_id,
            building_id: c.building_id,
            category: c.category.clone(),
            sensitive: c.sensitive,
            channel: c.channel.clone(),
            status: c.status,
            description: c.description.clone(),
            address: c.address.clone(),
            contact_name: c.contact_name.clone(),
            contact_phone: if c.contact_phone.is_empty() {
                String::new()
            } else {
                mask(&c.contact_phone)
            },
            tracking_code: c.tracking_code.clone(),
            deadline,
            deadline_uncovered_year: c.deadline_uncovered_year,
            overdue: c.overdue(&time::now_db()),
            reply: c.reply.clone(),
            satisfied: c.satisfied,
            supervised: c.supervised_at.is_some(),
            supervision_reason: c.supervision_reason.clone(),
            redacted: c.redacted,
            public_note: c.public_note,
            created_at: c.created_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct CaseList {
    pub items: Vec<CaseView>,
    pub total: i64,
}

/// Cases in scope (sensitive categories only for those whose duty needs them); residents see
/// the cases they filed.
#[utoipa::path(get, path = "/api/v1/cases", tag = "cases", params(CaseQuery), security(("bearer" = [])),
    responses((status = 200, body = CaseList)))]
async fn list_cases(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<CaseQuery>,
) -> Result<Json<CaseList>, AppError> {
    // Authorized in list::search > conditions: CaseRead, CaseSubmit
    let (items, total) = list::search(&state, &ctx, &q).await?;
    Ok(Json(CaseList {
        items: items.iter().map(CaseView::from).collect(),
        total,
    }))
}

#[derive(Serialize, ToSchema)]
pub struct CaseDetail {
    #[serde(flatten)]
    pub case: CaseView,
    pub timeline: Vec<Event>,
}

/// Loads a case the caller may read: staff in scope (sensitive ones need the duty), or its
/// submitter. A sensitive read is audited; an ordinary one is not (see below).
pub async fn readable(state: &AppState, ctx: &Ctx, id: i64) -> Result<Case, AppError> {
    Ok(readable_revealing(state, ctx, id, false).await?.0)
}

/// As [`readable`]; with `phone`, a handler of the case also gets the caller's number in full
/// (the answer's `true`), and the one audit entry of the read says so, as a sensitive read;
/// anyone else asking for it is refused (403).
pub async fn readable_revealing(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    phone: bool,
) -> Result<(Case, bool), AppError> {
    let c = store::get(state.db.read(), id)
        .await?
        .ok_or_else(AppError::not_found)?;
    let mine = ctx
        .user
        .as_ref()
        .is_some_and(|u| c.submitter_user_id == Some(u.id));
    if !mine {
        ctx.require(Action::CaseRead, Target::At(c.place()))?;
        if c.sensitive {
            ctx.require(Action::CaseReadSensitive, Target::At(c.place()))?;
        }
    }
    // Only those who handle the case call the caller back; anyone else asking is refused.
    if phone {
        super::handle::require_handle(ctx, &c)?;
    }
    let reveal = phone && !c.contact_phone.is_empty();
    // A read of sensitive personal data is audited, durably, before the answer leaves (rule S1);
    // a read of an ordinary case (its caller's number masked) holds none and is not.
    if c.sensitive || reveal {
        let mut entry = Entry::new("case.read", "case", id)
            .at(c.place())
            .sensitive();
        if reveal {
            entry = entry.detail("phone revealed to call back");
        }
        audit::record_alone(&state.db, &ctx.actor(), entry).await?;
    }
    Ok((c, reveal))
}

/// One case with its timeline.
#[utoipa::path(get, path = "/api/v1/cases/{id}", tag = "cases", params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, body = CaseDetail), (status = 403), (status = 404)))]
async fn one(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<Json<CaseDetail>, AppError> {
    // Authorized in readable > readable_revealing: CaseRead, CaseReadSensitive
    let c = readable(&state, &ctx, id).await?;
    let timeline = store::events(state.db.read(), id).await?;
    Ok(Json(CaseDetail {
        case: CaseView::from(&c),
        timeline,
    }))
}

/// Move a case along its lifecycle: `accept`, `assign` (with `assignee`), `start`, `reply` (with
/// `message`), `close` (only after a reply), `reject` (with `reason`), `reopen` (once).
#[utoipa::path(post, path = "/api/v1/cases/{id}/transitions", tag = "cases", params(("id" = i64, Path)),
    request_body = TransitionInput, security(("bearer" = [])),
    responses((status = 200, body = CaseView), (status = 403), (status = 409, description = "not allowed from the current status"), (status = 422)))]
async fn transition(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    ApiJson(t): ApiJson<TransitionInput>,
) -> Result<Json<CaseView>, AppError> {
    // Authorized in handle::transition > require_handle: CaseHandle, CaseReadSensitive
    let c = handle::transition(&state, &ctx, id, &t).await?;
    Ok(Json(CaseView::from(&c)))
}

/// The submitter rates the answer (once); unsatisfied reopens the case (once).
#[utoipa::path(post, path = "/api/v1/cases/{id}/feedback", tag = "cases", params(("id" = i64, Path)),
    request_body = FeedbackInput, security(("bearer" = [])),
    responses((status = 200, body = CaseView), (status = 403, description = "not the submitter"), (status = 409)))]
async fn rate(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    ApiJson(f): ApiJson<FeedbackInput>,
) -> Result<Json<CaseView>, AppError> {
    // Its submitter only: handle::feedback compares the signed-in user with the case.
    ctx.signed_in()?;
    let c = handle::feedback(&state, &ctx, id, &f).await?;
    Ok(Json(CaseView::from(&c)))
}

#[derive(Serialize, ToSchema)]
pub struct PublicStep {
    pub at: String,
    pub action: String,
    pub status: String,
}

/// What a tracking code shows anyone: the category, the status, dates and the public note
/// chosen by staff. Never the reply, the description or the address: a tracking code can be
/// seen over a shoulder or passed on, and the reply goes to the signed-in submitter.
#[derive(Serialize, ToSchema)]
pub struct Tracked {
    pub category: String,
    pub status: CaseStatus,
    pub created_at: time::Instant,
    pub deadline: String,
    /// Set when the deadline is an estimate: counted across a year whose holidays are not
    /// announced yet.
    pub deadline_uncovered_year: Option<i16>,
    pub public_note: Option<PublicNote>,
    pub steps: Vec<PublicStep>,
}

/// Rate the answer with the tracking code (once); unsatisfied reopens the case (once). For
/// callers without an account: walk-ins, phone callers, Open311 apps relaying a resident.
#[utoipa::path(post, path = "/api/v1/track/{code}/feedback", tag = "cases", params(("code" = String, Path)),
    request_body = FeedbackInput,
    responses((status = 200, body = Tracked), (status = 404), (status = 409, description = "not answered yet, or rated already")))]
async fn rate_by_code(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    ApiJson(f): ApiJson<FeedbackInput>,
) -> Result<Json<Tracked>, AppError> {
    // Public: the tracking code is the caller's proof; handle::feedback_by_code rates once.
    let c = handle::feedback_by_code(&state, &ctx, &code, &f).await?;
    track(State(state), Path(c.tracking_code)).await
}

/// Follow a case by its tracking code (public).
#[utoipa::path(get, path = "/api/v1/track/{code}", tag = "cases", params(("code" = String, Path)),
    responses((status = 200, body = Tracked), (status = 404)))]
async fn track(
    State(state): State<AppState>,
    Path(code): Path<String>,
) -> Result<Json<Tracked>, AppError> {
    // Public: a tracking code shows only what anyone may see (no reply, description or address).
    let code = code.trim().to_ascii_uppercase();
    let c = store::by_tracking_code(state.db.read(), &code)
        .await?
        .ok_or_else(AppError::not_found)?;
    let steps = store::events(state.db.read(), c.id)
        .await?
        .into_iter()
        .filter(|e| e.public)
        .map(|e| PublicStep {
            at: e.at,
            action: e.action,
            status: e.to_status,
        })
        .collect();
    Ok(Json(Tracked {
        category: c.category.clone(),
        status: c.status,
        created_at: c.created_at,
        deadline: time::from_db(&c.deadline)
            .map(time::rfc3339_shanghai)
            .unwrap_or_default(),
        deadline_uncovered_year: c.deadline_uncovered_year,
        public_note: c.public_note,
        steps,
    }))
}

/// The supervision list (督办): overdue cases in scope, escalated to the community head.
#[utoipa::path(get, path = "/api/v1/supervision", tag = "cases", security(("bearer" = [])),
    responses((status = 200, body = CaseList)))]
async fn supervision(State(state): State<AppState>, ctx: Ctx) -> Result<Json<CaseList>, AppError> {
    // Authorized in supervision::supervision: SupervisionRead
    let items = super::supervision::supervision(&state, &ctx).await?;
    Ok(Json(CaseList {
        total: items.len() as i64,
        items: items.iter().map(CaseView::from).collect(),
    }))
}
