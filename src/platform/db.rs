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
use sqlx::{Any, AnyPool, Connection, Executor};

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

/// The database: a pool for reads and the way to write. On SQLite, one writing connection shared
/// by group commit (`group_commit`; SQLite has one writer) and `query_only` read connections. On
/// PostgreSQL one pool for both.
#[derive(Clone, Debug)]
pub struct Db {
    read: AnyPool,
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
                let write = Write::Shared(Writer::new(conn));
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
                    read: pool.clone(),
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

    /// The pool for reads. Reads never wait for the writer.
    pub fn read(&self) -> &AnyPool {
        &self.read
    }

    /// A writing transaction. Commit it; dropping it rolls back.
    pub async fn begin(&self) -> Result<Tx, sqlx::Error> {
        match &self.write {
            Write::Shared(w) => Ok(Tx::Shared(w.begin().await?)),
            Write::Pool(p) => Ok(Tx::Own(p.begin().await?)),
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
                f(g.conn_mut()).await
            }
            Write::Pool(p) => {
                let mut c = p.acquire().await?;
                f(&mut c).await
            }
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
        match self.read.acquire().await {
            Ok(mut c) => c.ping().await.is_ok(),
            Err(_) => false,
        }
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

/// Common list filters: a community, and a date range on `col`.
pub fn dated(
    f: &mut Filter,
    col: &str,
    community: Option<i64>,
    from: &Option<String>,
    to: &Option<String>,
) -> Result<(), super::error::AppError> {
    if let Some(c) = community {
        f.and("t.community_id = ?", [Val::I(c)]);
    }
    for (field, v, op) in [("from", from, ">="), ("to", to, "<=")] {
        if let Some(d) = v.as_deref().filter(|d| !d.is_empty()) {
            let d = super::time::parse_day(field, d)?;
            f.and(&format!("{col} {op} ?"), [Val::T(d.to_string())]);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn placeholders_number_from_offset() {
        assert_eq!(super::placeholders(2, 3), "$3, $4, $5");
    }
}

/// A value for a statement built at run time.
#[derive(Clone, Debug)]
pub enum Val {
    I(i64),
    T(String),
    /// A flag, stored as 0/1.
    B(bool),
    NullI,
    NullT,
}

/// Inserts many rows with multi-row `INSERT`s, in chunks that stay under both backends'
/// parameter limits.
pub async fn bulk_insert(
    tx: &mut Tx,
    table: &str,
    columns: &[&str],
    rows: &[Vec<Val>],
) -> Result<(), sqlx::Error> {
    let per_row = columns.len();
    // Small statements: SQLite prepares very long ones slowly.
    let chunk = (900 / per_row).max(1);
    for part in rows.chunks(chunk) {
        let mut sql = format!("INSERT INTO {table} ({}) VALUES ", columns.join(", "));
        for (i, _) in part.iter().enumerate() {
            if i > 0 {
                sql.push_str(", ");
            }
            sql.push('(');
            sql.push_str(&placeholders(i * per_row, per_row));
            sql.push(')');
        }
        let mut q = sqlx::query(&sql);
        for row in part {
            debug_assert_eq!(row.len(), per_row);
            for v in row {
                q = match v {
                    Val::I(x) => q.bind(*x),
                    Val::T(x) => q.bind(x.clone()),
                    Val::B(x) => q.bind(i64::from(*x)),
                    Val::NullI => q.bind(None::<i64>),
                    Val::NullT => q.bind(None::<String>),
                };
            }
        }
        q.execute(&mut **tx).await?;
    }
    Ok(())
}

/// Binds run-time values in order to a statement built at run time.
pub fn bind_vals<'q>(
    mut q: sqlx::query::Query<'q, Any, sqlx::any::AnyArguments<'q>>,
    vals: &'q [Val],
) -> sqlx::query::Query<'q, Any, sqlx::any::AnyArguments<'q>> {
    for v in vals {
        q = match v {
            Val::I(x) => q.bind(*x),
            Val::T(x) => q.bind(x.as_str()),
            Val::B(x) => q.bind(i64::from(*x)),
            Val::NullI => q.bind(None::<i64>),
            Val::NullT => q.bind(None::<String>),
        };
    }
    q
}

/// A `WHERE` clause built piece by piece, numbering its placeholders as it goes.
#[derive(Default, Debug)]
pub struct Filter {
    conds: Vec<String>,
    pub vals: Vec<Val>,
}

impl Filter {
    /// Adds a condition; each `?` in it becomes the next `$n` and takes the next value.
    pub fn and(&mut self, cond: &str, vals: impl IntoIterator<Item = Val>) -> &mut Self {
        let mut out = String::new();
        for ch in cond.chars() {
            if ch == '?' {
                out.push_str(&format!(
                    "${}",
                    self.vals.len() + 1 + out.matches('$').count()
                ));
            } else {
                out.push(ch);
            }
        }
        self.conds.push(format!("({out})"));
        self.vals.extend(vals);
        self
    }

    /// `WHERE …` (or nothing).
    pub fn sql(&self) -> String {
        if self.conds.is_empty() {
            String::new()
        } else {
            format!("WHERE {}", self.conds.join(" AND "))
        }
    }

    /// The number of values bound so far (the next placeholder is this plus one).
    pub fn len(&self) -> usize {
        self.vals.len()
    }

    pub fn is_empty(&self) -> bool {
        self.vals.is_empty()
    }
}

/// `%text%` for `LIKE … ESCAPE '\'`, with the user's `%`, `_` and `\` taken literally.
pub fn like_pattern(text: &str) -> String {
    let mut out = String::from("%");
    for ch in text.chars() {
        if matches!(ch, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(ch);
    }
    out.push('%');
    out
}

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
