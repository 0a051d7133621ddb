//! The staff's drafting page for a notice: the form with finance lines, and its submission;
//! a refusal shows the form again with what was typed.

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use serde::Deserialize;

use super::drafts::{self, NoticeInput};
use super::notices::LineInput;
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
    })?;
    if let Some(e) = err {
        *res.status_mut() = e.status;
    }
    Ok(res)
}

pub async fn new_page(State(state): State<AppState>, ctx: Ctx) -> Result<Response, AppError> {
    // Authorized in new_form: DisclosuresManage
    let f = DraftForm {
        channel: "both".into(),
        publicity_days: "5".into(),
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

pub async fn create_submit(
    State(state): State<AppState>,
    CsrfForm(ctx, f): CsrfForm<DraftForm>,
) -> Result<Response, AppError> {
    // Authorized in managed_community: DisclosuresManage
    let community = managed_community(&ctx).ok_or_else(AppError::forbidden)?;
    let opt = |s: &str| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
    let attempt = async {
        let input = NoticeInput {
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
        };
        drafts::save_draft(&state, &ctx, None, &input).await
    };
    crate::platform::web::redirect_or_again(
        attempt.await,
        |id| Done::to(format!("/disclosures/{id}"), "disclosure.done.drafted"),
        async |e| new_form(&state, &ctx, f, Some(&e)).await,
    )
    .await
}
