//! One error type, three renderings: an HTML page for pages, a JSON problem document under
//! `/api`, an Open311 error list under `/open311`. Handlers return `AppError`; its response
//! carries an [`ErrorPayload`] that [`render_errors`] turns into the body the path calls for,
//! in the user's language. 500s are logged once here, with the cause, and never shown.

use askama::Template;
use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Serialize;

use super::i18n::{Lang, Tr, t, tf};
use super::web::Chrome;

/// A failed request. The message is a catalog key (with `{name}` arguments) so that it is
/// rendered in the user's language; `field` names the input it concerns.
#[derive(Debug)]
pub struct AppError {
    pub status: StatusCode,
    pub key: &'static str,
    pub args: Vec<(&'static str, String)>,
    pub field: Option<String>,
    pub retry_after: Option<u64>,
    pub cause: Option<anyhow::Error>,
}

impl AppError {
    pub fn new(status: StatusCode, key: &'static str) -> Self {
        AppError {
            status,
            key,
            args: Vec::new(),
            field: None,
            retry_after: None,
            cause: None,
        }
    }
    /// The user's input in `field` is wrong (422).
    pub fn invalid(field: impl Into<String>, key: &'static str) -> Self {
        AppError::new(StatusCode::UNPROCESSABLE_ENTITY, key).field(field)
    }
    pub fn bad_request(key: &'static str) -> Self {
        AppError::new(StatusCode::BAD_REQUEST, key)
    }
    pub fn unauthenticated() -> Self {
        AppError::new(StatusCode::UNAUTHORIZED, "error.unauthenticated")
    }
    pub fn forbidden() -> Self {
        AppError::new(StatusCode::FORBIDDEN, "error.forbidden")
    }
    pub fn not_found() -> Self {
        AppError::new(StatusCode::NOT_FOUND, "error.not_found")
    }
    pub fn conflict(key: &'static str) -> Self {
        AppError::new(StatusCode::CONFLICT, key)
    }
    pub fn too_many(retry_after: u64) -> Self {
        let mut e = AppError::new(StatusCode::TOO_MANY_REQUESTS, "error.too_many");
        e.retry_after = Some(retry_after);
        e
    }
    pub fn unavailable() -> Self {
        let mut e = AppError::new(StatusCode::SERVICE_UNAVAILABLE, "error.unavailable");
        e.retry_after = Some(5);
        e
    }
    pub fn internal(cause: impl Into<anyhow::Error>) -> Self {
        let mut e = AppError::new(StatusCode::INTERNAL_SERVER_ERROR, "error.internal");
        e.cause = Some(cause.into());
        e
    }
    pub fn field(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }
    pub fn arg(mut self, name: &'static str, value: impl ToString) -> Self {
        self.args.push((name, value.to_string()));
        self
    }
}

impl From<sqlx::Error> for AppError {
    fn from(e: sqlx::Error) -> Self {
        let not_saved = match &e {
            sqlx::Error::Io(io) => io
                .get_ref()
                .is_some_and(|inner| inner.is::<super::group_commit::StoreFailed>()),
            sqlx::Error::Database(d) => disk_full(d.as_ref()),
            _ => false,
        };
        let unavailable = match &e {
            sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::WorkerCrashed
            | sqlx::Error::Io(_) => true,
            sqlx::Error::Database(d) => store_unavailable(d.as_ref()),
            _ => false,
        };
        if unavailable {
            let mut err = AppError::unavailable();
            if not_saved {
                err.key = "error.not_saved";
            }
            err.cause = Some(e.into());
            err
        } else {
            AppError::internal(e)
        }
    }
}

/// SQLite's `SQLITE_FULL` (by its primary code) or PostgreSQL's `disk_full`.
fn disk_full(d: &dyn sqlx::error::DatabaseError) -> bool {
    let code = d.code().unwrap_or_default();
    code == "53100" || (code.len() < 5 && code.parse::<u32>().is_ok_and(|c| c & 0xff == 13))
}

/// The database could not take the work now, and rolled it back; the client may retry (503).
/// On SQLite: busy, locked, read-only, I/O error, corrupt, full disk, cannot open (by the
/// primary result code, whatever the extended one). On PostgreSQL (five-character SQLSTATE):
/// serialization failure, deadlock, connection lost, insufficient resources (disk full, out of
/// memory), operator intervention, system I/O error. A failed commit or audit entry arrives here
/// as [`sqlx::Error::Io`] (`platform::db::store_failed`).
fn store_unavailable(d: &dyn sqlx::error::DatabaseError) -> bool {
    let code = d.code().unwrap_or_default();
    if code.len() == 5 {
        let class = &code[..2];
        return matches!(code.as_ref(), "40001" | "40P01")
            || matches!(class, "08" | "53" | "57" | "58");
    }
    code.parse::<u32>()
        .is_ok_and(|c| matches!(c & 0xff, 5 | 6 | 8 | 10 | 11 | 13 | 14 | 26))
}

impl From<anyhow::Error> for AppError {
    fn from(e: anyhow::Error) -> Self {
        AppError::internal(e)
    }
}

/// What an error response carries until [`render_errors`] renders it.
#[derive(Clone, Debug)]
pub struct ErrorPayload {
    pub status: StatusCode,
    pub key: &'static str,
    pub args: Vec<(&'static str, String)>,
    pub field: Option<String>,
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        if let Some(cause) = &self.cause {
            if self.status.is_server_error() && self.status != StatusCode::SERVICE_UNAVAILABLE {
                tracing::error!(status = %self.status, error = ?cause, "request failed");
            } else {
                tracing::warn!(status = %self.status, error = %cause, "request refused");
            }
        }
        let mut res = self.status.into_response();
        if let Some(secs) = self.retry_after {
            res.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        res.extensions_mut().insert(ErrorPayload {
            status: self.status,
            key: self.key,
            args: self.args,
            field: self.field,
        });
        res
    }
}

#[derive(Serialize)]
struct Problem<'a> {
    #[serde(rename = "type")]
    kind: &'a str,
    title: &'a str,
    status: u16,
    detail: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    field: Option<&'a str>,
    code: &'a str,
}

#[derive(Serialize)]
struct Open311Error {
    code: u16,
    description: String,
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    chrome: Chrome,
    t: Tr,
    status: u16,
    title: &'a str,
    message: String,
}

fn status_key(status: StatusCode) -> &'static str {
    match status.as_u16() {
        400 => "error.bad_request",
        401 => "error.unauthenticated",
        403 => "error.forbidden",
        404 => "error.not_found",
        405 => "error.method_not_allowed",
        409 => "error.conflict",
        410 => "error.gone",
        413 => "error.too_large",
        415 => "error.unsupported_media_type",
        422 => "error.invalid",
        429 => "error.too_many",
        503 => "error.unavailable",
        _ => "error.internal",
    }
}

/// Renders error responses for the path they answer. Errors produced outside our handlers
/// (a 405 from the router, say) are rendered too.
pub async fn render_errors(req: Request, next: Next) -> Response {
    let path = req.uri().path().to_owned();
    let query = req.uri().query().map(str::to_owned);
    let lang = req.extensions().get::<Lang>().copied().unwrap_or_default();
    let big = req
        .extensions()
        .get::<super::web::BigText>()
        .is_some_and(|b| b.0);
    let mut res = next.run(req).await;
    let payload = match res.extensions_mut().remove::<ErrorPayload>() {
        Some(p) => p,
        None if (res.status().is_client_error() || res.status().is_server_error())
            && !res.headers().contains_key(header::CONTENT_TYPE) =>
        {
            ErrorPayload {
                status: res.status(),
                key: status_key(res.status()),
                args: vec![],
                field: None,
            }
        }
        None => return res,
    };
    let message = tf(lang, payload.key, &payload.args);
    let status = payload.status;
    let mut body = if path.starts_with("/open311") {
        if path.ends_with(".xml") {
            let xml = format!(
                "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<errors><error><code>{}</code><description>{}</description></error></errors>",
                status.as_u16(),
                xml_escape(&message)
            );
            ([(header::CONTENT_TYPE, "text/xml; charset=utf-8")], xml).into_response()
        } else {
            axum::Json(vec![Open311Error {
                code: status.as_u16(),
                description: message,
            }])
            .into_response()
        }
    } else if path.starts_with("/api/") {
        let problem = Problem {
            kind: "about:blank",
            title: t(lang, status_key(status)),
            status: status.as_u16(),
            detail: message,
            field: payload.field.as_deref(),
            code: payload.key,
        };
        let mut r = axum::Json(problem).into_response();
        r.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        r
    } else if status == StatusCode::UNAUTHORIZED {
        // A page that needs a login sends the browser to the login page and back.
        let back = match query {
            Some(q) => format!("{path}?{q}"),
            None => path,
        };
        let to = format!("/login?next={}", urlencode(&back));
        return Redirect::to(&to).into_response();
    } else {
        let page = ErrorPage {
            chrome: Chrome::bare(lang, big),
            t: Tr(lang),
            status: status.as_u16(),
            title: t(lang, status_key(status)),
            message,
        };
        match page.render() {
            Ok(html) => Html(html).into_response(),
            Err(e) => {
                tracing::error!(error = %e, "error page failed to render");
                (StatusCode::INTERNAL_SERVER_ERROR, "500").into_response()
            }
        }
    };
    *body.status_mut() = status;
    for name in [
        header::RETRY_AFTER,
        header::WWW_AUTHENTICATE,
        header::SET_COOKIE,
    ] {
        for v in res.headers().get_all(&name) {
            body.headers_mut().append(name.clone(), v.clone());
        }
    }
    body
}

/// Text as XML 1.0 character data: markup escaped, and every character XML 1.0 cannot carry
/// at all (control characters other than tab, newline and carriage return; U+FFFE, U+FFFF)
/// replaced by U+FFFD, so that no stored text can make a document malformed.
pub fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

pub fn urlencode(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}
