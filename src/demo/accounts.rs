//! The demo accounts, one per role, and the demo Open311 key.

use jiff::civil::Date;
use sqlx::Row;

use super::{ACCOUNTS, DEMO_OPEN311_KEY, DEMO_PASSWORD};
use crate::auth::{Role, Scope, store};
use crate::platform::db::Tx;

/// One account per role. Every demo account has the same password, so one argon2 hash serves.
pub async fn accounts(
    tx: &mut Tx,
    street: i64,
    community: i64,
    building: i64,
    now: &str,
) -> anyhow::Result<()> {
    let hash = crate::auth::password::hash(DEMO_PASSWORD)?;
    let residents = sqlx::query("SELECT id, name FROM residents WHERE building_id = $1 AND birth_date < '2000-01-01' ORDER BY id LIMIT 2")
        .bind(building)
        .fetch_all(&mut **tx)
        .await?;
    let leader: (i64, String) = (residents[0].try_get("id")?, residents[0].try_get("name")?);
    let resident: (i64, String) = (residents[1].try_get("id")?, residents[1].try_get("name")?);
    let term_from = Date::new(2026, 1, 1)?;
    let term_to = Date::new(2028, 12, 31)?;
    for (username, display, role) in ACCOUNTS {
        let role = Role::parse(role).expect("demo roles are known");
        let (display, resident_id) = match role {
            Role::BuildingLeader => (format!("楼栋长 {}", leader.1), Some(leader.0)),
            Role::Resident => (format!("居民 {}", resident.1), Some(resident.0)),
            _ => ((*display).to_owned(), None),
        };
        let uid: i64 = sqlx::query(
            // Demo accounts are exempt from two-factor login; `zizhi serve` says so at start.
            "INSERT INTO users (username, display_name, password_hash, resident_id, disabled, created_at, password_changed_at, totp_exempt) \
             VALUES ($1, $2, $3, $4, 0, $5, $5, 1) RETURNING id",
        )
        .bind(*username)
        .bind(&display)
        .bind(&hash)
        .bind(resident_id)
        .bind(now)
        .fetch_one(&mut **tx)
        .await?
        .try_get("id")?;
        let scope = match role.scope_level() {
            crate::auth::policy::ScopeLevel::Street => Scope::Street(street),
            crate::auth::policy::ScopeLevel::Community => Scope::Community(community),
            crate::auth::policy::ScopeLevel::Building => Scope::Building(building),
        };
        let to = (role != Role::Resident).then_some(term_to);
        store::add_grant(tx, uid, role, scope, term_from, to)
            .await
            .map_err(|e| anyhow::anyhow!("demo grant: {e:?}"))?;
    }
    use sha2::Digest;
    let key_hash = hex::encode(sha2::Sha256::digest(DEMO_OPEN311_KEY.as_bytes()));
    sqlx::query(
        "INSERT INTO open311_keys (key_hash, community_id, label, rate_limit_per_minute, created_at) VALUES ($1, $2, $3, NULL, $4)",
    )
    .bind(key_hash)
    .bind(community)
    .bind("演示集成 demo integration")
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}
