//! GeoReport tokens: `GET tokens/{token}` names the request a token stands for (our tokens
//! are the tracking codes).

use crate::platform::web::Path;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::Serialize;

use super::format::{Fmt, Xml, respond, stem};
use crate::cases::store;
use crate::platform::AppState;
use crate::platform::error::AppError;

#[derive(Serialize)]
pub struct TokenOut {
    service_request_id: String,
    token: String,
}

impl Xml for TokenOut {
    const ELEMENT: &'static str = "request";
    fn fields(&self) -> Vec<(&'static str, Option<String>)> {
        vec![
            ("service_request_id", Some(self.service_request_id.clone())),
            ("token", Some(self.token.clone())),
        ]
    }
}

/// The request id for a token (our tokens are the tracking codes).
pub async fn token(
    State(state): State<AppState>,
    fmt: Fmt,
    Path(file): Path<String>,
) -> Result<Response, AppError> {
    // Public: a token names its request, sensitive ones never shown.
    let code = stem(&file)?.to_ascii_uppercase();
    let c = store::by_tracking_code(state.db.read(), &code)
        .await?
        .filter(|c| !c.sensitive)
        .ok_or_else(AppError::not_found)?;
    Ok(respond(
        fmt,
        StatusCode::OK,
        "service_requests",
        &[TokenOut {
            service_request_id: c.id.to_string(),
            token: code,
        }],
    ))
}
