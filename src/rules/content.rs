//! The canonical content of an adopted rule version: the bytes its publication hash covers.

use crate::platform::conn::Conn;
use serde::Serialize;
use sqlx::Row;

#[derive(Serialize)]
struct Canonical {
    rule_id: i64,
    community_id: i64,
    kind: String,
    subject: Option<String>,
    title: String,
    version: i64,
    articles: Vec<String>,
    motion_id: Option<i64>,
    adopted_at: Option<String>,
}

/// The canonical JSON of a rule version (by its row id), or none.
pub async fn version(conn: &mut Conn, id: i64) -> Result<Option<String>, sqlx::Error> {
    let Some(r) = sqlx::query(
        "SELECT v.rule_id, r.community_id, r.kind, r.subject, r.title, v.version, v.articles, v.motion_id, v.adopted_at \
         FROM rule_versions v JOIN rules r ON r.id = v.rule_id WHERE v.id = $1",
    )
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?
    else {
        return Ok(None);
    };
    let articles: Vec<String> =
        serde_json::from_str(&r.try_get::<String, _>("articles")?).unwrap_or_default();
    let c = Canonical {
        rule_id: r.try_get("rule_id")?,
        community_id: r.try_get("community_id")?,
        kind: r.try_get("kind")?,
        subject: r.try_get("subject")?,
        title: r.try_get("title")?,
        version: r.try_get("version")?,
        articles,
        motion_id: r.try_get("motion_id")?,
        adopted_at: r.try_get("adopted_at")?,
    };
    Ok(Some(
        serde_json::to_string(&c).map_err(|e| sqlx::Error::Decode(e.into()))?,
    ))
}
