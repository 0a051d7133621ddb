//! Paper ballots for an appraisal (M10), as elections have them: representatives who mark a
//! paper ballot at the assembly are counted as well as those who vote on their phones. A batch
//! is entered by one person of the board (or the street) and counts only once a second person
//! has entered the same ballots again (rule E14); then its ballots join the stored ballots under
//! random keys. Paper and online ballots together never exceed the roll (E15), and an appraisal
//! is counted only once every batch is confirmed.
//!
//! A paper ballot is typed as one line: a digit for each cadre in the order listed, 1 满意,
//! 2 基本满意, 3 不满意 (`113` or `1 1 3`).

use serde::{Deserialize, Serialize};
use sqlx::Row;
use utoipa::ToSchema;

use super::{Appraisal, AppraisalStatus, CHOICES, load, put_ballot};
use crate::audit::{self, Entry};
use crate::auth::{Action, Ctx, Target};
use crate::platform::AppState;
use crate::platform::db::Tx;
use crate::platform::error::AppError;
use crate::platform::state;
use crate::platform::time;

#[derive(Clone, Serialize, ToSchema)]
#[schema(as = AppraisalPaperBatch)]
pub struct PaperBatch {
    pub id: i64,
    pub appraisal_id: i64,
    pub label: String,
    pub ballots: i64,
    /// Who entered it and who confirmed it, by name.
    pub entered_by: String,
    pub confirmed_by: Option<String>,
}

#[derive(Clone, Default, Deserialize, ToSchema)]
#[schema(as = AppraisalBatchInput)]
pub struct BatchInput {
    /// As written on the box or the tally sheet: 1号票箱.
    pub label: String,
    /// One line per paper ballot: a digit for each cadre in the order listed (1 满意, 2 基本满意,
    /// 3 不满意).
    pub ballots: Vec<String>,
}

/// The appraisal's batches, with who entered and confirmed each.
pub async fn batches(state: &AppState, appraisal: i64) -> Result<Vec<PaperBatch>, AppError> {
    let rows = sqlx::query(
        "SELECT p.id, p.appraisal_id, p.label, p.ballots, e.display_name AS entered, c.display_name AS confirmed \
         FROM appraisal_paper_batches p JOIN users e ON e.id = p.entered_by LEFT JOIN users c ON c.id = p.confirmed_by \
         WHERE p.appraisal_id = $1 ORDER BY p.id",
    )
    .bind(appraisal)
    .fetch_all(state.db.read())
    .await?;
    rows.iter()
        .map(|r| {
            Ok(PaperBatch {
                id: r.try_get("id")?,
                appraisal_id: r.try_get("appraisal_id")?,
                label: r.try_get("label")?,
                ballots: r.try_get("ballots")?,
                entered_by: r.try_get("entered")?,
                confirmed_by: r.try_get("confirmed")?,
            })
        })
        .collect::<Result<_, sqlx::Error>>()
        .map_err(Into::into)
}

/// One typed line as a ballot's marks (`subject:choice,…`, as online ballots store them).
fn marks(a: &Appraisal, line: &str, n: usize) -> Result<String, AppError> {
    let digits: Vec<char> = line.chars().filter(|c| !c.is_whitespace()).collect();
    let bad = || {
        AppError::invalid("ballots", "appraisal.paper_line")
            .arg("line", n)
            .arg("cadres", a.subjects.len())
    };
    if digits.len() != a.subjects.len() {
        return Err(bad());
    }
    a.subjects
        .iter()
        .zip(digits)
        .map(|(s, d)| match d {
            '1'..='3' => Ok(format!("{}:{}", s.id, CHOICES[d as usize - '1' as usize])),
            _ => Err(bad()),
        })
        .collect::<Result<Vec<_>, _>>()
        .map(|m| m.join(","))
}

/// The batch's ballots in canonical order, checked.
fn canonical(a: &Appraisal, lines: &[String]) -> Result<Vec<String>, AppError> {
    let lines: Vec<&str> = lines
        .iter()
        .map(|l| l.trim())
        .filter(|l| !l.is_empty())
        .collect();
    if lines.is_empty() || lines.len() > 5000 {
        return Err(AppError::invalid("ballots", "appraisal.paper_empty"));
    }
    let mut out = lines
        .iter()
        .enumerate()
        .map(|(i, l)| marks(a, l, i + 1))
        .collect::<Result<Vec<_>, _>>()?;
    out.sort();
    Ok(out)
}

/// Holds the appraisal open for the rest of the transaction, or 409.
async fn still_open(tx: &mut Tx, id: i64) -> Result<(), AppError> {
    let open = sqlx::query("UPDATE appraisals SET status = status WHERE id = $1 AND status = $2")
        .bind(id)
        .bind(AppraisalStatus::Open)
        .execute(&mut **tx)
        .await?
        .rows_affected();
    state::moved(open, "appraisal.closed")
}

/// The first entry of a batch; it counts once confirmed. Its id.
pub async fn enter_batch(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    b: &BatchInput,
) -> Result<i64, AppError> {
    let a = load(state, id).await?;
    ctx.require(Action::AppraisalsManage, Target::At(a.place()))?;
    let label = b.label.trim();
    if label.is_empty() || label.chars().count() > 40 {
        return Err(AppError::invalid("label", "appraisal.paper_label"));
    }
    let entry = canonical(&a, &b.ballots)?;
    let mut tx = state.db.begin().await?;
    still_open(&mut tx, id).await?;
    // E15: online voters and every paper ballot entered never exceed the roll.
    let row = sqlx::query(
        "SELECT (SELECT COUNT(*) FROM appraisal_voters WHERE appraisal_id = $1) AS online, \
         (SELECT CAST(COALESCE(SUM(ballots), 0) AS BIGINT) FROM appraisal_paper_batches WHERE appraisal_id = $1) AS paper, \
         (SELECT COUNT(*) FROM appraisal_roll WHERE appraisal_id = $1) AS roll",
    )
    .bind(id)
    .fetch_one(&mut *tx)
    .await?;
    let (online, paper, roll): (i64, i64, i64) = (
        row.try_get("online")?,
        row.try_get("paper")?,
        row.try_get("roll")?,
    );
    if online + paper + entry.len() as i64 > roll {
        return Err(AppError::invalid("ballots", "appraisal.paper_over_roll")
            .arg("online", online)
            .arg("paper", paper)
            .arg("roll", roll));
    }
    let bid: i64 = sqlx::query(
        "INSERT INTO appraisal_paper_batches (appraisal_id, label, ballots, entry, entered_by, entered_at) \
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
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
    audit::record(
        &mut tx,
        &ctx.actor(),
        Entry::new("appraisal.enter_batch", "appraisal", id)
            .at(a.place())
            .detail(format!("batch {bid}: {} ballots", entry.len())),
    )
    .await?;
    tx.commit().await?;
    Ok(bid)
}

/// The second entry: another person, the same ballots; then the batch's ballots are stored and
/// count. Once only.
pub async fn confirm_batch(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    batch: i64,
    b: &BatchInput,
) -> Result<(), AppError> {
    let a = load(state, id).await?;
    ctx.require(Action::AppraisalsManage, Target::At(a.place()))?;
    let entry = canonical(&a, &b.ballots)?;
    let mut tx = state.db.begin().await?;
    still_open(&mut tx, id).await?;
    let row = sqlx::query(
        "SELECT entry, entered_by FROM appraisal_paper_batches WHERE id = $1 AND appraisal_id = $2",
    )
    .bind(batch)
    .bind(id)
    .fetch_optional(&mut *tx)
    .await?
    .ok_or_else(AppError::not_found)?;
    if ctx.user.as_ref().map(|u| u.id) == Some(row.try_get::<i64, _>("entered_by")?) {
        return Err(AppError::conflict("appraisal.second_person"));
    }
    if entry.join(";") != row.try_get::<String, _>("entry")? {
        return Err(AppError::invalid("ballots", "appraisal.paper_mismatch"));
    }
    let done = sqlx::query(
        "UPDATE appraisal_paper_batches SET confirmed_by = $1, confirmed_at = $2 WHERE id = $3 AND confirmed_at IS NULL",
    )
    .bind(ctx.user.as_ref().map(|u| u.id))
    .bind(time::now_db())
    .bind(batch)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    state::moved(done, "appraisal.batch_confirmed")?;
    for ballot in &entry {
        put_ballot(&mut tx, id, ballot).await?;
    }
    audit::record(
        &mut tx,
        &ctx.actor(),
        Entry::new("appraisal.confirm_batch", "appraisal", id)
            .at(a.place())
            .detail(format!("batch {batch}: {} ballots", entry.len())),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// How many batches of the appraisal still wait for their second entry (inside `tx`).
pub async fn unconfirmed(tx: &mut Tx, id: i64) -> Result<i64, AppError> {
    Ok(sqlx::query(
        "SELECT COUNT(*) AS n FROM appraisal_paper_batches WHERE appraisal_id = $1 AND confirmed_at IS NULL",
    )
    .bind(id)
    .fetch_one(&mut **tx)
    .await?
    .try_get("n")?)
}
