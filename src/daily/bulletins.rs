//! The weekly public-sentiment bulletin (民情通报, M14): drafted from the week's cases and visits,
//! edited by staff, then published to staff and the council.

use crate::platform::web::{Path, Query};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use sqlx::Row;
use utoipa::ToSchema;

use super::patrols::DatedQuery;
use super::{community_place, dated, scoped};
use crate::audit::{self, Entry};
use crate::auth::{Action, Ctx, Place, Target};
use crate::platform::AppState;
use crate::platform::db::bind_vals;
use crate::platform::error::AppError;
use crate::platform::input::text;
use crate::platform::time;
use crate::platform::web::ApiJson;

#[derive(Serialize, ToSchema)]
pub struct Bulletin {
    pub id: i64,
    pub community_id: i64,
    /// The Monday of its week.
    pub week_start: String,
    pub body: String,
    /// draft or published.
    pub status: BulletinStatus,
    pub published_at: Option<crate::platform::time::Instant>,
}

crate::workflow_state! {
    /// A weekly bulletin is drafted from the week's records, edited, then published once.
    pub enum BulletinStatus {
        Draft = "draft",
        Published = "published",
    }
}

#[derive(Serialize, ToSchema)]
pub struct BulletinList {
    pub items: Vec<Bulletin>,
}

const SQL: &str = "SELECT t.id, t.street_id, t.community_id, t.week_start, t.body, t.status, t.published_at FROM bulletins t";

fn from_row(r: &sqlx::any::AnyRow) -> Result<Bulletin, sqlx::Error> {
    Ok(Bulletin {
        id: r.try_get("id")?,
        community_id: r.try_get("community_id")?,
        week_start: r.try_get("week_start")?,
        body: r.try_get("body")?,
        status: r.try_get("status")?,
        published_at: r.try_get("published_at")?,
    })
}

/// Published bulletins for staff and the council; drafts for staff only.
#[utoipa::path(get, path = "/api/v1/bulletins", tag = "daily", params(DatedQuery), security(("bearer" = [])),
    responses((status = 200, body = BulletinList), (status = 403)))]
pub(super) async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<DatedQuery>,
) -> Result<Json<BulletinList>, AppError> {
    // Authorized in bulletins_of: FieldWorkRead
    bulletins_of(&state, &ctx, q).await.map(Json)
}

/// The bulletins the caller may read: published ones, and drafts for staff.
pub async fn bulletins_of(
    state: &AppState,
    ctx: &Ctx,
    q: DatedQuery,
) -> Result<BulletinList, AppError> {
    let mut f = scoped(ctx, &[Action::FieldWorkRead], None)?;
    dated(&mut f, "t.week_start", q.community_id, &q.from, &q.to)?;
    let staff = !ctx.scopes(Action::FieldWork).is_empty();
    if !staff {
        f.and("t.status = 'published'", []);
    }
    let sql = format!("{SQL} {} ORDER BY t.week_start DESC LIMIT 100", f.sql());
    let rows = bind_vals(sqlx::query(&sql), &f.vals)
        .fetch_all(state.db.read())
        .await?;
    let items = rows.iter().map(from_row).collect::<Result<_, _>>()?;
    Ok(BulletinList { items })
}

pub fn monday(d: Date) -> Date {
    let back = d.weekday().to_monday_zero_offset() as i64;
    d.checked_sub(jiff::Span::new().days(back)).unwrap_or(d)
}

/// The draft's text from the week's records: cases by category and status, visits, patrol
/// findings.
pub async fn compose(state: &AppState, community: i64, week: Date) -> Result<String, AppError> {
    let pool = state.db.read();
    let end = week
        .checked_add(jiff::Span::new().days(7))
        .map_err(AppError::internal)?;
    let (from, to) = (time::day_start_db(week), time::day_start_db(end));
    let cases = sqlx::query(
        "SELECT category, COUNT(*) AS n, SUM(CASE WHEN status IN ('replied', 'closed') THEN 1 ELSE 0 END) AS done \
         FROM cases WHERE community_id = $1 AND created_at >= $2 AND created_at < $3 GROUP BY category ORDER BY n DESC",
    )
    .bind(community)
    .bind(&from)
    .bind(&to)
    .fetch_all(pool)
    .await?;
    let (wf, wt) = (week.to_string(), end.to_string());
    let count = |sql: &'static str| {
        let (wf, wt) = (wf.clone(), wt.clone());
        async move {
            Ok::<i64, AppError>(
                sqlx::query(sql)
                    .bind(community)
                    .bind(wf)
                    .bind(wt)
                    .fetch_one(pool)
                    .await?
                    .try_get("n")?,
            )
        }
    };
    let visits = count("SELECT COUNT(*) AS n FROM visits WHERE community_id = $1 AND visit_date >= $2 AND visit_date < $3").await?;
    let leader_visits = count("SELECT COUNT(*) AS n FROM notebook_entries WHERE community_id = $1 AND kind = 'visit' AND entry_date >= $2 AND entry_date < $3").await?;
    let findings = count(
        "SELECT COUNT(*) AS n FROM patrol_findings f JOIN patrols p ON p.id = f.patrol_id WHERE p.community_id = $1 AND p.patrol_date >= $2 AND p.patrol_date < $3",
    )
    .await?;
    let mut out = format!(
        "民情通报（{} 至 {}）\n\n一、居民诉求\n",
        week,
        end.yesterday().unwrap_or(end)
    );
    if cases.is_empty() {
        out.push_str("本周没有新诉求。\n");
    }
    for r in &cases {
        let category: String = r.try_get("category")?;
        let n: i64 = r.try_get("n")?;
        let done: Option<i64> = r.try_get("done")?;
        out.push_str(&format!(
            "- {}：{n} 件，已答复或办结 {} 件\n",
            crate::platform::i18n::t(
                crate::platform::i18n::Lang::ZhCn,
                &format!("category.{category}")
            ),
            done.unwrap_or(0)
        ));
    }
    out.push_str(&format!("\n二、走访\n工作人员走访 {visits} 户次，楼栋长走访 {leader_visits} 户次。\n\n三、巡查\n巡查发现问题 {findings} 处。\n\n四、需要关注的问题\n（请补充）\n"));
    Ok(out)
}

#[derive(Deserialize, ToSchema)]
pub struct DraftInput {
    pub community_id: Option<i64>,
    /// Any day of the week; default this week.
    pub week: Option<String>,
}

/// Draft this week's bulletin from the records (one per community and week).
#[utoipa::path(post, path = "/api/v1/bulletins", tag = "daily", request_body = DraftInput, security(("bearer" = [])),
    responses((status = 201, body = Bulletin), (status = 403), (status = 409), (status = 422)))]
pub(super) async fn draft(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiJson(d): ApiJson<DraftInput>,
) -> Result<(StatusCode, Json<Bulletin>), AppError> {
    // Authorized in draft_bulletin: FieldWork
    draft_bulletin(&state, &ctx, d)
        .await
        .map(|x| (StatusCode::CREATED, Json(x)))
}

/// Drafts the week's bulletin from the records; one per community and week.
pub async fn draft_bulletin(
    state: &AppState,
    ctx: &Ctx,
    d: DraftInput,
) -> Result<Bulletin, AppError> {
    let place = community_place(state, ctx, Action::FieldWork, d.community_id).await?;
    let day = match d.week.as_deref().filter(|s| !s.is_empty()) {
        Some(s) => crate::platform::time::parse_day("week", s)?,
        None => time::today(),
    };
    let week = monday(day);
    let community = place.community_id.unwrap_or_default();
    let body = compose(state, community, week).await?;
    let mut tx = state.db.begin().await?;
    let taken: i64 = sqlx::query(
        "SELECT COUNT(*) AS n FROM bulletins WHERE community_id = $1 AND week_start = $2",
    )
    .bind(community)
    .bind(week.to_string())
    .fetch_one(&mut *tx)
    .await?
    .try_get("n")?;
    if taken > 0 {
        return Err(AppError::conflict("daily.bulletin_exists"));
    }
    let id: i64 = sqlx::query(
        "INSERT INTO bulletins (street_id, community_id, week_start, body, status, author_id, created_at) VALUES ($1, $2, $3, $4, 'draft', $5, $6) RETURNING id",
    )
    .bind(place.street_id)
    .bind(community)
    .bind(week.to_string())
    .bind(&body)
    .bind(ctx.user.as_ref().map(|u| u.id))
    .bind(time::now_db())
    .fetch_one(&mut *tx)
    .await?
    .try_get("id")?;
    audit::record(
        &mut tx,
        &ctx.actor(),
        Entry::new("bulletins.draft", "bulletin", id).at(place),
    )
    .await?;
    tx.commit().await?;
    let r = sqlx::query(&format!("{SQL} WHERE t.id = $1"))
        .bind(id)
        .fetch_one(state.db.read())
        .await?;
    from_row(&r).map_err(Into::into)
}

async fn draft_of(state: &AppState, ctx: &Ctx, id: i64) -> Result<(Bulletin, Place), AppError> {
    let r = sqlx::query(&format!("{SQL} WHERE t.id = $1"))
        .bind(id)
        .fetch_optional(state.db.read())
        .await?
        .ok_or_else(AppError::not_found)?;
    let place = Place {
        street_id: Some(r.try_get("street_id")?),
        community_id: Some(r.try_get("community_id")?),
        building_id: None,
    };
    ctx.require(Action::FieldWork, Target::At(place))?;
    let b = from_row(&r)?;
    if b.status != BulletinStatus::Draft {
        return Err(AppError::conflict("daily.bulletin_published"));
    }
    Ok((b, place))
}

#[derive(Deserialize, ToSchema)]
pub struct EditInput {
    pub body: String,
}

/// Edit a draft bulletin.
#[utoipa::path(put, path = "/api/v1/bulletins/{id}", tag = "daily", params(("id" = i64, Path)), request_body = EditInput,
    security(("bearer" = [])), responses((status = 200, body = Bulletin), (status = 403), (status = 409), (status = 422)))]
pub(super) async fn edit(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    ApiJson(e): ApiJson<EditInput>,
) -> Result<Json<Bulletin>, AppError> {
    // Authorized in edit_bulletin > draft_of: FieldWork
    edit_bulletin(&state, &ctx, id, e).await.map(Json)
}

/// Replaces a draft's text; a published bulletin is never changed.
pub async fn edit_bulletin(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    e: EditInput,
) -> Result<Bulletin, AppError> {
    let (mut b, place) = draft_of(state, ctx, id).await?;
    let body = text("body", &e.body, 10_000)?;
    let mut tx = state.db.begin().await?;
    // A published bulletin is never edited, even by a request that started before it was.
    let moved = sqlx::query("UPDATE bulletins SET body = $1 WHERE id = $2 AND status = 'draft'")
        .bind(&body)
        .bind(id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    crate::platform::state::moved(moved, "daily.bulletin_published")?;
    audit::record(
        &mut tx,
        &ctx.actor(),
        Entry::new("bulletins.edit", "bulletin", id).at(place),
    )
    .await?;
    tx.commit().await?;
    b.body = body;
    Ok(b)
}

/// Publish the bulletin to staff and the council.
#[utoipa::path(post, path = "/api/v1/bulletins/{id}/publish", tag = "daily", params(("id" = i64, Path)),
    security(("bearer" = [])), responses((status = 200, body = Bulletin), (status = 403), (status = 409)))]
pub(super) async fn publish(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<Json<Bulletin>, AppError> {
    // Authorized in publish_bulletin > draft_of: FieldWork
    publish_bulletin(&state, &ctx, id).await.map(Json)
}

/// Publishes a draft, once.
pub async fn publish_bulletin(state: &AppState, ctx: &Ctx, id: i64) -> Result<Bulletin, AppError> {
    let (mut b, place) = draft_of(state, ctx, id).await?;
    let now = time::now_db();
    let mut tx = state.db.begin().await?;
    let moved = sqlx::query("UPDATE bulletins SET status = 'published', published_at = $1 WHERE id = $2 AND status = 'draft'")
        .bind(&now)
        .bind(id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    crate::platform::state::moved(moved, "daily.bulletin_published")?;
    audit::record(
        &mut tx,
        &ctx.actor(),
        Entry::new("bulletins.publish", "bulletin", id).at(place),
    )
    .await?;
    tx.commit().await?;
    b.status = BulletinStatus::Published;
    b.published_at = crate::platform::time::from_db(&now).map(crate::platform::time::Instant);
    Ok(b)
}
