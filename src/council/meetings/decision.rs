//! Deciding a motion: it passes or fails by its threshold against the members present, once;
//! the decision is written on its agenda item, and adopts a rule or decides a work-admission
//! application when the motion carries one.

use crate::platform::web::Path;
use axum::Json;
use axum::extract::State;

use super::conduct::{attendance_summary, managed};
use super::motions::{MotionStatus, MotionView, motion_meeting};
use crate::audit::{self, Entry};
use crate::auth::Ctx;
use crate::platform::AppState;
use crate::platform::error::AppError;
use crate::platform::time;

crate::workflow_state! {
    /// What a motion needs to pass: more yes than half of those present (a convention at the
    /// council), or yes from two thirds of all members (the charter at the assembly).
    pub enum Threshold {
        SimpleMajority = "simple_majority",
        TwoThirds = "two_thirds",
    }
}

impl Threshold {
    /// Does the vote carry?
    pub fn passes(self, yes: i64, present: i64, members: i64) -> bool {
        match self {
            Threshold::TwoThirds => yes * 3 >= members * 2 && members > 0,
            Threshold::SimpleMajority => yes * 2 > present && present > 0,
        }
    }
}

/// Close the vote: the motion passes or fails by its threshold, and the decision is written on
/// its agenda item.
#[utoipa::path(post, path = "/api/v1/motions/{id}/decision", tag = "council", params(("id" = i64, Path)),
    security(("bearer" = [])), responses((status = 200, body = MotionView), (status = 403), (status = 409), (status = 422)))]
pub(super) async fn decide(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<Json<MotionView>, AppError> {
    // Authorized in close_motion > managed: MeetingsManage
    close_motion(&state, &ctx, id).await?;
    Ok(Json(motion_meeting(&state, id).await?.0))
}

pub async fn close_motion(state: &AppState, ctx: &Ctx, id: i64) -> Result<(), AppError> {
    let (motion, m) = motion_meeting(state, id).await?;
    managed(state, ctx, m.id).await?;
    if motion.status != MotionStatus::Open {
        return Err(AppError::conflict("meetings.motion_closed"));
    }
    let a = attendance_summary(state, m.id).await?;
    if !a.quorum {
        return Err(AppError::invalid("present", "meetings.no_quorum")
            .arg("present", a.present)
            .arg("members", a.members));
    }
    let passed = motion.threshold.passes(motion.yes, a.present, a.members);
    let status = if passed {
        MotionStatus::Passed
    } else {
        MotionStatus::Failed
    };
    let mut tx = state.db.begin().await?;
    // Guarded: of concurrent closes one decides; the others find it closed.
    let moved = sqlx::query(
        "UPDATE motions SET status = $1, decided_at = $2 WHERE id = $3 AND status = 'open'",
    )
    .bind(status)
    .bind(time::now_db())
    .bind(id)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    crate::platform::state::moved(moved, "meetings.motion_closed")?;
    if let Some(rule) = motion.rule_id {
        crate::rules::lifecycle::decided(&mut tx, rule, id, passed).await?;
    }
    if let Some(item) = motion.item_id {
        let verdict = format!(
            "{}：{}（{} / {} / {}）",
            if passed { "通过" } else { "未通过" },
            motion.title,
            motion.yes,
            motion.no,
            motion.abstain
        );
        sqlx::query("UPDATE meeting_items SET decision = CASE WHEN decision IS NULL THEN $1 ELSE decision || '；' || $1 END WHERE id = $2")
            .bind(&verdict)
            .bind(item)
            .execute(&mut *tx)
            .await?;
    }
    audit::record(
        &mut tx,
        &ctx.actor(),
        Entry::new("meetings.decide", "motion", id)
            .at(m.place())
            .detail(status.as_str()),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
