//! Every response the suite produces is scanned for unmasked personal data: checksum-valid
//! 18-character ID numbers and 11-digit mobile numbers, in their plain and their dodged forms
//! (spaces, dashes, dots and line breaks inside, full-width digits, a +86/0086 prefix). Only an
//! audited reveal, the resident's own export, or the requester's own input sent back may show
//! one; any other hit fails the test that made the request.
//!
//! This scanner is written apart from `platform::pii` on purpose: it normalises the text first
//! (separators between digits dropped, full-width digits made ASCII) and then looks for plain
//! numbers, so that a form the server's detector misses is caught here.

use zizhi::registry::id_number::IdNumber;
use zizhi::registry::phone::Phone;

/// The text with full-width digits made ASCII and the separators that stand between two digits
/// dropped (a JSON `\n` or an HTML `<br>` counts as one).
fn normalise(text: &str) -> String {
    let text: String = text
        .chars()
        .map(|c| match c {
            '０'..='９' => char::from(b'0' + (c as u32 - '０' as u32) as u8),
            'Ｘ' => 'X',
            _ => c,
        })
        .collect();
    let seps = [
        "\\r\\n", "\\n", "\\r", "\\t", "<br>", "<br/>", "<br />", "\r\n", " - ", " ", "-", ".",
        "\n", "\r", "\t", "\u{3000}", "\u{a0}", "·", "—", "－",
    ];
    let mut out = String::with_capacity(text.len());
    let mut rest = text.as_str();
    while let Some(c) = rest.chars().next() {
        let prev_digit = out.chars().last().is_some_and(|p| p.is_ascii_digit());
        if prev_digit
            && let Some(sep) = seps.iter().find(|s| rest.starts_with(**s))
            && rest[sep.len()..].starts_with(|n: char| n.is_ascii_digit())
        {
            rest = &rest[sep.len()..];
            continue;
        }
        out.push(c);
        rest = &rest[c.len_utf8()..];
    }
    out
}

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
    let text = normalise(text);
    standalone_runs(&text)
        .into_iter()
        .map(|run| {
            run.strip_prefix("0086")
                .filter(|r| r.len() == 11)
                .or_else(|| run.strip_prefix("86").filter(|r| r.len() == 11))
                .unwrap_or(run)
        })
        .filter(|run| match run.len() {
            18 => IdNumber::parse(run).is_ok(),
            11 => Phone::parse(run).is_ok(),
            _ => false,
        })
        .map(str::to_owned)
        .collect()
}

/// Fails if the response shows a personal number that the request did not carry itself.
pub fn scan(path: &str, request: &[u8], body: &[u8]) {
    let text = String::from_utf8_lossy(body);
    let asked = normalise(&String::from_utf8_lossy(request));
    let hits: Vec<String> = unmasked(&text)
        .into_iter()
        .filter(|h| !asked.contains(h.as_str()))
        .collect();
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
    for dodged in [
        "电话 138 1234 5678",
        "138-1234-5678",
        "138.1234.5678",
        "138\n1234\n5678",
        "\"138\\n1234\\n5678\"",
        "138<br>1234<br>5678",
        "１３８１２３４５６７８",
        "+86 138 1234 5678",
        "0086-138-1234-5678",
        "110105 19491231 002X",
    ] {
        assert_eq!(unmasked(dodged).len(), 1, "{dodged:?}");
    }
}
