//! Open311 GeoReport v2 at `/open311/v2`: discovery, services and their definitions, filing
//! requests with an API key, listing and reading them, tokens. Sensitive categories are never
//! offered nor listed. Errors are GeoReport error lists (JSON or XML, by the path's format).

mod filing;
mod format;
mod handlers;
pub mod keys;
mod requests;
mod tokens;

use axum::Router;
use axum::routing::get;

use crate::platform::AppState;

pub fn routes() -> Router<AppState> {
    let mut r = Router::new();
    for ext in ["json", "xml"] {
        r = r
            .route(
                &format!("/open311/v2/discovery.{ext}"),
                get(handlers::discovery),
            )
            .route(
                &format!("/open311/v2/services.{ext}"),
                get(handlers::services),
            )
            .route(
                &format!("/open311/v2/requests.{ext}"),
                get(requests::list_requests).post(filing::create_request),
            );
    }
    r.route(
        "/open311/v2/services/{file}",
        get(handlers::service_definition),
    )
    .route("/open311/v2/requests/{file}", get(requests::one_request))
    .route("/open311/v2/tokens/{file}", get(tokens::token))
}
