//! Paper ballots of an appraisal on its page: the first entry of a batch, and its confirmation
//! by a second person (`appraisals::paper`). A refused entry comes back with what was typed.

use axum::extract::State;
use axum::response::Response;

use super::appraisals::paper::{BatchInput, confirm_batch, enter_batch};
use super::web::render_typed;
use crate::auth::CsrfForm;
use crate::platform::AppState;
use crate::platform::error::AppError;
use crate::platform::flash::Done;
use crate::platform::forms::Typed;
use crate::platform::input::Fields;
use crate::platform::web::{Path, redirect_or_again};

fn input(f: &Fields) -> BatchInput {
    BatchInput {
        label: f.get("label"),
        ballots: f.get("ballots").lines().map(str::to_owned).collect(),
    }
}

/// `POST /appraisals/{id}/paper`: a batch's first entry.
pub async fn enter(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    CsrfForm(ctx, f): CsrfForm<Fields>,
) -> Result<Response, AppError> {
    // Authorized in enter_batch: AppraisalsManage
    let b = input(&f);
    let done = enter_batch(&state, &ctx, id, &b).await;
    redirect_or_again(
        done,
        |_| {
            Done::to(
                format!("/appraisals#appraisal-{id}"),
                "appraisal.done.paper_entered",
            )
            .arg("label", b.label.trim())
        },
        async |e| {
            let typed = Typed::of(format!("paper-{id}"), &f);
            render_typed(&state, &ctx, Some(&e), Some(typed)).await
        },
    )
    .await
}

/// `POST /appraisals/{id}/paper/{batch}`: a batch confirmed by a second entry.
pub async fn confirm(
    State(state): State<AppState>,
    Path((id, batch)): Path<(i64, i64)>,
    CsrfForm(ctx, f): CsrfForm<Fields>,
) -> Result<Response, AppError> {
    // Authorized in confirm_batch: AppraisalsManage
    let b = input(&f);
    let done = confirm_batch(&state, &ctx, id, batch, &b).await;
    redirect_or_again(
        done,
        |()| {
            Done::to(
                format!("/appraisals#appraisal-{id}"),
                "appraisal.done.paper_confirmed",
            )
        },
        async |e| {
            let typed = Typed::of(format!("batch-{batch}"), &f);
            render_typed(&state, &ctx, Some(&e), Some(typed)).await
        },
    )
    .await
}
