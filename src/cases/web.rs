//! Case pages: the staff's case list, a case's page with its actions and photos, the
//! submitter's rating, and the supervision list.

use crate::platform::web::{Path, Query};
use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::api::{CaseView, readable};
use super::handle::{self, FeedbackInput, TransitionInput, require_handle};
use super::list::{self, CaseQuery};
use super::model::Transition;
use super::store::{self, Case, Event};
use crate::auth::{CsrfForm, Ctx};
use crate::platform::AppState;
use crate::platform::error::AppError;
use crate::platform::i18n::{Tr, tf};
use crate::platform::time;
use crate::platform::web::{Chrome, page};

#[derive(Template)]
#[template(path = "cases/list.html")]
struct ListPage {
    chrome: Chrome,
    t: Tr,
    items: Vec<(CaseView, String)>,
    total: i64,
    status: String,
    overdue: bool,
}

pub async fn list_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<CaseQuery>,
) -> Result<Response, AppError> {
    // Authorized in list::search: CaseRead, CaseSubmit
    let (items, total) = list::search(&state, &ctx, &q).await?;
    let html = list_html(&ctx, &items, total, &q).map_err(AppError::internal)?;
    Ok(axum::response::Html(html).into_response())
}

/// The case list page for `items` (one page of `total`), as `ctx` sees it: rendering alone,
/// apart from the query (benchmarked in `benches/hot_paths.rs`).
pub fn list_html(
    ctx: &Ctx,
    items: &[Case],
    total: i64,
    q: &CaseQuery,
) -> Result<String, askama::Error> {
    ListPage {
        chrome: ctx.chrome(),
        t: ctx.t(),
        items: items
            .iter()
            .map(|c| (CaseView::from(c), time::show_db(&c.deadline, ctx.lang)))
            .collect(),
        total,
        status: q.status.clone().unwrap_or_default(),
        overdue: q.overdue == Some(true),
    }
    .render()
}

#[derive(Template)]
#[template(path = "cases/case.html")]
struct CasePage {
    chrome: Chrome,
    t: Tr,
    c: CaseView,
    deadline: String,
    timeline: Vec<(String, Event)>,
    actions: Vec<&'static str>,
    can_rate: bool,
    filed: bool,
    error: String,
    photos: Vec<i64>,
    can_add_photo: bool,
    public_notes: [super::model::PublicNote; 7],
}

#[derive(Deserialize)]
pub struct FiledQuery {
    filed: Option<String>,
}

async fn render_case(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    filed: bool,
    err: Option<&AppError>,
) -> Result<Response, AppError> {
    let c = readable(state, ctx, id).await?;
    let timeline = store::events(state.db.read(), id)
        .await?
        .into_iter()
        .map(|e| (time::show_db(&e.at, ctx.lang), e))
        .collect();
    let actions = if require_handle(ctx, &c).is_ok() {
        [
            Transition::Accept,
            Transition::Assign,
            Transition::Start,
            Transition::Reply,
            Transition::Close,
            Transition::Reject,
            Transition::Reopen,
        ]
        .into_iter()
        .filter(|t| t.next(c.status, c.reopen_count).is_some())
        .map(Transition::as_str)
        .collect()
    } else {
        vec![]
    };
    let mine = ctx
        .user
        .as_ref()
        .is_some_and(|u| c.submitter_user_id == Some(u.id));
    let can_add_photo = mine || !actions.is_empty();
    let photos = super::photos::photo_ids(state.db.read(), id).await?;
    let can_rate = mine && c.satisfied.is_none() && c.status.answered();
    let error = err
        .map(|e| tf(ctx.lang, e.key, &e.args))
        .unwrap_or_default();
    let mut res = page(&CasePage {
        chrome: ctx.chrome(),
        t: ctx.t(),
        deadline: time::show_db(&c.deadline, ctx.lang),
        c: CaseView::from(&c),
        timeline,
        actions,
        can_rate,
        filed,
        error,
        photos,
        can_add_photo,
        public_notes: super::model::PublicNote::ALL,
    })?;
    if let Some(e) = err {
        *res.status_mut() = e.status;
    }
    Ok(res)
}

pub async fn case_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Query(q): Query<FiledQuery>,
) -> Result<Response, AppError> {
    // Authorized in render_case > readable: CaseRead, CaseReadSensitive
    render_case(&state, &ctx, id, q.filed.is_some(), None).await
}

#[derive(Deserialize)]
pub struct ActForm {
    action: Transition,
    #[serde(default)]
    assignee: String,
    #[serde(default)]
    message: String,
    /// Empty: the public note stays as it is.
    #[serde(default)]
    public_note: String,
}

pub async fn act(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    CsrfForm(ctx, f): CsrfForm<ActForm>,
) -> Result<Response, AppError> {
    // Authorized in handle::transition > require_handle: CaseHandle, CaseReadSensitive
    let public_note = match f.public_note.trim() {
        "" => Ok(None),
        s => super::model::PublicNote::parse(s)
            .map(Some)
            .ok_or_else(|| AppError::invalid("public_note", "caselist.bad_public_note")),
    };
    let result = match public_note {
        Ok(public_note) => {
            let t = TransitionInput {
                action: f.action,
                assignee: Some(f.assignee),
                message: Some(f.message.clone()),
                reason: Some(f.message),
                public_note,
            };
            handle::transition(&state, &ctx, id, &t).await
        }
        Err(e) => Err(e),
    };
    crate::platform::web::redirect_or_again(
        result,
        |_| format!("/cases/{id}"),
        async |e| render_case(&state, &ctx, id, false, Some(&e)).await,
    )
    .await
}

#[derive(Deserialize)]
pub struct RateForm {
    satisfied: String,
    #[serde(default)]
    comment: String,
}

pub async fn rate(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    CsrfForm(ctx, f): CsrfForm<RateForm>,
) -> Result<Response, AppError> {
    // Its submitter only: handle::feedback compares the signed-in user with the case.
    ctx.signed_in()?;
    let input = FeedbackInput {
        satisfied: crate::platform::input::yes_no("satisfied", &f.satisfied)?,
        comment: f.comment,
    };
    handle::feedback(&state, &ctx, id, &input).await?;
    Ok(Redirect::to(&format!("/cases/{id}")).into_response())
}

#[derive(Template)]
#[template(path = "cases/supervision.html")]
struct SupervisionPage {
    chrome: Chrome,
    t: Tr,
    items: Vec<(CaseView, String, String)>,
}

/// 督办: overdue cases escalated to the head, for the head, the council, the supervisory board
/// and the street.
pub async fn supervision_page(
    State(state): State<AppState>,
    ctx: Ctx,
) -> Result<Response, AppError> {
    // Authorized in list::supervision: SupervisionRead
    let cases = list::supervision(&state, &ctx).await?;
    let items = cases
        .iter()
        .map(|c| {
            (
                CaseView::from(c),
                c.supervision_reason.clone(),
                time::show_db(&c.deadline, ctx.lang),
            )
        })
        .collect();
    page(&SupervisionPage {
        chrome: ctx.chrome(),
        t: ctx.t(),
        items,
    })
}
