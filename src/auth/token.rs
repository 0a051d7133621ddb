//! Bearer tokens for the JSON API: random, stored as SHA-256, 12 hours, revocable.

use jiff::{SignedDuration, Timestamp};
use sqlx::{AnyPool, Row};

use super::session::{random_token, token_hash};
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

/// The user a live token belongs to.
pub async fn lookup(pool: &AnyPool, token: &str) -> Result<Option<i64>, sqlx::Error> {
    let row = sqlx::query(
        "SELECT user_id FROM api_tokens WHERE token_hash = $1 AND revoked_at IS NULL AND expires_at > $2",
    )
    .bind(token_hash(token))
    .bind(time::now_db())
    .fetch_optional(pool)
    .await?;
    row.map(|r| r.try_get("user_id")).transpose()
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
