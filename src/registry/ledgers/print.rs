//! The ledgers on paper and on one page: `/ledgers` lists the four ledgers (四账) with their
//! downloads, and `/ledgers/{kind}/print` lays one out for A4 with its title, the communities
//! it covers, the day it was printed and page numbers (the page counter is the stylesheet's).

use askama::Template;
use axum::extract::State;
use axum::response::Response;

use super::tables;
use crate::audit::{self, Entry};
use crate::auth::{Action, Ctx, Target};
use crate::platform::AppState;
use crate::platform::error::AppError;
use crate::platform::i18n::Tr;
use crate::platform::sheets::Table;
use crate::platform::web::{Chrome, Path, page};

/// The four ledgers, in the order M16 names them, with their message keys.
const KINDS: [(&str, &str); 4] = [
    ("residents", "ledgers.residents"),
    ("social-units", "ledgers.social_units"),
    ("social-orgs", "ledgers.social_orgs"),
    ("general", "ledgers.general"),
];

#[derive(Template)]
#[template(path = "registry/ledgers.html")]
struct LedgersPage {
    chrome: Chrome,
    t: Tr,
    kinds: Vec<(&'static str, &'static str)>,
    covers: String,
    /// The head may export the residents' ledger for re-import.
    full_export: bool,
}

/// The four ledgers, each to print or download.
pub async fn list_page(State(state): State<AppState>, ctx: Ctx) -> Result<Response, AppError> {
    let scopes = ctx.scopes(Action::RegistryRead);
    if scopes.is_empty() {
        ctx.require(Action::RegistryRead, Target::System)?;
    }
    page(&LedgersPage {
        chrome: ctx.chrome(),
        t: ctx.t(),
        kinds: KINDS.to_vec(),
        covers: covers(&state, &ctx).await?,
        full_export: !ctx.scopes(Action::RegistryExportFull).is_empty(),
    })
}

/// One section of a printed ledger: its title, headers and rows as text.
struct Section {
    title: String,
    headers: Vec<&'static str>,
    rows: Vec<Vec<String>>,
}

#[derive(Template)]
#[template(path = "registry/ledger_print.html")]
struct PrintPage {
    chrome: Chrome,
    t: Tr,
    kind: String,
    title: &'static str,
    covers: String,
    printed_on: String,
    sections: Vec<Section>,
    rows: usize,
}

/// One ledger laid out for A4: every section under its own title, headers repeated on each
/// page. Printing a ledger is audited as its download is.
pub async fn print_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(kind): Path<String>,
) -> Result<Response, AppError> {
    // Authorized in tables: RegistryRead
    let tables: Vec<Table> = tables(&state, &ctx, &kind).await?;
    let title = KINDS
        .iter()
        .find(|(k, _)| *k == kind)
        .map(|(_, key)| ctx.t().get(key))
        .ok_or_else(AppError::not_found)?;
    let rows: usize = tables.iter().map(|t| t.rows.len()).sum();
    audit::record_alone(
        &state.db,
        &ctx.actor(),
        Entry::new("registry.print", "ledger", &kind).detail(format!("{rows} rows")),
    )
    .await?;
    let sections = tables
        .into_iter()
        .map(|t| Section {
            title: t.title,
            headers: t.headers,
            rows: t
                .rows
                .iter()
                .map(|r| r.iter().map(|c| c.printed()).collect())
                .collect(),
        })
        .collect();
    page(&PrintPage {
        chrome: ctx.chrome(),
        t: ctx.t(),
        title,
        covers: covers(&state, &ctx).await?,
        printed_on: ctx.t().day_or_today(None),
        kind,
        sections,
        rows,
    })
}

/// The places the reader's ledgers cover, by name (`三角线社区`, `新华街道`).
async fn covers(state: &AppState, ctx: &Ctx) -> Result<String, AppError> {
    let mut names = Vec::new();
    for s in ctx.scopes(Action::RegistryRead) {
        let name = crate::registry::places::scope_name(state.db.read(), s).await?;
        if !name.is_empty() && !names.contains(&name) {
            names.push(name);
        }
    }
    Ok(names.join("、"))
}
