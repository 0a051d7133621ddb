//! Drafting a rule (version 1), by the API and on the rules page. One charter per community; one
//! convention per matter (M7 一事一约): a convention names its matter in free words (噪音管理,
//! 楼道堆物…), and a second convention on the same matter is refused (rule R10), whatever broad
//! subject either is filed under. House rules are a compound's own and may be several.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use sqlx::Row;
use utoipa::ToSchema;

use super::{Rule, RuleKind, SUBJECTS, check_articles, load, put_version};
use crate::audit::{self, Entry};
use crate::auth::{Action, Ctx, Target};
use crate::platform::AppState;
use crate::platform::error::AppError;
use crate::platform::time;
use crate::platform::web::ApiJson;

#[derive(Clone, Default, Deserialize, ToSchema)]
pub struct NewRule {
    pub community_id: i64,
    /// charter, convention or house_rules.
    pub kind: String,
    /// For a convention: the matter it rules, in free words (噪音管理, 楼道堆物…). One
    /// convention per matter.
    #[serde(default)]
    pub matter: Option<String>,
    /// For a convention, optionally, a broad subject to file it under: environment,
    /// public_order, public_works, facilities, dogs, parking or other.
    #[serde(default)]
    pub subject: Option<String>,
    pub title: String,
    /// The articles, in order: 第一条, 第二条…
    pub articles: Vec<String>,
}

/// A matter as compared: without spaces or punctuation, half-width, lower case, and without a
/// trailing 公约 (噪音管理公约 and 噪音 管理 are one matter).
pub fn matter_key(matter: &str) -> String {
    let key: String = matter
        .chars()
        .map(|c| match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            c => c,
        })
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect();
    match key.strip_suffix("公约") {
        Some(k) if !k.is_empty() => k.to_owned(),
        _ => key,
    }
}

/// The matter and subject a rule of `kind` is drafted with, checked.
fn matter_and_subject(
    kind: RuleKind,
    n: &NewRule,
) -> Result<(Option<String>, Option<String>), AppError> {
    let matter = n.matter.as_deref().map(str::trim).filter(|s| !s.is_empty());
    let subject = n.subject.as_deref().filter(|s| !s.is_empty());
    if kind != RuleKind::Convention {
        if matter.is_some() || subject.is_some() {
            let field = if matter.is_some() {
                "matter"
            } else {
                "subject"
            };
            return Err(AppError::invalid(field, "rules.subject_for_conventions"));
        }
        return Ok((None, None));
    }
    let matter = match matter {
        Some(m) if m.chars().count() <= 30 && !matter_key(m).is_empty() => m.to_owned(),
        _ => return Err(AppError::invalid("matter", "rules.bad_matter")),
    };
    if let Some(s) = subject
        && !SUBJECTS.contains(&s)
    {
        return Err(AppError::invalid("subject", "rules.bad_subject"));
    }
    Ok((Some(matter), subject.map(str::to_owned)))
}

/// Drafts a rule, checked; the rule as drafted.
pub async fn draft_rule(state: &AppState, ctx: &Ctx, n: &NewRule) -> Result<Rule, AppError> {
    // Who drafts nowhere is refused before anything sent is read.
    if ctx.scopes(Action::RulesManage).is_empty() {
        ctx.require(Action::RulesManage, Target::System)?;
        return Err(AppError::forbidden());
    }
    let place = crate::registry::places::place_of_community(state.db.read(), n.community_id)
        .await?
        .ok_or_else(|| AppError::invalid("community_id", "input.unknown_community"))?;
    ctx.require(Action::RulesManage, Target::At(place))?;
    let kind: RuleKind = n
        .kind
        .parse()
        .map_err(|_| AppError::invalid("kind", "rules.bad_kind"))?;
    let (matter, subject) = matter_and_subject(kind, n)?;
    let key = matter.as_deref().map(matter_key);
    let title = n.title.trim();
    if title.is_empty() || title.chars().count() > 80 {
        return Err(AppError::invalid("title", "rules.bad_title"));
    }
    let articles = check_articles(&n.articles)?;
    let mut tx = state.db.begin().await?;
    // R10: one charter per community, one convention per matter (the partial unique index
    // `rules_one_per_matter` holds it under concurrent drafts too).
    let taken: i64 = sqlx::query(
        "SELECT COUNT(*) AS n FROM rules WHERE community_id = $1 AND kind = $2 AND status <> 'repealed' \
         AND (kind = 'charter' OR matter_key = $3)",
    )
    .bind(n.community_id)
    .bind(kind)
    .bind(key.as_deref())
    .fetch_one(&mut *tx)
    .await?
    .try_get("n")?;
    if taken > 0 && kind != RuleKind::HouseRules {
        return Err(if kind == RuleKind::Convention {
            AppError::conflict("rules.one_per_matter").field("matter")
        } else {
            AppError::conflict("rules.one_per_subject")
        });
    }
    let id: i64 = sqlx::query(
        "INSERT INTO rules (street_id, community_id, kind, subject, matter, matter_key, title, status, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, 'draft', $8, $9) RETURNING id",
    )
    .bind(place.street_id)
    .bind(n.community_id)
    .bind(kind)
    .bind(subject.as_deref())
    .bind(matter.as_deref())
    .bind(key.as_deref())
    .bind(title)
    .bind(ctx.user.as_ref().map(|u| u.id))
    .bind(time::now_db())
    .fetch_one(&mut *tx)
    .await
    .map_err(crate::platform::db::unique_or(
        AppError::conflict("rules.one_per_matter").field("matter"),
    ))?
    .try_get("id")?;
    put_version(&mut tx, id, 1, &articles, "").await?;
    audit::record(
        &mut tx,
        &ctx.actor(),
        Entry::new("rules.create", "rule", id)
            .at(place)
            .detail(match &matter {
                Some(m) => format!("{} {m}", kind.as_str()),
                None => kind.as_str().to_owned(),
            }),
    )
    .await?;
    tx.commit().await?;
    load(state.db.read(), id).await
}

/// Draft a rule (version 1). One charter per community; one convention per matter.
#[utoipa::path(post, path = "/api/v1/rules", tag = "rules", request_body = NewRule, security(("bearer" = [])),
    responses((status = 201, body = Rule), (status = 403), (status = 409), (status = 422)))]
pub(super) async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiJson(n): ApiJson<NewRule>,
) -> Result<(StatusCode, Json<Rule>), AppError> {
    // Authorized in draft_rule: RulesManage
    Ok((
        StatusCode::CREATED,
        Json(draft_rule(&state, &ctx, &n).await?),
    ))
}

#[cfg(test)]
mod tests {
    use super::matter_key;

    #[test]
    fn one_matter_however_it_is_written() {
        assert_eq!(matter_key("噪音管理"), "噪音管理");
        assert_eq!(matter_key(" 噪音 管理公约 "), "噪音管理");
        assert_eq!(matter_key("噪音、管理"), "噪音管理");
        assert_eq!(matter_key("ＷｉＦｉ 共享"), "wifi共享");
        assert_ne!(matter_key("楼道堆物"), matter_key("噪音管理"));
        assert_eq!(matter_key("公约"), "公约");
    }
}
