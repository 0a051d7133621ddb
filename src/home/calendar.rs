//! 节假日安排 (the working-day calendar) as everyone may read it: which years' announcements
//! are loaded, a year's holidays and adjusted working days, and — from 1 November — the warning
//! that the next year's is missing, so that deadlines and publicity periods reaching into it
//! are only estimates (`platform::calendar`). The page `/calendar`, the API `/api/v1/calendar`,
//! and the warning on the home page and `/api/v1/me` of those who answer for deadlines.

use askama::Template;
use axum::Json;
use axum::extract::State;
use axum::response::Response;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::auth::{Ctx, Role};
use crate::platform::AppState;
use crate::platform::error::AppError;
use crate::platform::i18n::{Lang, Tr, tf};
use crate::platform::time;
use crate::platform::web::{Chrome, Query, page};

/// One announced day.
#[derive(Serialize, ToSchema)]
pub struct CalendarDay {
    /// `YYYY-MM-DD`.
    pub date: String,
    /// The holiday, or the holiday an adjusted working day (调休) makes up for.
    pub name: String,
    /// An adjusted working day on a weekend (true) or a day off (false).
    pub working: bool,
}

/// The calendar deadlines are counted by.
#[derive(Serialize, ToSchema)]
pub struct CalendarView {
    /// The years whose holiday announcements are loaded.
    pub years: Vec<i16>,
    /// The year shown.
    pub year: i16,
    /// Whether the year shown is loaded; when not, only weekends and the holidays fixed by date
    /// in law (1 January, 1–2 May, 1–3 October) are days off in it, and every date counted
    /// across it is flagged as an estimate.
    pub covered: bool,
    /// The year's days off and adjusted working days.
    pub days: Vec<CalendarDay>,
    /// From 1 November: the next year, when its announcement is not loaded yet.
    pub next_year_missing: Option<i16>,
    /// What to do about it, in the reader's language.
    pub warning: Option<String>,
}

#[derive(Deserialize, IntoParams)]
pub struct YearQuery {
    /// The year to show (default: this year).
    year: Option<i16>,
}

fn view(state: &AppState, lang: Lang, year: Option<i16>) -> Result<CalendarView, AppError> {
    let today = time::today();
    let year = year.unwrap_or(today.year());
    if !(2000..=2100).contains(&year) {
        return Err(AppError::invalid("year", "error.query_field").arg("field", "year"));
    }
    let cal = &state.calendar;
    let next_year_missing = cal.next_year_missing(today);
    let days = cal
        .days_of(year)
        .into_iter()
        .map(|(d, name, working)| CalendarDay {
            date: d.to_string(),
            name: name.to_owned(),
            working,
        })
        .collect();
    Ok(CalendarView {
        years: cal.years(),
        year,
        covered: cal.covers(year),
        days,
        next_year_missing,
        warning: next_year_missing.map(|y| missing(lang, y)),
    })
}

fn missing(lang: Lang, year: i16) -> String {
    tf(lang, "calendar.missing", &[("year", year.to_string())])
}

/// The warning for those who answer for deadlines and publicity periods (a community's head,
/// a street officer, the system administrator who loads the file), from 1 November while the
/// next year's holidays are not loaded.
pub fn warning_for(state: &AppState, ctx: &Ctx) -> Option<String> {
    let answers = ctx.grants.iter().any(|g| {
        matches!(
            g.role,
            Role::CommunityHead | Role::StreetOfficer | Role::Sysadmin
        )
    });
    if !answers {
        return None;
    }
    state
        .calendar
        .next_year_missing(time::today())
        .map(|y| missing(ctx.lang, y))
}

/// The working-day calendar: loaded years, a year's holidays and adjusted working days, and
/// whether the next year's announcement is missing.
#[utoipa::path(get, path = "/api/v1/calendar", tag = "home", params(YearQuery),
    responses((status = 200, body = CalendarView), (status = 422)))]
async fn get_calendar(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<YearQuery>,
) -> Result<Json<CalendarView>, AppError> {
    // Public: the official holiday calendar is public.
    Ok(Json(view(&state, ctx.lang, q.year)?))
}

#[derive(Template)]
#[template(path = "home/calendar.html")]
struct CalendarPage {
    chrome: Chrome,
    t: Tr,
    v: CalendarView,
}

/// `GET /calendar`
pub async fn calendar_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<YearQuery>,
) -> Result<Response, AppError> {
    // Public: the official holiday calendar is public.
    page(&CalendarPage {
        chrome: ctx.chrome(),
        t: ctx.t(),
        v: view(&state, ctx.lang, q.year)?,
    })
}

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(get_calendar))
}
