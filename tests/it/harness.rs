//! The test harness: the real router on a fresh database per test (a temporary SQLite file, or
//! a PostgreSQL schema of its own), loaded with the demo street. Requests go through the router
//! with `oneshot`, from a client address the test chooses.

use std::path::PathBuf;
use std::sync::Arc;

use axum::Router;
use axum::http::{HeaderMap, Method, StatusCode};
use tokio::sync::OnceCell;
use zizhi::app;
use zizhi::platform::AppState;
use zizhi::platform::config::Config;
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

pub use crate::client::{Browser, Req, Res};

pub struct TestApp {
    pub router: Router,
    pub db: Db,
    pub backend: Backend,
    pub config: Arc<Config>,
    pub audit_counters: Arc<crate::audit_sweep::Counters>,
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

/// The chain key every test process uses (`platform::chain_key`); the CLI tests pass it to
/// the binary as `ZIZHI_CHAIN_KEY`.
pub const TEST_CHAIN_KEY: &str = "7a697a6869207465737420636861696e206b6579206e6f7420666f7220757365";

/// What `cli::database::open_db` does after migrating: the key installed, the chains sealed or checked.
pub async fn sealed(db: &Db) {
    let key = zizhi::platform::chain_key::ChainKey::from_hex(TEST_CHAIN_KEY).unwrap();
    zizhi::platform::chain_key::install(key).expect("the test chain key");
    let s = zizhi::audit::seal::on_start(db, false).await.expect("seal");
    assert!(
        !matches!(s, zizhi::audit::seal::Sealing::Broken(_)),
        "{s:?}"
    );
}

/// A fresh, migrated, empty database of the given backend, in `dir` for SQLite.
pub async fn fresh_db(backend: Backend, dir: &std::path::Path) -> Db {
    match backend {
        Backend::Sqlite => {
            let db = Db::open_sqlite_dir(dir).await.expect("open sqlite");
            db.check_durability(false)
                .await
                .expect("durability settings");
            db.migrate().await.expect("migrate sqlite");
            sealed(&db).await;
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
            sealed(&db).await;
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
                        zizhi::demo::load_core(&db, zizhi::demo::DEFAULT_SEED)
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
                        // Back inside a transaction and the member's savepoint, as the group
                        // commit left them, so that dropping `tx` rolls back cleanly.
                        sqlx::raw_sql("BEGIN; SAVEPOINT member")
                            .execute(&mut *tx)
                            .await
                            .unwrap();
                        drop(tx);
                        db.close().await;
                        (tdir, path)
                    })
                    .await;
                std::fs::copy(template, dir.path().join("zizhi.db")).expect("copy template");
                let db = Db::open_sqlite_dir(dir.path()).await.expect("open copy");
                db.migrate().await.expect("migrate copy");
                sealed(&db).await;
                db
            }
            Backend::Postgres => {
                let db = fresh_db(Backend::Postgres, dir.path()).await;
                zizhi::demo::load_core(&db, zizhi::demo::DEFAULT_SEED)
                    .await
                    .expect("demo");
                db
            }
        };
        TestApp::with_db(backend, db, dir, Config::default())
    }

    /// The demo street with its whole year behind it (cases, meetings, elections, notices…): the
    /// data the authorization sweeps need an object of every kind from.
    pub async fn spawn_with_year(backend: Backend) -> TestApp {
        let dir = tempfile::tempdir().expect("tempdir");
        let db = fresh_db(backend, dir.path()).await;
        zizhi::demo::load(&db, zizhi::demo::DEFAULT_SEED)
            .await
            .expect("demo with its year");
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
        let router = app::router(AppState::new(db.clone(), config.clone()));
        TestApp {
            router,
            db,
            backend,
            config,
            audit_counters: Default::default(),
            _dir: dir,
        }
    }

    /// The same database under a changed configuration (the router is built anew).
    pub fn with_config(mut self, f: impl FnOnce(&mut Config)) -> TestApp {
        let mut c = (*self.config).clone();
        f(&mut c);
        self.config = Arc::new(c);
        self.router = app::router(AppState::new(self.db.clone(), self.config.clone()));
        self
    }

    /// Runs one statement directly against the database (to age a session, tamper with a row…).
    pub async fn exec(&self, sql: &str) {
        let mut tx = self.db.begin().await.unwrap();
        sqlx::query(sql).execute(&mut *tx).await.unwrap();
        tx.commit().await.unwrap();
    }

    /// Runs an `INSERT … RETURNING id` in a transaction of its own and gives the id.
    pub async fn insert(&self, sql: &str) -> i64 {
        use sqlx::Row;
        let mut tx = self.db.begin().await.unwrap();
        let id: i64 = sqlx::query(sql)
            .fetch_one(&mut *tx)
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"))
            .try_get(0)
            .unwrap();
        tx.commit().await.unwrap();
        id
    }

    /// Sends the same POST four times at once: exactly one answers `won`, the other three 409
    /// (a guarded transition under concurrent duplicates).
    pub async fn one_of_four_wins(
        &self,
        token: &str,
        path: &str,
        body: serde_json::Value,
        won: StatusCode,
    ) {
        let all = (0..4).map(|_| self.post(path).bearer(token).json(&body).send());
        let mut statuses: Vec<StatusCode> = futures_util::future::join_all(all)
            .await
            .iter()
            .map(|r| r.status)
            .collect();
        statuses.sort();
        let mut want = vec![
            won,
            StatusCode::CONFLICT,
            StatusCode::CONFLICT,
            StatusCode::CONFLICT,
        ];
        want.sort();
        assert_eq!(statuses, want, "{path}: exactly one wins");
    }

    /// Makes the demo `resident` and `leader` and `more` other adults of their building the
    /// only resident representatives of community 1, each of the others with an account of
    /// their own (`rep1`, `rep2`…, the demo password); gives the others' user names.
    pub async fn representatives(&self, more: usize) -> Vec<String> {
        self.exec("UPDATE residents SET rep_resident = 0 WHERE community_id = 1")
            .await;
        self.exec("UPDATE residents SET rep_resident = 1 WHERE id IN (SELECT resident_id FROM users WHERE username IN ('resident', 'leader'))").await;
        let now = zizhi::platform::time::now_db();
        let mut names = Vec::new();
        for i in 1..=more {
            let rid = self.count("SELECT MIN(r.id) FROM residents r JOIN residents me ON me.building_id = r.building_id \
                 JOIN users u ON u.resident_id = me.id AND u.username = 'resident' \
                 WHERE r.status = 'living' AND r.birth_date < '2000-01-01' AND r.rep_resident = 0 AND r.id NOT IN (SELECT resident_id FROM users WHERE resident_id IS NOT NULL)").await;
            self.exec(&format!(
                "UPDATE residents SET rep_resident = 1 WHERE id = {rid}"
            ))
            .await;
            let name = format!("rep{i}");
            let uid = self.insert(&format!("INSERT INTO users (username, display_name, password_hash, resident_id, disabled, created_at, password_changed_at, totp_exempt) \
                 SELECT '{name}', '居民代表 {i}', password_hash, {rid}, 0, '{now}', '{now}', 1 FROM users WHERE username = 'resident' RETURNING id")).await;
            self.exec(&format!("INSERT INTO grants (user_id, role, street_id, community_id, building_id, valid_from, valid_to, created_at) \
                 SELECT {uid}, role, street_id, community_id, building_id, valid_from, valid_to, created_at FROM grants \
                 WHERE user_id = (SELECT id FROM users WHERE username = 'resident')")).await;
            names.push(name);
        }
        names
    }

    /// The names of the database's tables (of the test's own schema on PostgreSQL).
    pub async fn table_names(&self) -> Vec<String> {
        use sqlx::Row;
        let list = match self.backend {
            Backend::Sqlite => {
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            }
            Backend::Postgres => {
                "SELECT CAST(table_name AS TEXT) FROM information_schema.tables \
                 WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'"
            }
        };
        let names: Vec<String> = sqlx::query(list)
            .fetch_all(self.db.read())
            .await
            .unwrap()
            .iter()
            .map(|r| r.try_get(0).unwrap())
            .collect();
        assert!(names.len() > 40, "tables: {names:?}");
        names
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

    /// The text in the first column of the first row.
    pub async fn text(&self, sql: &str) -> String {
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

    pub fn put(&self, path: &str) -> Req<'_> {
        self.req(Method::PUT, path)
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
