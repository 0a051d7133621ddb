//! Web sessions, kept on the server: the cookie holds a random token, the database its SHA-256.
//! 30 minutes idle, 12 hours absolute; a new session at every login; gone at logout.

use crate::platform::web::cookie_header;
use axum::http::HeaderValue;
use jiff::{SignedDuration, Timestamp};
use std::sync::LazyLock;

use sqlx::Row;

use crate::platform::reader::Reader;

use super::store::{GRANT_IN_FORCE, GRANT_JOINED, USER_JOINED, user_and_grants};
use super::{Grant, User};

use crate::platform::db::Tx;
use crate::platform::time;

pub const COOKIE: &str = crate::platform::web::SESSION_COOKIE;
/// The CSRF cookie of visitors who are not signed in (double-submit for the login form).
pub const CSRF_COOKIE: &str = "zz_csrf";
pub const IDLE: SignedDuration = SignedDuration::from_mins(30);
pub const ABSOLUTE: SignedDuration = SignedDuration::from_hours(12);
/// The last-seen time is written at most this often.
const TOUCH_EVERY: SignedDuration = SignedDuration::from_secs(60);

pub fn random_token() -> String {
    let bytes: [u8; 32] = rand::random();
    hex::encode(bytes)
}

pub fn token_hash(token: &str) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(Sha256::digest(token.as_bytes()))
}

#[derive(Clone, Debug)]
pub struct Session {
    pub token_hash: String,
    pub user_id: i64,
    pub csrf_token: String,
}

/// Starts a session; returns the cookie token and the session's CSRF token.
pub async fn create(tx: &mut Tx, user_id: i64) -> Result<(String, String), sqlx::Error> {
    let token = random_token();
    let csrf = random_token();
    let now = time::now();
    sqlx::query(
        "INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, last_seen_at, expires_at) \
         VALUES ($1, $2, $3, $4, $4, $5)",
    )
    .bind(token_hash(&token))
    .bind(user_id)
    .bind(&csrf)
    .bind(time::to_db(now))
    .bind(time::to_db(now + ABSOLUTE))
    .execute(&mut **tx)
    .await?;
    Ok((token, csrf))
}

/// The live session for a cookie token with its user and the grants in force today (one
/// statement), or `None` when unknown, idle too long or past its end (expired sessions are
/// deleted on the way).
pub async fn lookup(
    read: &Reader,
    db: &crate::platform::db::Db,
    token: &str,
) -> Result<Option<(Session, User, Vec<Grant>)>, sqlx::Error> {
    static SQL: LazyLock<String> = LazyLock::new(|| {
        format!(
            "SELECT s.csrf_token, s.last_seen_at, s.expires_at, {USER_JOINED}, {GRANT_JOINED} FROM sessions s \
             JOIN users u ON u.id = s.user_id LEFT JOIN grants g ON {GRANT_IN_FORCE} WHERE s.token_hash = $1 ORDER BY g.id"
        )
    });
    let hash = token_hash(token);
    let rows = sqlx::query(&SQL)
        .bind(&hash)
        .bind(time::today().to_string())
        .fetch_all(read)
        .await?;
    let Some(row) = rows.first() else {
        return Ok(None);
    };
    let now = time::now();
    let last: String = row.try_get("last_seen_at")?;
    let expires: String = row.try_get("expires_at")?;
    let last = time::from_db(&last).unwrap_or(Timestamp::UNIX_EPOCH);
    let expires = time::from_db(&expires).unwrap_or(Timestamp::UNIX_EPOCH);
    if now > expires || now.duration_since(last) > IDLE {
        let mut tx = db.begin().await?;
        sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
            .bind(&hash)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        return Ok(None);
    }
    if now.duration_since(last) > TOUCH_EVERY {
        let mut tx = db.begin().await?;
        sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE token_hash = $2")
            .bind(time::to_db(now))
            .bind(&hash)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
    }
    let Some((user, grants)) = user_and_grants(&rows)? else {
        return Ok(None);
    };
    let session = Session {
        token_hash: hash,
        user_id: user.id,
        csrf_token: row.try_get("csrf_token")?,
    };
    Ok(Some((session, user, grants)))
}

pub async fn delete(tx: &mut Tx, token_hash: &str) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
        .bind(token_hash)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// `Set-Cookie` for a new session (a browser-session cookie; the server enforces the limits).
pub fn set_cookie(token: String, secure: bool) -> HeaderValue {
    cookie_header(COOKIE, token, secure, None)
}

pub fn clear_cookie(secure: bool) -> HeaderValue {
    cookie_header(COOKIE, String::new(), secure, Some(0))
}

pub fn csrf_cookie(token: String, secure: bool) -> HeaderValue {
    cookie_header(CSRF_COOKIE, token, secure, None)
}
