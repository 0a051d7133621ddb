//! Self-governance bodies (M5, M6, M8, M10, M11, M23): building groups and their leaders, the
//! residents' deliberation council, the supervisory board, the assembly, associations and the
//! street's leading group, with the composition rules of the source documents.

pub mod associations;
pub mod associations_web;
pub mod bodies;
pub mod elections;
pub mod meetings;
pub mod rules;
pub mod seats;

use utoipa_axum::router::OpenApiRouter;

use crate::platform::AppState;

/// The council area's `/api/v1` routes.
pub fn routes() -> OpenApiRouter<AppState> {
    use utoipa_axum::routes;
    bodies::routes()
        .merge(elections::routes())
        .merge(meetings::routes())
        .routes(routes!(associations_web::list))
        .routes(routes!(associations_web::proposal_create))
        .routes(routes!(associations_web::delegate_create))
}

/// The council pages, at the paths residents and staff use (`app.rs` merges every area's).
pub fn pages() -> axum::Router<crate::platform::AppState> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route("/associations", get(crate::council::associations_web::page))
        .route(
            "/associations/{id}/proposals",
            post(crate::council::associations_web::propose_submit),
        )
        .route(
            "/associations/{id}/delegates",
            post(crate::council::associations_web::delegate_submit),
        )
        .route(
            "/meetings",
            get(crate::council::meetings::web::list_page)
                .post(crate::council::meetings::web::schedule_submit),
        )
        .route(
            "/meetings/{id}",
            get(crate::council::meetings::web::meeting_page),
        )
        .route(
            "/meetings/{id}/guests",
            get(crate::council::meetings::guests::guests_page)
                .post(crate::council::meetings::guests::guest_submit),
        )
        .route(
            "/meetings/{id}/attendance",
            post(crate::council::meetings::web::attendance_submit),
        )
        .route(
            "/meetings/{id}/motions",
            post(crate::council::meetings::web::motion_submit),
        )
        .route(
            "/meetings/{id}/motions/{motion}/my-vote",
            post(crate::council::meetings::web::own_vote_submit),
        )
        .route(
            "/meetings/{id}/motions/{motion}/close",
            post(crate::council::meetings::web::close_vote_submit),
        )
        .route(
            "/meetings/{id}/minutes",
            post(crate::council::meetings::web::minutes_submit),
        )
        .route(
            "/meetings/{id}/comments",
            post(crate::council::meetings::web::comment_submit),
        )
        .route(
            "/meetings/{id}/print",
            get(crate::council::meetings::print::minutes_print),
        )
        .route(
            "/open-meetings",
            get(crate::council::meetings::open::open_page),
        )
        .route(
            "/open-meetings.ics",
            get(crate::council::meetings::open::open_feed),
        )
        .route(
            "/me/calendar",
            get(crate::council::meetings::feeds::feeds_page)
                .post(crate::council::meetings::feeds::feeds_submit),
        )
        .route(
            "/calendar/feed/{file}",
            get(crate::council::meetings::feeds::personal_feed),
        )
        .route("/elections", get(crate::council::elections::web::list_page))
        .route(
            "/elections/{id}",
            get(crate::council::elections::web::election_page),
        )
        .route(
            "/elections/{id}/print",
            get(crate::council::elections::print::print_page),
        )
        .route(
            "/elections/{id}/objections",
            post(crate::council::elections::web::object),
        )
        .route(
            "/elections/{id}/ballots",
            post(crate::council::elections::web::vote),
        )
}
