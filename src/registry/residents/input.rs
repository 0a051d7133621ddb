//! A resident's record as a form or JSON body gives it, parsed once at the edge.

use jiff::civil::Date;
use serde::Deserialize;
use sqlx::Row;
use utoipa::ToSchema;

use super::POLITICAL;
use crate::platform::db::Tx;
use crate::platform::error::AppError;
use crate::platform::time;
use crate::registry::id_number::IdNumber;
use crate::registry::phone::Phone;

/// What a form or JSON body says about a resident, before it is checked.
#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
pub struct ResidentInput {
    pub household_id: i64,
    pub name: String,
    pub id_number: String,
    /// Must agree with the ID number if given.
    pub gender: Option<String>,
    /// Must agree with the ID number if given (YYYY-MM-DD).
    pub birth_date: Option<String>,
    #[serde(default)]
    pub phone: String,
    pub ethnicity: Option<String>,
    pub political_status: Option<String>,
    #[serde(default)]
    pub rep_party: bool,
    #[serde(default)]
    pub rep_npc: bool,
    #[serde(default)]
    pub rep_cppcc: bool,
    #[serde(default)]
    pub rep_resident: bool,
    /// YYYY-MM-DD; default today.
    pub moved_in: Option<String>,
}

/// A checked resident record, ready to store.
#[derive(Clone, Debug)]
pub struct NewResident {
    pub household_id: i64,
    pub name: String,
    pub id: IdNumber,
    pub phone: Option<Phone>,
    pub ethnicity: String,
    pub political_status: String,
    pub reps: [bool; 4],
    pub moved_in: Date,
}

impl TryFrom<ResidentInput> for NewResident {
    type Error = AppError;

    fn try_from(i: ResidentInput) -> Result<Self, AppError> {
        let name = i.name.trim().to_owned();
        if name.is_empty() || name.chars().count() > 30 {
            return Err(AppError::invalid("name", "registry.bad_name"));
        }
        let id =
            IdNumber::parse(&i.id_number).map_err(|e| AppError::invalid("id_number", e.key()))?;
        if let Some(g) = i.gender.as_deref().map(str::trim).filter(|g| !g.is_empty())
            && g != id.gender()
        {
            return Err(AppError::invalid("gender", "registry.gender_mismatch"));
        }
        if let Some(b) = i
            .birth_date
            .as_deref()
            .map(str::trim)
            .filter(|b| !b.is_empty())
            && crate::platform::time::parse_day("birth_date", b)? != id.birth_date()
        {
            return Err(AppError::invalid("birth_date", "registry.birth_mismatch"));
        }
        let phone = match i.phone.trim() {
            "" => None,
            p => Some(Phone::parse(p).map_err(|k| AppError::invalid("phone", k))?),
        };
        let political_status = i.political_status.unwrap_or_else(|| "masses".into());
        if !POLITICAL.contains(&political_status.as_str()) {
            return Err(AppError::invalid(
                "political_status",
                "registry.bad_political_status",
            ));
        }
        let moved_in = match i
            .moved_in
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            Some(s) => crate::platform::time::parse_day("moved_in", s)?,
            None => time::today(),
        };
        if moved_in > time::today() {
            return Err(AppError::invalid("moved_in", "input.future_date"));
        }
        let ethnicity = i
            .ethnicity
            .map(|e| e.trim().to_owned())
            .filter(|e| !e.is_empty())
            .unwrap_or_else(|| "汉族".into());
        if ethnicity.chars().count() > 10 {
            return Err(AppError::invalid("ethnicity", "registry.bad_ethnicity"));
        }
        Ok(NewResident {
            household_id: i.household_id,
            name,
            id,
            phone,
            ethnicity,
            political_status,
            reps: [i.rep_party, i.rep_npc, i.rep_cppcc, i.rep_resident],
            moved_in,
        })
    }
}

/// The resident already registered under an ID number, as (id, name, community): for refusing
/// duplicates.
pub async fn find_by_id_number(
    tx: &mut Tx,
    id_number: &str,
) -> Result<Option<(i64, String, i64)>, sqlx::Error> {
    let row = sqlx::query("SELECT id, name, community_id FROM residents WHERE id_number = $1")
        .bind(id_number)
        .fetch_optional(&mut **tx)
        .await?;
    row.map(|r| {
        Ok((
            r.try_get("id")?,
            r.try_get("name")?,
            r.try_get("community_id")?,
        ))
    })
    .transpose()
}

/// The refusal of an ID number that `holder` already has. Within the same community it names
/// the record (the staff may read it anyway); in another community it says only that, so that
/// the form is no oracle for who lives where.
pub fn duplicate_id(
    holder: (i64, String, i64),
    community: i64,
) -> crate::platform::error::AppError {
    let (id, name, holder_community) = holder;
    if holder_community == community {
        crate::platform::error::AppError::conflict("registry.duplicate_id")
            .field("id_number")
            .arg("name", name)
            .arg("id", id)
    } else {
        crate::platform::error::AppError::conflict("registry.duplicate_elsewhere")
            .field("id_number")
    }
}

/// The household's building and community, or a 422 naming `household_id`.
pub async fn household_place(tx: &mut Tx, household_id: i64) -> Result<(i64, i64, i64), AppError> {
    let row = sqlx::query(
        "SELECT h.building_id, h.community_id, c.street_id FROM households h JOIN communities c ON c.id = h.community_id WHERE h.id = $1",
    )
    .bind(household_id)
    .fetch_optional(&mut **tx)
    .await?
    .ok_or_else(|| AppError::invalid("household_id", "registry.unknown_household"))?;
    Ok((
        row.try_get("building_id")?,
        row.try_get("community_id")?,
        row.try_get("street_id")?,
    ))
}
