//! Case pages: the staff's case list and the supervision list (a case's own page, the desk,
//! is in `desk.rs`).

use crate::platform::web::Query;
use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Response};

use super::api::CaseView;
use super::list::{self, CaseQuery};
use super::store::Case;
use crate::auth::Ctx;
use crate::platform::AppState;
use crate::platform::error::AppError;
use crate::platform::i18n::Tr;
use crate::platform::sheets::{Cell, Table, XLSX, download, to_xlsx};
use crate::platform::time;
use crate::platform::web::{Chrome, page};

#[derive(Template)]
#[template(path = "cases/list.html")]
struct ListPage {
    chrome: Chrome,
    t: Tr,
    items: Vec<(CaseView, String)>,
    total: i64,
    status: String,
    overdue: bool,
    /// The filters as they came, to keep them in the form, the pager and the export link.
    q: CaseQuery,
    /// The query string of the filters (no page), for the pager and the export.
    kept: String,
    page: i64,
    pages: i64,
    categories: Vec<String>,
    assignees: Vec<super::handle::Assignee>,
    statuses: &'static [super::model::CaseStatus],
}

pub async fn list_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<CaseQuery>,
) -> Result<Response, AppError> {
    // Authorized in list::search > conditions: CaseRead, CaseSubmit
    let (items, total) = list::search(&state, &ctx, &q).await?;
    // A single community's staff filter by category and by the person the case is with.
    let community = ctx
        .scopes(crate::auth::Action::CaseHandle)
        .iter()
        .find_map(|s| match s {
            crate::auth::Scope::Community(c) => Some(*c),
            _ => None,
        });
    let (categories, assignees) = match community {
        Some(c) => (
            super::store::categories(state.db.read(), c)
                .await?
                .into_iter()
                .map(|k| k.code)
                .collect(),
            super::handle::assignees(&state, c).await?,
        ),
        None => (vec![], vec![]),
    };
    let html =
        list_html(&ctx, &items, total, &q, categories, assignees).map_err(AppError::internal)?;
    Ok(axum::response::Html(html).into_response())
}

/// `/cases/export.xlsx`: everything the list shows with these filters, on all its pages.
pub async fn export(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<CaseQuery>,
) -> Result<Response, AppError> {
    // Authorized in list::export > conditions: CaseRead, CaseSubmit
    let items = list::export(&state, &ctx, &q).await?;
    let t = ctx.t();
    let rows = items
        .iter()
        .map(|c| {
            vec![
                Cell::from(c.id),
                Cell::from(t.of("category", &c.category)),
                Cell::from(t.of("case_status", c.status.as_str())),
                Cell::from(if c.overdue(&time::now_db()) {
                    t.get("caselist.overdue")
                } else {
                    ""
                }),
                Cell::At(c.created_at.0),
                time::from_db(&c.deadline)
                    .map(Cell::At)
                    .unwrap_or_else(|| Cell::from(c.deadline_shown(ctx.lang))),
                Cell::from(
                    crate::platform::calendar::estimate_note(ctx.lang, c.deadline_uncovered_year)
                        .unwrap_or_default(),
                ),
                Cell::from(c.description.clone()),
                Cell::from(c.address.clone()),
                Cell::from(c.reply.clone()),
            ]
        })
        .collect();
    let table = Table {
        name: t.get("caselist.title").to_owned(),
        title: format!(
            "{}（{}）",
            t.get("caselist.title"),
            time::show_date(time::today(), ctx.lang)
        ),
        headers: vec![
            "#",
            "类别",
            "状态",
            "超期",
            "提交时间",
            "答复期限",
            "期限说明",
            "内容",
            "地点",
            "答复",
        ],
        rows,
    };
    let body = to_xlsx(&[table]).map_err(AppError::internal)?;
    Ok(download(body, XLSX, "cases.xlsx"))
}

/// The case list page for `items` (one page of `total`), as `ctx` sees it: rendering alone,
/// apart from the query (benchmarked in `benches/hot_paths.rs`).
pub fn list_html(
    ctx: &Ctx,
    items: &[Case],
    total: i64,
    q: &CaseQuery,
    categories: Vec<String>,
    assignees: Vec<super::handle::Assignee>,
) -> Result<String, askama::Error> {
    let per_page = q.per_page.unwrap_or(25).max(1);
    ListPage {
        chrome: ctx.chrome(),
        t: ctx.t(),
        items: items
            .iter()
            .map(|c| (CaseView::from(c), c.deadline_shown(ctx.lang)))
            .collect(),
        total,
        status: q.status.clone().unwrap_or_default(),
        overdue: q.overdue == Some(true),
        kept: kept(q),
        page: q.page.unwrap_or(1),
        pages: (total + per_page - 1) / per_page,
        q: q.clone(),
        categories,
        assignees,
        statuses: super::model::CaseStatus::ALL,
    }
    .render()
}

/// The filters of `q` as a query string (no page), for links that keep them.
fn kept(q: &CaseQuery) -> String {
    let mut pairs: Vec<(&str, String)> = Vec::new();
    let mut put = |k, v: Option<String>| {
        if let Some(v) = v.filter(|v| !v.is_empty()) {
            pairs.push((k, v));
        }
    };
    put("q", q.q.clone());
    put("status", q.status.clone());
    put("category", q.category.clone());
    put("assignee", q.assignee.clone());
    put("sort", q.sort.clone());
    put("building_id", q.building_id.map(|b| b.to_string()));
    put("community_id", q.community_id.map(|c| c.to_string()));
    put(
        "overdue",
        q.overdue.filter(|o| *o).map(|_| "true".to_owned()),
    );
    put("per_page", q.per_page.map(|n| n.to_string()));
    serde_urlencoded::to_string(pairs).unwrap_or_default()
}

#[derive(Template)]
#[template(path = "cases/supervision.html")]
struct SupervisionPage {
    chrome: Chrome,
    t: Tr,
    /// Each case with its supervision reason, its deadline shown, and whether it is given
    /// without its details (a sensitive case, for someone without the duty to read it).
    items: Vec<(CaseView, String, String, bool)>,
}

/// 督办: overdue cases escalated to the head, for the head, the council, the supervisory board
/// and the street.
pub async fn supervision_page(
    State(state): State<AppState>,
    ctx: Ctx,
) -> Result<Response, AppError> {
    // Authorized in supervision::supervision: SupervisionRead
    let cases = super::supervision::supervision(&state, &ctx).await?;
    let items = cases
        .iter()
        .map(|c| {
            (
                CaseView::from(c),
                c.supervision_reason.clone(),
                c.deadline_shown(ctx.lang),
                c.redacted,
            )
        })
        .collect();
    page(&SupervisionPage {
        chrome: ctx.chrome(),
        t: ctx.t(),
        items,
    })
}
