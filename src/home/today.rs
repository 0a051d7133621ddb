//! 今日待办: what each role has to do today, counted from the records, each with the page
//! where it is done. For a community's head and workers: cases overdue or due within two days,
//! 公示 ending within three days, objections waiting for an answer, and this month's council
//! meeting while none is held, agreements in force not yet reviewed this year, admitted work
//! whose admission ends within 30 days; for a building leader: the building's open cases and this
//! week's visits; for the street, compounds in custody at half occupancy that need their own
//! committee (M2) and communities a year without an annual assembly (M8), which their heads see
//! too, and this year's while it is not held; for a resident: their open requests and the notices under 公示 where they
//! live; and from 1 November, for a community's head, the street and the system administrator,
//! that next year's holidays are not loaded. Nothing to do reads as nothing to do.

use jiff::ToSpan;

use crate::auth::{Ctx, Grant, Role, Scope};
use crate::cases::list::{Counted, open_counts};
use crate::platform::AppState;
use crate::platform::error::AppError;
use crate::platform::i18n::tf;
use crate::platform::time;

/// One thing to do, with the page where it is done.
pub struct Todo {
    pub text: String,
    pub href: String,
    /// Late already: shown first and flagged.
    pub urgent: bool,
}

fn todo(ctx: &Ctx, key: &str, n: i64, href: impl Into<String>, urgent: bool) -> Todo {
    Todo {
        text: tf(ctx.lang, key, &[("n", n.to_string())]),
        href: href.into(),
        urgent,
    }
}

/// Today's list for one grant, urgent things first.
pub async fn today(state: &AppState, ctx: &Ctx, g: &Grant) -> Result<Vec<Todo>, AppError> {
    let pool = state.db.read();
    let now = jiff::Timestamp::now();
    let soon = time::to_db(now.checked_add(48.hours()).map_err(AppError::internal)?);
    let day = time::today();
    let mut out = Vec::new();
    match (g.role, g.scope) {
        (Role::CommunityHead | Role::CommunityWorker, Scope::Community(c)) => {
            let k = open_counts(pool, Counted::Community(c), &soon).await?;
            if k.overdue > 0 {
                out.push(todo(
                    ctx,
                    "home.today.overdue",
                    k.overdue,
                    "/cases?overdue=true",
                    true,
                ));
            }
            if k.due_soon > 0 {
                out.push(todo(
                    ctx,
                    "home.today.due_soon",
                    k.due_soon,
                    "/cases?sort=deadline",
                    false,
                ));
            }
            let until = day.checked_add(3.days()).map_err(AppError::internal)?;
            let ending = crate::disclosure::notices::under_publicity(
                pool,
                c,
                &day.to_string(),
                &until.to_string(),
            )
            .await?;
            if ending > 0 {
                out.push(todo(
                    ctx,
                    "home.today.publicity_ending",
                    ending,
                    "/disclosures",
                    false,
                ));
            }
            let objections = crate::disclosure::objections::unanswered(pool, c).await?;
            if objections > 0 {
                out.push(todo(
                    ctx,
                    "home.today.objections",
                    objections,
                    "/disclosures",
                    true,
                ));
            }
            let unreviewed = crate::agreements::term::due_for_review(pool, c, day).await?;
            if unreviewed > 0 {
                out.push(todo(
                    ctx,
                    "home.today.agreements_review",
                    unreviewed,
                    "/agreements/review",
                    false,
                ));
            }
            let month = day.checked_add(30.days()).map_err(AppError::internal)?;
            let expiring =
                crate::admissions::expiring(pool, c, &day.to_string(), &month.to_string()).await?;
            if expiring > 0 {
                out.push(todo(
                    ctx,
                    "home.today.admissions_expiring",
                    expiring,
                    "/admissions",
                    false,
                ));
            }
            // M14 (K1): the daily patrol and the weekly staff meeting.
            let r = crate::daily::regularity::routines(pool, &state.calendar, c, day).await?;
            if !r.days_without_patrol.is_empty() {
                out.push(todo(
                    ctx,
                    "home.today.patrol_days",
                    r.days_without_patrol.len() as i64,
                    "/patrols",
                    false,
                ));
            }
            if r.none_this_week {
                out.push(todo(
                    ctx,
                    "home.today.meeting_week",
                    0,
                    "/staff-meetings",
                    false,
                ));
            }
            if g.role == Role::CommunityHead {
                let councils = crate::council::meetings::regularity::regularity(
                    state,
                    ctx,
                    day.year(),
                    Some(c),
                )
                .await?;
                let this_month = format!("{}-{:02}", day.year(), day.month());
                let unmet = councils.iter().any(|r| {
                    r.months
                        .iter()
                        .any(|m| m.month == this_month && m.held == 0)
                });
                if unmet {
                    out.push(todo(ctx, "home.today.council_month", 0, "/meetings", false));
                }
                // M8 (R12): the annual assembly, this year; flagged once a year has passed.
                let year_ago = time::to_db(
                    now.checked_sub(jiff::SignedDuration::from_hours(365 * 24))
                        .map_err(AppError::internal)?,
                );
                let this_year = time::day_start_db(jiff::civil::date(day.year(), 1, 1));
                use crate::council::meetings::agenda::assembly_held_since;
                if !assembly_held_since(pool, c, &year_ago).await? {
                    out.push(todo(
                        ctx,
                        "home.today.assembly_overdue",
                        0,
                        "/meetings",
                        true,
                    ));
                } else if !assembly_held_since(pool, c, &this_year).await? {
                    out.push(todo(ctx, "home.today.assembly_year", 0, "/meetings", false));
                }
            }
        }
        (Role::StreetOfficer, Scope::Street(s)) => {
            let n = crate::registry::places_edit::compounds::needing_committee(state, s).await?;
            if n > 0 {
                out.push(todo(ctx, "home.today.needs_committee", n, "/places", true));
            }
            let year_ago = time::to_db(
                now.checked_sub(jiff::SignedDuration::from_hours(365 * 24))
                    .map_err(AppError::internal)?,
            );
            let late =
                crate::council::meetings::agenda::communities_without_assembly(pool, s, &year_ago)
                    .await?;
            if !late.is_empty() {
                out.push(Todo {
                    text: tf(
                        ctx.lang,
                        "home.today.assemblies_overdue",
                        &[("n", late.len().to_string()), ("names", late.join("、"))],
                    ),
                    href: "/meetings".into(),
                    urgent: true,
                });
            }
        }
        (Role::BuildingLeader, Scope::Building(b)) => {
            let k = open_counts(pool, Counted::Building(b), &soon).await?;
            if k.open > 0 {
                out.push(todo(
                    ctx,
                    "home.today.building_open",
                    k.open,
                    format!("/cases?building_id={b}"),
                    k.overdue > 0,
                ));
            }
            let monday = day
                .checked_sub(i64::from(day.weekday().to_monday_zero_offset()).days())
                .map_err(AppError::internal)?;
            let community = crate::registry::places::place_of_building(pool, b)
                .await?
                .and_then(|p| p.community_id);
            if let (Some(c), Some(me)) = (community, ctx.user.as_ref()) {
                let visited =
                    crate::daily::coverage::households_visited(pool, c, monday, day, Some(me.id))
                        .await?;
                out.push(todo(
                    ctx,
                    "home.today.visits_week",
                    visited,
                    "/notebooks",
                    false,
                ));
            }
        }
        (Role::Resident, _) => {
            if let Some(me) = ctx.user.as_ref() {
                let k = open_counts(pool, Counted::FiledBy(me.id), &soon).await?;
                if k.open > 0 {
                    out.push(todo(ctx, "home.today.my_open", k.open, "/cases", false));
                }
            }
            let community = match ctx.user.as_ref().and_then(|u| u.resident_id) {
                Some(rid) => crate::registry::residents::get(pool, rid)
                    .await?
                    .map(|r| r.community_id),
                None => None,
            };
            if let Some(c) = community {
                let until = day.checked_add(400.days()).map_err(AppError::internal)?;
                let shown = crate::disclosure::notices::under_publicity(
                    pool,
                    c,
                    &day.to_string(),
                    &until.to_string(),
                )
                .await?;
                if shown > 0 {
                    out.push(todo(
                        ctx,
                        "home.today.under_publicity",
                        shown,
                        "/disclosures",
                        false,
                    ));
                }
            }
        }
        _ => {}
    }
    // After the scope's own urgent work: next year's holidays missing (from 1 November).
    if matches!(
        g.role,
        Role::CommunityHead | Role::StreetOfficer | Role::Sysadmin
    ) && let Some(year) = state.calendar.next_year_missing(day)
    {
        out.push(Todo {
            text: tf(ctx.lang, "calendar.missing", &[("year", year.to_string())]),
            href: "/calendar".into(),
            urgent: true,
        });
    }
    out.sort_by_key(|t| !t.urgent);
    Ok(out)
}
