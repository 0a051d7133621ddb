//! Nominations (self or by a named recommender, with M5's preference flags) and the publicity
//! period's objections: real-name only, each handled on the record.

use crate::platform::web::Path;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use sqlx::Row;
use utoipa::ToSchema;

use super::{Election, load, readable};
use crate::audit::{self, Entry};
use crate::auth::{Action, Ctx, Target};
use crate::disclosure::objections::{
    self, Handling, HandlingInput, Objection, ObjectionList, ObjectionOutcome, Subject,
};
use crate::platform::AppState;
use crate::platform::error::AppError;
use crate::platform::time;
use crate::platform::web::ApiJson;
pub use crate::registry::participant::{Participant, participant};

crate::workflow_state! {
    /// How a candidate came forward: they stood (自荐), or someone recommended them (推荐).
    pub enum NominationMethod {
        SelfNominated = "self",
        Recommended = "recommended",
    }
}

impl NominationMethod {
    pub fn self_nominated(self) -> bool {
        self == NominationMethod::SelfNominated
    }
}

#[derive(Serialize, ToSchema)]
pub struct Nomination {
    pub id: i64,
    pub resident_id: i64,
    pub name: String,
    pub method: NominationMethod,
    /// Who recommended the candidate (by name), for a recommendation.
    pub recommender: Option<String>,
    /// M5's preference flags: 党代表, 人大代表, 政协委员, 居民代表.
    pub party_representative: bool,
    pub npc_deputy: bool,
    pub cppcc_member: bool,
    pub resident_representative: bool,
    pub statement: String,
    /// Struck off after an upheld objection.
    pub disqualified: bool,
    pub votes: Option<i64>,
    pub elected: bool,
}

#[derive(Serialize, ToSchema)]
pub struct NominationList {
    pub items: Vec<Nomination>,
    pub total: i64,
}

pub async fn nominations(state: &AppState, election: i64) -> Result<Vec<Nomination>, AppError> {
    let rows = sqlx::query(
        "SELECT id, resident_id, name, method, recommender, party_representative, npc_deputy, cppcc_member, resident_representative, \
         statement, disqualified, votes, elected FROM election_nominations WHERE election_id = $1 ORDER BY id",
    )
    .bind(election)
    .fetch_all(state.db.read())
    .await?;
    let flag = |r: &sqlx::any::AnyRow, c: &str| r.try_get::<i64, _>(c).map(|v| v != 0);
    Ok(rows
        .iter()
        .map(|r| {
            Ok(Nomination {
                id: r.try_get("id")?,
                resident_id: r.try_get("resident_id")?,
                name: r.try_get("name")?,
                method: r.try_get("method")?,
                recommender: r.try_get("recommender")?,
                party_representative: flag(r, "party_representative")?,
                npc_deputy: flag(r, "npc_deputy")?,
                cppcc_member: flag(r, "cppcc_member")?,
                resident_representative: flag(r, "resident_representative")?,
                statement: r.try_get("statement")?,
                disqualified: flag(r, "disqualified")?,
                votes: r.try_get("votes")?,
                elected: flag(r, "elected")?,
            })
        })
        .collect::<Result<_, sqlx::Error>>()?)
}

/// The candidates, with their preference flags; public once publicity starts.
#[utoipa::path(get, path = "/api/v1/elections/{id}/nominations", tag = "council", params(("id" = i64, Path)),
    responses((status = 200, body = NominationList), (status = 404)))]
pub(super) async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<Json<NominationList>, AppError> {
    // Authorized in readable > may_see: BodiesRead (in a community whose bodies the caller may see)
    readable(&state, &ctx, id).await?;
    let items = nominations(&state, id).await?;
    Ok(Json(NominationList {
        total: items.len() as i64,
        items,
    }))
}

#[derive(Deserialize, ToSchema)]
pub struct NominationInput {
    pub resident_id: i64,
    /// `self` (the candidate stands) or `recommended`.
    pub method: String,
    /// The recommender's name, when staff record a recommendation made on paper.
    pub recommender: Option<String>,
    #[serde(default)]
    pub statement: String,
}

/// Nominate a candidate: a resident stands or recommends a neighbour; staff record paper
/// nominations. The candidate must be eligible for the body (M5, M6, M10).
#[utoipa::path(post, path = "/api/v1/elections/{id}/nominations", tag = "council", params(("id" = i64, Path)),
    request_body = NominationInput, security(("bearer" = [])),
    responses((status = 201, body = Nomination), (status = 403), (status = 409), (status = 422)))]
pub(super) async fn nominate(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    ApiJson(n): ApiJson<NominationInput>,
) -> Result<(StatusCode, Json<Nomination>), AppError> {
    let e = load(state.db.read(), id).await?;
    let staff = ctx
        .require(Action::ElectionsManage, Target::At(e.place()))
        .is_ok();
    let method: NominationMethod = n
        .method
        .parse()
        .map_err(|_| AppError::invalid("method", "elections.bad_method"))?;
    let recommender = match (staff, method) {
        (true, NominationMethod::SelfNominated) => None,
        (true, NominationMethod::Recommended) => Some(
            n.recommender
                .as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty() && s.chars().count() <= 30)
                .ok_or_else(|| AppError::invalid("recommender", "elections.recommender"))?
                .to_owned(),
        ),
        (false, _) => {
            let p = participant(&state, &ctx, e.community_id, "error.unauthenticated").await?;
            if (method == NominationMethod::SelfNominated) != (n.resident_id == p.resident_id) {
                return Err(AppError::invalid("method", "elections.self_is_self"));
            }
            (method == NominationMethod::Recommended).then_some(p.name)
        }
    };
    if e.status != super::ElectionStatus::Nominating {
        return Err(AppError::conflict("elections.not_nominating"));
    }
    let statement = n.statement.trim();
    if statement.chars().count() > 500 {
        return Err(AppError::invalid("statement", "elections.statement_long"));
    }
    let mut tx = state.db.begin().await?;
    super::super::rules::may_stand(&mut tx, &e.body(), e.building_id, n.resident_id).await?;
    let taken: i64 = sqlx::query("SELECT COUNT(*) AS n FROM election_nominations WHERE election_id = $1 AND resident_id = $2")
        .bind(id)
        .bind(n.resident_id)
        .fetch_one(&mut *tx)
        .await?
        .try_get("n")?;
    if taken > 0 {
        return Err(AppError::conflict("elections.nominated_already"));
    }
    let nid: i64 = sqlx::query(
        "INSERT INTO election_nominations (election_id, resident_id, name, method, recommender, party_representative, npc_deputy, \
         cppcc_member, resident_representative, statement, created_by, created_at) \
         SELECT $1, r.id, r.name, $2, $3, r.rep_party, r.rep_npc, r.rep_cppcc, r.rep_resident, $4, $5, $6 FROM residents r WHERE r.id = $7 AND r.locked_at IS NULL \
         RETURNING id",
    )
    .bind(id)
    .bind(method)
    .bind(&recommender)
    .bind(statement)
    .bind(ctx.user.as_ref().map(|u| u.id))
    .bind(time::now_db())
    .bind(n.resident_id)
    .fetch_one(&mut *tx)
    .await?
    .try_get("id")?;
    audit::record(
        &mut tx,
        &ctx.actor(),
        Entry::new("elections.nominate", "election", id)
            .at(e.place())
            .detail(format!("nomination {nid} ({method})")),
    )
    .await?;
    tx.commit().await?;
    let item = nominations(&state, id)
        .await?
        .into_iter()
        .find(|x| x.id == nid)
        .ok_or_else(AppError::not_found)?;
    Ok((StatusCode::CREATED, Json(item)))
}

/// The objections to an election as `ctx` sees them (`disclosure::objections`).
pub async fn objection_list(
    state: &AppState,
    ctx: &Ctx,
    e: &Election,
) -> Result<Vec<Objection>, AppError> {
    let staff = ctx
        .require(Action::ElectionsManage, Target::At(e.place()))
        .is_ok();
    objections::list_of(state, Subject::Election(e.id), staff).await
}

/// The objections of the publicity period and how each was handled.
#[utoipa::path(get, path = "/api/v1/elections/{id}/objections", tag = "council", params(("id" = i64, Path)),
    responses((status = 200, body = ObjectionList), (status = 404)))]
pub(super) async fn objections(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<Json<ObjectionList>, AppError> {
    // Authorized in readable > may_see: BodiesRead (in a community whose bodies the caller may see)
    let e = readable(&state, &ctx, id).await?;
    let items = objection_list(&state, &ctx, &e).await?;
    Ok(Json(ObjectionList {
        total: items.len() as i64,
        items,
    }))
}

#[derive(Deserialize, ToSchema)]
#[schema(as = ElectionObjectionInput)]
pub struct ObjectionInput {
    /// The candidate objected to; none for the election as a whole.
    pub nomination_id: Option<i64>,
    pub body: String,
}

/// Object during publicity, by name: a signed-in resident of the community. Anonymous
/// objections are refused.
#[utoipa::path(post, path = "/api/v1/elections/{id}/objections", tag = "council", params(("id" = i64, Path)),
    request_body = ObjectionInput, security(("bearer" = [])),
    responses((status = 201, body = Objection), (status = 401), (status = 409), (status = 422)))]
pub(super) async fn object(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    ApiJson(o): ApiJson<ObjectionInput>,
) -> Result<(StatusCode, Json<Objection>), AppError> {
    // Authorized in participant: Participate
    let e = load(state.db.read(), id).await?;
    let p = participant(&state, &ctx, e.community_id, "elections.objection_named").await?;
    let oid = file_objection(&state, &ctx, &e, &p, o.nomination_id, &o.body).await?;
    let item = objection_list(&state, &ctx, &e)
        .await?
        .into_iter()
        .find(|x| x.id == oid)
        .ok_or_else(AppError::not_found)?;
    Ok((StatusCode::CREATED, Json(item)))
}

pub async fn file_objection(
    state: &AppState,
    ctx: &Ctx,
    e: &Election,
    p: &Participant,
    nomination: Option<i64>,
    body: &str,
) -> Result<i64, AppError> {
    if !e.in_publicity() {
        return Err(AppError::conflict("elections.not_publicity"));
    }
    let mut tx = state.db.begin().await?;
    if let Some(n) = nomination {
        let found: i64 = sqlx::query(
            "SELECT COUNT(*) AS n FROM election_nominations WHERE id = $1 AND election_id = $2",
        )
        .bind(n)
        .bind(e.id)
        .fetch_one(&mut *tx)
        .await?
        .try_get("n")?;
        if found == 0 {
            return Err(AppError::invalid(
                "nomination_id",
                "elections.bad_nomination",
            ));
        }
    }
    let subject = Subject::Election(e.id);
    let oid = objections::file_in(
        &mut tx,
        ctx,
        subject,
        e.place(),
        p,
        nomination,
        body,
        objections::Channel::Online,
    )
    .await?;
    tx.commit().await?;
    Ok(oid)
}

/// Record how an objection was handled; the answer is shown with it. An upheld objection to a
/// candidate strikes the candidate off, in the same transaction.
#[utoipa::path(post, path = "/api/v1/elections/{id}/objections/{objection}", tag = "council",
    params(("id" = i64, Path), ("objection" = i64, Path)), request_body = HandlingInput, security(("bearer" = [])),
    responses((status = 200, body = Objection), (status = 403), (status = 404), (status = 409), (status = 422)))]
pub(super) async fn handle(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, oid)): Path<(i64, i64)>,
    ApiJson(h): ApiJson<HandlingInput>,
) -> Result<Json<Objection>, AppError> {
    let e = load(state.db.read(), id).await?;
    ctx.require(Action::ElectionsManage, Target::At(e.place()))?;
    let h = Handling::try_from(&h)?;
    let mut tx = state.db.begin().await?;
    objections::handle_in(&mut tx, &ctx, Subject::Election(id), e.place(), oid, &h).await?;
    if h.outcome == ObjectionOutcome::Upheld {
        sqlx::query(
            "UPDATE election_nominations SET disqualified = 1 WHERE id = \
             (SELECT nomination_id FROM election_objections WHERE id = $1)",
        )
        .bind(oid)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    objection_list(&state, &ctx, &e)
        .await?
        .into_iter()
        .find(|o| o.id == oid)
        .map(Json)
        .ok_or_else(AppError::not_found)
}
