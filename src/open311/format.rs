//! GeoReport's two formats: JSON, and XML with the element names of the specification.

use axum::extract::FromRequestParts;
use axum::http::{StatusCode, header, request::Parts};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::platform::error::{AppError, xml_escape};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fmt {
    Json,
    Xml,
}

impl<S: Send + Sync> FromRequestParts<S> for Fmt {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, AppError> {
        let path = parts.uri.path();
        if path.ends_with(".xml") {
            Ok(Fmt::Xml)
        } else if path.ends_with(".json") {
            Ok(Fmt::Json)
        } else {
            Err(AppError::not_found())
        }
    }
}

/// Splits `name.json` / `name.xml` into the name.
pub fn stem(file: &str) -> Result<&str, AppError> {
    file.strip_suffix(".json")
        .or_else(|| file.strip_suffix(".xml"))
        .ok_or_else(AppError::not_found)
}

/// Something with an XML form: a list of `(element, text)` pairs inside one element.
pub trait Xml {
    const ELEMENT: &'static str;
    fn fields(&self) -> Vec<(&'static str, Option<String>)>;
}

pub fn respond<T: Serialize + Xml>(
    fmt: Fmt,
    status: StatusCode,
    list_element: &str,
    items: &[T],
) -> Response {
    match fmt {
        Fmt::Json => (status, axum::Json(items)).into_response(),
        Fmt::Xml => {
            let mut out = format!("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<{list_element}>");
            for item in items {
                out.push_str(&format!("<{}>", T::ELEMENT));
                for (name, value) in item.fields() {
                    match value {
                        Some(v) => out.push_str(&format!("<{name}>{}</{name}>", xml_escape(&v))),
                        None => out.push_str(&format!("<{name}/>")),
                    }
                }
                out.push_str(&format!("</{}>", T::ELEMENT));
            }
            out.push_str(&format!("</{list_element}>"));
            (
                status,
                [(header::CONTENT_TYPE, "text/xml; charset=utf-8")],
                out,
            )
                .into_response()
        }
    }
}
