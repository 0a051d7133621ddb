//! `/api/v1/residents`: list and search, one record (with audited reveal), create, edit, moves.

use crate::platform::web::{Path, Query};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

use super::residents::{self, Move, NewResident, ResidentInput, ResidentQuery, ResidentView};
use crate::audit::{self, Entry};
use crate::auth::{Action, Ctx, Place, Target};
use crate::platform::AppState;
use crate::platform::error::AppError;
use crate::platform::web::ApiJson;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(one, edit))
        .routes(routes!(list_moves, add_move))
}

#[derive(Serialize, ToSchema)]
pub struct ResidentList {
    pub items: Vec<ResidentView>,
    pub total: i64,
}

/// The place a list query narrows to, for the audit entry.
fn query_place(q: &ResidentQuery) -> Place {
    Place {
        street_id: None,
        community_id: q.community_id,
        building_id: q.building_id,
    }
}

/// Residents in the caller's scope, masked, with search and filters. Audited.
#[utoipa::path(get, path = "/api/v1/residents", tag = "registry", params(ResidentQuery), security(("bearer" = [])),
    responses((status = 200, body = ResidentList), (status = 403, description = "no registry scope")))]
async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<ResidentQuery>,
) -> Result<Json<ResidentList>, AppError> {
    let scopes = ctx.scopes(Action::RegistryRead);
    if scopes.is_empty() {
        ctx.require(Action::RegistryRead, Target::System)?;
    }
    let page = residents::search(state.db.read(), &scopes, &q).await?;
    audit::record_alone(
        &state.db,
        &ctx.actor(),
        Entry::new("registry.read", "resident_list", "")
            .at(query_place(&q))
            .detail(format!(
                "q={} page={} n={}",
                q.q.as_deref().unwrap_or(""),
                page.page,
                page.items.len()
            )),
    )
    .await?;
    Ok(Json(ResidentList {
        items: page.items.iter().map(|r| r.view(false, false)).collect(),
        total: page.total,
    }))
}

#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct RevealQuery {
    /// `id_number`, `phone` or both, comma-separated: the full values, for roles whose duty needs them.
    pub reveal: Option<String>,
    /// Why the full values are needed (required with `reveal`; recorded in the audit log).
    pub reason: Option<String>,
}

/// Checks a reveal request; returns (id number?, phone?, reason).
pub fn parse_reveal(r: &RevealQuery) -> Result<(bool, bool, String), AppError> {
    let Some(fields) = r.reveal.as_deref().filter(|s| !s.is_empty()) else {
        return Ok((false, false, String::new()));
    };
    let mut id = false;
    let mut phone = false;
    for f in fields.split(',').map(str::trim) {
        match f {
            "id_number" => id = true,
            "phone" => phone = true,
            _ => return Err(AppError::invalid("reveal", "registry.bad_reveal")),
        }
    }
    let reason = r.reason.as_deref().map(str::trim).unwrap_or("").to_owned();
    // At least two characters one can see: not spaces, control or zero-width characters.
    let visible = reason
        .chars()
        .filter(|c| {
            !c.is_whitespace()
                && !c.is_control()
                && !matches!(*c, '\u{200b}'..='\u{200f}' | '\u{2060}'..='\u{2064}' | '\u{feff}' | '\u{ad}')
        })
        .count();
    if visible < 2 || reason.chars().count() > 200 {
        return Err(AppError::invalid("reason", "registry.reveal_reason"));
    }
    Ok((id, phone, reason))
}

/// Loads a resident the caller may read, auditing the read (and any reveal, marked sensitive).
pub async fn read_one(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    reveal: &RevealQuery,
) -> Result<(residents::Resident, ResidentView), AppError> {
    let r = residents::get(state.db.read(), id)
        .await?
        .ok_or_else(AppError::not_found)?;
    ctx.require(Action::RegistryRead, Target::At(r.place()))?;
    let (rid, rphone, reason) = parse_reveal(reveal)?;
    let mut entry = Entry::new("registry.read", "resident", id).at(r.place());
    if rid || rphone {
        ctx.require(Action::RegistryReveal, Target::At(r.place()))?;
        super::rights::ensure_processable(&r)?;
        let what = [(rid, "id_number"), (rphone, "phone")]
            .iter()
            .filter(|(b, _)| *b)
            .map(|(_, n)| *n)
            .collect::<Vec<_>>();
        entry = Entry::new("registry.reveal", "resident", id)
            .at(r.place())
            .sensitive()
            .detail(format!("{}: {reason}", what.join(",")));
    }
    audit::record_alone(&state.db, &ctx.actor(), entry).await?;
    let view = r.view(rid, rphone);
    Ok((r, view))
}

/// One resident, masked; `?reveal=id_number,phone&reason=…` shows the full values to the
/// community's head and workers, and is audited as a sensitive read.
#[utoipa::path(get, path = "/api/v1/residents/{id}", tag = "registry", params(("id" = i64, Path), RevealQuery),
    security(("bearer" = [])), responses((status = 200, body = ResidentView), (status = 403), (status = 404)))]
async fn one(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Query(rq): Query<RevealQuery>,
) -> Result<axum::response::Response, AppError> {
    // Authorized in read_one: RegistryRead, RegistryReveal
    let (_, view) = read_one(&state, &ctx, id, &rq).await?;
    // read_one audited the reveal, if there was one.
    let (rid, rphone, _) = parse_reveal(&rq)?;
    let revealed = rid || rphone;
    Ok(crate::platform::pii::unmasked_if(revealed, Json(view)))
}

/// The place of a household, for authorizing a write into it.
async fn household_target(state: &AppState, household_id: i64) -> Result<Place, AppError> {
    let mut tx = state.db.begin().await?;
    let (building, community, street) = residents::household_place(&mut tx, household_id).await?;
    drop(tx);
    Ok(Place {
        street_id: Some(street),
        community_id: Some(community),
        building_id: Some(building),
    })
}

/// Register a resident in a household. The ID number is checked (GB 11643 checksum, birth date,
/// gender); a number already registered is refused (naming the record only within the
/// same community).
#[utoipa::path(post, path = "/api/v1/residents", tag = "registry", request_body = ResidentInput, security(("bearer" = [])),
    responses((status = 201, body = ResidentView), (status = 409, description = "ID number already registered"), (status = 422)))]
async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiJson(input): ApiJson<ResidentInput>,
) -> Result<(StatusCode, Json<ResidentView>), AppError> {
    if ctx.scopes(Action::RegistryWrite).is_empty() {
        ctx.require(Action::RegistryWrite, Target::System)?;
        return Err(AppError::forbidden());
    }
    let new = NewResident::try_from(input)?;
    let place = household_target(&state, new.household_id).await?;
    ctx.require(Action::RegistryWrite, Target::At(place))?;
    let mut tx = state.db.begin().await?;
    let id = residents::insert(&mut tx, &new, &ctx.actor().name).await?;
    audit::record(
        &mut tx,
        &ctx.actor(),
        Entry::new("registry.create", "resident", id).at(place),
    )
    .await?;
    tx.commit().await?;
    let r = residents::get(state.db.read(), id)
        .await?
        .ok_or_else(AppError::not_found)?;
    Ok((StatusCode::CREATED, Json(r.view(false, false))))
}

/// Replace a resident's record (moving them to another household records a transfer).
#[utoipa::path(put, path = "/api/v1/residents/{id}", tag = "registry", params(("id" = i64, Path)), request_body = ResidentInput,
    security(("bearer" = [])), responses((status = 200, body = ResidentView), (status = 409), (status = 422)))]
async fn edit(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<ResidentInput>,
) -> Result<Json<ResidentView>, AppError> {
    let old = residents::get(state.db.read(), id)
        .await?
        .ok_or_else(AppError::not_found)?;
    ctx.require(Action::RegistryWrite, Target::At(old.place()))?;
    super::rights::ensure_processable(&old)?;
    let new = NewResident::try_from(input)?;
    let place = household_target(&state, new.household_id).await?;
    ctx.require(Action::RegistryWrite, Target::At(place))?;
    let mut tx = state.db.begin().await?;
    residents::update(&mut tx, id, &new, &ctx.actor().name).await?;
    audit::record(
        &mut tx,
        &ctx.actor(),
        Entry::new("registry.update", "resident", id).at(place),
    )
    .await?;
    tx.commit().await?;
    let r = residents::get(state.db.read(), id)
        .await?
        .ok_or_else(AppError::not_found)?;
    Ok(Json(r.view(false, false)))
}

#[derive(Serialize, ToSchema)]
pub struct MoveList {
    pub items: Vec<Move>,
    pub total: i64,
}

/// A resident's move-in, transfer, move-out history.
#[utoipa::path(get, path = "/api/v1/residents/{id}/moves", tag = "registry", params(("id" = i64, Path)),
    security(("bearer" = [])), responses((status = 200, body = MoveList)))]
async fn list_moves(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<Json<MoveList>, AppError> {
    let r = residents::get(state.db.read(), id)
        .await?
        .ok_or_else(AppError::not_found)?;
    ctx.require(Action::RegistryRead, Target::At(r.place()))?;
    let items = residents::moves(state.db.read(), id).await?;
    Ok(Json(MoveList {
        total: items.len() as i64,
        items,
    }))
}

#[derive(Deserialize, ToSchema)]
pub struct MoveInput {
    /// `move_out` or `deceased`.
    pub kind: String,
    /// YYYY-MM-DD.
    pub on_date: String,
    #[serde(default)]
    pub note: String,
}

/// Record that a resident moved out or died; the record is kept with its history.
#[utoipa::path(post, path = "/api/v1/residents/{id}/moves", tag = "registry", params(("id" = i64, Path)), request_body = MoveInput,
    security(("bearer" = [])), responses((status = 201, body = ResidentView), (status = 409, description = "not living here"), (status = 422)))]
async fn add_move(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    ApiJson(m): ApiJson<MoveInput>,
) -> Result<(StatusCode, Json<ResidentView>), AppError> {
    // Authorized in record_leave: RegistryWrite
    record_leave(&state, &ctx, id, &m).await?;
    let r = residents::get(state.db.read(), id)
        .await?
        .ok_or_else(AppError::not_found)?;
    Ok((StatusCode::CREATED, Json(r.view(false, false))))
}

/// Records a move-out or death for a resident the caller may write, with its audit entry.
pub async fn record_leave(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    m: &MoveInput,
) -> Result<(), AppError> {
    let r = residents::get(state.db.read(), id)
        .await?
        .ok_or_else(AppError::not_found)?;
    ctx.require(Action::RegistryWrite, Target::At(r.place()))?;
    let on = crate::platform::time::parse_day("on_date", &m.on_date)?;
    if m.note.chars().count() > 500 {
        return Err(AppError::invalid("note", "registry.note_too_long"));
    }
    let mut tx = state.db.begin().await?;
    residents::leave(&mut tx, id, &m.kind, on, m.note.trim(), &ctx.actor().name).await?;
    let entry = Entry::new("registry.move", "resident", id)
        .at(r.place())
        .detail(m.kind.clone());
    audit::record(&mut tx, &ctx.actor(), entry).await?;
    tx.commit().await?;
    Ok(())
}
