//! The test harness: the real router on a fresh database per test (a temporary SQLite file, or
//! a PostgreSQL schema of its own), loaded with the demo street. Requests go through the router
//! with `oneshot`, from a client address the test chooses.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use http_body_util::BodyExt;
use tokio::sync::OnceCell;
use tower::ServiceExt;
use zizhi::app::{self, AppState};
use zizhi::config::Config;
use zizhi::platform::db::Db;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Runs a test body once per backend: `both!(name, |app| async move { … })` makes
/// `name::sqlite` and `name::postgres`; the latter is ignored (reported, not passed) unless
/// `ZIZHI_TEST_POSTGRES` named a server when the tests were built.
#[macro_export]
macro_rules! both {
    ($name:ident, $body:expr) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let app = $crate::harness::TestApp::spawn($crate::harness::Backend::Sqlite).await;
                ($body)(app).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            #[cfg_attr(
                not(zizhi_pg),
                ignore = "set ZIZHI_TEST_POSTGRES to run against PostgreSQL"
            )]
            async fn postgres() {
                let app = $crate::harness::TestApp::spawn($crate::harness::Backend::Postgres).await;
                ($body)(app).await
            }
        }
    };
}

pub struct TestApp {
    pub router: Router,
    pub db: Db,
    pub backend: Backend,
    pub config: Arc<Config>,
    _dir: tempfile::TempDir,
}

/// A demo-loaded SQLite file, made once per test process and copied for each test.
static SQLITE_TEMPLATE: OnceCell<(tempfile::TempDir, PathBuf)> = OnceCell::const_new();
static PG_READY: OnceCell<()> = OnceCell::const_new();

pub fn pg_url() -> String {
    std::env::var("ZIZHI_TEST_POSTGRES")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

fn unique(prefix: &str) -> String {
    let n: u64 = rand::random();
    format!("{prefix}{n:016x}")
}

/// A fresh, migrated, empty database of the given backend, in `dir` for SQLite.
pub async fn fresh_db(backend: Backend, dir: &std::path::Path) -> Db {
    match backend {
        Backend::Sqlite => {
            let db = Db::open_sqlite_dir(dir).await.expect("open sqlite");
            db.check_durability().await.expect("durability settings");
            db.migrate().await.expect("migrate sqlite");
            db
        }
        Backend::Postgres => {
            let base = pg_url();
            PG_READY
                .get_or_init(|| async {
                    // Schemas left by earlier runs go first.
                    let admin = Db::connect(&base)
                        .await
                        .expect("connect to ZIZHI_TEST_POSTGRES");
                    let rows: Vec<(String,)> = sqlx::query_as(
                        "SELECT nspname FROM pg_namespace WHERE nspname LIKE 'zzt_%'",
                    )
                    .fetch_all(admin.read())
                    .await
                    .unwrap_or_default();
                    for (s,) in rows {
                        let _ = sqlx::query(&format!("DROP SCHEMA IF EXISTS {s} CASCADE"))
                            .execute(admin.read())
                            .await;
                    }
                    admin.close().await;
                })
                .await;
            let schema = unique("zzt_");
            let admin = Db::connect(&base)
                .await
                .expect("connect to ZIZHI_TEST_POSTGRES");
            sqlx::query(&format!("CREATE SCHEMA {schema}"))
                .execute(admin.read())
                .await
                .expect("create schema");
            admin.close().await;
            let sep = if base.contains('?') { '&' } else { '?' };
            let url = format!("{base}{sep}options=-c%20search_path%3D{schema}");
            let db = Db::connect(&url).await.expect("connect to test schema");
            db.migrate().await.expect("migrate postgres");
            db
        }
    }
}

impl TestApp {
    /// The demo street on a fresh database.
    pub async fn spawn(backend: Backend) -> TestApp {
        let _ = tracing_subscriber::fmt()
            .with_env_filter("zizhi=warn")
            .with_test_writer()
            .try_init();
        let dir = tempfile::tempdir().expect("tempdir");
        let db = match backend {
            Backend::Sqlite => {
                let (_, template) = SQLITE_TEMPLATE
                    .get_or_init(|| async {
                        let tdir = tempfile::tempdir().expect("tempdir");
                        let db = fresh_db(Backend::Sqlite, tdir.path()).await;
                        zizhi::demo::load(&db, zizhi::demo::DEFAULT_SEED)
                            .await
                            .expect("demo");
                        // A complete, self-contained copy (no WAL to carry along).
                        let path = tdir.path().join("template.db");
                        let mut tx = db.begin().await.unwrap();
                        sqlx::query("COMMIT").execute(&mut *tx).await.unwrap();
                        sqlx::query(&format!("VACUUM INTO '{}'", path.display()))
                            .execute(&mut *tx)
                            .await
                            .unwrap();
                        sqlx::query("BEGIN").execute(&mut *tx).await.unwrap();
                        drop(tx);
                        db.close().await;
                        (tdir, path)
                    })
                    .await;
                std::fs::copy(template, dir.path().join("zizhi.db")).expect("copy template");
                let db = Db::open_sqlite_dir(dir.path()).await.expect("open copy");
                db.migrate().await.expect("migrate copy");
                db
            }
            Backend::Postgres => {
                let db = fresh_db(Backend::Postgres, dir.path()).await;
                zizhi::demo::load(&db, zizhi::demo::DEFAULT_SEED)
                    .await
                    .expect("demo");
                db
            }
        };
        TestApp::with_db(backend, db, dir, Config::default())
    }

    pub fn with_db(
        backend: Backend,
        db: Db,
        dir: tempfile::TempDir,
        mut config: Config,
    ) -> TestApp {
        config.data_dir = dir.path().to_owned();
        let config = Arc::new(config);
        let router = app::router(AppState {
            db: db.clone(),
            config: config.clone(),
        });
        TestApp {
            router,
            db,
            backend,
            config,
            _dir: dir,
        }
    }

    /// Runs one statement directly against the database (to age a session, tamper with a row…).
    pub async fn exec(&self, sql: &str) {
        let mut tx = self.db.begin().await.unwrap();
        sqlx::query(sql).execute(&mut *tx).await.unwrap();
        tx.commit().await.unwrap();
    }

    pub async fn count(&self, sql: &str) -> i64 {
        use sqlx::Row;
        sqlx::query(sql)
            .fetch_one(self.db.read())
            .await
            .unwrap()
            .try_get(0)
            .unwrap()
    }

    pub fn req(&self, method: Method, path: &str) -> Req<'_> {
        Req {
            app: self,
            method,
            path: path.to_owned(),
            headers: HeaderMap::new(),
            body: Vec::new(),
            ip: "10.0.0.1".into(),
        }
    }

    pub fn get(&self, path: &str) -> Req<'_> {
        self.req(Method::GET, path)
    }

    pub fn post(&self, path: &str) -> Req<'_> {
        self.req(Method::POST, path)
    }

    /// A bearer token for a demo account.
    pub async fn token(&self, username: &str) -> String {
        let res = self
            .post("/api/v1/auth/token")
            .json(
                &serde_json::json!({"username": username, "password": zizhi::demo::DEMO_PASSWORD}),
            )
            .send()
            .await;
        assert_eq!(
            res.status,
            StatusCode::OK,
            "token for {username}: {}",
            res.text()
        );
        res.json()["token"].as_str().expect("token").to_owned()
    }

    /// Signs a demo account in through the login form; returns the browser state.
    pub async fn login(&self, username: &str) -> Browser {
        let mut b = Browser::default();
        let page = self.get("/login").browser(&b).send().await;
        b.absorb(&page);
        let csrf = page.csrf().expect("login form has a CSRF token");
        let res = self
            .post("/login")
            .browser(&b)
            .form(&[
                ("_csrf", &csrf),
                ("username", username),
                ("password", zizhi::demo::DEMO_PASSWORD),
                ("next", "/"),
            ])
            .send()
            .await;
        assert_eq!(
            res.status,
            StatusCode::SEE_OTHER,
            "login {username}: {}",
            res.text()
        );
        b.absorb(&res);
        let home = self.get("/").browser(&b).send().await;
        b.csrf = home.csrf().unwrap_or_default();
        b
    }
}

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
    app: &'a TestApp,
    method: Method,
    path: String,
    headers: HeaderMap,
    body: Vec<u8>,
    ip: String,
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
        let res = self.app.router.clone().oneshot(req).await.unwrap();
        let status = res.status();
        let headers = res.headers().clone();
        let body = res.into_body().collect().await.unwrap().to_bytes().to_vec();
        // Only an audited reveal may show full ID numbers and phones.
        if !self.path.contains("reveal=") {
            crate::masking::scan(&self.path, &body);
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
