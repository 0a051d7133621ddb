//! Issue 19, item 6: who may call a handler is visible in its first lines. Each handler that a
//! router names opens with one of
//! - a call that names its `Action` (`ctx.require(Action::…)`, `ctx.scopes(Action::…)`, or a
//!   loader given the action),
//! - `ctx.signed_in()?` (any signed-in user, on their own data),
//! - `// Public: …` saying why anyone may,
//! - `// Authorized in f > g: ActionA, ActionB` naming the function, shared by the page and the
//!   API, that checks those actions (a note in brackets may follow); this test follows the chain (the handler calls `f`, `f` calls
//!   `g`) and fails unless the last one checks every action named.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// How many lines of a handler's body count as "its first lines".
const OPENING: usize = 16;

struct Source {
    /// Path relative to `src/`.
    rel: String,
    text: String,
}

fn sources() -> Vec<Source> {
    fn walk(dir: &Path, root: &Path, out: &mut Vec<Source>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p: PathBuf = e.unwrap().path();
            if p.is_dir() {
                walk(&p, root, out);
            } else if p.extension().is_some_and(|x| x == "rs") {
                out.push(Source {
                    rel: p.strip_prefix(root).unwrap().to_string_lossy().into_owned(),
                    text: std::fs::read_to_string(&p).unwrap(),
                });
            }
        }
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut out = Vec::new();
    walk(&root, &root, &mut out);
    out
}

/// The text between the `{` that opens the item starting at `from` and its matching `}`.
fn block(text: &str, from: usize) -> Option<&str> {
    let open = from + text[from..].find("{\n")?;
    let mut depth = 0;
    for (i, c) in text[open..].char_indices() {
        match c {
            '{' => depth += 1,
            '}' => {
                depth -= 1;
                if depth == 0 {
                    return Some(&text[open + 1..open + i]);
                }
            }
            _ => {}
        }
    }
    None
}

/// Every `fn NAME` with its body, by name.
fn functions(srcs: &[Source]) -> BTreeMap<String, Vec<(&str, &str)>> {
    let mut out: BTreeMap<String, Vec<(&str, &str)>> = BTreeMap::new();
    for s in srcs {
        for (i, _) in s.text.match_indices("fn ") {
            let before = s.text[..i].chars().next_back();
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
                continue;
            }
            let name: String = s.text[i + 3..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            let after = s.text[i + 3 + name.len()..].chars().next();
            if name.is_empty() || !matches!(after, Some('(' | '<')) {
                continue;
            }
            if let Some(body) = block(&s.text, i) {
                out.entry(name).or_default().push((&s.rel, body));
            }
        }
    }
    out
}

/// The handlers the routers name: `routes!(a, b)` and `.route("…", get(a).post(b))`.
fn handlers(srcs: &[Source]) -> Vec<(&str, String)> {
    let mut out = Vec::new();
    for s in srcs {
        let t = &s.text;
        for (i, _) in t.match_indices("routes!(") {
            let args = &t[i + 8..i + 8 + t[i + 8..].find(')').unwrap()];
            for a in args.split(',').map(str::trim).filter(|a| !a.is_empty()) {
                out.push((s.rel.as_str(), a.to_owned()));
            }
        }
        for (i, _) in t.match_indices(".route(") {
            let mut depth = 0;
            let mut end = i;
            for (j, c) in t[i + 6..].char_indices() {
                match c {
                    '(' => depth += 1,
                    ')' => {
                        depth -= 1;
                        if depth == 0 {
                            end = i + 6 + j;
                            break;
                        }
                    }
                    _ => {}
                }
            }
            let call = &t[i..end];
            for m in ["get(", "post(", "put(", "delete(", "patch("] {
                for (k, _) in call.match_indices(m) {
                    if call[..k].ends_with(|c: char| c.is_alphanumeric() || c == '_') {
                        continue;
                    }
                    let arg: String = call[k + m.len()..]
                        .chars()
                        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == ':')
                        .collect();
                    if !arg.is_empty() && call[k + m.len() + arg.len()..].starts_with(')') {
                        out.push((s.rel.as_str(), arg));
                    }
                }
            }
        }
    }
    out
}

fn area(rel: &str) -> &str {
    rel.split('/').next().unwrap_or(rel)
}

/// The definitions `path` (`name`, `module::name`, `super::module::name`,
/// `crate::area::module::name`) may mean, seen from the file `from`.
fn resolve<'a>(
    fns: &'a BTreeMap<String, Vec<(&'a str, &'a str)>>,
    from: &str,
    path: &str,
) -> Vec<(&'a str, &'a str)> {
    let segs: Vec<&str> = path.split("::").collect();
    let name = segs[segs.len() - 1];
    let Some(all) = fns.get(name) else {
        return vec![];
    };
    let in_module = |module: &str| -> Vec<(&'a str, &'a str)> {
        all.iter()
            .copied()
            .filter(|(f, _)| {
                *f == format!("{module}.rs")
                    || *f == format!("{module}/mod.rs")
                    || f.ends_with(&format!("/{module}.rs"))
                    || f.ends_with(&format!("/{module}/mod.rs"))
            })
            .collect()
    };
    let found = match segs[..segs.len() - 1] {
        [] => all.iter().copied().filter(|(f, _)| *f == from).collect(),
        ["crate", ref module @ ..] => in_module(&module.join("/")),
        [.., module] if module != "super" && module != "self" => {
            let named = in_module(module);
            let near: Vec<_> = named
                .iter()
                .copied()
                .filter(|(f, _)| area(f) == area(from))
                .collect();
            if near.is_empty() { named } else { near }
        }
        _ => vec![],
    };
    if !found.is_empty() {
        return found;
    }
    let near: Vec<_> = all
        .iter()
        .copied()
        .filter(|(f, _)| area(f) == area(from))
        .collect();
    // A name brought in by `use` from another area.
    if near.is_empty() { all.clone() } else { near }
}

fn calls(body: &str, path: &str) -> bool {
    let name = path.rsplit("::").next().unwrap();
    body.match_indices(&format!("{name}("))
        .any(|(i, _)| !body[..i].ends_with(|c: char| c.is_alphanumeric() || c == '_' || c == '.'))
}

/// Follows `f > g > …` from the handler's body; the definitions the last step may be.
fn follow<'a>(
    fns: &'a BTreeMap<String, Vec<(&'a str, &'a str)>>,
    from: &'a str,
    body: &'a str,
    chain: &str,
) -> Result<Vec<(&'a str, &'a str)>, String> {
    let mut at = vec![(from, body)];
    for step in chain.split('>').map(str::trim) {
        let mut next = Vec::new();
        for (f, b) in &at {
            if calls(b, step) {
                next.extend(resolve(fns, f, step));
            }
        }
        if next.is_empty() {
            return Err(format!("`{step}` is not called where the chain says"));
        }
        at = next;
    }
    Ok(at)
}

/// The handlers and how many declare a shared check; the handlers that show nothing, or
/// declare a check that isn't there.
fn check(srcs: &[Source]) -> (usize, usize, Vec<String>) {
    let fns = functions(srcs);
    let hs = handlers(srcs);
    let mut missing = Vec::new();
    let mut declared = 0;
    for (file, path) in &hs {
        let defs = resolve(&fns, file, path);
        let Some(&(at, body)) = defs.first() else {
            missing.push(format!("{file}: {path} not found"));
            continue;
        };
        let opening: Vec<&str> = body.lines().skip(1).take(OPENING).map(str::trim).collect();
        let code = opening.iter().filter(|l| !l.starts_with("//"));
        if code
            .clone()
            .any(|l| l.contains("Action::") || l.contains("ctx.signed_in()"))
        {
            continue;
        }
        if opening.iter().any(|l| {
            l.strip_prefix("// Public:")
                .is_some_and(|why| !why.trim().is_empty())
        }) {
            continue;
        }
        let Some(decl) = opening
            .iter()
            .find_map(|l| l.strip_prefix("// Authorized in "))
        else {
            missing.push(format!("{at}: {path}"));
            continue;
        };
        declared += 1;
        let (chain, actions) = decl.split_once(": ").expect("`f > g: Actions`");
        // A note may follow the actions: `…: RulesManage (drafts only; the rest is public)`.
        let actions = actions.split_once(" (").map_or(actions, |(a, _)| a);
        let actions: Vec<String> = actions
            .trim()
            .trim_end_matches('.')
            .split(',')
            .map(|a| format!("Action::{}", a.trim()))
            .collect();
        match follow(&fns, at, body, chain) {
            Err(e) => missing.push(format!("{at}: {path}: {e}")),
            Ok(ends) => {
                if !ends
                    .iter()
                    .any(|(_, b)| actions.iter().all(|a| b.contains(a.as_str())))
                {
                    missing.push(format!(
                        "{at}: {path}: `{}` does not check {actions:?}",
                        chain.trim()
                    ));
                }
            }
        }
    }
    (hs.len(), declared, missing)
}

#[test]
fn every_handler_shows_who_may_call_it_in_its_first_lines() {
    let (handlers, declared, missing) = check(&sources());
    assert!(handlers > 200, "handlers found: {handlers}");
    assert!(declared > 0, "no handler declares a shared check");
    assert!(
        missing.is_empty(),
        "handlers that don't show who may call them ({}): {missing:#?}",
        missing.len()
    );
}

#[test]
fn a_declared_check_that_is_not_there_is_caught() {
    let router = Source {
        rel: "area/mod.rs".into(),
        text: "fn routes() { r.routes(routes!(shown, declared, wrong, unsaid)) }\n".into(),
    };
    let handlers = Source {
        rel: "area/api.rs".into(),
        text: [
            "async fn shown(ctx: Ctx) {\n    ctx.require(Action::CaseRead, t)?;\n}\n",
            "async fn declared(ctx: Ctx) {\n    // Authorized in load: CaseRead\n    load(&ctx)\n}\n",
            "async fn wrong(ctx: Ctx) {\n    // Authorized in load: CaseHandle\n    load(&ctx)\n}\n",
            "async fn unsaid(ctx: Ctx) {\n    load(&ctx)\n}\n",
            "fn load(ctx: &Ctx) {\n    ctx.require(Action::CaseRead, t)\n}\n",
        ]
        .concat(),
    };
    let (n, declared, missing) = check(&[router, handlers]);
    assert_eq!((n, declared), (4, 2));
    assert_eq!(missing.len(), 2, "{missing:#?}");
    assert!(missing[0].contains("wrong") && missing[0].contains("does not check"));
    assert!(missing[1].ends_with("unsaid"), "{missing:#?}");
}
