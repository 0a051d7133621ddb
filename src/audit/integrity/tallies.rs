//! Tallies against their ballots: motions against their votes, elections against their
//! counted ballots (`lifecycle::count`), democratic appraisals against theirs
//! (`appraisals::tally`); a motion's result against its sealed decision.

use std::collections::HashMap;

use crate::platform::conn::Conn;
use sqlx::Row;

use super::{Finding, entries, finding};

pub(super) async fn motions(conn: &mut Conn, out: &mut Vec<Finding>) -> anyhow::Result<()> {
    let decided: HashMap<String, String> = entries(conn, "meetings.decide")
        .await?
        .into_iter()
        .collect();
    let rows = sqlx::query(
        "SELECT m.id, m.status, m.votes_yes, m.votes_no, m.votes_abstain, \
         (SELECT COUNT(*) FROM motion_votes v WHERE v.motion_id = m.id AND v.choice = 'yes') AS yes, \
         (SELECT COUNT(*) FROM motion_votes v WHERE v.motion_id = m.id AND v.choice = 'no') AS no, \
         (SELECT COUNT(*) FROM motion_votes v WHERE v.motion_id = m.id AND v.choice = 'abstain') AS abstain \
         FROM motions m ORDER BY m.id",
    )
    .fetch_all(&mut *conn)
    .await?;
    for r in rows {
        let id: i64 = r.try_get("id")?;
        let status: String = r.try_get("status")?;
        let stored: [i64; 3] = [
            r.try_get("votes_yes")?,
            r.try_get("votes_no")?,
            r.try_get("votes_abstain")?,
        ];
        let counted: [i64; 3] = [r.try_get("yes")?, r.try_get("no")?, r.try_get("abstain")?];
        let object = format!("motion {id}");
        if stored != counted {
            out.push(finding(
                "motion",
                object.clone(),
                format!(
                    "票数与表决记录不符 tally {stored:?} where the votes count {counted:?} (yes, no, abstain)"
                ),
            ));
        }
        if let Some(sealed) = decided.get(&id.to_string())
            && *sealed != status
        {
            out.push(finding(
                "motion",
                object,
                format!("表决结果被改动 {status} where {sealed} was decided"),
            ));
        }
    }
    Ok(())
}

pub(super) async fn elections(conn: &mut Conn, out: &mut Vec<Finding>) -> anyhow::Result<()> {
    use crate::council::elections::{ballots::counted, lifecycle::count};
    let rows: Vec<(i64, i64, Option<i64>, Option<i64>)> = sqlx::query_as(
        "SELECT id, seats, ballots_counted, blank_ballots FROM elections \
         WHERE status IN ('tallied', 'announced') ORDER BY id",
    )
    .fetch_all(&mut *conn)
    .await?;
    for (id, seats, ballots, blank) in rows {
        let noms: Vec<(i64, Option<i64>, i64, i64)> = sqlx::query_as(
            "SELECT id, votes, elected, disqualified FROM election_nominations WHERE election_id = $1",
        )
        .bind(id)
        .fetch_all(&mut *conn)
        .await?;
        let standing: Vec<i64> = noms.iter().filter(|n| n.3 == 0).map(|n| n.0).collect();
        let list = counted(&mut *conn, id)
            .await
            .map_err(|e| anyhow::anyhow!("recount of election {id}: {}", e.key))?;
        let c = count(&list, &standing, seats);
        let votes_hold = noms
            .iter()
            .filter(|n| n.3 == 0)
            .all(|n| n.1 == c.votes.get(&n.0).copied() && (n.2 == 1) == c.elected.contains(&n.0));
        if !votes_hold || ballots != Some(c.ballots) || blank != Some(c.blank) {
            out.push(finding(
                "election",
                format!("election {id}"),
                "计票结果与选票不符 the recorded tally does not follow from the counted ballots",
            ));
        }
    }
    Ok(())
}

pub(super) async fn appraisals(conn: &mut Conn, out: &mut Vec<Finding>) -> anyhow::Result<()> {
    use crate::supervision::appraisals::{StoredBallot, Subject, tally};
    let closed: Vec<(i64, Option<i64>)> = sqlx::query_as(
        "SELECT id, ballots_counted FROM appraisals WHERE status = 'closed' ORDER BY id",
    )
    .fetch_all(&mut *conn)
    .await?;
    for (id, counted) in closed {
        let subjects: Vec<Subject> = sqlx::query(
            "SELECT id, user_id, name, post, satisfied, basically, unsatisfied FROM appraisal_subjects \
             WHERE appraisal_id = $1 ORDER BY id",
        )
        .bind(id)
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|r| {
            Ok(Subject {
                id: r.try_get("id")?,
                user_id: r.try_get("user_id")?,
                name: r.try_get("name")?,
                post: r.try_get("post")?,
                satisfied: r.try_get("satisfied")?,
                basically: r.try_get("basically")?,
                unsatisfied: r.try_get("unsatisfied")?,
                rate: None,
            })
        })
        .collect::<Result<_, sqlx::Error>>()?;
        let ballots: Vec<StoredBallot> = sqlx::query_as::<_, (String, String)>(
            "SELECT token, choices FROM appraisal_ballots WHERE appraisal_id = $1",
        )
        .bind(id)
        .fetch_all(&mut *conn)
        .await?
        .into_iter()
        .map(|(token, choices)| StoredBallot { token, choices })
        .collect();
        let counts = tally(&ballots, &subjects);
        let holds = counted == Some(ballots.len() as i64)
            && subjects.iter().zip(&counts).all(|(s, c)| {
                (s.satisfied, s.basically, s.unsatisfied) == (Some(c[0]), Some(c[1]), Some(c[2]))
            });
        if !holds {
            out.push(finding(
                "appraisal",
                format!("appraisal {id}"),
                "测评结果与选票不符 the recorded result does not follow from the ballots",
            ));
        }
    }
    Ok(())
}
