//! Stationed units (驻社区单位) and community social organizations (社区社会组织) with their
//! members, volunteers and party organizations (M3, M4): `/api/v1/social-units`,
//! `/api/v1/social-orgs`, `/api/v1/volunteers`, `/api/v1/party-orgs`.

use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::auth::{Action, Ctx, Place, Target, scope::scope_condition};
use crate::platform::AppState;
use crate::platform::db::Filter;
use crate::platform::error::AppError;

pub const UNIT_KINDS: &[&str] = &["机关", "企业", "事业单位", "学校", "医院", "商户", "其他"];
pub const ORG_KINDS: &[&str] = &["文体", "志愿服务", "协会", "慈善", "调解", "其他"];

pub mod orgs;
pub mod party;
pub mod units;
pub mod volunteers;
pub mod volunteers_web;
pub mod web;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(units::list_units, units::create_unit))
        .routes(routes!(orgs::list_orgs, orgs::create_org))
        .routes(routes!(orgs::one_org))
        .routes(routes!(orgs::add_member))
        .routes(routes!(volunteers::list_volunteers, volunteers::create))
        .routes(routes!(volunteers::edit))
        .routes(routes!(party::list_party_orgs, party::create))
        .routes(routes!(party::edit))
}

#[derive(Serialize, ToSchema)]
#[schema(as = SocialCreated)]
pub struct Created {
    pub id: i64,
}

pub(super) fn scoped(ctx: &Ctx, action: Action, community_col: &str) -> Result<Filter, AppError> {
    let scopes = ctx.scopes(action);
    let Some((cond, vals)) = scope_condition(&scopes, "c.street_id", community_col, None) else {
        ctx.require(action, Target::System)?;
        return Err(AppError::forbidden());
    };
    let mut f = Filter::default();
    f.and(&cond, vals);
    Ok(f)
}

pub(super) async fn community_target(
    state: &AppState,
    ctx: &Ctx,
    community_id: i64,
) -> Result<Place, AppError> {
    let place = crate::registry::places::place_of_community(state.db.read(), community_id)
        .await?
        .ok_or_else(|| AppError::invalid("community_id", "input.unknown_community"))?;
    ctx.require(Action::RegistryWrite, Target::At(place))?;
    Ok(place)
}
