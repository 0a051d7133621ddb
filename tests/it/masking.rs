//! Every response the suite produces is scanned for unmasked personal data: checksum-valid
//! 18-character ID numbers and 11-digit mobile numbers standing alone. No route reveals them
//! yet, so any hit fails the test that made the request.

use zizhi::registry::id_number::IdNumber;
use zizhi::registry::phone::Phone;

/// The runs of digits (and a final X) that stand alone, not inside a longer word or hex string.
fn standalone_runs(text: &str) -> Vec<&str> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i].is_ascii_digit() && (i == 0 || !b[i - 1].is_ascii_alphanumeric()) {
            let start = i;
            while i < b.len() && (b[i].is_ascii_digit() || (b[i] == b'X' && i - start == 17)) {
                i += 1;
            }
            if i == b.len() || !b[i].is_ascii_alphanumeric() {
                out.push(&text[start..i]);
            }
        } else {
            i += 1;
        }
    }
    out
}

pub fn unmasked(text: &str) -> Vec<String> {
    standalone_runs(text)
        .into_iter()
        .filter(|run| match run.len() {
            18 => IdNumber::parse(run).is_ok(),
            11 => Phone::parse(run).is_ok(),
            _ => false,
        })
        .map(str::to_owned)
        .collect()
}

pub fn scan(path: &str, body: &[u8]) {
    let text = String::from_utf8_lossy(body);
    let hits = unmasked(&text);
    assert!(
        hits.is_empty(),
        "unmasked personal data in the response to {path}: {hits:?}"
    );
}

#[test]
fn scanner_finds_what_it_must() {
    assert_eq!(
        unmasked("身份证 11010519491231002X 电话 13812345678"),
        vec!["11010519491231002X", "13812345678"]
    );
    assert!(unmasked("110***********002X 138****5678").is_empty());
    assert!(
        unmasked("hash a13812345678b 110105194912310021").is_empty(),
        "hex runs and bad checksums are not hits"
    );
}
