//! Closing an appraisal (M10): when, and with what turnout, its ballots may be counted.

use super::ballots::ballots;
use super::{AppraisalStatus, load, tally};
use crate::audit::{self, Entry};
use crate::auth::{Action, Ctx, Target};
use crate::platform::AppState;
use crate::platform::error::AppError;
use crate::platform::state;
use crate::platform::time;

/// The fewest ballots ever counted: with fewer, a published tally would tell who chose what.
/// A community with a smaller roll cannot hold a secret appraisal at all.
pub const MIN_BALLOTS: i64 = 5;

/// The ballots a count needs: more than half of the roll (过半数), and never fewer than
/// `MIN_BALLOTS`.
pub fn required_turnout(roll: i64) -> i64 {
    (roll / 2 + 1).max(MIN_BALLOTS)
}

/// Close the voting. Allowed once the window has ended (the day after `closes_on`), or earlier
/// when the whole roll has voted; otherwise 409 `appraisal.voting_running`. With the required
/// turnout the ballots are tallied and the appraisal is closed; short of it the appraisal is
/// void and nothing is counted, so no small tally gives a voter away.
pub async fn close(state: &AppState, ctx: &Ctx, id: i64) -> Result<(), AppError> {
    let a = load(state, id).await?;
    ctx.require(Action::AppraisalsManage, Target::At(a.place()))?;
    if !a.is_open() {
        return Err(AppError::conflict("appraisal.closed"));
    }
    let today = time::today().to_string();
    let window_over = a.closes_on < today;
    let mut tx = state.db.begin().await?;
    // Mark it closed first: a concurrent vote then waits, or finds it closed.
    let done = sqlx::query(
        "UPDATE appraisals SET status = $1, closed_at = $2 WHERE id = $3 AND status = $4",
    )
    .bind(AppraisalStatus::Closed)
    .bind(time::now_db())
    .bind(id)
    .bind(AppraisalStatus::Open)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    state::moved(done, "appraisal.closed")?;
    // E14: paper ballots count once confirmed; the count waits for every batch.
    let waiting = super::paper::unconfirmed(&mut tx, id).await?;
    if waiting > 0 {
        return Err(AppError::conflict("appraisal.batch_unconfirmed").arg("n", waiting));
    }
    let list = ballots(&mut tx, id).await?;
    let voted = list.len() as i64;
    if !window_over && voted < a.roll {
        return Err(AppError::conflict("appraisal.voting_running")
            .arg("date", ctx.t().day(&a.closes_on))
            .arg("voted", voted)
            .arg("roll", a.roll));
    }
    let counted = voted >= required_turnout(a.roll);
    if counted {
        let counts = tally(&list, &a.subjects);
        for (s, c) in a.subjects.iter().zip(&counts) {
            sqlx::query("UPDATE appraisal_subjects SET satisfied = $1, basically = $2, unsatisfied = $3 WHERE id = $4")
                .bind(c[0])
                .bind(c[1])
                .bind(c[2])
                .bind(s.id)
                .execute(&mut *tx)
                .await?;
        }
    }
    let closes = if window_over {
        a.closes_on.clone()
    } else {
        today
    };
    sqlx::query(
        "UPDATE appraisals SET status = $1, ballots_counted = $2, closes_on = $3 WHERE id = $4",
    )
    .bind(if counted {
        AppraisalStatus::Closed
    } else {
        AppraisalStatus::Void
    })
    .bind(counted.then_some(voted))
    .bind(&closes)
    .bind(id)
    .execute(&mut *tx)
    .await?;
    audit::record(
        &mut tx,
        &ctx.actor(),
        Entry::new(
            if counted {
                "appraisal.close"
            } else {
                "appraisal.void"
            },
            "appraisal",
            id,
        )
        .at(a.place())
        .detail(format!("{voted} of {} on the roll", a.roll)),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn turnout_is_a_majority_of_the_roll_and_never_below_the_floor() {
        assert_eq!(required_turnout(5), 5);
        assert_eq!(required_turnout(8), 5);
        assert_eq!(required_turnout(9), 5);
        assert_eq!(required_turnout(10), 6);
        assert_eq!(required_turnout(90), 46);
    }
}
