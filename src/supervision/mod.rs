//! Supervision (M10): the supervisory board's evaluations against its checklist
//! (`evaluations.rs`) and the democratic appraisal of cadres by resident representatives
//! (`appraisals.rs`), with their pages (`web.rs`).

pub mod appraisals;
pub mod evaluations;
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
}
