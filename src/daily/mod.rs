//! Daily work (M13, M14, M16, M17): the building leader's three notebooks (`notebooks.rs`),
//! workers' patrols and weekly meetings (`patrols.rs`), visits and their coverage (`visits.rs`),
//! the weekly public-sentiment bulletin (`bulletins.rs`), services and deliveries
//! (`services.rs`), and aid plans for households in difficulty (`aid.rs`). Findings become cases
//! in one step through the cases area's intake.

pub mod aid;
pub mod bulletins;
pub mod bulletins_web;
pub mod care_web;
pub mod choices;
pub mod coverage;
pub mod family_planning;
pub mod family_planning_web;
pub mod notebooks;
pub mod patrols;
pub mod policy_documents;
pub mod policy_documents_web;
pub mod regularity;
pub mod routine_web;
pub mod services;
pub mod trainings;
pub mod visits;
pub mod visits_web;
pub mod web;

pub use web::pages;

use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::{Ctx, Place};
use crate::cases::intake::{CaseInput, Prepared, insert, prepare};
use crate::platform::AppState;
use crate::platform::db::Tx;
use crate::platform::error::AppError;

// The place and scope helpers every area shares, as the daily-work modules name them.
use crate::auth::scope::scoped;
use crate::platform::db::dated;
use crate::registry::places::community_place;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(notebooks::list, notebooks::create))
        .routes(routes!(patrols::list, patrols::create))
        .routes(routes!(patrols::meetings, patrols::add_meeting))
        .routes(routes!(visits::list, visits::create))
        .routes(routes!(coverage::coverage_report))
        .routes(routes!(bulletins::list, bulletins::draft))
        .routes(routes!(bulletins::edit))
        .routes(routes!(bulletins::publish))
        .routes(routes!(services::list, services::create))
        .routes(routes!(aid::list, aid::create))
        .routes(routes!(aid::act))
        .routes(routes!(aid::review))
        .routes(routes!(family_planning_web::ledger_api))
        .routes(routes!(family_planning_web::payment_create))
        .routes(routes!(family_planning_web::third_create))
        .routes(routes!(
            policy_documents_web::list_api,
            policy_documents_web::send_api
        ))
        .routes(routes!(policy_documents_web::households_api))
        .routes(routes!(policy_documents_web::ack_api))
        .routes(routes!(trainings::list, trainings::create))
}

/// A finding to be filed as a case in the same step.
#[derive(Deserialize, ToSchema, Clone, Default)]
pub struct NewCase {
    /// A case category code, e.g. `repairs`, `public_facility`.
    pub category: String,
    /// Defaults to the entry's own text.
    pub description: Option<String>,
}

/// Checks the finding as a case in the building (or community) through the cases area's intake,
/// on the channel of the one who found it. The record that found it stores it
/// (`cases::intake::insert`) in its own transaction, so that both are kept or neither.
pub async fn prepare_case(
    state: &AppState,
    ctx: &Ctx,
    c: &NewCase,
    text: &str,
    place: Place,
) -> Result<Prepared, AppError> {
    let channel = if ctx.has_role(crate::auth::Role::CommunityWorker)
        || ctx.has_role(crate::auth::Role::CommunityHead)
    {
        "patrol"
    } else {
        "quick_report"
    };
    prepare(
        state,
        ctx,
        &CaseInput {
            category: c.category.clone(),
            description: c
                .description
                .clone()
                .filter(|d| !d.trim().is_empty())
                .unwrap_or_else(|| text.to_owned()),
            building_id: place.building_id,
            community_id: place.community_id,
            channel: Some(channel.into()),
            ..Default::default()
        },
        None,
    )
    .await
}

/// Stores the prepared cases (`prepare_case`) inside the transaction of the record that found
/// them; gives each one's id, `None` where there was no case to file.
pub async fn insert_cases(
    tx: &mut Tx,
    ready: &[Option<Prepared>],
) -> Result<Vec<Option<i64>>, AppError> {
    let mut ids = Vec::with_capacity(ready.len());
    for r in ready {
        ids.push(match r {
            Some(r) => Some(insert(tx, r).await?.id),
            None => None,
        });
    }
    Ok(ids)
}
