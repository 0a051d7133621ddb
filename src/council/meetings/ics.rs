//! iCalendar (RFC 5545) for meetings, so that members and residents can put them in their phone
//! calendars: one body's feed, the open meetings, one meeting, and each person's own feed
//! (`feeds.rs`, behind a private token). They hold only what the notice board would show — the
//! title, the time, the place and the body. Every feed answers with an ETag and Last-Modified,
//! and a phone polling an unchanged feed gets 304 Not Modified.

use crate::platform::web::Query;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use utoipa::IntoParams;

use super::{Meeting, SQL, from_row};
use crate::platform::AppState;
use crate::platform::error::AppError;
use crate::platform::time;

pub const MIME: &str = "text/calendar; charset=utf-8";

/// TEXT escaping of RFC 5545 §3.3.11.
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c => out.push(c),
        }
    }
    out
}

/// A content line, folded at 75 octets without splitting a character (§3.1), ended by CRLF.
fn line(out: &mut String, content: &str) {
    let mut width = 0;
    for c in content.chars() {
        let n = c.len_utf8();
        if width + n > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += n;
    }
    out.push_str("\r\n");
}

fn utc(db: &str) -> String {
    time::from_db(db)
        .map(|ts| ts.strftime("%Y%m%dT%H%M%SZ").to_string())
        .unwrap_or_default()
}

pub fn calendar(meetings: &[Meeting], name: &str) -> String {
    let mut out = String::new();
    line(&mut out, "BEGIN:VCALENDAR");
    line(&mut out, "VERSION:2.0");
    line(&mut out, "PRODID:-//zizhi//meetings//ZH");
    line(&mut out, "CALSCALE:GREGORIAN");
    line(&mut out, "METHOD:PUBLISH");
    line(&mut out, &format!("X-WR-CALNAME:{}", escape(name)));
    line(&mut out, "X-WR-TIMEZONE:Asia/Shanghai");
    for m in meetings {
        line(&mut out, "BEGIN:VEVENT");
        line(&mut out, &format!("UID:meeting-{}@zizhi", m.id));
        // When the meeting last changed, so that an unchanged feed is byte for byte the same.
        line(&mut out, &format!("DTSTAMP:{}", utc(&m.changed_db)));
        line(&mut out, &format!("LAST-MODIFIED:{}", utc(&m.changed_db)));
        line(&mut out, &format!("DTSTART:{}", utc(&m.starts_db)));
        line(&mut out, &format!("DTEND:{}", utc(&m.ends_db)));
        line(&mut out, &format!("SUMMARY:{}", escape(&m.title)));
        line(&mut out, &format!("LOCATION:{}", escape(&m.location)));
        line(&mut out, &format!("DESCRIPTION:{}", escape(&m.body_name)));
        line(&mut out, "STATUS:CONFIRMED");
        line(&mut out, "END:VEVENT");
    }
    line(&mut out, "END:VCALENDAR");
    out
}

/// A feed as HTTP caches and calendar apps expect it: a strong ETag of its bytes and the last
/// change of its meetings as Last-Modified; `304 Not Modified` when the client has it already
/// (`If-None-Match` first, else `If-Modified-Since`).
pub fn conditional(headers: &HeaderMap, meetings: &[Meeting], body: String) -> Response {
    use sha2::{Digest, Sha256};
    let etag = format!(
        "\"{}\"",
        &hex::encode(Sha256::digest(body.as_bytes()))[..32]
    );
    let last = meetings
        .iter()
        .filter_map(|m| time::from_db(&m.changed_db))
        .max();
    let http_date = |ts: jiff::Timestamp| ts.strftime("%a, %d %b %Y %H:%M:%S GMT").to_string();
    let fresh = match headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
    {
        Some(tags) => tags.split(',').any(|t| t.trim() == etag || t.trim() == "*"),
        None => match (
            headers
                .get(header::IF_MODIFIED_SINCE)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| jiff::fmt::rfc2822::parse(v).ok()),
            last,
        ) {
            // HTTP dates have whole seconds.
            (Some(since), Some(last)) => last.as_second() <= since.timestamp().as_second(),
            _ => false,
        },
    };
    let mut res = if fresh {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        ([(header::CONTENT_TYPE, MIME)], body).into_response()
    };
    let h = res.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&etag) {
        h.insert(header::ETAG, v);
    }
    if let Some(v) = last.and_then(|l| HeaderValue::from_str(&http_date(l)).ok()) {
        h.insert(header::LAST_MODIFIED, v);
    }
    // Kept, but asked about again each time: the ETag makes the asking cheap.
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    res
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FeedQuery {
    pub body_id: i64,
}

/// A body's meetings as an iCalendar feed, from a year back onwards.
#[utoipa::path(get, path = "/api/v1/meetings.ics", tag = "council", params(FeedQuery),
    responses((status = 200, description = "iCalendar", content_type = "text/calendar"), (status = 304, description = "unchanged since the ETag or date the client sent"), (status = 404)))]
pub(super) async fn feed(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<FeedQuery>,
) -> Result<Response, AppError> {
    // Public: the meeting calendar is public (titles and times, no minutes).
    let name: String = sqlx::query("SELECT name FROM bodies WHERE id = $1")
        .bind(q.body_id)
        .fetch_optional(state.db.read())
        .await?
        .ok_or_else(AppError::not_found)
        .and_then(|r| Ok(sqlx::Row::try_get(&r, "name")?))?;
    let since = time::day_start_db(time::today().saturating_sub(jiff::Span::new().years(1)));
    let rows = sqlx::query(&format!(
        "{SQL} WHERE m.body_id = $1 AND m.starts_at >= $2 ORDER BY m.starts_at"
    ))
    .bind(q.body_id)
    .bind(since)
    .fetch_all(state.db.read())
    .await?;
    let meetings: Vec<Meeting> = rows.iter().map(from_row).collect::<Result<_, _>>()?;
    let body = calendar(&meetings, &name);
    Ok(conditional(&headers, &meetings, body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_without_splitting_characters() {
        let mut out = String::new();
        line(&mut out, &format!("SUMMARY:{}", "议事协调会".repeat(10)));
        for l in out.split("\r\n").filter(|l| !l.is_empty()) {
            assert!(l.len() <= 75, "{} octets", l.len());
        }
        let unfolded = out.replace("\r\n ", "");
        assert_eq!(
            unfolded.trim_end(),
            format!("SUMMARY:{}", "议事协调会".repeat(10))
        );
        assert_eq!(escape("a,b;c\\d\ne"), "a\\,b\\;c\\\\d\\ne");
    }
}
