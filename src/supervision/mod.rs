//! Supervision (M10): the supervisory board's evaluations against its checklist
//! (`evaluations.rs`) and the democratic appraisal of cadres by resident representatives
//! (`appraisals.rs`), with their pages (`web.rs`).

pub mod appraisals;
pub mod evaluations;
pub mod paper_web;
pub mod web;

use utoipa_axum::{router::OpenApiRouter, routes};

use crate::platform::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(evaluations::list, evaluations::create))
        .routes(routes!(evaluations::checklist))
        .routes(routes!(appraisals::list, appraisals::create))
        .routes(routes!(appraisals::one))
        .routes(routes!(appraisals::stored, appraisals::cast))
        .routes(routes!(appraisals::close_route))
        .routes(routes!(appraisals::disclose_route))
        .routes(routes!(appraisals::paper_batches, appraisals::paper_enter))
        .routes(routes!(appraisals::paper_confirm))
}

/// The supervision pages, at the paths residents and staff use (`app.rs` merges every area's).
pub fn pages() -> axum::Router<crate::platform::AppState> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route(
            "/evaluations",
            get(crate::supervision::web::evaluations_page)
                .post(crate::supervision::web::evaluation_submit),
        )
        .route(
            "/appraisals",
            get(crate::supervision::web::index).post(crate::supervision::web::create_submit),
        )
        .route(
            "/appraisals/{id}/ballot",
            post(crate::supervision::web::ballot_submit),
        )
        .route(
            "/appraisals/{id}/close",
            post(crate::supervision::web::close_submit),
        )
        .route(
            "/appraisals/{id}/disclose",
            post(crate::supervision::web::disclose_submit),
        )
        .route(
            "/appraisals/{id}/paper",
            post(crate::supervision::paper_web::enter),
        )
        .route(
            "/appraisals/{id}/paper/{batch}",
            post(crate::supervision::paper_web::confirm),
        )
}
