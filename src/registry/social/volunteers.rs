//! Volunteers (志愿者) and party organizations (党组织) of the communities in scope.

use axum::Json;
use axum::extract::State;
use serde::Serialize;
use sqlx::Row;
use utoipa::ToSchema;

use super::scoped;
use crate::auth::{Action, Ctx};
use crate::platform::AppState;
use crate::platform::db::bind_vals;
use crate::platform::error::AppError;

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

#[derive(Serialize, ToSchema)]
pub struct PartyOrg {
    pub id: i64,
    pub community_id: i64,
    pub name: String,
    /// `general_branch` or `branch`, as registered (compare `/api/v1/communities/{id}/party`).
    pub form: String,
    pub secretary_resident_id: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct PartyOrgList {
    pub items: Vec<PartyOrg>,
    pub total: i64,
}

pub async fn party_orgs_in_scope(state: &AppState, ctx: &Ctx) -> Result<Vec<PartyOrg>, AppError> {
    let f = scoped(ctx, Action::PlacesRead, "p.community_id")?;
    let sql = format!(
        "SELECT p.id, p.community_id, p.name, p.form, p.secretary_resident_id FROM party_orgs p \
         JOIN communities c ON c.id = p.community_id {} ORDER BY p.community_id, p.id",
        f.sql()
    );
    let rows = bind_vals(sqlx::query(&sql), &f.vals)
        .fetch_all(state.db.read())
        .await?;
    rows.iter()
        .map(|r| {
            Ok(PartyOrg {
                id: r.try_get("id")?,
                community_id: r.try_get("community_id")?,
                name: r.try_get("name")?,
                form: r.try_get("form")?,
                secretary_resident_id: r.try_get("secretary_resident_id")?,
            })
        })
        .collect::<Result<_, sqlx::Error>>()
        .map_err(Into::into)
}

/// Party organizations registered in the communities in scope.
#[utoipa::path(get, path = "/api/v1/party-orgs", tag = "registry", security(("bearer" = [])),
    responses((status = 200, body = PartyOrgList)))]
pub(super) async fn list_party_orgs(
    State(state): State<AppState>,
    ctx: Ctx,
) -> Result<Json<PartyOrgList>, AppError> {
    // Authorized in party_orgs_in_scope: PlacesRead
    let items = party_orgs_in_scope(&state, &ctx).await?;
    Ok(Json(PartyOrgList {
        total: items.len() as i64,
        items,
    }))
}
