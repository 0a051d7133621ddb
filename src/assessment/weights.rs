//! The assessment's weights: the street sets how much each component counts, in percent,
//! summing to 100. Until it does, `DEFAULT_WEIGHTS`.

use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use sqlx::Row;
use utoipa::ToSchema;

use super::{COMPONENTS, DEFAULT_WEIGHTS, Weight};
use crate::audit::{self, Entry};
use crate::auth::{Action, Ctx, Place, Target};
use crate::platform::AppState;
use crate::platform::error::AppError;
use crate::platform::time;
use crate::platform::web::ApiJson;

pub async fn of_street(state: &AppState, street: i64) -> Result<[i64; 9], AppError> {
    let rows = sqlx::query("SELECT component, weight FROM assessment_weights WHERE street_id = $1")
        .bind(street)
        .fetch_all(state.db.read())
        .await?;
    if rows.is_empty() {
        return Ok(DEFAULT_WEIGHTS);
    }
    let mut w = [0i64; 9];
    for r in &rows {
        let c: String = r.try_get("component")?;
        if let Some(i) = COMPONENTS.iter().position(|x| *x == c) {
            w[i] = r.try_get("weight")?;
        }
    }
    Ok(w)
}

#[derive(Serialize, Deserialize, ToSchema)]
pub struct Weights {
    pub street_id: i64,
    pub weights: Vec<Weight>,
}

/// The weights in force for the caller's street.
#[utoipa::path(get, path = "/api/v1/assessment/weights", tag = "assessment", security(("bearer" = [])),
    responses((status = 200, body = Weights), (status = 403)))]
pub(super) async fn get_weights(
    State(state): State<AppState>,
    ctx: Ctx,
) -> Result<Json<Weights>, AppError> {
    // Authorized in super::compute::reach: AssessmentRead
    let reach = super::compute::reach(&state, &ctx).await?;
    let w = of_street(&state, reach.street).await?;
    Ok(Json(Weights {
        street_id: reach.street,
        weights: listed(&w),
    }))
}

pub fn listed(w: &[i64; 9]) -> Vec<Weight> {
    COMPONENTS
        .iter()
        .zip(w)
        .map(|(c, w)| Weight {
            component: (*c).to_owned(),
            weight: *w,
        })
        .collect()
}

#[derive(Deserialize, ToSchema)]
pub struct WeightsInput {
    /// Every component once, percent 0–100, summing to 100.
    pub weights: Vec<Weight>,
}

/// Check and order the weights: each component once, 0–100, summing to 100.
pub fn checked(input: &[Weight]) -> Result<[i64; 9], AppError> {
    let mut w = [-1i64; 9];
    for x in input {
        let i = COMPONENTS
            .iter()
            .position(|c| *c == x.component)
            .ok_or_else(|| {
                AppError::invalid("weights", "assessment.unknown_component")
                    .arg("component", x.component.clone())
            })?;
        if !(0..=100).contains(&x.weight) || w[i] >= 0 {
            return Err(AppError::invalid("weights", "assessment.bad_weight")
                .arg("component", x.component.clone()));
        }
        w[i] = x.weight;
    }
    for (i, x) in w.iter_mut().enumerate() {
        if *x < 0 {
            return Err(AppError::invalid("weights", "assessment.missing_weight")
                .arg("component", COMPONENTS[i]));
        }
    }
    let sum: i64 = w.iter().sum();
    if sum != 100 {
        return Err(
            AppError::invalid("weights", "assessment.weights_sum").arg("sum", sum.to_string())
        );
    }
    Ok(w)
}

pub async fn set(state: &AppState, ctx: &Ctx, input: &[Weight]) -> Result<[i64; 9], AppError> {
    let reach = super::compute::reach(state, ctx).await?;
    let place = Place {
        street_id: Some(reach.street),
        community_id: None,
        building_id: None,
    };
    ctx.require(Action::AssessmentConfigure, Target::At(place))?;
    let w = checked(input)?;
    let now = time::now_db();
    let mut tx = state.db.begin().await?;
    sqlx::query("DELETE FROM assessment_weights WHERE street_id = $1")
        .bind(reach.street)
        .execute(&mut *tx)
        .await?;
    for (c, x) in COMPONENTS.iter().zip(w) {
        sqlx::query("INSERT INTO assessment_weights (street_id, component, weight, updated_by, updated_at) VALUES ($1, $2, $3, $4, $5)")
            .bind(reach.street)
            .bind(*c)
            .bind(x)
            .bind(ctx.user.as_ref().map(|u| u.id))
            .bind(&now)
            .execute(&mut *tx)
            .await?;
    }
    let detail = COMPONENTS
        .iter()
        .zip(w)
        .map(|(c, x)| format!("{c}={x}"))
        .collect::<Vec<_>>()
        .join(" ");
    audit::record(
        &mut tx,
        &ctx.actor(),
        Entry::new("assessment.weights", "street", reach.street)
            .at(place)
            .detail(detail),
    )
    .await?;
    tx.commit().await?;
    Ok(w)
}

/// Set the street's weights (street officers).
#[utoipa::path(put, path = "/api/v1/assessment/weights", tag = "assessment", request_body = WeightsInput, security(("bearer" = [])),
    responses((status = 200, body = Weights), (status = 403), (status = 422)))]
pub(super) async fn put_weights(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiJson(input): ApiJson<WeightsInput>,
) -> Result<Json<Weights>, AppError> {
    // Authorized in set: AssessmentConfigure
    let w = set(&state, &ctx, &input.weights).await?;
    let reach = super::compute::reach(&state, &ctx).await?;
    Ok(Json(Weights {
        street_id: reach.street,
        weights: listed(&w),
    }))
}
