//! Passwords: argon2id with the crate's recommended parameters, and the password profile.

use argon2::Argon2;
use argon2::password_hash::{
    PasswordHash, PasswordHasher, PasswordVerifier, SaltString, rand_core::OsRng,
};
use std::sync::LazyLock;

pub fn hash(password: &str) -> anyhow::Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| anyhow::anyhow!("argon2: {e}"))
}

pub fn verify(password: &str, stored: &str) -> bool {
    match PasswordHash::new(stored) {
        Ok(h) => Argon2::default()
            .verify_password(password.as_bytes(), &h)
            .is_ok(),
        Err(_) => false,
    }
}

/// A hash to verify against when the user does not exist, so that an unknown name takes as
/// long to refuse as a wrong password.
static DUMMY: LazyLock<String> =
    LazyLock::new(|| hash("zizhi-no-such-user").expect("argon2 works"));

pub fn verify_dummy(password: &str) {
    let _ = verify(password, &DUMMY);
}

pub use crate::platform::config::PasswordProfile as Profile;

/// Days a password lasts under the 等保 profile.
pub const DENGBAO_MAX_AGE_DAYS: i64 = 90;

impl Profile {
    /// The catalog key of the first rule `password` breaks.
    pub fn check(self, username: &str, password: &str) -> Result<(), &'static str> {
        const COMMON: &[&str] = &[
            "1234567890",
            "password123",
            "qwertyuiop",
            "a123456789",
            "zizhi12345",
            "password@123",
            "p@ssw0rd123",
            "admin@12345",
            "qwer!@#$1234",
        ];
        let n = password.chars().count();
        if n < 10 {
            return Err("password.too_short");
        }
        if n > 128 {
            return Err("password.too_long");
        }
        if password.eq_ignore_ascii_case(username)
            || COMMON.contains(&password.to_ascii_lowercase().as_str())
        {
            return Err("password.too_common");
        }
        if self == Profile::Dengbao {
            let kinds = [
                password.chars().any(|c| c.is_ascii_uppercase()),
                password.chars().any(|c| c.is_ascii_lowercase()),
                password.chars().any(|c| c.is_ascii_digit()),
                password.chars().any(|c| !c.is_ascii_alphanumeric()),
            ];
            if kinds.iter().filter(|k| **k).count() < 3 {
                return Err("password.too_simple");
            }
        }
        Ok(())
    }

    /// Whether a password set at `changed_at` (the database's UTC text) must be changed now.
    pub fn expired(self, changed_at: &str, now: jiff::Timestamp) -> bool {
        if self != Profile::Dengbao {
            return false;
        }
        let Ok(at) = changed_at.parse::<jiff::Timestamp>() else {
            return true;
        };
        now.duration_since(at).as_secs() > DENGBAO_MAX_AGE_DAYS * 86_400
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn hash_and_verify() {
        let h = super::hash("zizhi-demo").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(super::verify("zizhi-demo", &h));
        assert!(!super::verify("zizhi-dem0", &h));
        assert!(!super::verify("x", "not a hash"));
    }

    use super::Profile;

    #[test]
    fn profiles() {
        for p in [Profile::Asvs, Profile::Dengbao] {
            assert_eq!(p.check("head", "short"), Err("password.too_short"));
            assert_eq!(p.check("head", "1234567890"), Err("password.too_common"));
            assert_eq!(p.check("head", &"x".repeat(129)), Err("password.too_long"));
        }
        assert!(Profile::Asvs.check("head", "zizhi-demo").is_ok());
        assert!(Profile::Asvs.check("head", "明月几时有把酒问青天").is_ok());
        assert_eq!(
            Profile::Dengbao.check("head", "zizhi-demo"),
            Err("password.too_simple")
        );
        assert!(Profile::Dengbao.check("head", "Zizhi-demo").is_ok());
        assert!(Profile::Dengbao.check("head", "zizhi-2026x").is_ok());
        assert_eq!(Profile::parse("dengbao").unwrap(), Profile::Dengbao);
        assert!(Profile::parse("strict").is_err());
    }

    #[test]
    fn rotation() {
        let now: jiff::Timestamp = "2026-11-29T00:00:00Z".parse().unwrap();
        assert!(!Profile::Asvs.expired("2020-01-01T00:00:00Z", now));
        assert!(!Profile::Dengbao.expired("2026-09-01T00:00:00Z", now));
        assert!(Profile::Dengbao.expired("2026-08-30T00:00:00Z", now));
    }
}
