//! A rule's steps: public comment (residents comment article by article, staff answer), legal
//! review (a checklist, the reviewer and a note), the vote (a motion, see
//! `council::meetings::conduct`), publication into the chain, repeal.

use crate::council::rules::BodyKind;
use crate::platform::web::Path;
use axum::Json;
use axum::extract::State;
use serde::Deserialize;
use sqlx::Row;
use utoipa::ToSchema;

use super::{Rule, RuleKind, RuleStatus, load};
use crate::audit::{self, Entry};
use crate::auth::{Action, Ctx, Target};
use crate::council::meetings::decision::Threshold;
use crate::disclosure::chain;
use crate::platform::AppState;
use crate::platform::db::Tx;
use crate::platform::error::AppError;
use crate::platform::state;
use crate::platform::time;
use crate::platform::web::ApiJson;

#[derive(Deserialize, ToSchema)]
#[schema(as = RuleAdvanceInput)]
pub struct AdvanceInput {
    /// public_comment, legal_review, published or repealed.
    pub status: String,
    /// For public_comment: working days, 5 to 60 (default 10).
    pub days: Option<i64>,
    /// For repealed: why.
    pub reason: Option<String>,
}

async fn scalar(tx: &mut Tx, sql: &str, id: i64) -> Result<i64, AppError> {
    Ok(sqlx::query(sql)
        .bind(id)
        .fetch_one(&mut **tx)
        .await?
        .try_get("n")?)
}

/// Move the rule to its next step. The vote is not here: it is a motion at a meeting.
#[utoipa::path(post, path = "/api/v1/rules/{id}/status", tag = "rules", params(("id" = i64, Path)), request_body = AdvanceInput,
    security(("bearer" = [])), responses((status = 200, body = Rule), (status = 403), (status = 409), (status = 422)))]
pub(super) async fn advance(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    ApiJson(a): ApiJson<AdvanceInput>,
) -> Result<Json<Rule>, AppError> {
    // Authorized in advance_rule: RulesManage
    advance_rule(&state, &ctx, id, &a).await?;
    Ok(Json(load(state.db.read(), id).await?))
}

pub async fn advance_rule(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    a: &AdvanceInput,
) -> Result<(), AppError> {
    let r = load(state.db.read(), id).await?;
    ctx.require(Action::RulesManage, Target::At(r.place()))?;
    let to: RuleStatus = a
        .status
        .parse()
        .map_err(|_| AppError::invalid("status", "rules.bad_status"))?;
    let mut tx = state.db.begin().await?;
    // The state the caller saw must still hold: of concurrent advances one moves the rule.
    if matches!(
        (r.status, to),
        (RuleStatus::Draft, RuleStatus::PublicComment)
            | (RuleStatus::PublicComment, RuleStatus::LegalReview)
            | (RuleStatus::Adopted, RuleStatus::Published)
            | (
                RuleStatus::Published | RuleStatus::Amended,
                RuleStatus::Repealed
            )
    ) {
        state::hold(&mut tx, "rules", id, r.status.as_str(), "rules.changed").await?;
    }
    match (r.status, to) {
        (RuleStatus::Draft, RuleStatus::PublicComment) => {
            let days = a.days.unwrap_or(10);
            if !(5..=60).contains(&days) {
                return Err(AppError::invalid("days", "rules.bad_days"));
            }
            let until = state.calendar.add_working_days(time::today(), days as u32);
            sqlx::query(
                "UPDATE rules SET status = 'public_comment', comment_until = $1 WHERE id = $2",
            )
            .bind(until.to_string())
            .bind(id)
            .execute(&mut *tx)
            .await?;
        }
        (RuleStatus::PublicComment, RuleStatus::LegalReview) => {
            let until = r.comment_until.clone().unwrap_or_default();
            if time::today().to_string() <= until {
                return Err(AppError::conflict("rules.comment_running").arg("until", until));
            }
            if scalar(
                &mut tx,
                "SELECT COUNT(*) AS n FROM rule_comments WHERE rule_id = $1 AND answer IS NULL",
                id,
            )
            .await?
                > 0
            {
                return Err(AppError::conflict("rules.comments_unanswered"));
            }
            sqlx::query("UPDATE rules SET status = 'legal_review' WHERE id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?;
        }
        (RuleStatus::Adopted, RuleStatus::Published) => publish(&mut tx, &r).await?,
        (RuleStatus::Published | RuleStatus::Amended, RuleStatus::Repealed) => {
            let reason = a
                .reason
                .as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty() && s.chars().count() <= 500);
            if reason.is_none() {
                return Err(AppError::invalid("reason", "rules.repeal_reason"));
            }
            sqlx::query("UPDATE rules SET status = 'repealed', repealed_at = $1 WHERE id = $2")
                .bind(time::now_db())
                .bind(id)
                .execute(&mut *tx)
                .await?;
        }
        (_, RuleStatus::Vote) => return Err(AppError::conflict("rules.vote_by_motion")),
        _ => {
            return Err(AppError::conflict("error.bad_transition")
                .arg("from", r.status)
                .arg("to", to));
        }
    }
    audit::record(
        &mut tx,
        &ctx.actor(),
        Entry::new("rules.advance", "rule", id)
            .at(r.place())
            .detail(format!(
                "{} → {}{}",
                r.status,
                a.status,
                a.reason
                    .as_deref()
                    .map(|x| format!(": {x}"))
                    .unwrap_or_default()
            )),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Publishes the adopted latest version: in force from now, in the chain for good.
async fn publish(tx: &mut Tx, r: &Rule) -> Result<(), AppError> {
    let vid: i64 = sqlx::query("SELECT id FROM rule_versions WHERE rule_id = $1 AND version = $2")
        .bind(r.id)
        .bind(r.latest_version)
        .fetch_one(&mut **tx)
        .await?
        .try_get("id")?;
    let content = super::content::version(&mut *tx, vid)
        .await?
        .ok_or_else(AppError::not_found)?;
    let hash = chain::sha256_hex(content.as_bytes());
    sqlx::query("UPDATE rule_versions SET published_at = $1, content_hash = $2 WHERE id = $3")
        .bind(time::now_db())
        .bind(&hash)
        .bind(vid)
        .execute(&mut **tx)
        .await?;
    chain::append(tx, "rule_version", vid, &hash).await?;
    let status = if r.in_force_version.is_some() {
        RuleStatus::Amended
    } else {
        RuleStatus::Published
    };
    sqlx::query("UPDATE rules SET status = $1, in_force_version = $2 WHERE id = $3")
        .bind(status)
        .bind(r.latest_version)
        .bind(r.id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

#[derive(Deserialize, ToSchema)]
#[schema(as = RuleReviewInput)]
pub struct ReviewInput {
    /// No conflict with the Constitution, laws, regulations or policies.
    pub no_conflict_with_law: bool,
    /// No infringement of residents' personal, democratic or property rights.
    pub respects_rights: bool,
    /// Binds officials as well as residents.
    pub binds_officials: bool,
    pub note: String,
}

/// The legal review (the street's judicial office): all three checks pass → the rule goes to the
/// vote; otherwise back to drafting, with the note.
#[utoipa::path(post, path = "/api/v1/rules/{id}/review", tag = "rules", params(("id" = i64, Path)), request_body = ReviewInput,
    security(("bearer" = [])), responses((status = 200, body = Rule), (status = 403), (status = 409), (status = 422)))]
pub(super) async fn review(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    ApiJson(v): ApiJson<ReviewInput>,
) -> Result<Json<Rule>, AppError> {
    let r = load(state.db.read(), id).await?;
    ctx.require(Action::RulesReview, Target::At(r.place()))?;
    if r.status != RuleStatus::LegalReview {
        return Err(AppError::conflict("rules.not_in_review"));
    }
    let note = v.note.trim();
    if note.is_empty() || note.chars().count() > 1000 {
        return Err(AppError::invalid("note", "rules.review_note"));
    }
    let passed = v.no_conflict_with_law && v.respects_rights && v.binds_officials;
    let checks = serde_json::json!({
        "no_conflict_with_law": v.no_conflict_with_law,
        "respects_rights": v.respects_rights,
        "binds_officials": v.binds_officials,
    });
    let user = ctx.user.as_ref().ok_or_else(AppError::unauthenticated)?;
    let mut tx = state.db.begin().await?;
    state::hold(
        &mut tx,
        "rules",
        id,
        RuleStatus::LegalReview.as_str(),
        "rules.not_in_review",
    )
    .await?;
    sqlx::query(
        "UPDATE rule_versions SET reviewed_by = $1, reviewer = $2, reviewed_at = $3, review_checks = $4, review_note = $5 WHERE rule_id = $6 AND version = $7",
    )
    .bind(user.id)
    .bind(&user.display_name)
    .bind(time::now_db())
    .bind(checks.to_string())
    .bind(note)
    .bind(id)
    .bind(r.latest_version)
    .execute(&mut *tx)
    .await?;
    sqlx::query("UPDATE rules SET status = $1 WHERE id = $2")
        .bind(if passed {
            RuleStatus::Vote
        } else {
            RuleStatus::Draft
        })
        .bind(id)
        .execute(&mut *tx)
        .await?;
    audit::record(
        &mut tx,
        &ctx.actor(),
        Entry::new("rules.review", "rule", id)
            .at(r.place())
            .detail(if passed { "passed" } else { "returned" }),
    )
    .await?;
    tx.commit().await?;
    Ok(Json(load(state.db.read(), id).await?))
}

/// Called when a motion on a rule is decided: passed → the latest version is adopted; failed →
/// back to drafting.
pub async fn decided(tx: &mut Tx, rule: i64, motion: i64, passed: bool) -> Result<(), AppError> {
    if passed {
        sqlx::query(
            "UPDATE rule_versions SET motion_id = $1, adopted_at = $2 WHERE rule_id = $3 AND version = (SELECT MAX(version) FROM rule_versions WHERE rule_id = $3)",
        )
        .bind(motion)
        .bind(time::now_db())
        .bind(rule)
        .execute(&mut **tx)
        .await?;
    }
    sqlx::query("UPDATE rules SET status = $1 WHERE id = $2 AND status = 'vote'")
        .bind(if passed {
            RuleStatus::Adopted
        } else {
            RuleStatus::Draft
        })
        .bind(rule)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// May a motion put this rule to this body's vote? Only after legal review; the charter at the
/// assembly, conventions and house rules at the council. Returns the threshold the vote takes.
pub async fn may_vote(
    tx: &mut Tx,
    rule: i64,
    body_kind: BodyKind,
    community: Option<i64>,
) -> Result<Threshold, AppError> {
    let r = load(&mut **tx, rule)
        .await
        .map_err(|_| AppError::invalid("rule_id", "rules.unknown_rule"))?;
    if Some(r.community_id) != community {
        return Err(AppError::invalid("rule_id", "rules.unknown_rule"));
    }
    if r.status != RuleStatus::Vote {
        return Err(AppError::conflict("rules.not_reviewed").arg("status", r.status));
    }
    match (r.kind, body_kind) {
        (RuleKind::Charter, BodyKind::Assembly) => Ok(Threshold::TwoThirds),
        (RuleKind::Convention | RuleKind::HouseRules, BodyKind::Council | BodyKind::Assembly) => {
            Ok(Threshold::SimpleMajority)
        }
        _ => Err(AppError::invalid("rule_id", "rules.wrong_body")),
    }
}
