//! The intake form (a resident's phone, anonymous or signed in; a building leader's one-screen
//! quick report; reception and patrol entry by staff) and tracking by code.

use crate::platform::web::Query;
use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use sqlx::Row;

use super::intake::{self, CaseInput};
use super::store::{self, Category};
use crate::auth::upload::CsrfUpload;
use crate::auth::{CsrfForm, Ctx, Role};
use crate::platform::AppState;
use crate::platform::error::AppError;
use crate::platform::i18n::{Tr, tf};
use crate::platform::time;
use crate::platform::web::{Chrome, page};

#[derive(Template)]
#[template(path = "cases/report.html")]
struct ReportPage {
    chrome: Chrome,
    t: Tr,
    categories: Vec<Category>,
    communities: Vec<(i64, String)>,
    f: ReportForm,
    error_field: String,
    error: String,
    leader: bool,
    staff: bool,
    /// The building the form is for (from a poster's QR code), as residents read it.
    building: String,
}

#[derive(Clone, Debug, Default, Deserialize)]
pub struct ReportForm {
    #[serde(default)]
    pub category: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub address: String,
    pub community_id: Option<i64>,
    pub building_id: Option<i64>,
    #[serde(default)]
    pub contact_name: String,
    #[serde(default)]
    pub contact_phone: String,
    /// Staff entering a visitor's case: `reception` or `patrol`.
    pub channel: Option<String>,
}

async fn communities(state: &AppState) -> Result<Vec<(i64, String)>, AppError> {
    let rows = sqlx::query("SELECT id, name FROM communities ORDER BY code")
        .fetch_all(state.db.read())
        .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("id")?, r.try_get("name")?)))
        .collect::<Result<_, sqlx::Error>>()
        .map_err(Into::into)
}

/// The community the form is for: given, the building's, the account's, or the first.
async fn community_for(
    state: &AppState,
    ctx: &Ctx,
    f: &ReportForm,
    all: &[(i64, String)],
) -> Result<i64, AppError> {
    if let Some(c) = f.community_id {
        return Ok(c);
    }
    if let Some(b) = f.building_id
        && let Some(p) = crate::registry::places::place_of_building(state.db.read(), b).await?
    {
        return Ok(p.community_id.unwrap_or_default());
    }
    if let Some(rid) = ctx.user.as_ref().and_then(|u| u.resident_id)
        && let Some(r) = crate::registry::residents::get(state.db.read(), rid).await?
    {
        return Ok(r.community_id);
    }
    Ok(all.first().map(|c| c.0).unwrap_or_default())
}

async fn render_report(
    state: &AppState,
    ctx: &Ctx,
    mut f: ReportForm,
    err: Option<&AppError>,
) -> Result<Response, AppError> {
    let all = communities(state).await?;
    let community = community_for(state, ctx, &f, &all).await?;
    f.community_id.get_or_insert(community);
    let leader = ctx.has_role(Role::BuildingLeader);
    let staff = leader || ctx.has_role(Role::CommunityWorker) || ctx.has_role(Role::CommunityHead);
    let categories = store::categories(state.db.read(), community)
        .await?
        .into_iter()
        .filter(|c| (staff || c.public_intake) && c.kind != "proposal")
        .collect();
    let (error_field, error) = match err {
        Some(e) => (
            e.field.clone().unwrap_or_default(),
            tf(ctx.lang, e.key, &e.args),
        ),
        None => (String::new(), String::new()),
    };
    let staff_only = ctx.has_role(Role::CommunityWorker) || ctx.has_role(Role::CommunityHead);
    let building = match f.building_id {
        Some(b) => {
            crate::registry::places::scope_name(state.db.read(), crate::auth::Scope::Building(b))
                .await?
        }
        None => String::new(),
    };
    let mut res = page(&ReportPage {
        chrome: ctx.chrome(),
        t: ctx.t(),
        categories,
        communities: all,
        f,
        error_field,
        error,
        leader,
        staff: staff_only,
        building,
    })?;
    if let Some(e) = err {
        *res.status_mut() = e.status;
    }
    Ok(res)
}

pub async fn report_form(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(f): Query<ReportForm>,
) -> Result<Response, AppError> {
    // Public: anyone may raise a request (反映诉求), signed in or not.
    render_report(&state, &ctx, f, None).await
}

#[derive(Template)]
#[template(path = "cases/filed.html")]
struct FiledPage {
    chrome: Chrome,
    t: Tr,
    code: String,
    deadline: String,
    /// Why the deadline is an estimate, if it is.
    deadline_note: Option<String>,
}

/// `POST /report`: the form, with the photo taken in it (multipart) or without (urlencoded).
pub async fn report_submit(
    State(state): State<AppState>,
    CsrfUpload(ctx, f, files): CsrfUpload<ReportForm>,
) -> Result<Response, AppError> {
    // Public: anyone may raise a request; a signed-in resident files as themselves.
    let input = CaseInput {
        category: f.category.clone(),
        description: f.description.clone(),
        address: f.address.clone(),
        building_id: f.building_id,
        community_id: if f.building_id.is_some() {
            None
        } else {
            f.community_id
        },
        channel: f.channel.clone().filter(|c| !c.is_empty()),
        contact_name: f.contact_name.clone(),
        contact_phone: f.contact_phone.clone(),
        ..Default::default()
    };
    let photo = files
        .into_iter()
        .find(|u| u.field == "photo")
        .map(|u| u.bytes);
    match intake::file_with_photo(&state, &ctx, &input, photo).await {
        Ok(filed) if ctx.user.is_some() => {
            Ok(Redirect::to(&format!("/cases/{}?filed=1", filed.id)).into_response())
        }
        Ok(filed) => {
            let deadline = filed
                .deadline
                .parse::<jiff::Timestamp>()
                .map(|t| time::show(t, ctx.lang))
                .unwrap_or(filed.deadline.clone());
            page(&FiledPage {
                chrome: ctx.chrome(),
                t: ctx.t(),
                code: filed.tracking_code,
                deadline: crate::platform::calendar::show_counted(
                    ctx.lang,
                    deadline,
                    filed.deadline_uncovered_year,
                ),
                deadline_note: crate::platform::calendar::estimate_note(
                    ctx.lang,
                    filed.deadline_uncovered_year,
                ),
            })
        }
        Err(e) if crate::platform::web::fixable(&e) => {
            // What the caller typed comes back whole, so that nothing has to be typed again.
            let res = render_report(&state, &ctx, f, Some(&e)).await?;
            Ok((crate::platform::pii::Unmasked, res).into_response())
        }
        Err(e) => Err(e),
    }
}

/// What the tracking page shows: category, status, deadline, the public note and the public
/// steps. Not the reply: it goes to the signed-in submitter (and staff) only.
struct Tracked {
    category: String,
    status: super::model::CaseStatus,
    deadline: String,
    /// Why the deadline is an estimate, if it is.
    deadline_note: Option<String>,
    public_note: Option<&'static str>,
    steps: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "cases/track.html")]
struct TrackPage {
    chrome: Chrome,
    t: Tr,
    code: String,
    found: Option<Tracked>,
    not_found: bool,
    /// Answered and not yet rated: the code's holder may rate it.
    can_rate: bool,
}

#[derive(Deserialize)]
pub struct CodeQuery {
    code: Option<String>,
}

/// Following a case by its tracking code: status, the public steps and the answer.
pub async fn track_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<CodeQuery>,
) -> Result<Response, AppError> {
    // Public: a tracking code shows only what anyone may see (no reply, description or address).
    let code = q.code.unwrap_or_default().trim().to_ascii_uppercase();
    let mut found = None;
    let mut can_rate = false;
    if !code.is_empty()
        && let Some(c) = store::by_tracking_code(state.db.read(), &code).await?
    {
        can_rate = c.status.answered() && c.satisfied.is_none();
        let steps = store::events(state.db.read(), c.id)
            .await?
            .into_iter()
            .filter(|e| e.public)
            .map(|e| (time::show_db(&e.at, ctx.lang), e.action))
            .collect();
        let deadline = c.deadline_shown(ctx.lang);
        found = Some(Tracked {
            category: c.category,
            status: c.status,
            deadline,
            deadline_note: crate::platform::calendar::estimate_note(
                ctx.lang,
                c.deadline_uncovered_year,
            ),
            public_note: c.public_note.map(super::model::PublicNote::as_str),
            steps,
        });
    }
    let not_found = !code.is_empty() && found.is_none();
    let mut res = page(&TrackPage {
        chrome: ctx.chrome(),
        t: ctx.t(),
        code,
        found,
        not_found,
        can_rate,
    })?;
    if not_found {
        *res.status_mut() = axum::http::StatusCode::NOT_FOUND;
    }
    Ok(res)
}

#[derive(Deserialize)]
pub struct TrackRateForm {
    code: String,
    satisfied: String,
    #[serde(default)]
    comment: String,
}

/// `POST /track/rate`: the holder of a tracking code rates the answer.
pub async fn track_rate(
    State(state): State<AppState>,
    CsrfForm(ctx, f): CsrfForm<TrackRateForm>,
) -> Result<Response, AppError> {
    // Public: the tracking code is the caller's proof; handle::feedback_by_code rates once.
    let input = super::handle::FeedbackInput {
        satisfied: crate::platform::input::yes_no("satisfied", &f.satisfied)?,
        comment: f.comment,
    };
    let c = super::handle::feedback_by_code(&state, &ctx, &f.code, &input).await?;
    let done = if c.status == super::model::CaseStatus::Reopened {
        "cases.done.reopened_by_rating"
    } else {
        "cases.done.rated"
    };
    let to = format!("/track?code={}", c.tracking_code);
    Ok(crate::platform::flash::Done::to(to, done)
        .arg("id", c.id)
        .into_response())
}
