//! Requests through the router as a browser or an API client would send them, and what comes
//! back.

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use http_body_util::BodyExt;
use std::net::SocketAddr;
use tower::ServiceExt;

use crate::harness::TestApp;

/// Cookies and the current CSRF token, as a browser would keep them.
#[derive(Default, Clone, Debug)]
pub struct Browser {
    pub cookies: Vec<(String, String)>,
    pub csrf: String,
}

impl Browser {
    pub fn absorb(&mut self, res: &Res) {
        for v in res.headers.get_all(header::SET_COOKIE) {
            let s = v.to_str().unwrap();
            let pair = s.split(';').next().unwrap();
            let (name, value) = pair.split_once('=').unwrap();
            self.cookies.retain(|(n, _)| n != name);
            if !value.is_empty() && !s.contains("Max-Age=0") {
                self.cookies.push((name.to_owned(), value.to_owned()));
            }
        }
    }
    pub fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(n, v)| format!("{n}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }
}

pub struct Req<'a> {
    pub(crate) app: &'a TestApp,
    pub(crate) method: Method,
    pub(crate) path: String,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Vec<u8>,
    pub(crate) ip: String,
}

impl Req<'_> {
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.insert(
            axum::http::HeaderName::from_bytes(name.as_bytes()).unwrap(),
            value.parse().unwrap(),
        );
        self
    }
    pub fn bearer(self, token: &str) -> Self {
        self.header("authorization", &format!("Bearer {token}"))
    }
    pub fn browser(self, b: &Browser) -> Self {
        if b.cookies.is_empty() {
            self
        } else {
            self.header("cookie", &b.cookie_header())
        }
    }
    pub fn ip(mut self, ip: &str) -> Self {
        self.ip = ip.to_owned();
        self
    }
    pub fn json(mut self, v: &serde_json::Value) -> Self {
        self.body = serde_json::to_vec(v).unwrap();
        self.header("content-type", "application/json")
    }
    pub fn raw(mut self, content_type: &str, body: impl Into<Vec<u8>>) -> Self {
        self.body = body.into();
        self.header("content-type", content_type)
    }
    pub fn form(mut self, fields: &[(&str, &str)]) -> Self {
        self.body = serde_urlencoded::to_string(fields).unwrap().into_bytes();
        self.header("content-type", "application/x-www-form-urlencoded")
    }
    pub async fn send(self) -> Res {
        let sent = [self.path.as_bytes(), &self.body[..]].concat();
        let mut req = Request::builder()
            .method(self.method)
            .uri(&self.path)
            .body(Body::from(self.body))
            .unwrap();
        *req.headers_mut() = self.headers;
        req.headers_mut()
            .insert(header::HOST, "zizhi.test".parse().unwrap());
        let addr: SocketAddr = format!("{}:40000", self.ip).parse().unwrap();
        req.extensions_mut().insert(ConnectInfo(addr));
        let method = req.method().clone();
        let watch = crate::audit_sweep::Watch::start(self.app).await;
        let res = self.app.router.clone().oneshot(req).await.unwrap();
        let status = res.status();
        let location = res
            .headers()
            .get(header::LOCATION)
            .and_then(|l| l.to_str().ok());
        watch
            .finish(self.app, &method, &self.path, status, location)
            .await;
        let headers = res.headers().clone();
        let body = res.into_body().collect().await.unwrap().to_bytes().to_vec();
        // Only an audited reveal may show full ID numbers and phones: `?reveal=`, a
        // resident's export of their own data, or what the request itself carried.
        if !self.path.contains("reveal=") && !self.path.ends_with("/me/export") {
            crate::masking::scan(&self.path, &sent, &body);
        }
        Res {
            status,
            headers,
            body,
        }
    }
}

pub struct Res {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Res {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text()))
    }
    pub fn html(&self) -> scraper::Html {
        scraper::Html::parse_document(&self.text())
    }
    /// The texts of the elements a CSS selector picks.
    pub fn select(&self, selector: &str) -> Vec<String> {
        let sel = scraper::Selector::parse(selector).unwrap();
        self.html()
            .select(&sel)
            .map(|e| e.text().collect::<String>().trim().to_owned())
            .collect()
    }
    pub fn csrf(&self) -> Option<String> {
        let sel = scraper::Selector::parse("input[name=_csrf]").unwrap();
        self.html()
            .select(&sel)
            .next()
            .and_then(|e| e.value().attr("value"))
            .map(str::to_owned)
            .filter(|s| !s.is_empty())
    }
    /// Every `Set-Cookie` of the response.
    pub fn cookies(&self) -> Vec<String> {
        self.headers
            .get_all("set-cookie")
            .iter()
            .map(|v| v.to_str().unwrap().to_owned())
            .collect()
    }
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .map(|v| v.to_str().unwrap().to_owned())
    }
}
