//! The 公示 telephone (M19): the number a community's notices give for objections, and an
//! objection taken on it. Staff enter it under the objector's real name — a living resident of
//! the notice's community, found by name (and address where two share one) — marked as by
//! phone, during the publicity period; from then on it is handled like any other (rule D9).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use sqlx::Row;
use utoipa::ToSchema;

use super::notices::readable;
use super::objections::{Subject, file_in};
use crate::audit::{self, Entry};
use crate::auth::{Action, Ctx, Target};
use crate::platform::AppState;
use crate::platform::error::AppError;
use crate::platform::web::{ApiJson, Path};
use crate::registry::participant::Participant;

/// How an objection came in: online by the resident, or by phone, entered by staff.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    Online,
    Phone,
}

/// The community's 公示 telephone, empty when none is set.
pub async fn phone_of(
    pool: &crate::platform::reader::Reader,
    community: i64,
) -> Result<String, AppError> {
    Ok(
        sqlx::query("SELECT publicity_phone FROM communities WHERE id = $1")
            .bind(community)
            .fetch_optional(pool)
            .await?
            .map(|r| r.try_get("publicity_phone"))
            .transpose()?
            .unwrap_or_default(),
    )
}

#[derive(Deserialize, Serialize, ToSchema, Default)]
pub struct PhoneInput {
    #[serde(default)]
    pub community_id: Option<i64>,
    /// The committee's office number, such as 0471-6612345; empty to clear it. A mobile
    /// number is refused: every page masks mobiles as personal data.
    pub phone: String,
}

/// Sets the number notices give for objections (staff who publish notices).
pub async fn set_phone(state: &AppState, ctx: &Ctx, i: &PhoneInput) -> Result<String, AppError> {
    let place = crate::registry::places::community_place(
        state,
        ctx,
        Action::DisclosuresManage,
        i.community_id,
    )
    .await?;
    ctx.require(Action::DisclosuresManage, Target::At(place))?;
    let phone = i.phone.trim();
    let ok = phone.is_empty()
        || ((7..=20).contains(&phone.len())
            && phone.chars().all(|c| c.is_ascii_digit() || c == '-')
            && phone.chars().filter(char::is_ascii_digit).count() >= 7);
    if !ok {
        return Err(AppError::invalid("phone", "disclosure.bad_phone"));
    }
    if crate::platform::pii::first_position(phone).is_some() {
        return Err(AppError::invalid("phone", "disclosure.phone_is_mobile"));
    }
    let mut tx = state.db.begin().await?;
    sqlx::query("UPDATE communities SET publicity_phone = $1 WHERE id = $2")
        .bind(phone)
        .bind(place.community_id)
        .execute(&mut *tx)
        .await?;
    audit::record(
        &mut tx,
        &ctx.actor(),
        Entry::new(
            "disclosure.phone",
            "community",
            place.community_id.unwrap_or_default(),
        )
        .at(place)
        .detail(phone),
    )
    .await?;
    tx.commit().await?;
    Ok(phone.to_owned())
}

#[derive(Deserialize, ToSchema, Default, Clone)]
pub struct PhoneObjectionInput {
    /// The caller's real name, as registered.
    pub objector_name: String,
    /// Their household's address, where two residents of the community share the name.
    #[serde(default)]
    pub address: String,
    /// What they object to, as they said it.
    pub body: String,
}

/// D9: an objection taken by phone, entered by staff of the notice's community during its
/// publicity period, under the real name of a living resident of that community; marked as by
/// phone, and handled like any other. Returns its id.
pub async fn file_by_phone(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    i: &PhoneObjectionInput,
) -> Result<i64, AppError> {
    let n = readable(state, ctx, id).await?;
    ctx.require(Action::DisclosuresManage, Target::At(n.place()))?;
    let staff = ctx.signed_in()?.id;
    let found = crate::registry::participant::resident_by_name(
        state,
        n.community_id,
        "objector_name",
        &i.objector_name,
        &i.address,
    )
    .await?;
    if !n.in_publicity() {
        return Err(AppError::conflict("disclosure.not_in_publicity"));
    }
    let p = Participant {
        user_id: staff,
        ..found
    };
    let mut tx = state.db.begin().await?;
    let oid = file_in(
        &mut tx,
        ctx,
        Subject::Notice(id),
        n.place(),
        &p,
        None,
        &i.body,
        Channel::Phone,
    )
    .await?;
    tx.commit().await?;
    Ok(oid)
}

#[derive(Serialize, ToSchema)]
pub struct PhoneObjectionFiled {
    pub id: i64,
}

/// Enter an objection taken on the 公示 telephone, under the caller's real name.
#[utoipa::path(post, path = "/api/v1/disclosures/{id}/phone-objections", tag = "disclosure", params(("id" = i64, Path)),
    request_body = PhoneObjectionInput, security(("bearer" = [])),
    responses((status = 201, body = PhoneObjectionFiled), (status = 403), (status = 409), (status = 422)))]
pub(super) async fn phone_objection(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    ApiJson(i): ApiJson<PhoneObjectionInput>,
) -> Result<(StatusCode, Json<PhoneObjectionFiled>), AppError> {
    // Authorized in file_by_phone: DisclosuresManage
    let id = file_by_phone(&state, &ctx, id, &i).await?;
    Ok((StatusCode::CREATED, Json(PhoneObjectionFiled { id })))
}

/// Set the community's 公示 telephone, which its notices show.
#[utoipa::path(put, path = "/api/v1/disclosure-phone", tag = "disclosure", request_body = PhoneInput, security(("bearer" = [])),
    responses((status = 200, body = PhoneInput), (status = 403), (status = 422)))]
pub(super) async fn put_phone(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiJson(i): ApiJson<PhoneInput>,
) -> Result<Json<PhoneInput>, AppError> {
    // Authorized in set_phone: DisclosuresManage
    let phone = set_phone(&state, &ctx, &i).await?;
    Ok(Json(PhoneInput {
        community_id: i.community_id,
        phone,
    }))
}
