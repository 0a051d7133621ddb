//! Services and aid on pages (M17): a service event or a delivery to a household is recorded in
//! one form; an aid plan (帮扶) is opened for a household in difficulty, its actions recorded with
//! their amounts, and reviewed, which closes it. Both lists name households and can name illness:
//! the reads are audited as sensitive, the same functions as the API's.

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use serde::Deserialize;

use super::aid::{
    ActionInput, AidPlan, PlanInput, ReviewInput, act_on_plan, open_plan, plans_of, review_plan,
};
use super::choices::{self, Pick, name_of};
use super::patrols::DatedQuery;
use super::services::{KINDS, Service, TOPICS, record_service, services_of};
use crate::auth::{Action, CsrfForm, Ctx};
use crate::platform::AppState;
use crate::platform::error::AppError;
use crate::platform::flash::Done;
use crate::platform::forms::{Refused, again};
use crate::platform::i18n::Tr;
use crate::platform::input::optional_id;
use crate::platform::web::{Chrome, Path, Query, redirect_or_again};

#[derive(Clone, Default, Deserialize)]
pub struct ServiceForm {
    #[serde(default)]
    pub building_id: String,
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub topic: String,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub service_date: String,
    #[serde(default)]
    pub place: String,
    #[serde(default)]
    pub household_id: String,
    #[serde(default)]
    pub attendance: String,
    #[serde(default)]
    pub notes: String,
    /// The community's service station delivered it (its id).
    #[serde(default)]
    pub station_id: String,
}

#[derive(Template)]
#[template(path = "daily/services.html")]
struct ServicesPage {
    chrome: Chrome,
    t: Tr,
    writer: bool,
    kinds: &'static [&'static str],
    topics: &'static [&'static str],
    buildings: Vec<(i64, String)>,
    households: Vec<(i64, String)>,
    items: Vec<Service>,
    addresses: Vec<(i64, String)>,
    f: ServiceForm,
    refused: Refused,
    /// The community's service station (id, name), if it has one.
    station: Option<(i64, String)>,
}

impl ServicesPage {
    fn address(&self, id: &Option<i64>) -> String {
        name_of(&self.addresses, *id)
    }
}

async fn render_services(
    state: &AppState,
    ctx: &Ctx,
    mut f: ServiceForm,
    err: Option<&AppError>,
) -> Result<Response, AppError> {
    let list = services_of(state, ctx, DatedQuery::default()).await?;
    let community = choices::community(ctx, Action::FieldWork);
    let (buildings, households) =
        choices::picked_households(state, community, &mut f.building_id).await?;
    let ids: Vec<i64> = list.items.iter().filter_map(|s| s.household_id).collect();
    let addresses = choices::addresses(state, &ids).await?;
    if f.service_date.is_empty() {
        f.service_date = crate::platform::time::today().to_string();
    }
    let station = match community {
        Some(c) => crate::registry::stations::named(state.db.read(), c).await?,
        None => None,
    };
    again(
        &ServicesPage {
            chrome: ctx.chrome(),
            t: ctx.t(),
            writer: community.is_some(),
            kinds: KINDS,
            topics: TOPICS,
            buildings,
            households,
            items: list.items,
            addresses,
            f,
            refused: Refused::of(ctx.lang, "service", err),
            station,
        },
        err,
    )
}

pub async fn services_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(p): Query<Pick>,
) -> Result<Response, AppError> {
    // Authorized in render_services > services_of: FieldWorkRead
    let f = ServiceForm {
        building_id: p.building_id,
        ..Default::default()
    };
    render_services(&state, &ctx, f, None).await
}

pub async fn services_submit(
    State(state): State<AppState>,
    CsrfForm(ctx, f): CsrfForm<ServiceForm>,
) -> Result<Response, AppError> {
    // Authorized in record_service: FieldWork
    let input = (|| {
        Ok::<_, AppError>(Service {
            id: 0,
            community_id: None,
            kind: f.kind.clone(),
            topic: f.topic.clone(),
            title: f.title.clone(),
            service_date: Some(f.service_date.clone()),
            place: f.place.clone(),
            household_id: match f.kind.as_str() {
                // A delivery names its household; an event does not, whatever the list shows.
                "delivery" => optional_id("household_id", &f.household_id)?,
                _ => None,
            },
            attendance: match f.attendance.trim() {
                "" => 0,
                s => s
                    .parse()
                    .map_err(|_| AppError::invalid("attendance", "daily.bad_service"))?,
            },
            notes: f.notes.clone(),
            station_id: optional_id("station_id", &f.station_id)?,
        })
    })();
    let done = match input {
        Ok(s) => record_service(&state, &ctx, s).await,
        Err(e) => Err(e),
    };
    redirect_or_again(
        done,
        |s| Done::to("/services", "daily.done.service").arg("title", s.title),
        async |e| render_services(&state, &ctx, f.clone(), Some(&e)).await,
    )
    .await
}

#[derive(Clone, Default, Deserialize)]
pub struct AidForm {
    #[serde(default)]
    pub building_id: String,
    #[serde(default)]
    pub household_id: String,
    #[serde(default)]
    pub reason: String,
    #[serde(default)]
    pub plan: String,
    #[serde(default)]
    pub action_date: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub amount: String,
    #[serde(default)]
    pub review: String,
}

#[derive(Template)]
#[template(path = "daily/aid.html")]
struct AidPage {
    chrome: Chrome,
    t: Tr,
    buildings: Vec<(i64, String)>,
    households: Vec<(i64, String)>,
    items: Vec<AidPlan>,
    f: AidForm,
    /// Which form the typed values belong to: `plan`, `act-{id}` or `review-{id}`.
    refused: Refused,
    today: String,
}

impl AidPage {
    /// What was typed in this form, if it is the one that came back.
    fn typed<'a>(&'a self, form: &str, value: &'a str) -> &'a str {
        if self.refused.form == form { value } else { "" }
    }
}

async fn render_aid(
    state: &AppState,
    ctx: &Ctx,
    mut f: AidForm,
    form: &str,
    err: Option<&AppError>,
) -> Result<Response, AppError> {
    let list = plans_of(state, ctx, DatedQuery::default()).await?;
    let community = choices::community(ctx, Action::AidManage);
    let (buildings, households) =
        choices::picked_households(state, community, &mut f.building_id).await?;
    let refused = Refused::of(ctx.lang, form, err);
    again(
        &AidPage {
            chrome: ctx.chrome(),
            t: ctx.t(),
            buildings,
            households,
            items: list.items,
            f,
            refused,
            today: crate::platform::time::today().to_string(),
        },
        err,
    )
}

pub async fn aid_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(p): Query<Pick>,
) -> Result<Response, AppError> {
    // Authorized in render_aid > plans_of: AidManage
    let f = AidForm {
        building_id: p.building_id,
        ..Default::default()
    };
    render_aid(&state, &ctx, f, "", None).await
}

pub async fn aid_submit(
    State(state): State<AppState>,
    CsrfForm(ctx, f): CsrfForm<AidForm>,
) -> Result<Response, AppError> {
    // Authorized in open_plan: AidManage
    let done = match optional_id("household_id", &f.household_id) {
        Ok(Some(h)) => {
            let p = PlanInput {
                community_id: None,
                household_id: h,
                reason: f.reason.clone(),
                plan: f.plan.clone(),
            };
            open_plan(&state, &ctx, p).await
        }
        Ok(None) => Err(AppError::invalid("household_id", "daily.pick_household")),
        Err(e) => Err(e),
    };
    redirect_or_again(
        done,
        |p| Done::to("/aid", "daily.done.aid_opened").arg("household", p.household),
        async |e| render_aid(&state, &ctx, f.clone(), "plan", Some(&e)).await,
    )
    .await
}

pub async fn aid_act(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    CsrfForm(ctx, f): CsrfForm<AidForm>,
) -> Result<Response, AppError> {
    // Authorized in act_on_plan > managed: AidManage
    let a = ActionInput {
        action_date: Some(f.action_date.clone()),
        description: f.description.clone(),
        amount: f.amount.clone(),
    };
    redirect_or_again(
        act_on_plan(&state, &ctx, id, a).await,
        |p| {
            Done::to(format!("/aid#plan-{id}"), "daily.done.aid_act")
                .arg("household", p.household)
                .arg("total", p.total)
        },
        async |e| render_aid(&state, &ctx, f.clone(), &format!("act-{id}"), Some(&e)).await,
    )
    .await
}

pub async fn aid_review(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    CsrfForm(ctx, f): CsrfForm<AidForm>,
) -> Result<Response, AppError> {
    // Authorized in review_plan > managed: AidManage
    let r = ReviewInput {
        review: f.review.clone(),
    };
    redirect_or_again(
        review_plan(&state, &ctx, id, r).await,
        |p| {
            Done::to(format!("/aid#plan-{id}"), "daily.done.aid_review")
                .arg("household", p.household)
        },
        async |e| render_aid(&state, &ctx, f.clone(), &format!("review-{id}"), Some(&e)).await,
    )
    .await
}
