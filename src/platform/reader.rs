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

use futures_util::future::BoxFuture;
use futures_util::stream::BoxStream;
use futures_util::{FutureExt, StreamExt};
use rusqlite::types::ValueRef;
use sqlx::{Any, AnyPool, Database, Either, Error, Execute, Executor};
use sqlx_core::HashMap;
use sqlx_core::any::{
    AnyColumn, AnyQueryResult, AnyRow, AnyTypeInfo, AnyTypeInfoKind, AnyValue, AnyValueKind,
};
use sqlx_core::describe::Describe;
use sqlx_core::ext::ustr::UStr;

/// Idle inline connections kept for reuse; more are opened while more threads read at once.
const IDLE_KEPT: usize = 4;
/// Prepared statements kept per inline connection.
const STATEMENTS_KEPT: usize = 256;
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
    pub async fn acquire(&self) -> Result<sqlx::pool::PoolConnection<Any>, Error> {
        self.pool.acquire().await
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
            None => self.open().map_err(driver_error)?,
        };
        let out = f(&conn);
        let mut idle = self.idle.lock().unwrap_or_else(|e| e.into_inner());
        if idle.len() < IDLE_KEPT {
            idle.push(conn);
        }
        out
    }

    /// Runs one statement with its arguments; `limit` stops after that many rows.
    fn run(
        &self,
        sql: &str,
        args: &[AnyValueKind<'_>],
        limit: Option<usize>,
    ) -> Result<(Vec<AnyRow>, u64), Error> {
        self.with(|conn| {
            let mut stmt = conn.prepare_cached(sql).map_err(driver_error)?;
            bind(&mut stmt, args)?;
            let columns = columns(&stmt);
            let names: Arc<HashMap<UStr, usize>> = Arc::new(
                columns
                    .iter()
                    .map(|c| (c.name.clone(), c.ordinal))
                    .collect(),
            );
            let width = columns.len();
            let mut out = Vec::new();
            let mut rows = stmt.raw_query();
            while limit.is_none_or(|l| out.len() < l) {
                let Some(row) = rows.next().map_err(driver_error)? else {
                    break;
                };
                let mut values = Vec::with_capacity(width);
                for (i, col) in columns.iter().enumerate() {
                    let v = row.get_ref(i).map_err(driver_error)?;
                    values.push(AnyValue {
                        kind: value_kind(v, col.type_info.kind).map_err(|e| {
                            Error::ColumnDecode {
                                index: i.to_string(),
                                source: e.into(),
                            }
                        })?,
                    });
                }
                out.push(AnyRow {
                    column_names: names.clone(),
                    columns: columns.clone(),
                    values,
                });
            }
            drop(rows);
            Ok((out, conn.changes()))
        })
    }
}

/// Binds as sqlx's SQLite driver does: `$N` and `?N` by number, a bare `?` in turn.
fn bind(stmt: &mut rusqlite::CachedStatement<'_>, args: &[AnyValueKind<'_>]) -> Result<(), Error> {
    let mut next = 0;
    for i in 1..=stmt.parameter_count() {
        let n = match stmt.parameter_name(i) {
            Some(name) => name
                .strip_prefix('$')
                .or_else(|| name.strip_prefix('?'))
                .and_then(|n| n.parse::<usize>().ok())
                .ok_or_else(|| Error::Protocol(format!("unsupported parameter {name}")))?,
            None => {
                next += 1;
                next
            }
        };
        let arg = args.get(n - 1).ok_or_else(|| {
            Error::Protocol(format!(
                "parameter {n} has no argument ({} given)",
                args.len()
            ))
        })?;
        let r = match arg {
            AnyValueKind::Null(_) => stmt.raw_bind_parameter(i, rusqlite::types::Null),
            AnyValueKind::Bool(b) => stmt.raw_bind_parameter(i, i64::from(*b)),
            AnyValueKind::SmallInt(v) => stmt.raw_bind_parameter(i, i64::from(*v)),
            AnyValueKind::Integer(v) => stmt.raw_bind_parameter(i, i64::from(*v)),
            AnyValueKind::BigInt(v) => stmt.raw_bind_parameter(i, *v),
            AnyValueKind::Real(v) => stmt.raw_bind_parameter(i, f64::from(*v)),
            AnyValueKind::Double(v) => stmt.raw_bind_parameter(i, *v),
            AnyValueKind::Text(t) => stmt.raw_bind_parameter(i, t.as_ref()),
            AnyValueKind::Blob(b) => stmt.raw_bind_parameter(i, b.as_ref()),
            _ => return Err(Error::Protocol("unsupported argument type".into())),
        };
        r.map_err(driver_error)?;
    }
    Ok(())
}

/// The statement's columns, typed by their declared type as sqlx's SQLite driver types them.
fn columns(stmt: &rusqlite::CachedStatement<'_>) -> Vec<AnyColumn> {
    stmt.columns()
        .iter()
        .enumerate()
        .map(|(ordinal, c)| AnyColumn {
            ordinal,
            name: UStr::new(c.name()),
            type_info: AnyTypeInfo {
                kind: declared_kind(c.decl_type()),
            },
        })
        .collect()
}

fn declared_kind(decl: Option<&str>) -> AnyTypeInfoKind {
    let Some(d) = decl.map(str::to_ascii_uppercase) else {
        return AnyTypeInfoKind::Null;
    };
    // SQLite's affinity rules, in their order.
    if d.contains("INT") {
        AnyTypeInfoKind::BigInt
    } else if d.contains("CHAR") || d.contains("CLOB") || d.contains("TEXT") {
        AnyTypeInfoKind::Text
    } else if d.contains("BLOB") || d.is_empty() {
        AnyTypeInfoKind::Blob
    } else {
        AnyTypeInfoKind::Double
    }
}

/// A value as sqlx's SQLite driver maps it: by what it holds, not by its column's type.
fn value_kind(
    v: ValueRef<'_>,
    column: AnyTypeInfoKind,
) -> Result<AnyValueKind<'static>, std::str::Utf8Error> {
    Ok(match v {
        ValueRef::Null => AnyValueKind::Null(column),
        ValueRef::Integer(i) => AnyValueKind::BigInt(i),
        ValueRef::Real(f) => AnyValueKind::Double(f),
        ValueRef::Text(t) => AnyValueKind::Text(std::str::from_utf8(t)?.to_owned().into()),
        ValueRef::Blob(b) => AnyValueKind::Blob(b.to_vec().into()),
    })
}

fn driver_error(e: rusqlite::Error) -> Error {
    Error::AnyDriverError(Box::new(e))
}

/// The statement's SQL and arguments, taken from sqlx's query.
fn parts<'q, E: Execute<'q, Any>>(mut query: E) -> Result<(&'q str, Vec<AnyValueKind<'q>>), Error> {
    let args = query
        .take_arguments()
        .map_err(Error::Encode)?
        .map(|a| a.values.0)
        .unwrap_or_default();
    Ok((query.sql(), args))
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
        let steps: Vec<Result<Either<AnyQueryResult, AnyRow>, Error>> =
            match parts(query).and_then(|(sql, args)| inline.run(sql, &args, None)) {
                Ok((rows, changed)) => rows
                    .into_iter()
                    .map(|r| Ok(Either::Right(r)))
                    .chain(std::iter::once(Ok(Either::Left(AnyQueryResult {
                        rows_affected: changed,
                        last_insert_id: None,
                    }))))
                    .collect(),
                Err(e) => vec![Err(e)],
            };
        futures_util::stream::iter(steps).boxed()
    }

    fn fetch_all<'e, 'q: 'e, E>(self, query: E) -> BoxFuture<'e, Result<Vec<AnyRow>, Error>>
    where
        'c: 'e,
        E: 'q + Execute<'q, Any>,
    {
        let Some(inline) = &self.inline else {
            return self.pool.fetch_all(query);
        };
        let rows = parts(query).and_then(|(sql, args)| inline.run(sql, &args, None));
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
        let row = parts(query).and_then(|(sql, args)| inline.run(sql, &args, Some(1)));
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
