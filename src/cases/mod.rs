//! Cases (诉求, 八必报, 巡查发现; M12, M14, M15): every request answered, every matter fed
//! back. Intake from every channel, deadlines in working days, the lifecycle, the submitter's
//! rating, public tracking, and supervision (督办) of overdue cases.

pub mod api;

pub use api::routes;
pub mod config;
pub mod desk;
pub mod handle;
pub mod intake;
pub mod intake_web;
pub mod limits;
pub mod list;
pub mod model;
pub mod notify;
pub mod photos;
pub mod posters;
pub mod reception;
pub mod reception_web;
pub mod stats;
pub mod store;
pub mod supervision;
pub mod web;

/// The cases pages, at the paths residents and staff use (`app.rs` merges every area's).
pub fn pages() -> axum::Router<crate::platform::AppState> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route("/reception", get(crate::cases::reception_web::room))
        .route(
            "/reception/duty",
            get(crate::cases::reception_web::duty_page)
                .post(crate::cases::reception_web::duty_submit),
        )
        .route(
            "/report",
            get(crate::cases::intake_web::report_form)
                .post(crate::cases::intake_web::report_submit)
                .layer(axum::extract::DefaultBodyLimit::max(
                    crate::cases::photos::MAX_PHOTO + 64 * 1024,
                )),
        )
        .route("/track", get(crate::cases::intake_web::track_page))
        .route("/track/rate", post(crate::cases::intake_web::track_rate))
        .route("/cases", get(crate::cases::web::list_page))
        .route("/cases/export.xlsx", get(crate::cases::web::export))
        .route("/dashboard", get(crate::cases::stats::dashboard))
        .route("/supervision", get(crate::cases::web::supervision_page))
        .route("/notifications", get(crate::cases::notify::page_get))
        .route("/notifications/read", post(crate::cases::notify::read_all))
        .route(
            "/posters/building/{id}",
            get(crate::cases::posters::building_poster),
        )
        .route(
            "/posters/community/{id}",
            get(crate::cases::posters::community_poster),
        )
        .route("/cases/{id}", get(crate::cases::desk::case_page))
        .route("/cases/{id}/act", post(crate::cases::desk::act))
        .route("/cases/{id}/rate", post(crate::cases::desk::rate))
        .route(
            "/cases/{id}/photos",
            post(crate::cases::photos::upload).layer(axum::extract::DefaultBodyLimit::max(
                crate::cases::photos::MAX_PHOTO + 64 * 1024,
            )),
        )
        .route(
            "/cases/{id}/photos/{photo}",
            get(crate::cases::photos::serve),
        )
}
