//! Democratic appraisal of cadres (民主评议, M10): the supervisory board (or the street) opens an
//! appraisal of the community's cadres; each resident representative of the community casts
//! one secret ballot — 满意, 基本满意 or 不满意 for every cadre. Who voted is kept in
//! `appraisal_voters`; the ballot goes under a random key, with no voter and no time, into
//! `appraisal_ballots`. The roll of representatives is fixed when the appraisal opens
//! (`appraisal_roll`). Closing (`close`) tallies the stored ballots once the window has ended or
//! the whole roll has voted, and only with the turnout that keeps ballots secret
//! (`close::required_turnout`); anyone may recount them from `…/ballots`. The supervisory board
//! then discloses the result (`disclose`), never a cadre it appraises.

use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use sqlx::Row;
use utoipa::ToSchema;

use crate::audit::{self, Entry};
use crate::auth::{Action, Ctx, Place, Scope, Target};
use crate::platform::AppState;
use crate::platform::error::AppError;
use crate::platform::i18n::t;
use crate::platform::time;

mod ballots;
mod close;
mod disclose;
pub mod paper;
mod routes;

pub use ballots::{BallotInput, Choice, Recount, StoredBallot, put_ballot, recount, tally, vote};
pub use close::{MIN_BALLOTS, close, required_turnout};
pub use disclose::disclose;
pub(super) use routes::*;

crate::workflow_state! {
    /// Where an appraisal stands: voting, counted, or void (the window ended short of the
    /// turnout that keeps ballots secret, so nothing was counted).
    pub enum AppraisalStatus {
        Open = "open",
        Closed = "closed",
        Void = "void",
    }
}

pub const CHOICES: [&str; 3] = ["satisfied", "basically", "unsatisfied"];

#[derive(Serialize, ToSchema, Clone, Debug)]
pub struct Subject {
    pub id: i64,
    pub user_id: Option<i64>,
    pub name: String,
    pub post: String,
    /// The tally, once closed.
    pub satisfied: Option<i64>,
    pub basically: Option<i64>,
    pub unsatisfied: Option<i64>,
    /// (满意 + 基本满意) ÷ ballots, once closed.
    pub rate: Option<f64>,
}

#[derive(Serialize, ToSchema, Clone, Debug)]
pub struct Appraisal {
    pub id: i64,
    pub community_id: i64,
    pub title: String,
    pub period: String,
    pub status: AppraisalStatus,
    pub closes_on: String,
    pub subjects: Vec<Subject>,
    /// Ballots cast so far: representatives who voted online and confirmed paper ballots.
    pub voted: i64,
    /// Representatives on the roll, fixed when the appraisal opened.
    pub roll: i64,
    /// Ballots needed for a count (`required_turnout`).
    pub required: i64,
    pub ballots_counted: Option<i64>,
    /// The notice that disclosed the result.
    pub disclosure_id: Option<i64>,
    #[serde(skip)]
    pub street_id: i64,
}

impl Appraisal {
    pub fn is_open(&self) -> bool {
        self.status == AppraisalStatus::Open
    }

    pub fn is_closed(&self) -> bool {
        self.status == AppraisalStatus::Closed
    }

    pub fn is_void(&self) -> bool {
        self.status == AppraisalStatus::Void
    }

    /// Whether `user` is one of the cadres appraised.
    pub fn appraises(&self, user: i64) -> bool {
        self.subjects.iter().any(|s| s.user_id == Some(user))
    }

    pub fn place(&self) -> Place {
        Place {
            street_id: Some(self.street_id),
            community_id: Some(self.community_id),
            building_id: None,
        }
    }
}

pub async fn load(state: &AppState, id: i64) -> Result<Appraisal, AppError> {
    let r = sqlx::query(
        "SELECT id, street_id, community_id, title, period, status, closes_on, ballots_counted, disclosure_id, \
         (SELECT COUNT(*) FROM appraisal_voters v WHERE v.appraisal_id = a.id) \
         + (SELECT CAST(COALESCE(SUM(p.ballots), 0) AS BIGINT) FROM appraisal_paper_batches p WHERE p.appraisal_id = a.id AND p.confirmed_at IS NOT NULL) AS voted, \
         (SELECT COUNT(*) FROM appraisal_roll o WHERE o.appraisal_id = a.id) AS roll FROM appraisals a WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(state.db.read())
    .await?
    .ok_or_else(AppError::not_found)?;
    let subjects = sqlx::query(
        "SELECT id, user_id, name, post, satisfied, basically, unsatisfied FROM appraisal_subjects WHERE appraisal_id = $1 ORDER BY id",
    )
    .bind(id)
    .fetch_all(state.db.read())
    .await?
    .iter()
    .map(|s| {
        let (a, b, c): (Option<i64>, Option<i64>, Option<i64>) =
            (s.try_get("satisfied")?, s.try_get("basically")?, s.try_get("unsatisfied")?);
        let rate = match (a, b, c) {
            (Some(a), Some(b), Some(c)) if a + b + c > 0 => {
                Some(((a + b) as f64 / (a + b + c) as f64 * 1000.0).round() / 1000.0)
            }
            _ => None,
        };
        Ok(Subject {
            id: s.try_get("id")?,
            user_id: s.try_get("user_id")?,
            name: s.try_get("name")?,
            post: s.try_get("post")?,
            satisfied: a,
            basically: b,
            unsatisfied: c,
            rate,
        })
    })
    .collect::<Result<Vec<_>, sqlx::Error>>()?;
    Ok(Appraisal {
        id,
        street_id: r.try_get("street_id")?,
        community_id: r.try_get("community_id")?,
        title: r.try_get("title")?,
        period: r.try_get("period")?,
        status: r.try_get("status")?,
        closes_on: r.try_get("closes_on")?,
        subjects,
        voted: r.try_get("voted")?,
        roll: r.try_get("roll")?,
        required: required_turnout(r.try_get("roll")?),
        ballots_counted: r.try_get("ballots_counted")?,
        disclosure_id: r.try_get("disclosure_id")?,
    })
}

/// Staff of the community and the street see appraisals; so does every resident of the
/// community (a representative votes, everyone reads the result).
pub fn may_see(ctx: &Ctx, a: &Appraisal) -> bool {
    let here = |action| {
        ctx.scopes(action).iter().any(|s| match *s {
            Scope::Street(st) => st == a.street_id,
            Scope::Community(c) => c == a.community_id,
            Scope::Building(_) => false,
        })
    };
    here(Action::SupervisionRead)
        || here(Action::AppraisalsManage)
        || here(Action::FieldWorkRead)
        || ctx
            .user
            .as_ref()
            .is_some_and(|u| u.resident_id.is_some() && !ctx.scopes(Action::Participate).is_empty())
}

pub async fn readable(state: &AppState, ctx: &Ctx, id: i64) -> Result<Appraisal, AppError> {
    let mut a = load(state, id).await?;
    if !may_see(ctx, &a) {
        return Err(AppError::forbidden());
    }
    // Residents see their own community's appraisals only.
    if ctx.scopes(Action::SupervisionRead).is_empty()
        && ctx.scopes(Action::AppraisalsManage).is_empty()
        && ctx.scopes(Action::FieldWorkRead).is_empty()
    {
        let p = crate::registry::participant::participant(state, ctx, None, "appraisal.sign_in")
            .await?;
        if p.community_id != a.community_id {
            return Err(AppError::forbidden());
        }
    }
    if !a.is_closed() {
        for s in &mut a.subjects {
            (s.satisfied, s.basically, s.unsatisfied, s.rate) = (None, None, None, None);
        }
    }
    Ok(a)
}

#[derive(Deserialize, ToSchema)]
pub struct AppraisalInput {
    pub community_id: i64,
    pub title: String,
    /// The period appraised: 2026, 2026-Q4…
    pub period: String,
    /// The last day of voting (YYYY-MM-DD, today or later). The roll is every resident
    /// representative of the community on the day it opens; at least `MIN_BALLOTS`.
    pub closes_on: String,
    /// The cadres appraised: users holding a worker's or head's grant in the community.
    pub subjects: Vec<i64>,
}

pub async fn open(state: &AppState, ctx: &Ctx, a: &AppraisalInput) -> Result<i64, AppError> {
    let pl = crate::registry::places::place_of_community(state.db.read(), a.community_id)
        .await?
        .ok_or_else(|| AppError::invalid("community_id", "input.unknown_community"))?;
    ctx.require(Action::AppraisalsManage, Target::At(pl))?;
    let title = crate::platform::input::text("title", &a.title, 100)?;
    let period = crate::assessment::Period::parse(&a.period)?;
    let closes = crate::platform::time::parse_day("closes_on", &a.closes_on)?;
    if closes < time::today() {
        return Err(AppError::invalid("closes_on", "appraisal.closes_past"));
    }
    if a.subjects.is_empty() {
        return Err(AppError::invalid("subjects", "appraisal.no_subjects"));
    }
    let mut tx = state.db.begin().await?;
    let id: i64 = sqlx::query(
        "INSERT INTO appraisals (street_id, community_id, title, period, status, closes_on, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    )
    .bind(pl.street_id)
    .bind(a.community_id)
    .bind(&title)
    .bind(&period.label)
    .bind(AppraisalStatus::Open)
    .bind(closes.to_string())
    .bind(ctx.user.as_ref().map(|u| u.id))
    .bind(time::now_db())
    .fetch_one(&mut *tx)
    .await?
    .try_get("id")?;
    let roll = sqlx::query(
        "INSERT INTO appraisal_roll (appraisal_id, resident_id) SELECT $1, id FROM residents \
         WHERE community_id = $2 AND rep_resident = 1 AND status = 'living' AND locked_at IS NULL",
    )
    .bind(id)
    .bind(a.community_id)
    .execute(&mut *tx)
    .await?
    .rows_affected() as i64;
    if roll < MIN_BALLOTS {
        return Err(
            AppError::invalid("community_id", "appraisal.roll_too_small")
                .arg("roll", roll)
                .arg("min", MIN_BALLOTS),
        );
    }
    let mut seen = Vec::new();
    for u in &a.subjects {
        if seen.contains(u) {
            continue;
        }
        seen.push(*u);
        let r = sqlx::query(
            "SELECT u.display_name, MAX(g.role) AS role FROM grants g JOIN users u ON u.id = g.user_id \
             WHERE g.user_id = $1 AND g.community_id = $2 AND g.role IN ('community_worker', 'community_head') AND g.revoked_at IS NULL GROUP BY u.display_name",
        )
        .bind(u)
        .bind(a.community_id)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| AppError::invalid("subjects", "appraisal.not_a_cadre").arg("user", u.to_string()))?;
        let role: String = r.try_get("role")?;
        sqlx::query("INSERT INTO appraisal_subjects (appraisal_id, user_id, name, post) VALUES ($1, $2, $3, $4)")
            .bind(id)
            .bind(u)
            .bind(person_name(&r.try_get::<String, _>("display_name")?))
            .bind(t(ctx.lang, &format!("role.{role}")))
            .execute(&mut *tx)
            .await?;
    }
    audit::record(
        &mut tx,
        &ctx.actor(),
        Entry::new("appraisal.open", "appraisal", id)
            .at(pl)
            .detail(format!(
                "{} · {} cadres · roll {roll}",
                period.label,
                seen.len()
            )),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// An account's display name often leads with its post (社区书记 王秀英): the ballot names
/// the post apart, so keep only the person.
fn person_name(display: &str) -> String {
    display
        .rsplit(' ')
        .next()
        .filter(|s| !s.is_empty())
        .unwrap_or(display)
        .to_owned()
}

#[derive(Serialize, ToSchema)]
pub struct AppraisalList {
    pub items: Vec<Appraisal>,
}

pub async fn listed(state: &AppState, ctx: &Ctx) -> Result<Vec<Appraisal>, AppError> {
    let ids: Vec<i64> = sqlx::query("SELECT id FROM appraisals ORDER BY id DESC LIMIT 200")
        .fetch_all(state.db.read())
        .await?
        .iter()
        .map(|r| r.try_get("id"))
        .collect::<Result<_, _>>()?;
    let mut out = Vec::new();
    for id in ids {
        match readable(state, ctx, id).await {
            Ok(a) => out.push(a),
            Err(e) if e.status == StatusCode::FORBIDDEN => {}
            Err(e) => return Err(e),
        }
    }
    Ok(out)
}
