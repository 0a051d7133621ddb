//! Extractors whose refusals speak the user's language: a JSON body, a query string and path
//! parameters (axum's own rejections are English plain text), and the check that no text holds
//! a NUL character, and the page and page size every list takes. Re-exported from
//! `platform::web`.

use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use serde::de::DeserializeOwned;

use super::error::AppError;

/// A JSON body, or a 4xx that says what is wrong with it: 415 without a JSON content type,
/// 400 for malformed JSON, 422 naming the field for the wrong shape, 413 when too large.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        use axum::extract::rejection::JsonRejection as J;
        let json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|ct| {
                let mime = ct
                    .split(';')
                    .next()
                    .unwrap_or("")
                    .trim()
                    .to_ascii_lowercase();
                mime == "application/json"
                    || (mime.starts_with("application/") && mime.ends_with("+json"))
            });
        if !json {
            return Err(AppError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "error.unsupported_media_type",
            ));
        }
        let bytes = axum::body::Bytes::from_request(req, state)
            .await
            .map_err(|e| {
                if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                    AppError::new(StatusCode::PAYLOAD_TOO_LARGE, "error.too_large")
                } else {
                    AppError::new(e.status(), "error.bad_request")
                }
            })?;
        if let Some(field) = nul_in_json(&bytes) {
            return Err(refuse_nul(field));
        }
        match axum::Json::<T>::from_bytes(&bytes) {
            Ok(axum::Json(v)) => Ok(ApiJson(v)),
            Err(J::JsonDataError(e)) => {
                let detail = std::error::Error::source(&e)
                    .map(|s| s.to_string())
                    .unwrap_or_default();
                let field = serde_field(&detail).unwrap_or_else(|| "body".into());
                Err(AppError::invalid(field.clone(), "error.json_field").arg("field", field))
            }
            Err(_) => Err(AppError::bad_request("error.malformed_json")),
        }
    }
}

/// Text may not hold NUL (U+0000): nobody types it, and PostgreSQL cannot store it. The field
/// of a JSON body that holds one (its key, or the key above a value), if any.
pub fn nul_in_json(bytes: &[u8]) -> Option<String> {
    fn find(v: &serde_json::Value, at: &str) -> Option<String> {
        match v {
            serde_json::Value::String(s) if s.contains('\0') => Some(at.to_owned()),
            serde_json::Value::Array(items) => items.iter().find_map(|x| find(x, at)),
            serde_json::Value::Object(m) => m.iter().find_map(|(k, x)| {
                if k.contains('\0') {
                    Some(k.replace('\0', ""))
                } else {
                    find(x, k)
                }
            }),
            _ => None,
        }
    }
    // Only an escaped \u0000 can put one there (a raw NUL byte is not JSON).
    if !bytes.windows(6).any(|w| w == b"\\u0000") {
        return None;
    }
    let v: serde_json::Value = serde_json::from_slice(bytes).ok()?;
    find(&v, "body")
}

/// The parameter of a query string or form that holds a NUL, if any.
pub fn nul_in_form(bytes: &[u8]) -> Option<String> {
    form_urlencoded::parse(bytes)
        .find(|(k, v)| k.contains('\0') || v.contains('\0'))
        .map(|(k, _)| k.replace('\0', ""))
}

/// A 422 naming the parameter that holds a NUL.
pub fn refuse_nul(field: String) -> AppError {
    AppError::invalid(field.clone(), "error.nul").arg("field", field)
}

/// A query string, or a 400 in the user's language naming the parameter that is missing or
/// malformed (axum's own rejection is English plain text).
pub struct Query<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for Query<T> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        if let Some(field) = parts.uri.query().and_then(|q| nul_in_form(q.as_bytes())) {
            return Err(refuse_nul(field));
        }
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(v)) => Ok(Query(v)),
            Err(e) => {
                let detail = std::error::Error::source(&e)
                    .map(|s| s.to_string())
                    .unwrap_or_default();
                let field = serde_field(&detail).unwrap_or_else(|| "query".into());
                Err(AppError::invalid(field.clone(), "error.query_field").arg("field", field))
            }
        }
    }
}

/// Path parameters, or a 404 in the user's language when one does not parse (`/cases/abc`
/// names no case).
pub struct Path<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for Path<T> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(v)) => Ok(Path(v)),
            Err(e) if e.status().is_server_error() => Err(AppError::internal(e)),
            Err(_) => Err(AppError::new(StatusCode::NOT_FOUND, "error.not_found")),
        }
    }
}

/// The field a serde error names: "missing field `x`", "unknown field `x`", or a path `x: …`.
pub fn serde_field(detail: &str) -> Option<String> {
    if let Some((path, _)) = detail.split_once(": ")
        && !path.contains(' ')
        && path != "."
    {
        return Some(path.to_owned());
    }
    let start = detail.find('`')?;
    let rest = &detail[start + 1..];
    rest.find('`').map(|end| rest[..end].to_owned())
}

/// Page and page size, checked.
pub fn paging(
    page: Option<i64>,
    per_page: Option<i64>,
    default: i64,
    max: i64,
) -> Result<(i64, i64), AppError> {
    let per_page = per_page.unwrap_or(default);
    if !(1..=max).contains(&per_page) {
        return Err(AppError::invalid("per_page", "error.per_page").arg("max", max));
    }
    Ok((page_number(page)?, per_page))
}

/// The furthest page anyone may ask for: far past any list, and small enough that the offset
/// (`(page - 1) × per_page`) cannot overflow.
pub const MAX_PAGE: i64 = 1_000_000;

/// A page number from 1 to [`MAX_PAGE`] (default 1).
pub fn page_number(page: Option<i64>) -> Result<i64, AppError> {
    let page = page.unwrap_or(1);
    if !(1..=MAX_PAGE).contains(&page) {
        return Err(AppError::invalid("page", "error.page").arg("max", MAX_PAGE));
    }
    Ok(page)
}
