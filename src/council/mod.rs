//! Self-governance bodies (M5, M6, M8, M10, M11, M23): building groups and their leaders, the
//! residents' deliberation council, the supervisory board, the assembly, associations and the
//! street's leading group, with the composition rules of the source documents.

pub mod bodies;
pub mod elections;
pub mod meetings;
pub mod rules;
pub mod seats;

use utoipa_axum::router::OpenApiRouter;

use crate::platform::AppState;

/// The council area's `/api/v1` routes.
pub fn api_routes() -> OpenApiRouter<AppState> {
    bodies::routes()
        .merge(elections::routes())
        .merge(meetings::routes())
}
