//! Privacy in notices (PIPL Art. 25): ID numbers and phones are always masked; private persons'
//! names are masked unless the category needs them (an election's candidates, aid recipients).
//! Masking happens when the draft is saved, so nothing unmasked is ever stored or published.

use crate::registry::id_number::mask;

/// Masks every run of digits that reads as an ID number (17 digits and a digit or X) or a mobile
/// phone (11 digits starting 1).
pub fn mask_numbers(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while i < chars.len() {
        if chars[i].is_ascii_digit() {
            let start = i;
            while i < chars.len() && chars[i].is_ascii_digit() {
                i += 1;
            }
            if i - start == 17 && i < chars.len() && matches!(chars[i], 'X' | 'x') {
                i += 1;
            }
            let run: String = chars[start..i].iter().collect();
            let is_id = run.len() == 18;
            let is_phone = run.len() == 11 && run.starts_with('1');
            out.push_str(&if is_id || is_phone { mask(&run) } else { run });
        } else {
            out.push(chars[i]);
            i += 1;
        }
    }
    out
}

/// Masks each of `names` where it appears: the surname stays, the rest is starred. Longer names
/// first, so that 王小明 is not left as 王*明 by a match on 王小.
pub fn mask_names(s: &str, names: &[String]) -> String {
    let mut sorted: Vec<&String> = names.iter().filter(|n| n.chars().count() >= 2).collect();
    sorted.sort_by_key(|n| std::cmp::Reverse(n.chars().count()));
    sorted.dedup();
    let mut out = s.to_owned();
    for n in sorted {
        if out.contains(n.as_str()) {
            out = out.replace(n.as_str(), &crate::council::elections::mask_name(n));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_names() {
        let s = "联系人 13912345678，身份证 11010519491231002X，金额 1200 元，户号 12345678901234567890";
        let m = mask_numbers(s);
        assert!(
            !m.contains("13912345678") && m.contains("139****5678"),
            "{m}"
        );
        assert!(
            !m.contains("11010519491231002X") && m.contains("110***********002X"),
            "{m}"
        );
        assert!(
            m.contains("1200 元") && m.contains("12345678901234567890"),
            "{m}"
        );
        let n = mask_names(
            "王小明和王小反映楼道灯坏",
            &["王小".into(), "王小明".into()],
        );
        assert_eq!(n, "王**和王*反映楼道灯坏");
    }
}
