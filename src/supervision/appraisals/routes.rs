//! The appraisals' JSON API.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;

use super::{
    Appraisal, AppraisalInput, AppraisalList, BallotInput, Recount, close, disclose, listed, open,
    readable, recount, vote,
};
use crate::auth::{Action, Ctx, Target};
use crate::platform::AppState;
use crate::platform::error::AppError;
use crate::platform::web::{ApiJson, Path};

#[utoipa::path(get, path = "/api/v1/appraisals", tag = "supervision", security(("bearer" = [])),
    responses((status = 200, body = AppraisalList)))]
pub async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
) -> Result<Json<AppraisalList>, AppError> {
    ctx.require(Action::HomeView, Target::System)?;
    Ok(Json(AppraisalList {
        items: listed(&state, &ctx).await?,
    }))
}

/// Open an appraisal of the community's cadres (supervisory board, street).
#[utoipa::path(post, path = "/api/v1/appraisals", tag = "supervision", request_body = AppraisalInput, security(("bearer" = [])),
    responses((status = 201, body = Appraisal), (status = 403), (status = 422)))]
pub async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiJson(a): ApiJson<AppraisalInput>,
) -> Result<(StatusCode, Json<Appraisal>), AppError> {
    // Authorized in open: AppraisalsManage
    let id = open(&state, &ctx, &a).await?;
    Ok((StatusCode::CREATED, Json(readable(&state, &ctx, id).await?)))
}

/// One appraisal; the tally only once it is closed.
#[utoipa::path(get, path = "/api/v1/appraisals/{id}", tag = "supervision", params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, body = Appraisal), (status = 403), (status = 404)))]
pub async fn one(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<Json<Appraisal>, AppError> {
    // Authorized in readable: AppraisalsManage, FieldWorkRead, SupervisionRead
    Ok(Json(readable(&state, &ctx, id).await?))
}

/// A resident representative's secret ballot.
#[utoipa::path(post, path = "/api/v1/appraisals/{id}/ballots", tag = "supervision", params(("id" = i64, Path)), request_body = BallotInput,
    security(("bearer" = [])), responses((status = 204), (status = 403), (status = 409), (status = 422)))]
pub async fn cast(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    ApiJson(b): ApiJson<BallotInput>,
) -> Result<StatusCode, AppError> {
    // Authorized in vote > crate::registry::participant::participant: Participate
    vote(&state, &ctx, id, &b).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The stored ballots of a closed appraisal and whether they recount to its tally.
#[utoipa::path(get, path = "/api/v1/appraisals/{id}/ballots", tag = "supervision", params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, body = Recount), (status = 403), (status = 409)))]
pub async fn stored(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<Json<Recount>, AppError> {
    // Authorized in recount > readable: AppraisalsManage, FieldWorkRead, SupervisionRead
    Ok(Json(recount(&state, &ctx, id).await?))
}

/// Close the voting and tally: once the window has ended or the whole roll has voted; short of
/// the turnout that keeps ballots secret, the appraisal is void and nothing is counted.
#[utoipa::path(post, path = "/api/v1/appraisals/{id}/close", tag = "supervision", params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, body = Appraisal), (status = 403), (status = 409)))]
pub async fn close_route(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<Json<Appraisal>, AppError> {
    // Authorized in close: AppraisalsManage
    close(&state, &ctx, id).await?;
    Ok(Json(readable(&state, &ctx, id).await?))
}

/// Disclose the result as a notice (the supervisory board or the street; never a cadre it
/// appraises).
#[utoipa::path(post, path = "/api/v1/appraisals/{id}/disclose", tag = "supervision", params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, body = Appraisal), (status = 403), (status = 409)))]
pub async fn disclose_route(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<Json<Appraisal>, AppError> {
    // Authorized in disclose: AppraisalsManage
    disclose(&state, &ctx, id).await?;
    Ok(Json(readable(&state, &ctx, id).await?))
}

#[derive(serde::Serialize, utoipa::ToSchema)]
#[schema(as = AppraisalPaperBatchList)]
pub struct PaperBatchList {
    pub items: Vec<super::paper::PaperBatch>,
}

/// The appraisal's paper ballot batches, entered and confirmed by whom.
#[utoipa::path(get, path = "/api/v1/appraisals/{id}/paper-batches", tag = "supervision", params(("id" = i64, Path)),
    security(("bearer" = [])), responses((status = 200, body = PaperBatchList), (status = 403), (status = 404)))]
pub async fn paper_batches(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<Json<PaperBatchList>, AppError> {
    let a = super::load(&state, id).await?;
    ctx.require(Action::AppraisalsManage, Target::At(a.place()))?;
    Ok(Json(PaperBatchList {
        items: super::paper::batches(&state, id).await?,
    }))
}

/// Enter a batch of paper ballots (first entry); it counts once a second person confirms it.
#[utoipa::path(post, path = "/api/v1/appraisals/{id}/paper-batches", tag = "supervision", params(("id" = i64, Path)),
    request_body = super::paper::BatchInput, security(("bearer" = [])),
    responses((status = 201, body = PaperBatchList), (status = 403), (status = 409), (status = 422)))]
pub async fn paper_enter(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    ApiJson(b): ApiJson<super::paper::BatchInput>,
) -> Result<(StatusCode, Json<PaperBatchList>), AppError> {
    // Authorized in enter_batch: AppraisalsManage
    super::paper::enter_batch(&state, &ctx, id, &b).await?;
    Ok((
        StatusCode::CREATED,
        Json(PaperBatchList {
            items: super::paper::batches(&state, id).await?,
        }),
    ))
}

/// Confirm a batch by entering it again: another person, the same ballots.
#[utoipa::path(post, path = "/api/v1/appraisals/{id}/paper-batches/{batch}/confirm", tag = "supervision",
    params(("id" = i64, Path), ("batch" = i64, Path)), request_body = super::paper::BatchInput, security(("bearer" = [])),
    responses((status = 200, body = PaperBatchList), (status = 403), (status = 404), (status = 409), (status = 422)))]
pub async fn paper_confirm(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, batch)): Path<(i64, i64)>,
    ApiJson(b): ApiJson<super::paper::BatchInput>,
) -> Result<Json<PaperBatchList>, AppError> {
    // Authorized in confirm_batch: AppraisalsManage
    super::paper::confirm_batch(&state, &ctx, id, batch, &b).await?;
    Ok(Json(PaperBatchList {
        items: super::paper::batches(&state, id).await?,
    }))
}
