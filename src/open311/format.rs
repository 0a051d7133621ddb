//! GeoReport's two formats: JSON, and XML with the element names of the specification. Every
//! text goes through `xml_escape`, which also replaces what XML 1.0 cannot carry, so any stored
//! text keeps the XML well-formed. Errors are GeoReport error lists, all of a request's at once.

use axum::extract::FromRequestParts;
use axum::http::{StatusCode, header, request::Parts};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::platform::error::{AppError, xml_escape};
use crate::platform::i18n::{Lang, tf};

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

/// An XML document under construction: `open`/`close` elements, `leaf` texts (escaped).
pub struct XmlOut(String);

impl Default for XmlOut {
    fn default() -> Self {
        XmlOut::new()
    }
}

impl XmlOut {
    pub fn new() -> XmlOut {
        XmlOut("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n".to_owned())
    }
    pub fn open(&mut self, name: &str) -> &mut Self {
        self.0.push('<');
        self.0.push_str(name);
        self.0.push('>');
        self
    }
    pub fn close(&mut self, name: &str) -> &mut Self {
        self.0.push_str("</");
        self.0.push_str(name);
        self.0.push('>');
        self
    }
    /// `<name>text</name>`, or `<name/>` for none.
    pub fn leaf(&mut self, name: &str, text: Option<&str>) -> &mut Self {
        match text {
            Some(v) => {
                self.open(name);
                self.0.push_str(&xml_escape(v));
                self.close(name)
            }
            None => {
                self.0.push('<');
                self.0.push_str(name);
                self.0.push_str("/>");
                self
            }
        }
    }
    pub fn item<T: Xml>(&mut self, item: &T) -> &mut Self {
        self.open(T::ELEMENT);
        for (name, value) in item.fields() {
            self.leaf(name, value.as_deref());
        }
        self.close(T::ELEMENT)
    }
    pub fn respond(self, status: StatusCode) -> Response {
        (
            status,
            [(header::CONTENT_TYPE, "text/xml; charset=utf-8")],
            self.0,
        )
            .into_response()
    }
}

/// A list of items: a JSON array, or the items inside `list_element`.
pub fn respond<T: Serialize + Xml>(
    fmt: Fmt,
    status: StatusCode,
    list_element: &str,
    items: &[T],
) -> Response {
    match fmt {
        Fmt::Json => (status, axum::Json(items)).into_response(),
        Fmt::Xml => {
            let mut x = XmlOut::new();
            x.open(list_element);
            for item in items {
                x.item(item);
            }
            x.close(list_element);
            x.respond(status)
        }
    }
}

#[derive(Serialize)]
struct ErrorOut {
    code: u16,
    description: String,
}

/// Every error of a request at once, as GeoReport lists them, each naming its parameter. The
/// answer's status is the first error's.
pub fn errors(fmt: Fmt, lang: Lang, errs: &[AppError]) -> Response {
    let status = errs
        .first()
        .map(|e| e.status)
        .unwrap_or(StatusCode::BAD_REQUEST);
    let items: Vec<ErrorOut> = errs
        .iter()
        .map(|e| {
            let message = tf(lang, e.key, &e.args);
            ErrorOut {
                code: e.status.as_u16(),
                description: match &e.field {
                    Some(f) => format!("{f}: {message}"),
                    None => message,
                },
            }
        })
        .collect();
    match fmt {
        Fmt::Json => (status, axum::Json(items)).into_response(),
        Fmt::Xml => {
            let mut x = XmlOut::new();
            x.open("errors");
            for e in &items {
                x.open("error")
                    .leaf("code", Some(&e.code.to_string()))
                    .leaf("description", Some(&e.description))
                    .close("error");
            }
            x.close("errors");
            x.respond(status)
        }
    }
}

/// An optional parameter as given: an empty one is no parameter at all.
pub fn given(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}
