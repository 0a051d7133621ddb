//! Democratic appraisal of cadres (民主评议, M10): the supervisory board (or the street) opens an
//! appraisal of the community's cadres; each resident representative of the community casts
//! one secret ballot — 满意, 基本满意 or 不满意 for every cadre. Who voted is kept in
//! `appraisal_voters`; the ballot goes under a random key, with no voter and no time, into
//! `appraisal_ballots`. Closing tallies the stored ballots (anyone may recount them from
//! `…/ballots`); the community then discloses the result through the disclosure area.

use crate::platform::web::Path;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use sqlx::Row;
use utoipa::ToSchema;

use crate::app::AppState;
use crate::audit::{self, Entry};
use crate::auth::{Action, Ctx, Place, Scope, Target};
use crate::platform::error::AppError;
use crate::platform::i18n::t;
use crate::platform::time;
use crate::platform::web::ApiJson;

mod ballots;

pub use ballots::{
    BallotInput, Choice, Recount, StoredBallot, close, put_ballot, recount, tally, vote,
};

pub const CHOICES: [&str; 3] = ["satisfied", "basically", "unsatisfied"];

#[derive(Serialize, ToSchema, Clone, Debug)]
pub struct Subject {
    pub id: i64,
    pub user_id: Option<i64>,
    pub name: String,
    pub post: String,
    /// The tally, once closed.
    pub satisfied: Option<i64>,
    pub basically: Option<i64>,
    pub unsatisfied: Option<i64>,
    /// (满意 + 基本满意) ÷ ballots, once closed.
    pub rate: Option<f64>,
}

#[derive(Serialize, ToSchema, Clone, Debug)]
pub struct Appraisal {
    pub id: i64,
    pub community_id: i64,
    pub title: String,
    pub period: String,
    /// open or closed.
    pub status: String,
    pub closes_on: String,
    pub subjects: Vec<Subject>,
    /// Representatives who have voted so far.
    pub voted: i64,
    pub ballots_counted: Option<i64>,
    /// The notice that disclosed the result.
    pub disclosure_id: Option<i64>,
    #[serde(skip)]
    pub street_id: i64,
}

impl Appraisal {
    pub fn place(&self) -> Place {
        Place {
            street_id: Some(self.street_id),
            community_id: Some(self.community_id),
            building_id: None,
        }
    }
}

pub async fn load(state: &AppState, id: i64) -> Result<Appraisal, AppError> {
    let r = sqlx::query(
        "SELECT id, street_id, community_id, title, period, status, closes_on, ballots_counted, disclosure_id, \
         (SELECT COUNT(*) FROM appraisal_voters v WHERE v.appraisal_id = a.id) AS voted FROM appraisals a WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(state.db.read())
    .await?
    .ok_or_else(AppError::not_found)?;
    let subjects = sqlx::query(
        "SELECT id, user_id, name, post, satisfied, basically, unsatisfied FROM appraisal_subjects WHERE appraisal_id = $1 ORDER BY id",
    )
    .bind(id)
    .fetch_all(state.db.read())
    .await?
    .iter()
    .map(|s| {
        let (a, b, c): (Option<i64>, Option<i64>, Option<i64>) =
            (s.try_get("satisfied")?, s.try_get("basically")?, s.try_get("unsatisfied")?);
        let rate = match (a, b, c) {
            (Some(a), Some(b), Some(c)) if a + b + c > 0 => {
                Some(((a + b) as f64 / (a + b + c) as f64 * 1000.0).round() / 1000.0)
            }
            _ => None,
        };
        Ok(Subject {
            id: s.try_get("id")?,
            user_id: s.try_get("user_id")?,
            name: s.try_get("name")?,
            post: s.try_get("post")?,
            satisfied: a,
            basically: b,
            unsatisfied: c,
            rate,
        })
    })
    .collect::<Result<Vec<_>, sqlx::Error>>()?;
    Ok(Appraisal {
        id,
        street_id: r.try_get("street_id")?,
        community_id: r.try_get("community_id")?,
        title: r.try_get("title")?,
        period: r.try_get("period")?,
        status: r.try_get("status")?,
        closes_on: r.try_get("closes_on")?,
        subjects,
        voted: r.try_get("voted")?,
        ballots_counted: r.try_get("ballots_counted")?,
        disclosure_id: r.try_get("disclosure_id")?,
    })
}

/// Staff of the community and the street see appraisals; so does every resident of the
/// community (a representative votes, everyone reads the result).
pub fn may_see(ctx: &Ctx, a: &Appraisal) -> bool {
    let here = |action| {
        ctx.scopes(action).iter().any(|s| match *s {
            Scope::Street(st) => st == a.street_id,
            Scope::Community(c) => c == a.community_id,
            Scope::Building(_) => false,
        })
    };
    here(Action::SupervisionRead)
        || here(Action::AppraisalsManage)
        || here(Action::FieldWorkRead)
        || ctx
            .user
            .as_ref()
            .is_some_and(|u| u.resident_id.is_some() && !ctx.scopes(Action::Participate).is_empty())
}

pub async fn readable(state: &AppState, ctx: &Ctx, id: i64) -> Result<Appraisal, AppError> {
    let mut a = load(state, id).await?;
    if !may_see(ctx, &a) {
        return Err(AppError::forbidden());
    }
    // Residents see their own community's appraisals only.
    if ctx.scopes(Action::SupervisionRead).is_empty()
        && ctx.scopes(Action::AppraisalsManage).is_empty()
        && ctx.scopes(Action::FieldWorkRead).is_empty()
    {
        let p = crate::registry::participant::participant(state, ctx, None, "appraisal.sign_in")
            .await?;
        if p.community_id != a.community_id {
            return Err(AppError::forbidden());
        }
    }
    if a.status == "open" {
        for s in &mut a.subjects {
            (s.satisfied, s.basically, s.unsatisfied, s.rate) = (None, None, None, None);
        }
    }
    Ok(a)
}

#[derive(Deserialize, ToSchema)]
pub struct AppraisalInput {
    pub community_id: i64,
    pub title: String,
    /// The period appraised: 2026, 2026-Q4…
    pub period: String,
    /// The last day of voting (YYYY-MM-DD, today or later).
    pub closes_on: String,
    /// The cadres appraised: users holding a worker's or head's grant in the community.
    pub subjects: Vec<i64>,
}

pub async fn open(state: &AppState, ctx: &Ctx, a: &AppraisalInput) -> Result<i64, AppError> {
    let pl = crate::registry::places::place_of_community(state.db.read(), a.community_id)
        .await?
        .ok_or_else(|| AppError::invalid("community_id", "registry.unknown_community"))?;
    ctx.require(Action::AppraisalsManage, Target::At(pl))?;
    let title = crate::daily::text("title", &a.title, 100)?;
    let period = crate::assessment::Period::parse(&a.period)?;
    let closes = crate::registry::residents::parse_date("closes_on", &a.closes_on)?;
    if closes < time::today() {
        return Err(AppError::invalid("closes_on", "appraisal.closes_past"));
    }
    if a.subjects.is_empty() {
        return Err(AppError::invalid("subjects", "appraisal.no_subjects"));
    }
    let mut tx = state.db.begin().await?;
    let id: i64 = sqlx::query(
        "INSERT INTO appraisals (street_id, community_id, title, period, status, closes_on, created_by, created_at) \
         VALUES ($1, $2, $3, $4, 'open', $5, $6, $7) RETURNING id",
    )
    .bind(pl.street_id)
    .bind(a.community_id)
    .bind(&title)
    .bind(&period.label)
    .bind(closes.to_string())
    .bind(ctx.user.as_ref().map(|u| u.id))
    .bind(time::now_db())
    .fetch_one(&mut *tx)
    .await?
    .try_get("id")?;
    let mut seen = Vec::new();
    for u in &a.subjects {
        if seen.contains(u) {
            continue;
        }
        seen.push(*u);
        let r = sqlx::query(
            "SELECT u.display_name, MAX(g.role) AS role FROM grants g JOIN users u ON u.id = g.user_id \
             WHERE g.user_id = $1 AND g.community_id = $2 AND g.role IN ('community_worker', 'community_head') AND g.revoked_at IS NULL GROUP BY u.display_name",
        )
        .bind(u)
        .bind(a.community_id)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| AppError::invalid("subjects", "appraisal.not_a_cadre").arg("user", u.to_string()))?;
        let role: String = r.try_get("role")?;
        sqlx::query("INSERT INTO appraisal_subjects (appraisal_id, user_id, name, post) VALUES ($1, $2, $3, $4)")
            .bind(id)
            .bind(u)
            .bind(person_name(&r.try_get::<String, _>("display_name")?))
            .bind(t(ctx.lang, &format!("role.{role}")))
            .execute(&mut *tx)
            .await?;
    }
    audit::record(
        &mut tx,
        &ctx.actor(),
        Entry::new("appraisal.open", "appraisal", id)
            .at(pl)
            .detail(format!("{} · {} cadres", period.label, seen.len())),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// An account's display name often leads with its post (社区书记 王秀英): the ballot names
/// the post apart, so keep only the person.
fn person_name(display: &str) -> String {
    display
        .rsplit(' ')
        .next()
        .filter(|s| !s.is_empty())
        .unwrap_or(display)
        .to_owned()
}

/// Publish the result as a notice in the 民主评议结果 category: the tally as counted, not as
/// anyone would retype it.
pub async fn disclose(state: &AppState, ctx: &Ctx, id: i64) -> Result<i64, AppError> {
    let a = load(state, id).await?;
    ctx.require(Action::DisclosuresManage, Target::At(a.place()))?;
    if a.status != "closed" {
        return Err(AppError::conflict("appraisal.not_closed"));
    }
    if a.disclosure_id.is_some() {
        return Err(AppError::conflict("appraisal.disclosed"));
    }
    let lang = crate::platform::i18n::Lang::ZhCn;
    let mut body = format!(
        "{}\n{}：{}　{}：{}\n\n",
        a.title,
        t(lang, "appraisal.period"),
        a.period,
        t(lang, "appraisal.ballots_counted"),
        a.ballots_counted.unwrap_or(0)
    );
    for s in &a.subjects {
        body.push_str(&format!(
            "{} {}：满意 {}，基本满意 {}，不满意 {}；满意率 {:.1}%\n",
            s.post,
            s.name,
            s.satisfied.unwrap_or(0),
            s.basically.unwrap_or(0),
            s.unsatisfied.unwrap_or(0),
            s.rate.unwrap_or(0.0) * 100.0
        ));
    }
    body.push_str(&format!("\n{}", t(lang, "appraisal.recount")));
    let input = crate::disclosure::drafts::NoticeInput {
        community_id: a.community_id,
        category: "appraisal".into(),
        title: format!("{}结果公示", a.title),
        body,
        channel: "both".into(),
        period: None,
        publicity_days: 5,
        income_total: None,
        expense_total: None,
        lines: vec![],
        corrects_id: None,
    };
    let notice = crate::disclosure::drafts::save_draft(state, ctx, None, &input).await?;
    crate::disclosure::notices::publish_notice(state, ctx, notice).await?;
    let mut tx = state.db.begin().await?;
    sqlx::query("UPDATE appraisals SET disclosure_id = $1 WHERE id = $2")
        .bind(notice)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    audit::record(
        &mut tx,
        &ctx.actor(),
        Entry::new("appraisal.disclose", "appraisal", id)
            .at(a.place())
            .detail(format!("notice {notice}")),
    )
    .await?;
    tx.commit().await?;
    Ok(notice)
}

// ---- HTTP ----

#[derive(Serialize, ToSchema)]
pub struct AppraisalList {
    pub items: Vec<Appraisal>,
}

pub async fn listed(state: &AppState, ctx: &Ctx) -> Result<Vec<Appraisal>, AppError> {
    let ids: Vec<i64> = sqlx::query("SELECT id FROM appraisals ORDER BY id DESC LIMIT 200")
        .fetch_all(state.db.read())
        .await?
        .iter()
        .map(|r| r.try_get("id"))
        .collect::<Result<_, _>>()?;
    let mut out = Vec::new();
    for id in ids {
        match readable(state, ctx, id).await {
            Ok(a) => out.push(a),
            Err(e) if e.status == StatusCode::FORBIDDEN => {}
            Err(e) => return Err(e),
        }
    }
    Ok(out)
}

#[utoipa::path(get, path = "/api/v1/appraisals", tag = "supervision", security(("bearer" = [])),
    responses((status = 200, body = AppraisalList)))]
pub(super) async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
) -> Result<Json<AppraisalList>, AppError> {
    ctx.require(Action::HomeView, Target::System)?;
    Ok(Json(AppraisalList {
        items: listed(&state, &ctx).await?,
    }))
}

/// Open an appraisal of the community's cadres (supervisory board, street).
#[utoipa::path(post, path = "/api/v1/appraisals", tag = "supervision", request_body = AppraisalInput, security(("bearer" = [])),
    responses((status = 201, body = Appraisal), (status = 403), (status = 422)))]
pub(super) async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiJson(a): ApiJson<AppraisalInput>,
) -> Result<(StatusCode, Json<Appraisal>), AppError> {
    let id = open(&state, &ctx, &a).await?;
    Ok((StatusCode::CREATED, Json(readable(&state, &ctx, id).await?)))
}

/// One appraisal; the tally only once it is closed.
#[utoipa::path(get, path = "/api/v1/appraisals/{id}", tag = "supervision", params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, body = Appraisal), (status = 403), (status = 404)))]
pub(super) async fn one(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<Json<Appraisal>, AppError> {
    Ok(Json(readable(&state, &ctx, id).await?))
}

/// A resident representative's secret ballot.
#[utoipa::path(post, path = "/api/v1/appraisals/{id}/ballots", tag = "supervision", params(("id" = i64, Path)), request_body = BallotInput,
    security(("bearer" = [])), responses((status = 204), (status = 403), (status = 409), (status = 422)))]
pub(super) async fn cast(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    ApiJson(b): ApiJson<BallotInput>,
) -> Result<StatusCode, AppError> {
    vote(&state, &ctx, id, &b).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The stored ballots of a closed appraisal and whether they recount to its tally.
#[utoipa::path(get, path = "/api/v1/appraisals/{id}/ballots", tag = "supervision", params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, body = Recount), (status = 403), (status = 409)))]
pub(super) async fn stored(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<Json<Recount>, AppError> {
    Ok(Json(recount(&state, &ctx, id).await?))
}

/// Close the voting and tally.
#[utoipa::path(post, path = "/api/v1/appraisals/{id}/close", tag = "supervision", params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, body = Appraisal), (status = 403), (status = 409)))]
pub(super) async fn close_route(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<Json<Appraisal>, AppError> {
    close(&state, &ctx, id).await?;
    Ok(Json(readable(&state, &ctx, id).await?))
}

/// Disclose the result through the disclosure area (the community's disclosure officers).
#[utoipa::path(post, path = "/api/v1/appraisals/{id}/disclose", tag = "supervision", params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, body = Appraisal), (status = 403), (status = 409)))]
pub(super) async fn disclose_route(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<Json<Appraisal>, AppError> {
    disclose(&state, &ctx, id).await?;
    Ok(Json(readable(&state, &ctx, id).await?))
}
