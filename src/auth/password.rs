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

/// The ASVS 5.0 level-2 profile: at least 10 characters, not the user name, not a password
/// from the breached-common list. (The 等保 profile with complexity and rotation is issue 10.)
pub fn check_profile(username: &str, password: &str) -> Result<(), &'static str> {
    const COMMON: &[&str] = &[
        "1234567890",
        "password123",
        "qwertyuiop",
        "a123456789",
        "zizhi12345",
    ];
    if password.chars().count() < 10 {
        return Err("password.too_short");
    }
    if password.eq_ignore_ascii_case(username)
        || COMMON.contains(&password.to_ascii_lowercase().as_str())
    {
        return Err("password.too_common");
    }
    Ok(())
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

    #[test]
    fn profile() {
        assert_eq!(
            super::check_profile("head", "short"),
            Err("password.too_short")
        );
        assert_eq!(
            super::check_profile("head", "1234567890"),
            Err("password.too_common")
        );
        assert!(super::check_profile("head", "zizhi-demo").is_ok());
    }
}
