//! What every area checks in what people type: text of a bounded length, a day (not in the
//! future where the record is of something done). Each refusal is a 422 naming its field.

use jiff::civil::Date;

use super::error::AppError;
use super::time;

pub use super::time::parse_day;

/// Text of 1 to `max` characters, trimmed.
pub fn text(field: &'static str, s: &str, max: usize) -> Result<String, AppError> {
    let t = s.trim();
    if t.is_empty() || t.chars().count() > max {
        return Err(AppError::invalid(field, "input.bad_text").arg("max", max));
    }
    Ok(t.to_owned())
}

/// A day given by the user for something already done, or today when none is given.
pub fn date_or_today(field: &'static str, s: Option<&str>) -> Result<Date, AppError> {
    match s.map(str::trim).filter(|s| !s.is_empty()) {
        Some(d) => {
            let d = parse_day(field, d)?;
            if d > time::today() {
                return Err(AppError::invalid(field, "input.future_date"));
            }
            Ok(d)
        }
        None => Ok(time::today()),
    }
}

/// A record's number typed or chosen on a form: none when left empty, a 422 naming the field
/// when it is not a number (never silently dropped).
pub fn optional_id(field: &'static str, s: &str) -> Result<Option<i64>, AppError> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(None);
    }
    s.parse::<i64>()
        .ok()
        .filter(|n| *n > 0)
        .map(Some)
        .ok_or_else(|| AppError::invalid(field, "input.bad_id"))
}

/// A yes-or-no answer: `yes` or `no`, anything else a 422 naming the field.
pub fn yes_no(field: &'static str, s: &str) -> Result<bool, AppError> {
    match s.trim() {
        "yes" => Ok(true),
        "no" => Ok(false),
        _ => Err(AppError::invalid(field, "input.bad_choice")),
    }
}

/// A form whose fields repeat (checkboxes, one field per member or candidate), read in the
/// order sent. Each reader that expects a number answers 422 naming the field when it is not.
#[derive(serde::Deserialize, Default)]
#[serde(transparent)]
pub struct Fields(pub Vec<(String, String)>);

impl Fields {
    /// The first value of `name`, or empty when the form has none.
    pub fn get(&self, name: &str) -> String {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    }

    /// The record number in `name`, none when empty.
    pub fn id(&self, name: &'static str) -> Result<Option<i64>, AppError> {
        optional_id(name, &self.get(name))
    }

    /// Every record number sent as a repeated `name` (checked boxes).
    pub fn ids(&self, name: &'static str) -> Result<Vec<i64>, AppError> {
        self.0
            .iter()
            .filter(|(k, _)| k == name)
            .filter_map(|(_, v)| optional_id(name, v).transpose())
            .collect()
    }

    /// Fields named `<prefix><number>` (one per member, candidate or subject) with their
    /// values; a name whose tail is not a number is a 422 naming it.
    pub fn numbered(&self, prefix: &str) -> Result<Vec<(i64, String)>, AppError> {
        self.0
            .iter()
            .filter_map(|(k, v)| Some((k, k.strip_prefix(prefix)?, v)))
            .map(|(k, n, v)| match n.parse::<i64>() {
                Ok(n) if n > 0 => Ok((n, v.clone())),
                _ => Err(AppError::invalid(k.clone(), "input.bad_id")),
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(pairs: &[(&str, &str)]) -> Fields {
        Fields(
            pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
        )
    }

    #[test]
    fn numbers_on_forms_are_read_or_refused_never_dropped() {
        assert_eq!(optional_id("x", " ").unwrap(), None);
        assert_eq!(optional_id("x", "12").unwrap(), Some(12));
        for bad in ["12a", "-3", "0", "1.5"] {
            let e = optional_id("corrects_id", bad).unwrap_err();
            assert_eq!(
                (e.field.as_deref(), e.key),
                (Some("corrects_id"), "input.bad_id")
            );
        }
        let f = form(&[("present", "3"), ("present", "x"), ("vote_7", "yes")]);
        assert!(f.ids("present").is_err(), "one bad box refuses the form");
        assert_eq!(f.numbered("vote_").unwrap(), vec![(7, "yes".to_owned())]);
        assert!(form(&[("vote_a", "yes")]).numbered("vote_").is_err());
        assert_eq!(
            form(&[("present", "3"), ("present", "")])
                .ids("present")
                .unwrap(),
            vec![3]
        );
        assert!(yes_no("satisfied", "yes").unwrap());
        assert!(!yes_no("satisfied", "no").unwrap());
        assert!(yes_no("satisfied", "").is_err());
    }
}
