//! The workers' routines on pages (M14): the daily patrol log, with what was found filed as a
//! case in the same step, and the weekly staff meeting's record. The forms call the same
//! functions as `/api/v1/patrols` and `/api/v1/staff-meetings`.

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use serde::Deserialize;

use super::NewCase;
use super::choices::{self, name_of};
use super::patrols::{
    DatedQuery, FindingInput, Patrol, PatrolInput, StaffMeeting, meetings_of, patrols_of,
    record_meeting, record_patrol,
};
use crate::auth::{Action, CsrfForm, Ctx};
use crate::platform::AppState;
use crate::platform::error::AppError;
use crate::platform::flash::Done;
use crate::platform::forms::{Refused, again};
use crate::platform::i18n::Tr;
use crate::platform::input::optional_id;
use crate::platform::web::{Chrome, redirect_or_again};

/// How many findings one patrol form holds (the API takes up to 30).
const FINDING_ROWS: usize = 3;

#[derive(Clone, Default, Deserialize)]
pub struct FindingRow {
    #[serde(default)]
    pub text: String,
    #[serde(default)]
    pub building_id: String,
    #[serde(default)]
    pub to_case: Option<String>,
    #[serde(default)]
    pub category: String,
}

/// The patrol form as typed. Findings come as `f1_text`, `f1_building_id`… (a plain form cannot
/// send a list).
#[derive(Clone, Default, Deserialize)]
pub struct PatrolForm {
    #[serde(default)]
    pub patrol_date: String,
    #[serde(default)]
    pub route: String,
    #[serde(default)]
    pub summary: String,
    #[serde(flatten)]
    pub rest: std::collections::BTreeMap<String, String>,
}

impl PatrolForm {
    /// The finding rows, as typed, numbered from 1.
    pub fn rows(&self) -> Vec<(usize, FindingRow)> {
        (1..=FINDING_ROWS)
            .map(|i| {
                let get = |k: &str| self.rest.get(&format!("f{i}_{k}")).cloned();
                (
                    i,
                    FindingRow {
                        text: get("text").unwrap_or_default(),
                        building_id: get("building_id").unwrap_or_default(),
                        to_case: get("to_case"),
                        category: get("category").unwrap_or_default(),
                    },
                )
            })
            .collect()
    }

    fn input(&self) -> Result<PatrolInput, AppError> {
        let mut findings = Vec::new();
        for (i, r) in self.rows() {
            if r.text.trim().is_empty() {
                continue;
            }
            findings.push(FindingInput {
                description: r.text.clone(),
                building_id: optional_id("building_id", &r.building_id)
                    .map_err(|e| e.field(format!("f{i}_building_id")))?,
                new_case: r.to_case.as_ref().map(|_| NewCase {
                    category: r.category.clone(),
                    description: None,
                }),
            });
        }
        Ok(PatrolInput {
            community_id: None,
            patrol_date: Some(self.patrol_date.clone()),
            route: self.route.clone(),
            summary: self.summary.clone(),
            findings,
        })
    }
}

#[derive(Clone, Default, Deserialize)]
pub struct MeetingForm {
    #[serde(default)]
    pub meeting_date: String,
    #[serde(default)]
    pub attendees: String,
    #[serde(default)]
    pub notes: String,
}

#[derive(Template)]
#[template(path = "daily/patrols.html")]
struct PatrolsPage {
    chrome: Chrome,
    t: Tr,
    /// The caller records patrols (not only reads them).
    writer: bool,
    buildings: Vec<(i64, String)>,
    categories: Vec<String>,
    items: Vec<Patrol>,
    f: PatrolForm,
    refused: Refused,
    /// K1: this month's working days without a patrol, for the community the caller reads.
    routines: Option<super::regularity::Routines>,
}

impl PatrolsPage {
    fn building(&self, id: &Option<i64>) -> String {
        name_of(&self.buildings, *id)
    }
}

/// K1 for the community whose field work the caller reads (the first of them).
async fn routines_for(
    state: &AppState,
    ctx: &Ctx,
) -> Result<Option<super::regularity::Routines>, AppError> {
    match choices::community(ctx, Action::FieldWorkRead) {
        Some(c) => Ok(Some(
            super::regularity::routines(
                state.db.read(),
                &state.calendar,
                c,
                crate::platform::time::today(),
            )
            .await?,
        )),
        None => Ok(None),
    }
}

async fn render_patrols(
    state: &AppState,
    ctx: &Ctx,
    f: Option<PatrolForm>,
    err: Option<&AppError>,
) -> Result<Response, AppError> {
    let list = patrols_of(state, ctx, DatedQuery::default()).await?;
    let community = choices::community(ctx, Action::FieldWork);
    let (buildings, categories) = match community {
        Some(c) => (
            choices::buildings(state, c).await?,
            choices::categories(state, c).await?,
        ),
        None => Default::default(),
    };
    again(
        &PatrolsPage {
            chrome: ctx.chrome(),
            t: ctx.t(),
            writer: community.is_some(),
            buildings,
            categories,
            items: list.items,
            f: f.unwrap_or_else(|| PatrolForm {
                patrol_date: crate::platform::time::today().to_string(),
                ..Default::default()
            }),
            refused: Refused::of(ctx.lang, "patrol", err),
            routines: routines_for(state, ctx).await?,
        },
        err,
    )
}

pub async fn patrols_page(State(state): State<AppState>, ctx: Ctx) -> Result<Response, AppError> {
    // Authorized in render_patrols > patrols_of: FieldWorkRead
    render_patrols(&state, &ctx, None, None).await
}

pub async fn patrols_submit(
    State(state): State<AppState>,
    CsrfForm(ctx, f): CsrfForm<PatrolForm>,
) -> Result<Response, AppError> {
    // Authorized in record_patrol: FieldWork
    let done = match f.input() {
        Ok(p) => record_patrol(&state, &ctx, p).await,
        Err(e) => Err(e),
    };
    redirect_or_again(
        done,
        |p| {
            Done::to("/patrols", "daily.done.patrol")
                .arg("findings", p.findings.len())
                .arg(
                    "cases",
                    p.findings.iter().filter(|x| x.case_id.is_some()).count(),
                )
        },
        async |e| render_patrols(&state, &ctx, Some(f), Some(&e)).await,
    )
    .await
}

#[derive(Template)]
#[template(path = "daily/staff_meetings.html")]
struct MeetingsPage {
    chrome: Chrome,
    t: Tr,
    writer: bool,
    items: Vec<StaffMeeting>,
    f: MeetingForm,
    refused: Refused,
    /// K1: this year's weeks without a staff meeting.
    routines: Option<super::regularity::Routines>,
}

async fn render_meetings(
    state: &AppState,
    ctx: &Ctx,
    f: Option<MeetingForm>,
    err: Option<&AppError>,
) -> Result<Response, AppError> {
    let list = meetings_of(state, ctx, DatedQuery::default()).await?;
    again(
        &MeetingsPage {
            chrome: ctx.chrome(),
            t: ctx.t(),
            writer: choices::community(ctx, Action::FieldWork).is_some(),
            items: list.items,
            f: f.unwrap_or_else(|| MeetingForm {
                meeting_date: crate::platform::time::today().to_string(),
                ..Default::default()
            }),
            refused: Refused::of(ctx.lang, "meeting", err),
            routines: routines_for(state, ctx).await?,
        },
        err,
    )
}

pub async fn meetings_page(State(state): State<AppState>, ctx: Ctx) -> Result<Response, AppError> {
    // Authorized in render_meetings > meetings_of: FieldWorkRead
    render_meetings(&state, &ctx, None, None).await
}

pub async fn meetings_submit(
    State(state): State<AppState>,
    CsrfForm(ctx, f): CsrfForm<MeetingForm>,
) -> Result<Response, AppError> {
    // Authorized in record_meeting: FieldWork
    let m = StaffMeeting {
        id: 0,
        community_id: None,
        meeting_date: Some(f.meeting_date.clone()),
        attendees: f.attendees.clone(),
        notes: f.notes.clone(),
    };
    redirect_or_again(
        record_meeting(&state, &ctx, m).await,
        |m| {
            Done::to("/staff-meetings", "daily.done.meeting").arg(
                "date",
                ctx.t().day(m.meeting_date.as_deref().unwrap_or_default()),
            )
        },
        async |e| render_meetings(&state, &ctx, Some(f), Some(&e)).await,
    )
    .await
}
