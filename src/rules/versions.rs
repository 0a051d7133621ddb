//! A rule's versions — every one kept — and the article-level difference between any two.

use crate::platform::web::{Path, Query};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use similar::{Algorithm, DiffOp, capture_diff_slices};
use sqlx::Row;
use utoipa::{IntoParams, ToSchema};

use super::{Rule, check_articles, load, put_version, readable};
use crate::audit::{self, Entry};
use crate::auth::{Action, Ctx, Target};
use crate::platform::AppState;
use crate::platform::error::AppError;
use crate::platform::web::ApiJson;

#[derive(Serialize, ToSchema, Clone)]
pub struct Version {
    pub version: i64,
    pub articles: Vec<String>,
    /// What changed and why.
    pub note: String,
    pub created_at: crate::platform::time::Instant,
    /// The legal review: who, when, the checklist and a note.
    pub reviewer: Option<String>,
    pub reviewed_at: Option<crate::platform::time::Instant>,
    pub review_note: Option<String>,
    /// The motion that adopted it.
    pub motion_id: Option<i64>,
    pub adopted_at: Option<crate::platform::time::Instant>,
    pub published_at: Option<crate::platform::time::Instant>,
    /// SHA-256 of its canonical content, once published.
    pub content_hash: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct VersionList {
    pub items: Vec<Version>,
    pub total: i64,
}

pub async fn all(state: &AppState, rule: i64) -> Result<Vec<Version>, AppError> {
    let rows = sqlx::query(
        "SELECT version, articles, note, created_at, reviewer, reviewed_at, review_note, motion_id, adopted_at, published_at, content_hash \
         FROM rule_versions WHERE rule_id = $1 ORDER BY version",
    )
    .bind(rule)
    .fetch_all(state.db.read())
    .await?;
    Ok(rows
        .iter()
        .map(|r| {
            Ok(Version {
                version: r.try_get("version")?,
                articles: serde_json::from_str(&r.try_get::<String, _>("articles")?)
                    .unwrap_or_default(),
                note: r.try_get("note")?,
                created_at: r.try_get("created_at")?,
                reviewer: r.try_get("reviewer")?,
                reviewed_at: r.try_get("reviewed_at")?,
                review_note: r.try_get("review_note")?,
                motion_id: r.try_get("motion_id")?,
                adopted_at: r.try_get("adopted_at")?,
                published_at: r.try_get("published_at")?,
                content_hash: r.try_get("content_hash")?,
            })
        })
        .collect::<Result<_, sqlx::Error>>()?)
}

/// Every version of the rule. Drafts of a rule not yet in force are for staff.
#[utoipa::path(get, path = "/api/v1/rules/{id}/versions", tag = "rules", params(("id" = i64, Path)),
    responses((status = 200, body = VersionList), (status = 404)))]
pub(super) async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<Json<VersionList>, AppError> {
    // Authorized in readable: RulesManage (drafts only; the rest is public)
    readable(&state, &ctx, id).await?;
    let items = all(&state, id).await?;
    Ok(Json(VersionList {
        total: items.len() as i64,
        items,
    }))
}

#[derive(Deserialize, ToSchema)]
pub struct VersionInput {
    pub articles: Vec<String>,
    #[serde(default)]
    pub note: String,
}

/// A new version: a redraft while drafting, or an amendment of a rule in force (which goes
/// through comment, review and vote again while the old version stays in force).
#[utoipa::path(post, path = "/api/v1/rules/{id}/versions", tag = "rules", params(("id" = i64, Path)), request_body = VersionInput,
    security(("bearer" = [])), responses((status = 201, body = Rule), (status = 403), (status = 409), (status = 422)))]
pub(super) async fn add(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    ApiJson(v): ApiJson<VersionInput>,
) -> Result<(StatusCode, Json<Rule>), AppError> {
    let r = load(state.db.read(), id).await?;
    ctx.require(Action::RulesManage, Target::At(r.place()))?;
    if !(r.status == super::RuleStatus::Draft || r.status.in_force()) {
        return Err(AppError::conflict("rules.no_new_version").arg("status", r.status));
    }
    let articles = check_articles(&v.articles)?;
    if v.note.chars().count() > 500 {
        return Err(AppError::invalid("note", "rules.bad_note"));
    }
    let mut tx = state.db.begin().await?;
    // Of concurrent new versions one is numbered next; the others find the rule changed.
    crate::platform::state::hold(&mut tx, "rules", id, r.status.as_str(), "rules.changed").await?;
    put_version(&mut tx, id, r.latest_version + 1, &articles, v.note.trim()).await?;
    sqlx::query("UPDATE rules SET status = 'draft', comment_until = NULL WHERE id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    audit::record(
        &mut tx,
        &ctx.actor(),
        Entry::new("rules.version", "rule", id)
            .at(r.place())
            .detail(format!("version {}", r.latest_version + 1)),
    )
    .await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(load(state.db.read(), id).await?)))
}

#[derive(Serialize, ToSchema)]
pub struct ArticleChange {
    /// same, changed, added or removed.
    pub change: String,
    /// Article number in the older version (1-based), if it is there.
    pub from_article: Option<usize>,
    /// Article number in the newer version, if it is there.
    pub to_article: Option<usize>,
    pub old_text: Option<String>,
    pub new_text: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct Diff {
    pub from: i64,
    pub to: i64,
    pub changes: Vec<ArticleChange>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DiffQuery {
    pub from: i64,
    pub to: i64,
}

/// Article by article: the articles kept, changed, added and removed.
pub fn article_diff(old: &[String], new: &[String]) -> Vec<ArticleChange> {
    let mut out = Vec::new();
    let item = |change: &str, f: Option<usize>, t: Option<usize>| ArticleChange {
        change: change.into(),
        from_article: f.map(|i| i + 1),
        to_article: t.map(|i| i + 1),
        old_text: f.map(|i| old[i].clone()),
        new_text: t.map(|i| new[i].clone()),
    };
    for op in capture_diff_slices(Algorithm::Myers, old, new) {
        match op {
            DiffOp::Equal {
                old_index,
                new_index,
                len,
            } => {
                for k in 0..len {
                    out.push(item("same", Some(old_index + k), Some(new_index + k)));
                }
            }
            DiffOp::Delete {
                old_index, old_len, ..
            } => {
                for k in 0..old_len {
                    out.push(item("removed", Some(old_index + k), None));
                }
            }
            DiffOp::Insert {
                new_index, new_len, ..
            } => {
                for k in 0..new_len {
                    out.push(item("added", None, Some(new_index + k)));
                }
            }
            DiffOp::Replace {
                old_index,
                old_len,
                new_index,
                new_len,
            } => {
                for k in 0..old_len.max(new_len) {
                    let f = (k < old_len).then_some(old_index + k);
                    let t = (k < new_len).then_some(new_index + k);
                    let change = match (f, t) {
                        (Some(_), Some(_)) => "changed",
                        (Some(_), None) => "removed",
                        _ => "added",
                    };
                    out.push(item(change, f, t));
                }
            }
        }
    }
    out
}

/// The article-level difference between two versions.
#[utoipa::path(get, path = "/api/v1/rules/{id}/diff", tag = "rules", params(("id" = i64, Path), DiffQuery),
    responses((status = 200, body = Diff), (status = 404), (status = 422)))]
pub(super) async fn diff(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Query(q): Query<DiffQuery>,
) -> Result<Json<Diff>, AppError> {
    // Authorized in readable: RulesManage (drafts only; the rest is public)
    readable(&state, &ctx, id).await?;
    let versions = all(&state, id).await?;
    let get = |n: i64, field: &'static str| {
        versions
            .iter()
            .find(|v| v.version == n)
            .ok_or_else(|| AppError::invalid(field, "rules.unknown_version"))
    };
    let (a, b) = (get(q.from, "from")?, get(q.to, "to")?);
    Ok(Json(Diff {
        from: q.from,
        to: q.to,
        changes: article_diff(&a.articles, &b.articles),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn articles_kept_changed_added_removed() {
        let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        let d = article_diff(&s(&["甲", "乙", "丙"]), &s(&["甲", "乙二", "丙", "丁"]));
        let kinds: Vec<&str> = d.iter().map(|c| c.change.as_str()).collect();
        assert_eq!(kinds, ["same", "changed", "same", "added"]);
        assert_eq!(d[1].old_text.as_deref(), Some("乙"));
        assert_eq!(d[3].to_article, Some(4));
        let d = article_diff(&s(&["甲", "乙"]), &s(&["乙"]));
        assert_eq!(d[0].change, "removed");
    }
}
