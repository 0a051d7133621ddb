//! docs/rules.md names, for each rule, the test that tries to break it; docs/pages.md names, for
//! each job, the test that does it on its page: each named test exists.

/// The tests named in the last column of `doc`'s tables that cannot be found, and how many
/// were named.
fn named_tests(doc: &str) -> (usize, Vec<String>) {
    let root = env!("CARGO_MANIFEST_DIR");
    let doc = std::fs::read_to_string(format!("{root}/{doc}")).unwrap();
    let mut named = 0;
    let mut missing = Vec::new();
    for line in doc
        .lines()
        .filter(|l| l.starts_with("| ") && l.contains("::"))
    {
        let test_cell = line.trim_end_matches('|').rsplit('|').next().unwrap_or("");
        for name in test_cell.split('`').skip(1).step_by(2) {
            let Some((file, test)) = name.split_once("::") else {
                continue;
            };
            let path = format!("{root}/tests/it/{file}.rs");
            let Ok(text) = std::fs::read_to_string(&path) else {
                continue; // a unit test module in src, named in prose
            };
            let test = test.trim_end_matches('*').trim_end_matches('_');
            named += 1;
            if !text.contains(test) {
                missing.push(name.to_owned());
            }
        }
    }
    (named, missing)
}

#[test]
fn every_test_docs_rules_names_exists() {
    let (named, missing) = named_tests("docs/rules.md");
    assert!(named >= 40, "docs/rules.md names {named} tests");
    assert!(
        missing.is_empty(),
        "named in docs/rules.md but not found: {missing:?}"
    );
}

#[test]
fn every_test_docs_pages_names_exists() {
    let (named, missing) = named_tests("docs/pages.md");
    assert!(named >= 15, "docs/pages.md names {named} tests");
    assert!(
        missing.is_empty(),
        "named in docs/pages.md but not found: {missing:?}"
    );
}
