//! Bearer tokens for the JSON API: random, stored as SHA-256, 12 hours, revocable.

use jiff::{SignedDuration, Timestamp};
use std::sync::LazyLock;

use crate::platform::reader::Reader;

use super::session::{random_token, token_hash};
use super::store::{GRANT_IN_FORCE, GRANT_JOINED, USER_JOINED, user_and_grants};
use super::{Grant, User};
use crate::platform::db::Tx;
use crate::platform::time;

pub const LIFETIME: SignedDuration = SignedDuration::from_hours(12);

pub async fn issue(tx: &mut Tx, user_id: i64) -> Result<(String, Timestamp), sqlx::Error> {
    let token = random_token();
    let now = time::now();
    let expires = now + LIFETIME;
    sqlx::query("INSERT INTO api_tokens (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)")
        .bind(token_hash(&token))
        .bind(user_id)
        .bind(time::to_db(now))
        .bind(time::to_db(expires))
        .execute(&mut **tx)
        .await?;
    Ok((token, expires))
}

/// The user a live token belongs to, with the grants in force today: one statement.
pub async fn lookup(pool: &Reader, token: &str) -> Result<Option<(User, Vec<Grant>)>, sqlx::Error> {
    static SQL: LazyLock<String> = LazyLock::new(|| {
        format!(
            "SELECT {USER_JOINED}, {GRANT_JOINED} FROM api_tokens t JOIN users u ON u.id = t.user_id \
             LEFT JOIN grants g ON {GRANT_IN_FORCE} \
             WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND t.expires_at > $3 ORDER BY g.id"
        )
    });
    let rows = sqlx::query(&SQL)
        .bind(token_hash(token))
        .bind(time::today().to_string())
        .bind(time::now_db())
        .fetch_all(pool)
        .await?;
    user_and_grants(&rows)
}

pub async fn revoke(tx: &mut Tx, token: &str) -> Result<bool, sqlx::Error> {
    let res = sqlx::query(
        "UPDATE api_tokens SET revoked_at = $1 WHERE token_hash = $2 AND revoked_at IS NULL",
    )
    .bind(time::now_db())
    .bind(token_hash(token))
    .execute(&mut **tx)
    .await?;
    Ok(res.rows_affected() == 1)
}
