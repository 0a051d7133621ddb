//! Notices: drafting (with masking and the finance check), publishing into the chain, reading
//! (public once published, gone once an expiring category's publicity is over), corrections.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use sqlx::Row;
use utoipa::{IntoParams, ToSchema};

use super::{CADENCES, CHANNELS, Category, categories_of, category, chain, fen, privacy, yuan};
use crate::app::AppState;
use crate::audit::{self, Entry};
use crate::auth::{Action, Ctx, Place, Target};
use crate::platform::db::{Filter, Val, bind_vals};
use crate::platform::error::AppError;
use crate::platform::time;
use crate::platform::web::ApiJson;

#[derive(Serialize, Deserialize, ToSchema, Clone)]
pub struct LineInput {
    /// income or expense.
    pub kind: String,
    pub item: String,
    /// Yuan, at most two decimals: "1200.50".
    pub amount: String,
}

#[derive(Serialize, ToSchema)]
pub struct Notice {
    pub id: i64,
    pub community_id: i64,
    pub category: String,
    pub title: String,
    pub body: String,
    /// online, bulletin_board or both.
    pub channel: String,
    /// The period a cadenced notice covers: 2026-10, 2026-Q3, 2026.
    pub period: Option<String>,
    /// draft, published (in its publicity period) or closed.
    pub status: String,
    pub author: String,
    pub publish_date: Option<String>,
    pub publicity_days: i64,
    pub publicity_until: Option<String>,
    pub income_total: Option<String>,
    pub expense_total: Option<String>,
    pub lines: Vec<LineInput>,
    /// The notice this one corrects.
    pub corrects_id: Option<i64>,
    /// The notices that correct this one.
    pub corrected_by: Vec<i64>,
    /// SHA-256 of `/api/v1/disclosures/{id}/canonical`, once published.
    pub content_hash: Option<String>,
    pub attachments: Vec<super::attachments::Attachment>,
    #[serde(skip)]
    pub street_id: i64,
}

impl Notice {
    pub fn place(&self) -> Place {
        Place {
            street_id: Some(self.street_id),
            community_id: Some(self.community_id),
            building_id: None,
        }
    }
}

const SQL: &str = "SELECT id, street_id, community_id, category, title, body, channel, period, status, author, publish_date, \
    publicity_days, publicity_until, income_total, expense_total, corrects_id, content_hash FROM disclosures";

async fn from_row(state: &AppState, r: &sqlx::any::AnyRow, full: bool) -> Result<Notice, AppError> {
    let id: i64 = r.try_get("id")?;
    let stored: String = r.try_get("status")?;
    let until: Option<String> = r.try_get("publicity_until")?;
    let status = match (stored.as_str(), &until) {
        ("published", Some(u)) if time::today().to_string() > *u => "closed".to_owned(),
        _ => stored,
    };
    let attachments = if full {
        super::attachments::list(state, id).await?
    } else {
        vec![]
    };
    let (lines, corrected_by) = if full {
        let lines = sqlx::query(
            "SELECT kind, item, amount FROM disclosure_lines WHERE disclosure_id = $1 ORDER BY seq",
        )
        .bind(id)
        .fetch_all(state.db.read())
        .await?
        .iter()
        .map(|l| {
            Ok(LineInput {
                kind: l.try_get("kind")?,
                item: l.try_get("item")?,
                amount: yuan(l.try_get("amount")?),
            })
        })
        .collect::<Result<_, sqlx::Error>>()?;
        let by = sqlx::query("SELECT id FROM disclosures WHERE corrects_id = $1 AND status = 'published' ORDER BY id")
            .bind(id)
            .fetch_all(state.db.read())
            .await?
            .iter()
            .map(|x| x.try_get("id"))
            .collect::<Result<_, sqlx::Error>>()?;
        (lines, by)
    } else {
        (vec![], vec![])
    };
    Ok(Notice {
        id,
        street_id: r.try_get("street_id")?,
        community_id: r.try_get("community_id")?,
        category: r.try_get("category")?,
        title: r.try_get("title")?,
        body: r.try_get("body")?,
        channel: r.try_get("channel")?,
        period: r.try_get("period")?,
        status,
        author: r.try_get("author")?,
        publish_date: r.try_get("publish_date")?,
        publicity_days: r.try_get("publicity_days")?,
        publicity_until: until,
        income_total: r.try_get::<Option<i64>, _>("income_total")?.map(yuan),
        expense_total: r.try_get::<Option<i64>, _>("expense_total")?.map(yuan),
        lines,
        corrects_id: r.try_get("corrects_id")?,
        corrected_by,
        content_hash: r.try_get("content_hash")?,
        attachments,
    })
}

pub async fn load(state: &AppState, id: i64) -> Result<Notice, AppError> {
    let r = sqlx::query(&format!("{SQL} WHERE id = $1"))
        .bind(id)
        .fetch_optional(state.db.read())
        .await?
        .ok_or_else(AppError::not_found)?;
    from_row(state, &r, true).await
}

/// The notice as the caller may see it: a draft only by staff of its community; a published
/// notice by anyone, until an expiring category's publicity period is over (410).
pub async fn readable(state: &AppState, ctx: &Ctx, id: i64) -> Result<Notice, AppError> {
    let n = load(state, id).await?;
    if n.status == "draft" {
        ctx.require(Action::DisclosuresManage, Target::At(n.place()))?;
        return Ok(n);
    }
    let expires = category(state, n.community_id, &n.category, ctx.lang)
        .await?
        .is_some_and(|c| c.expires);
    if expires && n.status == "closed" {
        return Err(AppError::new(StatusCode::GONE, "disclosure.expired"));
    }
    Ok(n)
}

#[derive(Serialize, ToSchema)]
pub struct NoticeList {
    pub items: Vec<Notice>,
    pub total: i64,
}

#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct NoticeQuery {
    pub community_id: Option<i64>,
    pub category: Option<String>,
    pub period: Option<String>,
    /// `draft` lists the drafts of the caller's communities (staff only).
    pub status: Option<String>,
}

pub async fn search(state: &AppState, ctx: &Ctx, q: &NoticeQuery) -> Result<Vec<Notice>, AppError> {
    let mut f = Filter::default();
    if q.status.as_deref() == Some("draft") {
        let scopes = ctx.scopes(Action::DisclosuresManage);
        let Some((cond, vals)) =
            crate::auth::scope::scope_condition(&scopes, "street_id", "community_id", None)
        else {
            ctx.require(Action::DisclosuresManage, Target::System)?;
            return Err(AppError::forbidden());
        };
        f.and("status = 'draft'", []);
        f.and(&cond, vals);
    } else {
        f.and("status = 'published'", []);
        // Expired notices are gone from every list.
        f.and(
            "NOT (publicity_until < ? AND category IN (SELECT code FROM disclosure_categories WHERE expires = 1))",
            [Val::T(time::today().to_string())],
        );
    }
    if let Some(c) = q.community_id {
        f.and("community_id = ?", [Val::I(c)]);
    }
    if let Some(c) = q.category.as_deref().filter(|c| !c.is_empty()) {
        f.and("category = ?", [Val::T(c.to_owned())]);
    }
    if let Some(p) = q.period.as_deref().filter(|p| !p.is_empty()) {
        f.and("period = ?", [Val::T(p.to_owned())]);
    }
    let sql = format!(
        "{SQL} {} ORDER BY publish_date DESC, id DESC LIMIT 200",
        f.sql()
    );
    let rows = bind_vals(sqlx::query(&sql), &f.vals)
        .fetch_all(state.db.read())
        .await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in &rows {
        out.push(from_row(state, r, false).await?);
    }
    Ok(out)
}

/// Published notices (anyone, no sign-in), or a community's drafts (its staff).
#[utoipa::path(get, path = "/api/v1/disclosures", tag = "disclosure", params(NoticeQuery),
    responses((status = 200, body = NoticeList)))]
pub(super) async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<NoticeQuery>,
) -> Result<Json<NoticeList>, AppError> {
    let items = search(&state, &ctx, &q).await?;
    Ok(Json(NoticeList {
        total: items.len() as i64,
        items,
    }))
}

/// One notice with its lines; `410` once an expiring category's publicity is over.
#[utoipa::path(get, path = "/api/v1/disclosures/{id}", tag = "disclosure", params(("id" = i64, Path)),
    responses((status = 200, body = Notice), (status = 404), (status = 410)))]
pub(super) async fn one(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<Json<Notice>, AppError> {
    Ok(Json(readable(&state, &ctx, id).await?))
}

#[derive(Deserialize, ToSchema, Clone, Default)]
pub struct NoticeInput {
    pub community_id: i64,
    pub category: String,
    pub title: String,
    pub body: String,
    /// online, bulletin_board or both.
    pub channel: String,
    /// For a cadenced category: 2026-10 (monthly), 2026-Q3 (quarterly), 2026 (yearly).
    pub period: Option<String>,
    /// Working days, 1 to 30.
    pub publicity_days: i64,
    /// Finance: the declared totals, in yuan, which the lines must add up to.
    pub income_total: Option<String>,
    pub expense_total: Option<String>,
    #[serde(default)]
    pub lines: Vec<LineInput>,
    /// The published notice this one corrects.
    pub corrects_id: Option<i64>,
}

fn period_ok(cadence: &str, p: &str) -> bool {
    let b = p.as_bytes();
    let digits =
        |r: std::ops::Range<usize>| b.get(r).is_some_and(|s| s.iter().all(u8::is_ascii_digit));
    match cadence {
        "monthly" => {
            p.len() == 7
                && digits(0..4)
                && b[4] == b'-'
                && digits(5..7)
                && (1..=12).contains(&p[5..].parse::<u8>().unwrap_or(0))
        }
        "quarterly" => {
            p.len() == 7 && digits(0..4) && p.get(4..6) == Some("-Q") && matches!(b[6], b'1'..=b'4')
        }
        "yearly" => p.len() == 4 && digits(0..4),
        _ => true,
    }
}

/// Checks a draft and returns it masked, with its lines in fen.
async fn check(
    state: &AppState,
    ctx: &Ctx,
    n: &NoticeInput,
) -> Result<
    (
        Category,
        NoticeInput,
        Vec<(String, String, i64)>,
        Option<(i64, i64)>,
    ),
    AppError,
> {
    let cat = category(state, n.community_id, &n.category, ctx.lang)
        .await?
        .ok_or_else(|| AppError::invalid("category", "disclosure.bad_category"))?;
    let title = n.title.trim();
    if title.is_empty() || title.chars().count() > 100 {
        return Err(AppError::invalid("title", "disclosure.bad_title"));
    }
    let body = n.body.trim();
    if body.is_empty() || body.chars().count() > 20_000 {
        return Err(AppError::invalid("body", "disclosure.bad_body"));
    }
    if !CHANNELS.contains(&n.channel.as_str()) {
        return Err(AppError::invalid("channel", "disclosure.bad_channel"));
    }
    if !(1..=30).contains(&n.publicity_days) {
        return Err(AppError::invalid("publicity_days", "disclosure.bad_days"));
    }
    let period = n.period.as_deref().map(str::trim).filter(|p| !p.is_empty());
    match (cat.cadence.as_str(), period) {
        ("none", _) => {}
        (c, Some(p)) if period_ok(c, p) => {}
        (c, _) => {
            return Err(AppError::invalid("period", "disclosure.bad_period").arg("cadence", c));
        }
    }
    let mut lines = Vec::new();
    for (i, l) in n.lines.iter().enumerate() {
        let amount = fen(&l.amount).ok_or_else(|| {
            AppError::invalid(format!("lines[{i}].amount"), "disclosure.bad_amount")
        })?;
        if !matches!(l.kind.as_str(), "income" | "expense")
            || l.item.trim().is_empty()
            || l.item.chars().count() > 100
        {
            return Err(AppError::invalid(
                format!("lines[{i}]"),
                "disclosure.bad_line",
            ));
        }
        lines.push((l.kind.clone(), l.item.trim().to_owned(), amount));
    }
    let totals = if cat.finance {
        if lines.is_empty() {
            return Err(AppError::invalid("lines", "disclosure.finance_lines"));
        }
        let declared = |v: &Option<String>, field: &'static str| {
            v.as_deref()
                .and_then(fen)
                .ok_or_else(|| AppError::invalid(field, "disclosure.bad_amount"))
        };
        let (income, expense) = (
            declared(&n.income_total, "income_total")?,
            declared(&n.expense_total, "expense_total")?,
        );
        let sum = |k: &str| lines.iter().filter(|l| l.0 == k).map(|l| l.2).sum::<i64>();
        for (field, kind, total) in [
            ("income_total", "income", income),
            ("expense_total", "expense", expense),
        ] {
            if sum(kind) != total {
                return Err(AppError::invalid(field, "disclosure.totals_mismatch")
                    .arg("lines", yuan(sum(kind)))
                    .arg("declared", yuan(total)));
            }
        }
        Some((income, expense))
    } else if !lines.is_empty() {
        return Err(AppError::invalid("lines", "disclosure.lines_finance_only"));
    } else {
        None
    };
    if !CADENCES.contains(&cat.cadence.as_str()) {
        return Err(AppError::invalid("category", "disclosure.bad_category"));
    }
    let mut names = Vec::new();
    if !cat.names_public {
        names = sqlx::query("SELECT DISTINCT name FROM residents WHERE community_id = $1")
            .bind(n.community_id)
            .fetch_all(state.db.read())
            .await?
            .iter()
            .map(|r| r.try_get("name"))
            .collect::<Result<_, sqlx::Error>>()?;
    }
    let clean = |s: &str| privacy::mask_names(&privacy::mask_numbers(s), &names);
    let masked = NoticeInput {
        title: clean(title),
        body: clean(body),
        period: period.map(str::to_owned),
        ..n.clone()
    };
    let lines = lines
        .into_iter()
        .map(|(k, i, a)| (k, clean(&i), a))
        .collect();
    Ok((cat, masked, lines, totals))
}

/// Save a draft (new, or replacing a draft's content). Published notices are never edited.
pub async fn save_draft(
    state: &AppState,
    ctx: &Ctx,
    id: Option<i64>,
    n: &NoticeInput,
) -> Result<i64, AppError> {
    let place = crate::registry::places::place_of_community(state.db.read(), n.community_id)
        .await?
        .ok_or_else(|| AppError::invalid("community_id", "registry.unknown_community"))?;
    ctx.require(Action::DisclosuresManage, Target::At(place))?;
    if let Some(id) = id {
        let old = load(state, id).await?;
        ctx.require(Action::DisclosuresManage, Target::At(old.place()))?;
        if old.status != "draft" {
            return Err(AppError::conflict("disclosure.published_immutable"));
        }
        if old.community_id != n.community_id {
            return Err(AppError::invalid("community_id", "disclosure.moved"));
        }
    }
    let (_, m, lines, totals) = check(state, ctx, n).await?;
    let mut tx = state.db.begin().await?;
    if let Some(c) = m.corrects_id {
        let ok: i64 = sqlx::query("SELECT COUNT(*) AS n FROM disclosures WHERE id = $1 AND community_id = $2 AND status = 'published'")
            .bind(c)
            .bind(m.community_id)
            .fetch_one(&mut *tx)
            .await?
            .try_get("n")?;
        if ok == 0 {
            return Err(AppError::invalid(
                "corrects_id",
                "disclosure.bad_correction",
            ));
        }
    }
    let author = ctx
        .user
        .as_ref()
        .map(|u| u.display_name.clone())
        .unwrap_or_default();
    let nid: i64 = match id {
        None => sqlx::query(
            "INSERT INTO disclosures (street_id, community_id, category, title, body, channel, period, publicity_days, income_total, \
             expense_total, corrects_id, status, author_id, author, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 'draft', $12, $13, $14) RETURNING id",
        )
        .bind(place.street_id)
        .bind(m.community_id)
        .bind(&m.category)
        .bind(&m.title)
        .bind(&m.body)
        .bind(&m.channel)
        .bind(&m.period)
        .bind(m.publicity_days)
        .bind(totals.map(|t| t.0))
        .bind(totals.map(|t| t.1))
        .bind(m.corrects_id)
        .bind(ctx.user.as_ref().map(|u| u.id))
        .bind(&author)
        .bind(time::now_db())
        .fetch_one(&mut *tx)
        .await?
        .try_get("id")?,
        Some(id) => {
            sqlx::query(
                "UPDATE disclosures SET category = $1, title = $2, body = $3, channel = $4, period = $5, publicity_days = $6, income_total = $7, \
                 expense_total = $8, corrects_id = $9 WHERE id = $10 AND status = 'draft'",
            )
            .bind(&m.category)
            .bind(&m.title)
            .bind(&m.body)
            .bind(&m.channel)
            .bind(&m.period)
            .bind(m.publicity_days)
            .bind(totals.map(|t| t.0))
            .bind(totals.map(|t| t.1))
            .bind(m.corrects_id)
            .bind(id)
            .execute(&mut *tx)
            .await?;
            sqlx::query("DELETE FROM disclosure_lines WHERE disclosure_id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?;
            id
        }
    };
    for (seq, (kind, item, amount)) in lines.iter().enumerate() {
        sqlx::query("INSERT INTO disclosure_lines (disclosure_id, seq, kind, item, amount) VALUES ($1, $2, $3, $4, $5)")
            .bind(nid)
            .bind(seq as i64 + 1)
            .bind(kind)
            .bind(item)
            .bind(*amount)
            .execute(&mut *tx)
            .await?;
    }
    audit::record(
        &mut tx,
        &ctx.actor(),
        Entry::new("disclosure.draft", "disclosure", nid)
            .at(place)
            .detail(&*m.category),
    )
    .await?;
    tx.commit().await?;
    Ok(nid)
}

/// Draft a notice. ID numbers and phones are masked as it is saved, and residents' names too
/// unless the category needs them.
#[utoipa::path(post, path = "/api/v1/disclosures", tag = "disclosure", request_body = NoticeInput, security(("bearer" = [])),
    responses((status = 201, body = Notice), (status = 403), (status = 422)))]
pub(super) async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiJson(n): ApiJson<NoticeInput>,
) -> Result<(StatusCode, Json<Notice>), AppError> {
    let id = save_draft(&state, &ctx, None, &n).await?;
    Ok((StatusCode::CREATED, Json(load(&state, id).await?)))
}

/// Replace a draft's content; a published notice answers 409 (publish a correction instead).
#[utoipa::path(put, path = "/api/v1/disclosures/{id}", tag = "disclosure", params(("id" = i64, Path)), request_body = NoticeInput,
    security(("bearer" = [])), responses((status = 200, body = Notice), (status = 403), (status = 409), (status = 422)))]
pub(super) async fn edit(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    ApiJson(n): ApiJson<NoticeInput>,
) -> Result<Json<Notice>, AppError> {
    save_draft(&state, &ctx, Some(id), &n).await?;
    Ok(Json(load(&state, id).await?))
}

/// Publish a draft: its publicity period starts today, and it joins the publication chain.
pub async fn publish_notice(state: &AppState, ctx: &Ctx, id: i64) -> Result<(), AppError> {
    let n = load(state, id).await?;
    ctx.require(Action::DisclosuresManage, Target::At(n.place()))?;
    if n.status != "draft" {
        return Err(AppError::conflict("disclosure.published_immutable"));
    }
    let today = time::today();
    let first = if state.calendar.is_working_day(today) {
        0
    } else {
        1
    };
    let until = state
        .calendar
        .add_working_days(today, (n.publicity_days - 1 + first) as u32);
    let mut tx = state.db.begin().await?;
    sqlx::query("UPDATE disclosures SET status = 'published', publish_date = $1, publicity_until = $2, published_at = $3 WHERE id = $4 AND status = 'draft'")
        .bind(today.to_string())
        .bind(until.to_string())
        .bind(time::now_db())
        .bind(id)
        .execute(&mut *tx)
        .await?;
    let content = super::content::disclosure(&mut tx, id)
        .await?
        .ok_or_else(AppError::not_found)?;
    let hash = chain::sha256_hex(content.as_bytes());
    sqlx::query("UPDATE disclosures SET content_hash = $1 WHERE id = $2")
        .bind(&hash)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    let seq = chain::append(&mut tx, "disclosure", id, &hash).await?;
    audit::record(
        &mut tx,
        &ctx.actor(),
        Entry::new("disclosure.publish", "disclosure", id)
            .at(n.place())
            .detail(format!("publication {seq}")),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

#[utoipa::path(post, path = "/api/v1/disclosures/{id}/publish", tag = "disclosure", params(("id" = i64, Path)),
    security(("bearer" = [])), responses((status = 200, body = Notice), (status = 403), (status = 409)))]
pub(super) async fn publish(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<Json<Notice>, AppError> {
    publish_notice(&state, &ctx, id).await?;
    Ok(Json(load(&state, id).await?))
}

/// The exact bytes the content hash covers: hash them to check the notice.
#[utoipa::path(get, path = "/api/v1/disclosures/{id}/canonical", tag = "disclosure", params(("id" = i64, Path)),
    responses((status = 200, description = "canonical JSON", content_type = "application/json"), (status = 404), (status = 410)))]
pub(super) async fn canonical(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let n = readable(&state, &ctx, id).await?;
    if n.status == "draft" {
        return Err(AppError::not_found());
    }
    let mut conn = state.db.read().acquire().await?;
    let body = super::content::disclosure(&mut conn, id)
        .await?
        .ok_or_else(AppError::not_found)?;
    Ok((
        [(header::CONTENT_TYPE, "application/json; charset=utf-8")],
        body,
    )
        .into_response())
}

#[derive(Serialize, ToSchema)]
pub struct CategoryList {
    pub items: Vec<Category>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CategoryQuery {
    pub community_id: i64,
}

/// The categories a community discloses under, with cadence and privacy settings.
#[utoipa::path(get, path = "/api/v1/disclosure-categories", tag = "disclosure", params(CategoryQuery),
    responses((status = 200, body = CategoryList)))]
pub(super) async fn categories(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<CategoryQuery>,
) -> Result<Json<CategoryList>, AppError> {
    Ok(Json(CategoryList {
        items: categories_of(&state, q.community_id, ctx.lang).await?,
    }))
}

#[derive(Deserialize, ToSchema)]
pub struct CategoryInput {
    pub community_id: i64,
    /// Lower-case letters and underscores.
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    /// monthly, quarterly, yearly or none.
    pub cadence: String,
    #[serde(default)]
    pub due_working_days: i64,
    #[serde(default)]
    pub names_public: bool,
    #[serde(default)]
    pub expires: bool,
    #[serde(default)]
    pub finance: bool,
}

/// Add or override a category for one community.
#[utoipa::path(post, path = "/api/v1/disclosure-categories", tag = "disclosure", request_body = CategoryInput,
    security(("bearer" = [])), responses((status = 201, body = Category), (status = 403), (status = 409), (status = 422)))]
pub(super) async fn add_category(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiJson(c): ApiJson<CategoryInput>,
) -> Result<(StatusCode, Json<Category>), AppError> {
    let place = crate::registry::places::place_of_community(state.db.read(), c.community_id)
        .await?
        .ok_or_else(|| AppError::invalid("community_id", "registry.unknown_community"))?;
    ctx.require(Action::DisclosuresManage, Target::At(place))?;
    if c.code.is_empty()
        || c.code.len() > 40
        || !c.code.chars().all(|x| x.is_ascii_lowercase() || x == '_')
    {
        return Err(AppError::invalid("code", "disclosure.bad_code"));
    }
    if !CADENCES.contains(&c.cadence.as_str()) {
        return Err(AppError::invalid("cadence", "disclosure.bad_cadence"));
    }
    if !(0..=60).contains(&c.due_working_days) {
        return Err(AppError::invalid("due_working_days", "disclosure.bad_days"));
    }
    for (field, v) in [("name_zh", &c.name_zh), ("name_en", &c.name_en)] {
        if v.trim().is_empty() || v.chars().count() > 40 {
            return Err(AppError::invalid(field, "disclosure.bad_title"));
        }
    }
    let mut tx = state.db.begin().await?;
    let taken: i64 = sqlx::query(
        "SELECT COUNT(*) AS n FROM disclosure_categories WHERE code = $1 AND community_id = $2",
    )
    .bind(&c.code)
    .bind(c.community_id)
    .fetch_one(&mut *tx)
    .await?
    .try_get("n")?;
    if taken > 0 {
        return Err(AppError::conflict("disclosure.category_exists"));
    }
    sqlx::query(
        "INSERT INTO disclosure_categories (community_id, code, name_zh, name_en, cadence, due_working_days, names_public, expires, finance, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(c.community_id)
    .bind(&c.code)
    .bind(c.name_zh.trim())
    .bind(c.name_en.trim())
    .bind(&c.cadence)
    .bind(c.due_working_days)
    .bind(i64::from(c.names_public))
    .bind(i64::from(c.expires))
    .bind(i64::from(c.finance))
    .bind(time::now_db())
    .execute(&mut *tx)
    .await?;
    audit::record(
        &mut tx,
        &ctx.actor(),
        Entry::new("disclosure.category", "disclosure_category", &c.code).at(place),
    )
    .await?;
    tx.commit().await?;
    let made = category(&state, c.community_id, &c.code, ctx.lang)
        .await?
        .ok_or_else(AppError::not_found)?;
    Ok((StatusCode::CREATED, Json(made)))
}

#[derive(Serialize, ToSchema)]
pub struct PublicationList {
    pub items: Vec<chain::Publication>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PublicationQuery {
    /// Entries after this sequence number.
    pub after: Option<i64>,
}

/// The publication chain, for anyone to re-check: 500 entries per page.
#[utoipa::path(get, path = "/api/v1/publications", tag = "disclosure", params(PublicationQuery),
    responses((status = 200, body = PublicationList)))]
pub(super) async fn publications(
    State(state): State<AppState>,
    Query(q): Query<PublicationQuery>,
) -> Result<Json<PublicationList>, AppError> {
    Ok(Json(PublicationList {
        items: chain::entries(state.db.read(), q.after.unwrap_or(0), 500).await?,
    }))
}
