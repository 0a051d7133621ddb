//! A council member votes on their own phone (M6): during a held meeting, each member present
//! casts their own vote on an open motion, by name and once; the tally on the meeting page is
//! the count so far, and the secretary closes the vote when the members have voted.

use sqlx::Row;

use super::conduct::attendance_summary;
use super::motions::{MotionStatus, motion_meeting, tally};
use crate::audit::{self, Entry};
use crate::auth::Ctx;
use crate::platform::AppState;
use crate::platform::error::AppError;

/// The caller's seat on `body`, if they hold one now.
pub async fn own_seat(state: &AppState, ctx: &Ctx, body: i64) -> Result<Option<i64>, AppError> {
    let Some(me) = ctx.user.as_ref() else {
        return Ok(None);
    };
    let row = sqlx::query(
        "SELECT id FROM body_members WHERE body_id = $1 AND ended_at IS NULL \
         AND (user_id = $2 OR (resident_id IS NOT NULL AND resident_id = $3)) ORDER BY id LIMIT 1",
    )
    .bind(body)
    .bind(me.id)
    .bind(me.resident_id.unwrap_or(-1))
    .fetch_optional(state.db.read())
    .await?;
    Ok(row.map(|r| r.try_get("id")).transpose()?)
}

/// The motions of `meeting` on which the seat `member` has voted.
pub async fn voted_on(state: &AppState, meeting: i64, member: i64) -> Result<Vec<i64>, AppError> {
    let rows = sqlx::query(
        "SELECT v.motion_id FROM motion_votes v JOIN motions m ON m.id = v.motion_id \
         WHERE m.meeting_id = $1 AND v.member_id = $2",
    )
    .bind(meeting)
    .bind(member)
    .fetch_all(state.db.read())
    .await?;
    Ok(rows
        .iter()
        .map(|r| r.try_get("motion_id"))
        .collect::<Result<_, _>>()?)
}

/// The caller's own vote on an open motion: they hold a seat on the meeting's body and are
/// recorded present (else 403, or 422 when absent); once (a second vote, however quick, is a
/// 409).
pub async fn cast_own(
    state: &AppState,
    ctx: &Ctx,
    meeting: i64,
    motion: i64,
    choice: &str,
) -> Result<(), AppError> {
    // The seat is the right to vote: a member of the body (the head presiding ex officio, the
    // elected members), recorded present.
    let (mv, m) = motion_meeting(state, motion).await?;
    if m.id != meeting {
        return Err(AppError::not_found());
    }
    let seat = own_seat(state, ctx, m.body_id)
        .await?
        .ok_or_else(AppError::forbidden)?;
    if !matches!(choice, "yes" | "no" | "abstain") {
        return Err(AppError::invalid("choice", "meetings.bad_choice"));
    }
    if mv.status != MotionStatus::Open {
        return Err(AppError::conflict("meetings.motion_closed"));
    }
    let present = attendance_summary(state, m.id)
        .await?
        .items
        .iter()
        .any(|a| a.member_id == seat && a.present());
    if !present {
        return Err(AppError::invalid("choice", "meetings.voter_not_present"));
    }
    let mut tx = state.db.begin().await?;
    // Guarded by the motion's state and the (motion, member) key: one vote, while it is open.
    let n = sqlx::query(
        "INSERT INTO motion_votes (motion_id, member_id, choice) SELECT $1, $2, $3 \
         WHERE EXISTS (SELECT 1 FROM motions WHERE id = $1 AND status = 'open') \
         AND NOT EXISTS (SELECT 1 FROM motion_votes WHERE motion_id = $1 AND member_id = $2)",
    )
    .bind(motion)
    .bind(seat)
    .bind(choice)
    .execute(&mut *tx)
    .await
    .map_err(|e| match e {
        sqlx::Error::Database(d) if d.is_unique_violation() => {
            AppError::conflict("meetings.voted_already")
        }
        e => e.into(),
    })?
    .rows_affected();
    if n != 1 {
        return Err(AppError::conflict("meetings.voted_already"));
    }
    tally(&mut tx, motion).await?;
    audit::record(
        &mut tx,
        &ctx.actor(),
        Entry::new("meetings.vote", "motion", motion)
            .at(m.place())
            .detail("own vote"),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
