//! A connection to run statements on, whichever carries them: the executor that a writing
//! transaction (`Tx`) and a reader's own connection (`Reader::acquire`) hand to the areas, as
//! `&mut *tx` or `&mut conn` in `sqlx::query(…).execute(…)`.
//!
//! On SQLite the writing connection is SQLite's own (rusqlite over the same bundled library that
//! sqlx links) and every statement runs **inline**, on the thread of the request that holds the
//! group commit's lock: no round trip to a connection thread (docs/architecture.md). On
//! PostgreSQL, and for a reader's connection of its own, it is sqlx's connection. The rows are
//! sqlx's `AnyRow`, built as sqlx's SQLite driver builds them, and an error is sqlx's error
//! (a constraint violation a `DatabaseError` with SQLite's extended code), so an area cannot
//! tell the carriers apart.

use futures_util::FutureExt;
use futures_util::future::BoxFuture;
use futures_util::stream::BoxStream;
use rusqlite::types::ValueRef;
use sqlx::pool::PoolConnection;
use sqlx::{Any, Database, Either, Error, Execute, Executor, Transaction};
use sqlx_core::any::{AnyQueryResult, AnyRow};
use sqlx_core::describe::Describe;

use super::inline::{error, parts, run, steps};

/// See the module's documentation.
pub struct Conn(Inner);

enum Inner {
    /// SQLite, run inline.
    Inline(rusqlite::Connection),
    /// A pooled sqlx connection (a reader's own).
    Pooled(PoolConnection<Any>),
    /// A PostgreSQL transaction.
    Tx(Transaction<'static, Any>),
}

impl std::fmt::Debug for Conn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self.0 {
            Inner::Inline(_) => "Conn::Inline",
            Inner::Pooled(_) => "Conn::Pooled",
            Inner::Tx(_) => "Conn::Tx",
        })
    }
}

impl Conn {
    pub(super) fn inline(conn: rusqlite::Connection) -> Conn {
        Conn(Inner::Inline(conn))
    }

    pub(super) fn pooled(conn: PoolConnection<Any>) -> Conn {
        Conn(Inner::Pooled(conn))
    }

    pub(super) fn transaction(tx: Transaction<'static, Any>) -> Conn {
        Conn(Inner::Tx(tx))
    }

    /// Commits a PostgreSQL transaction; anything else has nothing to commit here.
    pub(super) async fn commit(self) -> Result<(), Error> {
        match self.0 {
            Inner::Tx(t) => t.commit().await,
            _ => Ok(()),
        }
    }

    /// Runs statements without arguments on SQLite's writing connection (the group commit's
    /// `BEGIN`, savepoints, `COMMIT`).
    pub(super) fn batch(&mut self, sql: &str) -> Result<(), Error> {
        match &mut self.0 {
            Inner::Inline(c) => c.execute_batch(sql).map_err(error),
            _ => Err(Error::Protocol(
                "batch() is for the inline connection".into(),
            )),
        }
    }
}

impl Conn {
    /// A setting of SQLite's inline connection, as text (`PRAGMA name`).
    pub(super) fn pragma(&self, name: &str) -> Result<String, Error> {
        let Inner::Inline(c) = &self.0 else {
            return Err(Error::Protocol(
                "pragma() is for the inline connection".into(),
            ));
        };
        c.query_row(&format!("PRAGMA {name}"), [], |r| {
            Ok(match r.get_ref(0)? {
                ValueRef::Integer(i) => i.to_string(),
                ValueRef::Text(t) => String::from_utf8_lossy(t).into_owned(),
                other => format!("{other:?}"),
            })
        })
        .map_err(error)
    }
}

impl<'c> Executor<'c> for &'c mut Conn {
    type Database = Any;

    fn fetch_many<'e, 'q: 'e, E>(
        self,
        query: E,
    ) -> BoxStream<'e, Result<Either<AnyQueryResult, AnyRow>, Error>>
    where
        'c: 'e,
        E: 'q + Execute<'q, Any>,
    {
        match &mut self.0 {
            Inner::Inline(c) => {
                steps(parts(query).and_then(|(sql, args)| run(c, sql, &args, None)))
            }
            Inner::Pooled(c) => (&mut **c).fetch_many(query),
            Inner::Tx(t) => (&mut **t).fetch_many(query),
        }
    }

    fn fetch_all<'e, 'q: 'e, E>(self, query: E) -> BoxFuture<'e, Result<Vec<AnyRow>, Error>>
    where
        'c: 'e,
        E: 'q + Execute<'q, Any>,
    {
        match &mut self.0 {
            Inner::Inline(c) => {
                let ran = parts(query).and_then(|(sql, args)| run(c, sql, &args, None));
                std::future::ready(ran.map(|(rows, _)| rows)).boxed()
            }
            Inner::Pooled(c) => (&mut **c).fetch_all(query),
            Inner::Tx(t) => (&mut **t).fetch_all(query),
        }
    }

    fn execute<'e, 'q: 'e, E>(self, query: E) -> BoxFuture<'e, Result<AnyQueryResult, Error>>
    where
        'c: 'e,
        E: 'q + Execute<'q, Any>,
    {
        match &mut self.0 {
            Inner::Inline(c) => {
                let ran = parts(query).and_then(|(sql, args)| run(c, sql, &args, None));
                std::future::ready(ran.map(|(_, done)| done)).boxed()
            }
            Inner::Pooled(c) => (&mut **c).execute(query),
            Inner::Tx(t) => (&mut **t).execute(query),
        }
    }

    fn fetch_optional<'e, 'q: 'e, E>(self, query: E) -> BoxFuture<'e, Result<Option<AnyRow>, Error>>
    where
        'c: 'e,
        E: 'q + Execute<'q, Any>,
    {
        match &mut self.0 {
            Inner::Inline(c) => {
                // Every row is stepped through: a write's `RETURNING` must run to its end.
                let ran = parts(query).and_then(|(sql, args)| run(c, sql, &args, None));
                std::future::ready(ran.map(|(rows, _)| rows.into_iter().next())).boxed()
            }
            Inner::Pooled(c) => (&mut **c).fetch_optional(query),
            Inner::Tx(t) => (&mut **t).fetch_optional(query),
        }
    }

    fn prepare_with<'e, 'q: 'e>(
        self,
        sql: &'q str,
        parameters: &'e [<Any as Database>::TypeInfo],
    ) -> BoxFuture<'e, Result<<Any as Database>::Statement<'q>, Error>>
    where
        'c: 'e,
    {
        match &mut self.0 {
            Inner::Inline(_) => std::future::ready(Err(Error::Protocol(
                "statements are prepared and cached by the inline connection itself".into(),
            )))
            .boxed(),
            Inner::Pooled(c) => (&mut **c).prepare_with(sql, parameters),
            Inner::Tx(t) => (&mut **t).prepare_with(sql, parameters),
        }
    }

    fn describe<'e, 'q: 'e>(self, sql: &'q str) -> BoxFuture<'e, Result<Describe<Any>, Error>>
    where
        'c: 'e,
    {
        match &mut self.0 {
            Inner::Inline(_) => std::future::ready(Err(Error::Protocol(
                "describe() is not offered on the inline connection".into(),
            )))
            .boxed(),
            Inner::Pooled(c) => (&mut **c).describe(sql),
            Inner::Tx(t) => (&mut **t).describe(sql),
        }
    }
}
