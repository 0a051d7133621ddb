//! Meeting pages: the list with the regularity flags and the form to schedule one; a meeting's
//! page where the secretary records attendance, puts a motion to the vote and publishes the
//! minutes, and where residents comment on open meetings.

use crate::platform::flash::Done;
use crate::platform::web::Path;
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use serde::Deserialize;
use sqlx::Row;

use super::conduct::{self, AttendanceSummary, Comment};
use super::decision;
use super::motions::{self, MemberVote, MotionInput, MotionView};
use super::own_vote;
use super::regularity::{CouncilRegularity, regularity};
use super::schedule::{self, Item, ItemInput, NewMeeting};
use super::{Meeting, MeetingKind, MeetingQuery, readable, search};
use crate::auth::{Action, CsrfForm, Ctx, Target};
use crate::platform::AppState;
use crate::platform::error::AppError;
use crate::platform::i18n::{Tr, tf};
use crate::platform::input::Fields;
use crate::platform::time;
use crate::platform::web::{Chrome, page};

#[derive(Template)]
#[template(path = "council/meetings.html")]
struct ListPage {
    chrome: Chrome,
    t: Tr,
    items: Vec<Meeting>,
    regularity: Vec<CouncilRegularity>,
    bodies: Vec<(i64, String)>,
    kinds: &'static [MeetingKind],
    error: String,
}

async fn render_list(
    state: &AppState,
    ctx: &Ctx,
    err: Option<&AppError>,
) -> Result<Response, AppError> {
    let items = search(state, ctx, &MeetingQuery::default()).await?;
    let regularity = regularity(state, ctx, time::today().year(), None).await?;
    let mut bodies = Vec::new();
    for s in ctx.scopes(Action::MeetingsManage) {
        let (street, community, _) = s.columns();
        let rows = sqlx::query(
            "SELECT id, name FROM bodies WHERE kind <> 'building_group' AND (community_id = $1 OR (street_id = $2 AND $1 IS NULL)) ORDER BY id",
        )
        .bind(community)
        .bind(street)
        .fetch_all(state.db.read())
        .await?;
        for r in &rows {
            bodies.push((r.try_get("id")?, r.try_get("name")?));
        }
    }
    let mut res = page(&ListPage {
        chrome: ctx.chrome(),
        t: ctx.t(),
        items,
        regularity,
        bodies,
        kinds: MeetingKind::ALL,
        error: err
            .map(|e| tf(ctx.lang, e.key, &e.args))
            .unwrap_or_default(),
    })?;
    if let Some(e) = err {
        *res.status_mut() = e.status;
    }
    Ok(res)
}

pub async fn list_page(State(state): State<AppState>, ctx: Ctx) -> Result<Response, AppError> {
    // Authorized in render_list > search: BodiesRead
    render_list(&state, &ctx, None).await
}

#[derive(Deserialize)]
pub struct ScheduleForm {
    body_id: i64,
    kind: String,
    title: String,
    starts_at: String,
    #[serde(default)]
    duration_minutes: Option<i64>,
    location: String,
    #[serde(default)]
    open_to_residents: Option<String>,
    #[serde(default)]
    open_to_units: Option<String>,
    /// One agenda item per line; `#123` at the start of a line links case 123.
    #[serde(default)]
    agenda: String,
}

fn agenda_items(text: &str) -> Vec<ItemInput> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(|l| {
            let case = l
                .strip_prefix('#')
                .and_then(|rest| rest.split_whitespace().next())
                .and_then(|n| n.parse().ok());
            ItemInput {
                title: l.to_owned(),
                kind: None,
                case_id: case,
                rule_id: None,
                agreement_id: None,
            }
        })
        .collect()
}

pub async fn schedule_submit(
    State(state): State<AppState>,
    CsrfForm(ctx, f): CsrfForm<ScheduleForm>,
) -> Result<Response, AppError> {
    // Authorized in schedule::schedule: MeetingsManage
    let n = NewMeeting {
        body_id: f.body_id,
        kind: f.kind,
        title: f.title,
        starts_at: f.starts_at,
        duration_minutes: f.duration_minutes,
        location: f.location,
        open_to_residents: f.open_to_residents.is_some(),
        open_to_units: f.open_to_units.is_some(),
        items: agenda_items(&f.agenda),
    };
    crate::platform::web::redirect_or_again(
        schedule::schedule(&state, &ctx, &n).await,
        |id| Done::to(format!("/meetings/{id}"), "meetings.done.scheduled"),
        async |e| render_list(&state, &ctx, Some(&e)).await,
    )
    .await
}

#[derive(Template)]
#[template(path = "council/meeting.html")]
struct MeetingPage {
    chrome: Chrome,
    t: Tr,
    m: Meeting,
    starts: String,
    items: Vec<Item>,
    attendance: AttendanceSummary,
    motions: Vec<MotionView>,
    comments: Vec<Comment>,
    manage: bool,
    can_comment: bool,
    error: String,
    /// The viewer's seat when they are a member recorded present: they vote on open motions.
    seat: Option<i64>,
    /// The motions the viewer has voted on.
    voted: Vec<i64>,
}

async fn render(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    err: Option<&AppError>,
) -> Result<Response, AppError> {
    let m = readable(state, ctx, id).await?;
    let manage = ctx
        .require(Action::MeetingsManage, Target::At(m.place()))
        .is_ok();
    let can_comment = m.open_to_residents
        && !m.is_closed()
        && ctx.require(Action::Participate, Target::System).is_ok();
    let attendance = conduct::attendance_summary(state, id).await?;
    let seat = match own_vote::own_seat(state, ctx, m.body_id).await? {
        Some(s)
            if attendance
                .items
                .iter()
                .any(|a| a.member_id == s && a.present()) =>
        {
            Some(s)
        }
        _ => None,
    };
    let voted = match seat {
        Some(s) => own_vote::voted_on(state, id, s).await?,
        None => vec![],
    };
    let mut res = page(&MeetingPage {
        chrome: ctx.chrome(),
        t: ctx.t(),
        starts: time::show_db(&m.starts_db, ctx.lang),
        items: schedule::items(state, id).await?,
        attendance,
        seat,
        voted,
        motions: motions::motion_list(state, id).await?,
        comments: conduct::comment_list(state, id).await?,
        manage,
        can_comment,
        error: err
            .map(|e| tf(ctx.lang, e.key, &e.args))
            .unwrap_or_default(),
        m,
    })?;
    if let Some(e) = err {
        *res.status_mut() = e.status;
    }
    Ok(res)
}

pub async fn meeting_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    // Authorized in render: MeetingsManage, Participate
    render(&state, &ctx, id, None).await
}

/// After a form: back to the meeting, or the meeting with the refusal shown.
async fn answer(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    r: Result<(), AppError>,
    done: &'static str,
) -> Result<Response, AppError> {
    crate::platform::web::redirect_or_again(
        r,
        |()| Done::to(format!("/meetings/{id}"), done),
        async |e| render(state, ctx, id, Some(&e)).await,
    )
    .await
}

/// As [`answer`], the confirmation chosen by what happened.
async fn answer_with(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    r: Result<&'static str, AppError>,
) -> Result<Response, AppError> {
    crate::platform::web::redirect_or_again(
        r,
        |done| Done::to(format!("/meetings/{id}"), done),
        async |e| render(state, ctx, id, Some(&e)).await,
    )
    .await
}

#[derive(Deserialize)]
pub struct OwnVoteForm {
    choice: String,
}

/// A member present votes on their own phone: yes, no or abstain, once.
pub async fn own_vote_submit(
    State(state): State<AppState>,
    Path((id, motion)): Path<(i64, i64)>,
    CsrfForm(ctx, f): CsrfForm<OwnVoteForm>,
) -> Result<Response, AppError> {
    // A seat on the meeting's body, recorded present: own_vote::cast_own checks it.
    ctx.signed_in()?;
    let r = own_vote::cast_own(&state, &ctx, id, motion, &f.choice).await;
    answer(&state, &ctx, id, r, "meetings.done.own_vote").await
}

/// The secretary closes an open vote: decided against its threshold with the votes cast.
pub async fn close_vote_submit(
    State(state): State<AppState>,
    Path((id, motion)): Path<(i64, i64)>,
    CsrfForm(ctx, _f): CsrfForm<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    // Authorized in decision::close_motion > managed: MeetingsManage
    let r = decision::close_motion(&state, &ctx, motion).await;
    answer(&state, &ctx, id, r, "meetings.done.vote_closed").await
}

/// Checked boxes arrive as repeated `present` fields.
pub async fn attendance_submit(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    CsrfForm(ctx, f): CsrfForm<Fields>,
) -> Result<Response, AppError> {
    // Authorized in conduct::record > managed: MeetingsManage
    let r = async {
        let present = f.ids("present")?;
        conduct::record(&state, &ctx, id, &present).await
    }
    .await;
    answer(&state, &ctx, id, r, "meetings.done.attendance").await
}

/// A motion with each present member's vote (`vote_<member>` = yes/no/abstain), decided at once.
pub async fn motion_submit(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    CsrfForm(ctx, f): CsrfForm<Fields>,
) -> Result<Response, AppError> {
    // Authorized in motions::put_motion > managed: MeetingsManage
    let r = async {
        let votes: Vec<MemberVote> = f
            .numbered("vote_")?
            .into_iter()
            .filter(|(_, v)| !v.is_empty())
            .map(|(member_id, choice)| MemberVote { member_id, choice })
            .collect();
        let input = MotionInput {
            title: f.get("title"),
            item_id: f.id("item_id")?,
            threshold: Some(f.get("threshold")),
            rule_id: f.id("rule_id")?,
            admission_id: f.id("admission_id")?,
        };
        // Every vote is checked before the motion is put, so a refused vote leaves nothing.
        let a = conduct::attendance_summary(&state, id).await?;
        for (i, v) in votes.iter().enumerate() {
            let present = a
                .items
                .iter()
                .any(|x| x.member_id == v.member_id && x.present());
            if !present || !matches!(v.choice.as_str(), "yes" | "no" | "abstain") {
                return Err(AppError::invalid(
                    format!("votes[{i}]"),
                    "meetings.voter_not_present",
                ));
            }
        }
        let motion = motions::put_motion(&state, &ctx, id, &input).await?;
        if votes.is_empty() {
            // No votes entered by hand: the motion stays open for the members' own phones.
            return Ok("meetings.done.motion_open");
        }
        motions::record_votes(&state, &ctx, motion, &votes).await?;
        decision::close_motion(&state, &ctx, motion).await?;
        Ok("meetings.done.motion")
    }
    .await;
    answer_with(&state, &ctx, id, r).await
}

#[derive(Deserialize)]
pub struct MinutesForm {
    minutes: String,
}

pub async fn minutes_submit(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    CsrfForm(ctx, f): CsrfForm<MinutesForm>,
) -> Result<Response, AppError> {
    // Authorized in conduct::publish > managed: MeetingsManage
    let r = conduct::publish(&state, &ctx, id, &f.minutes).await;
    answer(&state, &ctx, id, r, "meetings.done.minutes").await
}

#[derive(Deserialize)]
pub struct CommentForm {
    body: String,
}

pub async fn comment_submit(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    CsrfForm(ctx, f): CsrfForm<CommentForm>,
) -> Result<Response, AppError> {
    // Authorized in conduct::add_comment: Participate
    let r = conduct::add_comment(&state, &ctx, id, &f.body)
        .await
        .map(|_| ());
    answer(&state, &ctx, id, r, "meetings.done.comment").await
}
