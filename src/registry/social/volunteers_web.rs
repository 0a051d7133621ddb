//! A volunteer's form: registered from the resident's own page (`登记为志愿者`), corrected from
//! the organizations page; the same functions as `/api/v1/volunteers`.

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use serde::Deserialize;
use sqlx::Row;

use super::volunteers::{VolunteerInput, create_volunteer, edit_volunteer, volunteer_of};
use crate::auth::{Action, CsrfForm, Ctx, Target};
use crate::platform::AppState;
use crate::platform::error::AppError;
use crate::platform::flash::Done;
use crate::platform::forms::{Refused, Typed, again};
use crate::platform::i18n::Tr;
use crate::platform::input::Fields;
use crate::platform::web::{Chrome, Path, Query, redirect_or_again};

#[derive(Template)]
#[template(path = "registry/volunteer.html")]
struct VolunteerPage {
    chrome: Chrome,
    t: Tr,
    /// The record being corrected, or none for a new one.
    id: Option<i64>,
    resident_id: i64,
    /// The resident by name, with their building.
    who: String,
    skills: String,
    hours: String,
    since: String,
    refused: Refused,
    typed: Typed,
}

/// The resident's name and where they live, for a resident the caller may write about.
async fn who(state: &AppState, ctx: &Ctx, resident: i64) -> Result<String, AppError> {
    let r = crate::registry::residents::get(state.db.read(), resident)
        .await?
        .ok_or_else(AppError::not_found)?;
    ctx.require(Action::RegistryWrite, Target::At(r.place()))?;
    let building = crate::registry::places::scope_name(
        state.db.read(),
        crate::auth::Scope::Building(r.building_id),
    )
    .await?;
    Ok(format!("{} · {building}", r.name))
}

#[allow(clippy::too_many_arguments)]
async fn render(
    state: &AppState,
    ctx: &Ctx,
    id: Option<i64>,
    resident_id: i64,
    current: (String, String, String),
    refused: Option<(Typed, &AppError)>,
) -> Result<Response, AppError> {
    let who = who(state, ctx, resident_id).await?;
    let (typed, err) = Typed::split(refused);
    let (skills, hours, since) = current;
    again(
        &VolunteerPage {
            chrome: ctx.chrome(),
            t: ctx.t(),
            id,
            resident_id,
            who,
            skills,
            hours,
            since,
            refused: Refused::of(ctx.lang, "volunteer", err),
            typed,
        },
        err,
    )
}

fn input(resident_id: i64, f: &Fields) -> Result<VolunteerInput, AppError> {
    let hours = f
        .get("hours")
        .trim()
        .parse()
        .map_err(|_| AppError::invalid("hours", "registry.bad_hours"))?;
    Ok(VolunteerInput {
        resident_id,
        skills: f.get("skills"),
        hours,
        since: Some(f.get("since")),
    })
}

#[derive(Deserialize)]
pub struct NewQuery {
    resident_id: Option<i64>,
}

pub async fn new_form(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<NewQuery>,
) -> Result<Response, AppError> {
    // Authorized in render > who: RegistryWrite (and before: writes somewhere)
    if ctx.scopes(Action::RegistryWrite).is_empty() {
        ctx.require(Action::RegistryWrite, Target::System)?;
        return Err(AppError::forbidden());
    }
    let resident = q
        .resident_id
        .ok_or_else(|| AppError::invalid("resident_id", "input.bad_id"))?;
    let today = crate::platform::time::today().to_string();
    let current = (String::new(), "0".to_owned(), today);
    render(&state, &ctx, None, resident, current, None).await
}

/// `POST /organizations/volunteers`: a resident registered as a volunteer.
pub async fn create(
    State(state): State<AppState>,
    CsrfForm(ctx, f): CsrfForm<Fields>,
) -> Result<Response, AppError> {
    // Authorized in create_volunteer: RegistryWrite (a form without its resident: 422)
    let resident = f
        .id("resident_id")?
        .ok_or_else(|| AppError::invalid("resident_id", "input.bad_id"))?;
    let done = match input(resident, &f) {
        Ok(i) => create_volunteer(&state, &ctx, &i).await,
        Err(e) => Err(e),
    };
    redirect_or_again(
        done,
        |_| Done::to("/organizations#volunteers", "orgs.done.volunteer_created"),
        async |e| {
            let typed = Typed::of("volunteer", &f);
            let current = Default::default();
            render(&state, &ctx, None, resident, current, Some((typed, &e))).await
        },
    )
    .await
}

pub async fn edit_form(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    // Authorized in render > who: RegistryWrite
    let (_, resident) = volunteer_of(&state, id).await?;
    let r = sqlx::query("SELECT skills, hours, since FROM volunteers WHERE id = $1")
        .bind(id)
        .fetch_one(state.db.read())
        .await?;
    let current = (
        r.try_get("skills")?,
        r.try_get::<i64, _>("hours")?.to_string(),
        r.try_get("since")?,
    );
    render(&state, &ctx, Some(id), resident, current, None).await
}

/// `POST /organizations/volunteers/{id}`: skills, hours and the day since corrected.
pub async fn save(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    CsrfForm(ctx, f): CsrfForm<Fields>,
) -> Result<Response, AppError> {
    // Authorized in edit_volunteer > community_target: RegistryWrite
    let (_, resident) = volunteer_of(&state, id).await?;
    let done = match input(resident, &f) {
        Ok(i) => edit_volunteer(&state, &ctx, id, &i).await,
        Err(e) => Err(e),
    };
    redirect_or_again(
        done,
        |()| Done::to("/organizations#volunteers", "orgs.done.volunteer_saved"),
        async |e| {
            let typed = Typed::of("volunteer", &f);
            let current = Default::default();
            render(&state, &ctx, Some(id), resident, current, Some((typed, &e))).await
        },
    )
    .await
}
