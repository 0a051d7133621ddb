//! Public comment on a draft rule (M9): residents of the community comment article by article
//! while the comment period runs, and every comment is answered before legal review.

use crate::platform::web::Path;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use sqlx::Row;
use utoipa::ToSchema;

use super::{load, readable};
use crate::audit::{self, Entry};
use crate::auth::{Action, Ctx, Target};
use crate::platform::AppState;
use crate::platform::error::AppError;
use crate::platform::time;
use crate::platform::web::ApiJson;

#[derive(Serialize, ToSchema)]
#[schema(as = RuleComment)]
pub struct Comment {
    pub id: i64,
    pub version: i64,
    /// The article (1-based) commented on.
    pub article: i64,
    /// The commenter's surname; the rest starred.
    pub author: String,
    pub body: String,
    pub answer: Option<String>,
    pub created_at: crate::platform::time::Instant,
}

#[derive(Serialize, ToSchema)]
#[schema(as = RuleCommentList)]
pub struct CommentList {
    pub items: Vec<Comment>,
    pub total: i64,
}

pub async fn comment_list(state: &AppState, rule: i64) -> Result<Vec<Comment>, AppError> {
    let rows = sqlx::query("SELECT id, version, article, author, body, answer, created_at FROM rule_comments WHERE rule_id = $1 ORDER BY version, article, id")
        .bind(rule)
        .fetch_all(state.db.read())
        .await?;
    Ok(rows
        .iter()
        .map(|r| {
            Ok(Comment {
                id: r.try_get("id")?,
                version: r.try_get("version")?,
                article: r.try_get("article")?,
                author: r.try_get("author")?,
                body: r.try_get("body")?,
                answer: r.try_get("answer")?,
                created_at: r.try_get("created_at")?,
            })
        })
        .collect::<Result<_, sqlx::Error>>()?)
}

/// Residents' comments, article by article, with the answers.
#[utoipa::path(get, path = "/api/v1/rules/{id}/comments", tag = "rules", params(("id" = i64, Path)),
    responses((status = 200, body = CommentList), (status = 404)))]
pub(super) async fn comments(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<Json<CommentList>, AppError> {
    // Authorized in readable: RulesManage (drafts only; the rest is public)
    readable(&state, &ctx, id).await?;
    let items = comment_list(&state, id).await?;
    Ok(Json(CommentList {
        total: items.len() as i64,
        items,
    }))
}

#[derive(Deserialize, ToSchema)]
#[schema(as = RuleCommentInput)]
pub struct CommentInput {
    /// 1-based article number of the version under comment.
    pub article: i64,
    pub body: String,
}

pub async fn add_comment(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    article: i64,
    body: &str,
) -> Result<i64, AppError> {
    let r = readable(state, ctx, id).await?;
    let p = crate::registry::participant::participant(
        state,
        ctx,
        Some(r.community_id),
        "rules.comment_signed_in",
    )
    .await?;
    if r.status != super::RuleStatus::PublicComment {
        return Err(AppError::conflict("rules.not_in_comment"));
    }
    let versions = super::versions::all(state, id).await?;
    let count = versions
        .last()
        .map(|v| v.articles.len() as i64)
        .unwrap_or(0);
    if !(1..=count).contains(&article) {
        return Err(AppError::invalid("article", "rules.unknown_article"));
    }
    let body = body.trim();
    if body.chars().count() < 2 || body.chars().count() > 1000 {
        return Err(AppError::invalid("body", "rules.bad_comment"));
    }
    let mut tx = state.db.begin().await?;
    // M7: comments are taken only while the comment period runs (its last day included),
    // checked in the insert itself, so the period cannot end between the check and the write.
    let today = time::today().to_string();
    let cid: i64 = sqlx::query(
        "INSERT INTO rule_comments (rule_id, version, article, user_id, author, body, created_at) \
         SELECT $1, $2, $3, $4, $5, $6, $7 WHERE EXISTS (SELECT 1 FROM rules WHERE id = $1 \
         AND status = 'public_comment' AND comment_until >= $8) RETURNING id",
    )
    .bind(id)
    .bind(r.latest_version)
    .bind(article)
    .bind(p.user_id)
    .bind(crate::platform::pii::mask_name(&p.name))
    .bind(body)
    .bind(time::now_db())
    .bind(&today)
    .fetch_optional(&mut *tx)
    .await?
    .ok_or_else(|| {
        AppError::conflict("rules.comment_closed")
            .arg("until", r.comment_until.clone().unwrap_or_default())
    })?
    .try_get("id")?;
    audit::record(
        &mut tx,
        &ctx.actor(),
        Entry::new("rules.comment", "rule", id)
            .at(r.place())
            .detail(format!("comment {cid}")),
    )
    .await?;
    tx.commit().await?;
    Ok(cid)
}

/// Comment on an article during public comment, as a signed-in resident of the community.
#[utoipa::path(post, path = "/api/v1/rules/{id}/comments", tag = "rules", params(("id" = i64, Path)), request_body = CommentInput,
    security(("bearer" = [])), responses((status = 201, body = Comment), (status = 401), (status = 409), (status = 422)))]
pub(super) async fn comment(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    ApiJson(c): ApiJson<CommentInput>,
) -> Result<(StatusCode, Json<Comment>), AppError> {
    // Authorized in add_comment > readable: RulesManage (drafts only; the rest is public)
    let cid = add_comment(&state, &ctx, id, c.article, &c.body).await?;
    comment_list(&state, id)
        .await?
        .into_iter()
        .find(|x| x.id == cid)
        .map(|x| (StatusCode::CREATED, Json(x)))
        .ok_or_else(AppError::not_found)
}

#[derive(Deserialize, ToSchema)]
pub struct AnswerInput {
    pub answer: String,
}

/// Answer a comment; every comment is answered before legal review.
#[utoipa::path(post, path = "/api/v1/rules/{id}/comments/{comment}", tag = "rules", params(("id" = i64, Path), ("comment" = i64, Path)),
    request_body = AnswerInput, security(("bearer" = [])), responses((status = 200, body = Comment), (status = 403), (status = 409), (status = 422)))]
pub(super) async fn answer(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, cid)): Path<(i64, i64)>,
    ApiJson(a): ApiJson<AnswerInput>,
) -> Result<Json<Comment>, AppError> {
    let r = load(state.db.read(), id).await?;
    ctx.require(Action::RulesManage, Target::At(r.place()))?;
    let text = a.answer.trim();
    if text.is_empty() || text.chars().count() > 1000 {
        return Err(AppError::invalid("answer", "rules.bad_answer"));
    }
    let mut tx = state.db.begin().await?;
    let n = sqlx::query("UPDATE rule_comments SET answer = $1, answered_by = $2, answered_at = $3 WHERE id = $4 AND rule_id = $5 AND answer IS NULL")
        .bind(text)
        .bind(ctx.user.as_ref().map(|u| u.id))
        .bind(time::now_db())
        .bind(cid)
        .bind(id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    if n == 0 {
        return Err(AppError::conflict("rules.answered_already"));
    }
    audit::record(
        &mut tx,
        &ctx.actor(),
        Entry::new("rules.answer", "rule", id)
            .at(r.place())
            .detail(format!("comment {cid}")),
    )
    .await?;
    tx.commit().await?;
    comment_list(&state, id)
        .await?
        .into_iter()
        .find(|x| x.id == cid)
        .map(Json)
        .ok_or_else(AppError::not_found)
}
