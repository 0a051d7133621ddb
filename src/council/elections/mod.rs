//! Elections (M5, M6): `nominating → publicity → voting → tallied → announced`.
//!
//! Nominations are by the candidate or by a named recommender; the publicity period runs N
//! working days on the public page, during which residents object by name; voting is by secret
//! ballot online and by paper batches entered twice; the tally is recomputed from the stored
//! ballots; the announcement seats the winners.

pub mod ballots;
pub mod lifecycle;
pub mod nominate;
pub mod paper;
pub mod print;
pub mod result;
pub mod web;

use crate::platform::web::{Path, Query};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use sqlx::Row;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

use super::rules::{Body, BodyKind, Position};
use crate::audit::{self, Entry};
use crate::auth::{Action, Ctx, Place, Target, scope::scope_condition};
use crate::platform::AppState;
use crate::platform::db::{Filter, Val, bind_vals};
use crate::platform::error::AppError;
use crate::platform::time;
use crate::platform::web::ApiJson;

crate::workflow_state! {
    /// Who votes: the building's adult residents (a building leader), the community's, or the
    /// community's resident representatives.
    pub enum Electorate {
        Building = "building",
        Community = "community",
        Representatives = "representatives",
    }
}

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(one))
        .routes(routes!(lifecycle::advance))
        .routes(routes!(nominate::list, nominate::nominate))
        .routes(routes!(nominate::objections, nominate::object))
        .routes(routes!(nominate::handle))
        .routes(routes!(ballots::list, ballots::vote))
        .routes(routes!(paper::batches, paper::enter_batch))
        .routes(routes!(paper::confirm_batch))
        .routes(routes!(result::result))
}

crate::workflow_state! {
    /// Where an election stands. It moves one stage at a time (`next`): nominations, the
    /// publicity of the candidates, voting, the tally, the announcement that seats the winners.
    pub enum ElectionStatus {
        Nominating = "nominating",
        Publicity = "publicity",
        Voting = "voting",
        Tallied = "tallied",
        Announced = "announced",
    }
}

impl ElectionStatus {
    /// The one stage an election moves to from this one; none after the announcement.
    pub fn next(self) -> Option<Self> {
        match self {
            Self::Nominating => Some(Self::Publicity),
            Self::Publicity => Some(Self::Voting),
            Self::Voting => Some(Self::Tallied),
            Self::Tallied => Some(Self::Announced),
            Self::Announced => None,
        }
    }

    /// Tallied or announced: the result exists.
    pub fn has_result(self) -> bool {
        matches!(self, Self::Tallied | Self::Announced)
    }
}

/// An election as stored.
#[derive(Serialize, ToSchema, Clone)]
pub struct Election {
    pub id: i64,
    pub body_id: i64,
    pub body_kind: BodyKind,
    pub body_name: String,
    pub community_id: Option<i64>,
    pub building_id: Option<i64>,
    pub title: String,
    /// The position the winners take: `president` of a building group is its building leader.
    pub position: super::rules::Position,
    pub seats: i64,
    /// Who votes: `building`, `community` or `representatives`.
    pub electorate: Electorate,
    pub status: ElectionStatus,
    pub publicity_days: i64,
    /// The publicity period, in working days, dates inclusive.
    pub publicity_from: Option<String>,
    pub publicity_until: Option<String>,
    pub voting_opens: Option<String>,
    pub voting_closes: Option<String>,
    pub term_from: String,
    pub term_to: Option<String>,
    pub ballots_counted: Option<i64>,
    pub blank_ballots: Option<i64>,
    /// Who could vote, counted when it was tallied.
    pub roll: Option<i64>,
    #[serde(skip)]
    pub street_id: i64,
}

impl Election {
    pub fn place(&self) -> Place {
        Place {
            street_id: Some(self.street_id),
            community_id: self.community_id,
            building_id: self.building_id,
        }
    }
    pub fn body(&self) -> Body {
        Body {
            id: self.body_id,
            kind: self.body_kind,
            community_id: self.community_id,
        }
    }
    /// It elects a building's leader (the president of its building group, M5).
    pub fn elects_building_leader(&self) -> bool {
        self.body_kind == BodyKind::BuildingGroup && self.position == Position::President
    }
    /// Past nominating: the public may see it.
    pub fn is_public(&self) -> bool {
        self.status != ElectionStatus::Nominating
    }
    /// In its publicity period: objections are taken.
    pub fn in_publicity(&self) -> bool {
        self.status == ElectionStatus::Publicity
    }
    /// Polls open (the window is checked apart).
    pub fn voting(&self) -> bool {
        self.status == ElectionStatus::Voting
    }
}

const SQL: &str = "SELECT e.id, e.body_id, b.kind AS body_kind, b.name AS body_name, e.street_id, e.community_id, e.building_id, \
    e.title, e.position, e.seats, e.electorate, e.status, e.publicity_days, e.publicity_from, e.publicity_until, \
    e.voting_opens, e.voting_closes, e.term_from, e.term_to, e.ballots_counted, e.blank_ballots, e.roll \
    FROM elections e JOIN bodies b ON b.id = e.body_id";

fn from_row(r: &sqlx::any::AnyRow) -> Result<Election, sqlx::Error> {
    let instant = |c: &str| -> Result<Option<String>, sqlx::Error> {
        Ok(r.try_get::<Option<String>, _>(c)?
            .and_then(|s| time::from_db(&s))
            .map(time::rfc3339_shanghai))
    };
    Ok(Election {
        id: r.try_get("id")?,
        body_id: r.try_get("body_id")?,
        body_kind: r.try_get("body_kind")?,
        body_name: r.try_get("body_name")?,
        street_id: r.try_get("street_id")?,
        community_id: r.try_get("community_id")?,
        building_id: r.try_get("building_id")?,
        title: r.try_get("title")?,
        position: r.try_get("position")?,
        seats: r.try_get("seats")?,
        electorate: r.try_get("electorate")?,
        status: r.try_get("status")?,
        publicity_days: r.try_get("publicity_days")?,
        publicity_from: r.try_get("publicity_from")?,
        publicity_until: r.try_get("publicity_until")?,
        voting_opens: instant("voting_opens")?,
        voting_closes: instant("voting_closes")?,
        term_from: r.try_get("term_from")?,
        term_to: r.try_get("term_to")?,
        ballots_counted: r.try_get("ballots_counted")?,
        blank_ballots: r.try_get("blank_ballots")?,
        roll: r.try_get("roll")?,
    })
}

pub async fn load<'e, E: sqlx::Executor<'e, Database = sqlx::Any>>(
    ex: E,
    id: i64,
) -> Result<Election, AppError> {
    let r = sqlx::query(&format!("{SQL} WHERE e.id = $1"))
        .bind(id)
        .fetch_optional(ex)
        .await?
        .ok_or_else(AppError::not_found)?;
    Ok(from_row(&r)?)
}

/// The election, if the caller may see it: anyone once it is public, else its community's
/// people.
pub async fn readable(state: &AppState, ctx: &Ctx, id: i64) -> Result<Election, AppError> {
    let e = load(state.db.read(), id).await?;
    if e.is_public() {
        return Ok(e);
    }
    may_see(state, ctx, &e).await?;
    Ok(e)
}

async fn may_see(state: &AppState, ctx: &Ctx, e: &Election) -> Result<(), AppError> {
    ctx.require(Action::BodiesRead, Target::System)?;
    let community = Place {
        building_id: None,
        ..e.place()
    };
    let scopes = super::bodies::visible_scopes(state, ctx).await?;
    if scopes.iter().any(|s| s.contains(&community)) {
        Ok(())
    } else {
        Err(AppError::forbidden())
    }
}

#[derive(Serialize, ToSchema)]
pub struct ElectionList {
    pub items: Vec<Election>,
    pub total: i64,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ElectionQuery {
    pub community_id: Option<i64>,
    pub body_id: Option<i64>,
    pub status: Option<String>,
}

pub async fn search(
    state: &AppState,
    ctx: &Ctx,
    q: &ElectionQuery,
) -> Result<Vec<Election>, AppError> {
    let scopes = super::bodies::visible_scopes(state, ctx).await?;
    let Some((cond, vals)) = scope_condition(&scopes, "e.street_id", "e.community_id", None) else {
        ctx.require(Action::BodiesRead, Target::System)?;
        return Err(AppError::forbidden());
    };
    let mut f = Filter::default();
    f.and(&cond, vals);
    if let Some(c) = q.community_id {
        f.and("e.community_id = ?", [Val::I(c)]);
    }
    if let Some(b) = q.body_id {
        f.and("e.body_id = ?", [Val::I(b)]);
    }
    if let Some(s) = q.status.as_deref().filter(|s| !s.is_empty()) {
        let s: ElectionStatus = s
            .parse()
            .map_err(|_| AppError::invalid("status", "elections.bad_status"))?;
        f.and("e.status = ?", [Val::T(s.as_str().to_owned())]);
    }
    let sql = format!("{SQL} {} ORDER BY e.id DESC", f.sql());
    let rows = bind_vals(sqlx::query(&sql), &f.vals)
        .fetch_all(state.db.read())
        .await?;
    Ok(rows.iter().map(from_row).collect::<Result<_, _>>()?)
}

/// The elections of the caller's community or street.
#[utoipa::path(get, path = "/api/v1/elections", tag = "council", params(ElectionQuery), security(("bearer" = [])),
    responses((status = 200, body = ElectionList)))]
async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<ElectionQuery>,
) -> Result<Json<ElectionList>, AppError> {
    // Authorized in search: BodiesRead
    let items = search(&state, &ctx, &q).await?;
    Ok(Json(ElectionList {
        total: items.len() as i64,
        items,
    }))
}

/// One election; public once nominations close.
#[utoipa::path(get, path = "/api/v1/elections/{id}", tag = "council", params(("id" = i64, Path)),
    responses((status = 200, body = Election), (status = 404)))]
async fn one(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<Json<Election>, AppError> {
    // Authorized in readable > may_see: BodiesRead (in a community whose bodies the caller may see)
    Ok(Json(readable(&state, &ctx, id).await?))
}

#[derive(Deserialize, ToSchema)]
pub struct NewElection {
    pub body_id: i64,
    pub title: String,
    /// Default: `president` for a building group (its leader), `member` otherwise.
    pub position: Option<String>,
    pub seats: i64,
    /// building, community or representatives.
    pub electorate: String,
    /// Working days of publicity; default 5.
    pub publicity_days: Option<i64>,
    /// YYYY-MM-DD.
    pub term_from: String,
    pub term_to: Option<String>,
}

/// Open an election for a body (nominations open).
#[utoipa::path(post, path = "/api/v1/elections", tag = "council", request_body = NewElection, security(("bearer" = [])),
    responses((status = 201, body = Election), (status = 403), (status = 422)))]
async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiJson(n): ApiJson<NewElection>,
) -> Result<(StatusCode, Json<Election>), AppError> {
    let (body, place) = super::bodies::load_body(&state, n.body_id).await?;
    ctx.require(Action::ElectionsManage, Target::At(place))?;
    let title = n.title.trim();
    if title.is_empty() || title.chars().count() > 80 {
        return Err(AppError::invalid("title", "elections.bad_title"));
    }
    let position = match n.position.as_deref() {
        Some(p) => p
            .parse()
            .map_err(|_| AppError::invalid("position", "bodies.bad_position"))?,
        None if body.kind == BodyKind::BuildingGroup => Position::President,
        None => Position::Member,
    };
    let max = match (body.kind, position) {
        (BodyKind::BuildingGroup, Position::President) | (_, Position::VicePresident) => 1,
        (BodyKind::Council, _) => 10,
        _ => 50,
    };
    if !(1..=max).contains(&n.seats) {
        return Err(AppError::invalid("seats", "elections.bad_seats").arg("max", max));
    }
    let electorate = n
        .electorate
        .parse::<Electorate>()
        .ok()
        .filter(|e| (*e == Electorate::Building) == place.building_id.is_some())
        .ok_or_else(|| AppError::invalid("electorate", "elections.bad_electorate"))?;
    let days = crate::platform::calendar::publicity_period(
        "publicity_days",
        n.publicity_days
            .unwrap_or(*crate::platform::calendar::PUBLICITY_DAYS.start()),
    )?;
    let from = crate::platform::time::parse_day("term_from", &n.term_from)?;
    let to = n
        .term_to
        .as_deref()
        .filter(|s| !s.is_empty())
        .map(|d| crate::platform::time::parse_day("term_to", d))
        .transpose()?;
    if to.is_some_and(|t| t < from) {
        return Err(AppError::invalid("term_to", "input.term_order"));
    }
    let mut tx = state.db.begin().await?;
    let id: i64 = sqlx::query(
        "INSERT INTO elections (body_id, street_id, community_id, building_id, title, position, seats, electorate, status, \
         publicity_days, term_from, term_to, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'nominating', $9, $10, $11, $12, $13) RETURNING id",
    )
    .bind(body.id)
    .bind(place.street_id)
    .bind(place.community_id)
    .bind(place.building_id)
    .bind(title)
    .bind(position)
    .bind(n.seats)
    .bind(electorate)
    .bind(days)
    .bind(from.to_string())
    .bind(to.map(|d| d.to_string()))
    .bind(ctx.user.as_ref().map(|u| u.id))
    .bind(time::now_db())
    .fetch_one(&mut *tx)
    .await?
    .try_get("id")?;
    audit::record(
        &mut tx,
        &ctx.actor(),
        Entry::new("elections.create", "election", id)
            .at(place)
            .detail(title),
    )
    .await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(load(state.db.read(), id).await?)))
}
