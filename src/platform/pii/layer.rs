//! The masking layer: every text answer leaves the server through `mask_responses`, unless its
//! handler marked it [`Unmasked`] after auditing a reveal.

use axum::response::IntoResponse;

use super::{Unmasked, mask_bytes};

/// Is an answer of this content type text that a person or a program reads (and so masked)?
fn is_text(content_type: &str) -> bool {
    let ct = content_type.to_ascii_lowercase();
    (ct.starts_with("text/") && !ct.starts_with("text/css") && !ct.starts_with("text/javascript"))
        || ct.contains("json")
        || ct.contains("xml")
        || ct.contains("csv")
}

/// The masking layer every answer passes through: text answers (pages, JSON, XML, CSV,
/// calendars) have every personal number masked, unless the handler marked the answer
/// [`Unmasked`] after auditing it.
pub async fn mask_responses(
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::http::header;
    let res = next.run(req).await;
    if res.extensions().get::<Unmasked>().is_some() {
        return res;
    }
    let text = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(is_text);
    if !text {
        return res;
    }
    let (mut parts, body) = res.into_parts();
    let bytes = match axum::body::to_bytes(body, usize::MAX).await {
        Ok(b) => b,
        Err(e) => {
            tracing::error!(error = %e, "answer body could not be read for masking");
            return axum::http::StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    };
    match mask_bytes(&bytes) {
        None => axum::response::Response::from_parts(parts, axum::body::Body::from(bytes)),
        Some(masked) => {
            parts.headers.remove(header::CONTENT_LENGTH);
            parts.headers.remove(header::ETAG);
            axum::response::Response::from_parts(parts, axum::body::Body::from(masked))
        }
    }
}

/// `res`, marked [`Unmasked`] when `reveal` holds (the handler has audited the reveal).
pub fn unmasked_if(reveal: bool, res: impl IntoResponse) -> axum::response::Response {
    let mut res = res.into_response();
    if reveal {
        res.extensions_mut().insert(Unmasked);
    }
    res
}

impl axum::response::IntoResponseParts for Unmasked {
    type Error = std::convert::Infallible;
    fn into_response_parts(
        self,
        mut res: axum::response::ResponseParts,
    ) -> Result<axum::response::ResponseParts, Self::Error> {
        res.extensions_mut().insert(self);
        Ok(res)
    }
}
