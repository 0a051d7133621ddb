//! An agreement's term (M20): signed once, in force between its dates by itself (`standing`),
//! reviewed yearly by the assembly, renewed into a new draft.

use crate::platform::web::{Path, Query};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use sqlx::Row;
use utoipa::{IntoParams, ToSchema};

use super::performance::obligation_list;
use super::{Agreement, AgreementQuery, load, managed, put_obligation, search};
use crate::audit::{self, Entry};
use crate::auth::Ctx;
use crate::platform::AppState;
use crate::platform::error::AppError;
use crate::platform::input::{date_or_today, text};
use crate::platform::time;
use crate::platform::web::ApiJson;

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
    // Authorized in sign_agreement > managed: AgreementsManage
    sign_agreement(&state, &ctx, id, s).await.map(Json)
}

/// Records the signing, once (`UPDATE … WHERE status = 'draft'`).
pub async fn sign_agreement(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    s: SignInput,
) -> Result<Agreement, AppError> {
    let a = managed(state, ctx, id).await?;
    if a.status != AgreementStatus::Draft {
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
    load(state, id).await
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
    // Authorized in review_agreement > managed: AgreementsManage
    review_agreement(&state, &ctx, id, r).await.map(Json)
}

/// The yearly review of an agreement in force, with its note.
pub async fn review_agreement(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    r: ReviewInput,
) -> Result<Agreement, AppError> {
    let a = managed(state, ctx, id).await?;
    if !super::in_force(&a) {
        return Err(AppError::conflict("agreements.not_in_force"));
    }
    let note = text("note", &r.note, 2000)?;
    let mut tx = state.db.begin().await?;
    let moved = sqlx::query("UPDATE agreements SET status = 'reviewed', reviewed_on = $1, review_note = $2 WHERE id = $3 AND status IN ('in_force', 'reviewed')")
        .bind(time::today().to_string())
        .bind(&note)
        .bind(id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    crate::platform::state::moved(moved, "agreements.not_in_force")?;
    audit::record(
        &mut tx,
        &ctx.actor(),
        Entry::new("agreements.review", "agreement", id).at(a.place()),
    )
    .await?;
    tx.commit().await?;
    load(state, id).await
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
    // Authorized in renew_agreement > managed: AgreementsManage
    renew_agreement(&state, &ctx, id, r)
        .await
        .map(|x| (StatusCode::CREATED, Json(x)))
}

/// Ends the agreement and drafts its renewal with the same obligations, in one transaction.
pub async fn renew_agreement(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    r: RenewInput,
) -> Result<Agreement, AppError> {
    let a = managed(state, ctx, id).await?;
    if !a.status.renewable() {
        return Err(AppError::conflict("agreements.not_in_force"));
    }
    let from = a
        .valid_to
        .parse::<jiff::civil::Date>()
        .map_err(AppError::internal)?
        .tomorrow()
        .map_err(AppError::internal)?;
    let to = crate::platform::time::parse_day("valid_to", &r.valid_to)?;
    if to <= from {
        return Err(AppError::invalid("valid_to", "input.term_order"));
    }
    // Read before the transaction: on PostgreSQL a transaction waiting on a read holds one of
    // the pool's connections while it asks for another.
    let obligations = obligation_list(state, id).await?;
    let mut tx = state.db.begin().await?;
    // Guarded, and first: of concurrent renewals one ends the old agreement and drafts the new
    // one; the others find it ended (409) and draft nothing.
    let moved = sqlx::query(
        "UPDATE agreements SET status = 'ended' WHERE id = $1 AND status IN ('in_force', 'reviewed')",
    )
    .bind(id)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    crate::platform::state::moved(moved, "agreements.not_in_force")?;
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
    audit::record(
        &mut tx,
        &ctx.actor(),
        Entry::new("agreements.renew", "agreement", id)
            .at(a.place())
            .detail(format!("renewed as {nid}")),
    )
    .await?;
    tx.commit().await?;
    load(state, nid).await
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

#[derive(Deserialize, IntoParams, Default)]
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
    // Authorized in review_items > search: AgreementsRead
    review_items(&state, &ctx, q).await.map(Json)
}

/// The yearly review list: each agreement in force or reviewed with its performance counted.
pub async fn review_items(
    state: &AppState,
    ctx: &Ctx,
    q: ReviewQuery,
) -> Result<ReviewList, AppError> {
    let mut items = Vec::new();
    for status in [AgreementStatus::InForce, AgreementStatus::Reviewed] {
        let aq = AgreementQuery {
            community_id: q.community_id,
            status: Some(status.as_str().into()),
            ..Default::default()
        };
        for a in search(state, ctx, &aq).await? {
            let obligations = obligation_list(state, a.id).await?;
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
    Ok(ReviewList {
        committee_breaches: items.iter().map(|i| i.agreement.committee_breaches).sum(),
        household_breaches: items.iter().map(|i| i.agreement.household_breaches).sum(),
        items,
    })
}

crate::workflow_state! {
    /// Where an agreement stands (M20). Stored: `draft`, `in_force`, `reviewed`, `ended`. The
    /// dated ones follow from the dates by themselves (`standing`): a stored `in_force` or
    /// `reviewed` reads as `signed` before its first day and as `lapsed` after its last.
    pub enum AgreementStatus {
        Draft = "draft",
        Signed = "signed",
        InForce = "in_force",
        Reviewed = "reviewed",
        Lapsed = "lapsed",
        Ended = "ended",
    }
}

impl AgreementStatus {
    /// In force today: obligations checked, reviewed, breaches recorded.
    pub fn in_force(self) -> bool {
        matches!(self, AgreementStatus::InForce | AgreementStatus::Reviewed)
    }
    /// Signed and not yet ended by a renewal, whatever its dates: it may be renewed.
    pub fn renewable(self) -> bool {
        self.in_force() || self == AgreementStatus::Lapsed
    }
}

/// M9: where a signed agreement stands on a day, from its dates: in force from its first day
/// to its last, before that only signed, after that lapsed. Nobody moves it; a stored
/// `in_force` or `reviewed` outside its dates never counts as in force.
pub fn standing(
    stored: AgreementStatus,
    valid_from: &str,
    valid_to: &str,
    on: &str,
) -> AgreementStatus {
    match stored {
        s if s.in_force() && on < valid_from => AgreementStatus::Signed,
        s if s.in_force() && on > valid_to => AgreementStatus::Lapsed,
        s => s,
    }
}

/// Whether it is in force today (obligations checked, reviewed, breaches recorded).
pub fn in_force(a: &Agreement) -> bool {
    a.status.in_force()
}

/// How many of a community's agreements are in force today and not yet reviewed this year: the
/// yearly review the assembly is waiting for.
pub async fn due_for_review(
    pool: &crate::platform::reader::Reader,
    community: i64,
    today: jiff::civil::Date,
) -> Result<i64, AppError> {
    let day = today.to_string();
    let year_start = format!("{}-01-01", today.year());
    Ok(sqlx::query(
        "SELECT COUNT(*) AS n FROM agreements WHERE community_id = $1 AND status IN ('in_force', 'reviewed') \
         AND valid_from <= $2 AND valid_to >= $2 AND (reviewed_on IS NULL OR reviewed_on < $3)",
    )
    .bind(community)
    .bind(&day)
    .bind(&year_start)
    .fetch_one(pool)
    .await?
    .try_get("n")?)
}
