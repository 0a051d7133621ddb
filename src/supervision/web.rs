//! The supervision pages: appraisals (open one, vote, close, disclose) and the supervisory
//! board's evaluation with its pre-filled checklist.

use crate::platform::flash::Done;
use crate::platform::web::{Path, Query};
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use sqlx::Row;

use super::appraisals::{self, Appraisal, AppraisalInput, BallotInput, Choice};
use super::evaluations::{self, Evaluation, EvaluationInput, Judgment};
use crate::auth::{Action, CsrfForm, Ctx, Scope};
use crate::platform::AppState;
use crate::platform::error::AppError;
use crate::platform::forms::{Refused, Typed};
use crate::platform::i18n::{Tr, tf};
use crate::platform::input::Fields;
use crate::platform::web::{Chrome, page};

/// A cadre who may be appraised: (user id, name).
type Cadre = (i64, String);

#[derive(Template)]
#[template(path = "supervision/appraisals.html")]
struct AppraisalsPage {
    chrome: Chrome,
    t: Tr,
    items: Vec<Appraisal>,
    /// The community where the caller may open appraisals, and its cadres.
    manage: Option<(i64, Vec<Cadre>)>,
    can_disclose: bool,
    /// The appraisals the caller is a subject of: they never disclose those.
    appraised: Vec<i64>,
    can_vote: bool,
    error: String,
    /// The appraisals the caller runs (closes, enters paper ballots for).
    runs: Vec<i64>,
    /// Paper ballot batches of the appraisals the caller runs.
    batches: Vec<appraisals::paper::PaperBatch>,
    /// A refused paper-ballot form, with what was typed.
    refused: Refused,
    typed: Typed,
}

fn first_community(ctx: &Ctx, action: Action) -> Option<i64> {
    ctx.scopes(action).iter().find_map(|s| match s {
        Scope::Community(c) => Some(*c),
        _ => None,
    })
}

async fn render(state: &AppState, ctx: &Ctx, err: Option<&AppError>) -> Result<Response, AppError> {
    render_typed(state, ctx, err, None).await
}

/// The page again; a refused paper-ballot form keeps what was typed, its error by its field.
pub(super) async fn render_typed(
    state: &AppState,
    ctx: &Ctx,
    err: Option<&AppError>,
    typed: Option<Typed>,
) -> Result<Response, AppError> {
    let items = appraisals::listed(state, ctx).await?;
    let manage = match first_community(ctx, Action::AppraisalsManage) {
        Some(c) => {
            let cadres = sqlx::query(
                "SELECT DISTINCT u.id, u.display_name FROM grants g JOIN users u ON u.id = g.user_id \
                 WHERE g.community_id = $1 AND g.role IN ('community_worker', 'community_head') AND g.revoked_at IS NULL ORDER BY u.id",
            )
            .bind(c)
            .fetch_all(state.db.read())
            .await?
            .iter()
            .map(|r| Ok((r.try_get("id")?, r.try_get("display_name")?)))
            .collect::<Result<Vec<_>, sqlx::Error>>()?;
            Some((c, cadres))
        }
        None => None,
    };
    let mut batches = Vec::new();
    let mut runs = Vec::new();
    for a in &items {
        if ctx
            .require(Action::AppraisalsManage, crate::auth::Target::At(a.place()))
            .is_ok()
        {
            runs.push(a.id);
            batches.extend(appraisals::paper::batches(state, a.id).await?);
        }
    }
    let (refused, typed, err_top) = match typed {
        Some(t) => (Refused::of(ctx.lang, &t.form, err), t, None),
        None => (Refused::default(), Typed::default(), err),
    };
    let appraised = items
        .iter()
        .filter(|a| ctx.user.as_ref().is_some_and(|u| a.appraises(u.id)))
        .map(|a| a.id)
        .collect();
    let mut res = page(&AppraisalsPage {
        chrome: ctx.chrome(),
        t: ctx.t(),
        items,
        manage,
        can_disclose: !ctx.scopes(Action::AppraisalsManage).is_empty(),
        appraised,
        can_vote: ctx.user.as_ref().is_some_and(|u| u.resident_id.is_some())
            && !ctx.scopes(Action::Participate).is_empty(),
        error: err_top
            .map(|e| tf(ctx.lang, e.key, &e.args))
            .unwrap_or_default(),
        runs,
        batches,
        refused,
        typed,
    })?;
    if let Some(e) = err {
        *res.status_mut() = e.status;
    }
    Ok(res)
}

pub async fn index(State(state): State<AppState>, ctx: Ctx) -> Result<Response, AppError> {
    // Authorized in render > render_typed: AppraisalsManage, Participate
    render(&state, &ctx, None).await
}

/// A refusal the page can explain: shown on the page with its status; anything else passes.
async fn done(
    state: &AppState,
    ctx: &Ctx,
    r: Result<(), AppError>,
    done: &'static str,
) -> Result<Response, AppError> {
    match r {
        Ok(()) => Ok(Done::to("/appraisals", done).into_response()),
        Err(e) if e.status.is_client_error() && e.status != StatusCode::UNAUTHORIZED => {
            render(state, ctx, Some(&e)).await
        }
        Err(e) => Err(e),
    }
}

pub async fn create_submit(
    State(state): State<AppState>,
    CsrfForm(ctx, f): CsrfForm<Fields>,
) -> Result<Response, AppError> {
    // Authorized in appraisals::open: AppraisalsManage
    let r = async {
        let input = AppraisalInput {
            community_id: f.id("community_id")?.unwrap_or(0),
            title: f.get("title"),
            period: f.get("period"),
            closes_on: f.get("closes_on"),
            subjects: f.ids("subject")?,
        };
        appraisals::open(&state, &ctx, &input).await.map(|_| ())
    }
    .await;
    done(&state, &ctx, r, "appraisal.done.opened").await
}

/// One choice per subject, sent as `s_<subject>`.
pub async fn ballot_submit(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    CsrfForm(ctx, f): CsrfForm<Fields>,
) -> Result<Response, AppError> {
    // Authorized in appraisals::vote > crate::registry::participant::participant: Participate
    let r = async {
        let choices = f
            .numbered("s_")?
            .into_iter()
            .map(|(subject_id, choice)| Choice { subject_id, choice })
            .collect();
        appraisals::vote(&state, &ctx, id, &BallotInput { choices }).await
    }
    .await;
    done(&state, &ctx, r, "appraisal.done.voted").await
}

#[derive(Deserialize)]
pub struct Empty {}

pub async fn close_submit(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    CsrfForm(ctx, _): CsrfForm<Empty>,
) -> Result<Response, AppError> {
    // Authorized in appraisals::close: AppraisalsManage
    let r = appraisals::close(&state, &ctx, id).await;
    done(&state, &ctx, r, "appraisal.done.closed").await
}

pub async fn disclose_submit(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    CsrfForm(ctx, _): CsrfForm<Empty>,
) -> Result<Response, AppError> {
    // Authorized in appraisals::disclose: AppraisalsManage
    let r = appraisals::disclose(&state, &ctx, id).await.map(|_| ());
    done(&state, &ctx, r, "appraisal.done.disclosed").await
}

#[derive(Template)]
#[template(path = "supervision/evaluations.html")]
struct EvaluationsPage {
    chrome: Chrome,
    t: Tr,
    draft: Evaluation,
    past: Vec<Evaluation>,
    can_file: bool,
    error: String,
}

#[derive(Deserialize)]
pub struct EvaluationPageQuery {
    community_id: Option<i64>,
    period: Option<String>,
}

async fn render_evaluations(
    state: &AppState,
    ctx: &Ctx,
    q: &EvaluationPageQuery,
    err: Option<&AppError>,
) -> Result<Response, AppError> {
    let place = crate::registry::places::community_place(
        state,
        ctx,
        Action::SupervisionRead,
        q.community_id,
    )
    .await?;
    let community = place.community_id.unwrap_or(0);
    let p = crate::assessment::AssessmentQuery {
        period: q.period.clone(),
    }
    .period()?;
    let draft = Evaluation {
        id: None,
        community_id: community,
        period: p.label.clone(),
        checklist: evaluations::prefill(state, community, &p, ctx.lang).await?,
        summary: String::new(),
        created_at: None,
    };
    let mut res = page(&EvaluationsPage {
        chrome: ctx.chrome(),
        t: ctx.t(),
        past: evaluations::listed(state, ctx, community).await?,
        draft,
        can_file: ctx
            .require(Action::EvaluationsWrite, crate::auth::Target::At(place))
            .is_ok(),
        error: err
            .map(|e| tf(ctx.lang, e.key, &e.args))
            .unwrap_or_default(),
    })?;
    if let Some(e) = err {
        *res.status_mut() = e.status;
    }
    Ok(res)
}

pub async fn evaluations_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<EvaluationPageQuery>,
) -> Result<Response, AppError> {
    // Authorized in render_evaluations: EvaluationsWrite, SupervisionRead
    render_evaluations(&state, &ctx, &q, None).await
}

pub async fn evaluation_submit(
    State(state): State<AppState>,
    CsrfForm(ctx, f): CsrfForm<Fields>,
) -> Result<Response, AppError> {
    // Authorized in evaluations::file: EvaluationsWrite
    // The community is a hidden field of the page the board filed from; a forged one is a 422.
    let community_id = f.id("community_id")?.unwrap_or(0);
    let get = |k: &str| f.get(k);
    let input = EvaluationInput {
        community_id,
        period: get("period"),
        judgments: evaluations::CHECKS
            .iter()
            .map(|c| Judgment {
                check: (*c).to_owned(),
                verdict: get(&format!("v_{c}")),
                note: get(&format!("n_{c}")),
            })
            .collect(),
        summary: get("summary"),
    };
    let q = EvaluationPageQuery {
        community_id: Some(community_id),
        period: Some(input.period.clone()),
    };
    match evaluations::file(&state, &ctx, &input).await {
        Ok(_) => Ok(Done::to(
            format!(
                "/evaluations?community_id={community_id}&period={}",
                input.period
            ),
            "evaluation.done.filed",
        )
        .into_response()),
        Err(e) if crate::platform::web::fixable(&e) => {
            render_evaluations(&state, &ctx, &q, Some(&e)).await
        }
        Err(e) => Err(e),
    }
}
