//! Units stationed in the community (驻社区单位).

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
use crate::platform::input::text;
use crate::platform::time;
use crate::platform::web::ApiJson;
use crate::registry::id_number::mask;
use crate::registry::phone::Phone;

use super::UNIT_KINDS;

#[derive(Serialize, ToSchema)]
pub struct SocialUnit {
    pub id: i64,
    pub community_id: i64,
    pub name: String,
    pub kind: String,
    pub address: String,
    pub contact_name: String,
    /// Masked.
    pub contact_phone: String,
    pub employees: i64,
    pub note: String,
}

#[derive(Serialize, ToSchema)]
pub struct SocialUnitList {
    pub items: Vec<SocialUnit>,
    pub total: i64,
}

/// Units stationed in the communities in scope.
#[utoipa::path(get, path = "/api/v1/social-units", tag = "registry", security(("bearer" = [])),
    responses((status = 200, body = SocialUnitList)))]
pub(super) async fn list_units(
    State(state): State<AppState>,
    ctx: Ctx,
) -> Result<Json<SocialUnitList>, AppError> {
    // Authorized in units_in_scope: RegistryRead
    let items = units_in_scope(&state, &ctx).await?;
    Ok(Json(SocialUnitList {
        total: items.len() as i64,
        items,
    }))
}

/// Stationed units of the communities in scope, contact phones masked.
pub async fn units_in_scope(state: &AppState, ctx: &Ctx) -> Result<Vec<SocialUnit>, AppError> {
    let f = scoped(ctx, Action::RegistryRead, "s.community_id")?;
    let sql = format!(
        "SELECT s.id, s.community_id, s.name, s.kind, s.address, s.contact_name, s.contact_phone, s.employees, s.note \
         FROM social_units s JOIN communities c ON c.id = s.community_id {} ORDER BY s.community_id, s.id",
        f.sql()
    );
    let rows = bind_vals(sqlx::query(&sql), &f.vals)
        .fetch_all(state.db.read())
        .await?;
    let mut items = Vec::new();
    for r in rows {
        let phone: String = r.try_get("contact_phone")?;
        items.push(SocialUnit {
            id: r.try_get("id")?,
            community_id: r.try_get("community_id")?,
            name: r.try_get("name")?,
            kind: r.try_get("kind")?,
            address: r.try_get("address")?,
            contact_name: r.try_get("contact_name")?,
            contact_phone: mask(&phone),
            employees: r.try_get("employees")?,
            note: r.try_get("note")?,
        });
    }
    Ok(items)
}

#[derive(Deserialize, ToSchema)]
pub struct SocialUnitInput {
    pub community_id: i64,
    pub name: String,
    /// 机关, 企业, 事业单位, 学校, 医院, 商户 or 其他.
    pub kind: String,
    #[serde(default)]
    pub address: String,
    #[serde(default)]
    pub contact_name: String,
    #[serde(default)]
    pub contact_phone: String,
    #[serde(default)]
    pub employees: i64,
    #[serde(default)]
    pub note: String,
}

/// Register a stationed unit.
#[utoipa::path(post, path = "/api/v1/social-units", tag = "registry", request_body = SocialUnitInput, security(("bearer" = [])),
    responses((status = 201, body = Created), (status = 422)))]
pub(super) async fn create_unit(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiJson(i): ApiJson<SocialUnitInput>,
) -> Result<(StatusCode, Json<Created>), AppError> {
    // Authorized in create_unit_core > community_target: RegistryWrite
    let id = create_unit_core(&state, &ctx, &i).await?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}

/// Registers a stationed unit, checked; returns its id.
pub async fn create_unit_core(
    state: &AppState,
    ctx: &Ctx,
    i: &SocialUnitInput,
) -> Result<i64, AppError> {
    let place = community_target(state, ctx, i.community_id).await?;
    let name = text("name", &i.name, 60)?;
    if !UNIT_KINDS.contains(&i.kind.as_str()) {
        return Err(AppError::invalid("kind", "registry.bad_kind"));
    }
    let phone = match i.contact_phone.trim() {
        "" => String::new(),
        p => Phone::parse(p)
            .map_err(|k| AppError::invalid("contact_phone", k))?
            .as_str()
            .to_owned(),
    };
    if !(0..=1_000_000).contains(&i.employees) {
        return Err(AppError::invalid("employees", "registry.bad_count"));
    }
    let now = time::now_db();
    let mut tx = state.db.begin().await?;
    let id: i64 = sqlx::query(
        "INSERT INTO social_units (community_id, name, kind, address, contact_name, contact_phone, employees, note, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) RETURNING id",
    )
    .bind(i.community_id)
    .bind(&name)
    .bind(&i.kind)
    .bind(i.address.trim())
    .bind(i.contact_name.trim())
    .bind(&phone)
    .bind(i.employees)
    .bind(i.note.trim())
    .bind(&now)
    .fetch_one(&mut *tx)
    .await?
    .try_get("id")?;
    audit::record(
        &mut tx,
        &ctx.actor(),
        Entry::new("registry.create", "social_unit", id).at(place),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}
