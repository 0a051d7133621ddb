//! Volunteers (志愿者) of the communities in scope (M4): registered from a resident's record,
//! their skills and service hours kept up to date.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use sqlx::Row;
use utoipa::ToSchema;

use super::{Created, community_target, scoped};
use crate::audit::{self, Entry};
use crate::auth::{Action, Ctx};
use crate::platform::AppState;
use crate::platform::db::bind_vals;
use crate::platform::error::AppError;
use crate::platform::web::{ApiJson, Path};

#[derive(Serialize, ToSchema)]
pub struct Volunteer {
    pub id: i64,
    pub community_id: i64,
    pub resident_id: i64,
    pub name: String,
    pub skills: String,
    pub hours: i64,
    pub since: String,
}

#[derive(Serialize, ToSchema)]
pub struct VolunteerList {
    pub items: Vec<Volunteer>,
    pub total: i64,
}

pub async fn volunteers_in_scope(state: &AppState, ctx: &Ctx) -> Result<Vec<Volunteer>, AppError> {
    let mut f = scoped(ctx, Action::RegistryRead, "v.community_id")?;
    f.and("r.locked_at IS NULL", []);
    let sql = format!(
        "SELECT v.id, v.community_id, v.resident_id, r.name, v.skills, v.hours, v.since FROM volunteers v \
         JOIN residents r ON r.id = v.resident_id JOIN communities c ON c.id = v.community_id {} ORDER BY v.community_id, v.id",
        f.sql()
    );
    let rows = bind_vals(sqlx::query(&sql), &f.vals)
        .fetch_all(state.db.read())
        .await?;
    rows.iter()
        .map(|r| {
            Ok(Volunteer {
                id: r.try_get("id")?,
                community_id: r.try_get("community_id")?,
                resident_id: r.try_get("resident_id")?,
                name: r.try_get("name")?,
                skills: r.try_get("skills")?,
                hours: r.try_get("hours")?,
                since: r.try_get("since")?,
            })
        })
        .collect::<Result<_, sqlx::Error>>()
        .map_err(Into::into)
}

/// Volunteers of the communities in scope, with their skills and hours.
#[utoipa::path(get, path = "/api/v1/volunteers", tag = "registry", security(("bearer" = [])),
    responses((status = 200, body = VolunteerList)))]
pub(super) async fn list_volunteers(
    State(state): State<AppState>,
    ctx: Ctx,
) -> Result<Json<VolunteerList>, AppError> {
    // Authorized in volunteers_in_scope: RegistryRead
    let items = volunteers_in_scope(&state, &ctx).await?;
    Ok(Json(VolunteerList {
        total: items.len() as i64,
        items,
    }))
}

#[derive(Clone, Default, Deserialize, ToSchema)]
pub struct VolunteerInput {
    /// The resident who volunteers (on registration; a record does not pass to another).
    #[serde(default)]
    pub resident_id: i64,
    /// What they offer: 理发, 维修, 医疗护理… (may be empty).
    pub skills: String,
    /// Service hours so far.
    pub hours: i64,
    /// Volunteering since (YYYY-MM-DD, not in the future; today when left out).
    #[serde(default)]
    pub since: Option<String>,
}

/// Skills, hours and the day since, as checked.
fn checked(i: &VolunteerInput) -> Result<(String, i64, String), AppError> {
    let skills = i.skills.trim();
    if skills.chars().count() > 100 {
        return Err(AppError::invalid("skills", "input.bad_text").arg("max", 100));
    }
    if !(0..=100_000).contains(&i.hours) {
        return Err(AppError::invalid("hours", "registry.bad_hours"));
    }
    let since = crate::platform::input::date_or_today("since", i.since.as_deref())?;
    Ok((skills.to_owned(), i.hours, since.to_string()))
}

/// The volunteer's community, for a resident living (and not locked) in one.
async fn community_of_resident(state: &AppState, resident: i64) -> Result<i64, AppError> {
    sqlx::query(
        "SELECT community_id FROM residents WHERE id = $1 AND status = 'living' AND locked_at IS NULL",
    )
    .bind(resident)
    .fetch_optional(state.db.read())
    .await?
    .ok_or_else(|| AppError::invalid("resident_id", "input.not_in_community"))?
    .try_get("community_id")
    .map_err(Into::into)
}

/// Registers a resident as a volunteer of their community; the record's id.
pub async fn create_volunteer(
    state: &AppState,
    ctx: &Ctx,
    i: &VolunteerInput,
) -> Result<i64, AppError> {
    if ctx.scopes(Action::RegistryWrite).is_empty() {
        ctx.require(Action::RegistryWrite, crate::auth::Target::System)?;
        return Err(AppError::forbidden());
    }
    let community = community_of_resident(state, i.resident_id).await?;
    let place = community_target(state, ctx, community).await?;
    let (skills, hours, since) = checked(i)?;
    let mut tx = state.db.begin().await?;
    super::orgs::member_of_community(&mut tx, i.resident_id, community, "resident_id").await?;
    let id: i64 = sqlx::query(
        "INSERT INTO volunteers (community_id, resident_id, skills, hours, since) VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(community)
    .bind(i.resident_id)
    .bind(&skills)
    .bind(hours)
    .bind(&since)
    .fetch_one(&mut *tx)
    .await
    .map_err(crate::platform::db::unique_or(
        AppError::conflict("registry.already_volunteer").field("resident_id"),
    ))?
    .try_get("id")?;
    audit::record(
        &mut tx,
        &ctx.actor(),
        Entry::new("registry.create", "volunteer", id)
            .at(place)
            .detail(i.resident_id.to_string()),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// A volunteer record's community and resident, or 404.
pub async fn volunteer_of(state: &AppState, id: i64) -> Result<(i64, i64), AppError> {
    let r = sqlx::query("SELECT community_id, resident_id FROM volunteers WHERE id = $1")
        .bind(id)
        .fetch_optional(state.db.read())
        .await?
        .ok_or_else(AppError::not_found)?;
    Ok((r.try_get("community_id")?, r.try_get("resident_id")?))
}

/// Corrects a volunteer's skills, hours and the day since.
pub async fn edit_volunteer(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    i: &VolunteerInput,
) -> Result<(), AppError> {
    let (community, _) = volunteer_of(state, id).await?;
    let place = community_target(state, ctx, community).await?;
    let (skills, hours, since) = checked(i)?;
    let mut tx = state.db.begin().await?;
    sqlx::query("UPDATE volunteers SET skills = $1, hours = $2, since = $3 WHERE id = $4")
        .bind(&skills)
        .bind(hours)
        .bind(&since)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    audit::record(
        &mut tx,
        &ctx.actor(),
        Entry::new("registry.edit", "volunteer", id)
            .at(place)
            .detail(format!("{hours}h")),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Register a resident as a volunteer.
#[utoipa::path(post, path = "/api/v1/volunteers", tag = "registry", request_body = VolunteerInput,
    security(("bearer" = [])), responses((status = 201, body = Created), (status = 403), (status = 409), (status = 422)))]
pub(super) async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiJson(i): ApiJson<VolunteerInput>,
) -> Result<(StatusCode, Json<Created>), AppError> {
    // Authorized in create_volunteer: RegistryWrite
    let id = create_volunteer(&state, &ctx, &i).await?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}

/// Correct a volunteer's skills, service hours and the day since.
#[utoipa::path(put, path = "/api/v1/volunteers/{id}", tag = "registry", params(("id" = i64, Path)),
    request_body = VolunteerInput, security(("bearer" = [])),
    responses((status = 204), (status = 403), (status = 404), (status = 422)))]
pub(super) async fn edit(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    ApiJson(i): ApiJson<VolunteerInput>,
) -> Result<StatusCode, AppError> {
    // Authorized in edit_volunteer > community_target: RegistryWrite
    edit_volunteer(&state, &ctx, id, &i).await?;
    Ok(StatusCode::NO_CONTENT)
}
