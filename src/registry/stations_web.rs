//! The service station on pages and in the API: `/station`, the community's station, its staff
//! and what it holds (the head sets it up and names its staff); `POST /cases/{id}/station`,
//! a case handed to the station from the case desk.

use askama::Template;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use utoipa::IntoParams;

use super::stations::{
    StaffInput, StaffLine, Station, StationInput, assign_case, save_station, set_staff, station,
};
use crate::auth::{Action, CsrfForm, Ctx};
use crate::platform::AppState;
use crate::platform::error::AppError;
use crate::platform::flash::Done;
use crate::platform::forms::{Refused, Typed, again};
use crate::platform::i18n::Tr;
use crate::platform::input::Fields;
use crate::platform::web::{ApiJson, Chrome, Path, Query, redirect_or_again};

#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct StationQuery {
    /// The community; one's own by default.
    #[serde(default)]
    pub community_id: Option<i64>,
}

#[derive(Template)]
#[template(path = "registry/station.html")]
struct StationPage {
    chrome: Chrome,
    t: Tr,
    s: Option<Station>,
    /// The community's workers and head, for the staff form (the head only).
    people: Vec<(i64, String)>,
    manage: bool,
    refused: Refused,
    typed: Typed,
}

impl StationPage {
    /// The post typed (or held) for a person, and whether they are on the staff.
    fn post_of(&self, user: &i64) -> (bool, String) {
        if self.typed.form == "staff" {
            let on = self
                .typed
                .fields
                .iter()
                .any(|(k, v)| k == "staff" && v == &user.to_string());
            return (on, self.typed.v("staff", &format!("post_{user}"), ""));
        }
        self.s
            .as_ref()
            .and_then(|s| s.staff.iter().find(|x| x.user_id == *user))
            .map_or((false, String::new()), |x| (true, x.post.clone()))
    }
}

async fn render(
    state: &AppState,
    ctx: &Ctx,
    community: Option<i64>,
    refused: Option<(Typed, &AppError)>,
) -> Result<Response, AppError> {
    let s = station(state, ctx, community).await?;
    let manage_in = crate::daily::choices::community(ctx, Action::PlacesManage);
    let people = match manage_in {
        Some(c) => crate::cases::handle::assignees(state, c)
            .await?
            .into_iter()
            .map(|a| (a.id, a.name))
            .collect(),
        None => Vec::new(),
    };
    let (typed, err) = Typed::split(refused);
    again(
        &StationPage {
            chrome: ctx.chrome(),
            t: ctx.t(),
            s,
            people,
            manage: manage_in.is_some(),
            refused: Refused::of(ctx.lang, &typed.form, err),
            typed,
        },
        err,
    )
}

pub async fn station_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<StationQuery>,
) -> Result<Response, AppError> {
    // Authorized in render > station: PlacesRead
    render(&state, &ctx, q.community_id, None).await
}

/// `POST /station`: the station set up, or its name, address and hours corrected.
pub async fn station_submit(
    State(state): State<AppState>,
    CsrfForm(ctx, f): CsrfForm<Fields>,
) -> Result<Response, AppError> {
    // Authorized in save_station: PlacesManage
    let i = StationInput {
        community_id: None,
        name: f.get("name"),
        address: f.get("address"),
        hours: f.get("hours"),
    };
    let done = save_station(&state, &ctx, &i).await;
    redirect_or_again(
        done,
        |_| Done::to("/station", "registry.done.station").arg("name", i.name.trim()),
        async |e| render(&state, &ctx, None, Some((Typed::of("station", &f), &e))).await,
    )
    .await
}

/// `POST /station/staff`: the ticked people, each with the post typed beside them.
pub async fn staff_submit(
    State(state): State<AppState>,
    CsrfForm(ctx, f): CsrfForm<Fields>,
) -> Result<Response, AppError> {
    // Authorized in set_staff: PlacesManage
    let done = match f.ids("staff") {
        Ok(ids) => {
            let i = StaffInput {
                community_id: None,
                staff: ids
                    .iter()
                    .map(|u| StaffLine {
                        user_id: *u,
                        post: f.get(&format!("post_{u}")),
                    })
                    .collect(),
            };
            set_staff(&state, &ctx, &i).await
        }
        Err(e) => Err(e),
    };
    redirect_or_again(
        done,
        |n| Done::to("/station", "registry.done.station_staff").arg("count", n),
        async |e| render(&state, &ctx, None, Some((Typed::of("staff", &f), &e))).await,
    )
    .await
}

/// `POST /cases/{id}/station`: the case handed to the station (`station_id`), or taken back.
pub async fn case_station_submit(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    CsrfForm(ctx, f): CsrfForm<Fields>,
) -> Result<Response, AppError> {
    // Authorized in assign_case > require_handle: CaseHandle
    let station = f.id("station_id")?;
    assign_case(&state, &ctx, id, station).await?;
    Ok(axum::response::IntoResponse::into_response(Done::to(
        format!("/cases/{id}"),
        if station.is_some() {
            "registry.done.case_to_station"
        } else {
            "registry.done.case_from_station"
        },
    )))
}

/// The community's service station, its staff, open cases and services this year.
#[utoipa::path(get, path = "/api/v1/station", tag = "registry", params(StationQuery), security(("bearer" = [])),
    responses((status = 200, body = Station), (status = 403), (status = 404)))]
pub(super) async fn get_station(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<StationQuery>,
) -> Result<Json<Station>, AppError> {
    // Authorized in station: PlacesRead
    station(&state, &ctx, q.community_id)
        .await?
        .map(Json)
        .ok_or_else(AppError::not_found)
}

/// Set up the community's station, or correct its name, address and hours (the head).
#[utoipa::path(put, path = "/api/v1/station", tag = "registry", request_body = StationInput, security(("bearer" = [])),
    responses((status = 204), (status = 403), (status = 422)))]
pub(super) async fn put_station(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiJson(i): ApiJson<StationInput>,
) -> Result<StatusCode, AppError> {
    // Authorized in save_station: PlacesManage
    save_station(&state, &ctx, &i).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Name the station's staff, each a current worker or the head of the community (the head).
#[utoipa::path(put, path = "/api/v1/station/staff", tag = "registry", request_body = StaffInput, security(("bearer" = [])),
    responses((status = 204), (status = 403), (status = 422)))]
pub(super) async fn put_staff(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiJson(i): ApiJson<StaffInput>,
) -> Result<StatusCode, AppError> {
    // Authorized in set_staff: PlacesManage
    set_staff(&state, &ctx, &i).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct CaseStationInput {
    /// The community's station; none to take the case back.
    pub station_id: Option<i64>,
}

/// Hand an open case to its community's service station, or take it back.
#[utoipa::path(put, path = "/api/v1/cases/{id}/station", tag = "registry", params(("id" = i64, Path)),
    request_body = CaseStationInput, security(("bearer" = [])),
    responses((status = 204), (status = 403), (status = 404), (status = 409), (status = 422)))]
pub(super) async fn put_case_station(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    ApiJson(i): ApiJson<CaseStationInput>,
) -> Result<StatusCode, AppError> {
    // Authorized in assign_case > require_handle: CaseHandle
    assign_case(&state, &ctx, id, i.station_id).await?;
    Ok(StatusCode::NO_CONTENT)
}
