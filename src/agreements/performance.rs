//! Obligations on both sides and how each was performed (M20). Breaches are in `breaches`, the
//! term (signing, review, renewal) in `term`.

use crate::platform::web::Path;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use sqlx::Row;
use utoipa::ToSchema;

use super::{managed, put_obligation};
use crate::audit::{self, Entry};
use crate::auth::Ctx;
use crate::platform::AppState;
use crate::platform::error::AppError;
use crate::platform::input::{date_or_today, text};
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
    // Authorized in super::read_audited > readable: AgreementsRead
    super::read_audited(&state, &ctx, id, ": obligations").await?;
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
    // Authorized in add_obligation_to > managed: AgreementsManage
    add_obligation_to(&state, &ctx, id, o)
        .await
        .map(|x| (StatusCode::CREATED, Json(x)))
}

/// Adds an obligation to a draft; a signed agreement's are fixed (409).
pub async fn add_obligation_to(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    o: ObligationInput,
) -> Result<ObligationList, AppError> {
    let a = managed(state, ctx, id).await?;
    if a.status != super::AgreementStatus::Draft {
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
    Ok(ObligationList {
        items: obligation_list(state, id).await?,
    })
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
    // Authorized in check_obligation > managed: AgreementsManage
    check_obligation(&state, &ctx, (id, oid), c).await.map(Json)
}

/// Records how one obligation was performed, while the agreement is in force.
pub async fn check_obligation(
    state: &AppState,
    ctx: &Ctx,
    (id, oid): (i64, i64),
    c: CheckInput,
) -> Result<ObligationList, AppError> {
    let a = managed(state, ctx, id).await?;
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
    Ok(ObligationList {
        items: obligation_list(state, id).await?,
    })
}
