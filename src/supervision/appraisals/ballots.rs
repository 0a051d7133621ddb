//! The ballot: a representative's choices, stored under a random key with no voter and no
//! time; closing tallies the stored ballots, and anyone may recount them.

use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use sqlx::Row;
use utoipa::ToSchema;

use super::{AppraisalStatus, CHOICES, Subject, load, readable};
use crate::audit::{self, Entry};
use crate::auth::Ctx;
use crate::platform::AppState;
use crate::platform::db::Tx;
use crate::platform::error::AppError;
use crate::platform::state;
use crate::platform::time;
#[derive(Deserialize, ToSchema, Clone)]
pub struct Choice {
    pub subject_id: i64,
    /// satisfied (满意), basically (基本满意) or unsatisfied (不满意).
    pub choice: String,
}

#[derive(Deserialize, ToSchema)]
pub struct BallotInput {
    /// One choice for every cadre appraised.
    pub choices: Vec<Choice>,
}

/// A representative's secret ballot: who voted is recorded apart from what they chose.
pub async fn vote(state: &AppState, ctx: &Ctx, id: i64, b: &BallotInput) -> Result<(), AppError> {
    // Authorized in crate::registry::participant::participant: Participate
    let a = load(state, id).await?;
    let p = crate::registry::participant::participant(
        state,
        ctx,
        Some(a.community_id),
        "appraisal.sign_in",
    )
    .await?;
    let on_roll: i64 = sqlx::query(
        "SELECT COUNT(*) AS n FROM appraisal_roll WHERE appraisal_id = $1 AND resident_id = $2",
    )
    .bind(id)
    .bind(p.resident_id)
    .fetch_one(state.db.read())
    .await?
    .try_get("n")?;
    if p.community_id != a.community_id || on_roll == 0 {
        return Err(AppError::new(
            StatusCode::FORBIDDEN,
            "appraisal.not_representative",
        ));
    }
    if !a.is_open() || a.closes_on < time::today().to_string() {
        return Err(AppError::conflict("appraisal.closed"));
    }
    let mut marks = Vec::new();
    for s in &a.subjects {
        let c = b
            .choices
            .iter()
            .find(|c| c.subject_id == s.id)
            .ok_or_else(|| {
                AppError::invalid("choices", "appraisal.choice_missing").arg("name", s.name.clone())
            })?;
        let i = CHOICES.iter().position(|x| *x == c.choice).ok_or_else(|| {
            AppError::invalid("choices", "appraisal.bad_choice").arg("name", s.name.clone())
        })?;
        marks.push(format!("{}:{}", s.id, CHOICES[i]));
    }
    if b.choices.len() != a.subjects.len() {
        return Err(AppError::invalid("choices", "appraisal.unknown_subject"));
    }
    let mut tx = state.db.begin().await?;
    // Still open, checked in the transaction: on PostgreSQL this waits for a concurrent close,
    // which counts after marking the appraisal closed, so no ballot lands after the count.
    let open = sqlx::query(
        "UPDATE appraisals SET status = status WHERE id = $1 AND status = $2 AND closes_on >= $3",
    )
    .bind(id)
    .bind(AppraisalStatus::Open)
    .bind(time::today().to_string())
    .execute(&mut *tx)
    .await?
    .rows_affected();
    state::moved(open, "appraisal.closed")?;
    let first = sqlx::query(
        "INSERT INTO appraisal_voters (appraisal_id, resident_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
    )
    .bind(id)
    .bind(p.resident_id)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if first == 0 {
        return Err(AppError::conflict("appraisal.already_voted"));
    }
    put_ballot(&mut tx, id, &marks.join(",")).await?;
    audit::record(
        &mut tx,
        &ctx.actor(),
        Entry::new("appraisal.vote", "appraisal", id).at(a.place()),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Store one ballot: a random key, the appraisal, the marks — nothing else.
pub async fn put_ballot(tx: &mut Tx, appraisal: i64, marks: &str) -> Result<(), AppError> {
    sqlx::query("INSERT INTO appraisal_ballots (token, appraisal_id, choices) VALUES ($1, $2, $3)")
        .bind(format!("{:032x}", rand::random::<u128>()))
        .bind(appraisal)
        .bind(marks)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

#[derive(Serialize, ToSchema)]
pub struct StoredBallot {
    /// A random key: it orders the list and says nothing about who or when.
    pub token: String,
    /// subject_id:choice, comma-separated.
    pub choices: String,
}

pub(super) async fn ballots(tx: &mut Tx, id: i64) -> Result<Vec<StoredBallot>, AppError> {
    Ok(sqlx::query(
        "SELECT token, choices FROM appraisal_ballots WHERE appraisal_id = $1 ORDER BY token",
    )
    .bind(id)
    .fetch_all(&mut **tx)
    .await?
    .iter()
    .map(|r| {
        Ok(StoredBallot {
            token: r.try_get("token")?,
            choices: r.try_get("choices")?,
        })
    })
    .collect::<Result<_, sqlx::Error>>()?)
}

/// Count the ballots: for each subject, (满意, 基本满意, 不满意).
pub fn tally(ballots: &[StoredBallot], subjects: &[Subject]) -> Vec<[i64; 3]> {
    let mut out = vec![[0i64; 3]; subjects.len()];
    for b in ballots {
        for mark in b.choices.split(',') {
            let Some((sid, choice)) = mark.split_once(':') else {
                continue;
            };
            let (Some(i), Some(j)) = (
                subjects.iter().position(|s| s.id.to_string() == sid),
                CHOICES.iter().position(|c| *c == choice),
            ) else {
                continue;
            };
            out[i][j] += 1;
        }
    }
    out
}

/// Every stored ballot of a closed appraisal, and the tally recounted from them.
#[derive(Serialize, ToSchema)]
pub struct Recount {
    pub ballots: Vec<StoredBallot>,
    /// True when recounting the stored ballots gives the published tally.
    pub matches: bool,
}

pub async fn recount(state: &AppState, ctx: &Ctx, id: i64) -> Result<Recount, AppError> {
    let a = readable(state, ctx, id).await?;
    if !a.is_closed() {
        return Err(AppError::conflict("appraisal.not_closed"));
    }
    let mut tx = state.db.begin().await?;
    let list = ballots(&mut tx, id).await?;
    tx.commit().await?;
    let counts = tally(&list, &a.subjects);
    let matches = a.ballots_counted == Some(list.len() as i64)
        && a.subjects.iter().zip(&counts).all(|(s, c)| {
            (s.satisfied, s.basically, s.unsatisfied) == (Some(c[0]), Some(c[1]), Some(c[2]))
        });
    Ok(Recount {
        ballots: list,
        matches,
    })
}
