//! Message catalogs: every user-facing string comes from a catalog. Each area owns its messages
//! in `src/<area>/i18n/<lang>.toml` (the kernel's shared words, `common`, `input`, `error`…, in
//! `src/platform/i18n/`); `build.rs` joins them into one catalog per language.
//! Chinese (zh-CN) first, English second.

use std::collections::HashMap;
use std::sync::LazyLock;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Lang {
    #[default]
    ZhCn,
    En,
}

impl Lang {
    pub fn tag(self) -> &'static str {
        match self {
            Lang::ZhCn => "zh-CN",
            Lang::En => "en",
        }
    }

    /// `zh`, `zh-CN`, `zh-Hans`… and `en`, `en-US`…
    pub fn parse(s: &str) -> Option<Lang> {
        let s = s.trim().to_ascii_lowercase();
        if s == "zh" || s.starts_with("zh-") || s.starts_with("zh_") {
            Some(Lang::ZhCn)
        } else if s == "en" || s.starts_with("en-") || s.starts_with("en_") {
            Some(Lang::En)
        } else {
            None
        }
    }

    /// The first language of an `Accept-Language` header that we speak, by q order.
    pub fn from_accept_language(header: &str) -> Option<Lang> {
        let mut tags: Vec<(f32, &str)> = header
            .split(',')
            .filter_map(|part| {
                let mut it = part.split(';');
                let tag = it.next()?.trim();
                let q = it
                    .find_map(|p| p.trim().strip_prefix("q="))
                    .and_then(|q| q.parse().ok())
                    .unwrap_or(1.0);
                Some((q, tag))
            })
            .collect();
        tags.sort_by(|a, b| b.0.total_cmp(&a.0));
        tags.into_iter().find_map(|(_, t)| Lang::parse(t))
    }
}

fn flatten(prefix: &str, table: &toml::Table, out: &mut HashMap<String, String>) {
    for (k, v) in table {
        let key = if prefix.is_empty() {
            k.clone()
        } else {
            format!("{prefix}.{k}")
        };
        match v {
            toml::Value::String(s) => {
                out.insert(key, s.clone());
            }
            toml::Value::Table(t) => flatten(&key, t, out),
            other => panic!("catalog entry {key} must be text, found {other}"),
        }
    }
}

fn load(src: &str) -> HashMap<String, String> {
    let table: toml::Table = src.parse().expect("message catalog is valid TOML");
    let mut out = HashMap::new();
    flatten("", &table, &mut out);
    out
}

static ZH: LazyLock<HashMap<String, String>> =
    LazyLock::new(|| load(include_str!(concat!(env!("OUT_DIR"), "/i18n.zh-CN.toml"))));
static EN: LazyLock<HashMap<String, String>> =
    LazyLock::new(|| load(include_str!(concat!(env!("OUT_DIR"), "/i18n.en.toml"))));

pub fn catalog(lang: Lang) -> &'static HashMap<String, String> {
    match lang {
        Lang::ZhCn => &ZH,
        Lang::En => &EN,
    }
}

/// The text for `key`; a missing key falls back to Chinese, then to the key itself
/// (the catalog test makes sure that never happens in a release).
pub fn t(lang: Lang, key: &str) -> &'static str {
    catalog(lang)
        .get(key)
        .or_else(|| ZH.get(key))
        .map(String::as_str)
        .unwrap_or_else(|| {
            tracing::warn!(key, "missing message");
            Box::leak(key.to_owned().into_boxed_str())
        })
}

/// The text for `key` with `{name}` placeholders filled in.
pub fn tf(lang: Lang, key: &str, args: &[(&str, String)]) -> String {
    let mut s = t(lang, key).to_owned();
    for (name, value) in args {
        s = s.replace(&format!("{{{name}}}"), value);
    }
    s
}

/// What templates hold to look up text: `{{ t.get("login.title") }}`.
#[derive(Clone, Copy, Debug)]
pub struct Tr(pub Lang);

impl Tr {
    pub fn get(&self, key: &str) -> &'static str {
        t(self.0, key)
    }
    /// The text for `prefix.value`, e.g. `t.of("gender", "male")`.
    pub fn of(&self, prefix: &str, value: &str) -> &'static str {
        t(self.0, &format!("{prefix}.{value}"))
    }
    pub fn tag(&self) -> &'static str {
        self.0.tag()
    }
    pub fn is_zh(&self) -> bool {
        self.0 == Lang::ZhCn
    }
    /// An instant as the reader reads it (`2026年12月10日 19:30`).
    pub fn at(&self, i: &super::time::Instant) -> String {
        i.show(self.0)
    }
    /// An instant that may not have happened yet; empty when it has not.
    pub fn at_opt(&self, i: &Option<super::time::Instant>) -> String {
        i.map(|i| i.show(self.0)).unwrap_or_default()
    }
    /// A stored day (`2026-12-10`) as the reader reads it (`2026年12月10日`); anything else as
    /// it is.
    pub fn day(&self, stored: &str) -> String {
        stored
            .parse()
            .map(|d| super::time::show_date(d, self.0))
            .unwrap_or_else(|_| stored.to_owned())
    }
    /// A stored day as [`day`](Self::day) shows it, or today where there is none yet (the day
    /// under a draft's 落款, the day a page is printed).
    pub fn day_or_today(&self, stored: Option<&str>) -> String {
        match stored {
            Some(d) => self.day(d),
            None => super::time::show_date(super::time::today(), self.0),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalogs_have_the_same_keys() {
        let mut missing_en: Vec<_> = ZH.keys().filter(|k| !EN.contains_key(*k)).collect();
        let mut missing_zh: Vec<_> = EN.keys().filter(|k| !ZH.contains_key(*k)).collect();
        missing_en.sort();
        missing_zh.sort();
        assert!(
            missing_en.is_empty(),
            "missing in the en catalogs: {missing_en:?}"
        );
        assert!(
            missing_zh.is_empty(),
            "missing in the zh-CN catalogs: {missing_zh:?}"
        );
    }

    #[test]
    fn stored_days_read_in_the_readers_language() {
        assert_eq!(Tr(Lang::ZhCn).day("2026-12-10"), "2026年12月10日");
        assert_eq!(Tr(Lang::En).day("2026-12-10"), "2026-12-10");
        assert_eq!(Tr(Lang::ZhCn).day("not a day"), "not a day");
    }

    #[test]
    fn accept_language_by_quality() {
        assert_eq!(
            Lang::from_accept_language("en-US,en;q=0.9,zh-CN;q=0.8"),
            Some(Lang::En)
        );
        assert_eq!(
            Lang::from_accept_language("fr;q=1, zh;q=0.5, en;q=0.4"),
            Some(Lang::ZhCn)
        );
        assert_eq!(Lang::from_accept_language("fr, de"), None);
    }
}
