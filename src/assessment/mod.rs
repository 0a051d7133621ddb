//! Performance assessment (绩效考核, M22): every community of a street, and every worker, scored
//! for any period from what the other areas recorded — cases answered, on time and to the
//! residents' satisfaction, households visited, disclosures on time, council meetings held,
//! agreements kept, the democratic appraisal, and work handed down without admission. Each
//! component is a ratio with the two numbers behind it and a link to the records that make
//! them (`records.rs`); the weights are the street's to set (`weights.rs`). A community sees the
//! street's ranking and its own detail, never another community's.

pub mod charts;
pub mod components;
pub mod compute;
pub mod records;
pub mod reviews;
pub mod reviews_web;
pub mod web;

pub use web::pages;
pub mod weights;
pub mod xlsx;

use jiff::civil::{Date, date};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::platform::AppState;
use crate::platform::error::AppError;
use crate::platform::time;

pub use compute::{Assessment, CommunityRow, Component, WorkerRow, assess};

/// The components, in the order they are shown.
pub const COMPONENTS: [&str; 9] = [
    "response",
    "on_time",
    "satisfaction",
    "visits",
    "disclosure",
    "regularity",
    "agreements",
    "appraisal",
    "unadmitted",
];

/// Percent, summing to 100, until the street sets its own.
pub const DEFAULT_WEIGHTS: [i64; 9] = [15, 15, 15, 10, 10, 10, 10, 10, 5];

/// Unadmitted tasks a community may receive in a period before that component scores zero:
/// each one takes a fifth off.
pub const UNADMITTED_TOLERANCE: i64 = 5;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(compute::report))
        .routes(routes!(xlsx::xlsx))
        .routes(routes!(records::report))
        .routes(routes!(weights::get_weights, weights::put_weights))
        .routes(routes!(reviews::list, reviews::create))
}

/// A span of days to assess: a year (`2026`), a quarter (`2026-Q4`) or a month (`2026-11`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Period {
    pub label: String,
    pub from: Date,
    pub to: Date,
}

impl Period {
    pub fn parse(s: &str) -> Result<Period, AppError> {
        let bad = || AppError::invalid("period", "assessment.bad_period").arg("period", s);
        let s = s.trim();
        if s.len() > 7 || !s.is_ascii() {
            return Err(bad());
        }
        let year = |y: &str| -> Result<i16, AppError> {
            match y.parse::<i16>() {
                Ok(n) if (2000..=2100).contains(&n) && y.len() == 4 => Ok(n),
                _ => Err(bad()),
            }
        };
        let (from, to) = if let Some((y, q)) = s.split_once("-Q") {
            let y = year(y)?;
            let q: i8 = q
                .parse()
                .ok()
                .filter(|q| (1..=4).contains(q))
                .ok_or_else(bad)?;
            let start = date(y, (q - 1) * 3 + 1, 1);
            (start, date(y, q * 3, 1).last_of_month())
        } else if let Some((y, m)) = s.split_once('-') {
            let y = year(y)?;
            let m: i8 = m
                .parse()
                .ok()
                .filter(|n: &i8| (1..=12).contains(n) && m.len() == 2)
                .ok_or_else(bad)?;
            let start = date(y, m, 1);
            (start, start.last_of_month())
        } else {
            let y = year(s)?;
            (date(y, 1, 1), date(y, 12, 31))
        };
        Ok(Period {
            label: s.to_owned(),
            from,
            to,
        })
    }

    /// This quarter, the default.
    pub fn current() -> Period {
        let t = time::today();
        Period::parse(&format!("{}-Q{}", t.year(), (t.month() - 1) / 3 + 1))
            .expect("a quarter label parses")
    }

    /// The quarters of this period's year up to this period's end: the trend's points.
    pub fn quarters_of_year(&self) -> Vec<Period> {
        (1..=4)
            .filter_map(|q| Period::parse(&format!("{}-Q{q}", self.from.year())).ok())
            .filter(|p| p.from <= self.to && p.from <= time::today())
            .collect()
    }
}

#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct AssessmentQuery {
    /// 2026, 2026-Q4 or 2026-11; default this quarter.
    pub period: Option<String>,
}

impl AssessmentQuery {
    pub fn period(&self) -> Result<Period, AppError> {
        match self.period.as_deref() {
            Some(p) if !p.trim().is_empty() => Period::parse(p),
            _ => Ok(Period::current()),
        }
    }
}

/// A weight as shown and set: component and percent.
#[derive(Serialize, Deserialize, ToSchema, Clone, Debug)]
pub struct Weight {
    pub component: String,
    /// Percent, 0–100; the weights sum to 100.
    pub weight: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_parse_to_their_days() {
        let q = Period::parse("2026-Q4").unwrap();
        assert_eq!((q.from, q.to), (date(2026, 10, 1), date(2026, 12, 31)));
        let m = Period::parse("2026-02").unwrap();
        assert_eq!((m.from, m.to), (date(2026, 2, 1), date(2026, 2, 28)));
        let y = Period::parse("2026").unwrap();
        assert_eq!((y.from, y.to), (date(2026, 1, 1), date(2026, 12, 31)));
        for bad in [
            "2026-Q5", "2026-13", "26", "2026中", "2026-Q", "", "1999", "2026-Q4x",
        ] {
            assert!(Period::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(DEFAULT_WEIGHTS.iter().sum::<i64>(), 100);
    }
}
