//! Deciding an application (M21): collectively, by the street's leading group — a motion at
//! its meeting puts the application under review, and the vote's outcome, with its reasons, is
//! the decision.

use crate::platform::web::Path;
use axum::Json;
use axum::extract::State;
use serde::Deserialize;
use sqlx::Row;
use utoipa::ToSchema;

use super::{Admission, AdmissionStatus, load};
use crate::audit::{self, Entry};
use crate::auth::{Action, Ctx, Place, Target};
use crate::council::meetings::motions::MotionStatus;
use crate::council::rules::BodyKind;
use crate::platform::AppState;
use crate::platform::db::Tx;
use crate::platform::error::AppError;
use crate::platform::input::text;
use crate::platform::time;
use crate::platform::web::ApiJson;

/// The fewest members in office a leading group needs to decide collectively (集体研究决定):
/// one officer, or two, is not a collective.
pub const MIN_COLLECTIVE: i64 = 3;

/// A decision of the street's leadership is collective (M21): the leading group has at least
/// `MIN_COLLECTIVE` members in office, and more than half of them are present at `meeting`,
/// counted against the members in office today (not only those invited).
pub async fn collective(tx: &mut Tx, meeting: i64) -> Result<(), AppError> {
    let today = time::today().to_string();
    let r = sqlx::query(
        "SELECT (SELECT COUNT(*) FROM body_members b WHERE b.body_id = m.body_id AND b.ended_at IS NULL \
         AND (b.term_to IS NULL OR b.term_to >= $2)) AS members, \
         (SELECT COUNT(*) FROM meeting_attendance a WHERE a.meeting_id = m.id AND a.status = 'present') AS present \
         FROM meetings m WHERE m.id = $1",
    )
    .bind(meeting)
    .bind(&today)
    .fetch_one(&mut **tx)
    .await?;
    let (members, present): (i64, i64) = (r.try_get("members")?, r.try_get("present")?);
    if members < MIN_COLLECTIVE {
        return Err(
            AppError::invalid("admission_id", "admissions.not_collective")
                .arg("members", members)
                .arg("min", MIN_COLLECTIVE),
        );
    }
    if !crate::council::meetings::conduct::quorum(present, members) {
        return Err(AppError::invalid("present", "admissions.no_quorum")
            .arg("present", present)
            .arg("members", members));
    }
    Ok(())
}

/// Called when a motion on an application is put at a meeting: only the street's leading group
/// decides, collectively (`collective`), and only an application not yet decided. The
/// application is then under review.
pub async fn under_review(
    tx: &mut Tx,
    admission: i64,
    body_kind: BodyKind,
    street: i64,
    meeting: i64,
    motion: i64,
) -> Result<(), AppError> {
    let a = load(&mut **tx, admission)
        .await
        .map_err(|_| AppError::invalid("admission_id", "admissions.unknown"))?;
    if body_kind != BodyKind::LeadingGroup || a.street_id != street {
        return Err(AppError::invalid(
            "admission_id",
            "admissions.leading_group",
        ));
    }
    collective(tx, meeting).await?;
    let moved = sqlx::query("UPDATE admissions SET status = 'under_review', motion_id = $1 WHERE id = $2 AND status IN ('applied', 'under_review')")
        .bind(motion)
        .bind(admission)
        .execute(&mut **tx)
        .await?
        .rows_affected();
    crate::platform::state::moved(moved, "admissions.decided")
}

#[derive(Deserialize, ToSchema)]
pub struct DecisionInput {
    /// Why it is admitted or declined.
    pub reason: String,
}

/// Record the decision from the leading group's vote: admitted if its motion passed, declined if
/// it failed; the reasons are required.
#[utoipa::path(post, path = "/api/v1/admissions/{id}/decision", tag = "admissions", params(("id" = i64, Path)), request_body = DecisionInput,
    security(("bearer" = [])), responses((status = 200, body = Admission), (status = 403), (status = 409), (status = 422)))]
pub(super) async fn decide(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    ApiJson(d): ApiJson<DecisionInput>,
) -> Result<Json<Admission>, AppError> {
    // Authorized in decide_admission: AdmissionsManage
    decide_admission(&state, &ctx, id, d).await.map(Json)
}

/// Records the decision as the leading group voted it: admitted if its motion passed, declined if not.
pub async fn decide_admission(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    d: DecisionInput,
) -> Result<Admission, AppError> {
    let a = load(state.db.read(), id).await?;
    let place = Place::street(a.street_id);
    ctx.require(Action::AdmissionsManage, Target::At(place))?;
    if a.status != AdmissionStatus::UnderReview {
        return Err(AppError::conflict("admissions.not_under_review"));
    }
    let reason = text("reason", &d.reason, 2000)?;
    let motion: MotionStatus =
        sqlx::query("SELECT status FROM motions WHERE id = $1 AND admission_id = $2")
            .bind(a.motion_id)
            .bind(id)
            .fetch_optional(state.db.read())
            .await?
            .ok_or_else(|| AppError::conflict("admissions.not_under_review"))?
            .try_get("status")?;
    let status = match motion {
        MotionStatus::Passed => AdmissionStatus::Admitted,
        MotionStatus::Failed => AdmissionStatus::Declined,
        MotionStatus::Open => return Err(AppError::conflict("admissions.vote_open")),
    };
    let mut tx = state.db.begin().await?;
    let moved = sqlx::query("UPDATE admissions SET status = $1, reason = $2, decided_at = $3 WHERE id = $4 AND status = $5")
        .bind(status)
        .bind(&reason)
        .bind(time::now_db())
        .bind(id)
        .bind(AdmissionStatus::UnderReview)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    crate::platform::state::moved(moved, "admissions.not_under_review")?;
    audit::record(
        &mut tx,
        &ctx.actor(),
        Entry::new("admissions.decide", "admission", id)
            .at(place)
            .detail(status.as_str()),
    )
    .await?;
    tx.commit().await?;
    load(state.db.read(), id).await
}
