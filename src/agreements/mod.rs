//! Two-sided agreements (协议书, M20) between the residents' committee and a household: each
//! side's obligations (the household's duties and the committee's service duties), signing,
//! performance checked per obligation, breach records against either party (committee breaches
//! count in its assessment), the yearly review list for the assembly, renewal.
//! `draft → in_force (signed) → reviewed (yearly) → ended`.

pub mod breaches;
pub mod list_web;
pub mod mine;
pub mod performance;
pub mod templates;
pub mod term;
pub mod web;

pub use breaches::committee_breaches;
pub use templates::{TEMPLATES, template};
pub use term::{AgreementStatus, in_force, standing};
pub use web::pages;

use crate::platform::web::{Path, Query};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use sqlx::Row;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::audit::{self, Entry};
use crate::auth::scope::scoped;
use crate::auth::{Action, Ctx, Place, Target};
use crate::platform::AppState;
use crate::platform::db::{Tx, Val, bind_vals};
use crate::platform::error::AppError;
use crate::platform::input::text;
use crate::platform::time;
use crate::platform::web::ApiJson;
use crate::registry::places::community_place;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(term::review_list))
        .routes(routes!(one))
        .routes(routes!(
            performance::obligations,
            performance::add_obligation
        ))
        .routes(routes!(performance::check))
        .routes(routes!(breaches::breaches, breaches::breach))
        .routes(routes!(term::sign))
        .routes(routes!(term::review))
        .routes(routes!(term::renew))
}

#[derive(Serialize, ToSchema, Clone)]
pub struct Agreement {
    pub id: i64,
    pub community_id: i64,
    pub household_id: i64,
    pub household: String,
    /// family_planning, frontage (门前三包), dogs or parking.
    pub template: String,
    pub title: String,
    /// draft; signed (before its start); in_force or reviewed (between its dates); lapsed
    /// (after its end); ended (by a renewal). The dated ones follow from the dates by themselves
    /// (`standing`).
    pub status: AgreementStatus,
    pub valid_from: String,
    pub valid_to: String,
    pub signed_on: Option<String>,
    /// in_person, proxy or online.
    pub signing_method: Option<String>,
    pub reviewed_on: Option<String>,
    pub review_note: Option<String>,
    /// The agreement this one renews.
    pub renews_id: Option<i64>,
    /// Breaches recorded against the committee and against the household.
    pub committee_breaches: i64,
    pub household_breaches: i64,
    #[serde(skip)]
    pub street_id: i64,
}

impl Agreement {
    pub fn place(&self) -> Place {
        Place {
            street_id: Some(self.street_id),
            community_id: Some(self.community_id),
            building_id: None,
        }
    }
}

pub(super) const SQL: &str = "SELECT t.id, t.street_id, t.community_id, t.household_id, h.address, t.template, t.title, t.status, t.valid_from, t.valid_to, \
    t.signed_on, t.signing_method, t.reviewed_on, t.review_note, t.renews_id, \
    (SELECT COUNT(*) FROM agreement_breaches b WHERE b.agreement_id = t.id AND b.party = 'committee') AS cb, \
    (SELECT COUNT(*) FROM agreement_breaches b WHERE b.agreement_id = t.id AND b.party = 'household') AS hb \
    FROM agreements t JOIN households h ON h.id = t.household_id";

pub(super) fn from_row(r: &sqlx::any::AnyRow) -> Result<Agreement, sqlx::Error> {
    let stored: AgreementStatus = r.try_get("status")?;
    let (from, to): (String, String) = (r.try_get("valid_from")?, r.try_get("valid_to")?);
    let today = time::today().to_string();
    Ok(Agreement {
        id: r.try_get("id")?,
        street_id: r.try_get("street_id")?,
        community_id: r.try_get("community_id")?,
        household_id: r.try_get("household_id")?,
        household: r.try_get("address")?,
        template: r.try_get("template")?,
        title: r.try_get("title")?,
        status: standing(stored, &from, &to, &today),
        valid_from: from,
        valid_to: to,
        signed_on: r.try_get("signed_on")?,
        signing_method: r.try_get("signing_method")?,
        reviewed_on: r.try_get("reviewed_on")?,
        review_note: r.try_get("review_note")?,
        renews_id: r.try_get("renews_id")?,
        committee_breaches: r.try_get("cb")?,
        household_breaches: r.try_get("hb")?,
    })
}

pub async fn load(state: &AppState, id: i64) -> Result<Agreement, AppError> {
    let r = sqlx::query(&format!("{SQL} WHERE t.id = $1"))
        .bind(id)
        .fetch_optional(state.db.read())
        .await?
        .ok_or_else(AppError::not_found)?;
    Ok(from_row(&r)?)
}

pub async fn readable(state: &AppState, ctx: &Ctx, id: i64) -> Result<Agreement, AppError> {
    let a = load(state, id).await?;
    if ctx
        .require(Action::AgreementsRead, Target::At(a.place()))
        .is_err()
    {
        ctx.require(Action::AgreementsRead, Target::System)?;
        return Err(AppError::forbidden());
    }
    Ok(a)
}

/// `readable`, recorded as a sensitive read: an agreement names a household and its
/// obligations, family planning's among them. `part` says what of it was read.
pub async fn read_audited(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    part: &str,
) -> Result<Agreement, AppError> {
    let a = readable(state, ctx, id).await?;
    let what = format!("{}{part}", a.template);
    audit::sensitive_read(
        &state.db,
        &ctx.actor(),
        "agreements.read",
        "agreement",
        id,
        what,
    )
    .await?;
    Ok(a)
}

pub async fn managed(state: &AppState, ctx: &Ctx, id: i64) -> Result<Agreement, AppError> {
    let a = load(state, id).await?;
    ctx.require(Action::AgreementsManage, Target::At(a.place()))?;
    Ok(a)
}

#[derive(Serialize, ToSchema)]
pub struct AgreementList {
    pub items: Vec<Agreement>,
    pub total: i64,
}

#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct AgreementQuery {
    pub community_id: Option<i64>,
    pub household_id: Option<i64>,
    pub status: Option<String>,
    pub template: Option<String>,
}

pub async fn search(
    state: &AppState,
    ctx: &Ctx,
    q: &AgreementQuery,
) -> Result<Vec<Agreement>, AppError> {
    let mut f = scoped(ctx, &[Action::AgreementsRead], None)?;
    if let Some(c) = q.community_id {
        f.and("t.community_id = ?", [Val::I(c)]);
    }
    if let Some(h) = q.household_id {
        f.and("t.household_id = ?", [Val::I(h)]);
    }
    if let Some(s) = q.status.as_deref().filter(|s| !s.is_empty()) {
        let s: AgreementStatus = s
            .parse()
            .map_err(|_| AppError::invalid("status", "agreements.bad_status"))?;
        // By standing (`standing`): the dated ones by today's date.
        let today = Val::T(time::today().to_string());
        let signed = "t.status IN ('in_force', 'reviewed')";
        match s {
            AgreementStatus::InForce | AgreementStatus::Reviewed => f.and(
                "t.status = ? AND t.valid_from <= ? AND t.valid_to >= ?",
                [Val::T(s.as_str().to_owned()), today.clone(), today],
            ),
            AgreementStatus::Signed => f.and(&format!("{signed} AND t.valid_from > ?"), [today]),
            AgreementStatus::Lapsed => f.and(&format!("{signed} AND t.valid_to < ?"), [today]),
            AgreementStatus::Draft | AgreementStatus::Ended => {
                f.and("t.status = ?", [Val::T(s.as_str().to_owned())])
            }
        };
    }
    if let Some(s) = q.template.as_deref().filter(|s| !s.is_empty()) {
        f.and("t.template = ?", [Val::T(s.to_owned())]);
    }
    let sql = format!("{SQL} {} ORDER BY t.id DESC LIMIT 500", f.sql());
    let rows = bind_vals(sqlx::query(&sql), &f.vals)
        .fetch_all(state.db.read())
        .await?;
    Ok(rows.iter().map(from_row).collect::<Result<_, _>>()?)
}

/// The agreements of the caller's communities.
#[utoipa::path(get, path = "/api/v1/agreements", tag = "agreements", params(AgreementQuery), security(("bearer" = [])),
    responses((status = 200, body = AgreementList), (status = 403)))]
async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<AgreementQuery>,
) -> Result<Json<AgreementList>, AppError> {
    // Authorized in listed > search: AgreementsRead
    let items = listed(&state, &ctx, &q).await?;
    Ok(Json(AgreementList {
        total: items.len() as i64,
        items,
    }))
}

/// `search`, recorded as a sensitive read: agreements name households and their obligations,
/// family planning's among them.
pub async fn listed(
    state: &AppState,
    ctx: &Ctx,
    q: &AgreementQuery,
) -> Result<Vec<Agreement>, AppError> {
    let items = search(state, ctx, q).await?;
    let n = format!("{} agreements", items.len());
    audit::sensitive_read(
        &state.db,
        &ctx.actor(),
        "agreements.read",
        "agreement",
        "list",
        n,
    )
    .await?;
    Ok(items)
}

#[utoipa::path(get, path = "/api/v1/agreements/{id}", tag = "agreements", params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, body = Agreement), (status = 403), (status = 404)))]
async fn one(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<Json<Agreement>, AppError> {
    // Authorized in read_audited > readable: AgreementsRead
    Ok(Json(read_audited(&state, &ctx, id, "").await?))
}

#[derive(Deserialize, ToSchema)]
pub struct NewAgreement {
    pub community_id: Option<i64>,
    pub household_id: i64,
    /// family_planning, frontage, dogs or parking: its obligations on both sides are filled in.
    pub template: String,
    pub title: Option<String>,
    /// YYYY-MM-DD.
    pub valid_from: String,
    pub valid_to: String,
}

pub async fn put_obligation(
    tx: &mut Tx,
    agreement: i64,
    party: &str,
    seq: i64,
    text: &str,
) -> Result<(), AppError> {
    sqlx::query("INSERT INTO agreement_obligations (agreement_id, party, seq, text, performance) VALUES ($1, $2, $3, $4, 'unchecked')")
        .bind(agreement)
        .bind(party)
        .bind(seq)
        .bind(text)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Draft an agreement from a template, with both sides' obligations.
#[utoipa::path(post, path = "/api/v1/agreements", tag = "agreements", request_body = NewAgreement, security(("bearer" = [])),
    responses((status = 201, body = Agreement), (status = 403), (status = 422)))]
async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiJson(n): ApiJson<NewAgreement>,
) -> Result<(StatusCode, Json<Agreement>), AppError> {
    // Authorized in draft_agreement: AgreementsManage
    draft_agreement(&state, &ctx, n)
        .await
        .map(|x| (StatusCode::CREATED, Json(x)))
}

/// Drafts an agreement from a template, with both sides' obligations filled in.
pub async fn draft_agreement(
    state: &AppState,
    ctx: &Ctx,
    n: NewAgreement,
) -> Result<Agreement, AppError> {
    let place = community_place(state, ctx, Action::AgreementsManage, n.community_id).await?;
    let (name, household, committee) = template(&n.template)
        .ok_or_else(|| AppError::invalid("template", "agreements.bad_template"))?;
    let title = match n.title.as_deref().filter(|t| !t.trim().is_empty()) {
        Some(t) => text("title", t, 80)?,
        None => name.to_owned(),
    };
    let from = crate::platform::time::parse_day("valid_from", &n.valid_from)?;
    let to = crate::platform::time::parse_day("valid_to", &n.valid_to)?;
    if to <= from {
        return Err(AppError::invalid("valid_to", "input.term_order"));
    }
    let mut tx = state.db.begin().await?;
    let n_h: i64 =
        sqlx::query("SELECT COUNT(*) AS n FROM households WHERE id = $1 AND community_id = $2")
            .bind(n.household_id)
            .bind(place.community_id)
            .fetch_one(&mut *tx)
            .await?
            .try_get("n")?;
    if n_h == 0 {
        return Err(AppError::invalid(
            "household_id",
            "agreements.household_not_in_community",
        ));
    }
    let id: i64 = sqlx::query(
        "INSERT INTO agreements (street_id, community_id, household_id, template, title, status, valid_from, valid_to, author_id, created_at) \
         VALUES ($1, $2, $3, $4, $5, 'draft', $6, $7, $8, $9) RETURNING id",
    )
    .bind(place.street_id)
    .bind(place.community_id)
    .bind(n.household_id)
    .bind(&n.template)
    .bind(&title)
    .bind(from.to_string())
    .bind(to.to_string())
    .bind(ctx.user.as_ref().map(|u| u.id))
    .bind(time::now_db())
    .fetch_one(&mut *tx)
    .await?
    .try_get("id")?;
    let mut seq = 0;
    for (party, items) in [("household", household), ("committee", committee)] {
        for o in items {
            seq += 1;
            put_obligation(&mut tx, id, party, seq, o).await?;
        }
    }
    audit::record(
        &mut tx,
        &ctx.actor(),
        Entry::new("agreements.create", "agreement", id)
            .at(place)
            .detail(&*n.template),
    )
    .await?;
    tx.commit().await?;
    load(state, id).await
}
