//! Login throttling: after 5 failed logins for one account from one client, that pair is locked
//! for 15 minutes; after 30 failures from one client, the client is. Unknown accounts are
//! counted exactly like known ones, so the answers cannot tell them apart.

use jiff::SignedDuration;
use sqlx::Row;

use crate::platform::reader::Reader;

use crate::platform::db::Tx;
use crate::platform::error::AppError;
use crate::platform::time;

pub const MAX_FAILURES: i64 = 5;
pub const MAX_CLIENT_FAILURES: i64 = 30;
pub const WINDOW: SignedDuration = SignedDuration::from_mins(15);

/// Refuses with 429 and `Retry-After` while the account/client pair or the client is locked.
pub async fn check(pool: &Reader, username: &str, ip: &str) -> Result<(), AppError> {
    let since = time::to_db(time::now() - WINDOW);
    let pair = sqlx::query(
        "SELECT COUNT(*) AS n, MIN(at) AS first FROM login_attempts \
         WHERE username = $1 AND client_ip = $2 AND succeeded = 0 AND at > $3 \
         AND at > COALESCE((SELECT MAX(at) FROM login_attempts \
                            WHERE username = $1 AND client_ip = $2 AND succeeded = 1), '')",
    )
    .bind(username)
    .bind(ip)
    .bind(&since)
    .fetch_one(pool)
    .await?;
    let client = sqlx::query(
        "SELECT COUNT(*) AS n, MIN(at) AS first FROM login_attempts WHERE client_ip = $1 AND succeeded = 0 AND at > $2",
    )
    .bind(ip)
    .bind(&since)
    .fetch_one(pool)
    .await?;
    for (row, max) in [(pair, MAX_FAILURES), (client, MAX_CLIENT_FAILURES)] {
        let n: i64 = row.try_get("n")?;
        if n >= max {
            let first: Option<String> = row.try_get("first")?;
            let first = first
                .as_deref()
                .and_then(time::from_db)
                .unwrap_or_else(time::now);
            let wait = (first + WINDOW)
                .duration_since(time::now())
                .as_secs()
                .max(1) as u64;
            let mut e = AppError::too_many(wait).arg("minutes", wait.div_ceil(60));
            e.key = "login.locked";
            return Err(e);
        }
    }
    Ok(())
}

pub async fn record(
    tx: &mut Tx,
    username: &str,
    ip: &str,
    succeeded: bool,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO login_attempts (username, client_ip, at, succeeded) VALUES ($1, $2, $3, $4)",
    )
    .bind(username)
    .bind(ip)
    .bind(time::now_db())
    .bind(i64::from(succeeded))
    .execute(&mut **tx)
    .await?;
    Ok(())
}
