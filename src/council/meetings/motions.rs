//! Motions at a held meeting: put (with a quorum), the members present vote by name once each,
//! and the decision against the threshold — written back on the agenda item, and adopting a rule
//! or deciding a work-admission application when the motion carries one.

use crate::platform::web::Path;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use sqlx::Row;
use utoipa::ToSchema;

use super::conduct::{attendance_summary, managed};
use super::decision::Threshold;
use super::{Meeting, load, readable};
use crate::audit::{self, Entry};
use crate::auth::Ctx;
use crate::platform::AppState;
use crate::platform::db::Tx;
use crate::platform::error::AppError;
use crate::platform::time;
use crate::platform::web::ApiJson;

crate::workflow_state! {
    /// A motion is open for votes until it is decided, once: passed or failed.
    pub enum MotionStatus {
        Open = "open",
        Passed = "passed",
        Failed = "failed",
    }
}

#[derive(Serialize, ToSchema)]
pub struct MotionView {
    pub id: i64,
    pub meeting_id: i64,
    pub item_id: Option<i64>,
    pub title: String,
    pub threshold: Threshold,
    pub status: MotionStatus,
    pub yes: i64,
    pub no: i64,
    pub abstain: i64,
    /// The rule this motion adopts, if it is a rule's vote.
    pub rule_id: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct MotionList {
    pub items: Vec<MotionView>,
    pub total: i64,
}

fn motion_from(r: &sqlx::any::AnyRow) -> Result<MotionView, sqlx::Error> {
    Ok(MotionView {
        id: r.try_get("id")?,
        meeting_id: r.try_get("meeting_id")?,
        item_id: r.try_get("item_id")?,
        title: r.try_get("title")?,
        threshold: r.try_get("threshold")?,
        status: r.try_get("status")?,
        yes: r.try_get("votes_yes")?,
        no: r.try_get("votes_no")?,
        abstain: r.try_get("votes_abstain")?,
        rule_id: r.try_get("rule_id")?,
    })
}

const MOTION_SQL: &str = "SELECT id, meeting_id, item_id, title, threshold, status, votes_yes, votes_no, votes_abstain, rule_id FROM motions";

pub async fn motion_list(state: &AppState, meeting: i64) -> Result<Vec<MotionView>, AppError> {
    let rows = sqlx::query(&format!("{MOTION_SQL} WHERE meeting_id = $1 ORDER BY id"))
        .bind(meeting)
        .fetch_all(state.db.read())
        .await?;
    Ok(rows.iter().map(motion_from).collect::<Result<_, _>>()?)
}

/// The meeting's motions and their outcomes.
#[utoipa::path(get, path = "/api/v1/meetings/{id}/motions", tag = "council", params(("id" = i64, Path)),
    security(("bearer" = [])), responses((status = 200, body = MotionList), (status = 403)))]
pub(super) async fn motions(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<Json<MotionList>, AppError> {
    // Authorized in readable > may_see: BodiesRead (in a community whose bodies the caller may see)
    readable(&state, &ctx, id).await?;
    let items = motion_list(&state, id).await?;
    Ok(Json(MotionList {
        total: items.len() as i64,
        items,
    }))
}

#[derive(Deserialize, ToSchema)]
pub struct MotionInput {
    pub title: String,
    /// The agenda item it decides.
    pub item_id: Option<i64>,
    /// Default: simple_majority; the assembly's charter votes take two_thirds.
    pub threshold: Option<String>,
    /// The rule put to the vote (after its legal review); the charter's vote is the assembly's,
    /// by two thirds.
    pub rule_id: Option<i64>,
    /// The work-admission application the street's leading group decides.
    #[serde(default)]
    pub admission_id: Option<i64>,
}

/// Put a motion to the meeting: it must be held, with a quorum.
#[utoipa::path(post, path = "/api/v1/meetings/{id}/motions", tag = "council", params(("id" = i64, Path)),
    request_body = MotionInput, security(("bearer" = [])),
    responses((status = 201, body = MotionView), (status = 403), (status = 409), (status = 422)))]
pub(super) async fn propose(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    ApiJson(i): ApiJson<MotionInput>,
) -> Result<(StatusCode, Json<MotionView>), AppError> {
    // Authorized in put_motion > managed: MeetingsManage
    let mid = put_motion(&state, &ctx, id, &i).await?;
    let r = sqlx::query(&format!("{MOTION_SQL} WHERE id = $1"))
        .bind(mid)
        .fetch_one(state.db.read())
        .await?;
    Ok((StatusCode::CREATED, Json(motion_from(&r)?)))
}

pub async fn put_motion(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    i: &MotionInput,
) -> Result<i64, AppError> {
    let m = managed(state, ctx, id).await?;
    let a = attendance_summary(state, id).await?;
    let recorded = a
        .items
        .iter()
        .any(|x| x.status != super::conduct::AttendanceStatus::Invited);
    if recorded && !a.quorum {
        return Err(AppError::invalid("present", "meetings.no_quorum")
            .arg("present", a.present)
            .arg("members", a.members));
    }
    if !m.is_held() {
        return Err(AppError::conflict("meetings.not_held"));
    }
    let title = i.title.trim();
    if title.is_empty() || title.chars().count() > 200 {
        return Err(AppError::invalid("title", "meetings.bad_title"));
    }
    let threshold = match i.threshold.as_deref().filter(|s| !s.is_empty()) {
        Some(t) => t
            .parse()
            .map_err(|_| AppError::invalid("threshold", "meetings.bad_threshold"))?,
        None => Threshold::SimpleMajority,
    };
    let mut tx = state.db.begin().await?;
    if let Some(item) = i.item_id {
        let n: i64 = sqlx::query(
            "SELECT COUNT(*) AS n FROM meeting_items WHERE id = $1 AND meeting_id = $2",
        )
        .bind(item)
        .bind(id)
        .fetch_one(&mut *tx)
        .await?
        .try_get("n")?;
        if n == 0 {
            return Err(AppError::invalid("item_id", "meetings.unknown_item"));
        }
    }
    let threshold = match i.rule_id {
        Some(rule) => {
            crate::rules::lifecycle::may_vote(&mut tx, rule, m.body_kind, m.community_id).await?
        }
        None => threshold,
    };
    let mid: i64 = sqlx::query(
        "INSERT INTO motions (meeting_id, item_id, title, threshold, status, rule_id, admission_id, created_at) VALUES ($1, $2, $3, $4, 'open', $5, $6, $7) RETURNING id",
    )
    .bind(id)
    .bind(i.item_id)
    .bind(title)
    .bind(threshold)
    .bind(i.rule_id)
    .bind(i.admission_id)
    .bind(time::now_db())
    .fetch_one(&mut *tx)
    .await?
    .try_get("id")?;
    if let Some(a) = i.admission_id {
        crate::admissions::under_review(&mut tx, a, m.body_kind, m.street_id, id, mid).await?;
    }
    audit::record(
        &mut tx,
        &ctx.actor(),
        Entry::new("meetings.motion", "meeting", id)
            .at(m.place())
            .detail(format!("motion {mid}")),
    )
    .await?;
    tx.commit().await?;
    Ok(mid)
}

/// The motion, its meeting (which the caller must be allowed to manage, or read).
pub(super) async fn motion_meeting(
    state: &AppState,
    motion: i64,
) -> Result<(MotionView, Meeting), AppError> {
    let r = sqlx::query(&format!("{MOTION_SQL} WHERE id = $1"))
        .bind(motion)
        .fetch_optional(state.db.read())
        .await?
        .ok_or_else(AppError::not_found)?;
    let mv = motion_from(&r)?;
    let m = load(state.db.read(), mv.meeting_id).await?;
    Ok((mv, m))
}

#[derive(Serialize, Deserialize, ToSchema)]
pub struct MemberVote {
    pub member_id: i64,
    /// yes, no or abstain.
    pub choice: String,
}

#[derive(Serialize, ToSchema)]
pub struct VoteList {
    pub items: Vec<MemberVote>,
    pub motion: MotionView,
}

/// How each member present voted (council votes are recorded by name).
#[utoipa::path(get, path = "/api/v1/motions/{id}/votes", tag = "council", params(("id" = i64, Path)),
    security(("bearer" = [])), responses((status = 200, body = VoteList), (status = 403)))]
pub(super) async fn votes(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<Json<VoteList>, AppError> {
    // Authorized in readable > may_see: BodiesRead (in a community whose bodies the caller may see)
    let (motion, m) = motion_meeting(&state, id).await?;
    readable(&state, &ctx, m.id).await?;
    let rows = sqlx::query(
        "SELECT member_id, choice FROM motion_votes WHERE motion_id = $1 ORDER BY member_id",
    )
    .bind(id)
    .fetch_all(state.db.read())
    .await?;
    let items = rows
        .iter()
        .map(|r| {
            Ok(MemberVote {
                member_id: r.try_get("member_id")?,
                choice: r.try_get("choice")?,
            })
        })
        .collect::<Result<_, sqlx::Error>>()?;
    Ok(Json(VoteList { items, motion }))
}

#[derive(Deserialize, ToSchema)]
pub struct VotesInput {
    pub votes: Vec<MemberVote>,
}

/// Record members' votes on an open motion: present members only, once each.
#[utoipa::path(post, path = "/api/v1/motions/{id}/votes", tag = "council", params(("id" = i64, Path)),
    request_body = VotesInput, security(("bearer" = [])),
    responses((status = 200, body = MotionView), (status = 403), (status = 409), (status = 422)))]
pub(super) async fn vote(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    ApiJson(v): ApiJson<VotesInput>,
) -> Result<Json<MotionView>, AppError> {
    // Authorized in record_votes > managed: MeetingsManage
    record_votes(&state, &ctx, id, &v.votes).await?;
    Ok(Json(motion_meeting(&state, id).await?.0))
}

pub async fn record_votes(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    votes: &[MemberVote],
) -> Result<(), AppError> {
    let (motion, m) = motion_meeting(state, id).await?;
    managed(state, ctx, m.id).await?;
    if motion.status != MotionStatus::Open {
        return Err(AppError::conflict("meetings.motion_closed"));
    }
    let present: Vec<i64> = attendance_summary(state, m.id)
        .await?
        .items
        .iter()
        .filter(|a| a.present())
        .map(|a| a.member_id)
        .collect();
    let mut tx = state.db.begin().await?;
    for (i, v) in votes.iter().enumerate() {
        if !matches!(v.choice.as_str(), "yes" | "no" | "abstain") {
            return Err(AppError::invalid(
                format!("votes[{i}].choice"),
                "meetings.bad_choice",
            ));
        }
        if !present.contains(&v.member_id) || votes[..i].iter().any(|w| w.member_id == v.member_id)
        {
            return Err(AppError::invalid(
                format!("votes[{i}].member_id"),
                "meetings.voter_not_present",
            ));
        }
        let done: i64 = sqlx::query(
            "SELECT COUNT(*) AS n FROM motion_votes WHERE motion_id = $1 AND member_id = $2",
        )
        .bind(id)
        .bind(v.member_id)
        .fetch_one(&mut *tx)
        .await?
        .try_get("n")?;
        if done > 0 {
            return Err(AppError::conflict("meetings.voted_already"));
        }
        sqlx::query("INSERT INTO motion_votes (motion_id, member_id, choice) VALUES ($1, $2, $3)")
            .bind(id)
            .bind(v.member_id)
            .bind(&v.choice)
            .execute(&mut *tx)
            .await?;
    }
    tally(&mut tx, id).await?;
    audit::record(
        &mut tx,
        &ctx.actor(),
        Entry::new("meetings.vote", "motion", id)
            .at(m.place())
            .detail(format!("{} votes", votes.len())),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

pub(super) async fn tally(tx: &mut Tx, motion: i64) -> Result<(), AppError> {
    sqlx::query(
        "UPDATE motions SET votes_yes = (SELECT COUNT(*) FROM motion_votes WHERE motion_id = $1 AND choice = 'yes'), \
         votes_no = (SELECT COUNT(*) FROM motion_votes WHERE motion_id = $1 AND choice = 'no'), \
         votes_abstain = (SELECT COUNT(*) FROM motion_votes WHERE motion_id = $1 AND choice = 'abstain') WHERE id = $1",
    )
    .bind(motion)
    .execute(&mut **tx)
    .await?;
    Ok(())
}
