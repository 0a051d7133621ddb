//! The auditor's page: the audit log, newest first, with filters.

use crate::platform::web::Query;
use askama::Template;
use axum::extract::State;
use axum::response::Response;

use super::api::{AuditFilter, AuditItem, query};
use crate::audit::{self, Entry};
use crate::auth::{Action, Ctx, Target};
use crate::platform::AppState;
use crate::platform::error::AppError;
use crate::platform::i18n::Tr;
use crate::platform::time;
use crate::platform::web::{Chrome, page};

#[derive(Template)]
#[template(path = "audit/index.html")]
struct AuditPage {
    chrome: Chrome,
    t: Tr,
    items: Vec<(String, AuditItem)>,
    total: i64,
    actor: String,
    action: String,
    page: i64,
    pages: i64,
}

pub async fn index(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(mut f): Query<AuditFilter>,
) -> Result<Response, AppError> {
    ctx.require(Action::AuditRead, Target::System)?;
    f.actor = f.actor.filter(|s| !s.is_empty());
    f.action = f.action.filter(|s| !s.is_empty());
    f.per_page = Some(50);
    let list = query(state.db.read(), &f).await?;
    audit::record_alone(
        &state.db,
        &ctx.actor(),
        Entry::new("audit.read", "audit_log", "").detail(format!("{} entries", list.items.len())),
    )
    .await?;
    let items = list
        .items
        .into_iter()
        .map(|i| (time::show_db(&i.at, ctx.lang), i))
        .collect();
    page(&AuditPage {
        chrome: ctx.chrome(),
        t: ctx.t(),
        items,
        total: list.total,
        actor: f.actor.unwrap_or_default(),
        action: f.action.unwrap_or_default(),
        page: f.page.unwrap_or(1),
        pages: (list.total + 49) / 50,
    })
}

/// The audit pages, at the paths residents and staff use (`app.rs` merges every area's).
pub fn pages() -> axum::Router<crate::platform::AppState> {
    use axum::routing::get;
    axum::Router::new().route("/audit", get(crate::audit::web::index))
}
