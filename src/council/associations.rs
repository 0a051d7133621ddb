//! The association's voice (M11): an association of the community (计划生育协会, 老年人协会…)
//! takes part in its management and speaks for residents. Its members file opinions and
//! proposals to the committee on its behalf, each a case answered like any other (件件有回应);
//! and the community's head records the members it sends to the supervisory board, each seat
//! naming the association (rules B1, B2 in docs/rules.md).

use serde::{Deserialize, Serialize};
use sqlx::Row;
use utoipa::ToSchema;

use super::bodies::load_body;
use super::rules::{self, BodyKind, Position, Seat, SeatSource};
use crate::audit::{self, Entry};
use crate::auth::{Action, Ctx, Place, Target};
use crate::platform::AppState;
use crate::platform::error::AppError;
use crate::platform::time;

/// An association the caller belongs to or looks after, with its proposals.
#[derive(Clone, Serialize, ToSchema)]
pub struct Association {
    pub id: i64,
    pub community_id: i64,
    pub name: String,
    /// The caller is a current member: they may file for it.
    pub member: bool,
    /// The caller records who it sends to the supervisory board (the community's head).
    pub manages: bool,
    /// Its current members (for the head's delegation form), by name.
    pub members: Vec<(i64, String)>,
    /// Its members on the supervisory board, by name.
    pub delegates: Vec<String>,
    pub proposals: Vec<Proposal>,
}

#[derive(Clone, Serialize, ToSchema)]
pub struct Proposal {
    pub case_id: i64,
    pub description: String,
    pub status: crate::cases::model::CaseStatus,
    pub reply: String,
    pub created_at: crate::platform::time::Instant,
}

/// The resident the caller is, if any.
fn resident_of(ctx: &Ctx) -> Option<i64> {
    ctx.user.as_ref().and_then(|u| u.resident_id)
}

/// The associations the caller is a member of, and those of communities whose bodies they
/// manage.
pub async fn mine(state: &AppState, ctx: &Ctx) -> Result<Vec<Association>, AppError> {
    ctx.signed_in()?;
    let pool = state.db.read();
    let rows = sqlx::query(
        "SELECT b.id, b.community_id, b.street_id, b.name, \
         (SELECT COUNT(*) FROM body_members m WHERE m.body_id = b.id AND m.resident_id = $1 AND m.ended_at IS NULL) AS member \
         FROM bodies b WHERE b.kind = 'association' ORDER BY b.community_id, b.id",
    )
    .bind(resident_of(ctx).unwrap_or(0))
    .fetch_all(pool)
    .await?;
    let mut out = Vec::new();
    for r in &rows {
        let place = Place {
            street_id: Some(r.try_get("street_id")?),
            community_id: r.try_get("community_id")?,
            building_id: None,
        };
        let member = r.try_get::<i64, _>("member")? > 0;
        let manages = ctx.require(Action::BodiesManage, Target::At(place)).is_ok();
        if !member && !manages {
            continue;
        }
        let id: i64 = r.try_get("id")?;
        out.push(Association {
            id,
            community_id: place.community_id.unwrap_or_default(),
            name: r.try_get("name")?,
            member,
            manages,
            members: if manages {
                members(state, id).await?
            } else {
                vec![]
            },
            delegates: delegates(state, id).await?,
            proposals: proposals(state, id).await?,
        });
    }
    Ok(out)
}

async fn members(state: &AppState, body: i64) -> Result<Vec<(i64, String)>, AppError> {
    sqlx::query(
        "SELECT resident_id, name FROM body_members WHERE body_id = $1 AND resident_id IS NOT NULL AND ended_at IS NULL ORDER BY id",
    )
    .bind(body)
    .fetch_all(state.db.read())
    .await?
    .iter()
    .map(|r| Ok((r.try_get("resident_id")?, r.try_get("name")?)))
    .collect::<Result<_, sqlx::Error>>()
    .map_err(Into::into)
}

async fn delegates(state: &AppState, body: i64) -> Result<Vec<String>, AppError> {
    sqlx::query(
        "SELECT name FROM body_members WHERE delegated_by = $1 AND source = 'delegated' AND ended_at IS NULL ORDER BY id",
    )
    .bind(body)
    .fetch_all(state.db.read())
    .await?
    .iter()
    .map(|r| r.try_get("name"))
    .collect::<Result<_, sqlx::Error>>()
    .map_err(Into::into)
}

/// The association's opinions and proposals, newest first, with the committee's answers.
async fn proposals(state: &AppState, body: i64) -> Result<Vec<Proposal>, AppError> {
    Ok(crate::cases::store::filed_for_body(state.db.read(), body)
        .await?
        .into_iter()
        .map(|c| Proposal {
            case_id: c.id,
            description: c.description,
            status: c.status,
            reply: c.reply,
            created_at: c.created_at,
        })
        .collect())
}

#[derive(Clone, Default, Deserialize, ToSchema)]
pub struct ProposalInput {
    /// The opinion or proposal, up to 2000 characters.
    pub description: String,
}

/// B1: a current member of the association files an opinion or proposal on its behalf; it is a
/// case of the community, answered like any other. The case's id.
pub async fn propose(
    state: &AppState,
    ctx: &Ctx,
    association: i64,
    i: &ProposalInput,
) -> Result<i64, AppError> {
    ctx.signed_in()?;
    let (body, _) = load_body(state, association).await?;
    if body.kind != BodyKind::Association {
        return Err(AppError::not_found());
    }
    let member: i64 = sqlx::query(
        "SELECT COUNT(*) AS n FROM body_members WHERE body_id = $1 AND resident_id = $2 AND ended_at IS NULL",
    )
    .bind(association)
    .bind(resident_of(ctx).unwrap_or(0))
    .fetch_one(state.db.read())
    .await?
    .try_get("n")?;
    if member == 0 {
        ctx.require(Action::Participate, Target::System)?;
        return Err(AppError::new(
            axum::http::StatusCode::FORBIDDEN,
            "associations.members_only",
        ));
    }
    let input = crate::cases::intake::CaseInput {
        category: "association_proposal".into(),
        description: i.description.clone(),
        address: String::new(),
        building_id: None,
        community_id: body.community_id,
        channel: None,
        ..Default::default()
    };
    let ready = crate::cases::intake::prepare_proposal(state, ctx, &input, association).await?;
    let mut tx = state.db.begin().await?;
    let filed = crate::cases::intake::insert(&mut tx, &ready).await?;
    tx.commit().await?;
    Ok(filed.id)
}

/// B2: the community's head records a member the association sends to the supervisory board:
/// a current member of that association, not on the board already; the seat names it.
pub async fn delegate(
    state: &AppState,
    ctx: &Ctx,
    association: i64,
    resident: i64,
) -> Result<(), AppError> {
    let (body, place) = load_body(state, association).await?;
    ctx.require(Action::BodiesManage, Target::At(place))?;
    if body.kind != BodyKind::Association {
        return Err(AppError::not_found());
    }
    let board: i64 = sqlx::query(
        "SELECT MIN(id) AS id FROM bodies WHERE community_id = $1 AND kind = 'supervisory_board'",
    )
    .bind(body.community_id)
    .fetch_one(state.db.read())
    .await?
    .try_get::<Option<i64>, _>("id")?
    .ok_or_else(|| AppError::conflict("associations.no_board"))?;
    let mut tx = state.db.begin().await?;
    let row = sqlx::query(
        "SELECT name FROM body_members WHERE body_id = $1 AND resident_id = $2 AND ended_at IS NULL",
    )
    .bind(association)
    .bind(resident)
    .fetch_optional(&mut *tx)
    .await?
    .ok_or_else(|| AppError::invalid("resident_id", "associations.not_a_member"))?;
    let name: String = row.try_get("name")?;
    let seated: i64 = sqlx::query(
        "SELECT COUNT(*) AS n FROM body_members WHERE body_id = $1 AND resident_id = $2 AND ended_at IS NULL",
    )
    .bind(board)
    .bind(resident)
    .fetch_one(&mut *tx)
    .await?
    .try_get("n")?;
    if seated > 0 {
        return Err(AppError::conflict("associations.on_board_already").arg("name", &name));
    }
    let seat = Seat {
        resident_id: Some(resident),
        user_id: None,
        position: Position::Member,
        source: SeatSource::Delegated,
    };
    let board_body = rules::Body {
        id: board,
        kind: BodyKind::SupervisoryBoard,
        community_id: body.community_id,
    };
    rules::check(&mut tx, &board_body, &seat).await?;
    sqlx::query(
        "INSERT INTO body_members (body_id, resident_id, name, position, source, term_from, created_at, delegated_by) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(board)
    .bind(resident)
    .bind(&name)
    .bind(Position::Member)
    .bind(SeatSource::Delegated)
    .bind(time::today().to_string())
    .bind(time::now_db())
    .bind(association)
    .execute(&mut *tx)
    .await?;
    audit::record(
        &mut tx,
        &ctx.actor(),
        Entry::new("bodies.seat", "body", board)
            .at(place)
            .detail(format!("{name}: member (delegated by {association})")),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
