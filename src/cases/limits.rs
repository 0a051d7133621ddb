//! What slows or refuses a flood of cases: an Open311 key over its operator's limit, many
//! anonymous cases from one client, and the same case sent twice (a double tap).

use jiff::SignedDuration;
use sqlx::Row;

use super::intake::Integration;
use crate::auth::Ctx;
use crate::platform::AppState;
use crate::platform::error::AppError;
use crate::platform::time;

/// Anonymous cases one client may file in `ANON_WINDOW`.
const ANON_LIMIT: i64 = 10;
const ANON_WINDOW: SignedDuration = SignedDuration::from_mins(10);

/// A key over its operator-set limit is slowed (429 with Retry-After).
pub(super) async fn key_limit(state: &AppState, k: &Integration) -> Result<(), AppError> {
    let Some(limit) = k.per_minute else {
        return Ok(());
    };
    let since = time::to_db(time::now() - SignedDuration::from_mins(1));
    let n: i64 = sqlx::query(
        "SELECT COUNT(*) AS n FROM cases WHERE open311_key_id = $1 AND created_at > $2",
    )
    .bind(k.key_id)
    .bind(&since)
    .fetch_one(state.db.read())
    .await?
    .try_get("n")?;
    if n >= limit {
        return Err(AppError::too_many(60));
    }
    Ok(())
}

/// A flood of anonymous cases from one client is refused for a while (429 with Retry-After).
pub(super) async fn anonymous_limit(state: &AppState, ip: &str) -> Result<(), AppError> {
    let since = time::to_db(time::now() - ANON_WINDOW);
    let n: i64 = sqlx::query("SELECT COUNT(*) AS n FROM cases WHERE client_ip = $1 AND submitter_user_id IS NULL AND created_at > $2")
        .bind(ip)
        .bind(&since)
        .fetch_one(state.db.read())
        .await?
        .try_get("n")?;
    if n >= ANON_LIMIT {
        return Err(AppError::too_many(ANON_WINDOW.as_secs() as u64));
    }
    Ok(())
}

/// The same case sent twice within two minutes (a double tap) is refused, naming the first.
pub(super) async fn duplicate_check(
    state: &AppState,
    ctx: &Ctx,
    category: &str,
    description: &str,
) -> Result<(), AppError> {
    let since = time::to_db(time::now() - SignedDuration::from_mins(2));
    // Found by the start of the text (index `cases_duplicate`), the whole text compared here: in
    // SQL, `description = $2` would let SQLite substitute $2 into the indexed expression and walk
    // the table. The submitter is compared in forms no index serves, so that the planner does not
    // walk all of one account's or address's cases instead.
    let rows = sqlx::query(
        "SELECT id, description FROM cases WHERE substr(description, 1, 24) = substr($2, 1, 24) \
         AND created_at > $3 AND category = $1 \
         AND COALESCE(submitter_user_id, 0) = COALESCE($4, 0) AND ($4 IS NOT NULL OR client_ip || '' = $5)",
    )
    .bind(category)
    .bind(description)
    .bind(&since)
    .bind(ctx.user.as_ref().map(|u| u.id))
    .bind(&ctx.ip)
    .fetch_all(state.db.read())
    .await?;
    let first = rows.iter().find(|r| {
        r.try_get::<String, _>("description")
            .is_ok_and(|d| d == description)
    });
    match first {
        Some(r) => Err(AppError::conflict("cases.duplicate").arg("id", r.try_get::<i64, _>("id")?)),
        None => Ok(()),
    }
}
