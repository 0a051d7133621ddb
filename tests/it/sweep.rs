//! Issue 20, items 9 and 10: every page each role reaches from its home, loaded in Chromium on
//! a 360px phone in Chinese and English, with 大字 on and off, fails the run on a page wider
//! than the phone, a tap target smaller than 44×44 px, or an axe-core violation (WCAG 2.1 A and
//! AA). axe comes from the npm registry (`tests/assets/axe`, installed by `.ci/run`).

use std::collections::{BTreeMap, BTreeSet};

use fantoccini::Client;

use crate::browser::Journey;

/// Each role's demo account; "" is a visitor who is not signed in.
const ROLES: [&str; 9] = [
    "",
    "resident",
    "leader",
    "worker",
    "head",
    "council",
    "supervisor",
    "street",
    "auditor",
];

/// The most pages of one role the sweep loads (distinct pages by their path's shape).
const PER_ROLE: usize = 45;

/// Width, and the tap targets under 44×44 px. A link inside a sentence is WCAG's inline
/// exception; a checkbox or radio is measured by its label.
const CHECK: &str = r#"
const bad = [];
for (const e of document.querySelectorAll('a[href], button, input:not([type=hidden]), select, textarea, summary')) {
  let el = e;
  if ((e.type === 'checkbox' || e.type === 'radio') && e.closest('label')) el = e.closest('label');
  const r = el.getBoundingClientRect();
  const cs = getComputedStyle(el);
  // Hidden, or off the page until focused (the skip link).
  if (r.width <= 1 || r.height <= 1 || r.right <= 0 || cs.visibility === 'hidden') continue;
  if (e.tagName === 'A' && cs.display === 'inline') {
    const p = e.parentElement;
    if (p && p.textContent.trim().length > e.textContent.trim().length + 1) continue;
  }
  if (r.width < 44 || r.height < 44) {
    const what = (e.textContent || e.value || e.name || e.getAttribute('href') || '').trim().slice(0, 24);
    bad.push(e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + ' "' + what + '" ' + Math.round(r.width) + '×' + Math.round(r.height));
  }
}
return {inner: window.innerWidth, width: document.documentElement.scrollWidth, bad: bad.slice(0, 5),
        elements: document.getElementsByTagName('*').length};
"#;

/// The largest page axe checks (its run grows with the page: 30 s for a street's ledger).
const AXE_MAX_ELEMENTS: i64 = 20_000;

const AXE_RUN: &str = r#"
const done = arguments[arguments.length - 1];
axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})
  .then(r => done(r.violations.map(v => v.id + ' ' + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(', '))))
  .catch(e => done(['axe failed: ' + e]));
"#;

fn axe_source() -> String {
    let path = std::env::var("ZIZHI_AXE").unwrap_or_else(|_| {
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/assets/axe/node_modules/axe-core/axe.min.js"
        )
        .into()
    });
    std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{path}: {e} (npm ci --prefix tests/assets/axe)"))
}

/// A path's shape: its numbers as `N`, so that one case page stands for all.
fn shape(path: &str) -> String {
    path.split('/')
        .map(|s| {
            if !s.is_empty() && s.chars().all(|c| c.is_ascii_digit()) {
                "N"
            } else {
                s
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// A link the sweep follows: a page of this site, not a download, a feed, a photo, the API,
/// a switch of language or text size, or signing out.
fn followed(href: &str) -> Option<String> {
    let path = href.split('#').next()?;
    if !path.starts_with('/') || path.starts_with("//") || path.starts_with("/api/") {
        return None;
    }
    let bare = path.split('?').next()?;
    let skip = [".xlsx", ".csv", ".ics", ".json", ".xml", ".png", ".svg"];
    if skip.iter().any(|s| bare.ends_with(s))
        || bare.contains("/photos/")
        || bare.contains("/attachments/")
        || bare.starts_with("/open311")
        || bare == "/logout"
        || path.contains("lang=")
        || path.contains("big=")
    {
        return None;
    }
    Some(path.to_owned())
}

async fn links(c: &Client) -> Vec<String> {
    let v = c
        .execute(
            "return Array.from(document.querySelectorAll('a[href]')).map(a => a.getAttribute('href'))",
            vec![],
        )
        .await
        .unwrap();
    v.as_array()
        .unwrap()
        .iter()
        .filter_map(|h| h.as_str().and_then(followed))
        .collect()
}

/// The pages a role reaches from its home in two steps, one per shape.
async fn pages_of(j: &Journey) -> Vec<String> {
    let mut seen = BTreeSet::new();
    let mut pages = vec!["/".to_owned()];
    seen.insert(shape("/"));
    let mut add = |found: Vec<String>, pages: &mut Vec<String>| {
        for href in found {
            if pages.len() < PER_ROLE && seen.insert(shape(href.split('?').next().unwrap())) {
                pages.push(href);
            }
        }
    };
    j.c.goto(&j.url("/")).await.unwrap();
    add(links(&j.c).await, &mut pages);
    let from_home = pages.len();
    for i in 1..from_home {
        let path = pages[i].clone();
        j.c.goto(&j.url(&path)).await.unwrap();
        add(links(&j.c).await, &mut pages);
    }
    pages
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(zizhi_browser),
    ignore = "set ZIZHI_TEST_BROWSER=1 (needs chromium and chromium-driver)"
)]
async fn every_page_of_every_role_fits_a_phone_with_large_targets_and_no_axe_violation() {
    let axe = axe_source();
    let j = Journey::start().await;
    j.c.update_timeouts(fantoccini::wd::TimeoutConfiguration::new(
        Some(std::time::Duration::from_secs(120)),
        Some(std::time::Duration::from_secs(60)),
        None,
    ))
    .await
    .unwrap();
    let mut failures: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut loaded = 0;
    // ZIZHI_SWEEP_ROLES=worker,head sweeps only those (while fixing a page).
    let only = std::env::var("ZIZHI_SWEEP_ROLES").ok();
    let roles = ROLES.iter().filter(|r| {
        only.as_deref().is_none_or(|o| {
            o.split(',')
                .any(|x| x == **r || (x == "visitor" && r.is_empty()))
        })
    });
    for &role in roles {
        j.c.goto(&j.url("/")).await.unwrap();
        j.c.delete_all_cookies().await.unwrap();
        if !role.is_empty() {
            j.login(role).await.unwrap();
        }
        let pages = pages_of(&j).await;
        for (lang, big) in [("zh-CN", "0"), ("en", "1"), ("zh-CN", "1"), ("en", "0")] {
            j.c.goto(&j.url(&format!("/?lang={lang}"))).await.unwrap();
            j.c.goto(&j.url(&format!("/?big={big}"))).await.unwrap();
            for path in &pages {
                j.c.goto(&j.url(path)).await.unwrap();
                loaded += 1;
                let at = format!(
                    "{} {path} ({lang}, 大字 {big})",
                    if role.is_empty() { "visitor" } else { role }
                );
                let r = j.c.execute(CHECK, vec![]).await.unwrap();
                let (inner, width) = (r["inner"].as_i64().unwrap(), r["width"].as_i64().unwrap());
                let mut found = Vec::new();
                if width > inner {
                    found.push(format!("{width}px wide at {inner}px"));
                }
                for b in r["bad"].as_array().unwrap() {
                    found.push(format!("small target {}", b.as_str().unwrap()));
                }
                // axe once per page, in Chinese at normal size; a page of thousands of rows (a
                // whole street's ledger) is checked by axe in a smaller scope's copy.
                if (lang, big) == ("zh-CN", "0")
                    && r["elements"].as_i64().unwrap() < AXE_MAX_ELEMENTS
                {
                    j.c.execute(&axe, vec![]).await.unwrap();
                    let t0 = std::time::Instant::now();
                    match j.c.execute_async(AXE_RUN, vec![]).await {
                        Ok(v) => {
                            for x in v.as_array().unwrap() {
                                found.push(format!("axe {}", x.as_str().unwrap()));
                            }
                        }
                        Err(e) => found.push(format!("axe did not finish: {e}")),
                    }
                    if t0.elapsed() > std::time::Duration::from_secs(5) {
                        eprintln!("sweep: {at}: axe took {:?}", t0.elapsed());
                    }
                }
                if !found.is_empty() {
                    failures.insert(at, found);
                }
            }
        }
    }
    j.finish(Ok(())).await;
    let report: Vec<String> = failures
        .iter()
        .map(|(at, f)| format!("{at}:\n    {}", f.join("\n    ")))
        .collect();
    assert!(
        loaded > 300 || only.is_some(),
        "the sweep loaded {loaded} pages"
    );
    assert!(
        failures.is_empty(),
        "{} of {loaded} page loads fail:\n{}",
        failures.len(),
        report.join("\n")
    );
}
