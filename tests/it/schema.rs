//! Migrations: both dialects give the same schema, and applying them again changes nothing.

use std::collections::BTreeSet;

use sqlx::Row;
use zizhi::platform::db::Db;

use crate::harness::{Backend, fresh_db};

/// (table, column, type class, nullable) and (table, index columns) of a database.
async fn shape(db: &Db, backend: Backend) -> (BTreeSet<String>, BTreeSet<String>) {
    let mut cols = BTreeSet::new();
    let mut idx = BTreeSet::new();
    let pool = db.read();
    let class = |t: &str| {
        let t = t.to_ascii_lowercase();
        if t.contains("int") {
            "int"
        } else if t.contains("char") || t == "text" {
            "text"
        } else {
            "other"
        }
        .to_owned()
    };
    match backend {
        Backend::Sqlite => {
            let tables = sqlx::query("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_sqlx%'")
                .fetch_all(pool).await.unwrap();
            for t in tables {
                let table: String = t.try_get("name").unwrap();
                for c in sqlx::query(&format!(
                    "SELECT name, type, \"notnull\" AS nn, pk FROM pragma_table_info('{table}')"
                ))
                .fetch_all(pool)
                .await
                .unwrap()
                {
                    let name: String = c.try_get("name").unwrap();
                    let ty: String = c.try_get("type").unwrap();
                    let nn: i64 = c.try_get("nn").unwrap();
                    let pk: i64 = c.try_get("pk").unwrap();
                    cols.insert(format!(
                        "{table}.{name} {} {}",
                        class(&ty),
                        if nn == 1 || pk == 1 {
                            "not null"
                        } else {
                            "null"
                        }
                    ));
                }
                for i in sqlx::query(&format!(
                    "SELECT name FROM pragma_index_list('{table}') WHERE origin = 'c'"
                ))
                .fetch_all(pool)
                .await
                .unwrap()
                {
                    let name: String = i.try_get("name").unwrap();
                    let cs: Vec<String> = sqlx::query(&format!(
                        "SELECT COALESCE(name, '<expr>') AS name FROM pragma_index_info('{name}') ORDER BY seqno"
                    ))
                    .fetch_all(pool)
                    .await
                    .unwrap()
                    .iter()
                    .map(|r| r.try_get("name").unwrap())
                    .collect();
                    idx.insert(format!("{table}: {name} ({})", cs.join(", ")));
                }
            }
        }
        Backend::Postgres => {
            for c in sqlx::query("SELECT table_name::text AS t, column_name::text AS c, data_type::text AS ty, is_nullable::text AS n \
                                  FROM information_schema.columns WHERE table_schema = current_schema() AND table_name NOT LIKE '_sqlx%'")
                .fetch_all(pool).await.unwrap() {
                let (t, c, ty, n): (String, String, String, String) =
                    (c.try_get("t").unwrap(), c.try_get("c").unwrap(), c.try_get("ty").unwrap(), c.try_get("n").unwrap());
                cols.insert(format!("{t}.{c} {} {}", class(&ty), if n == "NO" { "not null" } else { "null" }));
            }
            for i in sqlx::query("SELECT tablename::text AS t, indexname::text AS i, indexdef::text AS d FROM pg_indexes \
                                  WHERE schemaname = current_schema() AND indexname NOT IN (SELECT conname::text FROM pg_constraint WHERE connamespace = current_schema()::regnamespace)")
                .fetch_all(pool).await.unwrap() {
                let (t, i, d): (String, String, String) = (i.try_get("t").unwrap(), i.try_get("i").unwrap(), i.try_get("d").unwrap());
                let cs = pg_index_columns(&d);
                idx.insert(format!("{t}: {i} ({cs})"));
            }
        }
    }
    (cols, idx)
}

/// The columns of `CREATE INDEX … USING btree (a, substr(b, 1, 24))`, an expression as `<expr>`
/// (as SQLite's `pragma_index_info` gives none).
fn pg_index_columns(def: &str) -> String {
    // A partial index's `WHERE …` is not part of its columns.
    let def = def.split(" WHERE ").next().unwrap();
    let list = def.split_once(" USING btree (").unwrap().1;
    let list = &list[..list.rfind(')').unwrap()];
    let (mut cols, mut depth, mut cur) = (Vec::new(), 0, String::new());
    for ch in list.chars() {
        match ch {
            '(' => depth += 1,
            ')' => depth -= 1,
            ',' if depth == 0 => {
                cols.push(std::mem::take(&mut cur));
                continue;
            }
            _ => {}
        }
        cur.push(ch);
    }
    cols.push(cur);
    cols.iter()
        .map(|c| if c.contains('(') { "<expr>" } else { c.trim() })
        .collect::<Vec<_>>()
        .join(", ")
}

#[tokio::test]
async fn migrations_apply_twice_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let db = fresh_db(Backend::Sqlite, dir.path()).await;
    db.migrate().await.unwrap();
    let (cols, idx) = shape(&db, Backend::Sqlite).await;
    assert!(
        cols.contains("residents.id_number text not null"),
        "{cols:?}"
    );
    assert!(idx.contains("audit_log: audit_log_at (at)"), "{idx:?}");
}

#[tokio::test]
#[cfg_attr(
    not(zizhi_pg),
    ignore = "set ZIZHI_TEST_POSTGRES to run against PostgreSQL"
)]
async fn both_dialects_give_the_same_schema() {
    let dir = tempfile::tempdir().unwrap();
    let lite = fresh_db(Backend::Sqlite, dir.path()).await;
    let pg = fresh_db(Backend::Postgres, dir.path()).await;
    pg.migrate().await.unwrap();
    let (lc, li) = shape(&lite, Backend::Sqlite).await;
    let (pc, pi) = shape(&pg, Backend::Postgres).await;
    assert!(lc.len() > 50, "{lc:?}");
    let only_lite: Vec<_> = lc.difference(&pc).collect();
    let only_pg: Vec<_> = pc.difference(&lc).collect();
    assert!(
        only_lite.is_empty() && only_pg.is_empty(),
        "columns differ:\nSQLite only {only_lite:#?}\nPostgreSQL only {only_pg:#?}"
    );
    let only_lite: Vec<_> = li.difference(&pi).collect();
    let only_pg: Vec<_> = pi.difference(&li).collect();
    assert!(
        only_lite.is_empty() && only_pg.is_empty(),
        "indexes differ:\nSQLite only {only_lite:#?}\nPostgreSQL only {only_pg:#?}"
    );
}
