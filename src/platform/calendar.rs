//! Working days by the official holiday calendar: statutory holidays and adjusted working days
//! (调休) from `calendar/cn-holidays.toml`, extendable by the operator; otherwise Saturdays and
//! Sundays are days off. Deadlines and publicity periods count working days with it.

use std::collections::{BTreeSet, HashMap};
use std::path::Path;
use std::sync::LazyLock;

use jiff::civil::{Date, Weekday};
use serde::Deserialize;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    years: Vec<i16>,
    #[serde(default)]
    holiday: Vec<Holiday>,
    #[serde(default)]
    workday: Vec<Workday>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Holiday {
    name: String,
    from: String,
    to: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Workday {
    name: String,
    date: String,
}

/// M19: a 公示 lasts at least 5 working days (the seed's period); a community may set a longer
/// one, up to 30, never a shorter one. The one check every publicity period passes: notices
/// (`disclosure::drafts`) and election candidates (`council::elections`).
pub const PUBLICITY_DAYS: std::ops::RangeInclusive<i64> = 5..=30;

/// `days` as a publicity period, or a 422 on `field` naming the bounds.
pub fn publicity_period(field: &str, days: i64) -> Result<i64, crate::platform::error::AppError> {
    if PUBLICITY_DAYS.contains(&days) {
        Ok(days)
    } else {
        Err(
            crate::platform::error::AppError::invalid(field, "publicity.bad_days")
                .arg("min", PUBLICITY_DAYS.start())
                .arg("max", PUBLICITY_DAYS.end()),
        )
    }
}

/// Which days are working days.
#[derive(Clone, Debug, Default)]
pub struct Calendar {
    /// Days off by announcement, with the holiday's name.
    off: HashMap<Date, String>,
    /// Weekend days that are working days (调休), with their name.
    on: HashMap<Date, String>,
    years: BTreeSet<i16>,
}

static BUILTIN: LazyLock<Calendar> = LazyLock::new(|| {
    let mut c = Calendar::default();
    c.merge(include_str!("../../calendar/cn-holidays.toml"))
        .expect("the shipped holiday calendar is valid");
    c
});

fn date(field: &str, s: &str, problems: &mut Vec<String>) -> Option<Date> {
    match s.parse::<Date>() {
        Ok(d) => Some(d),
        Err(_) => {
            problems.push(format!("{field}: \"{s}\" is not a date (YYYY-MM-DD)"));
            None
        }
    }
}

/// The holidays fixed by date in 《全国年节及纪念日放假办法》 (art. 2, as revised in 2024):
/// 元旦 1 January, 劳动节 1–2 May, 国庆节 1–3 October. The lunar ones (春节, 清明, 端午, 中秋)
/// and every 调休 are known only from each year's announcement.
fn statutory_fixed(d: Date) -> Option<&'static str> {
    match (d.month(), d.day()) {
        (1, 1) => Some("元旦"),
        (5, 1..=2) => Some("劳动节"),
        (10, 1..=3) => Some("国庆节"),
        _ => None,
    }
}

fn is_weekend(d: Date) -> bool {
    matches!(d.weekday(), Weekday::Saturday | Weekday::Sunday)
}

impl Calendar {
    /// The calendar shipped with zizhi.
    pub fn builtin() -> &'static Calendar {
        &BUILTIN
    }

    /// The shipped calendar extended by the operator's file, if there is one.
    pub fn with_file(path: &Path) -> anyhow::Result<Calendar> {
        let mut c = BUILTIN.clone();
        if path.exists() {
            let text = std::fs::read_to_string(path)?;
            c.merge(&text)
                .map_err(|p| anyhow::anyhow!("{}: {}", path.display(), p.join("; ")))?;
        }
        Ok(c)
    }

    /// Checks a calendar file; returns every problem found.
    pub fn check(text: &str) -> Result<Calendar, Vec<String>> {
        let mut c = Calendar::default();
        c.merge(text)?;
        Ok(c)
    }

    /// Adds a file's days. Refuses unreadable dates, reversed ranges, a day both off and on,
    /// and adjusted working days that are not weekend days.
    fn merge(&mut self, text: &str) -> Result<(), Vec<String>> {
        let file: File = toml::from_str(text).map_err(|e| vec![e.to_string()])?;
        let mut problems = Vec::new();
        let mut off = HashMap::new();
        let mut on = HashMap::new();
        for h in &file.holiday {
            let (Some(from), Some(to)) = (
                date("holiday.from", &h.from, &mut problems),
                date("holiday.to", &h.to, &mut problems),
            ) else {
                continue;
            };
            if to < from || from.until(to).map(|s| s.get_days()).unwrap_or(99) > 14 {
                problems.push(format!(
                    "holiday {}: {from} to {to} is not a range of at most 15 days",
                    h.name
                ));
                continue;
            }
            let mut d = from;
            while d <= to {
                off.insert(d, h.name.clone());
                d = d.tomorrow().expect("within range");
            }
        }
        for w in &file.workday {
            let Some(d) = date("workday.date", &w.date, &mut problems) else {
                continue;
            };
            if !is_weekend(d) {
                problems.push(format!(
                    "workday {} on {d} is not a Saturday or Sunday",
                    w.name
                ));
            }
            on.insert(d, w.name.clone());
        }
        for d in on.keys() {
            if off.contains_key(d) || self.off.contains_key(d) {
                problems.push(format!("{d} is both a holiday and an adjusted working day"));
            }
        }
        for d in off.keys() {
            if self.on.contains_key(d) {
                problems.push(format!("{d} is both a holiday and an adjusted working day"));
            }
        }
        if !problems.is_empty() {
            return Err(problems);
        }
        self.off.extend(off);
        self.on.extend(on);
        self.years.extend(file.years);
        Ok(())
    }

    /// A working day: an adjusted working day, or a weekday that is no holiday. In a year whose
    /// announcement is not loaded, the holidays fixed by date in law are still days off.
    pub fn is_working_day(&self, d: Date) -> bool {
        if self.on.contains_key(&d) {
            return true;
        }
        !is_weekend(d)
            && !self.off.contains_key(&d)
            && (self.covers(d.year()) || statutory_fixed(d).is_none())
    }

    /// The holiday or adjusted working day a date is, if any.
    pub fn name_of(&self, d: Date) -> Option<&str> {
        self.off
            .get(&d)
            .or_else(|| self.on.get(&d))
            .map(String::as_str)
            .or_else(|| {
                (!self.covers(d.year()))
                    .then(|| statutory_fixed(d))
                    .flatten()
            })
    }

    /// Whether the announced holidays of a year are known.
    pub fn covers(&self, year: i16) -> bool {
        self.years.contains(&year)
    }

    /// A year's announced days: holidays (`working` false) and adjusted working days, in order.
    pub fn days_of(&self, year: i16) -> Vec<(Date, &str, bool)> {
        let mut out: Vec<(Date, &str, bool)> = self
            .off
            .iter()
            .map(|(d, n)| (*d, n.as_str(), false))
            .chain(self.on.iter().map(|(d, n)| (*d, n.as_str(), true)))
            .filter(|(d, _, _)| d.year() == year)
            .collect();
        out.sort_by_key(|x| x.0);
        out
    }

    /// The years whose announcements are loaded, in order.
    pub fn years(&self) -> Vec<i16> {
        self.years.iter().copied().collect()
    }

    /// The first year from `from`'s to `to`'s whose announcement is not loaded: a count of
    /// working days over that span is an estimate (weekends and the holidays fixed by date
    /// only) and must be flagged as one.
    pub fn uncovered_between(&self, from: Date, to: Date) -> Option<i16> {
        let (a, b) = if from <= to { (from, to) } else { (to, from) };
        (a.year()..=b.year()).find(|y| !self.covers(*y))
    }

    /// What a page says under a period stored as two dates (`YYYY-MM-DD`) when it was counted
    /// across a year whose holidays are not loaded.
    pub fn span_note(
        &self,
        lang: super::i18n::Lang,
        from: Option<&str>,
        to: Option<&str>,
    ) -> Option<String> {
        let from: Date = from?.get(..10)?.parse().ok()?;
        let to: Date = to?.get(..10)?.parse().ok()?;
        estimate_note(lang, self.uncovered_between(from, to))
    }

    /// The year after `today`'s when it is not loaded and the warning season has come: from 1
    /// November, when the State Council has usually announced the next year's holidays.
    pub fn next_year_missing(&self, today: Date) -> Option<i16> {
        let next = today.year() + 1;
        (today.month() >= 11 && !self.covers(next)).then_some(next)
    }

    /// The `n`th working day after `from` (`from` itself does not count; `n = 0` is `from`).
    pub fn add_working_days(&self, from: Date, n: u32) -> Date {
        let mut d = from;
        let mut left = n;
        while left > 0 {
            d = d.tomorrow().expect("dates stay in range");
            if self.is_working_day(d) {
                left -= 1;
            }
        }
        d
    }

    /// Working days after `from` up to and including `to` (0 when `to` is not after `from`).
    pub fn working_days_between(&self, from: Date, to: Date) -> u32 {
        let mut n = 0;
        let mut d = from;
        while d < to {
            d = d.tomorrow().expect("dates stay in range");
            if self.is_working_day(d) {
                n += 1;
            }
        }
        n
    }
}

/// What a page says under a date counted across `year`, whose holidays are not loaded.
pub fn estimate_note(lang: super::i18n::Lang, year: Option<i16>) -> Option<String> {
    year.map(|y| super::i18n::tf(lang, "calendar.estimate", &[("year", y.to_string())]))
}

/// A date as pages show it, marked as an estimate when counted across an uncovered year.
pub fn show_counted(lang: super::i18n::Lang, shown: String, year: Option<i16>) -> String {
    match year {
        Some(_) => format!("{shown}{}", super::i18n::t(lang, "calendar.estimate_mark")),
        None => shown,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn the_2026_calendar() {
        let c = Calendar::builtin();
        assert!(c.covers(2026));
        assert!(!c.is_working_day(date(2026, 2, 16)), "春节");
        assert!(
            c.is_working_day(date(2026, 2, 14)),
            "a Saturday worked for 春节"
        );
        assert!(
            c.is_working_day(date(2026, 10, 10)),
            "a Saturday worked for 国庆节"
        );
        assert!(
            c.is_working_day(date(2026, 10, 8)),
            "the holiday ends on the 7th"
        );
        assert_eq!(c.name_of(date(2026, 10, 1)), Some("国庆节"));
        // Thursday 30 April + 5 working days: 1–5 May are off, 6, 7, 8 (Fri), 9 (Sat, 调休), 11.
        assert_eq!(c.add_working_days(date(2026, 4, 30), 5), date(2026, 5, 11));
        // Friday 13 February + 1: Saturday 14th is an adjusted working day.
        assert_eq!(c.add_working_days(date(2026, 2, 13), 1), date(2026, 2, 14));
        // Saturday 14 February + 1: the holiday runs to the 23rd.
        assert_eq!(c.add_working_days(date(2026, 2, 14), 1), date(2026, 2, 24));
        assert_eq!(
            c.add_working_days(date(2026, 11, 26), 0),
            date(2026, 11, 26)
        );
        assert_eq!(
            c.working_days_between(date(2026, 9, 30), date(2026, 10, 12)),
            4,
            "30 Sep → 8, 9, 10 (Sat, 调休), 12 Oct"
        );
    }

    #[test]
    fn weekends_only_outside_covered_years() {
        let c = Calendar::builtin();
        assert!(!c.covers(2030));
        assert_eq!(
            c.add_working_days(date(2030, 1, 4), 1),
            date(2030, 1, 7),
            "Friday + 1 = Monday"
        );
        assert_eq!(
            c.uncovered_between(date(2026, 12, 28), date(2030, 1, 7)),
            Some(2027)
        );
        assert_eq!(
            c.uncovered_between(date(2026, 3, 1), date(2026, 12, 31)),
            None
        );
    }

    #[test]
    fn an_uncovered_year_keeps_the_holidays_fixed_in_law() {
        let c = Calendar::builtin();
        assert!(!c.covers(2027));
        // Thursday 31 December 2026 + 1: Friday 1 January 2027 is 元旦 by law, so Monday the 4th.
        assert_eq!(c.add_working_days(date(2026, 12, 31), 1), date(2027, 1, 4));
        assert_eq!(c.name_of(date(2027, 1, 1)), Some("元旦"));
        assert!(!c.is_working_day(date(2027, 5, 2)), "劳动节 2 May");
        assert!(
            c.is_working_day(date(2027, 5, 3)),
            "Monday 3 May: its 调休 is not known"
        );
        assert!(!c.is_working_day(date(2027, 10, 1)));
        // A covered year's announcement decides alone: 1 January 2026 is in it anyway.
        assert_eq!(c.name_of(date(2026, 1, 1)), Some("元旦"));
        assert_eq!(
            c.next_year_missing(date(2026, 10, 31)),
            None,
            "not before November"
        );
        assert_eq!(c.next_year_missing(date(2026, 11, 1)), Some(2027));
        let mut with_2027 = c.clone();
        with_2027
            .merge("years = [2027]\n[[holiday]]\nname = \"元旦\"\nfrom = \"2027-01-01\"\nto = \"2027-01-01\"\n")
            .unwrap();
        assert_eq!(with_2027.next_year_missing(date(2026, 12, 7)), None);
        assert!(with_2027.is_working_day(date(2027, 5, 3)));
        assert!(
            with_2027.is_working_day(date(2027, 10, 1)),
            "a covered year follows its announcement alone"
        );
    }

    #[test]
    fn bad_files_are_refused_with_reasons() {
        let bad = r#"
            years = [2027]
            [[holiday]]
            name = "X"
            from = "2027-02-10"
            to = "2027-02-01"
            [[workday]]
            name = "Y"
            date = "2027-02-03"
            [[workday]]
            name = "Z"
            date = "2027-13-01"
        "#;
        let problems = Calendar::check(bad).unwrap_err();
        assert_eq!(problems.len(), 3, "{problems:?}");
        assert!(Calendar::check("years = [2027]\n[[holiday]]\nname = \"元旦\"\nfrom = \"2027-01-01\"\nto = \"2027-01-03\"\n").is_ok());
        assert!(Calendar::check("nonsense = 1").is_err());
    }
}
