//! `/requirements`: the work requirements on one page — the street sets each community's type
//! and the year's targets per type (分类指导); each community records its progress on the
//! 五个抓好 goals and the channels it used to publicize a campaign. The same in the API.

use askama::Template;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Serialize};
use sqlx::Row;
use utoipa::{IntoParams, ToSchema};

use super::publicity::{Channel, PublicityInput, record_publicity};
use super::requirements::{
    CommunityType, Goal, GoalStatus, ProgressInput, Requirements, TargetInput, record_progress,
    requirements, set_target, set_type,
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
pub struct YearQuery {
    /// The year; this year by default.
    #[serde(default)]
    pub year: Option<i64>,
}

impl YearQuery {
    fn year(&self) -> i64 {
        self.year
            .unwrap_or_else(|| i64::from(crate::platform::time::today().year()))
    }
}

#[derive(Template)]
#[template(path = "campaigns/requirements.html")]
struct RequirementsPage {
    chrome: Chrome,
    t: Tr,
    r: Requirements,
    types: &'static [CommunityType],
    goals: &'static [Goal],
    statuses: &'static [GoalStatus],
    channels: &'static [Channel],
    campaigns: Vec<(i64, String)>,
    street: bool,
    staff: bool,
    today: String,
    refused: Refused,
    typed: Typed,
}

async fn render(
    state: &AppState,
    ctx: &Ctx,
    year: i64,
    refused: Option<(Typed, &AppError)>,
) -> Result<Response, AppError> {
    let r = requirements(state, ctx, year).await?;
    let campaigns =
        sqlx::query("SELECT id, title FROM campaigns WHERE street_id = $1 ORDER BY id DESC")
            .bind(r.street_id)
            .fetch_all(state.db.read())
            .await?
            .iter()
            .map(|c| Ok((c.try_get("id")?, c.try_get("title")?)))
            .collect::<Result<_, sqlx::Error>>()?;
    let (typed, err) = Typed::split(refused);
    again(
        &RequirementsPage {
            chrome: ctx.chrome(),
            t: ctx.t(),
            r,
            types: CommunityType::ALL,
            goals: Goal::ALL,
            statuses: GoalStatus::ALL,
            channels: Channel::ALL,
            campaigns,
            street: !ctx.scopes(Action::CampaignsManage).is_empty(),
            staff: crate::daily::choices::community(ctx, Action::FieldWork).is_some(),
            today: crate::platform::time::today().to_string(),
            refused: Refused::of(ctx.lang, &typed.form, err),
            typed,
        },
        err,
    )
}

pub async fn page(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<YearQuery>,
) -> Result<Response, AppError> {
    // Authorized in render > requirements: CampaignsRead (through reach_for)
    render(&state, &ctx, q.year(), None).await
}

fn year_of(f: &Fields) -> i64 {
    f.get("year")
        .trim()
        .parse()
        .unwrap_or_else(|_| i64::from(crate::platform::time::today().year()))
}

/// `POST /requirements/type`: the street sets a community's type.
pub async fn type_submit(
    State(state): State<AppState>,
    CsrfForm(ctx, f): CsrfForm<Fields>,
) -> Result<Response, AppError> {
    // Authorized in set_type: CampaignsManage
    let year = year_of(&f);
    let community = f.id("community_id").ok().flatten().unwrap_or_default();
    let done = set_type(&state, &ctx, community, &f.get("community_type")).await;
    redirect_or_again(
        done,
        |_| {
            Done::to(
                format!("/requirements?year={year}"),
                "requirements.done.type",
            )
        },
        async |e| {
            let form = format!("type-{community}");
            render(&state, &ctx, year, Some((Typed::of(form, &f), &e))).await
        },
    )
    .await
}

/// `POST /requirements/targets`: the street sets a target for a type and goal.
pub async fn target_submit(
    State(state): State<AppState>,
    CsrfForm(ctx, f): CsrfForm<Fields>,
) -> Result<Response, AppError> {
    // Authorized in set_target: CampaignsManage
    let year = year_of(&f);
    let i = TargetInput {
        year,
        community_type: f.get("community_type"),
        goal: f.get("goal"),
        target: f.get("target"),
    };
    let done = set_target(&state, &ctx, &i).await;
    redirect_or_again(
        done,
        |_| {
            Done::to(
                format!("/requirements?year={year}"),
                "requirements.done.target",
            )
        },
        async |e| render(&state, &ctx, year, Some((Typed::of("target", &f), &e))).await,
    )
    .await
}

/// `POST /requirements/progress`: the community records where it stands on a goal.
pub async fn progress_submit(
    State(state): State<AppState>,
    CsrfForm(ctx, f): CsrfForm<Fields>,
) -> Result<Response, AppError> {
    // Authorized in record_progress: FieldWork
    let year = year_of(&f);
    let goal = f.get("goal");
    let i = ProgressInput {
        community_id: None,
        year,
        goal: goal.clone(),
        status: f.get("status"),
        note: f.get("note"),
    };
    let done = record_progress(&state, &ctx, &i).await;
    redirect_or_again(
        done,
        |_| {
            Done::to(
                format!("/requirements?year={year}#goal-{goal}"),
                "requirements.done.progress",
            )
            .arg("goal", ctx.t().of("requirement_goal", &goal))
        },
        async |e| {
            let form = format!("goal-{goal}");
            render(&state, &ctx, year, Some((Typed::of(form, &f), &e))).await
        },
    )
    .await
}

/// `POST /requirements/publicity`: the community records a channel it used for a campaign.
pub async fn publicity_submit(
    State(state): State<AppState>,
    CsrfForm(ctx, f): CsrfForm<Fields>,
) -> Result<Response, AppError> {
    ctx.require(Action::FieldWork, crate::auth::Target::System)?;
    let year = year_of(&f);
    let done = match f.id("campaign_id") {
        Ok(Some(c)) => {
            let i = PublicityInput {
                community_id: None,
                channel: f.get("channel"),
                held_on: Some(f.get("held_on")),
                note: f.get("note"),
            };
            record_publicity(&state, &ctx, c, &i).await
        }
        Ok(None) => Err(AppError::invalid(
            "campaign_id",
            "requirements.pick_campaign",
        )),
        Err(e) => Err(e),
    };
    redirect_or_again(
        done,
        |_| {
            Done::to(
                format!("/requirements?year={year}"),
                "requirements.done.publicity",
            )
            .arg(
                "channel",
                ctx.t().of("publicity_channel", &f.get("channel")),
            )
        },
        async |e| render(&state, &ctx, year, Some((Typed::of("publicity", &f), &e))).await,
    )
    .await
}

/// The year's requirements of the communities the caller sees: type, goals with targets and
/// progress, publicity channels used and missing.
#[utoipa::path(get, path = "/api/v1/requirements", tag = "campaigns", params(YearQuery), security(("bearer" = [])),
    responses((status = 200, body = Requirements), (status = 403)))]
pub(super) async fn requirements_api(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<YearQuery>,
) -> Result<Json<Requirements>, AppError> {
    // Authorized in requirements: CampaignsRead (through reach_for)
    Ok(Json(requirements(&state, &ctx, q.year()).await?))
}

#[derive(Deserialize, ToSchema)]
pub struct TypeInput {
    /// old_town, new_estate, mixed or urban_village.
    pub community_type: String,
}

/// Set a community's type for 分类指导 (the street).
#[utoipa::path(put, path = "/api/v1/communities/{id}/type", tag = "campaigns", params(("id" = i64, Path)),
    request_body = TypeInput, security(("bearer" = [])), responses((status = 204), (status = 403), (status = 422)))]
pub(super) async fn type_api(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    ApiJson(i): ApiJson<TypeInput>,
) -> Result<StatusCode, AppError> {
    // Authorized in set_type: CampaignsManage
    set_type(&state, &ctx, id, &i.community_type).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Set the year's target of a 五个抓好 goal for a type of community (the street).
#[utoipa::path(put, path = "/api/v1/guidance-targets", tag = "campaigns", request_body = TargetInput,
    security(("bearer" = [])), responses((status = 204), (status = 403), (status = 422)))]
pub(super) async fn target_api(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiJson(i): ApiJson<TargetInput>,
) -> Result<StatusCode, AppError> {
    // Authorized in set_target: CampaignsManage
    set_target(&state, &ctx, &i).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Record the community's progress on a 五个抓好 goal.
#[utoipa::path(put, path = "/api/v1/goal-progress", tag = "campaigns", request_body = ProgressInput,
    security(("bearer" = [])), responses((status = 204), (status = 403), (status = 422)))]
pub(super) async fn progress_api(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiJson(i): ApiJson<ProgressInput>,
) -> Result<StatusCode, AppError> {
    // Authorized in record_progress: FieldWork
    record_progress(&state, &ctx, &i).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize, ToSchema)]
pub struct PublicityRecorded {
    pub id: i64,
}

/// Record a channel the community used to publicize a campaign.
#[utoipa::path(post, path = "/api/v1/campaigns/{id}/publicity", tag = "campaigns", params(("id" = i64, Path)),
    request_body = PublicityInput, security(("bearer" = [])),
    responses((status = 201, body = PublicityRecorded), (status = 403), (status = 404), (status = 422)))]
pub(super) async fn publicity_api(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    ApiJson(i): ApiJson<PublicityInput>,
) -> Result<(StatusCode, Json<PublicityRecorded>), AppError> {
    // Authorized in record_publicity: FieldWork
    let id = record_publicity(&state, &ctx, id, &i).await?;
    Ok((StatusCode::CREATED, Json(PublicityRecorded { id })))
}
