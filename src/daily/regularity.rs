//! The workers' routines, checked (M14): a patrol every working day (每日巡查) and a staff
//! meeting every week (每周例会), flagged as the council's monthly meetings are (rule K1). The
//! days without a patrol count this month's working days up to yesterday, by the official
//! calendar (调休 included); the weeks without a meeting count this year's weeks up to the last
//! full one, and this week once its last working day has passed.

use jiff::ToSpan;
use jiff::civil::Date;
use serde::Serialize;
use sqlx::Row;
use utoipa::ToSchema;

use crate::platform::calendar::Calendar;
use crate::platform::error::AppError;

#[derive(Clone, Debug, Default, Serialize, ToSchema)]
pub struct Routines {
    /// This month's working days, up to yesterday, without a patrol (YYYY-MM-DD).
    pub days_without_patrol: Vec<String>,
    /// This year's weeks (their Mondays, YYYY-MM-DD) without a staff meeting, up to the last
    /// week that has ended.
    pub weeks_without_meeting: Vec<String>,
    /// No staff meeting yet this week.
    pub none_this_week: bool,
}

fn monday(d: Date) -> Date {
    d.checked_sub(i64::from(d.weekday().to_monday_zero_offset()).days())
        .unwrap_or(d)
}

/// The working days of `today`'s month before `today` on which no patrol was recorded.
pub fn missing_days(cal: &Calendar, today: Date, patrolled: &[Date]) -> Vec<Date> {
    let mut out = Vec::new();
    let mut d = today.first_of_month();
    while d < today {
        if cal.is_working_day(d) && !patrolled.contains(&d) {
            out.push(d);
        }
        d = d.tomorrow().unwrap_or(today);
    }
    out
}

/// The Mondays of this year's weeks that have ended (and had a working day) without a meeting.
pub fn missing_weeks(cal: &Calendar, today: Date, met: &[Date]) -> Vec<Date> {
    let this_week = monday(today);
    let mut week = monday(today.first_of_year());
    let mut out = Vec::new();
    while week < this_week {
        let days: Vec<Date> = (0..7)
            .filter_map(|i| week.checked_add(i.days()).ok())
            .filter(|d| d.year() == today.year())
            .collect();
        let worked = days.iter().any(|d| cal.is_working_day(*d));
        if worked && !met.iter().any(|m| days.contains(m)) {
            out.push(week);
        }
        week = week.checked_add(7.days()).unwrap_or(this_week);
    }
    out
}

async fn dates(
    pool: &crate::platform::reader::Reader,
    sql: &str,
    community: i64,
    from: Date,
) -> Result<Vec<Date>, AppError> {
    sqlx::query(sql)
        .bind(community)
        .bind(from.to_string())
        .fetch_all(pool)
        .await?
        .iter()
        .map(|r| {
            let s: String = r.try_get("d")?;
            Ok(s.parse().ok())
        })
        .collect::<Result<Vec<Option<Date>>, sqlx::Error>>()
        .map(|v| v.into_iter().flatten().collect())
        .map_err(Into::into)
}

/// K1: the community's patrols this month and staff meetings this year, against the calendar.
pub async fn routines(
    pool: &crate::platform::reader::Reader,
    cal: &Calendar,
    community: i64,
    today: Date,
) -> Result<Routines, AppError> {
    let patrolled = dates(
        pool,
        "SELECT DISTINCT patrol_date AS d FROM patrols WHERE community_id = $1 AND patrol_date >= $2",
        community,
        today.first_of_month(),
    )
    .await?;
    let met = dates(
        pool,
        "SELECT DISTINCT meeting_date AS d FROM staff_meetings WHERE community_id = $1 AND meeting_date >= $2",
        community,
        monday(today.first_of_year()),
    )
    .await?;
    let this_week = monday(today);
    Ok(Routines {
        days_without_patrol: missing_days(cal, today, &patrolled)
            .iter()
            .map(Date::to_string)
            .collect(),
        weeks_without_meeting: missing_weeks(cal, today, &met)
            .iter()
            .map(Date::to_string)
            .collect(),
        none_this_week: !met.iter().any(|d| monday(*d) == this_week),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn working_days_without_a_patrol_count_the_calendar() {
        let cal = Calendar::builtin();
        // October 2026: the 1st to the 7th are the National Day holiday; the 10th (a
        // Saturday) is a working day by 调休.
        let today = date(2026, 10, 13);
        let patrolled = [date(2026, 10, 8), date(2026, 10, 9)];
        let missing = missing_days(cal, today, &patrolled);
        assert_eq!(missing, vec![date(2026, 10, 10), date(2026, 10, 12)]);
    }

    #[test]
    fn weeks_without_a_meeting() {
        let cal = Calendar::builtin();
        let today = date(2026, 1, 21);
        // Weeks from Monday 2025-12-29 (2026's first days) and 2026-01-05; 01-12 has a meeting.
        let met = [date(2026, 1, 13)];
        let missing = missing_weeks(cal, today, &met);
        assert_eq!(missing, vec![date(2025, 12, 29), date(2026, 1, 5)]);
    }
}
