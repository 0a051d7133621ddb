//! The chain key: a secret kept outside the database that keys the audit log's and the
//! publication chain's seals (HMAC-SHA256, `audit::seal`), signs checkpoints
//! (`audit::checkpoint`) and encrypts two-factor secrets (`auth::totp`).
//!
//! Someone who can write the database file but not read the key cannot rewrite, insert or cut
//! entries unseen: the public SHA-256 chains still let anyone re-check what was published,
//! and the seals tell an operator that the chains are the ones zizhi wrote.
//!
//! Where the key comes from, first match wins: `ZIZHI_CHAIN_KEY` (64 hex digits, for several
//! servers on one PostgreSQL), the file `chain_key_file` names (`zizhi.toml` or
//! `ZIZHI_CHAIN_KEY_FILE`), else `<data folder>.key` beside the data folder. A missing key file
//! is created at the first start, readable by zizhi's own user only (0600).
//!
//! One process holds one key (`install`); every write of the audit log uses it.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use anyhow::{Context, bail};
use chacha20poly1305::aead::{Aead, KeyInit};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::config::Config;

/// 32 secret bytes.
#[derive(Clone, PartialEq, Eq)]
pub struct ChainKey([u8; 32]);

impl std::fmt::Debug for ChainKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ChainKey({})", self.id())
    }
}

static KEY: OnceLock<ChainKey> = OnceLock::new();

impl ChainKey {
    /// A key from 64 hex digits.
    pub fn from_hex(text: &str) -> anyhow::Result<ChainKey> {
        let bytes = hex::decode(text.trim()).context("the chain key must be 64 hex digits")?;
        let bytes: [u8; 32] = bytes
            .try_into()
            .map_err(|_| anyhow::anyhow!("the chain key must be 64 hex digits (32 bytes)"))?;
        Ok(ChainKey(bytes))
    }

    fn random() -> ChainKey {
        ChainKey(rand::random())
    }

    /// HMAC-SHA256 over the domain and the parts, each length-prefixed, as hex.
    pub fn mac(&self, domain: &str, parts: &[&str]) -> String {
        hex::encode(self.hmac(domain, parts).finalize().into_bytes())
    }

    fn hmac(&self, domain: &str, parts: &[&str]) -> Hmac<Sha256> {
        let mut m = <Hmac<Sha256> as Mac>::new_from_slice(&self.0).expect("any key length");
        for p in std::iter::once(&domain).chain(parts) {
            m.update(p.len().to_string().as_bytes());
            m.update(b":");
            m.update(p.as_bytes());
        }
        m
    }

    /// Whether `mac` is this key's seal over the domain and parts (compared in constant time).
    pub fn holds(&self, mac: Option<&str>, domain: &str, parts: &[&str]) -> bool {
        let Some(mac) = mac.and_then(|m| hex::decode(m).ok()) else {
            return false;
        };
        self.hmac(domain, parts).verify_slice(&mac).is_ok()
    }

    /// A short public name of the key (not the key): which key sealed a database or a checkpoint.
    pub fn id(&self) -> String {
        self.mac("zizhi-key-id", &[])[..16].to_owned()
    }

    fn cipher(&self) -> XChaCha20Poly1305 {
        let k = hex::decode(self.mac("zizhi-secret-encryption-v1", &[])).expect("hex");
        XChaCha20Poly1305::new_from_slice(&k).expect("32 bytes")
    }

    /// Encrypts a small secret for storage: `v1:` and the hex of nonce and ciphertext.
    pub fn encrypt(&self, plain: &str) -> String {
        let nonce: [u8; 24] = rand::random();
        let sealed = self
            .cipher()
            .encrypt(&XNonce::from(nonce), plain.as_bytes())
            .expect("encryption of a short secret");
        format!("v1:{}{}", hex::encode(nonce), hex::encode(sealed))
    }

    /// The secret `encrypt` stored, or none if it was not made with this key or was altered.
    pub fn decrypt(&self, stored: &str) -> Option<String> {
        let bytes = hex::decode(stored.strip_prefix("v1:")?).ok()?;
        if bytes.len() < 24 {
            return None;
        }
        let (nonce, sealed) = bytes.split_at(24);
        let nonce: [u8; 24] = nonce.try_into().ok()?;
        let plain = self.cipher().decrypt(&XNonce::from(nonce), sealed).ok()?;
        String::from_utf8(plain).ok()
    }
}

/// Whether a stored secret is already encrypted (`ChainKey::encrypt`).
pub fn is_encrypted(stored: &str) -> bool {
    stored.starts_with("v1:")
}

/// Makes `key` the process's key. Installing the same key again is fine; another is an error
/// (one process serves one database).
pub fn install(key: ChainKey) -> anyhow::Result<&'static ChainKey> {
    let held = KEY.get_or_init(|| key.clone());
    if *held != key {
        bail!("another chain key is already in use in this process");
    }
    Ok(held)
}

/// The process's key, once `install`ed (`cli::database::open_db` does it).
pub fn current() -> Option<&'static ChainKey> {
    KEY.get()
}

/// Where the key file is: the configured one, or `<data folder>.key` beside the data folder.
pub fn key_path(config: &Config) -> PathBuf {
    if let Some(p) = &config.chain_key_file {
        return p.clone();
    }
    let dir = std::path::absolute(&config.data_dir).unwrap_or_else(|_| config.data_dir.clone());
    let dir: PathBuf = dir.components().collect();
    let name = dir
        .file_name()
        .map_or_else(|| "zizhi".into(), |n| n.to_string_lossy().into_owned());
    dir.with_file_name(format!("{name}.key"))
}

/// The configured key: from the environment, else from the key file, which is created (0600)
/// when it is missing. Returns whether it was created now.
pub fn load(config: &Config) -> anyhow::Result<(ChainKey, bool)> {
    if let Some(hex) = &config.chain_key {
        return Ok((
            ChainKey::from_hex(hex.expose()).context("ZIZHI_CHAIN_KEY")?,
            false,
        ));
    }
    let path = key_path(config);
    match std::fs::read_to_string(&path) {
        Ok(text) => {
            let key = ChainKey::from_hex(&text)
                .with_context(|| format!("invalid chain key file {}", path.display()))?;
            warn_if_readable(&path);
            Ok((key, false))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let key = ChainKey::random();
            write_new(&path, &key)?;
            tracing::info!(path = %path.display(), "created the chain key; back it up apart from the database");
            Ok((key, true))
        }
        Err(e) => Err(e).with_context(|| format!("cannot read chain key file {}", path.display())),
    }
}

fn write_new(path: &Path, key: &ChainKey) -> anyhow::Result<()> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("cannot create {}", parent.display()))?;
    }
    let mut opts = std::fs::File::options();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
    let mut f = opts
        .open(path)
        .with_context(|| format!("cannot create chain key file {}", path.display()))?;
    writeln!(f, "{}", hex::encode(key.0))?;
    f.sync_all()?;
    Ok(())
}

fn warn_if_readable(path: &Path) {
    #[cfg(unix)]
    if let Ok(m) = std::fs::metadata(path) {
        use std::os::unix::fs::PermissionsExt;
        if m.permissions().mode() & 0o077 != 0 {
            tracing::warn!(path = %path.display(), "the chain key file is readable by others; chmod 600 it");
        }
    }
    #[cfg(not(unix))]
    let _ = path;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seals_and_secrets() {
        let k = ChainKey::from_hex(&"ab".repeat(32)).unwrap();
        let other = ChainKey::from_hex(&"cd".repeat(32)).unwrap();
        let m = k.mac("d", &["a", "b"]);
        assert!(k.holds(Some(&m), "d", &["a", "b"]));
        assert!(!k.holds(Some(&m), "d", &["ab", ""]), "length prefixes");
        assert!(!other.holds(Some(&m), "d", &["a", "b"]));
        assert!(!k.holds(None, "d", &["a", "b"]));
        let s = k.encrypt("JBSWY3DPEHPK3PXP");
        assert!(is_encrypted(&s) && !s.contains("JBSWY3DPEHPK3PXP"));
        assert_eq!(k.decrypt(&s).as_deref(), Some("JBSWY3DPEHPK3PXP"));
        assert_eq!(other.decrypt(&s), None);
        let mut flipped = s.clone();
        flipped.replace_range(s.len() - 1.., if s.ends_with('0') { "1" } else { "0" });
        assert_eq!(k.decrypt(&flipped), None, "altered ciphertext");
        assert!(ChainKey::from_hex("12").is_err());
    }

    #[test]
    fn key_file_beside_the_data_folder() {
        let dir = tempfile::tempdir().unwrap();
        let c = Config {
            data_dir: dir.path().join("data"),
            ..Config::default()
        };
        assert_eq!(key_path(&c), dir.path().join("data.key"));
        let (k, created) = load(&c).unwrap();
        assert!(created);
        let (again, created) = load(&c).unwrap();
        assert!(!created);
        assert_eq!(k, again);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join("data.key"))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }
}
