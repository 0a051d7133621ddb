//! Rules (M7, M9): the charter (自治章程), conventions (公约), one per matter, and house rules
//! (居规民约). `draft → public_comment → legal_review → vote → adopted → published`, then
//! `amended` (a new version through the same steps) or `repealed`. Every version is kept, with an
//! article-level diff between any two; an adopted version never changes and joins the
//! publication chain. The vote is a motion of the council (conventions, house rules) or the
//! assembly (the charter, by two thirds).

pub mod comments;
pub mod content;
pub mod draft;
pub mod lifecycle;
pub mod versions;
pub mod web;

pub use web::pages;

use crate::platform::web::{Path, Query};
use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use sqlx::Row;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::auth::{Action, Ctx, Place, Target};
use crate::platform::AppState;
use crate::platform::db::{Filter, Tx, Val, bind_vals};
use crate::platform::error::AppError;
use crate::platform::time;

crate::workflow_state! {
    /// The three kinds of rule (M7, M8): the community's charter (自治章程, adopted by the
    /// assembly), a convention on one subject (居民公约), and a compound's house rules (院规).
    pub enum RuleKind {
        Charter = "charter",
        Convention = "convention",
        HouseRules = "house_rules",
    }
}
pub const SUBJECTS: &[&str] = &[
    "environment",
    "public_order",
    "public_works",
    "facilities",
    "dogs",
    "parking",
    "other",
];
crate::workflow_state! {
    /// Where a rule stands: drafted, out for public comment, under legal review, put to the
    /// vote (by a motion), adopted, published (in force), amended (a newer version in force) or
    /// repealed.
    pub enum RuleStatus {
        Draft = "draft",
        PublicComment = "public_comment",
        LegalReview = "legal_review",
        Vote = "vote",
        Adopted = "adopted",
        Published = "published",
        Amended = "amended",
        Repealed = "repealed",
    }
}

impl RuleStatus {
    /// A version of it is in force (published, or amended since).
    pub fn in_force(self) -> bool {
        matches!(self, Self::Published | Self::Amended)
    }
}

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, draft::create))
        .routes(routes!(one))
        .routes(routes!(versions::list, versions::add))
        .routes(routes!(versions::diff))
        .routes(routes!(lifecycle::advance))
        .routes(routes!(lifecycle::review))
        .routes(routes!(comments::comments, comments::comment))
        .routes(routes!(comments::answer))
}

#[derive(Serialize, ToSchema, Clone)]
pub struct Rule {
    pub id: i64,
    pub community_id: i64,
    pub kind: RuleKind,
    /// A convention's broad subject, as a category: environment, public_order, public_works,
    /// facilities, dogs, parking or other.
    pub subject: Option<String>,
    /// A convention's matter in its own words (噪音管理, 楼道堆物): one convention per matter.
    pub matter: Option<String>,
    pub title: String,
    pub status: RuleStatus,
    /// The version in force (published), if any.
    pub in_force_version: Option<i64>,
    /// The latest version (the one going through the steps).
    pub latest_version: i64,
    /// The last day of public comment (working days).
    pub comment_until: Option<String>,
    #[serde(skip)]
    pub street_id: i64,
}

impl Rule {
    /// Out for public comment: residents may comment.
    pub fn in_comment(&self) -> bool {
        self.status == RuleStatus::PublicComment
    }

    pub fn place(&self) -> Place {
        Place {
            street_id: Some(self.street_id),
            community_id: Some(self.community_id),
            building_id: None,
        }
    }
}

const SQL: &str = "SELECT r.id, r.street_id, r.community_id, r.kind, r.subject, r.matter, r.title, r.status, r.in_force_version, r.comment_until, \
    (SELECT MAX(v.version) FROM rule_versions v WHERE v.rule_id = r.id) AS latest FROM rules r";

fn from_row(r: &sqlx::any::AnyRow) -> Result<Rule, sqlx::Error> {
    Ok(Rule {
        id: r.try_get("id")?,
        street_id: r.try_get("street_id")?,
        community_id: r.try_get("community_id")?,
        kind: r.try_get("kind")?,
        subject: r.try_get("subject")?,
        matter: r.try_get("matter")?,
        title: r.try_get("title")?,
        status: r.try_get("status")?,
        in_force_version: r.try_get("in_force_version")?,
        latest_version: r.try_get::<Option<i64>, _>("latest")?.unwrap_or(0),
        comment_until: r.try_get("comment_until")?,
    })
}

pub async fn load<'e, E: sqlx::Executor<'e, Database = sqlx::Any>>(
    ex: E,
    id: i64,
) -> Result<Rule, AppError> {
    let r = sqlx::query(&format!("{SQL} WHERE r.id = $1"))
        .bind(id)
        .fetch_optional(ex)
        .await?
        .ok_or_else(AppError::not_found)?;
    Ok(from_row(&r)?)
}

/// A draft only to its community's staff; every later stage to anyone.
pub async fn readable(state: &AppState, ctx: &Ctx, id: i64) -> Result<Rule, AppError> {
    let r = load(state.db.read(), id).await?;
    if r.status == RuleStatus::Draft && r.in_force_version.is_none() {
        ctx.require(Action::RulesManage, Target::At(r.place()))?;
    }
    Ok(r)
}

#[derive(Serialize, ToSchema)]
pub struct RuleList {
    pub items: Vec<Rule>,
    pub total: i64,
}

#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct RuleQuery {
    pub community_id: Option<i64>,
    pub kind: Option<String>,
    pub status: Option<String>,
}

pub async fn search(state: &AppState, ctx: &Ctx, q: &RuleQuery) -> Result<Vec<Rule>, AppError> {
    let mut f = Filter::default();
    // Drafts never in force are for the staff of their community.
    let staff = ctx.scopes(Action::RulesManage);
    match crate::auth::scope::scope_condition(&staff, "r.street_id", "r.community_id", None) {
        Some((cond, vals)) => f.and(
            &format!("(r.status <> 'draft' OR r.in_force_version IS NOT NULL OR {cond})"),
            vals,
        ),
        None => f.and(
            "(r.status <> 'draft' OR r.in_force_version IS NOT NULL)",
            [],
        ),
    };
    if let Some(c) = q.community_id {
        f.and("r.community_id = ?", [Val::I(c)]);
    }
    if let Some(k) = q.kind.as_deref().filter(|k| !k.is_empty()) {
        let k: RuleKind = k
            .parse()
            .map_err(|_| AppError::invalid("kind", "rules.bad_kind"))?;
        f.and("r.kind = ?", [Val::T(k.as_str().to_owned())]);
    }
    if let Some(s) = q.status.as_deref().filter(|s| !s.is_empty()) {
        let s: RuleStatus = s
            .parse()
            .map_err(|_| AppError::invalid("status", "rules.bad_status"))?;
        f.and("r.status = ?", [Val::T(s.as_str().to_owned())]);
    }
    let sql = format!(
        "{SQL} {} ORDER BY r.community_id, CASE r.kind WHEN 'charter' THEN 0 WHEN 'convention' THEN 1 ELSE 2 END, r.id",
        f.sql()
    );
    let rows = bind_vals(sqlx::query(&sql), &f.vals)
        .fetch_all(state.db.read())
        .await?;
    Ok(rows.iter().map(from_row).collect::<Result<_, _>>()?)
}

/// The rules: anyone sees them from public comment on; staff see their drafts.
#[utoipa::path(get, path = "/api/v1/rules", tag = "rules", params(RuleQuery), responses((status = 200, body = RuleList)))]
async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<RuleQuery>,
) -> Result<Json<RuleList>, AppError> {
    // Authorized in search: RulesManage (drafts only; the rest is public)
    let items = search(&state, &ctx, &q).await?;
    Ok(Json(RuleList {
        total: items.len() as i64,
        items,
    }))
}

#[utoipa::path(get, path = "/api/v1/rules/{id}", tag = "rules", params(("id" = i64, Path)),
    responses((status = 200, body = Rule), (status = 404)))]
async fn one(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<Json<Rule>, AppError> {
    // Authorized in readable: RulesManage (drafts only; the rest is public)
    Ok(Json(readable(&state, &ctx, id).await?))
}

/// Checks articles: 1 to 200 of them, none empty, each at most 2000 characters.
pub fn check_articles(articles: &[String]) -> Result<Vec<String>, AppError> {
    if articles.is_empty() || articles.len() > 200 {
        return Err(AppError::invalid("articles", "rules.bad_articles"));
    }
    articles
        .iter()
        .enumerate()
        .map(|(i, a)| {
            let a = crate::disclosure::privacy::mask_numbers(a.trim());
            if a.is_empty() || a.chars().count() > 2000 {
                Err(AppError::invalid(
                    format!("articles[{i}]"),
                    "rules.bad_articles",
                ))
            } else {
                Ok(a)
            }
        })
        .collect()
}

pub async fn put_version(
    tx: &mut Tx,
    rule: i64,
    version: i64,
    articles: &[String],
    note: &str,
) -> Result<(), AppError> {
    sqlx::query("INSERT INTO rule_versions (rule_id, version, articles, note, created_at) VALUES ($1, $2, $3, $4, $5)")
        .bind(rule)
        .bind(version)
        .bind(serde_json::to_string(articles).map_err(AppError::internal)?)
        .bind(note)
        .bind(time::now_db())
        .execute(&mut **tx)
        .await?;
    Ok(())
}
