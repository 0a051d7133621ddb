//! SQLite statements run inline, on the calling thread (rusqlite over the same bundled library
//! that sqlx links), and their results handed back as sqlx's: rows as `AnyRow`, built as sqlx's
//! SQLite driver builds them (a value typed by what it holds, `$N` bound by number), errors as
//! sqlx errors carrying SQLite's extended code. Used by the reader (`platform::reader`) and the
//! group commit's writing connection (`platform::conn`); docs/architecture.md.

use std::borrow::Cow;
use std::sync::Arc;

use futures_util::StreamExt;
use futures_util::stream::BoxStream;
use rusqlite::types::ValueRef;
use sqlx::error::{DatabaseError, ErrorKind};
use sqlx::{Any, Either, Error, Execute};
use sqlx_core::HashMap;
use sqlx_core::any::{
    AnyColumn, AnyQueryResult, AnyRow, AnyTypeInfo, AnyTypeInfoKind, AnyValue, AnyValueKind,
};
use sqlx_core::ext::ustr::UStr;

/// Prepared statements kept per inline connection.
pub(super) const STATEMENTS_KEPT: usize = 256;

/// Runs one statement (or, given no arguments, each statement of a batch) on an inline
/// connection; `limit` stops reading rows after that many (reads only).
pub(super) fn run(
    conn: &rusqlite::Connection,
    sql: &str,
    args: &[AnyValueKind<'_>],
    limit: Option<usize>,
) -> Result<(Vec<AnyRow>, AnyQueryResult), Error> {
    let mut rows = Vec::new();
    let several = args.is_empty() && sql.trim_end().trim_end_matches(';').contains(';');
    if several {
        // A semicolon may sit in a literal: SQLite's own parser tells the statements apart.
        let mut batch = rusqlite::Batch::new(conn, sql);
        while let Some(mut stmt) = batch.next().map_err(error)? {
            step(&mut stmt, &[], None, &mut rows)?;
        }
    } else {
        let mut stmt = conn.prepare_cached(sql).map_err(error)?;
        step(&mut stmt, args, limit, &mut rows)?;
    }
    let done = AnyQueryResult {
        rows_affected: conn.changes(),
        last_insert_id: Some(conn.last_insert_rowid()),
    };
    Ok((rows, done))
}

fn step(
    stmt: &mut rusqlite::Statement<'_>,
    args: &[AnyValueKind<'_>],
    limit: Option<usize>,
    out: &mut Vec<AnyRow>,
) -> Result<(), Error> {
    bind(stmt, args)?;
    let columns = columns(stmt);
    let names: Arc<HashMap<UStr, usize>> = Arc::new(
        columns
            .iter()
            .map(|c| (c.name.clone(), c.ordinal))
            .collect(),
    );
    let start = out.len();
    let mut rows = stmt.raw_query();
    while limit.is_none_or(|l| out.len() - start < l) {
        let Some(row) = rows.next().map_err(error)? else {
            break;
        };
        let mut values = Vec::with_capacity(columns.len());
        for (i, col) in columns.iter().enumerate() {
            let v = row.get_ref(i).map_err(error)?;
            let kind = value_kind(v, col.type_info.kind).map_err(|e| Error::ColumnDecode {
                index: i.to_string(),
                source: e.into(),
            })?;
            values.push(AnyValue { kind });
        }
        out.push(AnyRow {
            column_names: names.clone(),
            columns: columns.clone(),
            values,
        });
    }
    Ok(())
}

/// Binds as sqlx's SQLite driver does: `$N` and `?N` by number, a bare `?` in turn.
fn bind(stmt: &mut rusqlite::Statement<'_>, args: &[AnyValueKind<'_>]) -> Result<(), Error> {
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
        let arg = args.get(n.wrapping_sub(1)).ok_or_else(|| {
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
        r.map_err(error)?;
    }
    Ok(())
}

/// The statement's columns, typed by their declared type as sqlx's SQLite driver types them.
fn columns(stmt: &rusqlite::Statement<'_>) -> Vec<AnyColumn> {
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

/// SQLite's error as sqlx's: with its extended result code where it has one, so that
/// `is_unique_violation` and `platform::error`'s codes read it as they read sqlx's own.
pub(super) fn error(e: rusqlite::Error) -> Error {
    match e.sqlite_error() {
        Some(f) => Error::Database(Box::new(SqliteError {
            code: f.extended_code,
            message: e.to_string(),
        })),
        None => Error::AnyDriverError(Box::new(e)),
    }
}

#[derive(Debug)]
struct SqliteError {
    code: i32,
    message: String,
}

impl std::fmt::Display for SqliteError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for SqliteError {}

impl DatabaseError for SqliteError {
    fn message(&self) -> &str {
        &self.message
    }

    fn code(&self) -> Option<Cow<'_, str>> {
        Some(Cow::Owned(self.code.to_string()))
    }

    fn as_error(&self) -> &(dyn std::error::Error + Send + Sync + 'static) {
        self
    }

    fn as_error_mut(&mut self) -> &mut (dyn std::error::Error + Send + Sync + 'static) {
        self
    }

    fn into_error(self: Box<Self>) -> Box<dyn std::error::Error + Send + Sync + 'static> {
        self
    }

    fn kind(&self) -> ErrorKind {
        use rusqlite::ffi;
        match self.code {
            ffi::SQLITE_CONSTRAINT_UNIQUE | ffi::SQLITE_CONSTRAINT_PRIMARYKEY => {
                ErrorKind::UniqueViolation
            }
            ffi::SQLITE_CONSTRAINT_FOREIGNKEY => ErrorKind::ForeignKeyViolation,
            ffi::SQLITE_CONSTRAINT_NOTNULL => ErrorKind::NotNullViolation,
            ffi::SQLITE_CONSTRAINT_CHECK => ErrorKind::CheckViolation,
            _ => ErrorKind::Other,
        }
    }
}

/// The statement's SQL and arguments, taken from sqlx's query.
pub(super) fn parts<'q, E: Execute<'q, Any>>(
    mut query: E,
) -> Result<(&'q str, Vec<AnyValueKind<'q>>), Error> {
    let args = query
        .take_arguments()
        .map_err(Error::Encode)?
        .map(|a| a.values.0)
        .unwrap_or_default();
    Ok((query.sql(), args))
}

/// What `fetch_many` yields for rows already read: each row, then the statement's result.
pub(super) fn steps<'e>(
    ran: Result<(Vec<AnyRow>, AnyQueryResult), Error>,
) -> BoxStream<'e, Result<Either<AnyQueryResult, AnyRow>, Error>> {
    let steps: Vec<Result<Either<AnyQueryResult, AnyRow>, Error>> = match ran {
        Ok((rows, done)) => rows
            .into_iter()
            .map(|r| Ok(Either::Right(r)))
            .chain(std::iter::once(Ok(Either::Left(done))))
            .collect(),
        Err(e) => vec![Err(e)],
    };
    futures_util::stream::iter(steps).boxed()
}
