//! The places page: each community in scope with its party organization verdict (M3), its
//! compounds with occupancy, custody and the 应成立居委会 flag (M2), and its buildings. The
//! street creates and renames communities and records new compounds in custody; a head adds
//! compounds to their community. A compound's own page is `places_edit::web`.

use askama::Template;
use axum::extract::State;
use axum::response::Response;

use super::places_api::{
    Building, Community, Compound, Party, PlaceQuery, list_buildings, list_communities,
    list_compounds, party_of,
};
use super::places_edit::communities::{CommunityInput, create_community, edit_community};
use super::places_edit::compounds::{CompoundInput, create_compound};
use super::places_edit::web::opt_count;
use crate::auth::{Action, CsrfForm, Ctx, Place, Scope, Target};
use crate::platform::AppState;
use crate::platform::error::AppError;
use crate::platform::flash::Done;
use crate::platform::forms::{Refused, Typed, again};
use crate::platform::i18n::Tr;
use crate::platform::input::Fields;
use crate::platform::web::{Chrome, Path, redirect_or_again};

pub struct CompoundRow {
    pub p: Compound,
    pub rate: String,
    pub buildings: Vec<Building>,
    /// The custodian's name, while in custody or once passed from it.
    pub custodian: String,
}

pub struct CommunityView {
    pub c: Community,
    pub party: Party,
    pub compounds: Vec<CompoundRow>,
    /// The caller may add compounds here.
    pub manage: bool,
    /// The form that renames it, and the one that adds a compound to it.
    pub edit_form: String,
    pub compound_form: String,
}

#[derive(Template)]
#[template(path = "registry/places.html")]
struct PlacesPage {
    chrome: Chrome,
    t: Tr,
    communities: Vec<CommunityView>,
    /// Buildings seen without their community (a building leader's own).
    buildings: Vec<Building>,
    /// The caller runs the street's communities (creates, renames, records custody).
    street: bool,
    today: String,
    refused: Refused,
    typed: Typed,
}

/// Whether the caller may add compounds to (and edit those of) community `c` of street `s`.
pub(crate) fn may_manage(ctx: &Ctx, street: i64, community: i64) -> bool {
    let at = Target::At(Place {
        street_id: Some(street),
        community_id: Some(community),
        building_id: None,
    });
    ctx.require(Action::PlacesManage, at).is_ok()
        || ctx.require(Action::CommunitiesManage, at).is_ok()
}

async fn render(
    state: &AppState,
    ctx: &Ctx,
    refused: Option<(Typed, &AppError)>,
) -> Result<Response, AppError> {
    ctx.require(Action::PlacesRead, Target::System)?;
    let communities = list_communities(state, ctx).await.unwrap_or_default();
    let names: Vec<(i64, String)> = communities.iter().map(|c| (c.id, c.name.clone())).collect();
    let name_of = |id: Option<i64>| {
        names
            .iter()
            .find(|(i, _)| Some(*i) == id)
            .map(|(_, n)| n.clone())
            .unwrap_or_default()
    };
    let mut views = Vec::new();
    for c in communities.iter().cloned() {
        let q = PlaceQuery {
            community_id: Some(c.id),
            ..PlaceQuery::default()
        };
        let compounds = list_compounds(state, ctx, &q).await?;
        let buildings = list_buildings(state, ctx, &q).await?;
        let compounds: Vec<CompoundRow> = compounds
            .into_iter()
            .map(|p| CompoundRow {
                rate: format!("{:.0}%", p.occupancy * 100.0),
                buildings: buildings
                    .iter()
                    .filter(|b| b.compound_id == p.id)
                    .cloned()
                    .collect(),
                custodian: name_of(p.custodian_community_id),
                p,
            })
            .collect();
        views.push(CommunityView {
            party: party_of(state, ctx, c.id).await?,
            manage: may_manage(ctx, c.street_id, c.id),
            edit_form: format!("community-{}", c.id),
            compound_form: format!("compound-{}", c.id),
            compounds,
            c,
        });
    }
    let buildings = if views.is_empty() {
        list_buildings(state, ctx, &PlaceQuery::default()).await?
    } else {
        vec![]
    };
    let street = ctx
        .scopes(Action::CommunitiesManage)
        .iter()
        .any(|s| matches!(s, Scope::Street(_)));
    let (typed, err) = Typed::split(refused);
    again(
        &PlacesPage {
            chrome: ctx.chrome(),
            t: ctx.t(),
            communities: views,
            buildings,
            street,
            today: crate::platform::time::today().to_string(),
            refused: Refused::of(ctx.lang, &typed.form, err),
            typed,
        },
        err,
    )
}

pub async fn places_page(State(state): State<AppState>, ctx: Ctx) -> Result<Response, AppError> {
    // Authorized in render: PlacesRead
    render(&state, &ctx, None).await
}

fn community_input(f: &Fields) -> CommunityInput {
    CommunityInput {
        street_id: None,
        code: f.get("code"),
        name: f.get("name"),
    }
}

/// `POST /places/communities`: the street creates a community.
pub async fn community_new(
    State(state): State<AppState>,
    CsrfForm(ctx, f): CsrfForm<Fields>,
) -> Result<Response, AppError> {
    // Authorized in create_community > street_of: CommunitiesManage
    let i = community_input(&f);
    let done = create_community(&state, &ctx, &i).await;
    redirect_or_again(
        done,
        |id| {
            Done::to(
                format!("/places#community-{id}"),
                "places.done.community_created",
            )
            .arg("name", i.name.trim())
        },
        async |e| render(&state, &ctx, Some((Typed::of("community", &f), &e))).await,
    )
    .await
}

/// `POST /places/communities/{id}`: the street corrects a community's code and name.
pub async fn community_save(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    CsrfForm(ctx, f): CsrfForm<Fields>,
) -> Result<Response, AppError> {
    // Authorized in edit_community: CommunitiesManage
    let i = community_input(&f);
    let done = edit_community(&state, &ctx, id, &i).await;
    redirect_or_again(
        done,
        |()| {
            Done::to(
                format!("/places#community-{id}"),
                "places.done.community_saved",
            )
            .arg("name", i.name.trim())
        },
        async |e| {
            let form = format!("community-{id}");
            render(&state, &ctx, Some((Typed::of(form, &f), &e))).await
        },
    )
    .await
}

/// `POST /places/compounds`: a compound recorded under a community, in its custody or its own.
pub async fn compound_new(
    State(state): State<AppState>,
    CsrfForm(ctx, f): CsrfForm<Fields>,
) -> Result<Response, AppError> {
    // Authorized in manages_somewhere: PlacesManage, CommunitiesManage
    super::places_edit::manages_somewhere(&ctx)?;
    let community = f.id("community_id")?.unwrap_or_default();
    let form = format!("compound-{community}");
    let input = (|| {
        Ok::<_, AppError>(CompoundInput {
            community_id: community,
            name: f.get("name"),
            in_custody: !f.get("in_custody").is_empty(),
            custodian_since: Some(f.get("custodian_since")),
            homes: opt_count("homes", &f.get("homes"))?,
            moved_in: opt_count("moved_in", &f.get("moved_in"))?,
        })
    })();
    let done = match input {
        Ok(i) => create_compound(&state, &ctx, &i)
            .await
            .map(|id| (id, i.name)),
        Err(e) => Err(e),
    };
    redirect_or_again(
        done,
        |(id, name)| {
            Done::to(
                format!("/places/compounds/{id}"),
                "places.done.compound_created",
            )
            .arg("name", name.trim())
        },
        async |e| render(&state, &ctx, Some((Typed::of(form, &f), &e))).await,
    )
    .await
}
