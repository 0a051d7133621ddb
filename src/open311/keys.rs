//! Open311 API keys: stored as SHA-256, bound to one community, revocable.

use sqlx::Row;

use crate::platform::reader::Reader;

use crate::platform::error::AppError;

pub fn hash_key(key: &str) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(Sha256::digest(key.as_bytes()))
}

/// A live key: its id, community, label and per-minute limit (if the operator set one).
pub struct Key {
    pub id: i64,
    pub community_id: i64,
    pub label: String,
    pub per_minute: Option<i64>,
}

pub async fn lookup(pool: &Reader, key: &str) -> Result<Key, AppError> {
    if key.is_empty() {
        return Err(AppError::new(
            axum::http::StatusCode::FORBIDDEN,
            "open311.no_key",
        ));
    }
    let row = sqlx::query("SELECT id, community_id, label, rate_limit_per_minute FROM open311_keys WHERE key_hash = $1 AND revoked_at IS NULL")
        .bind(hash_key(key))
        .fetch_optional(pool)
        .await?
        .ok_or_else(|| AppError::new(axum::http::StatusCode::FORBIDDEN, "open311.bad_key"))?;
    Ok(Key {
        id: row.try_get("id")?,
        community_id: row.try_get("community_id")?,
        label: row.try_get("label")?,
        per_minute: row.try_get("rate_limit_per_minute")?,
    })
}

/// The community a live key belongs to, and the key's label.
pub async fn community_of(pool: &Reader, key: &str) -> Result<(i64, String), AppError> {
    if key.is_empty() {
        return Err(AppError::new(
            axum::http::StatusCode::FORBIDDEN,
            "open311.no_key",
        ));
    }
    let row = sqlx::query(
        "SELECT community_id, label FROM open311_keys WHERE key_hash = $1 AND revoked_at IS NULL",
    )
    .bind(hash_key(key))
    .fetch_optional(pool)
    .await?
    .ok_or_else(|| AppError::new(axum::http::StatusCode::FORBIDDEN, "open311.bad_key"))?;
    Ok((row.try_get("community_id")?, row.try_get("label")?))
}
