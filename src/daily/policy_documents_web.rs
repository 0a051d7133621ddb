//! Policy documents on pages and in the API: `/policy-documents`, the documents sent and their
//! coverage by building (staff send one from here); `/policy-documents/{id}`, a building's
//! households and the leader's form for each acknowledgement.

use askama::Template;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::choices;
use super::policy_documents::{
    AckHow, AckInput, DocumentInput, HouseholdAck, PolicyDocument, acknowledge, document,
    documents, households, send,
};
use crate::auth::{Action, CsrfForm, Ctx};
use crate::platform::AppState;
use crate::platform::error::AppError;
use crate::platform::flash::Done;
use crate::platform::forms::{Refused, Typed, again};
use crate::platform::i18n::Tr;
use crate::platform::input::Fields;
use crate::platform::web::{ApiJson, Chrome, Path, Query, redirect_or_again};

#[derive(Template)]
#[template(path = "daily/policy_documents.html")]
struct ListPage {
    chrome: Chrome,
    t: Tr,
    items: Vec<PolicyDocument>,
    /// The community's buildings, for staff who send documents; empty for others.
    buildings: Vec<(i64, String)>,
    refused: Refused,
    typed: Typed,
}

async fn render_list(
    state: &AppState,
    ctx: &Ctx,
    refused: Option<(Typed, &AppError)>,
) -> Result<Response, AppError> {
    let items = documents(state, ctx).await?;
    let buildings = match choices::community(ctx, Action::FieldWork) {
        Some(c) => choices::buildings(state, c).await?,
        None => Vec::new(),
    };
    let (typed, err) = Typed::split(refused);
    again(
        &ListPage {
            chrome: ctx.chrome(),
            t: ctx.t(),
            items,
            buildings,
            refused: Refused::of(ctx.lang, "document", err),
            typed,
        },
        err,
    )
}

pub async fn list_page(State(state): State<AppState>, ctx: Ctx) -> Result<Response, AppError> {
    // Authorized in render_list > documents > reach: NotebooksWrite, FieldWorkRead
    render_list(&state, &ctx, None).await
}

/// `POST /policy-documents`: a document sent to the ticked buildings (all when none).
pub async fn send_submit(
    State(state): State<AppState>,
    CsrfForm(ctx, f): CsrfForm<Fields>,
) -> Result<Response, AppError> {
    // Authorized in send: FieldWork
    let done = match f.ids("building_id") {
        Ok(building_ids) => {
            let i = DocumentInput {
                community_id: None,
                title: f.get("title"),
                summary: f.get("summary"),
                building_ids,
            };
            send(&state, &ctx, &i).await
        }
        Err(e) => Err(e),
    };
    redirect_or_again(
        done,
        |id| {
            Done::to(format!("/policy-documents/{id}"), "daily.done.policy_sent")
                .arg("title", f.get("title").trim())
        },
        async |e| render_list(&state, &ctx, Some((Typed::of("document", &f), &e))).await,
    )
    .await
}

#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct BuildingPick {
    /// The building whose households to show; the first the reader sees by default.
    #[serde(default)]
    pub building_id: Option<i64>,
}

#[derive(Template)]
#[template(path = "daily/policy_document.html")]
struct DocumentPage {
    chrome: Chrome,
    t: Tr,
    d: PolicyDocument,
    building: i64,
    households: Vec<HouseholdAck>,
    hows: &'static [AckHow],
    today: String,
    refused: Refused,
    typed: Typed,
}

async fn render_one(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    building: Option<i64>,
    refused: Option<(Typed, &AppError)>,
) -> Result<Response, AppError> {
    let d = document(state, ctx, id).await?;
    let building = building
        .filter(|b| d.buildings.iter().any(|x| x.building_id == *b))
        .or_else(|| d.buildings.first().map(|b| b.building_id))
        .unwrap_or_default();
    let households = households(state, id, building).await?;
    let (typed, err) = Typed::split(refused);
    again(
        &DocumentPage {
            chrome: ctx.chrome(),
            t: ctx.t(),
            d,
            building,
            households,
            hows: AckHow::ALL,
            today: crate::platform::time::today().to_string(),
            refused: Refused::of(ctx.lang, &typed.form, err),
            typed,
        },
        err,
    )
}

pub async fn document_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Query(q): Query<BuildingPick>,
) -> Result<Response, AppError> {
    // Authorized in render_one > document > documents > reach: NotebooksWrite, FieldWorkRead
    render_one(&state, &ctx, id, q.building_id, None).await
}

/// `POST /policy-documents/{id}/acknowledgements`: a household's acknowledgement.
pub async fn ack_submit(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    CsrfForm(ctx, f): CsrfForm<Fields>,
) -> Result<Response, AppError> {
    ctx.require(Action::NotebooksWrite, crate::auth::Target::System)?;
    let household = f.get("household_id");
    let done = match f.id("household_id") {
        Ok(Some(h)) => {
            let i = AckInput {
                household_id: h,
                how: f.get("how"),
                on_date: Some(f.get("on_date")),
            };
            acknowledge(&state, &ctx, id, &i).await
        }
        Ok(None) => Err(AppError::invalid("household_id", "daily.pick_household")),
        Err(e) => Err(e),
    };
    let building = f.id("building_id").ok().flatten();
    redirect_or_again(
        done,
        |address| {
            Done::to(
                format!(
                    "/policy-documents/{id}?building_id={}#household-{household}",
                    building.unwrap_or_default()
                ),
                "daily.done.policy_acknowledged",
            )
            .arg("address", address)
        },
        async |e| {
            let form = format!("ack-{household}");
            render_one(&state, &ctx, id, building, Some((Typed::of(form, &f), &e))).await
        },
    )
    .await
}

#[derive(Serialize, ToSchema)]
pub struct PolicyDocumentList {
    pub items: Vec<PolicyDocument>,
}

/// The policy documents sent to the buildings the caller sees, with each building's coverage.
#[utoipa::path(get, path = "/api/v1/policy-documents", tag = "daily", security(("bearer" = [])),
    responses((status = 200, body = PolicyDocumentList), (status = 401), (status = 403)))]
pub(super) async fn list_api(
    State(state): State<AppState>,
    ctx: Ctx,
) -> Result<Json<PolicyDocumentList>, AppError> {
    // Authorized in documents > reach: NotebooksWrite, FieldWorkRead
    Ok(Json(PolicyDocumentList {
        items: documents(&state, &ctx).await?,
    }))
}

#[derive(Serialize, ToSchema)]
pub struct PolicyCreated {
    pub id: i64,
}

/// Send a policy document to buildings of the community (all of them when none are named).
#[utoipa::path(post, path = "/api/v1/policy-documents", tag = "daily", request_body = DocumentInput, security(("bearer" = [])),
    responses((status = 201, body = PolicyCreated), (status = 403), (status = 422)))]
pub(super) async fn send_api(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiJson(i): ApiJson<DocumentInput>,
) -> Result<(StatusCode, Json<PolicyCreated>), AppError> {
    // Authorized in send: FieldWork
    let id = send(&state, &ctx, &i).await?;
    Ok((StatusCode::CREATED, Json(PolicyCreated { id })))
}

#[derive(Serialize, ToSchema)]
pub struct BuildingHouseholds {
    pub building_id: i64,
    pub households: Vec<HouseholdAck>,
}

/// A building's households and their acknowledgements of the document.
#[utoipa::path(get, path = "/api/v1/policy-documents/{id}/households", tag = "daily", params(("id" = i64, Path), BuildingPick),
    security(("bearer" = [])), responses((status = 200, body = BuildingHouseholds), (status = 403), (status = 404)))]
pub(super) async fn households_api(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Query(q): Query<BuildingPick>,
) -> Result<Json<BuildingHouseholds>, AppError> {
    // Authorized in document > documents > reach: NotebooksWrite, FieldWorkRead
    let d = document(&state, &ctx, id).await?;
    let building = q
        .building_id
        .filter(|b| d.buildings.iter().any(|x| x.building_id == *b))
        .or_else(|| d.buildings.first().map(|b| b.building_id))
        .ok_or_else(AppError::not_found)?;
    Ok(Json(BuildingHouseholds {
        building_id: building,
        households: households(&state, id, building).await?,
    }))
}

/// Record a household's acknowledgement of the document (the building's leader, or staff).
#[utoipa::path(post, path = "/api/v1/policy-documents/{id}/acknowledgements", tag = "daily", params(("id" = i64, Path)),
    request_body = AckInput, security(("bearer" = [])),
    responses((status = 204), (status = 403), (status = 409), (status = 422)))]
pub(super) async fn ack_api(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    ApiJson(i): ApiJson<AckInput>,
) -> Result<StatusCode, AppError> {
    // Authorized in acknowledge: NotebooksWrite
    acknowledge(&state, &ctx, id, &i).await?;
    Ok(StatusCode::NO_CONTENT)
}
