//! Two jobs before the crate compiles:
//! - marks the build for PostgreSQL tests when `ZIZHI_TEST_POSTGRES` names a server, so that
//!   without it those tests are reported as ignored rather than silently passed (and likewise
//!   the browser tests with `ZIZHI_TEST_BROWSER`);
//! - joins each area's message catalog (`src/<area>/i18n/<lang>.toml`, the kernel's in
//!   `src/platform/i18n/`) into one catalog per language for `platform::i18n`, refusing a
//!   section that two areas both define.
use std::collections::BTreeMap;
use std::path::Path;

fn main() {
    println!("cargo::rustc-check-cfg=cfg(zizhi_pg)");
    println!("cargo::rustc-check-cfg=cfg(zizhi_browser)");
    println!("cargo::rerun-if-env-changed=ZIZHI_TEST_POSTGRES");
    println!("cargo::rerun-if-env-changed=ZIZHI_TEST_BROWSER");
    if std::env::var("ZIZHI_TEST_POSTGRES").is_ok_and(|v| !v.is_empty()) {
        println!("cargo::rustc-cfg=zizhi_pg");
    }
    if std::env::var("ZIZHI_TEST_BROWSER").is_ok_and(|v| v != "0") {
        println!("cargo::rustc-cfg=zizhi_browser");
    }
    catalogs();
}

fn catalogs() {
    let out = std::env::var("OUT_DIR").expect("OUT_DIR");
    // A new area's folder is seen too: any change under src/ reruns this (it takes milliseconds).
    println!("cargo::rerun-if-changed=src");
    let mut areas: Vec<_> = std::fs::read_dir("src")
        .expect("src/")
        .map(|e| e.expect("src/ entry").path())
        .filter(|p| p.join("i18n").is_dir())
        .collect();
    areas.sort();
    for lang in ["zh-CN", "en"] {
        let mut joined = String::new();
        let mut owner: BTreeMap<String, String> = BTreeMap::new();
        for area in &areas {
            let file = area.join("i18n").join(format!("{lang}.toml"));
            let text = std::fs::read_to_string(&file)
                .unwrap_or_else(|e| panic!("{}: {e}", file.display()));
            let name = area.file_name().unwrap().to_string_lossy().into_owned();
            for line in text.lines() {
                let Some(section) = line.strip_prefix('[') else {
                    continue;
                };
                let top: String = section
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                if let Some(other) = owner.insert(top.clone(), name.clone()) {
                    assert!(
                        other == name,
                        "[{top}] is defined by both {other} and {name} ({lang}): each section has one owner"
                    );
                }
            }
            joined.push_str(&format!("\n# ---- {}\n", file.display()));
            joined.push_str(&text);
        }
        std::fs::write(Path::new(&out).join(format!("i18n.{lang}.toml")), joined)
            .expect("write the joined catalog");
    }
}
