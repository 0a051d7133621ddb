//! The demo year's democratic appraisals: one per community, tallied from secret ballots on 20
//! November, 三角线社区's disclosed.

use jiff::civil::date;
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use sqlx::Row;

use super::assessment_year::{Profile, ids};
use crate::platform::db::Tx;

/// The year's democratic appraisal of the head and the worker by the resident representatives,
/// tallied on 20 November; 三角线社区's result disclosed by its supervisory board (`board`).
#[allow(clippy::too_many_arguments)]
pub(super) async fn appraisal(
    tx: &mut Tx,
    rng: &mut ChaCha8Rng,
    street: i64,
    community: i64,
    p: &Profile,
    staff: (i64, i64),
    board: Option<i64>,
    now: &str,
) -> anyhow::Result<()> {
    let id: i64 = sqlx::query(
        "INSERT INTO appraisals (street_id, community_id, title, period, status, closes_on, created_at, closed_at) VALUES ($1, $2, '2026年度社区干部民主评议', '2026', 'closed', '2026-11-20', $3, $3) RETURNING id",
    )
    .bind(street)
    .bind(community)
    .bind(now)
    .fetch_one(&mut **tx)
    .await?
    .try_get("id")?;
    // The roll: every representative; most of them voted.
    sqlx::query(
        "INSERT INTO appraisal_roll (appraisal_id, resident_id) SELECT $1, id FROM residents \
         WHERE community_id = $2 AND rep_resident = 1 AND status = 'living'",
    )
    .bind(id)
    .bind(community)
    .execute(&mut **tx)
    .await?;
    let mut reps = ids(tx, "SELECT id FROM residents WHERE community_id = $1 AND rep_resident = 1 AND status = 'living' ORDER BY id", community).await?;
    reps.truncate(
        (reps.len() * 9 / 10)
            .max(crate::supervision::appraisals::required_turnout(reps.len() as i64) as usize),
    );
    let mut subjects = Vec::new();
    for (uid, post) in [(staff.0, "社区书记/主任"), (staff.1, "社区工作者")] {
        let name: String = sqlx::query("SELECT display_name FROM users WHERE id = $1")
            .bind(uid)
            .fetch_one(&mut **tx)
            .await?
            .try_get("display_name")?;
        let name = name.rsplit(' ').next().unwrap_or(&name).to_owned();
        let sid: i64 = sqlx::query("INSERT INTO appraisal_subjects (appraisal_id, user_id, name, post) VALUES ($1, $2, $3, $4) RETURNING id")
            .bind(id)
            .bind(uid)
            .bind(&name)
            .bind(post)
            .fetch_one(&mut **tx)
            .await?
            .try_get("id")?;
        subjects.push((sid, name, post, [0i64; 3]));
    }
    for r in &reps {
        sqlx::query("INSERT INTO appraisal_voters (appraisal_id, resident_id) VALUES ($1, $2)")
            .bind(id)
            .bind(r)
            .execute(&mut **tx)
            .await?;
        let mut marks = Vec::new();
        for s in &mut subjects {
            let x: f64 = rng.random();
            let j = if x < p.content {
                0
            } else if x < p.content + (1.0 - p.content) * 0.7 {
                1
            } else {
                2
            };
            s.3[j] += 1;
            marks.push(format!(
                "{}:{}",
                s.0,
                crate::supervision::appraisals::CHOICES[j]
            ));
        }
        sqlx::query(
            "INSERT INTO appraisal_ballots (token, appraisal_id, choices) VALUES ($1, $2, $3)",
        )
        .bind(format!("{:032x}", rng.random::<u128>()))
        .bind(id)
        .bind(marks.join(","))
        .execute(&mut **tx)
        .await?;
    }
    for s in &subjects {
        sqlx::query("UPDATE appraisal_subjects SET satisfied = $1, basically = $2, unsatisfied = $3 WHERE id = $4")
            .bind(s.3[0])
            .bind(s.3[1])
            .bind(s.3[2])
            .bind(s.0)
            .execute(&mut **tx)
            .await?;
    }
    sqlx::query("UPDATE appraisals SET ballots_counted = $1 WHERE id = $2")
        .bind(reps.len() as i64)
        .bind(id)
        .execute(&mut **tx)
        .await?;
    // Disclosed by the supervisory board, never by a cadre appraised.
    if let Some(board) = board {
        let board_name: String = sqlx::query("SELECT display_name FROM users WHERE id = $1")
            .bind(board)
            .fetch_one(&mut **tx)
            .await?
            .try_get("display_name")?;
        let mut body = format!(
            "2026年度社区干部民主评议\n评议期间：2026　有效票数：{}\n\n",
            reps.len()
        );
        for (_, name, post, c) in &subjects {
            let total = (c[0] + c[1] + c[2]).max(1);
            body.push_str(&format!(
                "{post} {name}：满意 {}，基本满意 {}，不满意 {}；满意率 {:.1}%\n",
                c[0],
                c[1],
                c[2],
                (c[0] + c[1]) as f64 * 100.0 / total as f64
            ));
        }
        let draft = super::public_year::Draft {
            category: "appraisal",
            title: "2026年度社区干部民主评议结果公示".into(),
            body,
            period: None,
            published: date(2026, 11, 23),
            lines: vec![],
        };
        let notice =
            super::public_year::publish(tx, street, community, (board, &board_name), &draft, now)
                .await?;
        sqlx::query("UPDATE appraisals SET disclosure_id = $1 WHERE id = $2")
            .bind(notice)
            .bind(id)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}
