//! Election pages: the public page of an election (candidates, publicity, objections with their
//! handling, the result), where a signed-in resident objects by name or casts a ballot; and the
//! list of a community's elections.

use crate::platform::web::{Path, Query};
use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::nominate::{Nomination, file_objection, nominations, objection_list, participant};
use super::result::{ElectionResult, result_of};
use super::{Election, ElectionQuery, readable, search};
use crate::auth::{CsrfForm, Ctx};
use crate::disclosure::objections::Objection;
use crate::platform::AppState;
use crate::platform::error::AppError;
use crate::platform::i18n::{Tr, tf};
use crate::platform::time;
use crate::platform::web::{Chrome, page};

#[derive(Template)]
#[template(path = "council/election.html")]
struct ElectionPage {
    chrome: Chrome,
    t: Tr,
    e: Election,
    /// Why the end of the publicity period is an estimate, if it is.
    until_note: Option<String>,
    candidates: Vec<Nomination>,
    objections: Vec<Objection>,
    result: Option<ElectionResult>,
    signed_in: bool,
    notice: String,
    error: String,
}

#[derive(Deserialize)]
pub struct Notice {
    done: Option<String>,
}

async fn render(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    notice: &str,
    err: Option<&AppError>,
) -> Result<Response, AppError> {
    let e = readable(state, ctx, id).await?;
    let result = if e.status.has_result() {
        Some(result_of(state, &e).await?)
    } else {
        None
    };
    let shown = |s: &str| {
        s.parse::<jiff::Timestamp>()
            .map(|ts| time::show(ts, ctx.lang))
            .unwrap_or_else(|_| s.to_owned())
    };
    let objections = objection_list(state, ctx, &e).await?;
    let mut e = e;
    e.voting_closes = e.voting_closes.as_deref().map(shown);
    let mut res = page(&ElectionPage {
        chrome: ctx.chrome(),
        t: ctx.t(),
        until_note: state.calendar.span_note(
            ctx.lang,
            e.publicity_from.as_deref(),
            e.publicity_until.as_deref(),
        ),
        candidates: nominations(state, id).await?,
        objections,
        result,
        signed_in: ctx.user.is_some(),
        notice: if notice.is_empty() {
            String::new()
        } else {
            ctx.t().get(notice).to_owned()
        },
        error: err
            .map(|e| tf(ctx.lang, e.key, &e.args))
            .unwrap_or_default(),
        e,
    })?;
    if let Some(e) = err {
        *res.status_mut() = e.status;
    }
    Ok(res)
}

/// The public page of an election.
pub async fn election_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Query(n): Query<Notice>,
) -> Result<Response, AppError> {
    // Authorized in render > readable > may_see: BodiesRead (in a community whose bodies the caller may see)
    let notice = match n.done.as_deref() {
        Some("objected") => "elections.objected",
        Some("voted") => "elections.voted",
        _ => "",
    };
    render(&state, &ctx, id, notice, None).await
}

#[derive(Deserialize)]
pub struct ObjectForm {
    #[serde(default)]
    nomination_id: String,
    body: String,
}

pub async fn object(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    CsrfForm(ctx, f): CsrfForm<ObjectForm>,
) -> Result<Response, AppError> {
    // Authorized in readable > may_see: BodiesRead (in a community whose bodies the caller may see)
    let e = readable(&state, &ctx, id).await?;
    let attempt = async {
        let p = participant(&state, &ctx, e.community_id, "elections.objection_named").await?;
        let nomination = match f.nomination_id.trim() {
            "" => None,
            n => Some(
                n.parse::<i64>()
                    .map_err(|_| AppError::invalid("nomination_id", "elections.bad_nomination"))?,
            ),
        };
        file_objection(&state, &ctx, &e, &p, nomination, &f.body).await
    };
    match attempt.await {
        Ok(_) => Ok(Redirect::to(&format!("/elections/{id}?done=objected")).into_response()),
        Err(err) if err.status.is_client_error() && ctx.user.is_some() => {
            render(&state, &ctx, id, "", Some(&err)).await
        }
        Err(err) => Err(err),
    }
}

/// A ballot form: one checkbox per candidate, sent as repeated `choice` fields.
pub async fn vote(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    CsrfForm(ctx, f): CsrfForm<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    // Authorized in super::ballots::cast > participant: Participate
    let mut choices = Vec::new();
    for (k, v) in &f {
        if k == "choice" {
            choices.push(
                v.parse()
                    .map_err(|_| AppError::invalid("choices", "elections.unknown_candidate"))?,
            );
        }
    }
    match super::ballots::cast(&state, &ctx, id, &choices).await {
        Ok(()) => Ok(Redirect::to(&format!("/elections/{id}?done=voted")).into_response()),
        Err(err) if err.status.is_client_error() && ctx.user.is_some() => {
            render(&state, &ctx, id, "", Some(&err)).await
        }
        Err(err) => Err(err),
    }
}

#[derive(Template)]
#[template(path = "council/elections.html")]
struct ListPage {
    chrome: Chrome,
    t: Tr,
    items: Vec<Election>,
}

/// The elections of the caller's community.
pub async fn list_page(State(state): State<AppState>, ctx: Ctx) -> Result<Response, AppError> {
    // Authorized in search: BodiesRead
    let q = ElectionQuery {
        community_id: None,
        body_id: None,
        status: None,
    };
    let items = search(&state, &ctx, &q).await?;
    page(&ListPage {
        chrome: ctx.chrome(),
        t: ctx.t(),
        items,
    })
}
