//! Storage: one SQL code path for SQLite (embedded default) and PostgreSQL, through sqlx's `Any`
//! driver. Queries use `$1`-style placeholders, which both backends accept. The few dialect
//! differences live here.

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use anyhow::{Context, bail};
use sqlx::AnyConnection;
use sqlx::any::{AnyConnectOptions, AnyPoolOptions, install_default_drivers};
use sqlx::migrate::Migrator;

use super::group_commit::Writer;
use super::reader::Reader;
use sqlx::{AnyPool, Connection, Executor};

pub use super::group_commit::{Tx, store_failed};

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/postgres");

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// What must hold on SQLite before zizhi writes anything: an acknowledged write survives a crash.
const SQLITE_PRAGMAS: &str = "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; \
     PRAGMA foreign_keys=ON; PRAGMA busy_timeout=5000; PRAGMA secure_delete=ON;";

/// The database: the reader and the way to write. On SQLite, one writing connection shared by
/// group commit (`group_commit`; SQLite has one writer) and `query_only` read connections, used
/// inline (`reader`). On PostgreSQL one pool for both.
#[derive(Clone, Debug)]
pub struct Db {
    read: Reader,
    write: Write,
    pub(super) backend: Backend,
}

#[derive(Clone, Debug)]
enum Write {
    Shared(std::sync::Arc<Writer>),
    Pool(AnyPool),
}

impl Db {
    /// Opens (creating if needed) `data_dir/zizhi.db`.
    pub async fn open_sqlite_dir(data_dir: &Path) -> anyhow::Result<Db> {
        create_data_dir(data_dir)?;
        let db = Db::connect(&sqlite_url(&data_dir.join("zizhi.db"))).await?;
        // Residents' personal data: readable by zizhi's own user only, whatever the umask.
        for f in ["zizhi.db", "zizhi.db-wal", "zizhi.db-shm"] {
            let p = data_dir.join(f);
            if p.exists() {
                set_mode(&p, 0o600)?;
            }
        }
        Ok(db)
    }

    /// Connects to `sqlite://…` or `postgres://…`.
    pub async fn connect(url: &str) -> anyhow::Result<Db> {
        install_default_drivers();
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Backend::Postgres
        } else {
            bail!("unsupported database URL scheme (use sqlite:// or postgres://)");
        };
        let opts = AnyConnectOptions::from_str(url).context("invalid database URL")?;
        let db = match backend {
            Backend::Sqlite => {
                let mut conn = AnyConnection::connect_with(&opts)
                    .await
                    .context("cannot open the SQLite database")?;
                conn.execute(SQLITE_PRAGMAS).await?;
                let file = sqlx::sqlite::SqliteConnectOptions::from_str(url)?
                    .get_filename()
                    .to_path_buf();
                let inline = rusqlite::Connection::open_with_flags(
                    &file,
                    rusqlite::OpenFlags::SQLITE_OPEN_READ_WRITE
                        | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
                )
                .and_then(|c| {
                    c.execute_batch(SQLITE_PRAGMAS)?;
                    c.set_prepared_statement_cache_capacity(super::inline::STATEMENTS_KEPT);
                    Ok(c)
                })
                .context("cannot open the SQLite database")?;
                let write = Write::Shared(Writer::new(inline, conn));
                // The writer connection exists first, so the file and WAL mode exist for readers.
                let read = AnyPoolOptions::new()
                    .max_connections(8)
                    .acquire_timeout(Duration::from_secs(30))
                    .after_connect(|conn, _| {
                        Box::pin(async move {
                            conn.execute(SQLITE_PRAGMAS).await?;
                            conn.execute("PRAGMA query_only=ON;").await?;
                            Ok(())
                        })
                    })
                    .connect_with(opts)
                    .await?;
                let read = if file.as_os_str() == ":memory:" {
                    Reader::pooled(read)
                } else {
                    Reader::inline(read, file)
                };
                Db {
                    read,
                    write,
                    backend,
                }
            }
            Backend::Postgres => {
                let pool = AnyPoolOptions::new()
                    .max_connections(16)
                    .acquire_timeout(Duration::from_secs(30))
                    .connect_with(opts)
                    .await
                    .context("cannot connect to PostgreSQL")?;
                Db {
                    read: Reader::pooled(pool.clone()),
                    write: Write::Pool(pool),
                    backend,
                }
            }
        };
        Ok(db)
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The executor for reads (`reader`). Reads never wait for the writer.
    pub fn read(&self) -> &Reader {
        &self.read
    }

    /// A writing transaction. Commit it; dropping it rolls back.
    pub async fn begin(&self) -> Result<Tx, sqlx::Error> {
        match &self.write {
            Write::Shared(w) => Ok(Tx::Shared(w.begin().await?)),
            Write::Pool(p) => Ok(Tx::Own(super::conn::Conn::transaction(p.begin().await?))),
        }
    }

    /// Runs `f` on the writing connection alone, outside any transaction.
    pub(super) async fn with_writer<T>(
        &self,
        f: impl AsyncFnOnce(&mut AnyConnection) -> anyhow::Result<T>,
    ) -> anyhow::Result<T> {
        match &self.write {
            Write::Shared(w) => {
                let mut g = w.exclusive().await?;
                f(g.admin_mut()).await
            }
            Write::Pool(p) => {
                let mut c = p.acquire().await?;
                f(&mut c).await
            }
        }
    }

    /// Runs `f` on SQLite's writing connection, the one that acknowledges writes, with no batch
    /// open (its settings). SQLite only.
    pub(super) async fn with_inline_writer<T>(
        &self,
        f: impl FnOnce(&mut super::conn::Conn) -> anyhow::Result<T>,
    ) -> anyhow::Result<T> {
        match &self.write {
            Write::Shared(w) => {
                let mut g = w.exclusive().await?;
                f(g.conn_mut())
            }
            Write::Pool(_) => bail!("only SQLite has an inline writing connection"),
        }
    }

    /// Applies the versioned migrations of this backend.
    pub async fn migrate(&self) -> anyhow::Result<()> {
        let migrator = match self.backend {
            Backend::Sqlite => &SQLITE_MIGRATIONS,
            Backend::Postgres => &POSTGRES_MIGRATIONS,
        };
        self.with_writer(async |conn| {
            migrator.run(conn).await.context("migration failed")?;
            Ok(())
        })
        .await?;
        self.forget_samples().await
    }

    /// SQLite's `sqlite_stat4` keeps sample rows of indexed columns (names, ID numbers), and
    /// keeps them after a deletion: emptied, so that only `sqlite_stat1`'s counts remain.
    /// (PostgreSQL gathers no statistics on those columns: migration 22.)
    async fn forget_samples(&self) -> anyhow::Result<()> {
        if self.backend != Backend::Sqlite {
            return Ok(());
        }
        self.with_writer(async |conn| {
            let exists: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'sqlite_stat4'",
            )
            .fetch_one(&mut *conn)
            .await?;
            if exists > 0 {
                sqlx::query("DELETE FROM sqlite_stat4")
                    .execute(&mut *conn)
                    .await?;
            }
            Ok(())
        })
        .await
    }

    /// Refreshes the planner's statistics of the tables a bulk load filled, on either backend.
    pub async fn analyze(&self, tables: &[&str]) -> anyhow::Result<()> {
        self.with_writer(async |conn| {
            for t in tables {
                debug_assert!(t.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'));
                sqlx::query(&format!("ANALYZE {t}"))
                    .execute(&mut *conn)
                    .await?;
            }
            Ok(())
        })
        .await?;
        self.forget_samples().await
    }

    /// Closes both pools (checkpointing SQLite's WAL on the last connection).
    pub async fn close(&self) {
        self.read.close().await;
        match &self.write {
            Write::Shared(w) => {
                if let Ok(mut g) = w.exclusive().await {
                    g.close().await;
                }
            }
            Write::Pool(p) => p.close().await,
        }
    }

    /// Whether the database answers (used by `/healthz`).
    pub async fn ping(&self) -> bool {
        sqlx::query("SELECT 1").fetch_one(&self.read).await.is_ok()
    }
}

pub fn sqlite_url(path: &Path) -> String {
    format!("sqlite://{}?mode=rwc", path.display())
}

/// `$1, $2, … $n` starting after `offset` placeholders, for statements built at run time
/// (bulk inserts, `IN (…)` lists). Both backends accept this form.
pub fn placeholders(offset: usize, n: usize) -> String {
    (offset + 1..=offset + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Whether an error is a unique-constraint violation (the same on both backends).
pub fn is_unique_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(d) if d.is_unique_violation())
}

/// For a write a unique index may refuse: that refusal becomes `answer` (the same 409 or 422
/// the check before the write gives, when a concurrent request won in between); any other
/// error passes on as it is.
pub fn unique_or(
    answer: super::error::AppError,
) -> impl FnOnce(sqlx::Error) -> super::error::AppError {
    move |e| {
        if is_unique_violation(&e) {
            answer
        } else {
            e.into()
        }
    }
}

pub use super::filter::{Filter, Val, bind_vals, bulk_insert, dated, like_pattern};

/// Creates the data folder, if it is not there, readable by zizhi's own user only (0700). A
/// folder the operator made is left as they made it.
pub fn create_data_dir(data_dir: &Path) -> anyhow::Result<()> {
    if data_dir.exists() {
        return Ok(());
    }
    std::fs::create_dir_all(data_dir)
        .with_context(|| format!("cannot create data folder {}", data_dir.display()))?;
    set_mode(data_dir, 0o700)
}

/// Sets a file's or folder's permission bits (Unix; elsewhere nothing to do).
pub fn set_mode(path: &Path, mode: u32) -> anyhow::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
            .with_context(|| format!("cannot set the permissions of {}", path.display()))?;
    }
    #[cfg(not(unix))]
    let _ = (path, mode);
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn placeholders_number_from_offset() {
        assert_eq!(super::placeholders(2, 3), "$3, $4, $5");
    }
}
