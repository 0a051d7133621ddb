//! The associations page, `/associations`: a member files the association's opinions and
//! proposals and follows their answers; the community's head records the members it sends to
//! the supervisory board. The same functions as `/api/v1/associations`.

use askama::Template;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::associations::{Association, ProposalInput, delegate, mine, propose};
use crate::auth::{CsrfForm, Ctx};
use crate::platform::AppState;
use crate::platform::error::AppError;
use crate::platform::flash::Done;
use crate::platform::forms::{Refused, Typed, again};
use crate::platform::i18n::Tr;
use crate::platform::input::Fields;
use crate::platform::web::{ApiJson, Chrome, Path, redirect_or_again};

#[derive(Template)]
#[template(path = "council/associations.html")]
struct AssociationsPage {
    chrome: Chrome,
    t: Tr,
    items: Vec<Association>,
    refused: Refused,
    typed: Typed,
}

async fn render(
    state: &AppState,
    ctx: &Ctx,
    refused: Option<(Typed, &AppError)>,
) -> Result<Response, AppError> {
    let items = mine(state, ctx).await?;
    let (typed, err) = Typed::split(refused);
    again(
        &AssociationsPage {
            chrome: ctx.chrome(),
            t: ctx.t(),
            items,
            refused: Refused::of(ctx.lang, &typed.form, err),
            typed,
        },
        err,
    )
}

pub async fn page(State(state): State<AppState>, ctx: Ctx) -> Result<Response, AppError> {
    ctx.signed_in()?;
    render(&state, &ctx, None).await
}

/// `POST /associations/{id}/proposals`: an opinion or proposal filed for the association.
pub async fn propose_submit(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    CsrfForm(ctx, f): CsrfForm<Fields>,
) -> Result<Response, AppError> {
    // Authorized in propose: Participate (a member of the association)
    let i = ProposalInput {
        description: f.get("description"),
    };
    let done = propose(&state, &ctx, id, &i).await;
    redirect_or_again(
        done,
        |case| {
            Done::to(
                format!("/associations#association-{id}"),
                "associations.done.proposed",
            )
            .arg("case", case)
        },
        async |e| {
            render(
                &state,
                &ctx,
                Some((Typed::of(format!("proposal-{id}"), &f), &e)),
            )
            .await
        },
    )
    .await
}

/// `POST /associations/{id}/delegates`: a member sent to the supervisory board.
pub async fn delegate_submit(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    CsrfForm(ctx, f): CsrfForm<Fields>,
) -> Result<Response, AppError> {
    // Authorized in delegate: BodiesManage
    // No one chosen is no member: `delegate` answers so after checking who asks.
    let resident = f.id("resident_id")?.unwrap_or(0);
    let done = delegate(&state, &ctx, id, resident).await;
    redirect_or_again(
        done,
        |()| {
            Done::to(
                format!("/associations#association-{id}"),
                "associations.done.delegated",
            )
        },
        async |e| {
            render(
                &state,
                &ctx,
                Some((Typed::of(format!("delegate-{id}"), &f), &e)),
            )
            .await
        },
    )
    .await
}

#[derive(Serialize, ToSchema)]
pub struct AssociationList {
    pub items: Vec<Association>,
}

/// The associations the caller belongs to or looks after, with their proposals and answers.
#[utoipa::path(get, path = "/api/v1/associations", tag = "council", security(("bearer" = [])),
    responses((status = 200, body = AssociationList), (status = 401)))]
pub async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
) -> Result<Json<AssociationList>, AppError> {
    ctx.signed_in()?;
    Ok(Json(AssociationList {
        items: mine(&state, &ctx).await?,
    }))
}

#[derive(Serialize, ToSchema)]
pub struct ProposalFiled {
    /// The case that carries it.
    pub case_id: i64,
}

/// File an opinion or proposal on the association's behalf (a current member): a case of the
/// community, answered like any other.
#[utoipa::path(post, path = "/api/v1/associations/{id}/proposals", tag = "council", params(("id" = i64, Path)),
    request_body = ProposalInput, security(("bearer" = [])),
    responses((status = 201, body = ProposalFiled), (status = 403), (status = 404), (status = 422)))]
pub async fn proposal_create(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    ApiJson(i): ApiJson<ProposalInput>,
) -> Result<(StatusCode, Json<ProposalFiled>), AppError> {
    // Authorized in propose: Participate (a member of the association)
    let case_id = propose(&state, &ctx, id, &i).await?;
    Ok((StatusCode::CREATED, Json(ProposalFiled { case_id })))
}

#[derive(Deserialize, ToSchema)]
pub struct DelegateInput {
    /// A current member of the association.
    pub resident_id: i64,
}

/// Record a member the association sends to the supervisory board (the community's head).
#[utoipa::path(post, path = "/api/v1/associations/{id}/delegates", tag = "council", params(("id" = i64, Path)),
    request_body = DelegateInput, security(("bearer" = [])),
    responses((status = 204), (status = 403), (status = 404), (status = 409), (status = 422)))]
pub async fn delegate_create(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    ApiJson(i): ApiJson<DelegateInput>,
) -> Result<StatusCode, AppError> {
    // Authorized in delegate: BodiesManage
    delegate(&state, &ctx, id, i.resident_id).await?;
    Ok(StatusCode::NO_CONTENT)
}
