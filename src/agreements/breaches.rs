//! Breaches by either party (M20): recorded only for a day the agreement was in force; a
//! committee breach counts against the community in its assessment.

use crate::platform::web::Path;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use sqlx::Row;
use utoipa::ToSchema;

use super::performance::PARTIES;
use super::{AgreementStatus, managed};
use crate::audit::{self, Entry};
use crate::auth::Ctx;
use crate::platform::AppState;
use crate::platform::error::AppError;
use crate::platform::input::{date_or_today, text};
use crate::platform::time;
use crate::platform::web::ApiJson;

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

pub async fn breach_list(state: &AppState, id: i64) -> Result<Vec<Breach>, AppError> {
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
    // Authorized in super::read_audited > readable: AgreementsRead
    super::read_audited(&state, &ctx, id, ": breaches").await?;
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
    ApiJson(b): ApiJson<Breach>,
) -> Result<(StatusCode, Json<Breach>), AppError> {
    // Authorized in record_breach > managed: AgreementsManage
    record_breach(&state, &ctx, id, b)
        .await
        .map(|x| (StatusCode::CREATED, Json(x)))
}

/// Records a breach by either party on a day the agreement was in force.
pub async fn record_breach(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    mut b: Breach,
) -> Result<Breach, AppError> {
    let a = managed(state, ctx, id).await?;
    if !PARTIES.contains(&b.party.as_str()) {
        return Err(AppError::invalid("party", "agreements.bad_party"));
    }
    b.description = text("description", &b.description, 1000)?;
    if b.remedy.chars().count() > 1000 {
        return Err(AppError::invalid("remedy", "input.bad_text").arg("max", 1000));
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
            .field("occurred_on")
            .arg("date", date)
            .arg("from", &a.valid_from)
            .arg("to", &a.valid_to)
    };
    if matches!(a.status, AgreementStatus::Draft | AgreementStatus::Ended) {
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
    Ok(b)
}

/// Breaches recorded against the committee in a community over a period (for the assessment).
pub async fn committee_breaches(
    pool: &crate::platform::reader::Reader,
    community: i64,
    from: &str,
    to: &str,
) -> Result<i64, sqlx::Error> {
    sqlx::query(
        "SELECT COUNT(*) AS n FROM agreement_breaches b JOIN agreements a ON a.id = b.agreement_id \
         WHERE a.community_id = $1 AND b.party = 'committee' AND b.occurred_on >= $2 AND b.occurred_on <= $3",
    )
    .bind(community)
    .bind(from)
    .bind(to)
    .fetch_one(pool)
    .await?
    .try_get("n")
}
