//! The places page: each community in scope with its party organization verdict (M3), its
//! compounds with occupancy and the 应成立居委会 flag (M2), and its buildings.

use askama::Template;
use axum::extract::State;
use axum::response::Response;

use super::places_api::{
    Building, Community, Compound, Party, PlaceQuery, list_buildings, list_communities,
    list_compounds, party_of,
};
use crate::auth::{Action, Ctx, Target};
use crate::platform::AppState;
use crate::platform::error::AppError;
use crate::platform::i18n::Tr;
use crate::platform::web::{Chrome, page};

pub struct CommunityView {
    pub c: Community,
    pub party: Party,
    pub compounds: Vec<(Compound, String, Vec<Building>)>,
}

#[derive(Template)]
#[template(path = "registry/places.html")]
struct PlacesPage {
    chrome: Chrome,
    t: Tr,
    communities: Vec<CommunityView>,
    /// Buildings seen without their community (a building leader's own).
    buildings: Vec<Building>,
}

pub async fn places_page(State(state): State<AppState>, ctx: Ctx) -> Result<Response, AppError> {
    ctx.require(Action::PlacesRead, Target::System)?;
    let communities = list_communities(&state, &ctx).await.unwrap_or_default();
    let mut views = Vec::new();
    for c in communities {
        let q = PlaceQuery {
            community_id: Some(c.id),
            ..PlaceQuery::default()
        };
        let compounds = list_compounds(&state, &ctx, &q).await?;
        let buildings = list_buildings(&state, &ctx, &q).await?;
        let compounds = compounds
            .into_iter()
            .map(|p| {
                let rate = format!("{:.0}%", p.occupancy * 100.0);
                let here = buildings
                    .iter()
                    .filter(|b| b.compound_id == p.id)
                    .cloned()
                    .collect();
                (p, rate, here)
            })
            .collect();
        views.push(CommunityView {
            party: party_of(&state, &ctx, c.id).await?,
            c,
            compounds,
        });
    }
    let buildings = if views.is_empty() {
        list_buildings(&state, &ctx, &PlaceQuery::default()).await?
    } else {
        vec![]
    };
    page(&PlacesPage {
        chrome: ctx.chrome(),
        t: ctx.t(),
        communities: views,
        buildings,
    })
}
