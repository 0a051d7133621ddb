//! The pages' side of `registry::rights`: a resident's deletion request on 我的信息 and its
//! download link, and the community's answer on the corrections page.

use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};

use super::me;
use super::rights::{self, ErasureDecision, ErasureInput};
use super::web::{MeNotes, render_corrections, render_me};
use crate::auth::CsrfForm;
use crate::platform::AppState;
use crate::platform::error::AppError;
use crate::platform::i18n::tf;
use crate::platform::web::Path;

pub async fn ask_erasure(
    State(state): State<AppState>,
    CsrfForm(ctx, input): CsrfForm<ErasureInput>,
) -> Result<Response, AppError> {
    // Authorized in me::own_resident: HomeView
    let r = me::own_resident(state.db.read(), &ctx).await?;
    let mut tx = state.db.begin().await?;
    match rights::ask(&mut tx, &ctx, &r, &input).await {
        Ok(_) => {
            tx.commit().await?;
            Ok(Redirect::to("/me?sent=erasure#erasure").into_response())
        }
        Err(e) if e.status.is_client_error() => {
            drop(tx);
            let notes = MeNotes {
                erasure_error: Some(tf(ctx.lang, e.key, &e.args)),
                ..MeNotes::default()
            };
            render_me(&state, &ctx, notes).await
        }
        Err(e) => Err(e),
    }
}

pub async fn decide_erasure(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    CsrfForm(ctx, d): CsrfForm<ErasureDecision>,
) -> Result<Response, AppError> {
    // Authorized in rights::decide: RegistryWrite
    let mut tx = state.db.begin().await?;
    match rights::decide(&mut tx, &ctx, id, &d).await {
        Ok(()) => {
            tx.commit().await?;
            Ok(Redirect::to(&format!("/corrections#erasure-{id}")).into_response())
        }
        // Refused (a living resident's record to delete, no reason to lock): said beside the
        // request, the page kept. Refusals of access stay refusals.
        Err(e) if matches!(e.status.as_u16(), 409 | 422) => {
            drop(tx);
            let msg = tf(ctx.lang, e.key, &e.args);
            render_corrections(&state, &ctx, Some((id, msg))).await
        }
        Err(e) => Err(e),
    }
}
