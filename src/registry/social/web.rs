//! The organizations page: stationed units and social organizations of the communities in
//! scope, with forms to register new ones.

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use serde::Deserialize;

use super::orgs::{SocialOrg, SocialOrgInput, create_org_core, orgs_in_scope};
use super::units::{SocialUnit, SocialUnitInput, create_unit_core, units_in_scope};
use super::{ORG_KINDS, UNIT_KINDS};
use crate::auth::{Action, CsrfForm, Ctx};
use crate::platform::AppState;
use crate::platform::error::AppError;
use crate::platform::i18n::{Tr, tf};
use crate::platform::web::{Chrome, page};

#[derive(Template)]
#[template(path = "registry/organizations.html")]
struct OrgsPage {
    chrome: Chrome,
    t: Tr,
    units: Vec<SocialUnit>,
    orgs: Vec<SocialOrg>,
    volunteers: Vec<super::volunteers::Volunteer>,
    party: Vec<super::volunteers::PartyOrg>,
    communities: Vec<i64>,
    unit_kinds: &'static [&'static str],
    org_kinds: &'static [&'static str],
    error: String,
    saved: bool,
}

async fn render(
    state: &AppState,
    ctx: &Ctx,
    error: Option<&AppError>,
    saved: bool,
) -> Result<Response, AppError> {
    let units = units_in_scope(state, ctx).await?;
    let orgs = orgs_in_scope(state, ctx).await?;
    let error_text = error
        .map(|e| tf(ctx.lang, e.key, &e.args))
        .unwrap_or_default();
    let mut res = page(&OrgsPage {
        chrome: ctx.chrome(),
        t: ctx.t(),
        units,
        orgs,
        volunteers: super::volunteers::volunteers_in_scope(state, ctx).await?,
        party: super::volunteers::party_orgs_in_scope(state, ctx).await?,
        communities: super::super::me_api::writable_communities(ctx),
        unit_kinds: UNIT_KINDS,
        org_kinds: ORG_KINDS,
        error: error_text,
        saved,
    })?;
    if let Some(e) = error {
        *res.status_mut() = e.status;
    }
    Ok(res)
}

#[derive(Deserialize)]
pub struct SavedQuery {
    saved: Option<String>,
}

pub async fn page_get(
    State(state): State<AppState>,
    ctx: Ctx,
    crate::platform::web::Query(q): crate::platform::web::Query<SavedQuery>,
) -> Result<Response, AppError> {
    if ctx.scopes(Action::PlacesRead).is_empty() {
        ctx.require(Action::PlacesRead, crate::auth::Target::System)?;
    }
    render(&state, &ctx, None, q.saved.is_some()).await
}

#[derive(Deserialize)]
pub struct UnitForm {
    community_id: i64,
    name: String,
    kind: String,
    #[serde(default)]
    address: String,
    #[serde(default)]
    contact_name: String,
    #[serde(default)]
    contact_phone: String,
    #[serde(default)]
    employees: String,
}

pub async fn add_unit(
    State(state): State<AppState>,
    CsrfForm(ctx, f): CsrfForm<UnitForm>,
) -> Result<Response, AppError> {
    // Authorized in create_unit_core > community_target: RegistryWrite
    let employees = if f.employees.trim().is_empty() {
        Ok(0)
    } else {
        f.employees.trim().parse::<i64>()
    };
    let result = match employees {
        Ok(employees) => {
            let input = SocialUnitInput {
                community_id: f.community_id,
                name: f.name,
                kind: f.kind,
                address: f.address,
                contact_name: f.contact_name,
                contact_phone: f.contact_phone,
                employees,
                note: String::new(),
            };
            create_unit_core(&state, &ctx, &input).await
        }
        Err(_) => Err(AppError::invalid("employees", "registry.bad_count")),
    };
    finish(&state, &ctx, result).await
}

#[derive(Deserialize)]
pub struct OrgForm {
    community_id: i64,
    name: String,
    kind: String,
    founded_on: String,
    #[serde(default)]
    activities: String,
}

pub async fn add_org(
    State(state): State<AppState>,
    CsrfForm(ctx, f): CsrfForm<OrgForm>,
) -> Result<Response, AppError> {
    // Authorized in create_org_core > community_target: RegistryWrite
    let input = SocialOrgInput {
        community_id: f.community_id,
        name: f.name,
        kind: f.kind,
        founded_on: f.founded_on,
        leader_resident_id: None,
        activities: f.activities,
    };
    let result = create_org_core(&state, &ctx, &input).await;
    finish(&state, &ctx, result).await
}

async fn finish(
    state: &AppState,
    ctx: &Ctx,
    result: Result<i64, AppError>,
) -> Result<Response, AppError> {
    crate::platform::web::redirect_or_again(
        result,
        |_| axum::response::Redirect::to("/organizations?saved=1"),
        async |e| render(state, ctx, Some(&e), false).await,
    )
    .await
}
