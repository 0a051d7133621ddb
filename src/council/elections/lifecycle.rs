//! Moving an election along `nominating → publicity → voting → tallied → announced`, the tally
//! and the announcement that seats the winners.

use std::collections::HashMap;

use crate::platform::web::Path;
use axum::Json;
use axum::extract::State;
use serde::Deserialize;
use sqlx::Row;
use utoipa::ToSchema;

use super::ballots::{Ballot, counted};
use super::{Election, ElectionStatus, load};
use crate::audit::{self, Entry};
use crate::auth::{Action, Ctx, Target};
use crate::council::rules::{BodyKind, Position, SeatSource};
use crate::platform::AppState;
use crate::platform::db::Tx;
use crate::platform::error::AppError;
use crate::platform::time;
use crate::platform::web::ApiJson;

#[derive(Deserialize, ToSchema)]
#[schema(as = ElectionAdvanceInput)]
pub struct AdvanceInput {
    /// The next stage (`ElectionStatus`): publicity, voting, tallied or announced.
    pub status: String,
    /// When voting opens: when it closes (RFC 3339, or a date-time in Asia/Shanghai). Default:
    /// seven days on.
    pub voting_closes: Option<String>,
}

/// Move the election to its next stage. Publicity must have run its working days with every
/// objection handled; the tally waits for every paper batch to be confirmed.
#[utoipa::path(post, path = "/api/v1/elections/{id}/status", tag = "council", params(("id" = i64, Path)),
    request_body = AdvanceInput, security(("bearer" = [])),
    responses((status = 200, body = Election), (status = 403), (status = 409), (status = 422)))]
pub(super) async fn advance(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    ApiJson(a): ApiJson<AdvanceInput>,
) -> Result<Json<Election>, AppError> {
    let e = load(state.db.read(), id).await?;
    ctx.require(Action::ElectionsManage, Target::At(e.place()))?;
    let to: ElectionStatus = a
        .status
        .parse()
        .map_err(|_| AppError::invalid("status", "elections.bad_status"))?;
    if e.status.next() != Some(to) {
        return Err(AppError::conflict("error.bad_transition")
            .arg("from", e.status)
            .arg("to", to));
    }
    let mut tx = state.db.begin().await?;
    // Guarded: the election must still be where the caller saw it; of concurrent advances one
    // moves it, the others answer 409 and change nothing.
    let moved = sqlx::query("UPDATE elections SET status = $1 WHERE id = $2 AND status = $3")
        .bind(to)
        .bind(id)
        .bind(e.status)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    crate::platform::state::moved(moved, "elections.changed")?;
    match to {
        ElectionStatus::Publicity => {
            if scalar(&mut tx, "SELECT COUNT(*) AS n FROM election_nominations WHERE election_id = $1 AND disqualified = 0", id).await? == 0 {
                return Err(AppError::invalid("status", "elections.no_candidates"));
            }
            let from = time::today();
            let until = state
                .calendar
                .add_working_days(from, e.publicity_days.max(1) as u32 - 1);
            let until = if state.calendar.is_working_day(from) {
                until
            } else {
                state
                    .calendar
                    .add_working_days(from, e.publicity_days as u32)
            };
            sqlx::query("UPDATE elections SET status = 'publicity', publicity_from = $1, publicity_until = $2 WHERE id = $3")
                .bind(from.to_string())
                .bind(until.to_string())
                .bind(id)
                .execute(&mut *tx)
                .await?;
        }
        ElectionStatus::Voting => {
            let until = e.publicity_until.clone().unwrap_or_default();
            if time::today().to_string() <= until {
                return Err(AppError::conflict("elections.publicity_running").arg("until", until));
            }
            if scalar(&mut tx, "SELECT COUNT(*) AS n FROM election_objections WHERE election_id = $1 AND outcome IS NULL", id).await? > 0 {
                return Err(AppError::conflict("elections.objections_open"));
            }
            if scalar(&mut tx, "SELECT COUNT(*) AS n FROM election_nominations WHERE election_id = $1 AND disqualified = 0", id).await? == 0 {
                return Err(AppError::invalid("status", "elections.no_candidates"));
            }
            let now = time::now();
            let closes = match a.voting_closes.as_deref().filter(|s| !s.is_empty()) {
                Some(s) => time::parse_when(s)
                    .filter(|c| *c > now)
                    .ok_or_else(|| AppError::invalid("voting_closes", "elections.bad_closes"))?,
                None => now
                    .checked_add(jiff::SignedDuration::from_hours(24 * 7))
                    .map_err(AppError::internal)?,
            };
            sqlx::query("UPDATE elections SET status = 'voting', voting_opens = $1, voting_closes = $2 WHERE id = $3")
                .bind(time::to_db(now))
                .bind(time::to_db(closes))
                .bind(id)
                .execute(&mut *tx)
                .await?;
        }
        ElectionStatus::Tallied => {
            // M5: no tally while the polls are open, unless the whole roll has voted: it would
            // count a part and show it.
            let closes = e.voting_closes.clone().unwrap_or_default();
            let roll = super::ballots::roll(&mut tx, &e).await?;
            let cast = counted(&mut *tx, id).await?.len() as i64;
            if time::now_db() < closes && cast < roll {
                return Err(AppError::conflict("elections.voting_running")
                    .arg("until", time::show_db(&closes, ctx.lang))
                    .arg("cast", cast)
                    .arg("roll", roll));
            }
            if scalar(&mut tx, "SELECT COUNT(*) AS n FROM election_paper_batches WHERE election_id = $1 AND confirmed_at IS NULL", id).await? > 0 {
                return Err(AppError::conflict("elections.batches_unconfirmed"));
            }
            tally(&mut tx, &e, roll).await?;
        }
        ElectionStatus::Announced => announce(&mut tx, &e).await?,
        // No stage leads back to nominating (`ElectionStatus::next`).
        ElectionStatus::Nominating => {}
    }
    audit::record(
        &mut tx,
        &ctx.actor(),
        Entry::new("elections.advance", "election", id)
            .at(e.place())
            .detail(format!("{} → {to}", e.status)),
    )
    .await?;
    tx.commit().await?;
    Ok(Json(load(state.db.read(), id).await?))
}

async fn scalar(tx: &mut Tx, sql: &'static str, id: i64) -> Result<i64, AppError> {
    Ok(sqlx::query(sql)
        .bind(id)
        .fetch_one(&mut **tx)
        .await?
        .try_get("n")?)
}

/// Votes per candidate and the winners, from the ballots alone: the most votes win, each with
/// more than half of the ballots cast (M5); a tie across the last seat elects neither.
pub struct Count {
    pub votes: HashMap<i64, i64>,
    pub ballots: i64,
    pub blank: i64,
    pub elected: Vec<i64>,
}

pub fn count(ballots: &[Ballot], candidates: &[i64], seats: i64) -> Count {
    let mut votes: HashMap<i64, i64> = candidates.iter().map(|c| (*c, 0)).collect();
    let mut blank = 0;
    for b in ballots {
        if b.choices.is_empty() {
            blank += 1;
        }
        for c in &b.choices {
            *votes.entry(*c).or_default() += 1;
        }
    }
    let total = ballots.len() as i64;
    let mut ranked: Vec<(i64, i64)> = votes.iter().map(|(c, v)| (*c, *v)).collect();
    ranked.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let seats = seats as usize;
    let elected = ranked
        .iter()
        .enumerate()
        .filter(|(i, (_, v))| {
            let tie_across = *i < seats && ranked.get(seats).is_some_and(|(_, next)| next == v);
            *i < seats && v * 2 > total && !tie_across
        })
        .map(|(_, (c, _))| *c)
        .collect();
    Count {
        votes,
        ballots: total,
        blank,
        elected,
    }
}

async fn standing(tx: &mut Tx, election: i64) -> Result<Vec<i64>, AppError> {
    Ok(sqlx::query(
        "SELECT id FROM election_nominations WHERE election_id = $1 AND disqualified = 0",
    )
    .bind(election)
    .fetch_all(&mut **tx)
    .await?
    .iter()
    .map(|r| r.try_get("id"))
    .collect::<Result<_, _>>()?)
}

async fn tally(tx: &mut Tx, e: &Election, roll: i64) -> Result<(), AppError> {
    let ballots = counted(&mut **tx, e.id).await?;
    let c = count(&ballots, &standing(tx, e.id).await?, e.seats);
    for (nid, v) in &c.votes {
        sqlx::query("UPDATE election_nominations SET votes = $1, elected = $2 WHERE id = $3")
            .bind(*v)
            .bind(i64::from(c.elected.contains(nid)))
            .bind(*nid)
            .execute(&mut **tx)
            .await?;
    }
    let now = time::now_db();
    sqlx::query(
        "UPDATE elections SET status = 'tallied', ballots_counted = $1, blank_ballots = $2, \
         voting_closes = CASE WHEN voting_closes > $3 THEN $3 ELSE voting_closes END, roll = $4 WHERE id = $5",
    )
    .bind(c.ballots)
    .bind(c.blank)
    .bind(&now)
    .bind(roll)
    .bind(e.id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Seats the winners: they replace the elected holders of the position (for the council's
/// members, the vice president too: a new council), by the composition rules; a new building
/// leader with an account gets the building-leader role for the term.
async fn announce(tx: &mut Tx, e: &Election) -> Result<(), AppError> {
    let winners = sqlx::query(
        "SELECT n.resident_id, n.name, u.id AS user_id FROM election_nominations n LEFT JOIN users u ON u.resident_id = n.resident_id \
         WHERE n.election_id = $1 AND n.elected = 1 ORDER BY n.votes DESC, n.id",
    )
    .bind(e.id)
    .fetch_all(&mut **tx)
    .await?;
    if winners.is_empty() {
        return Err(AppError::conflict("elections.nobody_elected"));
    }
    let now = time::now_db();
    let replaced = if e.body_kind == BodyKind::Council && e.position == Position::Member {
        "('member', 'vice_president')"
    } else {
        "($3)"
    };
    sqlx::query(&format!(
        "UPDATE body_members SET ended_at = $1 WHERE body_id = $2 AND source = 'elected' AND ended_at IS NULL AND position IN {replaced}"
    ))
    .bind(&now)
    .bind(e.body_id)
    .bind(e.position)
    .execute(&mut **tx)
    .await?;
    let leader = e.elects_building_leader();
    if leader {
        sqlx::query("UPDATE grants SET revoked_at = $1 WHERE role = 'building_leader' AND building_id = $2 AND revoked_at IS NULL")
            .bind(&now)
            .bind(e.building_id)
            .execute(&mut **tx)
            .await?;
    }
    for w in &winners {
        let resident: i64 = w.try_get("resident_id")?;
        super::super::rules::check(
            tx,
            &e.body(),
            &super::super::rules::Seat {
                resident_id: Some(resident),
                user_id: None,
                position: e.position,
                source: SeatSource::Elected,
            },
        )
        .await?;
        sqlx::query(
            "INSERT INTO body_members (body_id, resident_id, name, position, source, term_from, term_to, created_at) \
             VALUES ($1, $2, $3, $4, 'elected', $5, $6, $7)",
        )
        .bind(e.body_id)
        .bind(resident)
        .bind(w.try_get::<String, _>("name")?)
        .bind(e.position)
        .bind(&e.term_from)
        .bind(&e.term_to)
        .bind(&now)
        .execute(&mut **tx)
        .await?;
        if let (true, Some(user)) = (leader, w.try_get::<Option<i64>, _>("user_id")?) {
            sqlx::query(
                "INSERT INTO grants (user_id, role, street_id, community_id, building_id, valid_from, valid_to, created_at) \
                 VALUES ($1, 'building_leader', $2, $3, $4, $5, $6, $7)",
            )
            .bind(user)
            .bind(e.street_id)
            .bind(e.community_id)
            .bind(e.building_id)
            .bind(&e.term_from)
            .bind(&e.term_to)
            .bind(&now)
            .execute(&mut **tx)
            .await?;
        }
    }
    sqlx::query("UPDATE elections SET status = 'announced', announced_at = $1 WHERE id = $2")
        .bind(&now)
        .bind(e.id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b(choices: &[i64]) -> Ballot {
        Ballot {
            token: String::new(),
            choices: choices.to_vec(),
            paper: false,
        }
    }

    #[test]
    fn majority_and_ties() {
        let c = count(&[b(&[1]), b(&[1]), b(&[2]), b(&[])], &[1, 2, 3], 1);
        assert_eq!(c.votes[&1], 2);
        assert_eq!(c.blank, 1);
        assert!(c.elected.is_empty(), "2 of 4 is not more than half");
        let c = count(&[b(&[1]), b(&[1]), b(&[2])], &[1, 2], 1);
        assert_eq!(c.elected, vec![1]);
        let c = count(&[b(&[1, 2]), b(&[1, 2]), b(&[3])], &[1, 2, 3], 1);
        assert!(c.elected.is_empty(), "a tie across the seat elects neither");
        let c = count(&[b(&[1, 2]), b(&[1, 2]), b(&[3])], &[1, 2, 3], 2);
        assert_eq!(c.elected, vec![1, 2]);
    }
}
