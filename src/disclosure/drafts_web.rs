//! The staff's drafting page for a notice: the form with finance lines, its submission, and
//! the same form to edit a draft; a refusal shows the form again with what was typed and the
//! error next to its field.

use crate::platform::web::{Path, Query};
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use serde::Deserialize;

use super::drafts::{self, NoticeInput};
use super::notices::{LineInput, Notice};
use super::web::{error_text, managed_community};
use super::{Category, categories_of};
use crate::auth::{Action, CsrfForm, Ctx, Target};
use crate::platform::AppState;
use crate::platform::error::AppError;
use crate::platform::flash::Done;
use crate::platform::i18n::Tr;
use crate::platform::web::{Chrome, page};

#[derive(Template)]
#[template(path = "disclosure/new.html")]
struct NewPage {
    chrome: Chrome,
    t: Tr,
    categories: Vec<Category>,
    f: DraftForm,
    error: String,
    /// The form field the error belongs to (`lines` for any finance line); empty: at the top.
    error_field: String,
    /// Where the form goes: `/disclosures` for a new draft, `/disclosures/{id}/edit` for one.
    action: String,
    /// The draft being edited.
    editing: Option<i64>,
}

const FIELDS: [&str; 10] = [
    "category",
    "title",
    "period",
    "body",
    "lines",
    "income_total",
    "expense_total",
    "channel",
    "publicity_days",
    "corrects_id",
];

/// The form field an error names: `lines[2]` and `lines[2].amount` are the lines box.
fn form_field(err: Option<&AppError>) -> String {
    let field = err.and_then(|e| e.field.as_deref()).unwrap_or("");
    let field = field.split(['[', '.']).next().unwrap_or("");
    if FIELDS.contains(&field) {
        field.to_owned()
    } else {
        String::new()
    }
}

#[derive(Deserialize, Default, Clone)]
pub struct DraftForm {
    #[serde(default)]
    category: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    body: String,
    #[serde(default)]
    channel: String,
    #[serde(default)]
    period: String,
    #[serde(default)]
    publicity_days: String,
    /// One line per entry: `收入 物业费返还 1200.00` or `支出 楼道照明维修 350.50`.
    #[serde(default)]
    lines: String,
    #[serde(default)]
    income_total: String,
    #[serde(default)]
    expense_total: String,
    #[serde(default)]
    corrects_id: String,
}

async fn new_form(
    state: &AppState,
    ctx: &Ctx,
    f: DraftForm,
    err: Option<&AppError>,
) -> Result<Response, AppError> {
    draft_form(state, ctx, f, None, err).await
}

async fn draft_form(
    state: &AppState,
    ctx: &Ctx,
    f: DraftForm,
    editing: Option<i64>,
    err: Option<&AppError>,
) -> Result<Response, AppError> {
    let community = managed_community(ctx).ok_or_else(|| {
        ctx.require(Action::DisclosuresManage, Target::System)
            .err()
            .unwrap_or_else(AppError::forbidden)
    })?;
    let mut res = page(&NewPage {
        chrome: ctx.chrome(),
        t: ctx.t(),
        categories: categories_of(state, community, ctx.lang).await?,
        f,
        error: error_text(ctx, err),
        error_field: form_field(err),
        action: editing.map_or("/disclosures".to_owned(), |id| {
            format!("/disclosures/{id}/edit")
        }),
        editing,
    })?;
    if let Some(e) = err {
        *res.status_mut() = e.status;
    }
    Ok(res)
}

#[derive(Deserialize, Default)]
pub struct NewQuery {
    /// The category to start with; its template fills the body.
    #[serde(default)]
    category: String,
}

pub async fn new_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<NewQuery>,
) -> Result<Response, AppError> {
    // Authorized in new_form > draft_form: DisclosuresManage
    let body = match managed_community(&ctx) {
        Some(c) if !q.category.is_empty() => {
            crate::disclosure::category(&state, c, &q.category, ctx.lang)
                .await?
                .map(|c| c.template)
                .unwrap_or_default()
        }
        _ => String::new(),
    };
    let f = DraftForm {
        channel: "both".into(),
        publicity_days: "5".into(),
        category: q.category,
        body,
        ..Default::default()
    };
    new_form(&state, &ctx, f, None).await
}

fn parse_lines(text: &str) -> Result<Vec<LineInput>, AppError> {
    let mut out = Vec::new();
    for (i, l) in text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .enumerate()
    {
        let parts: Vec<&str> = l.split_whitespace().collect();
        let kind = match parts.first().copied() {
            Some("收入" | "income") => "income",
            Some("支出" | "expense") => "expense",
            _ => {
                return Err(AppError::invalid(
                    format!("lines[{i}]"),
                    "disclosure.bad_line",
                ));
            }
        };
        if parts.len() < 3 {
            return Err(AppError::invalid(
                format!("lines[{i}]"),
                "disclosure.bad_line",
            ));
        }
        out.push(LineInput {
            kind: kind.into(),
            item: parts[1..parts.len() - 1].join(" "),
            amount: parts[parts.len() - 1].to_owned(),
        });
    }
    Ok(out)
}

/// The form as the drafting API takes it.
fn input(community: i64, f: &DraftForm) -> Result<NoticeInput, AppError> {
    let opt = |s: &str| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
    Ok(NoticeInput {
        community_id: community,
        category: f.category.clone(),
        title: f.title.clone(),
        body: f.body.clone(),
        channel: f.channel.clone(),
        period: opt(&f.period),
        publicity_days: f.publicity_days.trim().parse().map_err(|_| {
            crate::platform::calendar::publicity_period("publicity_days", 0).unwrap_err()
        })?,
        income_total: opt(&f.income_total),
        expense_total: opt(&f.expense_total),
        lines: parse_lines(&f.lines)?,
        corrects_id: crate::platform::input::optional_id("corrects_id", &f.corrects_id)?,
    })
}

pub async fn create_submit(
    State(state): State<AppState>,
    CsrfForm(ctx, f): CsrfForm<DraftForm>,
) -> Result<Response, AppError> {
    // Authorized in managed_community: DisclosuresManage
    let community = managed_community(&ctx).ok_or_else(AppError::forbidden)?;
    let attempt = async { drafts::save_draft(&state, &ctx, None, &input(community, &f)?).await };
    crate::platform::web::redirect_or_again(
        attempt.await,
        |id| Done::to(format!("/disclosures/{id}"), "disclosure.done.drafted"),
        async |e| new_form(&state, &ctx, f, Some(&e)).await,
    )
    .await
}

/// A draft, loaded for its editor: staff who manage the community's notices, drafts only.
async fn editable(state: &AppState, ctx: &Ctx, id: i64) -> Result<Notice, AppError> {
    let n = super::notices::load(state, id).await?;
    ctx.require(Action::DisclosuresManage, Target::At(n.place()))?;
    if !n.is_draft() {
        return Err(AppError::conflict("disclosure.published_immutable"));
    }
    Ok(n)
}

/// `/disclosures/{id}/edit`: the drafting form, filled in with the draft.
pub async fn edit_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    // Authorized in editable: DisclosuresManage
    let n = editable(&state, &ctx, id).await?;
    let lines = n
        .lines
        .iter()
        .map(|l| {
            let kind = if l.kind == "income" {
                "收入"
            } else {
                "支出"
            };
            format!("{kind} {} {}", l.item, l.amount)
        })
        .collect::<Vec<_>>()
        .join("\n");
    let f = DraftForm {
        category: n.category,
        title: n.title,
        body: n.body,
        channel: n.channel,
        period: n.period.unwrap_or_default(),
        publicity_days: n.publicity_days.to_string(),
        lines,
        income_total: n.income_total.unwrap_or_default(),
        expense_total: n.expense_total.unwrap_or_default(),
        corrects_id: n.corrects_id.map(|c| c.to_string()).unwrap_or_default(),
    };
    draft_form(&state, &ctx, f, Some(id), None).await
}

pub async fn edit_submit(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    CsrfForm(ctx, f): CsrfForm<DraftForm>,
) -> Result<Response, AppError> {
    // Authorized in editable: DisclosuresManage
    let n = editable(&state, &ctx, id).await?;
    let attempt =
        async { drafts::save_draft(&state, &ctx, Some(id), &input(n.community_id, &f)?).await };
    crate::platform::web::redirect_or_again(
        attempt.await,
        |_| Done::to(format!("/disclosures/{id}"), "disclosure.done.edited"),
        async |e| draft_form(&state, &ctx, f, Some(id), Some(&e)).await,
    )
    .await
}
