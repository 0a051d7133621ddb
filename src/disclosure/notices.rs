//! Notices: drafting (with masking and the finance check), publishing into the chain, reading
//! (public once published, gone once an expiring category's publicity is over), corrections.

use crate::platform::web::{Path, Query};
use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use sqlx::Row;
use utoipa::{IntoParams, ToSchema};

use super::{category, chain, yuan};
use crate::audit::{self, Entry};
use crate::auth::{Action, Ctx, Place, Target};
use crate::platform::AppState;
use crate::platform::db::{Filter, Tx, Val, bind_vals};
use crate::platform::error::AppError;
use crate::platform::time;

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
    pub status: NoticeStatus,
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

crate::workflow_state! {
    /// A notice is drafted, then published once; its publicity period over, it reads as closed
    /// (stored as published: `closed` is computed from `publicity_until`).
    pub enum NoticeStatus {
        Draft = "draft",
        Published = "published",
        Closed = "closed",
    }
}

impl Notice {
    pub fn is_draft(&self) -> bool {
        self.status == NoticeStatus::Draft
    }
    /// Published and within its publicity period: objections are taken.
    pub fn in_publicity(&self) -> bool {
        self.status == NoticeStatus::Published
    }
    pub fn place(&self) -> Place {
        Place {
            street_id: Some(self.street_id),
            community_id: Some(self.community_id),
            building_id: None,
        }
    }
}

const COLUMNS: &str = "id, street_id, community_id, category, title, body, channel, period, status, author, publish_date, \
    publicity_days, publicity_until, income_total, expense_total, corrects_id, content_hash";

async fn from_row(state: &AppState, r: &sqlx::any::AnyRow, full: bool) -> Result<Notice, AppError> {
    let id: i64 = r.try_get("id")?;
    let until: Option<String> = r.try_get("publicity_until")?;
    let status = shown_status(r.try_get("status")?, until.as_deref());
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
    let r = sqlx::query(&format!("SELECT {COLUMNS} FROM disclosures WHERE id = $1"))
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
    if n.is_draft() {
        ctx.require(Action::DisclosuresManage, Target::At(n.place()))?;
        return Ok(n);
    }
    let expires = category(state, n.community_id, &n.category, ctx.lang)
        .await?
        .is_some_and(|c| c.expires);
    if expires && n.status == NoticeStatus::Closed {
        return Err(AppError::new(StatusCode::GONE, "disclosure.expired"));
    }
    Ok(n)
}

#[derive(Serialize, ToSchema)]
pub struct NoticeList {
    /// One page.
    pub items: Vec<Notice>,
    /// How many there are on all pages.
    pub total: i64,
}

#[derive(Deserialize, Serialize, IntoParams, Default, Clone)]
#[into_params(parameter_in = Query)]
pub struct NoticeQuery {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub community_id: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub period: Option<String>,
    /// `draft` lists the drafts of the caller's communities (staff only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub page: Option<i64>,
    /// 1–200, default 25.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub per_page: Option<i64>,
}

/// A notice as a list shows it: its title, when, and where it stands.
pub struct NoticeLine {
    pub id: i64,
    pub title: String,
    pub publish_date: Option<String>,
    pub status: NoticeStatus,
}

/// The status a reader sees: a published notice past its publicity period reads as closed.
fn shown_status(stored: NoticeStatus, until: Option<&str>) -> NoticeStatus {
    match (stored, until) {
        (NoticeStatus::Published, Some(u)) if time::today().to_string().as_str() > u => {
            NoticeStatus::Closed
        }
        _ => stored,
    }
}

/// The columns a list line needs.
const LINE_COLUMNS: &str = "id, title, publish_date, status, publicity_until";

/// One page of the notices `q` asks for, as list lines, and how many there are in all: what the
/// public list page shows, selected alone.
pub async fn lines(
    state: &AppState,
    ctx: &Ctx,
    q: &NoticeQuery,
) -> Result<(Vec<NoticeLine>, i64), AppError> {
    let (rows, total) = page_of(state, ctx, q, LINE_COLUMNS).await?;
    let items = rows
        .iter()
        .map(|r| {
            let until: Option<String> = r.try_get("publicity_until")?;
            Ok(NoticeLine {
                id: r.try_get("id")?,
                title: r.try_get("title")?,
                publish_date: r.try_get("publish_date")?,
                status: shown_status(r.try_get("status")?, until.as_deref()),
            })
        })
        .collect::<Result<_, sqlx::Error>>()?;
    Ok((items, total))
}

/// One page of the notices `q` asks for (without their lines and attachments), and how many
/// there are in all.
pub async fn search(
    state: &AppState,
    ctx: &Ctx,
    q: &NoticeQuery,
) -> Result<(Vec<Notice>, i64), AppError> {
    let (rows, total) = page_of(state, ctx, q, COLUMNS).await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in &rows {
        out.push(from_row(state, r, false).await?);
    }
    Ok((out, total))
}

/// The rows (`columns`) of one page of the notices `q` asks for, and the count of all of them
/// from the same statement (a window count beside each row; counted apart only when the page
/// is past the end).
async fn page_of(
    state: &AppState,
    ctx: &Ctx,
    q: &NoticeQuery,
    columns: &str,
) -> Result<(Vec<sqlx::any::AnyRow>, i64), AppError> {
    let (page, per_page) = crate::platform::web::paging(q.page, q.per_page, 25, 200)?;
    let f = conditions(ctx, q)?;
    let sql = format!(
        "SELECT {columns}, COUNT(*) OVER () AS total FROM disclosures {} \
         ORDER BY publish_date DESC, id DESC LIMIT {per_page} OFFSET {}",
        f.sql(),
        (page - 1) * per_page
    );
    let rows = bind_vals(sqlx::query(&sql), &f.vals)
        .fetch_all(state.db.read())
        .await?;
    let total = match rows.first() {
        Some(r) => r.try_get("total")?,
        None if page == 1 => 0,
        None => bind_vals(
            sqlx::query(&format!(
                "SELECT COUNT(*) AS n FROM disclosures {}",
                f.sql()
            )),
            &f.vals,
        )
        .fetch_one(state.db.read())
        .await?
        .try_get("n")?,
    };
    Ok((rows, total))
}

/// The conditions of `q` for the caller: published notices still shown, or the drafts of the
/// caller's communities.
fn conditions(ctx: &Ctx, q: &NoticeQuery) -> Result<Filter, AppError> {
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
    Ok(f)
}

/// Published notices (anyone, no sign-in), or a community's drafts (its staff).
#[utoipa::path(get, path = "/api/v1/disclosures", tag = "disclosure", params(NoticeQuery),
    responses((status = 200, body = NoticeList)))]
pub(super) async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<NoticeQuery>,
) -> Result<Json<NoticeList>, AppError> {
    // Authorized in search > page_of > conditions: DisclosuresManage (drafts only; published notices are public)
    let (items, total) = search(&state, &ctx, &q).await?;
    Ok(Json(NoticeList { items, total }))
}

/// One notice with its lines; `410` once an expiring category's publicity is over.
#[utoipa::path(get, path = "/api/v1/disclosures/{id}", tag = "disclosure", params(("id" = i64, Path)),
    responses((status = 200, body = Notice), (status = 404), (status = 410)))]
pub(super) async fn one(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<Json<Notice>, AppError> {
    // Authorized in readable: DisclosuresManage (drafts only; published notices are public)
    Ok(Json(readable(&state, &ctx, id).await?))
}

/// Publish a draft: its publicity period starts today, and it joins the publication chain.
pub async fn publish_notice(state: &AppState, ctx: &Ctx, id: i64) -> Result<(), AppError> {
    let n = load(state, id).await?;
    ctx.require(Action::DisclosuresManage, Target::At(n.place()))?;
    if !n.is_draft() {
        return Err(AppError::conflict("disclosure.published_immutable"));
    }
    let mut tx = state.db.begin().await?;
    publish_in(&mut tx, state, ctx, n.id, n.publicity_days, n.place()).await?;
    tx.commit().await?;
    Ok(())
}

/// Publishes draft `id` inside the caller's transaction: its publicity period of
/// `publicity_days` starts today and it joins the publication chain. The caller has authorized
/// the write (`publish_notice`, or an area publishing a result on its own authority).
pub async fn publish_in(
    tx: &mut Tx,
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    publicity_days: i64,
    place: Place,
) -> Result<(), AppError> {
    let today = time::today();
    let first = if state.calendar.is_working_day(today) {
        0
    } else {
        1
    };
    let until = state
        .calendar
        .add_working_days(today, (publicity_days - 1 + first) as u32);
    // Guarded: of concurrent publishes one wins; the others find it published (409) and add
    // no chain entry.
    let published = sqlx::query("UPDATE disclosures SET status = 'published', publish_date = $1, publicity_until = $2, published_at = $3 WHERE id = $4 AND status = 'draft'")
        .bind(today.to_string())
        .bind(until.to_string())
        .bind(time::now_db())
        .bind(id)
        .execute(&mut **tx)
        .await?
        .rows_affected();
    if published != 1 {
        return Err(AppError::conflict("disclosure.published_immutable"));
    }
    crate::daily::family_planning::on_publish(tx, id).await?;
    let content = super::content::disclosure(&mut *tx, id)
        .await?
        .ok_or_else(AppError::not_found)?;
    if let Some((field, position)) = super::privacy::personal_number_in(&content) {
        // Refused before anything is kept: the transaction rolls back.
        return Err(
            AppError::invalid(field, "disclosure.personal_number").arg("position", position)
        );
    }
    let hash = chain::sha256_hex(content.as_bytes());
    sqlx::query("UPDATE disclosures SET content_hash = $1 WHERE id = $2")
        .bind(&hash)
        .bind(id)
        .execute(&mut **tx)
        .await?;
    let seq = chain::append(tx, "disclosure", id, &hash).await?;
    audit::record(
        tx,
        &ctx.actor(),
        Entry::new("disclosure.publish", "disclosure", id)
            .at(place)
            .detail(format!("publication {seq}")),
    )
    .await?;
    Ok(())
}

#[utoipa::path(post, path = "/api/v1/disclosures/{id}/publish", tag = "disclosure", params(("id" = i64, Path)),
    security(("bearer" = [])), responses((status = 200, body = Notice), (status = 403), (status = 409)))]
pub(super) async fn publish(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<Json<Notice>, AppError> {
    // Authorized in publish_notice: DisclosuresManage
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
    // Authorized in readable: DisclosuresManage (drafts only; published notices are public)
    let n = readable(&state, &ctx, id).await?;
    if n.is_draft() {
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

/// How many of a community's published notices are under 公示 on `today` and end it no later
/// than `until` (days, `YYYY-MM-DD`).
pub async fn under_publicity(
    pool: &crate::platform::reader::Reader,
    community: i64,
    today: &str,
    until: &str,
) -> Result<i64, sqlx::Error> {
    sqlx::query(
        "SELECT COUNT(*) AS n FROM disclosures WHERE community_id = $1 AND status = 'published' \
         AND publicity_until >= $2 AND publicity_until <= $3",
    )
    .bind(community)
    .bind(today)
    .bind(until)
    .fetch_one(pool)
    .await?
    .try_get("n")
}
