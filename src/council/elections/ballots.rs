//! Secret ballots. Online: an eligible voter votes once, inside the window; the voter is marked
//! in `election_voters` and the ballot goes, under a random key and with no time, into
//! `election_ballots`; nothing joins the two. Paper ballots are in `paper.rs`.

use crate::platform::web::Path;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use sqlx::Row;
use utoipa::ToSchema;

use super::nominate::participant;
use super::{Election, Electorate, load, readable};
use crate::audit::{self, Entry};
use crate::auth::Ctx;
use crate::platform::AppState;
use crate::platform::db::Tx;
use crate::platform::error::AppError;
use crate::platform::time;
use crate::platform::web::ApiJson;

/// A ballot as the recount sees it.
#[derive(Serialize, ToSchema)]
pub struct Ballot {
    /// A random key: it orders the list and says nothing about who or when.
    pub token: String,
    /// The candidates (nomination ids) marked; empty for a blank ballot.
    pub choices: Vec<i64>,
    pub paper: bool,
}

#[derive(Serialize, ToSchema)]
pub struct BallotList {
    pub items: Vec<Ballot>,
    pub total: i64,
}

/// A stored ballot's choices (`3,7`; empty for a blank ballot). A mark that is not a
/// candidate's number is a broken ballot, an error, never a mark silently dropped.
pub fn parse_choices(s: &str) -> Result<Vec<i64>, sqlx::Error> {
    s.split(',')
        .filter(|x| !x.is_empty())
        .map(|x| x.parse().map_err(|e| sqlx::Error::Decode(Box::new(e))))
        .collect()
}

/// The ballots that count: online ones and confirmed paper batches.
pub async fn counted<'e, E: sqlx::Executor<'e, Database = sqlx::Any>>(
    ex: E,
    election: i64,
) -> Result<Vec<Ballot>, AppError> {
    let rows = sqlx::query(
        "SELECT b.token, b.choices, b.batch_id FROM election_ballots b LEFT JOIN election_paper_batches p ON p.id = b.batch_id \
         WHERE b.election_id = $1 AND (b.batch_id IS NULL OR p.confirmed_at IS NOT NULL) ORDER BY b.token",
    )
    .bind(election)
    .fetch_all(ex)
    .await?;
    Ok(rows
        .iter()
        .map(|r| {
            Ok(Ballot {
                token: r.try_get("token")?,
                choices: parse_choices(&r.try_get::<String, _>("choices")?)?,
                paper: r.try_get::<Option<i64>, _>("batch_id")?.is_some(),
            })
        })
        .collect::<Result<_, sqlx::Error>>()?)
}

/// Every counted ballot, once the tally is made, so that anyone can recount.
#[utoipa::path(get, path = "/api/v1/elections/{id}/ballots", tag = "council", params(("id" = i64, Path)),
    responses((status = 200, body = BallotList), (status = 409)))]
pub(super) async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<Json<BallotList>, AppError> {
    // Authorized in readable > may_see: BodiesRead (in a community whose bodies the caller may see)
    let e = readable(&state, &ctx, id).await?;
    if !e.status.has_result() {
        return Err(AppError::conflict("elections.not_tallied"));
    }
    let items = counted(state.db.read(), id).await?;
    Ok(Json(BallotList {
        total: items.len() as i64,
        items,
    }))
}

/// Checks a ballot: at most as many marks as seats, no candidate twice, every mark a standing
/// candidate of this election. Returns its stored form.
pub(super) async fn check_ballot(
    tx: &mut Tx,
    e: &Election,
    choices: &[i64],
) -> Result<String, AppError> {
    let mut sorted = choices.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    if sorted.len() != choices.len() {
        return Err(AppError::invalid("choices", "elections.marked_twice"));
    }
    if sorted.len() as i64 > e.seats {
        return Err(AppError::invalid("choices", "elections.too_many_marks").arg("seats", e.seats));
    }
    let standing: Vec<i64> = sqlx::query(
        "SELECT id FROM election_nominations WHERE election_id = $1 AND disqualified = 0",
    )
    .bind(e.id)
    .fetch_all(&mut **tx)
    .await?
    .iter()
    .map(|r| r.try_get("id"))
    .collect::<Result<_, _>>()?;
    if sorted.iter().any(|c| !standing.contains(c)) {
        return Err(AppError::invalid("choices", "elections.unknown_candidate"));
    }
    Ok(sorted
        .iter()
        .map(i64::to_string)
        .collect::<Vec<_>>()
        .join(","))
}

pub(super) async fn put_ballot(
    tx: &mut Tx,
    election: i64,
    choices: &str,
    batch: Option<i64>,
) -> Result<(), AppError> {
    sqlx::query("INSERT INTO election_ballots (token, election_id, choices, batch_id) VALUES ($1, $2, $3, $4)")
        .bind(format!("{:032x}", rand::random::<u128>()))
        .bind(election)
        .bind(choices)
        .bind(batch)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

#[derive(Deserialize, ToSchema)]
pub struct VoteInput {
    /// The candidates (nomination ids) to mark, at most as many as there are seats; empty for
    /// a blank ballot.
    pub choices: Vec<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct Voted {
    pub counted: bool,
}

/// Cast a secret ballot online: once, inside the voting window, if the caller is in the
/// electorate.
#[utoipa::path(post, path = "/api/v1/elections/{id}/ballots", tag = "council", params(("id" = i64, Path)),
    request_body = VoteInput, security(("bearer" = [])),
    responses((status = 201, body = Voted), (status = 401), (status = 403), (status = 409), (status = 422)))]
pub(super) async fn vote(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    ApiJson(v): ApiJson<VoteInput>,
) -> Result<(StatusCode, Json<Voted>), AppError> {
    // Authorized in cast > participant: Participate
    cast(&state, &ctx, id, &v.choices).await?;
    Ok((StatusCode::CREATED, Json(Voted { counted: true })))
}

/// How many may vote in `e` (its roll): the adults living in its building or community, or
/// the community's resident representatives — the same test as `cast`'s.
pub async fn roll(tx: &mut Tx, e: &Election) -> Result<i64, AppError> {
    let today = time::today();
    let adult_born_by = today
        .checked_sub(jiff::Span::new().years(18))
        .map_err(AppError::internal)?
        .to_string();
    let (place, extra, at) = match e.electorate {
        Electorate::Building => ("building_id = $1", "", e.building_id),
        Electorate::Representatives => {
            ("community_id = $1", "AND rep_resident = 1", e.community_id)
        }
        Electorate::Community => ("community_id = $1", "", e.community_id),
    };
    Ok(sqlx::query(&format!(
        "SELECT COUNT(*) AS n FROM residents WHERE {place} {extra} AND birth_date <= $2 \
         AND status = 'living' AND locked_at IS NULL"
    ))
    .bind(at)
    .bind(adult_born_by)
    .fetch_one(&mut **tx)
    .await?
    .try_get("n")?)
}

pub async fn cast(state: &AppState, ctx: &Ctx, id: i64, choices: &[i64]) -> Result<(), AppError> {
    let e = load(state.db.read(), id).await?;
    let p = participant(state, ctx, e.community_id, "elections.vote_signed_in").await?;
    let eligible = p.adult
        && match e.electorate {
            Electorate::Building => e.building_id == Some(p.building_id),
            Electorate::Representatives => p.representative,
            Electorate::Community => true,
        };
    if !eligible {
        return Err(AppError::new(
            StatusCode::FORBIDDEN,
            "elections.not_eligible",
        ));
    }
    if !e.voting() {
        return Err(AppError::conflict("elections.not_voting"));
    }
    let now = time::now();
    let inside = |s: &Option<String>| s.as_deref().and_then(|s| s.parse::<jiff::Timestamp>().ok());
    if inside(&e.voting_opens).is_some_and(|o| now < o)
        || inside(&e.voting_closes).is_none_or(|c| now >= c)
    {
        return Err(AppError::conflict("elections.window_closed"));
    }
    let mut tx = state.db.begin().await?;
    let stored = check_ballot(&mut tx, &e, choices).await?;
    let voted: i64 = sqlx::query(
        "SELECT COUNT(*) AS n FROM election_voters WHERE election_id = $1 AND user_id = $2",
    )
    .bind(id)
    .bind(p.user_id)
    .fetch_one(&mut *tx)
    .await?
    .try_get("n")?;
    if voted > 0 {
        return Err(AppError::conflict("elections.voted_already"));
    }
    sqlx::query("INSERT INTO election_voters (election_id, user_id) VALUES ($1, $2)")
        .bind(id)
        .bind(p.user_id)
        .execute(&mut *tx)
        .await?;
    put_ballot(&mut tx, id, &stored, None).await?;
    // The log says who voted, never how.
    audit::record(
        &mut tx,
        &ctx.actor(),
        Entry::new("elections.vote", "election", id).at(e.place()),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
