//! Handling a case: the transitions of its lifecycle, and the submitter's rating.

use serde::Deserialize;
use sqlx::Row;
use utoipa::ToSchema;

use super::model::{CaseStatus, PublicNote, Transition};
use super::store::{self, Case};
use crate::audit::{self, Entry};
use crate::auth::{Action, Ctx, Target};
use crate::platform::AppState;
use crate::platform::error::AppError;
use crate::platform::i18n::Lang;
use crate::platform::time;

#[derive(Clone, Debug, Deserialize, ToSchema)]
pub struct TransitionInput {
    pub action: Transition,
    /// With `assign`: the user name of a worker of the case's community.
    pub assignee: Option<String>,
    /// With `reply`: the answer to the resident (required).
    pub message: Option<String>,
    /// With `reject`: why (required); it is the case's answer.
    pub reason: Option<String>,
    /// With any action: the public note on progress shown with the tracking code and on
    /// Open311 (chosen from a fixed list; the reply itself is never public).
    pub public_note: Option<PublicNote>,
}

/// A reply or a rejection's reason goes to the resident and stays in the record: it may not
/// carry an ID number or a phone (however written). The message says where the number is.
fn no_personal_numbers(field: &'static str, s: &str) -> Result<(), AppError> {
    match crate::platform::pii::first_position(s) {
        Some(pos) => Err(AppError::invalid(field, "cases.personal_number").arg("position", pos)),
        None => Ok(()),
    }
}

fn text(field: &'static str, s: Option<&str>, key: &'static str) -> Result<String, AppError> {
    let s = s.map(str::trim).unwrap_or("");
    if s.chars().count() < 2 || s.chars().count() > 2000 {
        return Err(AppError::invalid(field, key));
    }
    Ok(s.to_owned())
}

/// May the caller handle this case (its scope, and sensitive categories)?
pub fn require_handle(ctx: &Ctx, c: &Case) -> Result<(), AppError> {
    ctx.require(Action::CaseHandle, Target::At(c.place()))?;
    if c.sensitive {
        ctx.require(Action::CaseReadSensitive, Target::At(c.place()))?;
    }
    Ok(())
}

/// Applies a transition; the status moves only from the one it was read in (409 otherwise).
pub async fn transition(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    t: &TransitionInput,
) -> Result<Case, AppError> {
    let c = store::get(state.db.read(), id)
        .await?
        .ok_or_else(AppError::not_found)?;
    require_handle(ctx, &c)?;
    let to = t.action.next(c.status, c.reopen_count).ok_or_else(|| {
        AppError::conflict("cases.bad_transition")
            .arg("action", t.action.as_str())
            .arg("status", c.status.as_str())
    })?;
    let now = time::now_db();
    let mut sets = vec!["status = $1".to_owned(), "updated_at = $2".to_owned()];
    let message;
    let mut assignee: Option<i64> = None;
    match t.action {
        Transition::Reply => {
            message = text("message", t.message.as_deref(), "cases.reply_required")?;
            no_personal_numbers("message", &message)?;
            sets.push("reply = $5".into());
            sets.push("replied_at = $2".into());
        }
        Transition::Reject => {
            message = text("reason", t.reason.as_deref(), "cases.reason_required")?;
            no_personal_numbers("reason", &message)?;
            sets.push("reply = $5".into());
            sets.push("reject_reason = $5".into());
            sets.push("replied_at = $2".into());
            sets.push("closed_at = $2".into());
        }
        Transition::Close => {
            message = note(t.message.as_deref())?;
            sets.push("closed_at = $2".into());
        }
        Transition::Reopen => {
            message = note(t.message.as_deref())?;
            sets.push("reopen_count = reopen_count + 1".into());
        }
        Transition::Assign => {
            let name = t.assignee.as_deref().map(str::trim).unwrap_or("");
            let to = assignable(state, c.community_id, name).await?;
            assignee = Some(to.id);
            sets.push("assignee_user_id = $5".into());
            // The timeline names the person, with the note if one was written.
            message = match note(t.message.as_deref())? {
                n if n.is_empty() => to.name,
                n => format!("{}：{n}", to.name),
            };
        }
        // A note typed with 受理 or 开始办理 goes on the timeline, never dropped.
        Transition::Accept | Transition::Start => message = note(t.message.as_deref())?,
    }
    let sql = format!(
        "UPDATE cases SET {} WHERE id = $3 AND status = $4",
        sets.join(", ")
    );
    let mut q = sqlx::query(&sql)
        .bind(to)
        .bind(&now)
        .bind(id)
        .bind(c.status);
    match (assignee, sql.contains("$5")) {
        (Some(uid), _) => q = q.bind(uid),
        (None, true) => q = q.bind(&message),
        (None, false) => {}
    }
    let mut tx = state.db.begin().await?;
    if q.execute(&mut *tx).await?.rows_affected() != 1 {
        return Err(AppError::conflict("cases.changed"));
    }
    if let Some(n) = t.public_note {
        sqlx::query("UPDATE cases SET public_note = $1 WHERE id = $2")
            .bind(n.as_str())
            .bind(id)
            .execute(&mut *tx)
            .await?;
    }
    let public = !matches!(t.action, Transition::Assign);
    let event = store::add_event(
        &mut tx,
        id,
        &ctx.actor().name,
        t.action.as_str(),
        c.status.as_str(),
        to.as_str(),
        &message,
        public,
    )
    .await?;
    audit::record(
        &mut tx,
        &ctx.actor(),
        Entry::new("case.transition", "case", id)
            .at(c.place())
            .detail(format!(
                "{} → {to}{}",
                c.status,
                store::attested(event, &message)
            )),
    )
    .await?;
    let kind = t.action.as_str();
    let reply = if matches!(t.action, Transition::Reply | Transition::Reject) {
        message.as_str()
    } else {
        ""
    };
    let said = |mine| super::notify::text(Lang::ZhCn, kind, mine, id, &c.description, reply);
    store::notify(&mut tx, c.submitter_user_id, id, kind, &said(true)).await?;
    if let Some(a) = assignee.or(c.assignee_user_id) {
        store::notify(&mut tx, Some(a), id, kind, &said(false)).await?;
    }
    tx.commit().await?;
    store::get(state.db.read(), id)
        .await?
        .ok_or_else(AppError::not_found)
}

/// A note for the timeline with a move that needs none: optional, at most 2000 characters, no
/// ID or phone numbers.
fn note(s: Option<&str>) -> Result<String, AppError> {
    let s = s.map(str::trim).unwrap_or("");
    if s.chars().count() > 2000 {
        return Err(AppError::invalid("message", "cases.note_too_long"));
    }
    no_personal_numbers("message", s)?;
    Ok(s.to_owned())
}

/// Someone a case can be assigned to: staff who may handle cases in its community today.
#[derive(Clone, Debug)]
pub struct Assignee {
    pub id: i64,
    pub username: String,
    /// The person's name, as the desk offers it.
    pub name: String,
}

const ASSIGNABLE: &str = "SELECT DISTINCT u.id, u.username, u.display_name FROM users u JOIN grants g ON g.user_id = u.id \
     WHERE u.disabled = 0 AND g.community_id = $1 AND g.role IN ('community_worker', 'community_head') \
     AND g.revoked_at IS NULL AND g.valid_from <= $2 AND (g.valid_to IS NULL OR g.valid_to >= $2)";

fn assignee_from(r: &sqlx::any::AnyRow) -> Result<Assignee, sqlx::Error> {
    Ok(Assignee {
        id: r.try_get("id")?,
        username: r.try_get("username")?,
        name: r.try_get("display_name")?,
    })
}

/// Everyone a case in `community` can be assigned to, by name.
pub async fn assignees(state: &AppState, community: i64) -> Result<Vec<Assignee>, AppError> {
    let rows = sqlx::query(&format!("{ASSIGNABLE} ORDER BY u.display_name"))
        .bind(community)
        .bind(time::today().to_string())
        .fetch_all(state.db.read())
        .await?;
    Ok(rows.iter().map(assignee_from).collect::<Result<_, _>>()?)
}

/// `name` (an account name) if they may handle cases in the community.
async fn assignable(state: &AppState, community: i64, name: &str) -> Result<Assignee, AppError> {
    let row = sqlx::query(&format!("{ASSIGNABLE} AND u.username = $3"))
        .bind(community)
        .bind(time::today().to_string())
        .bind(name)
        .fetch_optional(state.db.read())
        .await?;
    row.as_ref()
        .map(assignee_from)
        .transpose()?
        .ok_or_else(|| AppError::invalid("assignee", "cases.bad_assignee"))
}

#[derive(Clone, Debug, Deserialize, ToSchema)]
pub struct FeedbackInput {
    pub satisfied: bool,
    #[serde(default)]
    pub comment: String,
}

/// The submitter rates the answer, once. Unsatisfied after the answer reopens the case, once.
pub async fn feedback(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    f: &FeedbackInput,
) -> Result<Case, AppError> {
    let c = store::get(state.db.read(), id)
        .await?
        .ok_or_else(AppError::not_found)?;
    let me = ctx.user.as_ref().ok_or_else(AppError::unauthenticated)?;
    if c.submitter_user_id != Some(me.id) {
        return Err(AppError::forbidden());
    }
    rate(state, ctx, c, f).await
}

/// Whoever holds a case's tracking code rates its answer: the walk-in, the caller on the
/// phone, the resident who filed without an account or through an app. Once, as for a
/// submitter; unsatisfied reopens the case once. An unknown code is a 404.
pub async fn feedback_by_code(
    state: &AppState,
    ctx: &Ctx,
    code: &str,
    f: &FeedbackInput,
) -> Result<Case, AppError> {
    let c = store::by_tracking_code(state.db.read(), &code.trim().to_ascii_uppercase())
        .await?
        .ok_or_else(AppError::not_found)?;
    rate(state, ctx, c, f).await
}

/// The rating itself (rule C3), for a caller [`feedback`] or [`feedback_by_code`] admitted.
async fn rate(state: &AppState, ctx: &Ctx, c: Case, f: &FeedbackInput) -> Result<Case, AppError> {
    let id = c.id;
    if !c.status.answered() {
        return Err(AppError::conflict("cases.not_answered"));
    }
    if c.satisfied.is_some() {
        return Err(AppError::conflict("cases.already_rated"));
    }
    if f.comment.chars().count() > 500 {
        return Err(AppError::invalid("comment", "cases.comment_too_long"));
    }
    let reopen = !f.satisfied && c.reopen_count == 0;
    let to = if reopen {
        CaseStatus::Reopened
    } else {
        c.status
    };
    let mut tx = state.db.begin().await?;
    let res = sqlx::query(
        "UPDATE cases SET satisfied = $1, feedback = $2, status = $3, reopen_count = reopen_count + $4, updated_at = $5 \
         WHERE id = $6 AND status = $7 AND satisfied IS NULL",
    )
    .bind(i64::from(f.satisfied))
    .bind(f.comment.trim())
    .bind(to)
    .bind(i64::from(reopen))
    .bind(time::now_db())
    .bind(id)
    .bind(c.status)
    .execute(&mut *tx)
    .await?;
    if res.rows_affected() != 1 {
        return Err(AppError::conflict("cases.changed"));
    }
    let action = if f.satisfied {
        "rated_satisfied"
    } else {
        "rated_unsatisfied"
    };
    let event = store::add_event(
        &mut tx,
        id,
        &ctx.actor().name,
        action,
        c.status.as_str(),
        to.as_str(),
        f.comment.trim(),
        true,
    )
    .await?;
    audit::record(
        &mut tx,
        &ctx.actor(),
        Entry::new("case.feedback", "case", id)
            .at(c.place())
            .detail(format!(
                "{action} → {to}{}",
                store::attested(event, f.comment.trim())
            )),
    )
    .await?;
    if reopen {
        store::notify(
            &mut tx,
            c.assignee_user_id,
            id,
            "reopened",
            &super::notify::text(Lang::ZhCn, "reopened", false, id, &c.description, ""),
        )
        .await?;
    }
    tx.commit().await?;
    store::get(state.db.read(), id)
        .await?
        .ok_or_else(AppError::not_found)
}
