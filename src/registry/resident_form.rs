//! The pages that register, edit and move residents: forms with each error next to its field.

use crate::platform::web::{Path, Query};
use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::residents::{self, NewResident, POLITICAL, ResidentInput};
use crate::audit::{self, Entry};
use crate::auth::{Action, CsrfForm, Ctx, Place, Target};
use crate::platform::AppState;
use crate::platform::error::AppError;
use crate::platform::i18n::{Tr, tf};
use crate::platform::web::{Chrome, page};

/// The form as typed: text fields and checkboxes.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct ResidentForm {
    #[serde(default)]
    pub household_id: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub id_number: String,
    #[serde(default)]
    pub phone: String,
    #[serde(default)]
    pub ethnicity: String,
    #[serde(default)]
    pub political_status: String,
    #[serde(default)]
    pub moved_in: String,
    pub rep_party: Option<String>,
    pub rep_npc: Option<String>,
    pub rep_cppcc: Option<String>,
    pub rep_resident: Option<String>,
}

impl ResidentForm {
    fn input(&self) -> Result<ResidentInput, AppError> {
        let household_id = self
            .household_id
            .trim()
            .parse()
            .map_err(|_| AppError::invalid("household_id", "registry.unknown_household"))?;
        Ok(ResidentInput {
            household_id,
            name: self.name.clone(),
            id_number: self.id_number.clone(),
            gender: None,
            birth_date: None,
            phone: self.phone.clone(),
            ethnicity: Some(self.ethnicity.clone()),
            political_status: Some(if self.political_status.is_empty() {
                "masses".into()
            } else {
                self.political_status.clone()
            }),
            rep_party: self.rep_party.is_some(),
            rep_npc: self.rep_npc.is_some(),
            rep_cppcc: self.rep_cppcc.is_some(),
            rep_resident: self.rep_resident.is_some(),
            moved_in: Some(self.moved_in.clone()),
        })
    }
}

/// One text input of the form.
struct Field {
    name: &'static str,
    label: &'static str,
    value: String,
    kind: &'static str,
    placeholder: String,
}

impl ResidentForm {
    /// The text inputs; on an edit, the ID number and phone are empty with their masked values
    /// as placeholders (leave them empty to keep them).
    fn fields(&self, masked: Option<(String, String)>) -> Vec<Field> {
        let (id_hint, phone_hint) = masked.unwrap_or_default();
        let f = |name, label, value: &str, kind, placeholder: String| Field {
            name,
            label,
            value: value.to_owned(),
            kind,
            placeholder,
        };
        vec![
            f(
                "household_id",
                "residents.household_id",
                &self.household_id,
                "number",
                String::new(),
            ),
            f("name", "residents.name", &self.name, "text", String::new()),
            f(
                "id_number",
                "residents.id_number",
                &self.id_number,
                "text",
                id_hint,
            ),
            f("phone", "residents.phone", &self.phone, "tel", phone_hint),
            f(
                "ethnicity",
                "residents.ethnicity",
                &self.ethnicity,
                "text",
                String::new(),
            ),
            f(
                "moved_in",
                "residents.moved_in",
                &self.moved_in,
                "date",
                String::new(),
            ),
        ]
    }
}

#[derive(Template)]
#[template(path = "registry/resident_form.html")]
struct FormPage {
    chrome: Chrome,
    t: Tr,
    action: String,
    title: &'static str,
    f: ResidentForm,
    fields: Vec<Field>,
    political: &'static [&'static str],
    error_field: String,
    error: String,
}

fn render(
    ctx: &Ctx,
    action: String,
    title: &'static str,
    f: ResidentForm,
    masked: Option<(String, String)>,
    err: Option<&AppError>,
) -> Result<Response, AppError> {
    let (error_field, error) = match err {
        Some(e) => (
            e.field.clone().unwrap_or_default(),
            tf(ctx.lang, e.key, &e.args),
        ),
        None => (String::new(), String::new()),
    };
    let mut res = page(&FormPage {
        chrome: ctx.chrome(),
        t: ctx.t(),
        action,
        title,
        fields: f.fields(masked),
        f,
        political: POLITICAL,
        error_field,
        error,
    })?;
    if let Some(e) = err {
        *res.status_mut() = e.status;
    }
    Ok(res)
}

#[derive(Deserialize)]
pub struct NewQuery {
    household_id: Option<i64>,
}

pub async fn new_form(ctx: Ctx, Query(q): Query<NewQuery>) -> Result<Response, AppError> {
    if ctx.scopes(Action::RegistryWrite).is_empty() {
        ctx.require(Action::RegistryWrite, Target::System)?;
        return Err(AppError::forbidden());
    }
    let f = ResidentForm {
        household_id: q.household_id.map(|h| h.to_string()).unwrap_or_default(),
        ..ResidentForm::default()
    };
    render(
        &ctx,
        "/residents/new".into(),
        "residents.new_title",
        f,
        None,
        None,
    )
}

async fn household_place(state: &AppState, household_id: i64) -> Result<Place, AppError> {
    let mut tx = state.db.begin().await?;
    let (building, community, street) = residents::household_place(&mut tx, household_id).await?;
    Ok(Place {
        street_id: Some(street),
        community_id: Some(community),
        building_id: Some(building),
    })
}

/// Checks and writes a form; a user's mistake comes back as the form with the message.
async fn save(
    state: &AppState,
    ctx: &Ctx,
    id: Option<i64>,
    f: &ResidentForm,
) -> Result<i64, AppError> {
    let new = NewResident::try_from(f.input()?)?;
    let place = household_place(state, new.household_id).await?;
    ctx.require(Action::RegistryWrite, Target::At(place))?;
    let mut tx = state.db.begin().await?;
    let id = match id {
        Some(id) => {
            residents::update(&mut tx, id, &new, &ctx.actor().name).await?;
            audit::record(
                &mut tx,
                &ctx.actor(),
                Entry::new("registry.update", "resident", id).at(place),
            )
            .await?;
            id
        }
        None => {
            let id = residents::insert(&mut tx, &new, &ctx.actor().name).await?;
            audit::record(
                &mut tx,
                &ctx.actor(),
                Entry::new("registry.create", "resident", id).at(place),
            )
            .await?;
            id
        }
    };
    tx.commit().await?;
    Ok(id)
}

fn form_error(e: &AppError) -> bool {
    crate::platform::web::fixable(e)
}

pub async fn create(
    State(state): State<AppState>,
    CsrfForm(ctx, f): CsrfForm<ResidentForm>,
) -> Result<Response, AppError> {
    // Authorized in save: RegistryWrite
    match save(&state, &ctx, None, &f).await {
        Ok(id) => Ok(Redirect::to(&format!("/residents/{id}?saved=1")).into_response()),
        // What was typed comes back whole (it is the typist's own input), next to its error.
        Err(e) if form_error(&e) => Ok(crate::platform::pii::unmasked_if(
            true,
            render(
                &ctx,
                "/residents/new".into(),
                "residents.new_title",
                f,
                None,
                Some(&e),
            )?,
        )),
        Err(e) => Err(e),
    }
}

pub async fn edit_form(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let r = residents::get(state.db.read(), id)
        .await?
        .ok_or_else(AppError::not_found)?;
    ctx.require(Action::RegistryWrite, Target::At(r.place()))?;
    super::rights::ensure_processable(&r)?;
    let masked = (
        super::id_number::mask(&r.id_number),
        if r.phone.is_empty() {
            String::new()
        } else {
            super::id_number::mask(&r.phone)
        },
    );
    let f = ResidentForm {
        household_id: r.household_id.to_string(),
        name: r.name.clone(),
        // Left empty: the full values are not shown; empty keeps them as they are.
        id_number: String::new(),
        phone: String::new(),
        ethnicity: r.ethnicity.clone(),
        political_status: r.political_status.clone(),
        moved_in: r.moved_in.clone(),
        rep_party: r.rep_party.then(|| "on".into()),
        rep_npc: r.rep_npc.then(|| "on".into()),
        rep_cppcc: r.rep_cppcc.then(|| "on".into()),
        rep_resident: r.rep_resident.then(|| "on".into()),
    };
    render(
        &ctx,
        format!("/residents/{id}/edit"),
        "residents.edit_title",
        f,
        Some(masked),
        None,
    )
}

pub async fn update(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    CsrfForm(ctx, f): CsrfForm<ResidentForm>,
) -> Result<Response, AppError> {
    let old = residents::get(state.db.read(), id)
        .await?
        .ok_or_else(AppError::not_found)?;
    ctx.require(Action::RegistryWrite, Target::At(old.place()))?;
    super::rights::ensure_processable(&old)?;
    let mut full = f.clone();
    if full.id_number.trim().is_empty() {
        full.id_number = old.id_number.clone();
    }
    if full.phone.trim().is_empty() {
        full.phone = old.phone.clone();
    }
    match save(&state, &ctx, Some(id), &full).await {
        Ok(id) => Ok(Redirect::to(&format!("/residents/{id}?saved=1")).into_response()),
        Err(e) if form_error(&e) => {
            let masked = (
                super::id_number::mask(&old.id_number),
                super::id_number::mask(&old.phone),
            );
            // Only what was typed is whole; the stored values stay masked.
            Ok(crate::platform::pii::unmasked_if(
                true,
                render(
                    &ctx,
                    format!("/residents/{id}/edit"),
                    "residents.edit_title",
                    f,
                    Some(masked),
                    Some(&e),
                )?,
            ))
        }
        Err(e) => Err(e),
    }
}

/// Moving out or death, from the resident's page.
pub async fn move_out(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    CsrfForm(ctx, m): CsrfForm<super::api::MoveInput>,
) -> Result<Response, AppError> {
    // Authorized in super::api::record_leave: RegistryWrite
    super::api::record_leave(&state, &ctx, id, &m).await?;
    Ok(Redirect::to(&format!("/residents/{id}?saved=1")).into_response())
}
