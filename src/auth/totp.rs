//! Two-factor login with time-based one-time codes (TOTP, RFC 6238: SHA-1, 6 digits, 30 s, one
//! step of clock skew either way), as every authenticator app does. Optional per account;
//! required for the administrative roles (`REQUIRED_FOR`) unless the account is one of the
//! demo's, which are exempt and announced as such when `zizhi serve` starts.

use totp_rs::{Builder, Secret, Totp};

use super::policy::Role;

/// Roles whose accounts must have two-factor login: the three administrators of 三权分立's
/// spirit at street level.
pub const REQUIRED_FOR: &[Role] = &[Role::Sysadmin, Role::Auditor, Role::StreetOfficer];

fn totp(secret_base32: &str) -> Option<Totp> {
    let secret = Secret::try_from_base32(secret_base32).ok()?;
    Builder::new().with_secret(secret).build().ok()
}

/// A new random secret (160 bits), base32 as authenticator apps take it.
pub fn new_secret() -> String {
    let bytes: [u8; 20] = rand::random();
    Secret::from(bytes).to_base32()
}

/// The `otpauth://` address an authenticator app scans (as a QR code) or takes typed in.
pub fn uri(username: &str, secret_base32: &str) -> String {
    let label =
        form_urlencoded::byte_serialize(format!("zizhi:{username}").as_bytes()).collect::<String>();
    format!(
        "otpauth://totp/{label}?secret={secret_base32}&issuer=zizhi&algorithm=SHA1&digits=6&period=30"
    )
}

/// The time step `code` belongs to, if it is the account's current code (or the one before or
/// after). A step is accepted once only (RFC 6238 §5.2): the caller records it
/// (`users.totp_last_step`) and refuses that step and earlier ones.
pub fn check(secret_base32: &str, code: &str, unix_seconds: u64) -> Option<u64> {
    let code = code.trim();
    if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    totp(secret_base32)?.check(code, unix_seconds)
}

/// The current code (for tests and for `zizhi user totp --show-code`).
pub fn current(secret_base32: &str, unix_seconds: u64) -> Option<String> {
    totp(secret_base32).map(|t| t.generate(unix_seconds).to_string())
}

/// A secret as stored: encrypted with the chain key (`platform::chain_key`), so that a copy of
/// the database alone does not yield anyone's second factor.
pub fn seal_secret(secret_base32: &str) -> Result<String, sqlx::Error> {
    Ok(crate::audit::seal::key()?.encrypt(secret_base32))
}

/// The secret from what is stored; none if it is not encrypted with this process's key (a
/// secret written into the database by hand signs nobody in).
pub fn open_secret(stored: &str) -> Option<String> {
    crate::platform::chain_key::current()?.decrypt(stored)
}

/// Encrypts secrets stored in the clear before secrets were encrypted; run at start.
pub async fn encrypt_stored(db: &crate::platform::db::Db) -> Result<u64, sqlx::Error> {
    let rows: Vec<(i64, String)> =
        sqlx::query_as("SELECT id, totp_secret FROM users WHERE totp_secret IS NOT NULL")
            .fetch_all(db.read())
            .await?;
    let mut n = 0;
    let mut tx = db.begin().await?;
    for (id, stored) in rows {
        if crate::platform::chain_key::is_encrypted(&stored) {
            continue;
        }
        n += sqlx::query("UPDATE users SET totp_secret = $1 WHERE id = $2 AND totp_secret = $3")
            .bind(seal_secret(&stored)?)
            .bind(id)
            .bind(&stored)
            .execute(&mut *tx)
            .await?
            .rows_affected();
    }
    tx.commit().await?;
    Ok(n)
}

pub fn now_unix() -> u64 {
    jiff::Timestamp::now().as_second().max(0) as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc_6238_vector_and_skew() {
        // RFC 6238 appendix B: the SHA-1 secret "12345678901234567890" at T = 59 gives 94287082
        // (8 digits); its last six digits are the 6-digit code.
        let secret = Secret::from(*b"12345678901234567890").to_base32();
        assert_eq!(current(&secret, 59).unwrap(), "287082");
        assert_eq!(
            check(&secret, "287082", 59),
            Some(1),
            "the step it belongs to"
        );
        assert_eq!(
            check(&secret, "287082", 59 + 30),
            Some(1),
            "one step late is accepted, as its own step"
        );
        assert_eq!(
            check(&secret, "287082", 59 + 90),
            None,
            "three steps late is not"
        );
        assert_eq!(check(&secret, "28708", 59), None);
        assert_eq!(check(&secret, "abcdef", 59), None);
        assert_eq!(check("not base32!", "287082", 59), None);
    }

    #[test]
    fn secrets_are_fresh_and_scannable() {
        let a = new_secret();
        assert_ne!(a, new_secret());
        assert_eq!(a.len(), 32);
        assert!(uri("wang.li", &a).starts_with("otpauth://totp/zizhi%3Awang.li?secret="));
    }
}
