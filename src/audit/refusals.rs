//! Every refused request (403) leaves an entry: who was refused what, whatever refused it (a
//! policy check in a handler, a scope, the origin check). The handler's `Ctx`, if it built one,
//! names the actor; otherwise the entry is anonymous with the client's address.

use std::sync::{Arc, OnceLock};

use axum::extract::{ConnectInfo, MatchedPath, Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::Response;

use super::{Actor, Entry, Outcome};
use crate::auth::Ctx;
use crate::platform::AppState;

/// Where the `Ctx` extractor leaves the request's context for this layer to read afterwards.
#[derive(Clone, Default)]
pub struct CtxSlot(pub Arc<OnceLock<Ctx>>);

pub async fn record_refusals(
    State(state): State<AppState>,
    mut req: Request,
    next: Next,
) -> Response {
    let slot = CtxSlot::default();
    req.extensions_mut().insert(slot.clone());
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| "(unmatched)".to_owned());
    let method = req.method().to_string();
    let peer = req
        .extensions()
        .get::<ConnectInfo<std::net::SocketAddr>>()
        .map(|c| c.0.ip().to_string())
        .unwrap_or_default();
    let res = next.run(req).await;
    if res.status() == StatusCode::FORBIDDEN {
        let actor = slot.0.get().map(Ctx::actor).unwrap_or(Actor {
            id: None,
            name: "anonymous".into(),
            role: "anonymous".into(),
            ip: peer,
        });
        let entry = Entry::new("access.denied", "route", &route)
            .outcome(Outcome::Denied)
            .detail(method);
        if let Err(e) = super::record_alone(&state.db, &actor, entry).await {
            tracing::warn!(error = %e, "the refusal could not be audited");
        }
    }
    res
}
