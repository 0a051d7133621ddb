//! Statements built at run time: values to bind (`Val`), a WHERE clause assembled from
//! conditions (`Filter`), the common list filters, and `LIKE` patterns taken literally.

use sqlx::Any;

use super::db::{Tx, placeholders};

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
