//! Paper ballots: a batch is entered by one worker and counts only once a second worker has
//! entered the same ballots again.

use crate::platform::web::Path;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use sqlx::Row;
use utoipa::ToSchema;

use super::ballots::{check_ballot, put_ballot};
use super::{Election, load};
use crate::audit::{self, Entry};
use crate::auth::{Action, Ctx, Target};
use crate::platform::AppState;
use crate::platform::db::Tx;
use crate::platform::error::AppError;
use crate::platform::time;
use crate::platform::web::ApiJson;

#[derive(Serialize, ToSchema)]
pub struct PaperBatch {
    pub id: i64,
    pub label: String,
    pub ballots: i64,
    pub entered_by: String,
    pub confirmed_by: Option<String>,
    /// `entered` (not yet counted) or `confirmed`.
    pub status: String,
}

#[derive(Serialize, ToSchema)]
pub struct PaperBatchList {
    pub items: Vec<PaperBatch>,
    pub total: i64,
}

async fn batch_list(state: &AppState, id: i64) -> Result<Vec<PaperBatch>, AppError> {
    let rows = sqlx::query(
        "SELECT p.id, p.label, p.ballots, e.display_name AS entered, c.display_name AS confirmed FROM election_paper_batches p \
         JOIN users e ON e.id = p.entered_by LEFT JOIN users c ON c.id = p.confirmed_by WHERE p.election_id = $1 ORDER BY p.id",
    )
    .bind(id)
    .fetch_all(state.db.read())
    .await?;
    Ok(rows
        .iter()
        .map(|r| {
            let confirmed: Option<String> = r.try_get("confirmed")?;
            Ok(PaperBatch {
                id: r.try_get("id")?,
                label: r.try_get("label")?,
                ballots: r.try_get("ballots")?,
                entered_by: r.try_get("entered")?,
                status: if confirmed.is_some() {
                    "confirmed"
                } else {
                    "entered"
                }
                .into(),
                confirmed_by: confirmed,
            })
        })
        .collect::<Result<_, sqlx::Error>>()?)
}

/// The paper ballot batches and who entered and confirmed each.
#[utoipa::path(get, path = "/api/v1/elections/{id}/paper-batches", tag = "council", params(("id" = i64, Path)),
    security(("bearer" = [])), responses((status = 200, body = PaperBatchList), (status = 403)))]
pub(super) async fn batches(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<Json<PaperBatchList>, AppError> {
    let e = load(state.db.read(), id).await?;
    ctx.require(Action::ElectionsManage, Target::At(e.place()))?;
    let items = batch_list(&state, id).await?;
    Ok(Json(PaperBatchList {
        total: items.len() as i64,
        items,
    }))
}

#[derive(Deserialize, ToSchema)]
pub struct BatchInput {
    /// As written on the box or the tally sheet: "1号投票箱".
    pub label: String,
    /// One list of marked candidates (nomination ids) per paper ballot.
    pub ballots: Vec<Vec<i64>>,
}

/// The batch's ballots in a canonical order, for comparing two entries.
async fn canonical(
    tx: &mut Tx,
    e: &Election,
    ballots: &[Vec<i64>],
) -> Result<Vec<String>, AppError> {
    if ballots.is_empty() || ballots.len() > 5000 {
        return Err(AppError::invalid("ballots", "elections.batch_size"));
    }
    let mut out = Vec::with_capacity(ballots.len());
    for b in ballots {
        out.push(check_ballot(tx, e, b).await?);
    }
    out.sort();
    Ok(out)
}

/// Enter a batch of paper ballots (first entry). It counts only once confirmed.
#[utoipa::path(post, path = "/api/v1/elections/{id}/paper-batches", tag = "council", params(("id" = i64, Path)),
    request_body = BatchInput, security(("bearer" = [])),
    responses((status = 201, body = PaperBatch), (status = 403), (status = 409), (status = 422)))]
pub(super) async fn enter_batch(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    ApiJson(b): ApiJson<BatchInput>,
) -> Result<(StatusCode, Json<PaperBatch>), AppError> {
    let e = load(state.db.read(), id).await?;
    ctx.require(Action::ElectionsManage, Target::At(e.place()))?;
    if !e.voting() {
        return Err(AppError::conflict("elections.not_voting"));
    }
    let label = b.label.trim();
    if label.is_empty() || label.chars().count() > 40 {
        return Err(AppError::invalid("label", "elections.batch_label"));
    }
    let mut tx = state.db.begin().await?;
    let entry = canonical(&mut tx, &e, &b.ballots).await?;
    let bid: i64 = sqlx::query(
        "INSERT INTO election_paper_batches (election_id, label, ballots, entry, entered_by, entered_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(id)
    .bind(label)
    .bind(entry.len() as i64)
    .bind(entry.join(";"))
    .bind(ctx.user.as_ref().map(|u| u.id))
    .bind(time::now_db())
    .fetch_one(&mut *tx)
    .await?
    .try_get("id")?;
    for ballot in &entry {
        put_ballot(&mut tx, id, ballot, Some(bid)).await?;
    }
    audit::record(
        &mut tx,
        &ctx.actor(),
        Entry::new("elections.enter_batch", "election", id)
            .at(e.place())
            .detail(format!("batch {bid}: {} ballots", entry.len())),
    )
    .await?;
    tx.commit().await?;
    let item = batch_list(&state, id)
        .await?
        .into_iter()
        .find(|x| x.id == bid)
        .ok_or_else(AppError::not_found)?;
    Ok((StatusCode::CREATED, Json(item)))
}

/// Confirm a batch by entering it again: a second person, the same ballots. Then it counts.
#[utoipa::path(post, path = "/api/v1/elections/{id}/paper-batches/{batch}/confirm", tag = "council",
    params(("id" = i64, Path), ("batch" = i64, Path)), request_body = BatchInput, security(("bearer" = [])),
    responses((status = 200, body = PaperBatch), (status = 403), (status = 409), (status = 422)))]
pub(super) async fn confirm_batch(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, bid)): Path<(i64, i64)>,
    ApiJson(b): ApiJson<BatchInput>,
) -> Result<Json<PaperBatch>, AppError> {
    let e = load(state.db.read(), id).await?;
    ctx.require(Action::ElectionsManage, Target::At(e.place()))?;
    if !e.voting() {
        return Err(AppError::conflict("elections.not_voting"));
    }
    let mut tx = state.db.begin().await?;
    let row = sqlx::query("SELECT entry, entered_by, confirmed_at FROM election_paper_batches WHERE id = $1 AND election_id = $2")
        .bind(bid)
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(AppError::not_found)?;
    if row.try_get::<Option<String>, _>("confirmed_at")?.is_some() {
        return Err(AppError::conflict("elections.batch_confirmed"));
    }
    if ctx.user.as_ref().map(|u| u.id) == Some(row.try_get::<i64, _>("entered_by")?) {
        return Err(AppError::conflict("elections.second_person"));
    }
    let entry = canonical(&mut tx, &e, &b.ballots).await?;
    if entry.join(";") != row.try_get::<String, _>("entry")? {
        return Err(AppError::invalid("ballots", "elections.batch_mismatch"));
    }
    sqlx::query(
        "UPDATE election_paper_batches SET confirmed_by = $1, confirmed_at = $2 WHERE id = $3",
    )
    .bind(ctx.user.as_ref().map(|u| u.id))
    .bind(time::now_db())
    .bind(bid)
    .execute(&mut *tx)
    .await?;
    audit::record(
        &mut tx,
        &ctx.actor(),
        Entry::new("elections.confirm_batch", "election", id)
            .at(e.place())
            .detail(format!("batch {bid}")),
    )
    .await?;
    tx.commit().await?;
    batch_list(&state, id)
        .await?
        .into_iter()
        .find(|x| x.id == bid)
        .map(Json)
        .ok_or_else(AppError::not_found)
}
