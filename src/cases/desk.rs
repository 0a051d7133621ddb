//! The case desk (案件办理): a case's page, for the staff who handle it and for the resident who
//! raised it. Staff get one form per move the status allows, each with its own field (the
//! answer, the reason, the person to assign, an optional note), so nothing typed is lost or
//! sent with the wrong button; 不予受理 asks to be confirmed; every message goes on the
//! timeline. The caller's phone shows masked, and in full when a handler asks for it to call
//! back (an audited sensitive read).

use crate::platform::flash::Done;
use crate::platform::web::{Path, Query};
use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use sqlx::Row;

use super::api::{CaseView, readable_revealing};
use super::handle::{self, Assignee, FeedbackInput, TransitionInput, require_handle};
use super::model::{PublicNote, Transition};
use super::store::{self, Event};
use crate::auth::{CsrfForm, Ctx};
use crate::platform::AppState;
use crate::platform::error::AppError;
use crate::platform::i18n::{Tr, tf};
use crate::platform::time;
use crate::platform::web::{Chrome, page};

/// A form that was refused: which one, the error next to which field, and what was typed.
#[derive(Default)]
struct Failed {
    action: String,
    field: String,
    error: String,
    typed: String,
    assignee: String,
}

#[derive(Template)]
#[template(path = "cases/case.html")]
struct CasePage {
    chrome: Chrome,
    t: Tr,
    c: CaseView,
    deadline: String,
    /// Why the deadline is an estimate, if it is.
    deadline_note: Option<String>,
    timeline: Vec<(String, Event)>,
    actions: Vec<&'static str>,
    can_rate: bool,
    filed: bool,
    photos: Vec<i64>,
    can_add_photo: bool,
    public_notes: [PublicNote; 7],
    assignees: Vec<Assignee>,
    /// The caller's phone in full, once a handler asked for it.
    phone: Option<String>,
    can_reveal: bool,
    failed: Failed,
    /// The community's service station (id, name), for handing the case to it, and whether
    /// the case is with it now.
    station: Option<(i64, String)>,
    at_station: bool,
}

#[derive(Deserialize)]
pub struct DeskQuery {
    filed: Option<String>,
    /// `phone`: show the caller's number in full (handlers only; audited).
    reveal: Option<String>,
}

const MOVES: [Transition; 7] = [
    Transition::Accept,
    Transition::Assign,
    Transition::Start,
    Transition::Reply,
    Transition::Close,
    Transition::Reject,
    Transition::Reopen,
];

async fn render_case(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    q: &DeskQuery,
    failed: Option<(&AppError, Failed)>,
) -> Result<Response, AppError> {
    let (c, revealed) =
        readable_revealing(state, ctx, id, q.reveal.as_deref() == Some("phone")).await?;
    let timeline = store::events(state.db.read(), id)
        .await?
        .into_iter()
        .map(|e| (time::show_db(&e.at, ctx.lang), e))
        .collect();
    let handler = require_handle(ctx, &c).is_ok();
    let actions: Vec<&'static str> = if handler {
        MOVES
            .into_iter()
            .filter(|t| t.next(c.status, c.reopen_count).is_some())
            .map(Transition::as_str)
            .collect()
    } else {
        vec![]
    };
    let assignees = if actions.contains(&"assign") {
        handle::assignees(state, c.community_id).await?
    } else {
        vec![]
    };
    let can_reveal = handler && !c.contact_phone.is_empty();
    let station = if handler {
        crate::registry::stations::named(state.db.read(), c.community_id).await?
    } else {
        None
    };
    let at_station = sqlx::query("SELECT station_id FROM cases WHERE id = $1")
        .bind(id)
        .fetch_one(state.db.read())
        .await?
        .try_get::<Option<i64>, _>("station_id")?
        .is_some();
    // readable_revealing audited the reveal, if there was one.
    let phone = revealed.then(|| c.contact_phone.clone());
    let mine = ctx
        .user
        .as_ref()
        .is_some_and(|u| c.submitter_user_id == Some(u.id));
    let (status, failed) = match failed {
        Some((e, mut f)) => {
            f.error = tf(ctx.lang, e.key, &e.args);
            f.field = e.field.clone().unwrap_or_default();
            (Some(e.status), f)
        }
        None => (None, Failed::default()),
    };
    let mut res = page(&CasePage {
        chrome: ctx.chrome(),
        t: ctx.t(),
        deadline: c.deadline_shown(ctx.lang),
        deadline_note: crate::platform::calendar::estimate_note(
            ctx.lang,
            c.deadline_uncovered_year,
        ),
        c: CaseView::from(&c),
        timeline,
        can_add_photo: mine || !actions.is_empty(),
        actions,
        can_rate: mine && c.satisfied.is_none() && c.status.answered(),
        filed: q.filed.is_some(),
        photos: super::photos::photo_ids(state.db.read(), id).await?,
        public_notes: PublicNote::ALL,
        assignees,
        can_reveal,
        phone: phone.clone(),
        failed,
        station,
        at_station,
    })?;
    if let Some(s) = status {
        *res.status_mut() = s;
    }
    // The number was asked for and the reveal audited: the page carries it unmasked.
    Ok(crate::platform::pii::unmasked_if(phone.is_some(), res))
}

pub async fn case_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Query(q): Query<DeskQuery>,
) -> Result<Response, AppError> {
    // Authorized in render_case > readable_revealing: CaseRead, CaseReadSensitive
    render_case(&state, &ctx, id, &q, None).await
}

/// One move's form: its action and its own fields.
#[derive(Deserialize)]
pub struct ActForm {
    action: Transition,
    #[serde(default)]
    assignee: String,
    /// The answer (reply), the reason (reject), or a note for the timeline (the others).
    #[serde(default)]
    message: String,
    /// Empty: the public note stays as it is.
    #[serde(default)]
    public_note: String,
    /// 不予受理 only: the box that confirms it.
    #[serde(default)]
    confirm: String,
}

pub async fn act(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    CsrfForm(ctx, f): CsrfForm<ActForm>,
) -> Result<Response, AppError> {
    // Authorized in handle::transition > require_handle: CaseHandle, CaseReadSensitive
    let attempt = async {
        if f.action == Transition::Reject && f.confirm != "yes" {
            return Err(AppError::invalid("confirm", "caselist.confirm_reject"));
        }
        let public_note = match f.public_note.trim() {
            "" => None,
            s => Some(
                PublicNote::parse(s)
                    .ok_or_else(|| AppError::invalid("public_note", "caselist.bad_public_note"))?,
            ),
        };
        let t = TransitionInput {
            action: f.action,
            assignee: Some(f.assignee.clone()),
            message: Some(f.message.clone()),
            reason: Some(f.message.clone()),
            public_note,
        };
        handle::transition(&state, &ctx, id, &t).await
    };
    let failed = Failed {
        action: f.action.as_str().to_owned(),
        typed: f.message.clone(),
        assignee: f.assignee.clone(),
        ..Failed::default()
    };
    let q = DeskQuery {
        filed: None,
        reveal: None,
    };
    crate::platform::web::redirect_or_again(
        attempt.await,
        |_| Done::to(format!("/cases/{id}"), f.action.done()).arg("id", id),
        async |e| render_case(&state, &ctx, id, &q, Some((&e, failed))).await,
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
    let c = handle::feedback(&state, &ctx, id, &input).await?;
    let done = if c.status == super::model::CaseStatus::Reopened {
        "cases.done.reopened_by_rating"
    } else {
        "cases.done.rated"
    };
    Ok(Done::to(format!("/cases/{id}"), done)
        .arg("id", id)
        .into_response())
}
