//! Configuration, layered: defaults, then `zizhi.toml` in the data folder, then `ZIZHI_*`
//! environment variables, then command-line flags. Secrets never appear in `Debug` output.

use std::fmt;
use std::path::{Path, PathBuf};

use anyhow::Context;
use serde::Deserialize;

/// Which password rules apply (`password_profile` in zizhi.toml; docs/operations.md).
///
/// - `asvs` (the default), OWASP ASVS 5.0 level 2: length is what counts. At least 10
///   characters, at most 128, not the user name, not a breached-common password. No composition
///   rules and no forced rotation, which ASVS advises against (V6.2.5, V6.2.10).
/// - `dengbao`, 等保 2.0 level 3 (GB/T 22239-2019 8.1.4.1 a, "身份鉴别信息具有复杂度要求并定期
///   更换"): the same, plus at least three of the four kinds of character (capital letters,
///   small letters, digits, symbols), and a new password every 90 days. An expired password
///   still proves who is signing in, but only to set a new one.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum PasswordProfile {
    #[default]
    Asvs,
    Dengbao,
}

impl PasswordProfile {
    pub fn parse(s: &str) -> anyhow::Result<PasswordProfile> {
        match s.trim() {
            "asvs" => Ok(PasswordProfile::Asvs),
            "dengbao" => Ok(PasswordProfile::Dengbao),
            other => anyhow::bail!("password_profile must be asvs or dengbao, got {other:?}"),
        }
    }
}

/// A webhook address zizhi will post to: plain http:// on the local network (docs/operations.md).
pub fn webhook_ok(url: &str) -> bool {
    url.starts_with("http://") && url.parse::<axum::http::Uri>().is_ok()
}

/// A value that must not be logged (a database URL with a password in it).
#[derive(Clone, Deserialize, PartialEq, Eq)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn new(s: impl Into<String>) -> Self {
        Secret(s.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    /// Shows the scheme and host of a URL, never its user info.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0.split_once("://") {
            Some((scheme, rest)) => {
                let host = rest.rsplit_once('@').map(|(_, h)| h).unwrap_or(rest);
                let host = host.split(['/', '?']).next().unwrap_or("");
                write!(f, "{scheme}://[redacted]@{host}/…")
            }
            None => f.write_str("[redacted]"),
        }
    }
}

#[derive(Clone, Debug)]
pub struct Config {
    pub addr: String,
    pub data_dir: PathBuf,
    pub database_url: Option<Secret>,
    /// Largest JSON body accepted, in bytes.
    pub json_limit: usize,
    /// The address users reach zizhi at (`https://…` behind a proxy); used for the origin
    /// check, Secure cookies and HSTS.
    pub public_url: Option<String>,
    /// Take the client address from `X-Forwarded-For`.
    pub trust_proxy: bool,
    /// Where notifications are POSTed for an SMS or WeChat gateway (http://…; docs/webhook.md).
    pub webhook_url: Option<String>,
    /// SQLite's `PRAGMA synchronous` for writes (default `full`). Anything weaker than `full`
    /// also needs `unsafe_durability`.
    pub sqlite_synchronous: Option<String>,
    /// The operator's explicit opt-out of the startup durability check (docs/operations.md).
    pub unsafe_durability: bool,
    /// The password rules: `asvs` (default) or `dengbao` (等保 2.0 level 3; `auth::password`).
    pub password_profile: PasswordProfile,
    /// The chain key's file (`platform::chain_key`); default `<data folder>.key`.
    pub chain_key_file: Option<PathBuf>,
    /// The chain key itself, from `ZIZHI_CHAIN_KEY` (64 hex digits); wins over the file.
    pub chain_key: Option<Secret>,
    /// Web origins (`https://app.example.cn`) whose pages may call Open311 from the browser
    /// (CORS); none by default.
    pub open311_cors_origins: Vec<String>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            addr: "127.0.0.1:8080".into(),
            data_dir: PathBuf::from("./zizhi-data"),
            database_url: None,
            json_limit: 1024 * 1024,
            public_url: None,
            trust_proxy: false,
            webhook_url: None,
            sqlite_synchronous: None,
            unsafe_durability: false,
            password_profile: PasswordProfile::Asvs,
            chain_key_file: None,
            chain_key: None,
            open311_cors_origins: Vec::new(),
        }
    }
}

#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileLayer {
    addr: Option<String>,
    database_url: Option<Secret>,
    json_limit: Option<usize>,
    public_url: Option<String>,
    trust_proxy: Option<bool>,
    webhook_url: Option<String>,
    sqlite_synchronous: Option<String>,
    unsafe_durability: Option<bool>,
    password_profile: Option<String>,
    chain_key_file: Option<PathBuf>,
    open311_cors_origins: Option<Vec<String>>,
}

/// What the command line says; `None` leaves the lower layers' value.
#[derive(Default, Debug, Clone)]
pub struct Flags {
    pub addr: Option<String>,
    pub data_dir: Option<PathBuf>,
    pub database_url: Option<String>,
}

impl Config {
    /// Builds the configuration from all four layers. `env` is the process environment.
    pub fn load(flags: &Flags, env: impl Fn(&str) -> Option<String>) -> anyhow::Result<Config> {
        let mut c = Config::default();
        if let Some(d) = flags
            .data_dir
            .clone()
            .or_else(|| env("ZIZHI_DATA").map(PathBuf::from))
        {
            c.data_dir = d;
        }
        let file = c.data_dir.join("zizhi.toml");
        if file.exists() {
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("cannot read {}", file.display()))?;
            let layer: FileLayer =
                toml::from_str(&text).with_context(|| format!("invalid {}", file.display()))?;
            c.apply_file(layer)?;
        }
        if let Some(v) = env("ZIZHI_ADDR") {
            c.addr = v;
        }
        if let Some(v) = env("ZIZHI_DATABASE_URL") {
            c.database_url = Some(Secret(v));
        }
        if let Some(v) = env("ZIZHI_JSON_LIMIT") {
            c.json_limit = v
                .parse()
                .context("ZIZHI_JSON_LIMIT must be a number of bytes")?;
        }
        if let Some(v) = env("ZIZHI_PUBLIC_URL") {
            c.public_url = Some(v);
        }
        if let Some(v) = env("ZIZHI_WEBHOOK_URL") {
            c.webhook_url = Some(v);
        }
        if let Some(v) = env("ZIZHI_TRUST_PROXY") {
            c.trust_proxy = matches!(v.as_str(), "1" | "true" | "yes");
        }
        if let Some(v) = env("ZIZHI_SQLITE_SYNCHRONOUS") {
            c.sqlite_synchronous = Some(v);
        }
        if let Some(v) = env("ZIZHI_UNSAFE_DURABILITY") {
            c.unsafe_durability = matches!(v.as_str(), "1" | "true" | "yes");
        }
        if let Some(v) = env("ZIZHI_PASSWORD_PROFILE") {
            c.password_profile = PasswordProfile::parse(&v)?;
        }
        if let Some(v) = env("ZIZHI_CHAIN_KEY_FILE") {
            c.chain_key_file = Some(PathBuf::from(v));
        }
        if let Some(v) = env("ZIZHI_CHAIN_KEY") {
            c.chain_key = Some(Secret(v));
        }
        if let Some(v) = env("ZIZHI_OPEN311_CORS_ORIGINS") {
            c.open311_cors_origins = v
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect();
        }
        for o in &c.open311_cors_origins {
            if !(o.starts_with("https://") || o.starts_with("http://")) || o.ends_with('/') {
                anyhow::bail!(
                    "open311_cors_origins: {o} is not an origin such as https://app.example.cn"
                );
            }
        }
        if let Some(v) = &flags.addr {
            c.addr = v.clone();
        }
        if let Some(v) = &flags.database_url {
            c.database_url = Some(Secret(v.clone()));
        }
        if let Some(url) = &c.webhook_url
            && !webhook_ok(url)
        {
            anyhow::bail!("webhook_url must be an http:// address, got {url}");
        }
        Ok(c)
    }

    fn apply_file(&mut self, f: FileLayer) -> anyhow::Result<()> {
        if let Some(v) = f.addr {
            self.addr = v;
        }
        if let Some(v) = f.database_url {
            self.database_url = Some(v);
        }
        if let Some(v) = f.json_limit {
            self.json_limit = v;
        }
        if let Some(v) = f.public_url {
            self.public_url = Some(v);
        }
        if let Some(v) = f.trust_proxy {
            self.trust_proxy = v;
        }
        if let Some(v) = f.webhook_url {
            self.webhook_url = Some(v);
        }
        if let Some(v) = f.sqlite_synchronous {
            self.sqlite_synchronous = Some(v);
        }
        if let Some(v) = f.unsafe_durability {
            self.unsafe_durability = v;
        }
        if let Some(v) = f.password_profile {
            self.password_profile = PasswordProfile::parse(&v)?;
        }
        if let Some(v) = f.chain_key_file {
            self.chain_key_file = Some(v);
        }
        if let Some(v) = f.open311_cors_origins {
            self.open311_cors_origins = v;
        }
        Ok(())
    }

    /// Whether users reach zizhi over https (Secure cookies, HSTS).
    pub fn https(&self) -> bool {
        self.public_url
            .as_deref()
            .is_some_and(|u| u.starts_with("https://"))
    }

    /// The database to use: the configured URL, or the SQLite file in the data folder.
    pub fn database_url(&self) -> String {
        match &self.database_url {
            Some(s) => s.expose().to_owned(),
            None => crate::platform::db::sqlite_url(&self.data_dir.join("zizhi.db")),
        }
    }

    /// Whether the database is PostgreSQL rather than the SQLite file.
    pub fn on_postgres(&self) -> bool {
        self.database_url
            .as_ref()
            .is_some_and(|u| u.expose().starts_with("postgres"))
    }

    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layers_in_order() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("zizhi.toml"),
            "addr = \"0.0.0.0:1\"\njson_limit = 10\n",
        )
        .unwrap();
        let flags = Flags {
            data_dir: Some(dir.path().into()),
            ..Default::default()
        };
        let env = |k: &str| (k == "ZIZHI_JSON_LIMIT").then(|| "20".to_string());
        let c = Config::load(&flags, env).unwrap();
        assert_eq!(c.addr, "0.0.0.0:1", "file beats default");
        assert_eq!(c.json_limit, 20, "env beats file");
        let flags = Flags {
            addr: Some("127.0.0.1:9".into()),
            ..flags
        };
        assert_eq!(
            Config::load(&flags, env).unwrap().addr,
            "127.0.0.1:9",
            "flag beats file"
        );
    }

    #[test]
    fn secrets_redacted() {
        let s = Secret::new("postgres://zizhi:hunter2@db.example:5432/zizhi");
        let shown = format!("{s:?}");
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(shown.contains("db.example"));
    }
}
