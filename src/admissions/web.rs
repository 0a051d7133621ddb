//! The admission page: the street's applications and decisions, or what is admitted for one's
//! community, with the form to report work handed down without admission.

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use serde::Deserialize;

use super::unadmitted::{ReportInput, UnadmittedList};
use super::{Admission, AdmissionQuery};
use crate::auth::{Action, CsrfForm, Ctx};
use crate::platform::AppState;
use crate::platform::error::AppError;
use crate::platform::flash::Done;
use crate::platform::i18n::{Tr, tf};
use crate::platform::web::{Chrome, page};

#[derive(Template)]
#[template(path = "admissions/index.html")]
struct AdmissionsPage {
    chrome: Chrome,
    t: Tr,
    items: Vec<Admission>,
    unadmitted: UnadmittedList,
    can_report: bool,
    error: String,
}

async fn render(state: &AppState, ctx: &Ctx, err: Option<&AppError>) -> Result<Response, AppError> {
    let items = super::visible_list(state, ctx, &AdmissionQuery { status: None }).await?;
    let unadmitted = super::unadmitted::listed(state, ctx).await?;
    let mut res = page(&AdmissionsPage {
        chrome: ctx.chrome(),
        t: ctx.t(),
        items,
        unadmitted,
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
    // Authorized in render > super::visible_list: AdmissionsRead
    render(&state, &ctx, None).await
}

#[derive(Deserialize)]
pub struct ReportForm {
    sender: String,
    description: String,
}

pub async fn report(
    State(state): State<AppState>,
    CsrfForm(ctx, f): CsrfForm<ReportForm>,
) -> Result<Response, AppError> {
    // Authorized in super::unadmitted::file: FieldWork
    let input = ReportInput {
        community_id: None,
        sender: f.sender,
        description: f.description,
        received_on: None,
    };
    crate::platform::web::redirect_or_again(
        super::unadmitted::file(&state, &ctx, &input).await,
        |_| Done::to("/admissions", "admissions.done.reported"),
        async |e| render(&state, &ctx, Some(&e)).await,
    )
    .await
}

/// The admissions pages, at the paths residents and staff use (`app.rs` merges every area's).
pub fn pages() -> axum::Router<crate::platform::AppState> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route("/admissions", get(crate::admissions::web::index))
        .route(
            "/admissions/unadmitted",
            post(crate::admissions::web::report),
        )
}
