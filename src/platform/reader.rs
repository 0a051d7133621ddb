//! The reading side of the data path: `Db::read()` hands out a [`Reader`], which every area uses
//! as its sqlx executor (`sqlx::query(…).fetch_all(state.db.read())`), on both backends, with
//! the same SQL text.
//!
//! On PostgreSQL a `Reader` is sqlx's connection pool: statements go out through its async
//! driver. On SQLite it runs each statement **inline**, on the thread of the request that asked,
//! through its own small set of read-only connections with a prepared-statement cache
//! (rusqlite): a read on an index takes microseconds, and the round trip to a connection's thread
//! (sqlx's SQLite driver keeps one per connection) cost more than the statement. The rows come back
//! as sqlx's `AnyRow`, built as sqlx's own SQLite driver builds them, so an area decodes them
//! the same way whichever backend answered. See docs/architecture.md.
//!
//! Writes never come here: they go through `Db::begin()` (group commit on SQLite).

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use futures_util::FutureExt;
use futures_util::future::BoxFuture;
use futures_util::stream::BoxStream;
use sqlx::{Any, AnyPool, Database, Either, Error, Execute, Executor};
use sqlx_core::any::{AnyQueryResult, AnyRow};
use sqlx_core::describe::Describe;

use super::conn::Conn;
use super::inline::{self, STATEMENTS_KEPT, parts};

/// Idle inline connections kept for reuse; more are opened while more threads read at once.
const IDLE_KEPT: usize = 4;
/// What every inline connection sets: it never writes, waits out a checkpoint's lock, and keeps
/// a small page cache of its own (the operating system caches the file).
const INLINE_PRAGMAS: &str =
    "PRAGMA query_only=ON; PRAGMA busy_timeout=5000; PRAGMA cache_size=-1024;";

/// What `Db::read()` gives: the executor for reads. See the module's documentation.
#[derive(Clone, Debug)]
pub struct Reader {
    pool: AnyPool,
    inline: Option<Arc<Inline>>,
}

/// SQLite's read-only connections, used inline.
struct Inline {
    path: PathBuf,
    idle: Mutex<Vec<rusqlite::Connection>>,
}

impl std::fmt::Debug for Inline {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Inline({})", self.path.display())
    }
}

impl Reader {
    /// Reads through `pool` (PostgreSQL).
    pub(super) fn pooled(pool: AnyPool) -> Reader {
        Reader { pool, inline: None }
    }

    /// Reads the SQLite file at `path` inline; `pool` stays for what needs a connection of its
    /// own (`acquire`) and for describing statements.
    pub(super) fn inline(pool: AnyPool, path: PathBuf) -> Reader {
        Reader {
            pool,
            inline: Some(Arc::new(Inline {
                path,
                idle: Mutex::new(Vec::new()),
            })),
        }
    }

    /// A pooled connection of its own, for reads that must see one snapshot across several
    /// statements (`BEGIN` on it) or that stream a large result.
    pub async fn acquire(&self) -> Result<Conn, Error> {
        Ok(Conn::pooled(self.pool.acquire().await?))
    }

    /// Closes the pooled connections; inline ones close as they are dropped.
    pub async fn close(&self) {
        self.pool.close().await;
        if let Some(i) = &self.inline {
            i.idle.lock().unwrap_or_else(|e| e.into_inner()).clear();
        }
    }

    /// The pool underneath (describing statements; tests).
    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }
}

impl Inline {
    fn open(&self) -> rusqlite::Result<rusqlite::Connection> {
        use rusqlite::OpenFlags;
        let conn = rusqlite::Connection::open_with_flags(
            &self.path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        conn.execute_batch(INLINE_PRAGMAS)?;
        conn.set_prepared_statement_cache_capacity(STATEMENTS_KEPT);
        Ok(conn)
    }

    /// Runs `f` on an idle connection (or a new one) on this thread, and puts it back.
    fn with<T>(
        &self,
        f: impl FnOnce(&rusqlite::Connection) -> Result<T, Error>,
    ) -> Result<T, Error> {
        let idle = self.idle.lock().unwrap_or_else(|e| e.into_inner()).pop();
        let conn = match idle {
            Some(c) => c,
            None => self.open().map_err(inline::error)?,
        };
        let out = f(&conn);
        let mut idle = self.idle.lock().unwrap_or_else(|e| e.into_inner());
        if idle.len() < IDLE_KEPT {
            idle.push(conn);
        }
        out
    }
}

impl<'c> Executor<'c> for &'c Reader {
    type Database = Any;

    fn fetch_many<'e, 'q: 'e, E>(
        self,
        query: E,
    ) -> BoxStream<'e, Result<Either<AnyQueryResult, AnyRow>, Error>>
    where
        'c: 'e,
        E: 'q + Execute<'q, Any>,
    {
        let Some(inline) = &self.inline else {
            return self.pool.fetch_many(query);
        };
        inline::steps(
            parts(query).and_then(|(sql, args)| inline.with(|c| inline::run(c, sql, &args, None))),
        )
    }

    fn fetch_all<'e, 'q: 'e, E>(self, query: E) -> BoxFuture<'e, Result<Vec<AnyRow>, Error>>
    where
        'c: 'e,
        E: 'q + Execute<'q, Any>,
    {
        let Some(inline) = &self.inline else {
            return self.pool.fetch_all(query);
        };
        let rows =
            parts(query).and_then(|(sql, args)| inline.with(|c| inline::run(c, sql, &args, None)));
        std::future::ready(rows.map(|(rows, _)| rows)).boxed()
    }

    fn fetch_optional<'e, 'q: 'e, E>(self, query: E) -> BoxFuture<'e, Result<Option<AnyRow>, Error>>
    where
        'c: 'e,
        E: 'q + Execute<'q, Any>,
    {
        let Some(inline) = &self.inline else {
            return self.pool.fetch_optional(query);
        };
        let row = parts(query)
            .and_then(|(sql, args)| inline.with(|c| inline::run(c, sql, &args, Some(1))));
        std::future::ready(row.map(|(rows, _)| rows.into_iter().next())).boxed()
    }

    fn prepare_with<'e, 'q: 'e>(
        self,
        sql: &'q str,
        parameters: &'e [<Any as Database>::TypeInfo],
    ) -> BoxFuture<'e, Result<<Any as Database>::Statement<'q>, Error>>
    where
        'c: 'e,
    {
        self.pool.prepare_with(sql, parameters)
    }

    fn describe<'e, 'q: 'e>(self, sql: &'q str) -> BoxFuture<'e, Result<Describe<Any>, Error>>
    where
        'c: 'e,
    {
        self.pool.describe(sql)
    }
}
