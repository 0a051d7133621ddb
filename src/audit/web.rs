//! The auditor's page: the audit log, newest first, with filters.

use crate::platform::web::Query;
use std::collections::HashMap;

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use sqlx::Row;

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
    /// Each entry with its time and who did it as people read them (`社区工作者 李娜（worker）`).
    items: Vec<(String, String, AuditItem)>,
    total: i64,
    actor: String,
    action: String,
    sensitive: bool,
    page: i64,
    pages: i64,
}

pub async fn index(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(mut f): Query<AuditFilter>,
) -> Result<Response, AppError> {
    ctx.require(Action::AuditRead, Target::System)?;
    let typed = f.actor.clone().unwrap_or_default();
    f.actor = account_of(&state, typed.trim()).await?;
    f.action = f.action.filter(|s| !s.is_empty());
    f.sensitive = f.sensitive.filter(|s| *s);
    f.per_page = Some(50);
    let list = query(state.db.read(), &f).await?;
    let names = names_of(&state, &list.items).await?;
    audit::record_alone(
        &state.db,
        &ctx.actor(),
        Entry::new("audit.read", "audit_log", "").detail(format!("{} entries", list.items.len())),
    )
    .await?;
    let items = list
        .items
        .into_iter()
        .map(|i| {
            let who = match i.actor_id.and_then(|id| names.get(&id)) {
                Some(name) => format!("{name}（{}）", i.actor),
                None => i.actor.clone(),
            };
            (time::show_db(&i.at, ctx.lang), who, i)
        })
        .collect();
    page(&AuditPage {
        chrome: ctx.chrome(),
        t: ctx.t(),
        items,
        total: list.total,
        actor: typed,
        action: f.action.unwrap_or_default(),
        sensitive: f.sensitive.unwrap_or(false),
        page: f.page.unwrap_or(1),
        pages: (list.total + 49) / 50,
    })
}

/// The account an auditor means by what they typed: a person's name that one account carries,
/// or the account name itself; nothing typed is no filter.
async fn account_of(state: &AppState, typed: &str) -> Result<Option<String>, AppError> {
    if typed.is_empty() {
        return Ok(None);
    }
    let rows =
        sqlx::query("SELECT username FROM users WHERE display_name = $1 OR display_name LIKE $2")
            .bind(typed)
            .bind(format!("% {typed}"))
            .fetch_all(state.db.read())
            .await?;
    Ok(Some(match rows.as_slice() {
        [one] => one.try_get("username")?,
        _ => typed.to_owned(),
    }))
}

/// The people behind the entries' accounts, by user id.
async fn names_of(state: &AppState, items: &[AuditItem]) -> Result<HashMap<i64, String>, AppError> {
    let mut ids: Vec<i64> = items.iter().filter_map(|i| i.actor_id).collect();
    ids.sort_unstable();
    ids.dedup();
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let list = ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
    let rows = sqlx::query(&format!(
        "SELECT id, display_name FROM users WHERE id IN ({list})"
    ))
    .fetch_all(state.db.read())
    .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("id")?, r.try_get("display_name")?)))
        .collect()
}

/// The audit pages, at the paths residents and staff use (`app.rs` merges every area's).
pub fn pages() -> axum::Router<crate::platform::AppState> {
    use axum::routing::get;
    axum::Router::new().route("/audit", get(crate::audit::web::index))
}
