//! The registry (M1–M4, the ledgers of M16): street → community → compound → building → unit →
//! household → resident, stationed units and social organizations. Each role sees its own
//! scope; ID numbers and phones are masked except through an audited reveal.

pub mod api;
pub mod households;
pub mod households_web;
pub mod id_number;
pub mod import;
pub mod import_api;
pub mod import_web;
pub mod ledgers;
pub mod me;
pub mod me_api;
pub mod participant;
pub mod phone;
pub mod places;
pub mod places_api;
pub mod places_web;
pub mod resident_form;
pub mod residents;
pub mod rights;
pub mod rights_api;
pub mod rights_web;
pub mod rules;
pub mod social;
pub mod web;

use utoipa_axum::router::OpenApiRouter;

use crate::platform::AppState;

/// The registry's `/api/v1` routes.
pub fn api_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .merge(api::routes())
        .merge(places_api::routes())
        .merge(households::routes())
        .merge(me_api::routes())
        .merge(rights_api::routes())
        .merge(ledgers::routes())
        .merge(social::routes())
        .merge(import_api::routes())
}
