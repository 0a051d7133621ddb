//! Privacy in notices (PIPL Art. 25): ID numbers and phones are always masked; private persons'
//! names are masked unless the category needs them (an election's candidates, aid recipients).
//! Masking happens when the draft is saved, so nothing unmasked is ever stored or published.

/// Masks every ID number and phone, however written (`platform::pii`, the detector every
/// answer passes through).
pub fn mask_numbers(s: &str) -> String {
    crate::platform::pii::mask(s).into_owned()
}

/// The last check before a notice is published (it can never be edited afterwards): the first
/// field of its canonical content that still holds an ID number or a phone, and the character
/// position there, e.g. `("body", 12)`. Drafts saved before the detector knew a form are caught
/// here.
pub fn personal_number_in(content_json: &str) -> Option<(String, usize)> {
    fn walk(v: &serde_json::Value, path: &str) -> Option<(String, usize)> {
        match v {
            serde_json::Value::String(s) => {
                crate::platform::pii::first_position(s).map(|p| (path.to_owned(), p))
            }
            serde_json::Value::Array(items) => items
                .iter()
                .enumerate()
                .find_map(|(i, x)| walk(x, &format!("{path}[{i}]"))),
            serde_json::Value::Object(map) => map.iter().find_map(|(k, x)| {
                let p = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                walk(x, &p)
            }),
            _ => None,
        }
    }
    let v: serde_json::Value = serde_json::from_str(content_json).ok()?;
    walk(&v, "")
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
            out = out.replace(n.as_str(), &crate::platform::pii::mask_name(n));
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
