//! A compound's page, `/places/compounds/{id}`: its occupancy and custody, its buildings with
//! their units and floors; the head renames it, records occupancy and adds or corrects buildings;
//! the street sets up its own committee once half its homes are moved into.

use askama::Template;
use axum::extract::State;
use axum::response::Response;

use super::buildings::{BuildingInput, create_building, edit_building};
use super::compounds::{CompoundEdit, SetUpInput, edit_compound, set_up_committee};
use crate::auth::{Action, CsrfForm, Ctx, Target};
use crate::platform::AppState;
use crate::platform::error::AppError;
use crate::platform::flash::Done;
use crate::platform::forms::{Refused, Typed, again};
use crate::platform::i18n::Tr;
use crate::platform::input::Fields;
use crate::platform::web::{Chrome, Path, redirect_or_again};
use crate::registry::places::scope_name;
use crate::registry::places_api::{Building, Compound, PlaceQuery, compound_of, list_buildings};
use crate::registry::places_web::may_manage;

/// A count typed in a form: none when left empty, 422 naming the field when not a whole number.
pub fn opt_count(field: &'static str, s: &str) -> Result<Option<i64>, AppError> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(None);
    }
    s.parse::<i64>()
        .map(Some)
        .map_err(|_| AppError::invalid(field, "places.bad_number"))
}

fn count_of(field: &'static str, f: &Fields) -> Result<i64, AppError> {
    opt_count(field, &f.get(field))?.ok_or_else(|| AppError::invalid(field, "places.required"))
}

pub struct BuildingRow {
    pub b: Building,
    pub form: String,
}

#[derive(Template)]
#[template(path = "registry/compound.html")]
struct CompoundPage {
    chrome: Chrome,
    t: Tr,
    p: Compound,
    community: String,
    custodian: String,
    rate: String,
    buildings: Vec<BuildingRow>,
    /// The caller edits the compound and its buildings.
    manage: bool,
    /// The caller is the street, who sets up the committee.
    street: bool,
    today: String,
    refused: Refused,
    typed: Typed,
}

impl CompoundPage {
    /// The recorded homes, when the property office's figures are recorded.
    fn recorded_homes(&self) -> String {
        self.recorded(self.p.households)
    }
    fn recorded_moved_in(&self) -> String {
        self.recorded(self.p.occupied)
    }
    fn recorded(&self, n: i64) -> String {
        match self.p.occupancy_source {
            crate::registry::places_api::OccupancySource::Recorded => n.to_string(),
            crate::registry::places_api::OccupancySource::Registry => String::new(),
        }
    }
}

async fn render(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    refused: Option<(Typed, &AppError)>,
) -> Result<Response, AppError> {
    let p = compound_of(state, ctx, id).await?;
    let place = crate::registry::places::place_of_community(state.db.read(), p.community_id)
        .await?
        .ok_or_else(AppError::not_found)?;
    let pool = state.db.read();
    let buildings = list_buildings(
        state,
        ctx,
        &PlaceQuery {
            compound_id: Some(id),
            ..PlaceQuery::default()
        },
    )
    .await?;
    let custodian = match p.custodian_community_id {
        Some(c) => scope_name(pool, crate::auth::Scope::Community(c)).await?,
        None => String::new(),
    };
    let (typed, err) = Typed::split(refused);
    again(
        &CompoundPage {
            chrome: ctx.chrome(),
            t: ctx.t(),
            community: scope_name(pool, crate::auth::Scope::Community(p.community_id)).await?,
            custodian,
            rate: format!("{:.0}%", p.occupancy * 100.0),
            buildings: buildings
                .into_iter()
                .map(|b| BuildingRow {
                    form: format!("building-{}", b.id),
                    b,
                })
                .collect(),
            manage: may_manage(ctx, place.street_id.unwrap_or_default(), p.community_id),
            street: ctx
                .require(Action::CommunitiesManage, Target::At(place))
                .is_ok(),
            p,
            today: crate::platform::time::today().to_string(),
            refused: Refused::of(ctx.lang, &typed.form, err),
            typed,
        },
        err,
    )
}

pub async fn compound_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    // Authorized in render > compound_of: PlacesRead
    render(&state, &ctx, id, None).await
}

/// `POST /places/compounds/{id}`: rename the compound, record its occupancy.
pub async fn compound_save(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    CsrfForm(ctx, f): CsrfForm<Fields>,
) -> Result<Response, AppError> {
    // Authorized in edit_compound > manage: PlacesManage, CommunitiesManage
    let input = (|| {
        Ok::<_, AppError>(CompoundEdit {
            name: f.get("name"),
            homes: opt_count("homes", &f.get("homes"))?,
            moved_in: opt_count("moved_in", &f.get("moved_in"))?,
        })
    })();
    let done = match input {
        Ok(i) => edit_compound(&state, &ctx, id, &i).await.map(|()| i.name),
        Err(e) => Err(e),
    };
    redirect_or_again(
        done,
        |name| {
            Done::to(
                format!("/places/compounds/{id}"),
                "places.done.compound_saved",
            )
            .arg("name", name.trim())
        },
        async |e| render(&state, &ctx, id, Some((Typed::of("compound", &f), &e))).await,
    )
    .await
}

/// `POST /places/compounds/{id}/committee`: the street records the compound's own committee.
pub async fn committee_set_up(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    CsrfForm(ctx, f): CsrfForm<Fields>,
) -> Result<Response, AppError> {
    // Authorized in set_up_committee: CommunitiesManage
    let input = SetUpInput {
        set_up_on: f.get("set_up_on"),
        code: f.get("code"),
        name: f.get("name"),
    };
    let done = set_up_committee(&state, &ctx, id, &input).await;
    redirect_or_again(
        done,
        |s| {
            Done::to(format!("/places/compounds/{id}"), "places.done.set_up")
                .arg("name", input.name.trim())
                .arg("households", s.households)
                .arg("residents", s.residents)
        },
        async |e| render(&state, &ctx, id, Some((Typed::of("setup", &f), &e))).await,
    )
    .await
}

fn building_input(compound: i64, f: &Fields) -> Result<BuildingInput, AppError> {
    Ok(BuildingInput {
        compound_id: compound,
        number: f.get("number"),
        units: count_of("units", f)?,
        floors: count_of("floors", f)?,
    })
}

/// `POST /places/compounds/{id}/buildings`: a new building with its units.
pub async fn building_new(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    CsrfForm(ctx, f): CsrfForm<Fields>,
) -> Result<Response, AppError> {
    // Authorized in managed_compound > manage: PlacesManage, CommunitiesManage
    super::buildings::managed_compound(&state, &ctx, id).await?;
    let done = match building_input(id, &f) {
        Ok(i) => create_building(&state, &ctx, &i).await.map(|_| i.number),
        Err(e) => Err(e),
    };
    redirect_or_again(
        done,
        |n| {
            Done::to(
                format!("/places/compounds/{id}"),
                "places.done.building_created",
            )
            .arg("number", super::buildings::number(&n).unwrap_or(n))
        },
        async |e| render(&state, &ctx, id, Some((Typed::of("building", &f), &e))).await,
    )
    .await
}

/// `POST /places/buildings/{id}`: correct a building's number, units and floors.
pub async fn building_save(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    CsrfForm(ctx, f): CsrfForm<Fields>,
) -> Result<Response, AppError> {
    // Authorized in managed_building > manage: PlacesManage, CommunitiesManage
    super::buildings::managed_building(&state, &ctx, id).await?;
    let compound: i64 = sqlx::query("SELECT compound_id FROM buildings WHERE id = $1")
        .bind(id)
        .fetch_optional(state.db.read())
        .await?
        .ok_or_else(AppError::not_found)
        .and_then(|r| Ok(sqlx::Row::try_get(&r, "compound_id")?))?;
    let done = match building_input(compound, &f) {
        Ok(i) => edit_building(&state, &ctx, id, &i).await.map(|()| i.number),
        Err(e) => Err(e),
    };
    redirect_or_again(
        done,
        |n| {
            Done::to(
                format!("/places/compounds/{compound}"),
                "places.done.building_saved",
            )
            .arg("number", super::buildings::number(&n).unwrap_or(n))
        },
        async |e| {
            let form = format!("building-{id}");
            render(&state, &ctx, compound, Some((Typed::of(form, &f), &e))).await
        },
    )
    .await
}
