//! Page forms as they arrive: the CSRF token checked, the fields decoded into `T`, a NUL
//! refused. [`CsrfUpload`] takes a form urlencoded (no file) or as `multipart/form-data` (a file
//! input; one left empty sends no file); [`CsrfForm`](super::CsrfForm) is the urlencoded kind.

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Multipart, Request};
use axum::http::{StatusCode, header};
use serde::de::DeserializeOwned;

use super::Ctx;
use crate::platform::AppState;
use crate::platform::error::AppError;

/// A file sent with a form: the input's name and its bytes (never empty).
pub struct Upload {
    pub field: String,
    pub bytes: Bytes,
}

/// A checked page form with the files it carried.
pub struct CsrfUpload<T>(pub Ctx, pub T, pub Vec<Upload>);

fn too_large_or_bad(status: StatusCode) -> AppError {
    if status == StatusCode::PAYLOAD_TOO_LARGE {
        AppError::new(StatusCode::PAYLOAD_TOO_LARGE, "error.too_large")
    } else {
        AppError::bad_request("error.bad_request")
    }
}

impl<T: DeserializeOwned> FromRequest<AppState> for CsrfUpload<T> {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let (mut parts, body) = req.into_parts();
        let ctx = Ctx::from_request_parts(&mut parts, state).await?;
        let ct = parts
            .headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned();
        let req = Request::from_parts(parts, body);
        if ct.starts_with("application/x-www-form-urlencoded") {
            let bytes = Bytes::from_request(req, state)
                .await
                .map_err(|e| too_large_or_bad(e.status()))?;
            let value = checked_form(&ctx, &bytes)?;
            return Ok(CsrfUpload(ctx, value, Vec::new()));
        }
        if !ct.starts_with("multipart/form-data") {
            return Err(AppError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "error.unsupported_media_type",
            ));
        }
        let mut mp = Multipart::from_request(req, state)
            .await
            .map_err(|e| too_large_or_bad(e.status()))?;
        // The text fields, re-encoded as the urlencoded form they stand for.
        let mut text: Vec<(String, String)> = Vec::new();
        let mut files = Vec::new();
        while let Some(field) = mp
            .next_field()
            .await
            .map_err(|e| too_large_or_bad(e.status()))?
        {
            let name = field.name().unwrap_or_default().to_owned();
            if field.file_name().is_some() {
                let bytes = field
                    .bytes()
                    .await
                    .map_err(|e| too_large_or_bad(e.status()))?;
                if !bytes.is_empty() {
                    files.push(Upload { field: name, bytes });
                }
            } else {
                let value = field
                    .text()
                    .await
                    .map_err(|e| too_large_or_bad(e.status()))?;
                text.push((name, value));
            }
        }
        let encoded = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(text)
            .finish();
        let value = checked_form(&ctx, encoded.as_bytes())?;
        Ok(CsrfUpload(ctx, value, files))
    }
}

/// A urlencoded form body whose `_csrf` matches the session's, decoded into `T`: a NUL in a
/// field or a field that does not decode is a 422 naming the field.
fn checked_form<T: DeserializeOwned>(ctx: &Ctx, bytes: &[u8]) -> Result<T, AppError> {
    let sent = form_urlencoded::parse(bytes)
        .find(|(k, _)| k == "_csrf")
        .map(|(_, v)| v.into_owned());
    ctx.check_csrf(sent.as_deref().unwrap_or(""))?;
    if let Some(field) = crate::platform::web::nul_in_form(bytes) {
        return Err(crate::platform::web::refuse_nul(field));
    }
    serde_urlencoded::from_bytes(bytes).map_err(|e| {
        let field =
            crate::platform::web::serde_field(&e.to_string()).unwrap_or_else(|| "form".into());
        AppError::invalid(field.clone(), "error.form_field").arg("field", field)
    })
}
