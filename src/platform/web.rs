//! The web shell: language and large-text preferences, security headers, the cross-origin
//! check, static assets, and the JSON body extractor that turns every malformed body into a 4xx.

use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};

use super::error::AppError;
pub use super::extract::{
    ApiJson, Path, Query, nul_in_form, nul_in_json, page_number, paging, refuse_nul, serde_field,
};
use super::i18n::{Lang, Tr};
use crate::platform::AppState;

/// The session cookie's name (set by `auth::session`, looked for by `api_door`).
pub const SESSION_COOKIE: &str = "zz_session";

/// The user asked for large text (大字).
#[derive(Clone, Copy, Debug, Default)]
pub struct BigText(pub bool);

/// What the page shell (`templates/base.html`) needs on every page.
#[derive(Clone, Debug)]
pub struct Chrome {
    pub t: Tr,
    pub big: bool,
    /// The signed-in user's display name.
    pub user: Option<String>,
    /// The CSRF token for the logout form and any other form on the page.
    pub csrf: String,
    /// The current path, for the language and text-size switches.
    pub path: String,
    /// What the last form changed (操作提示), shown once.
    pub flash: Option<String>,
}

impl Chrome {
    /// The shell with nobody signed in (error pages).
    pub fn bare(lang: Lang, big: bool) -> Chrome {
        Chrome {
            t: Tr(lang),
            big,
            user: None,
            csrf: String::new(),
            path: "/".into(),
            flash: None,
        }
    }
}

/// `Set-Cookie` for one of our cookies: whole site, never read by scripts, never sent from
/// another site, `Secure` under https; `max_age` none for a browser-session cookie.
pub fn cookie_header(
    name: &'static str,
    value: String,
    secure: bool,
    max_age: Option<i64>,
) -> HeaderValue {
    let mut c = Cookie::build((name, value))
        .path("/")
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(secure);
    if let Some(secs) = max_age {
        c = c.max_age(cookie::time::Duration::seconds(secs));
    }
    HeaderValue::from_str(&c.build().to_string()).expect("cookie is a valid header")
}

fn cookie_pref(jar: &CookieJar, name: &str) -> Option<String> {
    jar.get(name).map(|c| c.value().to_owned())
}

fn query_param(query: Option<&str>, name: &str) -> Option<String> {
    form_urlencoded::parse(query?.as_bytes())
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

fn pref_cookie(name: &'static str, value: &str, secure: bool) -> HeaderValue {
    let c = Cookie::build((name, value.to_owned()))
        .path("/")
        .max_age(time_one_year())
        .same_site(SameSite::Lax)
        .http_only(true)
        .secure(secure)
        .build();
    HeaderValue::from_str(&c.to_string()).expect("cookie is a valid header")
}

fn time_one_year() -> cookie::time::Duration {
    cookie::time::Duration::days(365)
}

/// Language (`?lang=`, then the `lang` cookie, then Accept-Language, then zh-CN) and large text
/// (`?big=1`, then the `big` cookie). A choice in the query is remembered in a cookie.
pub async fn preferences(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let jar = CookieJar::from_headers(req.headers());
    let query = req.uri().query();
    let asked_lang = query_param(query, "lang").and_then(|v| Lang::parse(&v));
    let asked_big = query_param(query, "big").map(|v| v == "1");
    let lang = asked_lang
        .or_else(|| cookie_pref(&jar, "lang").and_then(|v| Lang::parse(&v)))
        .or_else(|| {
            req.headers()
                .get(header::ACCEPT_LANGUAGE)
                .and_then(|h| h.to_str().ok())
                .and_then(Lang::from_accept_language)
        })
        .unwrap_or_default();
    let big = asked_big.unwrap_or_else(|| cookie_pref(&jar, "big").as_deref() == Some("1"));
    req.extensions_mut().insert(lang);
    req.extensions_mut().insert(BigText(big));
    let mut res = next.run(req).await;
    let secure = state.config.https();
    if let Some(l) = asked_lang {
        res.headers_mut()
            .append(header::SET_COOKIE, pref_cookie("lang", l.tag(), secure));
    }
    if let Some(b) = asked_big {
        res.headers_mut().append(
            header::SET_COOKIE,
            pref_cookie("big", if b { "1" } else { "0" }, secure),
        );
    }
    res
}

const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
                   object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// Security headers on every response. Dynamic responses are `no-store` unless the handler
/// chose a cache policy (static assets, public pages).
pub async fn security_headers(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    h.insert(
        "cross-origin-opener-policy",
        HeaderValue::from_static("same-origin"),
    );
    h.insert(
        "permissions-policy",
        HeaderValue::from_static("camera=(), microphone=(), geolocation=()"),
    );
    if !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    if state.config.https() {
        h.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000; includeSubDomains"),
        );
    }
    res
}

/// Refuses state-changing requests that a browser sent from another site: the `Origin` (or,
/// lacking it, `Sec-Fetch-Site`) must be our own. Clients that are not browsers send neither.
pub async fn origin_check(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return next.run(req).await;
    }
    if !same_origin(req.headers(), state.config.public_url.as_deref())
        && !open311_cors(&req, &state.config.open311_cors_origins)
    {
        return AppError::new(StatusCode::FORBIDDEN, "error.cross_origin").into_response();
    }
    next.run(req).await
}

/// An Open311 call from a web origin the operator allowed (`open311_cors_origins`): its
/// credential is the API key it sends, never a cookie, so another site's page may file.
fn open311_cors(req: &Request, allowed: &[String]) -> bool {
    req.uri().path().starts_with("/open311/")
        && req
            .headers()
            .get(header::ORIGIN)
            .and_then(|o| o.to_str().ok())
            .is_some_and(|o| allowed.iter().any(|a| a == o))
}

fn same_origin(headers: &HeaderMap, public_url: Option<&str>) -> bool {
    if let Some(origin) = headers.get(header::ORIGIN).and_then(|o| o.to_str().ok()) {
        if origin == "null" {
            return false;
        }
        if let Some(public) = public_url {
            return origin.trim_end_matches('/') == public.trim_end_matches('/');
        }
        let host = headers
            .get(header::HOST)
            .and_then(|h| h.to_str().ok())
            .unwrap_or("");
        let authority = origin.split_once("://").map(|(_, a)| a).unwrap_or("");
        return !host.is_empty() && authority.eq_ignore_ascii_case(host);
    }
    !matches!(
        headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()),
        Some("cross-site") | Some("same-site")
    )
}

/// The API's writes that anyone may call without signing in: getting a token, and filing a
/// case through public intake (which has its own rate limit).
const PUBLIC_API_WRITES: &[(Method, &str)] = &[
    (Method::POST, "/api/v1/auth/token"),
    (Method::POST, "/api/v1/cases"),
];

/// Anonymous writes to the API are refused with 401 before their body is read: only the
/// public doors of `PUBLIC_API_WRITES` take bodies from strangers. (Whether a credential is
/// live, and what its roles allow, is decided later by `Ctx` and the policy table.)
pub async fn api_door(req: Request, next: Next) -> Response {
    let write = !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if write && req.uri().path().starts_with("/api/v1/") {
        let has_credential = req.headers().contains_key(header::AUTHORIZATION)
            || CookieJar::from_headers(req.headers())
                .get(SESSION_COOKIE)
                .is_some();
        let path = req.uri().path();
        // Rating an answer with its tracking code: the code is the caller's proof.
        let by_code = req.method() == Method::POST
            && path
                .strip_prefix("/api/v1/track/")
                .and_then(|rest| rest.strip_suffix("/feedback"))
                .is_some_and(|code| !code.is_empty() && !code.contains('/'));
        let public = by_code
            || PUBLIC_API_WRITES
                .iter()
                .any(|(m, p)| m == req.method() && *p == path);
        if !has_credential && !public {
            return AppError::unauthenticated().into_response();
        }
    }
    next.run(req).await
}

/// The stylesheet, shipped inside the binary.
pub async fn stylesheet() -> Response {
    // Public: the stylesheet every page links.
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../../static/app.css"),
    )
        .into_response()
}

/// The client's address: the connection's peer, or the first `X-Forwarded-For` hop when the
/// operator says zizhi runs behind a trusted proxy.
pub fn client_ip(parts: &axum::http::request::Parts, trust_proxy: bool) -> String {
    if trust_proxy
        && let Some(ip) = parts
            .headers
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(',').next())
    {
        return ip.trim().to_owned();
    }
    parts
        .extensions
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map(|c| c.0.ip().to_string())
        .unwrap_or_else(|| "unknown".into())
}

/// Can the user fix this error on the form they sent? A 4xx other than "sign in" and "not
/// allowed", which go to their own pages.
pub fn fixable(e: &AppError) -> bool {
    e.status.is_client_error()
        && e.status != StatusCode::UNAUTHORIZED
        && e.status != StatusCode::FORBIDDEN
}

/// What a page form answers: on success a redirect (303) to where the result is (`to`: a
/// `flash::Done` that confirms what changed, or a plain `Redirect`); on an error the user can
/// fix, the form again (`again`), with what they typed and the error next to its field;
/// anything else goes to the error page.
pub async fn redirect_or_again<T, R: IntoResponse>(
    result: Result<T, AppError>,
    to: impl FnOnce(T) -> R,
    again: impl AsyncFnOnce(AppError) -> Result<Response, AppError>,
) -> Result<Response, AppError> {
    match result {
        Ok(v) => Ok(to(v).into_response()),
        Err(e) if fixable(&e) => again(e).await,
        Err(e) => Err(e),
    }
}

/// Renders a page template.
pub fn page<T: askama::Template>(t: &T) -> Result<Response, AppError> {
    let html = t.render().map_err(AppError::internal)?;
    Ok(axum::response::Html(html).into_response())
}

/// The address people and clients reach zizhi at: `public_url`, or else the address this
/// request came to (for links that leave the browser: Open311 discovery, calendar feeds).
pub fn base_url(state: &AppState, headers: &HeaderMap) -> String {
    if let Some(u) = &state.config.public_url {
        return u.trim_end_matches('/').to_owned();
    }
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| {
            h.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'))
        })
        .unwrap_or("localhost");
    format!("http://{host}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serde_field_names() {
        assert_eq!(
            serde_field("missing field `password` at line 1 column 20").as_deref(),
            Some("password")
        );
        assert_eq!(
            serde_field("username: invalid type: integer `3`").as_deref(),
            Some("username")
        );
    }

    #[test]
    fn cross_origin_refused() {
        let mut h = HeaderMap::new();
        h.insert(header::HOST, HeaderValue::from_static("127.0.0.1:8080"));
        h.insert(
            header::ORIGIN,
            HeaderValue::from_static("http://127.0.0.1:8080"),
        );
        assert!(same_origin(&h, None));
        h.insert(
            header::ORIGIN,
            HeaderValue::from_static("http://evil.example"),
        );
        assert!(!same_origin(&h, None));
        h.remove(header::ORIGIN);
        assert!(same_origin(&h, None));
        h.insert("sec-fetch-site", HeaderValue::from_static("cross-site"));
        assert!(!same_origin(&h, None));
    }
}
