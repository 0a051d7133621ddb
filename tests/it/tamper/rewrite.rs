//! How the scenarios change the database and look at it: statements inside a transaction, the
//! public hash chains recomputed as a writer without the key would, and `integrity::report`.

use sqlx::Row;
use zizhi::audit::checkpoint::Checkpoint;
use zizhi::platform::conn::Conn;

use crate::harness::TestApp;

pub async fn problems(
    conn: &mut Conn,
    app: &TestApp,
    checkpoint: Option<&Checkpoint>,
) -> Vec<String> {
    zizhi::audit::integrity::report(conn, Some(&app.config.data_dir), checkpoint)
        .await
        .unwrap()
        .problems
}

pub async fn exec(conn: &mut Conn, sql: &str) {
    sqlx::query(sql)
        .execute(&mut *conn)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
}

/// Rewrites the audit chain from `from` on, as a writer with the public hash function would:
/// every hash and link recomputed, the head moved along. Only the seals are left as they are.
pub async fn recompute_audit(conn: &mut Conn, from: i64) {
    let prev: String = sqlx::query_scalar("SELECT hash FROM audit_log WHERE seq = $1")
        .bind(from - 1)
        .fetch_one(&mut *conn)
        .await
        .unwrap();
    let rows = sqlx::query("SELECT * FROM audit_log WHERE seq >= $1 ORDER BY seq")
        .bind(from)
        .fetch_all(&mut *conn)
        .await
        .unwrap();
    let mut prev = prev;
    for r in rows {
        let g = |c: &str| r.try_get::<String, _>(c).unwrap();
        let seq: i64 = r.try_get("seq").unwrap();
        let hash = zizhi::audit::entry_hash(&zizhi::audit::Hashed {
            seq,
            at: &g("at"),
            actor_id: r.try_get("actor_id").unwrap(),
            actor: &g("actor"),
            role: &g("role"),
            action: &g("action"),
            object_type: &g("object_type"),
            object_id: &g("object_id"),
            place: zizhi::auth::scope::Place {
                street_id: r.try_get("street_id").unwrap(),
                community_id: r.try_get("community_id").unwrap(),
                building_id: r.try_get("building_id").unwrap(),
            },
            result: &g("result"),
            ip: &g("client_ip"),
            sensitive: r.try_get::<i64, _>("sensitive").unwrap() != 0,
            detail: &g("detail"),
            prev_hash: &prev,
        });
        sqlx::query("UPDATE audit_log SET prev_hash = $1, hash = $2 WHERE seq = $3")
            .bind(&prev)
            .bind(&hash)
            .bind(seq)
            .execute(&mut *conn)
            .await
            .unwrap();
        prev = hash;
    }
    sqlx::query("UPDATE audit_head SET hash = $1 WHERE id = 1")
        .bind(&prev)
        .execute(&mut *conn)
        .await
        .unwrap();
}

/// Changes a published notice and recomputes its content hash, its entry and every later
/// entry of the public chain, and the head.
pub async fn recompute_publication(conn: &mut Conn, notice: i64) {
    exec(
        conn,
        &format!("UPDATE disclosures SET income_total = income_total + 100000 WHERE id = {notice}"),
    )
    .await;
    let content = zizhi::disclosure::content::disclosure(conn, notice)
        .await
        .unwrap()
        .unwrap();
    let content_hash = zizhi::disclosure::chain::sha256_hex(content.as_bytes());
    exec(
        conn,
        &format!("UPDATE disclosures SET content_hash = '{content_hash}' WHERE id = {notice}"),
    )
    .await;
    let from: i64 = sqlx::query_scalar(&format!(
        "SELECT seq FROM publications WHERE kind = 'disclosure' AND object_id = {notice}"
    ))
    .fetch_one(&mut *conn)
    .await
    .unwrap();
    exec(
        conn,
        &format!("UPDATE publications SET content_hash = '{content_hash}' WHERE seq = {from}"),
    )
    .await;
    let rows: Vec<(i64, String, String, i64, String, String)> = sqlx::query_as(
        "SELECT seq, at, kind, object_id, content_hash, prev_hash FROM publications WHERE seq >= $1 ORDER BY seq",
    )
    .bind(from)
    .fetch_all(&mut *conn)
    .await
    .unwrap();
    let mut prev = rows[0].5.clone();
    for (seq, at, kind, object, content, _) in rows {
        let hash = zizhi::disclosure::chain::entry_hash(seq, &at, &kind, object, &content, &prev);
        exec(
            conn,
            &format!(
                "UPDATE publications SET prev_hash = '{prev}', hash = '{hash}' WHERE seq = {seq}"
            ),
        )
        .await;
        prev = hash;
    }
    exec(
        conn,
        &format!("UPDATE publication_head SET hash = '{prev}' WHERE id = 1"),
    )
    .await;
}
