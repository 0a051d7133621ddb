//! The campaign page: each campaign's phases, its progress community by community (the
//! dashboard), and the tasks — a community reports them done, the inspection group checks them.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::{Campaign, DoneInput, InspectInput};
use crate::app::AppState;
use crate::auth::{Action, CsrfForm, Ctx};
use crate::platform::error::AppError;
use crate::platform::i18n::{Tr, tf};
use crate::platform::web::{Chrome, page};

#[derive(Template)]
#[template(path = "campaigns/index.html")]
struct CampaignsPage {
    chrome: Chrome,
    t: Tr,
    items: Vec<Campaign>,
    can_inspect: bool,
    can_report: bool,
    error: String,
}

impl CampaignsPage {
    /// The width (of 200) of a progress bar.
    fn bar(&self, done: &i64, of: &i64) -> i64 {
        if *of == 0 { 0 } else { done * 200 / of }
    }

    fn community<'a>(&self, c: &'a Campaign, id: &i64) -> &'a str {
        c.progress
            .iter()
            .find(|p| p.community_id == *id)
            .map_or("", |p| p.community.as_str())
    }
}

async fn render(state: &AppState, ctx: &Ctx, err: Option<&AppError>) -> Result<Response, AppError> {
    let mut res = page(&CampaignsPage {
        chrome: ctx.chrome(),
        t: ctx.t(),
        items: super::listed(state, ctx).await?,
        can_inspect: !ctx.scopes(Action::CampaignsManage).is_empty(),
        can_report: !ctx.scopes(Action::FieldWork).is_empty(),
        error: err
            .map(|e| tf(ctx.lang, e.key, &e.args))
            .unwrap_or_default(),
    })?;
    if let Some(e) = err {
        *res.status_mut() = e.status;
    }
    Ok(res)
}

pub async fn index(State(state): State<AppState>, ctx: Ctx) -> Result<Response, AppError> {
    render(&state, &ctx, None).await
}

async fn done(state: &AppState, ctx: &Ctx, r: Result<(), AppError>) -> Result<Response, AppError> {
    match r {
        Ok(()) => Ok(Redirect::to("/campaigns").into_response()),
        Err(e) if e.status.is_client_error() && e.status != StatusCode::FORBIDDEN => {
            render(state, ctx, Some(&e)).await
        }
        Err(e) => Err(e),
    }
}

#[derive(Deserialize)]
pub struct DoneForm {
    note: String,
}

pub async fn done_submit(
    State(state): State<AppState>,
    Path((id, task)): Path<(i64, i64)>,
    CsrfForm(ctx, f): CsrfForm<DoneForm>,
) -> Result<Response, AppError> {
    let r = super::mark_done(&state, &ctx, id, task, &DoneInput { note: f.note }).await;
    done(&state, &ctx, r).await
}

#[derive(Deserialize)]
pub struct InspectForm {
    verdict: String,
    #[serde(default)]
    note: String,
}

pub async fn inspect_submit(
    State(state): State<AppState>,
    Path((id, task)): Path<(i64, i64)>,
    CsrfForm(ctx, f): CsrfForm<InspectForm>,
) -> Result<Response, AppError> {
    let r = super::inspect(
        &state,
        &ctx,
        id,
        task,
        &InspectInput {
            verdict: f.verdict,
            note: f.note,
        },
    )
    .await;
    done(&state, &ctx, r).await
}
