//! The supervision list (督办): overdue cases escalated by `list::sweep`, for everyone who
//! supervises; sensitive ones without their details for those who may not read them (C13).

use super::model::CaseStatus;
use super::store::{CASE_COLUMNS, Case, case_from};
use crate::audit::{self, Entry};
use crate::auth::{Action, Ctx, Target, scope::scope_condition};
use crate::platform::AppState;
use crate::platform::db::{Filter, Val, bind_vals};
use crate::platform::error::AppError;

/// Cases on the supervision list, in the caller's scope. Overdue sensitive cases stay on it for
/// everyone who supervises (rule C13): those with the duty to read them see them whole (an
/// audited sensitive read), the others only their category, status, dates and reason.
pub async fn supervision(state: &AppState, ctx: &Ctx) -> Result<Vec<Case>, AppError> {
    let scopes = ctx.scopes(Action::SupervisionRead);
    let Some((cond, vals)) = scope_condition(
        &scopes,
        "c.street_id",
        "k.community_id",
        Some("k.building_id"),
    ) else {
        ctx.require(Action::SupervisionRead, Target::System)?;
        return Err(AppError::forbidden());
    };
    let mut f = Filter::default();
    f.and(&cond, vals);
    f.and("k.supervised_at IS NOT NULL", []);
    let open = vec!["?"; CaseStatus::OPEN.len()].join(", ");
    f.and(
        &format!("k.status IN ({open})"),
        CaseStatus::OPEN
            .iter()
            .map(|s| Val::T(s.as_str().to_owned())),
    );
    let sql = format!(
        "SELECT {CASE_COLUMNS} FROM cases k JOIN communities c ON c.id = k.community_id {} ORDER BY k.deadline LIMIT 500",
        f.sql()
    );
    let rows = bind_vals(sqlx::query(&sql), &f.vals)
        .fetch_all(state.db.read())
        .await?;
    let mut items = rows.iter().map(case_from).collect::<Result<Vec<_>, _>>()?;
    let mut read = Vec::new();
    for c in items.iter_mut().filter(|c| c.sensitive) {
        if ctx
            .require(Action::CaseReadSensitive, Target::At(c.place()))
            .is_ok()
        {
            read.push(c.id.to_string());
        } else {
            c.redact();
        }
    }
    if !read.is_empty() {
        let entry = Entry::new("case.supervision", "case_list", "")
            .sensitive()
            .detail(read.join(","));
        audit::record_alone(&state.db, &ctx.actor(), entry).await?;
    }
    Ok(items)
}
