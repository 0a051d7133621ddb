//! The house's shape (issue 19, item 5): the kernel (`src/platform`) at the bottom imports no
//! area; the wiring (`app.rs`) on top is imported only by the command line; no area reaches
//! back up into it.

use std::path::{Path, PathBuf};

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// The crate-level modules a file names by `crate::…`.
fn named_modules(text: &str) -> Vec<String> {
    text.match_indices("crate::")
        .map(|(i, _)| {
            text[i + 7..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect()
        })
        .collect()
}

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

#[test]
fn the_kernel_imports_no_area() {
    let mut files = Vec::new();
    rust_files(&src().join("platform"), &mut files);
    assert!(files.len() > 10, "the kernel's files: {}", files.len());
    let mut found = Vec::new();
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap();
        for m in named_modules(&text) {
            // The kernel's own paths, and the macro it exports.
            if m != "platform" && m != "workflow_state" {
                found.push(format!("{}: crate::{m}", f.display()));
            }
        }
    }
    assert!(found.is_empty(), "the kernel names areas: {found:#?}");
}

#[test]
fn only_the_command_line_imports_the_wiring() {
    let mut files = Vec::new();
    rust_files(&src(), &mut files);
    let mut found = Vec::new();
    for f in &files {
        let rel = f
            .strip_prefix(src())
            .unwrap()
            .to_string_lossy()
            .into_owned();
        if rel == "app.rs" || rel.starts_with("cli/") || rel == "main.rs" {
            continue;
        }
        let text = std::fs::read_to_string(f).unwrap();
        if text
            .lines()
            .filter(|l| !l.trim_start().starts_with("//"))
            .any(|l| named_modules(l).iter().any(|m| m == "app"))
        {
            found.push(rel);
        }
    }
    assert!(found.is_empty(), "areas reach up into app.rs: {found:?}");
}

#[test]
fn each_area_owns_its_routes_and_the_wiring_only_merges_them() {
    let app = std::fs::read_to_string(src().join("app.rs")).unwrap();
    let routes: Vec<&str> = app
        .lines()
        .map(str::trim)
        .filter(|l| l.starts_with(".route("))
        .collect();
    // The wiring's own: the stylesheet, the health check and the API document.
    assert_eq!(routes.len(), 3, "app.rs routes pages itself: {routes:#?}");
    let merged: Vec<&str> = app
        .lines()
        .map(str::trim)
        .filter_map(|l| l.strip_prefix(".merge(crate::"))
        .collect();
    for area in [
        "auth",
        "audit",
        "cases",
        "council",
        "disclosure",
        "rules",
        "daily",
        "agreements",
        "admissions",
        "assessment",
        "supervision",
        "campaigns",
        "registry",
        "home",
    ] {
        let wired = merged.iter().any(|m| m.starts_with(&format!("{area}::")));
        assert!(wired, "{area} is not merged by its own router: {merged:?}");
    }
    for m in &merged {
        let tail = m.split("::").nth(1).unwrap_or_default();
        assert!(
            ["routes())", "pages())"].contains(&tail),
            "merged by a path into the area, not its router: crate::{m}"
        );
    }
}

#[test]
fn no_area_hands_another_a_sql_fragment() {
    // Areas import each other through small public functions (issue 19, item 5): a query text
    // shared across areas ties one area's tables to another's code.
    let mut files = Vec::new();
    rust_files(&src(), &mut files);
    let mut found = Vec::new();
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap();
        for line in text.lines().map(str::trim_start) {
            let shared = line.starts_with("pub const ") || line.starts_with("pub(crate) const ");
            let sql = ["\"SELECT", "\"INSERT", "\"UPDATE", "\"DELETE", "\"WITH"]
                .iter()
                .any(|v| line.contains(&format!("&str = {v}")));
            if shared && sql {
                found.push(format!("{}: {line}", f.display()));
            }
        }
    }
    assert!(found.is_empty(), "SQL shared beyond its area: {found:#?}");
}

/// Quoted `a.b…` words on the code lines of `text` (comments, audit action names and
/// authorization action names, which share the dotted form, left out).
fn dotted_words(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in text.lines() {
        let l = line.trim_start();
        if l.starts_with("//")
            || ["Entry::new(", "entries(", "Action::"]
                .iter()
                .any(|s| l.contains(s))
        {
            continue;
        }
        for q in ['"', '\''] {
            let parts: Vec<&str> = l.split(q).collect();
            for w in parts.iter().skip(1).step_by(2) {
                let dotted = w.contains('.')
                    && w.split('.').all(|p| {
                        !p.is_empty()
                            && p.chars()
                                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
                    });
                if dotted {
                    out.push((*w).to_owned());
                }
            }
        }
    }
    out
}

#[test]
fn each_area_speaks_its_own_messages_and_the_kernels_words() {
    // Issue 19, item 5: an area's message keys live in its own catalog (src/<area>/i18n/); it
    // uses those and the kernel's shared words, never another area's.
    let catalog = zizhi::platform::i18n::catalog(zizhi::platform::i18n::Lang::ZhCn);
    let mut owner = std::collections::HashMap::new();
    for e in std::fs::read_dir(src()).unwrap() {
        let dir = e.unwrap().path();
        let Ok(text) = std::fs::read_to_string(dir.join("i18n/zh-CN.toml")) else {
            continue;
        };
        let area = dir.file_name().unwrap().to_string_lossy().into_owned();
        for l in text.lines().filter_map(|l| l.strip_prefix('[')) {
            let top: String = l.chars().take_while(|c| *c != '.' && *c != ']').collect();
            owner.insert(top, area.clone());
        }
    }
    assert!(owner.len() > 50, "sections found: {}", owner.len());
    let templates = src().parent().unwrap().join("templates");
    let mut found = Vec::new();
    let mut checked = 0;
    for area in owner.values().collect::<std::collections::BTreeSet<_>>() {
        let mut files = Vec::new();
        rust_files(&src().join(area), &mut files);
        if let Ok(dir) = std::fs::read_dir(templates.join(area)) {
            files.extend(dir.map(|e| e.unwrap().path()));
        }
        if area == "platform" {
            files.push(templates.join("base.html"));
            files.push(templates.join("error.html"));
        }
        for f in files {
            let text = std::fs::read_to_string(&f).unwrap();
            for key in dotted_words(&text)
                .into_iter()
                .filter(|k| catalog.contains_key(k))
            {
                checked += 1;
                let top = key.split('.').next().unwrap();
                let by = owner.get(top).map(String::as_str).unwrap_or("nobody");
                if by != area && by != "platform" {
                    found.push(format!("{}: {key} (owned by {by})", f.display()));
                }
            }
        }
    }
    assert!(checked > 1000, "keys seen in use: {checked}");
    assert!(
        found.is_empty(),
        "areas using another area's messages: {found:#?}"
    );
}
