//! Drafting a notice: the finance check (lines that add up to the declared totals), the period a
//! cadenced category needs, masking of numbers and names, corrections; and replacing a draft.
//! A published notice is never edited.

use crate::platform::web::Path;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use sqlx::Row;
use utoipa::ToSchema;

use super::notices::{LineInput, Notice, load};
use super::{CADENCES, CHANNELS, Category, category, fen, privacy, yuan};
use crate::audit::{self, Entry};
use crate::auth::{Action, Ctx, Place, Target};
use crate::platform::AppState;
use crate::platform::db::Tx;
use crate::platform::error::AppError;
use crate::platform::time;
use crate::platform::web::ApiJson;

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
async fn check(state: &AppState, ctx: &Ctx, n: &NoticeInput) -> Result<Checked, AppError> {
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
    crate::platform::calendar::publicity_period("publicity_days", n.publicity_days)?;
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
        let amount = fen(&l.amount)
            .ok_or_else(|| AppError::invalid(format!("lines[{i}].amount"), "input.bad_amount"))?;
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
                .ok_or_else(|| AppError::invalid(field, "input.bad_amount"))
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
    if cat.code == crate::daily::family_planning::THIRD
        && let Some(p) = period
    {
        let mut conn = state.db.read().acquire().await?;
        crate::daily::family_planning::matches_ledgers(&mut conn, n.community_id, p, &lines)
            .await?;
    }
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
        .ok_or_else(|| AppError::invalid("community_id", "input.unknown_community"))?;
    ctx.require(Action::DisclosuresManage, Target::At(place))?;
    if let Some(id) = id {
        let old = load(state, id).await?;
        ctx.require(Action::DisclosuresManage, Target::At(old.place()))?;
        if !old.is_draft() {
            return Err(AppError::conflict("disclosure.published_immutable"));
        }
        if old.community_id != n.community_id {
            return Err(AppError::invalid("community_id", "disclosure.moved"));
        }
    }
    let checked = check(state, ctx, n).await?;
    let mut tx = state.db.begin().await?;
    let nid = write_draft(&mut tx, ctx, place, id, checked).await?;
    tx.commit().await?;
    Ok(nid)
}

/// Drafts a notice inside the caller's transaction, checked and masked like any draft, for an
/// area that publishes a result on its own authority (the supervisory board's appraisal
/// result, `supervision::appraisals::disclose`). The caller has authorized the write.
pub async fn draft_in(
    tx: &mut Tx,
    state: &AppState,
    ctx: &Ctx,
    place: Place,
    n: &NoticeInput,
) -> Result<i64, AppError> {
    let checked = check(state, ctx, n).await?;
    write_draft(tx, ctx, place, None, checked).await
}

type Checked = (
    Category,
    NoticeInput,
    Vec<(String, String, i64)>,
    Option<(i64, i64)>,
);

async fn write_draft(
    tx: &mut Tx,
    ctx: &Ctx,
    place: Place,
    id: Option<i64>,
    (_, m, lines, totals): Checked,
) -> Result<i64, AppError> {
    if let Some(c) = m.corrects_id {
        let ok: i64 = sqlx::query("SELECT COUNT(*) AS n FROM disclosures WHERE id = $1 AND community_id = $2 AND status = 'published'")
            .bind(c)
            .bind(m.community_id)
            .fetch_one(&mut **tx)
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
        .fetch_one(&mut **tx)
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
            .execute(&mut **tx)
            .await?;
            sqlx::query("DELETE FROM disclosure_lines WHERE disclosure_id = $1")
                .bind(id)
                .execute(&mut **tx)
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
            .execute(&mut **tx)
            .await?;
    }
    audit::record(
        tx,
        &ctx.actor(),
        Entry::new("disclosure.draft", "disclosure", nid)
            .at(place)
            .detail(&*m.category),
    )
    .await?;
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
    // Authorized in save_draft: DisclosuresManage
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
    // Authorized in save_draft: DisclosuresManage
    save_draft(&state, &ctx, Some(id), &n).await?;
    Ok(Json(load(&state, id).await?))
}
