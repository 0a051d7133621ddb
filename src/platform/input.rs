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
