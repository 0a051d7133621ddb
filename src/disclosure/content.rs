//! The canonical content of a published notice: the exact bytes its content hash covers, built
//! from the stored rows. Residents can fetch them at `/api/v1/disclosures/{id}/canonical` and hash
//! them with any SHA-256 tool.

use crate::platform::conn::Conn;
use serde::Serialize;
use sqlx::Row;

#[derive(Serialize)]
struct Line {
    kind: String,
    item: String,
    amount: i64,
}

#[derive(Serialize)]
struct Canonical {
    id: i64,
    community_id: i64,
    category: String,
    title: String,
    body: String,
    channel: String,
    period: Option<String>,
    publish_date: Option<String>,
    publicity_days: i64,
    publicity_until: Option<String>,
    income_total: Option<i64>,
    expense_total: Option<i64>,
    corrects_id: Option<i64>,
    author: String,
    lines: Vec<Line>,
    attachments: Vec<String>,
}

/// The canonical JSON of a notice, or none if there is no such notice.
pub async fn disclosure(conn: &mut Conn, id: i64) -> Result<Option<String>, sqlx::Error> {
    let Some(r) = sqlx::query(
        "SELECT id, community_id, category, title, body, channel, period, publish_date, publicity_days, publicity_until, \
         income_total, expense_total, corrects_id, author FROM disclosures WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?
    else {
        return Ok(None);
    };
    let lines = sqlx::query(
        "SELECT kind, item, amount FROM disclosure_lines WHERE disclosure_id = $1 ORDER BY seq",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await?
    .iter()
    .map(|l| {
        Ok(Line {
            kind: l.try_get("kind")?,
            item: l.try_get("item")?,
            amount: l.try_get("amount")?,
        })
    })
    .collect::<Result<_, sqlx::Error>>()?;
    let attachments = sqlx::query(
        "SELECT sha256 FROM disclosure_attachments WHERE disclosure_id = $1 ORDER BY id",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await?
    .iter()
    .map(|a| a.try_get("sha256"))
    .collect::<Result<_, sqlx::Error>>()?;
    let c = Canonical {
        id: r.try_get("id")?,
        community_id: r.try_get("community_id")?,
        category: r.try_get("category")?,
        title: r.try_get("title")?,
        body: r.try_get("body")?,
        channel: r.try_get("channel")?,
        period: r.try_get("period")?,
        publish_date: r.try_get("publish_date")?,
        publicity_days: r.try_get("publicity_days")?,
        publicity_until: r.try_get("publicity_until")?,
        income_total: r.try_get("income_total")?,
        expense_total: r.try_get("expense_total")?,
        corrects_id: r.try_get("corrects_id")?,
        author: r.try_get("author")?,
        lines,
        attachments,
    };
    Ok(Some(
        serde_json::to_string(&c).map_err(|e| sqlx::Error::Decode(e.into()))?,
    ))
}
