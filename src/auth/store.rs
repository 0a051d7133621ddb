//! Accounts and grants in the database.

use jiff::civil::Date;
use sqlx::Row;

use crate::platform::reader::Reader;

use super::password::Profile;
use super::policy::Role;
use super::scope::Scope;
use crate::platform::db::Tx;
use crate::platform::error::AppError;
use crate::platform::time;

#[derive(Clone, Debug)]
pub struct User {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub password_hash: String,
    pub resident_id: Option<i64>,
    pub disabled: bool,
    /// The base32 TOTP secret, once two-factor login is on (`auth::totp`).
    pub totp_secret: Option<String>,
    /// The time step of the last two-factor code accepted; no code of it or before works again.
    pub totp_last_step: Option<i64>,
    /// A demo account, exempt from the two-factor requirement of admin roles.
    pub totp_exempt: bool,
    /// UTC, as stored: when the password was last set (rotation under the 等保 profile).
    pub password_changed_at: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Grant {
    pub id: i64,
    pub role: Role,
    pub scope: Scope,
    pub valid_from: Date,
    pub valid_to: Option<Date>,
}

const USER_COLUMNS: &str = "id, username, display_name, password_hash, resident_id, disabled, totp_secret, totp_last_step, totp_exempt, \
     password_changed_at";

fn user_from_row(r: &sqlx::any::AnyRow) -> Result<User, sqlx::Error> {
    Ok(User {
        id: r.try_get("id")?,
        username: r.try_get("username")?,
        display_name: r.try_get("display_name")?,
        password_hash: r.try_get("password_hash")?,
        resident_id: r.try_get("resident_id")?,
        disabled: r.try_get::<i64, _>("disabled")? != 0,
        totp_secret: r.try_get("totp_secret")?,
        totp_last_step: r.try_get("totp_last_step")?,
        totp_exempt: r.try_get::<i64, _>("totp_exempt")? != 0,
        password_changed_at: r.try_get("password_changed_at")?,
    })
}

pub async fn find_by_username(pool: &Reader, username: &str) -> Result<Option<User>, sqlx::Error> {
    let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE username = $1");
    let row = sqlx::query(&sql)
        .bind(username)
        .fetch_optional(pool)
        .await?;
    row.as_ref().map(user_from_row).transpose()
}

pub async fn find_by_username_tx(tx: &mut Tx, username: &str) -> Result<Option<User>, sqlx::Error> {
    let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE username = $1");
    let row = sqlx::query(&sql)
        .bind(username)
        .fetch_optional(&mut **tx)
        .await?;
    row.as_ref().map(user_from_row).transpose()
}

/// The users' columns in a query that joins `users u`.
pub const USER_JOINED: &str = "u.id, u.username, u.display_name, u.password_hash, u.resident_id, u.disabled, u.totp_secret, \
     u.totp_last_step, u.totp_exempt, u.password_changed_at";
/// The columns of a user's grants in force, joined as `LEFT JOIN grants g ON` [`GRANT_IN_FORCE`],
/// prefixed `g_`.
pub const GRANT_JOINED: &str = "g.id AS g_id, g.role AS g_role, g.street_id AS g_street_id, g.community_id AS g_community_id, \
     g.building_id AS g_building_id, g.valid_from AS g_valid_from, g.valid_to AS g_valid_to";
/// The join condition of a user's grants in force on the day bound as `$2`.
pub const GRANT_IN_FORCE: &str = "g.user_id = u.id AND g.revoked_at IS NULL AND g.valid_from <= $2 \
     AND (g.valid_to IS NULL OR g.valid_to >= $2)";

/// The user of rows joined with [`USER_JOINED`] and [`GRANT_JOINED`] (one row per grant in
/// force, or one with null grant columns), and those grants: what a request needs to know of its
/// user, read in one statement instead of three (issue 23).
pub fn user_and_grants(
    rows: &[sqlx::any::AnyRow],
) -> Result<Option<(User, Vec<Grant>)>, sqlx::Error> {
    let Some(first) = rows.first() else {
        return Ok(None);
    };
    let user = user_from_row(first)?;
    let mut grants = Vec::new();
    for r in rows {
        if r.try_get::<Option<i64>, _>("g_id")?.is_some() {
            grants.extend(grant_from_row(r, "g_")?);
        }
    }
    Ok(Some((user, grants)))
}

fn grant_from_row(r: &sqlx::any::AnyRow, prefix: &str) -> Result<Option<Grant>, sqlx::Error> {
    let col = |c: &str| format!("{prefix}{c}");
    let role: String = r.try_get(col("role").as_str())?;
    let from: String = r.try_get(col("valid_from").as_str())?;
    let to: Option<String> = r.try_get(col("valid_to").as_str())?;
    let scope = Scope::from_columns(
        r.try_get(col("street_id").as_str())?,
        r.try_get(col("community_id").as_str())?,
        r.try_get(col("building_id").as_str())?,
    );
    let (Some(role), Some(scope), Ok(valid_from)) = (Role::parse(&role), scope, from.parse())
    else {
        tracing::warn!(role, "ignoring an unreadable grant");
        return Ok(None);
    };
    Ok(Some(Grant {
        id: r.try_get(col("id").as_str())?,
        role,
        scope,
        valid_from,
        valid_to: to.and_then(|t| t.parse().ok()),
    }))
}

/// The grants in force today (Asia/Shanghai) for a user.
pub async fn active_grants(pool: &Reader, user_id: i64) -> Result<Vec<Grant>, sqlx::Error> {
    let today = time::today().to_string();
    let rows = sqlx::query(
        "SELECT id, role, street_id, community_id, building_id, valid_from, valid_to FROM grants \
         WHERE user_id = $1 AND revoked_at IS NULL AND valid_from <= $2 \
         AND (valid_to IS NULL OR valid_to >= $2) ORDER BY id",
    )
    .bind(user_id)
    .bind(&today)
    .fetch_all(pool)
    .await?;
    let mut out = Vec::new();
    for r in &rows {
        out.extend(grant_from_row(r, "")?);
    }
    Ok(out)
}

/// Every unrevoked grant of a user, in force or not.
pub async fn all_grants_tx(tx: &mut Tx, user_id: i64) -> Result<Vec<Grant>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT id, role, street_id, community_id, building_id, valid_from, valid_to FROM grants \
         WHERE user_id = $1 AND revoked_at IS NULL ORDER BY id",
    )
    .bind(user_id)
    .fetch_all(&mut **tx)
    .await?;
    let mut out = Vec::new();
    for r in &rows {
        out.extend(grant_from_row(r, "")?);
    }
    Ok(out)
}

pub struct NewUser<'a> {
    pub username: &'a str,
    pub display_name: &'a str,
    pub password: &'a str,
    pub resident_id: Option<i64>,
}

/// Checks a user name: 2–32 letters, digits, `.`, `_` or `-`.
pub fn check_username(name: &str) -> Result<(), AppError> {
    let ok = (2..=32).contains(&name.len())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    if ok {
        Ok(())
    } else {
        Err(AppError::invalid("username", "account.bad_username"))
    }
}

pub async fn create_user(tx: &mut Tx, u: NewUser<'_>, profile: Profile) -> Result<i64, AppError> {
    check_username(u.username)?;
    if u.display_name.trim().is_empty() {
        return Err(AppError::invalid(
            "display_name",
            "account.display_name_required",
        ));
    }
    profile
        .check(u.username, u.password)
        .map_err(|k| AppError::invalid("password", k))?;
    let hash = super::password::hash(u.password)?;
    let now = time::now_db();
    let res = sqlx::query(
        "INSERT INTO users (username, display_name, password_hash, resident_id, disabled, created_at, password_changed_at) \
         VALUES ($1, $2, $3, $4, 0, $5, $5) RETURNING id",
    )
    .bind(u.username)
    .bind(u.display_name.trim())
    .bind(&hash)
    .bind(u.resident_id)
    .bind(&now)
    .fetch_one(&mut **tx)
    .await;
    match res {
        Ok(row) => Ok(row.try_get("id")?),
        Err(e) if crate::platform::db::is_unique_violation(&e) => {
            Err(AppError::conflict("account.username_taken").field("username"))
        }
        Err(e) => Err(e.into()),
    }
}

/// Sets a new password under `profile`'s rules; every session and token of the account ends.
pub async fn set_password(
    tx: &mut Tx,
    user: &User,
    password: &str,
    profile: Profile,
) -> Result<(), AppError> {
    profile
        .check(&user.username, password)
        .map_err(|k| AppError::invalid("password", k))?;
    if super::password::verify(password, &user.password_hash) {
        return Err(AppError::invalid("password", "password.same_as_before"));
    }
    let hash = super::password::hash(password)?;
    sqlx::query("UPDATE users SET password_hash = $1, password_changed_at = $2 WHERE id = $3")
        .bind(&hash)
        .bind(time::now_db())
        .bind(user.id)
        .execute(&mut **tx)
        .await?;
    // A new password ends every session and token of the account.
    sqlx::query("DELETE FROM sessions WHERE user_id = $1")
        .bind(user.id)
        .execute(&mut **tx)
        .await?;
    sqlx::query("UPDATE api_tokens SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL")
        .bind(time::now_db())
        .bind(user.id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Grants `role` over `scope` from `from` to `to`. Refuses a scope narrower or wider than the
/// role's level, and any combination that breaks the separation of duties.
pub async fn add_grant(
    tx: &mut Tx,
    user_id: i64,
    role: Role,
    scope: Scope,
    from: Date,
    to: Option<Date>,
) -> Result<i64, AppError> {
    use super::policy::ScopeLevel as L;
    let level_ok = matches!(
        (role.scope_level(), scope),
        (L::Street, Scope::Street(_))
            | (L::Community, Scope::Community(_))
            | (L::Building, Scope::Building(_))
    );
    if !level_ok {
        return Err(AppError::invalid("scope", "account.scope_level").arg("role", role.as_str()));
    }
    if to.is_some_and(|t| t < from) {
        return Err(AppError::invalid("to", "input.term_order"));
    }
    let existing = all_grants_tx(tx, user_id).await?;
    if existing
        .iter()
        .any(|g| g.role.is_admin() != role.is_admin() || (role.is_admin() && g.role != role))
    {
        return Err(AppError::conflict("account.separation_of_duties").field("role"));
    }
    if existing.iter().any(|g| g.role == role && g.scope == scope) {
        return Err(AppError::conflict("account.grant_exists").field("role"));
    }
    let (s, c, b) = scope.columns();
    let row = sqlx::query(
        "INSERT INTO grants (user_id, role, street_id, community_id, building_id, valid_from, valid_to, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    )
    .bind(user_id)
    .bind(role.as_str())
    .bind(s)
    .bind(c)
    .bind(b)
    .bind(from.to_string())
    .bind(to.map(|d| d.to_string()))
    .bind(time::now_db())
    .fetch_one(&mut **tx)
    .await
    .map_err(|e| {
        if matches!(&e, sqlx::Error::Database(d) if d.is_foreign_key_violation()) {
            AppError::invalid("scope", "account.unknown_scope")
        } else {
            e.into()
        }
    })?;
    Ok(row.try_get("id")?)
}

/// Revokes the user's unrevoked grants of `role` (over `scope`, if given). Returns how many.
pub async fn revoke_grants(
    tx: &mut Tx,
    user_id: i64,
    role: Role,
    scope: Option<Scope>,
) -> Result<u64, AppError> {
    let grants = all_grants_tx(tx, user_id).await?;
    let mut n = 0;
    for g in grants
        .iter()
        .filter(|g| g.role == role && scope.is_none_or(|s| s == g.scope))
    {
        sqlx::query("UPDATE grants SET revoked_at = $1 WHERE id = $2")
            .bind(time::now_db())
            .bind(g.id)
            .execute(&mut **tx)
            .await?;
        n += 1;
    }
    Ok(n)
}
