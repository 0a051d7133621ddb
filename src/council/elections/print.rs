//! The 候选人公示 on paper: the candidates of an election as the bulletin board shows them
//! (name, how nominated, the M5 preference flags, never an ID number, phone or address), the
//! publicity period in Chinese dates, how to object, a QR code to the election's page, and the
//! 落款 of the committee that runs it.

use askama::Template;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;

use super::nominate::{Nomination, nominations};
use super::{Election, readable};
use crate::auth::Ctx;
use crate::platform::AppState;
use crate::platform::error::AppError;
use crate::platform::i18n::{Tr, tf};
use crate::platform::web::{Chrome, Path, page};

#[derive(Template)]
#[template(path = "council/election_print.html")]
struct PrintPage {
    chrome: Chrome,
    t: Tr,
    e: Election,
    candidates: Vec<Nomination>,
    /// 经提名…应选 N 名。
    lead: String,
    /// Who issues the notice: the community's committee, or the body for a street's election.
    issuer: String,
    /// The day under the 落款: the first day of publicity, or today before it starts.
    signed_on: String,
    url: String,
    qr: String,
}

/// The A4 publicity of an election's candidates, with a QR code to the page where residents
/// object by name.
pub async fn print_page(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    // Authorized in readable > may_see: BodiesRead (in a community whose bodies the caller may see)
    let e = readable(&state, &ctx, id).await?;
    let mut candidates = nominations(&state, id).await?;
    candidates.retain(|n| !n.disqualified);
    let issuer = match e.community_id {
        Some(c) => crate::registry::places::committee(state.db.read(), c, ctx.lang).await?,
        None => e.body_name.clone(),
    };
    let t = ctx.t();
    let signed_on = t.day_or_today(e.publicity_from.as_deref());
    let lead = tf(
        ctx.lang,
        "election_print.lead",
        &[("n", e.seats.to_string())],
    );
    let url = format!(
        "{}/elections/{id}",
        crate::platform::web::base_url(&state, &headers)
    );
    page(&PrintPage {
        chrome: ctx.chrome(),
        qr: crate::cases::posters::qr_svg(&url)?,
        t,
        e,
        lead,
        candidates,
        issuer,
        signed_on,
        url,
    })
}
