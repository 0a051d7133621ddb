//! The visit diary on a page (民情日志, M16): a worker records a visit to a household (picked by
//! building) or to a stationed unit, with a follow-up that can be filed as a case at once; the
//! list below is the community's diary, newest first (a sensitive read, audited as the API's).

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use serde::Deserialize;

use super::NewCase;
use super::choices::{self, Pick, name_of};
use super::patrols::DatedQuery;
use super::visits::{FollowupInput, Visit, VisitInput, record_visit, visits_of};
use crate::auth::{Action, CsrfForm, Ctx};
use crate::platform::AppState;
use crate::platform::error::AppError;
use crate::platform::flash::Done;
use crate::platform::forms::{Refused, again};
use crate::platform::i18n::Tr;
use crate::platform::input::optional_id;
use crate::platform::web::{Chrome, Query, redirect_or_again};

#[derive(Clone, Default, Deserialize)]
pub struct VisitForm {
    #[serde(default)]
    pub building_id: String,
    #[serde(default)]
    pub household_id: String,
    #[serde(default)]
    pub social_unit_id: String,
    #[serde(default)]
    pub visit_date: String,
    #[serde(default)]
    pub visitors: String,
    #[serde(default)]
    pub topics: String,
    #[serde(default)]
    pub notes: String,
    #[serde(default)]
    pub followup: String,
    #[serde(default)]
    pub to_case: Option<String>,
    #[serde(default)]
    pub category: String,
}

impl VisitForm {
    fn input(&self) -> Result<VisitInput, AppError> {
        let followups = match self.followup.trim() {
            "" => Vec::new(),
            t => vec![FollowupInput {
                description: t.to_owned(),
                new_case: self.to_case.as_ref().map(|_| NewCase {
                    category: self.category.clone(),
                    description: None,
                }),
            }],
        };
        Ok(VisitInput {
            community_id: None,
            household_id: optional_id("household_id", &self.household_id)?,
            social_unit_id: optional_id("social_unit_id", &self.social_unit_id)?,
            visit_date: Some(self.visit_date.clone()),
            visitors: self.visitors.clone(),
            topics: self.topics.clone(),
            notes: self.notes.clone(),
            followups,
        })
    }
}

#[derive(Template)]
#[template(path = "daily/visits.html")]
struct VisitsPage {
    chrome: Chrome,
    t: Tr,
    writer: bool,
    buildings: Vec<(i64, String)>,
    households: Vec<(i64, String)>,
    units: Vec<(i64, String)>,
    categories: Vec<String>,
    items: Vec<Visit>,
    addresses: Vec<(i64, String)>,
    f: VisitForm,
    refused: Refused,
}

impl VisitsPage {
    fn whom(&self, v: &Visit) -> String {
        match v.household_id {
            Some(_) => name_of(&self.addresses, v.household_id),
            None => name_of(&self.units, v.social_unit_id),
        }
    }
}

async fn render(
    state: &AppState,
    ctx: &Ctx,
    f: VisitForm,
    err: Option<&AppError>,
) -> Result<Response, AppError> {
    let list = visits_of(state, ctx, DatedQuery::default()).await?;
    let community = choices::community(ctx, Action::FieldWork);
    let mut f = f;
    let (buildings, households) =
        choices::picked_households(state, community, &mut f.building_id).await?;
    let (mut units, mut categories) = Default::default();
    if let Some(c) = community {
        units = choices::social_units(state, c).await?;
        categories = choices::categories(state, c).await?;
    }
    let ids: Vec<i64> = list.items.iter().filter_map(|v| v.household_id).collect();
    let addresses = choices::addresses(state, &ids).await?;
    if f.visit_date.is_empty() {
        f.visit_date = crate::platform::time::today().to_string();
    }
    again(
        &VisitsPage {
            chrome: ctx.chrome(),
            t: ctx.t(),
            writer: community.is_some(),
            buildings,
            households,
            units,
            categories,
            items: list.items,
            addresses,
            f,
            refused: Refused::of(ctx.lang, "visit", err),
        },
        err,
    )
}

pub async fn visits_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(p): Query<Pick>,
) -> Result<Response, AppError> {
    // Authorized in render > visits_of: FieldWorkRead
    let f = VisitForm {
        building_id: p.building_id,
        ..Default::default()
    };
    render(&state, &ctx, f, None).await
}

pub async fn visits_submit(
    State(state): State<AppState>,
    CsrfForm(ctx, f): CsrfForm<VisitForm>,
) -> Result<Response, AppError> {
    // Authorized in record_visit: FieldWork
    let done = match f.input() {
        Ok(v) => record_visit(&state, &ctx, v).await,
        Err(e) => Err(e),
    };
    redirect_or_again(
        done,
        |v| {
            Done::to(
                format!("/visits?building_id={}", f.building_id),
                "daily.done.visit",
            )
            .arg(
                "cases",
                v.followups.iter().filter(|x| x.case_id.is_some()).count(),
            )
        },
        async |e| render(&state, &ctx, f.clone(), Some(&e)).await,
    )
    .await
}
