//! Personal numbers in free text: ID numbers and mobile phones, found however they are written
//! (spaces, dashes, dots, line breaks inside the number, full-width or Chinese digits, a `+86` or
//! `0086` prefix) and masked in every answer that leaves the server (`mask_responses`), except an
//! audited reveal, which marks its answer [`Unmasked`].
//!
//! Detection works on runs: digits joined by short stretches of separators. A run is cut into
//! groups (digits written together); a number is a window of whole groups (or one group without
//! its `86`/`0086` prefix) that reads as a mobile number (`1[3-9]` and 9 digits) or an ID number
//! (17 digits, a digit or X, a birth date from 1900 on). Digits inside a long ASCII word (a hex
//! token, a fingerprint) are not free text and are left alone.

use std::borrow::Cow;

mod layer;
pub use layer::{mask_responses, unmasked_if};

/// A response extension: this answer shows full personal numbers on purpose (an audited reveal,
/// the resident's own export, or the requester's own input sent back with an error).
#[derive(Clone, Copy, Debug)]
pub struct Unmasked;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    IdNumber,
    Phone,
}

/// A personal number found in a text: its byte range (first to last digit) and its digits.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hit {
    pub start: usize,
    pub end: usize,
    pub kind: Kind,
    /// The number's characters in ASCII (`X` for the check character).
    pub digits: String,
}

impl Hit {
    /// First 3 and last 4 characters kept: `138****5678`, `110***********002X`.
    pub fn masked(&self) -> String {
        let n = self.digits.len();
        format!(
            "{}{}{}",
            &self.digits[..3],
            "*".repeat(n - 7),
            &self.digits[n - 4..]
        )
    }
}

/// The value of a digit character: ASCII, full-width, Chinese (〇一…九, 零, 幺), or the ID
/// number's check character X (10).
fn digit(c: char) -> Option<u8> {
    Some(match c {
        '0'..='9' => c as u8 - b'0',
        '０'..='９' => (c as u32 - '０' as u32) as u8,
        '〇' | '零' => 0,
        '一' | '幺' => 1,
        '二' => 2,
        '三' => 3,
        '四' => 4,
        '五' => 5,
        '六' => 6,
        '七' => 7,
        '八' => 8,
        '九' => 9,
        'X' | 'x' | 'Ｘ' | 'ｘ' => 10,
        _ => return None,
    })
}

/// Separators that may stand between the digits of one number, with their byte length: spaces
/// of every kind, dashes, dots, underscores, line breaks, and the same line breaks as JSON writes
/// them (`\n`) or HTML (`<br>`).
fn separator(rest: &str) -> Option<usize> {
    for lit in ["\\n", "\\r", "\\t", "<br>", "<br/>", "<br />", "&nbsp;"] {
        if rest.starts_with(lit) {
            return Some(lit.len());
        }
    }
    let c = rest.chars().next()?;
    matches!(
        c,
        ' ' | '\t'
            | '\n'
            | '\r'
            | '\u{a0}'
            | '\u{3000}'
            | '\u{2009}'
            | '\u{200b}'
            | '-'
            | '‐'
            | '‑'
            | '–'
            | '—'
            | '－'
            | '.'
            | '．'
            | '·'
            | '・'
            | '。'
            | '_'
            | '/'
    )
    .then(|| c.len_utf8())
}

/// At most this many bytes of separators between two digits of one number.
const MAX_GAP: usize = 8;
/// An ASCII word this long that contains a letter is a token or a hash, not free text.
const TOKEN_WORD: usize = 24;

#[derive(Default)]
struct Group {
    /// (byte start, byte end, value) of each digit.
    digits: Vec<(usize, usize, u8)>,
}

/// A name as the public sees it on an objection, a comment or a notice: the surname, the rest starred.
pub fn mask_name(name: &str) -> String {
    let mut c = name.chars();
    match c.next() {
        Some(first) => format!("{first}{}", "*".repeat(c.count().max(1))),
        None => String::new(),
    }
}

/// Every personal number in `text`, in order, not overlapping.
pub fn find(text: &str) -> Vec<Hit> {
    let mut hits = Vec::new();
    let b = text.as_bytes();
    let mut run: Vec<Group> = Vec::new();
    let mut i = 0;
    // Where the last digit ended, to measure the gap before the next.
    let mut last_end: Option<usize> = None;
    while i < text.len() {
        if run.is_empty() {
            // Outside a number, ASCII that is no digit cannot start one: skip it fast (pages
            // are mostly markup).
            while i < b.len() && b[i] < 0x80 && !b[i].is_ascii_digit() {
                i += 1;
            }
            if i >= b.len() {
                break;
            }
        }
        let rest = &text[i..];
        let c = rest.chars().next().expect("in bounds");
        if let Some(v) = digit(c) {
            // An X counts only right after a digit, as the last character of an ID number.
            let after_digit = last_end == Some(i);
            if v == 10 && !after_digit {
                flush(&mut run, &mut hits);
                last_end = None;
                i += c.len_utf8();
                continue;
            }
            if !after_digit && c.is_ascii_digit() && in_token(b, i) {
                flush(&mut run, &mut hits);
                last_end = None;
                i = skip_word(b, i);
                continue;
            }
            if !after_digit {
                run.push(Group::default());
            }
            run.last_mut()
                .expect("a group")
                .digits
                .push((i, i + c.len_utf8(), v));
            i += c.len_utf8();
            last_end = Some(i);
            if v == 10 {
                // Nothing follows an X in the same group.
                last_end = None;
                continue;
            }
            continue;
        }
        if !run.is_empty()
            && let Some(n) = separator(rest)
        {
            let gap_start = run.last().and_then(|g| g.digits.last()).map_or(i, |d| d.1);
            if i + n - gap_start <= MAX_GAP {
                i += n;
                last_end = None;
                continue;
            }
        }
        flush(&mut run, &mut hits);
        last_end = None;
        i += c.len_utf8();
    }
    flush(&mut run, &mut hits);
    hits
}

/// Do the ASCII digits starting at `i` sit inside an ASCII word that is not free text: a long
/// one with a letter in it (a token, a hash), or one with letters on both sides (`a1381…b`)?
fn in_token(b: &[u8], i: usize) -> bool {
    let mut s = i;
    while s > 0 && b[s - 1].is_ascii_alphanumeric() {
        s -= 1;
    }
    let mut d = i;
    while d < b.len() && b[d].is_ascii_digit() {
        d += 1;
    }
    let mut e = d;
    while e < b.len() && b[e].is_ascii_alphanumeric() {
        e += 1;
    }
    let letter_before = s < i;
    // An X right after the digits may be an ID number's check character, not a letter.
    let letter_after = e > d && !(e == d + 1 && matches!(b[d], b'X' | b'x'));
    (e - s >= TOKEN_WORD && b[s..e].iter().any(u8::is_ascii_alphabetic))
        || (letter_before && letter_after)
}

fn skip_word(b: &[u8], mut i: usize) -> usize {
    while i < b.len() && b[i].is_ascii_alphanumeric() {
        i += 1;
    }
    i
}

fn flush(run: &mut Vec<Group>, hits: &mut Vec<Hit>) {
    if run.is_empty() {
        return;
    }
    let groups = std::mem::take(run);
    let total: usize = groups.iter().map(|g| g.digits.len()).sum();
    if total < 11 {
        return;
    }
    let mut a = 0;
    while a < groups.len() {
        match window_at(&groups, a) {
            Some((b, hit)) => {
                hits.push(hit);
                a = b + 1;
            }
            None => a += 1,
        }
    }
}

/// The longest number made of groups `a..=b` (group `a` perhaps without its country prefix).
fn window_at(groups: &[Group], a: usize) -> Option<(usize, Hit)> {
    let first = &groups[a].digits;
    let prefix = |p: &[u8]| first.len() > p.len() && first.iter().zip(p).all(|(d, v)| d.2 == *v);
    let mut skips = vec![0];
    if prefix(&[0, 0, 8, 6]) {
        skips.push(4);
    } else if prefix(&[8, 6]) {
        skips.push(2);
    }
    let mut best: Option<(usize, Hit)> = None;
    for skip in skips {
        let mut digits: Vec<(usize, usize, u8)> = first[skip..].to_vec();
        let mut b = a;
        loop {
            let kind = match digits.len() {
                11 => is_phone(&digits).then_some(Kind::Phone),
                18 => is_id(&digits).then_some(Kind::IdNumber),
                _ => None,
            };
            if let Some(kind) = kind {
                let hit = Hit {
                    start: digits[0].0,
                    end: digits[digits.len() - 1].1,
                    kind,
                    digits: digits
                        .iter()
                        .map(|d| if d.2 == 10 { 'X' } else { (b'0' + d.2) as char })
                        .collect(),
                };
                if best.as_ref().is_none_or(|(bb, _)| b > *bb) {
                    best = Some((b, hit));
                }
            }
            b += 1;
            if digits.len() >= 18 || b >= groups.len() {
                break;
            }
            digits.extend_from_slice(&groups[b].digits);
        }
    }
    best
}

fn is_phone(d: &[(usize, usize, u8)]) -> bool {
    d[0].2 == 1 && (3..=9).contains(&d[1].2) && d.iter().all(|x| x.2 < 10)
}

fn is_id(d: &[(usize, usize, u8)]) -> bool {
    let v: Vec<u8> = d.iter().map(|x| x.2).collect();
    if v[..17].iter().any(|x| *x >= 10) || !(1..=8).contains(&v[0]) {
        return false;
    }
    let num = |r: std::ops::Range<usize>| v[r].iter().fold(0u32, |n, x| n * 10 + u32::from(*x));
    let (year, month, day) = (num(6..10), num(10..12), num(12..14));
    (1900..=2099).contains(&year) && (1..=12).contains(&month) && (1..=31).contains(&day)
}

/// `text` with every personal number masked (borrowed when there is none). The digits a mask
/// keeps can make a new number with the digits before it (`13 123456 138****…`): masking goes
/// on until nothing is found.
pub fn mask(text: &str) -> Cow<'_, str> {
    let mut hits = find(text);
    if hits.is_empty() {
        return Cow::Borrowed(text);
    }
    let mut out = text.to_owned();
    while !hits.is_empty() {
        let mut next = String::with_capacity(out.len());
        let mut at = 0;
        for h in &hits {
            next.push_str(&out[at..h.start]);
            next.push_str(&h.masked());
            at = h.end;
        }
        next.push_str(&out[at..]);
        out = next;
        hits = find(&out);
    }
    Cow::Owned(out)
}

/// Masks a response body, if it is text and holds a personal number.
pub fn mask_bytes(body: &[u8]) -> Option<Vec<u8>> {
    let text = std::str::from_utf8(body).ok()?;
    match mask(text) {
        Cow::Borrowed(_) => None,
        Cow::Owned(s) => Some(s.into_bytes()),
    }
}

/// The first personal number in `text`, as a character position (1-based) for a message that
/// says where it is.
pub fn first_position(text: &str) -> Option<usize> {
    find(text)
        .first()
        .map(|h| text[..h.start].chars().count() + 1)
}

#[cfg(test)]
mod tests;
