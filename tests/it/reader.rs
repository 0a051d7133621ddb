//! The read executor (`platform::reader::Reader`, docs/architecture.md): on SQLite it runs
//! statements inline through its own connections and must hand the areas exactly the rows that
//! sqlx's own SQLite driver would; on PostgreSQL it is sqlx's pool.

use crate::both;
use crate::harness::TestApp;
use sqlx::Row;
use sqlx::any::AnyRow;

/// A row as text: each column's name and value, typed as the driver typed it.
fn show(rows: &[AnyRow]) -> Vec<String> {
    rows.iter()
        .map(|r| format!("{:?} {:?}", column_names(r), r.values))
        .collect()
}

fn column_names(r: &AnyRow) -> Vec<String> {
    use sqlx::Column;
    r.columns().iter().map(|c| c.name().to_owned()).collect()
}

both!(
    rows_match_what_the_pool_returns,
    |app: TestApp| async move {
        // The whole app, not just its `db` field, is kept to the end (its folder with it).
        let app = &app;
        // Every kind of value: text in Chinese, reals, NULLs, integers, expressions.
        let statements = [
            "SELECT c.id, c.name, COUNT(b.id) AS buildings, CAST(AVG(b.floors) AS DOUBLE PRECISION) AS mean, MAX(b.number) AS last FROM communities c LEFT JOIN buildings b ON b.community_id = c.id GROUP BY c.id, c.name ORDER BY c.id",
            "SELECT u.id, u.username, u.display_name, u.disabled FROM users u ORDER BY u.id",
            "SELECT CAST(30.25 AS DOUBLE PRECISION) AS lat, NULL AS nothing_at_all, 'x' || 1 AS joined, 7 / 2 AS half",
        ];
        for sql in statements {
            let inline = sqlx::query(sql).fetch_all(app.db.read()).await.unwrap();
            let pooled = sqlx::query(sql)
                .fetch_all(app.db.read().pool())
                .await
                .unwrap();
            assert!(!inline.is_empty(), "{sql}");
            assert_eq!(show(&inline), show(&pooled), "{sql}");
        }
    }
);

both!(
    placeholders_bind_by_number_and_values_decode,
    |app: TestApp| async move {
        let app = &app;
        // $2 before $1, and $1 used twice: bound by number, as sqlx's drivers bind.
        let row = sqlx::query(
            "SELECT $2 AS second, $1 AS first, $1 || '社区' AS again, CAST(NULL AS TEXT) AS absent",
        )
        .bind("三角线")
        .bind(7_i64)
        .fetch_one(app.db.read())
        .await
        .unwrap();
        assert_eq!(row.try_get::<i64, _>("second").unwrap(), 7);
        assert_eq!(row.try_get::<String, _>("first").unwrap(), "三角线");
        assert_eq!(row.try_get::<String, _>("again").unwrap(), "三角线社区");
        assert_eq!(row.try_get::<Option<String>, _>("absent").unwrap(), None);
        assert!(row.try_get::<i64, _>("missing").is_err());

        // No row: fetch_optional says so, fetch_one is RowNotFound.
        let none = sqlx::query("SELECT id FROM cases WHERE id = $1")
            .bind(-1_i64)
            .fetch_optional(app.db.read())
            .await
            .unwrap();
        assert!(none.is_none());
        let err = sqlx::query("SELECT id FROM cases WHERE id = $1")
            .bind(-1_i64)
            .fetch_one(app.db.read())
            .await
            .err();
        assert!(matches!(err, Some(sqlx::Error::RowNotFound)), "{err:?}");

        // A statement that is not valid SQL is an error, not a panic, and the reader goes on.
        assert!(
            sqlx::query("SELECT FROM nowhere")
                .fetch_all(app.db.read())
                .await
                .is_err()
        );
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM communities")
            .fetch_one(app.db.read())
            .await
            .unwrap();
        assert!(n > 0);
    }
);

both!(
    a_read_sees_what_was_committed_and_cannot_write,
    |app: TestApp| async move {
        let app = &app; // the whole app kept (see above)
        let before: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM communities")
            .fetch_one(app.db.read())
            .await
            .unwrap();
        let mut tx = app.db.begin().await.unwrap();
        sqlx::query("UPDATE communities SET name = name || '（新）' WHERE id = (SELECT MIN(id) FROM communities)")
            .execute(&mut *tx)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        let renamed: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM communities WHERE name LIKE '%（新）'")
                .fetch_one(app.db.read())
                .await
                .unwrap();
        assert_eq!(renamed, 1);
        // On SQLite the reader's connections are read-only: a write through them is refused.
        if app.db.backend() == zizhi::platform::db::Backend::Sqlite {
            let refused = sqlx::query("DELETE FROM communities")
                .execute(app.db.read())
                .await;
            assert!(refused.is_err());
        }
        let after: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM communities")
            .fetch_one(app.db.read())
            .await
            .unwrap();
        assert_eq!(after, before);
    }
);
