//! An election's result, once tallied: the recorded tally, the turnout against the roll, and
//! a fresh recount from the stored ballots beside it.

use crate::platform::web::Path;
use axum::Json;
use axum::extract::State;
use serde::Serialize;
use utoipa::ToSchema;

use super::ballots::counted;
use super::lifecycle::count;
use super::{Election, readable};
use crate::auth::Ctx;
use crate::platform::AppState;
use crate::platform::error::AppError;

#[derive(Serialize, ToSchema)]
pub struct CandidateResult {
    pub nomination_id: i64,
    pub name: String,
    pub votes: i64,
    pub elected: bool,
}

#[derive(Serialize, ToSchema)]
pub struct ElectionResult {
    pub election_id: i64,
    pub status: super::ElectionStatus,
    pub seats: i64,
    pub ballots_counted: i64,
    pub blank_ballots: i64,
    /// Who could vote, counted at the tally: the turnout is `ballots_counted` of it.
    pub roll: Option<i64>,
    pub candidates: Vec<CandidateResult>,
    /// A recount from the stored ballots, made for this answer, agrees with the recorded tally.
    pub reproduced: bool,
}

/// The result, once tallied, with a fresh recount from the ballots beside it.
#[utoipa::path(get, path = "/api/v1/elections/{id}/result", tag = "council", params(("id" = i64, Path)),
    responses((status = 200, body = ElectionResult), (status = 409)))]
pub(super) async fn result(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<Json<ElectionResult>, AppError> {
    // Authorized in readable > may_see: BodiesRead (in a community whose bodies the caller may see)
    let e = readable(&state, &ctx, id).await?;
    Ok(Json(result_of(&state, &e).await?))
}

pub async fn result_of(state: &AppState, e: &Election) -> Result<ElectionResult, AppError> {
    if !e.status.has_result() {
        return Err(AppError::conflict("elections.not_tallied"));
    }
    let noms = super::nominate::nominations(state, e.id).await?;
    let ballots = counted(state.db.read(), e.id).await?;
    let standing: Vec<i64> = noms
        .iter()
        .filter(|n| !n.disqualified)
        .map(|n| n.id)
        .collect();
    let recount = count(&ballots, &standing, e.seats);
    let mut candidates: Vec<CandidateResult> = noms
        .iter()
        .filter(|n| !n.disqualified)
        .map(|n| CandidateResult {
            nomination_id: n.id,
            name: n.name.clone(),
            votes: n.votes.unwrap_or(0),
            elected: n.elected,
        })
        .collect();
    let reproduced = recount.ballots == e.ballots_counted.unwrap_or(-1)
        && recount.blank == e.blank_ballots.unwrap_or(-1)
        && candidates.iter().all(|c| {
            recount.votes.get(&c.nomination_id) == Some(&c.votes)
                && recount.elected.contains(&c.nomination_id) == c.elected
        });
    candidates.sort_by(|a, b| {
        b.votes
            .cmp(&a.votes)
            .then(a.nomination_id.cmp(&b.nomination_id))
    });
    Ok(ElectionResult {
        election_id: e.id,
        status: e.status,
        seats: e.seats,
        ballots_counted: e.ballots_counted.unwrap_or(0),
        blank_ballots: e.blank_ballots.unwrap_or(0),
        roll: e.roll,
        candidates,
        reproduced,
    })
}
