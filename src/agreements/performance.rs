//! An agreement's life after drafting: signing, obligations and their performance, breaches by
//! either party, the yearly review and the review list for the assembly, renewal.

use crate::platform::web::{Path, Query};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use sqlx::Row;
use utoipa::{IntoParams, ToSchema};

use super::{Agreement, AgreementQuery, load, managed, put_obligation, readable, search};
use crate::app::AppState;
use crate::audit::{self, Entry};
use crate::auth::Ctx;
use crate::daily::{date_or_today, text};
use crate::platform::error::AppError;
use crate::platform::time;
use crate::platform::web::ApiJson;

pub const PARTIES: &[&str] = &["committee", "household"];

#[derive(Serialize, ToSchema)]
pub struct Obligation {
    pub id: i64,
    /// committee or household.
    pub party: String,
    pub text: String,
    /// unchecked, met or not_met.
    pub performance: String,
    pub checked_on: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct ObligationList {
    pub items: Vec<Obligation>,
}

pub async fn obligation_list(state: &AppState, id: i64) -> Result<Vec<Obligation>, AppError> {
    let rows = sqlx::query("SELECT id, party, text, performance, checked_on FROM agreement_obligations WHERE agreement_id = $1 ORDER BY seq")
        .bind(id)
        .fetch_all(state.db.read())
        .await?;
    Ok(rows
        .iter()
        .map(|r| {
            Ok(Obligation {
                id: r.try_get("id")?,
                party: r.try_get("party")?,
                text: r.try_get("text")?,
                performance: r.try_get("performance")?,
                checked_on: r.try_get("checked_on")?,
            })
        })
        .collect::<Result<_, sqlx::Error>>()?)
}

/// Both sides' obligations and how each was performed.
#[utoipa::path(get, path = "/api/v1/agreements/{id}/obligations", tag = "agreements", params(("id" = i64, Path)),
    security(("bearer" = [])), responses((status = 200, body = ObligationList), (status = 403)))]
pub(super) async fn obligations(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<Json<ObligationList>, AppError> {
    let a = readable(&state, &ctx, id).await?;
    let what = format!("{}: obligations", a.template);
    audit::sensitive_read(
        &state.db,
        &ctx.actor(),
        "agreements.read",
        "agreement",
        id,
        what,
    )
    .await?;
    Ok(Json(ObligationList {
        items: obligation_list(&state, id).await?,
    }))
}

#[derive(Deserialize, ToSchema)]
pub struct ObligationInput {
    /// committee or household.
    pub party: String,
    pub text: String,
}

/// Add an obligation to a draft.
#[utoipa::path(post, path = "/api/v1/agreements/{id}/obligations", tag = "agreements", params(("id" = i64, Path)),
    request_body = ObligationInput, security(("bearer" = [])),
    responses((status = 201, body = ObligationList), (status = 403), (status = 409), (status = 422)))]
pub(super) async fn add_obligation(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    ApiJson(o): ApiJson<ObligationInput>,
) -> Result<(StatusCode, Json<ObligationList>), AppError> {
    let a = managed(&state, &ctx, id).await?;
    if a.status != "draft" {
        return Err(AppError::conflict("agreements.signed"));
    }
    if !PARTIES.contains(&o.party.as_str()) {
        return Err(AppError::invalid("party", "agreements.bad_party"));
    }
    let t = text("text", &o.text, 500)?;
    let mut tx = state.db.begin().await?;
    let seq: i64 = sqlx::query(
        "SELECT COALESCE(MAX(seq), 0) + 1 AS n FROM agreement_obligations WHERE agreement_id = $1",
    )
    .bind(id)
    .fetch_one(&mut *tx)
    .await?
    .try_get("n")?;
    put_obligation(&mut tx, id, &o.party, seq, &t).await?;
    audit::record(
        &mut tx,
        &ctx.actor(),
        Entry::new("agreements.obligation", "agreement", id)
            .at(a.place())
            .detail(&*o.party),
    )
    .await?;
    tx.commit().await?;
    Ok((
        StatusCode::CREATED,
        Json(ObligationList {
            items: obligation_list(&state, id).await?,
        }),
    ))
}

#[derive(Deserialize, ToSchema)]
pub struct CheckInput {
    /// met or not_met.
    pub performance: String,
    pub checked_on: Option<String>,
}

/// Record how one obligation was performed (an agreement in force).
#[utoipa::path(post, path = "/api/v1/agreements/{id}/obligations/{obligation}", tag = "agreements",
    params(("id" = i64, Path), ("obligation" = i64, Path)), request_body = CheckInput, security(("bearer" = [])),
    responses((status = 200, body = ObligationList), (status = 403), (status = 409), (status = 422)))]
pub(super) async fn check(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, oid)): Path<(i64, i64)>,
    ApiJson(c): ApiJson<CheckInput>,
) -> Result<Json<ObligationList>, AppError> {
    let a = managed(&state, &ctx, id).await?;
    if !super::in_force(&a) {
        return Err(AppError::conflict("agreements.not_in_force"));
    }
    if !matches!(c.performance.as_str(), "met" | "not_met") {
        return Err(AppError::invalid(
            "performance",
            "agreements.bad_performance",
        ));
    }
    let date = date_or_today("checked_on", c.checked_on.as_deref())?;
    let mut tx = state.db.begin().await?;
    let n = sqlx::query("UPDATE agreement_obligations SET performance = $1, checked_on = $2, checked_by = $3 WHERE id = $4 AND agreement_id = $5")
        .bind(&c.performance)
        .bind(date.to_string())
        .bind(ctx.user.as_ref().map(|u| u.id))
        .bind(oid)
        .bind(id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    if n == 0 {
        return Err(AppError::not_found());
    }
    audit::record(
        &mut tx,
        &ctx.actor(),
        Entry::new("agreements.check", "agreement", id)
            .at(a.place())
            .detail(format!("obligation {oid}: {}", c.performance)),
    )
    .await?;
    tx.commit().await?;
    Ok(Json(ObligationList {
        items: obligation_list(&state, id).await?,
    }))
}

#[derive(Serialize, Deserialize, ToSchema)]
pub struct Breach {
    #[serde(default)]
    pub id: i64,
    /// committee or household: who broke the agreement.
    pub party: String,
    pub obligation_id: Option<i64>,
    pub occurred_on: Option<String>,
    pub description: String,
    /// What is to be done about it.
    #[serde(default)]
    pub remedy: String,
}

#[derive(Serialize, ToSchema)]
pub struct BreachList {
    pub items: Vec<Breach>,
}

async fn breach_list(state: &AppState, id: i64) -> Result<Vec<Breach>, AppError> {
    let rows = sqlx::query("SELECT id, party, obligation_id, occurred_on, description, remedy FROM agreement_breaches WHERE agreement_id = $1 ORDER BY occurred_on, id")
        .bind(id)
        .fetch_all(state.db.read())
        .await?;
    Ok(rows
        .iter()
        .map(|r| {
            Ok(Breach {
                id: r.try_get("id")?,
                party: r.try_get("party")?,
                obligation_id: r.try_get("obligation_id")?,
                occurred_on: r.try_get("occurred_on")?,
                description: r.try_get("description")?,
                remedy: r.try_get("remedy")?,
            })
        })
        .collect::<Result<_, sqlx::Error>>()?)
}

/// Breaches recorded against either party.
#[utoipa::path(get, path = "/api/v1/agreements/{id}/breaches", tag = "agreements", params(("id" = i64, Path)),
    security(("bearer" = [])), responses((status = 200, body = BreachList), (status = 403)))]
pub(super) async fn breaches(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<Json<BreachList>, AppError> {
    let a = readable(&state, &ctx, id).await?;
    let what = format!("{}: breaches", a.template);
    audit::sensitive_read(
        &state.db,
        &ctx.actor(),
        "agreements.read",
        "agreement",
        id,
        what,
    )
    .await?;
    Ok(Json(BreachList {
        items: breach_list(&state, id).await?,
    }))
}

/// Record a breach by the committee or the household. A committee breach counts against the
/// community in its assessment.
#[utoipa::path(post, path = "/api/v1/agreements/{id}/breaches", tag = "agreements", params(("id" = i64, Path)),
    request_body = Breach, security(("bearer" = [])), responses((status = 201, body = Breach), (status = 403), (status = 409), (status = 422)))]
pub(super) async fn breach(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    ApiJson(mut b): ApiJson<Breach>,
) -> Result<(StatusCode, Json<Breach>), AppError> {
    let a = managed(&state, &ctx, id).await?;
    if !PARTIES.contains(&b.party.as_str()) {
        return Err(AppError::invalid("party", "agreements.bad_party"));
    }
    b.description = text("description", &b.description, 1000)?;
    if b.remedy.chars().count() > 1000 {
        return Err(AppError::invalid("remedy", "daily.bad_text").arg("max", 1000));
    }
    let date = date_or_today("occurred_on", b.occurred_on.as_deref())?;
    let mut tx = state.db.begin().await?;
    if let Some(o) = b.obligation_id {
        let party: Option<String> = sqlx::query(
            "SELECT party FROM agreement_obligations WHERE id = $1 AND agreement_id = $2",
        )
        .bind(o)
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?
        .map(|r| r.try_get("party"))
        .transpose()?;
        if party.as_deref() != Some(b.party.as_str()) {
            return Err(AppError::invalid(
                "obligation_id",
                "agreements.obligation_party",
            ));
        }
    }
    // M9: a breach only of an agreement in force on the day it happened, checked in the insert.
    let not_in_force = || {
        AppError::conflict("agreements.not_in_force_on")
            .arg("date", date)
            .arg("from", &a.valid_from)
            .arg("to", &a.valid_to)
    };
    if matches!(a.status.as_str(), "draft" | "ended") {
        return Err(AppError::conflict("agreements.not_in_force"));
    }
    b.id = sqlx::query(
        "INSERT INTO agreement_breaches (agreement_id, party, obligation_id, occurred_on, description, remedy, author_id, created_at) \
         SELECT $1, $2, $3, $4, $5, $6, $7, $8 WHERE EXISTS (SELECT 1 FROM agreements WHERE id = $1 \
         AND status IN ('in_force', 'reviewed') AND valid_from <= $4 AND valid_to >= $4) RETURNING id",
    )
    .bind(id)
    .bind(&b.party)
    .bind(b.obligation_id)
    .bind(date.to_string())
    .bind(&b.description)
    .bind(b.remedy.trim())
    .bind(ctx.user.as_ref().map(|u| u.id))
    .bind(time::now_db())
    .fetch_optional(&mut *tx)
    .await?
    .ok_or_else(not_in_force)?
    .try_get("id")?;
    audit::record(
        &mut tx,
        &ctx.actor(),
        Entry::new("agreements.breach", "agreement", id)
            .at(a.place())
            .detail(&*b.party),
    )
    .await?;
    tx.commit().await?;
    b.occurred_on = Some(date.to_string());
    Ok((StatusCode::CREATED, Json(b)))
}

#[derive(Deserialize, ToSchema)]
pub struct SignInput {
    pub signed_on: Option<String>,
    /// in_person, proxy or online.
    pub method: String,
}

/// Record the signing: the agreement is in force.
#[utoipa::path(post, path = "/api/v1/agreements/{id}/sign", tag = "agreements", params(("id" = i64, Path)), request_body = SignInput,
    security(("bearer" = [])), responses((status = 200, body = Agreement), (status = 403), (status = 409), (status = 422)))]
pub(super) async fn sign(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    ApiJson(s): ApiJson<SignInput>,
) -> Result<Json<Agreement>, AppError> {
    let a = managed(&state, &ctx, id).await?;
    if a.status != "draft" {
        return Err(AppError::conflict("agreements.signed"));
    }
    if !matches!(s.method.as_str(), "in_person" | "proxy" | "online") {
        return Err(AppError::invalid("method", "agreements.bad_method"));
    }
    let date = date_or_today("signed_on", s.signed_on.as_deref())?;
    let mut tx = state.db.begin().await?;
    // Guarded: signed once; it is in force only from its first day (`standing`).
    let signed = sqlx::query("UPDATE agreements SET status = 'in_force', signed_on = $1, signing_method = $2 WHERE id = $3 AND status = 'draft'")
        .bind(date.to_string())
        .bind(&s.method)
        .bind(id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    if signed != 1 {
        return Err(AppError::conflict("agreements.signed"));
    }
    audit::record(
        &mut tx,
        &ctx.actor(),
        Entry::new("agreements.sign", "agreement", id)
            .at(a.place())
            .detail(&*s.method),
    )
    .await?;
    tx.commit().await?;
    Ok(Json(load(&state, id).await?))
}

#[derive(Deserialize, ToSchema)]
#[schema(as = AgreementReviewInput)]
pub struct ReviewInput {
    pub note: String,
}

/// The yearly review: performance and breaches considered, a note recorded.
#[utoipa::path(post, path = "/api/v1/agreements/{id}/review", tag = "agreements", params(("id" = i64, Path)), request_body = ReviewInput,
    security(("bearer" = [])), responses((status = 200, body = Agreement), (status = 403), (status = 409), (status = 422)))]
pub(super) async fn review(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    ApiJson(r): ApiJson<ReviewInput>,
) -> Result<Json<Agreement>, AppError> {
    let a = managed(&state, &ctx, id).await?;
    if !super::in_force(&a) {
        return Err(AppError::conflict("agreements.not_in_force"));
    }
    let note = text("note", &r.note, 2000)?;
    let mut tx = state.db.begin().await?;
    sqlx::query("UPDATE agreements SET status = 'reviewed', reviewed_on = $1, review_note = $2 WHERE id = $3")
        .bind(time::today().to_string())
        .bind(&note)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    audit::record(
        &mut tx,
        &ctx.actor(),
        Entry::new("agreements.review", "agreement", id).at(a.place()),
    )
    .await?;
    tx.commit().await?;
    Ok(Json(load(&state, id).await?))
}

#[derive(Deserialize, ToSchema)]
pub struct RenewInput {
    pub valid_to: String,
}

/// Renew: a new draft with the same obligations, from the day after the old one ends; the old
/// one is ended.
#[utoipa::path(post, path = "/api/v1/agreements/{id}/renew", tag = "agreements", params(("id" = i64, Path)), request_body = RenewInput,
    security(("bearer" = [])), responses((status = 201, body = Agreement), (status = 403), (status = 409), (status = 422)))]
pub(super) async fn renew(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    ApiJson(r): ApiJson<RenewInput>,
) -> Result<(StatusCode, Json<Agreement>), AppError> {
    let a = managed(&state, &ctx, id).await?;
    if !matches!(a.status.as_str(), "in_force" | "reviewed" | "lapsed") {
        return Err(AppError::conflict("agreements.not_in_force"));
    }
    let from = a
        .valid_to
        .parse::<jiff::civil::Date>()
        .map_err(AppError::internal)?
        .tomorrow()
        .map_err(AppError::internal)?;
    let to = crate::registry::residents::parse_date("valid_to", &r.valid_to)?;
    if to <= from {
        return Err(AppError::invalid("valid_to", "account.term_order"));
    }
    // Read before the transaction: on PostgreSQL a transaction waiting on a read holds one of
    // the pool's connections while it asks for another.
    let obligations = obligation_list(&state, id).await?;
    let mut tx = state.db.begin().await?;
    let nid: i64 = sqlx::query(
        "INSERT INTO agreements (street_id, community_id, household_id, template, title, status, valid_from, valid_to, renews_id, author_id, created_at) \
         VALUES ($1, $2, $3, $4, $5, 'draft', $6, $7, $8, $9, $10) RETURNING id",
    )
    .bind(a.street_id)
    .bind(a.community_id)
    .bind(a.household_id)
    .bind(&a.template)
    .bind(&a.title)
    .bind(from.to_string())
    .bind(to.to_string())
    .bind(id)
    .bind(ctx.user.as_ref().map(|u| u.id))
    .bind(time::now_db())
    .fetch_one(&mut *tx)
    .await?
    .try_get("id")?;
    for o in obligations {
        let seq: i64 = sqlx::query("SELECT COALESCE(MAX(seq), 0) + 1 AS n FROM agreement_obligations WHERE agreement_id = $1")
            .bind(nid)
            .fetch_one(&mut *tx)
            .await?
            .try_get("n")?;
        put_obligation(&mut tx, nid, &o.party, seq, &o.text).await?;
    }
    sqlx::query("UPDATE agreements SET status = 'ended' WHERE id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    audit::record(
        &mut tx,
        &ctx.actor(),
        Entry::new("agreements.renew", "agreement", id)
            .at(a.place())
            .detail(format!("renewed as {nid}")),
    )
    .await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(load(&state, nid).await?)))
}

#[derive(Serialize, ToSchema)]
pub struct ReviewItem {
    #[serde(flatten)]
    pub agreement: Agreement,
    pub obligations_met: i64,
    pub obligations_not_met: i64,
    pub obligations_unchecked: i64,
}

#[derive(Serialize, ToSchema)]
pub struct ReviewList {
    pub items: Vec<ReviewItem>,
    /// Breaches by the committee across the list: they count in its assessment.
    pub committee_breaches: i64,
    pub household_breaches: i64,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReviewQuery {
    pub community_id: Option<i64>,
}

/// The yearly review list for the assembly: every agreement in force or reviewed, with its
/// performance and breaches on both sides.
#[utoipa::path(get, path = "/api/v1/agreements/review-list", tag = "agreements", params(ReviewQuery), security(("bearer" = [])),
    responses((status = 200, body = ReviewList), (status = 403)))]
pub(super) async fn review_list(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<ReviewQuery>,
) -> Result<Json<ReviewList>, AppError> {
    let mut items = Vec::new();
    for status in ["in_force", "reviewed"] {
        let aq = AgreementQuery {
            community_id: q.community_id,
            status: Some(status.into()),
            ..Default::default()
        };
        for a in search(&state, &ctx, &aq).await? {
            let obligations = obligation_list(&state, a.id).await?;
            let n = |p: &str| obligations.iter().filter(|o| o.performance == p).count() as i64;
            items.push(ReviewItem {
                obligations_met: n("met"),
                obligations_not_met: n("not_met"),
                obligations_unchecked: n("unchecked"),
                agreement: a,
            });
        }
    }
    let n = format!("review list: {} agreements", items.len());
    audit::sensitive_read(
        &state.db,
        &ctx.actor(),
        "agreements.read",
        "agreement",
        "review",
        n,
    )
    .await?;
    Ok(Json(ReviewList {
        committee_breaches: items.iter().map(|i| i.agreement.committee_breaches).sum(),
        household_breaches: items.iter().map(|i| i.agreement.household_breaches).sum(),
        items,
    }))
}
