//! The registry (M1–M4, the ledgers of M16): street → community → compound → building → unit →
//! household → resident, stationed units and social organizations. Each role sees its own
//! scope; ID numbers and phones are masked except through an audited reveal.

pub mod api;
pub mod compounds;
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
pub mod places_edit;
pub mod places_web;
pub mod resident_form;
pub mod residents;
pub mod rights;
pub mod rights_api;
pub mod rights_web;
pub mod rules;
pub mod social;
pub mod stations;
pub mod stations_web;
pub mod web;

use utoipa_axum::router::OpenApiRouter;

use crate::platform::AppState;

/// The registry's `/api/v1` routes.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .merge(api::routes())
        .merge(places_api::routes())
        .merge(households::routes())
        .merge(me_api::routes())
        .merge(rights_api::routes())
        .merge(ledgers::routes())
        .merge(social::routes())
        .merge(import_api::routes())
        .routes(utoipa_axum::routes!(
            stations_web::get_station,
            stations_web::put_station
        ))
        .routes(utoipa_axum::routes!(stations_web::put_staff))
        .routes(utoipa_axum::routes!(stations_web::put_case_station))
}

/// The registry pages, at the paths residents and staff use (`app.rs` merges every area's).
pub fn pages() -> axum::Router<crate::platform::AppState> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route("/places", get(crate::registry::places_web::places_page))
        .route(
            "/station",
            get(crate::registry::stations_web::station_page)
                .post(crate::registry::stations_web::station_submit),
        )
        .route(
            "/station/staff",
            post(crate::registry::stations_web::staff_submit),
        )
        .route(
            "/cases/{id}/station",
            post(crate::registry::stations_web::case_station_submit),
        )
        .route(
            "/places/communities",
            post(crate::registry::places_web::community_new),
        )
        .route(
            "/places/communities/{id}",
            post(crate::registry::places_web::community_save),
        )
        .route(
            "/places/compounds",
            post(crate::registry::places_web::compound_new),
        )
        .route(
            "/places/compounds/{id}",
            get(crate::registry::places_edit::web::compound_page)
                .post(crate::registry::places_edit::web::compound_save),
        )
        .route(
            "/places/compounds/{id}/committee",
            post(crate::registry::places_edit::web::committee_set_up),
        )
        .route(
            "/places/compounds/{id}/buildings",
            post(crate::registry::places_edit::web::building_new),
        )
        .route(
            "/places/buildings/{id}",
            post(crate::registry::places_edit::web::building_save),
        )
        .route("/ledgers", get(crate::registry::ledgers::print::list_page))
        .route(
            "/ledgers/{kind}/print",
            get(crate::registry::ledgers::print::print_page),
        )
        .route(
            "/households",
            get(crate::registry::households_web::list_page),
        )
        .route(
            "/organizations",
            get(crate::registry::social::web::page_get),
        )
        .route(
            "/organizations/units",
            post(crate::registry::social::web::add_unit),
        )
        .route(
            "/organizations/orgs",
            post(crate::registry::social::web::add_org),
        )
        .route(
            "/organizations/party",
            post(crate::registry::social::web::add_party),
        )
        .route(
            "/organizations/party/{id}",
            post(crate::registry::social::web::save_party),
        )
        .route(
            "/organizations/volunteers",
            post(crate::registry::social::volunteers_web::create),
        )
        .route(
            "/organizations/volunteers/new",
            get(crate::registry::social::volunteers_web::new_form),
        )
        .route(
            "/organizations/volunteers/{id}",
            get(crate::registry::social::volunteers_web::edit_form)
                .post(crate::registry::social::volunteers_web::save),
        )
        .route(
            "/households/{id}",
            get(crate::registry::households_web::detail_page),
        )
        .route("/residents", get(crate::registry::web::residents_page))
        .route(
            "/residents/new",
            get(crate::registry::resident_form::new_form)
                .post(crate::registry::resident_form::create),
        )
        .route("/residents/{id}", get(crate::registry::web::resident_page))
        .route(
            "/residents/{id}/edit",
            get(crate::registry::resident_form::edit_form)
                .post(crate::registry::resident_form::update),
        )
        .route(
            "/residents/{id}/move",
            post(crate::registry::resident_form::move_out),
        )
        .route("/me", get(crate::registry::web::me_page))
        .route(
            "/me/corrections",
            post(crate::registry::web::ask_correction),
        )
        .route("/me/export", get(crate::registry::rights_api::export))
        .route(
            "/me/erasure",
            post(crate::registry::rights_web::ask_erasure),
        )
        .route("/corrections", get(crate::registry::web::corrections_page))
        .route(
            "/corrections/{id}",
            post(crate::registry::web::answer_correction),
        )
        .route(
            "/erasure-requests/{id}",
            post(crate::registry::rights_web::decide_erasure),
        )
        .route(
            "/import",
            get(crate::registry::import_web::form)
                .post(crate::registry::import_web::upload)
                .layer(axum::extract::DefaultBodyLimit::max(
                    crate::registry::import_api::MAX_UPLOAD,
                )),
        )
        .route(
            "/import/{token}/{community}",
            post(crate::registry::import_web::confirm),
        )
        .route(
            "/import/jobs/{job}",
            get(crate::registry::import_web::progress),
        )
}
