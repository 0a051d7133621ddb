//! Rule pages: the community's charter, conventions and house rules for anyone, and for staff a
//! form that drafts one (a convention names its matter: 一事一约); a rule's text in
//! force, its versions with an article-level comparison, and, during public comment, a comment
//! form under each article.

use crate::platform::flash::Done;
use crate::platform::web::{Path, Query};
use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::comments::{Comment, add_comment, comment_list};
use super::draft::{NewRule, draft_rule};
use super::versions::{ArticleChange, Version, all, article_diff};
use super::{Rule, RuleQuery, readable, search};
use crate::auth::{Action, CsrfForm, Ctx, Scope};
use crate::platform::AppState;
use crate::platform::error::AppError;
use crate::platform::forms::{Refused, Typed, again};
use crate::platform::i18n::{Tr, tf};
use crate::platform::input::Fields;
use crate::platform::web::redirect_or_again;
use crate::platform::web::{Chrome, page};

#[derive(Template)]
#[template(path = "rules/list.html")]
struct ListPage {
    chrome: Chrome,
    t: Tr,
    items: Vec<Rule>,
    /// The community whose rules the caller drafts, if any.
    drafts_for: Option<i64>,
    subjects: &'static [&'static str],
    refused: Refused,
    typed: Typed,
}

async fn render_list(
    state: &AppState,
    ctx: &Ctx,
    q: &RuleQuery,
    refused: Option<(Typed, &AppError)>,
) -> Result<Response, AppError> {
    let items = search(state, ctx, q).await?;
    let drafts_for = ctx
        .scopes(Action::RulesManage)
        .iter()
        .find_map(|s| match s {
            Scope::Community(c) => Some(*c),
            _ => None,
        });
    let (typed, err) = Typed::split(refused);
    again(
        &ListPage {
            chrome: ctx.chrome(),
            t: ctx.t(),
            items,
            drafts_for,
            subjects: super::SUBJECTS,
            refused: Refused::of(ctx.lang, "draft", err),
            typed,
        },
        err,
    )
}

pub async fn list_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<RuleQuery>,
) -> Result<Response, AppError> {
    // Authorized in render_list > search: RulesManage (drafts only; the rest is public)
    render_list(&state, &ctx, &q, None).await
}

/// `POST /rules`: a convention (or the charter, or house rules) drafted on the page, its
/// articles one per line.
pub async fn draft_submit(
    State(state): State<AppState>,
    CsrfForm(ctx, f): CsrfForm<Fields>,
) -> Result<Response, AppError> {
    // Authorized in draft_rule: RulesManage
    let n = NewRule {
        community_id: f.id("community_id")?.unwrap_or_default(),
        kind: f.get("kind"),
        matter: Some(f.get("matter")),
        subject: Some(f.get("subject")),
        title: f.get("title"),
        articles: f
            .get("articles")
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_owned)
            .collect(),
    };
    let done = draft_rule(&state, &ctx, &n).await;
    redirect_or_again(
        done,
        |r| Done::to(format!("/rules/{}", r.id), "rules.done.drafted").arg("title", &r.title),
        async |e| {
            let q = RuleQuery::default();
            render_list(&state, &ctx, &q, Some((Typed::of("draft", &f), &e))).await
        },
    )
    .await
}

#[derive(Template)]
#[template(path = "rules/rule.html")]
struct RulePage {
    chrome: Chrome,
    t: Tr,
    r: Rule,
    /// Why the end of the comment period is an estimate, if it is.
    until_note: Option<String>,
    shown: Version,
    versions: Vec<Version>,
    diff: Vec<ArticleChange>,
    from: i64,
    to: i64,
    comments: Vec<Comment>,
    signed_in: bool,
    error: String,
}

#[derive(Deserialize)]
pub struct DiffQuery {
    from: Option<i64>,
    to: Option<i64>,
}

async fn render(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    q: &DiffQuery,
    err: Option<&AppError>,
) -> Result<Response, AppError> {
    let r = readable(state, ctx, id).await?;
    let versions = all(state, id).await?;
    // In force if there is one; the version under way during comment and review.
    let shown_n = if r.status.in_force() || r.status == super::RuleStatus::Repealed {
        r.in_force_version.unwrap_or(r.latest_version)
    } else {
        r.latest_version
    };
    let shown = versions
        .iter()
        .find(|v| v.version == shown_n)
        .cloned()
        .ok_or_else(AppError::not_found)?;
    let (from, to) = (q.from.unwrap_or(1), q.to.unwrap_or(r.latest_version));
    let pick = |n: i64| versions.iter().find(|v| v.version == n);
    let diff = match (pick(from), pick(to)) {
        (Some(a), Some(b)) if versions.len() > 1 => article_diff(&a.articles, &b.articles),
        _ => vec![],
    };
    // The period ends in the year that may be uncovered; it began no later.
    let until_note = state.calendar.span_note(
        ctx.lang,
        r.comment_until.as_deref(),
        r.comment_until.as_deref(),
    );
    let mut res = page(&RulePage {
        chrome: ctx.chrome(),
        t: ctx.t(),
        until_note,
        shown,
        diff,
        from,
        to,
        comments: comment_list(state, id).await?,
        signed_in: ctx.user.is_some(),
        error: err
            .map(|e| tf(ctx.lang, e.key, &e.args))
            .unwrap_or_default(),
        versions,
        r,
    })?;
    if let Some(e) = err {
        *res.status_mut() = e.status;
    }
    Ok(res)
}

pub async fn rule_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Query(q): Query<DiffQuery>,
) -> Result<Response, AppError> {
    // Authorized in render > readable: RulesManage (drafts only; the rest is public)
    render(&state, &ctx, id, &q, None).await
}

#[derive(Deserialize)]
pub struct CommentForm {
    article: i64,
    body: String,
}

pub async fn comment_submit(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    CsrfForm(ctx, f): CsrfForm<CommentForm>,
) -> Result<Response, AppError> {
    // Authorized in add_comment > readable: RulesManage (drafts only; the rest is public)
    match add_comment(&state, &ctx, id, f.article, &f.body).await {
        Ok(_) => {
            Ok(Done::to(format!("/rules/{id}#comments"), "rules.done.comment").into_response())
        }
        Err(e)
            if e.status.is_client_error()
                && ctx.user.is_some()
                && e.status != axum::http::StatusCode::FORBIDDEN =>
        {
            render(
                &state,
                &ctx,
                id,
                &DiffQuery {
                    from: None,
                    to: None,
                },
                Some(&e),
            )
            .await
        }
        Err(e) => Err(e),
    }
}

/// The rules pages, at the paths residents and staff use (`app.rs` merges every area's).
pub fn pages() -> axum::Router<crate::platform::AppState> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route(
            "/rules",
            get(crate::rules::web::list_page).post(crate::rules::web::draft_submit),
        )
        .route("/rules/{id}", get(crate::rules::web::rule_page))
        .route(
            "/rules/{id}/comments",
            post(crate::rules::web::comment_submit),
        )
}
