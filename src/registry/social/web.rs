//! The organizations page: stationed units, social organizations, volunteers and party
//! organizations of the communities in scope (M3, M4), with forms to register units,
//! organizations and party organizations and to correct the party organizations. Volunteers are
//! registered from a resident's page and corrected on their own form (`volunteers_web`). A
//! party organization whose registered form contradicts M3's verdict is flagged (P10).

use askama::Template;
use axum::extract::State;
use axum::response::Response;

use super::orgs::{SocialOrg, SocialOrgInput, create_org_core, orgs_in_scope};
use super::party::{PARTY_FORMS, PartyOrg, PartyOrgInput, create_party_org, edit_party_org};
use super::units::{SocialUnit, SocialUnitInput, create_unit_core, units_in_scope};
use super::{ORG_KINDS, UNIT_KINDS};
use crate::auth::{Action, CsrfForm, Ctx};
use crate::platform::AppState;
use crate::platform::error::AppError;
use crate::platform::flash::Done;
use crate::platform::forms::{Refused, Typed, again};
use crate::platform::i18n::Tr;
use crate::platform::input::Fields;
use crate::platform::web::{Chrome, Path, redirect_or_again};

pub struct PartyRow {
    pub p: PartyOrg,
    /// The form that corrects it.
    pub form: String,
}

#[derive(Template)]
#[template(path = "registry/organizations.html")]
struct OrgsPage {
    chrome: Chrome,
    t: Tr,
    /// Stationed units and volunteers name people (contacts, residents): for the register's
    /// readers only, otherwise not shown at all.
    units: Option<Vec<SocialUnit>>,
    orgs: Vec<SocialOrg>,
    volunteers: Option<Vec<super::volunteers::Volunteer>>,
    party: Vec<PartyRow>,
    /// Communities the caller registers in, by name.
    communities: Vec<(i64, String)>,
    unit_kinds: &'static [&'static str],
    org_kinds: &'static [&'static str],
    party_forms: &'static [&'static str],
    refused: Refused,
    typed: Typed,
}

async fn render(
    state: &AppState,
    ctx: &Ctx,
    refused: Option<(Typed, &AppError)>,
) -> Result<Response, AppError> {
    if ctx.scopes(Action::PlacesRead).is_empty() {
        ctx.require(Action::PlacesRead, crate::auth::Target::System)?;
    }
    let mut communities = Vec::new();
    for id in super::super::me_api::writable_communities(ctx) {
        let name =
            crate::registry::places::scope_name(state.db.read(), crate::auth::Scope::Community(id))
                .await?;
        communities.push((id, name));
    }
    let reader = !ctx.scopes(Action::RegistryRead).is_empty();
    let (units, volunteers) = if reader {
        (
            Some(units_in_scope(state, ctx).await?),
            Some(super::volunteers::volunteers_in_scope(state, ctx).await?),
        )
    } else {
        (None, None)
    };
    let (typed, err) = Typed::split(refused);
    again(
        &OrgsPage {
            chrome: ctx.chrome(),
            t: ctx.t(),
            units,
            orgs: orgs_in_scope(state, ctx).await?,
            volunteers,
            party: super::party::party_orgs_in_scope(state, ctx)
                .await?
                .into_iter()
                .map(|p| PartyRow {
                    form: format!("party-{}", p.id),
                    p,
                })
                .collect(),
            communities,
            unit_kinds: UNIT_KINDS,
            org_kinds: ORG_KINDS,
            party_forms: PARTY_FORMS,
            refused: Refused::of(ctx.lang, &typed.form, err),
            typed,
        },
        err,
    )
}

pub async fn page_get(State(state): State<AppState>, ctx: Ctx) -> Result<Response, AppError> {
    // Authorized in render: PlacesRead
    render(&state, &ctx, None).await
}

/// Back to the page with what changed, or the form again with what was typed.
async fn finish<T>(
    state: &AppState,
    ctx: &Ctx,
    form: &str,
    f: &Fields,
    result: Result<T, AppError>,
    done: impl FnOnce(T) -> Done,
) -> Result<Response, AppError> {
    redirect_or_again(result, done, async |e| {
        render(state, ctx, Some((Typed::of(form, f), &e))).await
    })
    .await
}

pub async fn add_unit(
    State(state): State<AppState>,
    CsrfForm(ctx, f): CsrfForm<Fields>,
) -> Result<Response, AppError> {
    // Authorized in create_unit_core > community_target: RegistryWrite
    let employees = match f.get("employees").trim() {
        "" => Ok(0),
        n => n
            .parse::<i64>()
            .map_err(|_| AppError::invalid("employees", "registry.bad_count")),
    };
    let name = f.get("name");
    let result = match employees {
        Ok(employees) => {
            let input = SocialUnitInput {
                community_id: f.id("community_id")?.unwrap_or_default(),
                name: name.clone(),
                kind: f.get("kind"),
                address: f.get("address"),
                contact_name: f.get("contact_name"),
                contact_phone: f.get("contact_phone"),
                employees,
                note: String::new(),
            };
            create_unit_core(&state, &ctx, &input).await
        }
        Err(e) => Err(e),
    };
    finish(&state, &ctx, "unit", &f, result, |_| {
        Done::to("/organizations#units", "orgs.done.unit").arg("name", name.trim())
    })
    .await
}

pub async fn add_org(
    State(state): State<AppState>,
    CsrfForm(ctx, f): CsrfForm<Fields>,
) -> Result<Response, AppError> {
    // Authorized in create_org_core > community_target: RegistryWrite
    let input = SocialOrgInput {
        community_id: f.id("community_id")?.unwrap_or_default(),
        name: f.get("name"),
        kind: f.get("kind"),
        founded_on: f.get("founded_on"),
        leader_resident_id: None,
        activities: f.get("activities"),
    };
    let result = create_org_core(&state, &ctx, &input).await;
    finish(&state, &ctx, "org", &f, result, |_| {
        Done::to("/organizations#orgs", "orgs.done.org").arg("name", input.name.trim())
    })
    .await
}

fn party_input(f: &Fields, community_id: i64) -> Result<PartyOrgInput, AppError> {
    Ok(PartyOrgInput {
        community_id,
        name: f.get("name"),
        form: f.get("form"),
        secretary_resident_id: f.id("secretary_resident_id")?,
    })
}

/// `POST /organizations/party`: a party organization registered.
pub async fn add_party(
    State(state): State<AppState>,
    CsrfForm(ctx, f): CsrfForm<Fields>,
) -> Result<Response, AppError> {
    // Authorized in create_party_org > community_target: RegistryWrite
    let community = f.id("community_id")?.unwrap_or_default();
    let result = match party_input(&f, community) {
        Ok(i) => create_party_org(&state, &ctx, &i).await,
        Err(e) => Err(e),
    };
    finish(&state, &ctx, "party", &f, result, |_| {
        Done::to("/organizations#party", "orgs.done.party").arg("name", f.get("name").trim())
    })
    .await
}

/// `POST /organizations/party/{id}`: a party organization corrected.
pub async fn save_party(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    CsrfForm(ctx, f): CsrfForm<Fields>,
) -> Result<Response, AppError> {
    // Authorized in edit_party_org > community_target: RegistryWrite
    let result = match party_input(&f, 0) {
        Ok(i) => edit_party_org(&state, &ctx, id, &i).await,
        Err(e) => Err(e),
    };
    let form = format!("party-{id}");
    finish(&state, &ctx, &form, &f, result, |()| {
        Done::to("/organizations#party", "orgs.done.party_saved").arg("name", f.get("name").trim())
    })
    .await
}
