//! Residents: the record and its masked and revealed views. Search, parsing at the edge, the
//! name index and writes live beside this file.

mod grams;
mod input;
mod search;
mod write;

pub use grams::{BULK_TABLES, index_name, index_new_names, name_grams, query_grams};
pub use input::{NewResident, ResidentInput, duplicate_id, find_by_id_number, household_place};
pub use search::{PageOf, ResidentQuery, search};
pub use write::{Move, insert, leave, moves, record_move, update};

use serde::Serialize;
use sqlx::Row;

use crate::platform::reader::Reader;
use utoipa::ToSchema;

use super::id_number::mask;
use crate::auth::Place;

pub const POLITICAL: &[&str] = &[
    "party_member",
    "probationary_member",
    "league_member",
    "masses",
    "other_party",
    "non_party",
];
crate::workflow_state! {
    /// Whether a resident still lives in the community: moving out and death end it, and the
    /// record stays, with its history.
    pub enum ResidentStatus {
        Living = "living",
        MovedOut = "moved_out",
        Deceased = "deceased",
    }
}

impl ResidentStatus {
    pub fn living(self) -> bool {
        self == ResidentStatus::Living
    }
}

/// A resident as stored (full ID number and phone: never serialized as such).
#[derive(Clone, Debug)]
pub struct Resident {
    pub id: i64,
    pub street_id: i64,
    pub community_id: i64,
    pub compound_id: i64,
    pub building_id: i64,
    pub household_id: i64,
    pub name: String,
    pub gender: String,
    pub birth_date: String,
    pub id_number: String,
    pub phone: String,
    pub ethnicity: String,
    pub political_status: String,
    pub rep_party: bool,
    pub rep_npc: bool,
    pub rep_cppcc: bool,
    pub rep_resident: bool,
    pub moved_in: String,
    pub moved_out: Option<String>,
    pub status: ResidentStatus,
    pub address: String,
    /// Locked on a deletion request the law does not allow (`registry::rights`): kept, not
    /// processed.
    pub locked_at: Option<String>,
    pub lock_reason: String,
    /// Its personal data deleted (`registry::rights`).
    pub erased_at: Option<String>,
}

impl Resident {
    pub fn place(&self) -> Place {
        Place {
            street_id: Some(self.street_id),
            community_id: Some(self.community_id),
            building_id: Some(self.building_id),
        }
    }

    /// The view for an API or page: ID number and phone masked unless revealed.
    pub fn view(&self, reveal_id: bool, reveal_phone: bool) -> ResidentView {
        ResidentView {
            id: self.id,
            community_id: self.community_id,
            compound_id: self.compound_id,
            building_id: self.building_id,
            household_id: self.household_id,
            name: self.name.clone(),
            gender: self.gender.clone(),
            birth_date: self.birth_date.clone(),
            id_number: if reveal_id {
                self.id_number.clone()
            } else {
                mask(&self.id_number)
            },
            phone: if reveal_phone || self.phone.is_empty() {
                self.phone.clone()
            } else {
                mask(&self.phone)
            },
            ethnicity: self.ethnicity.clone(),
            political_status: self.political_status.clone(),
            rep_party: self.rep_party,
            rep_npc: self.rep_npc,
            rep_cppcc: self.rep_cppcc,
            rep_resident: self.rep_resident,
            moved_in: self.moved_in.clone(),
            moved_out: self.moved_out.clone(),
            status: self.status,
            address: self.address.clone(),
            locked: self.locked_at.is_some(),
            lock_reason: self.lock_reason.clone(),
        }
    }
}

/// A resident as shown: `id_number` and `phone` masked (first 3 + last 4) unless revealed.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct ResidentView {
    pub id: i64,
    pub community_id: i64,
    pub compound_id: i64,
    pub building_id: i64,
    pub household_id: i64,
    pub name: String,
    /// `male` or `female`.
    pub gender: String,
    pub birth_date: String,
    pub id_number: String,
    pub phone: String,
    pub ethnicity: String,
    /// party_member, probationary_member, league_member, masses, other_party, non_party.
    pub political_status: String,
    pub rep_party: bool,
    pub rep_npc: bool,
    pub rep_cppcc: bool,
    pub rep_resident: bool,
    pub moved_in: String,
    pub moved_out: Option<String>,
    pub status: ResidentStatus,
    pub address: String,
    /// Kept but no longer processed, after a deletion request the law does not allow (or once
    /// its personal data is deleted).
    pub locked: bool,
    /// Why it is locked: shown to the resident.
    pub lock_reason: String,
}

pub(super) const SELECT: &str = "SELECT r.id, c.street_id, r.community_id, b.compound_id, r.building_id, r.household_id, r.name, \
    r.gender, r.birth_date, r.id_number, r.phone, r.ethnicity, r.political_status, r.rep_party, r.rep_npc, r.rep_cppcc, \
    r.rep_resident, r.moved_in, r.moved_out, r.status, h.address, r.locked_at, r.lock_reason, r.erased_at \
    FROM residents r JOIN households h ON h.id = r.household_id JOIN buildings b ON b.id = r.building_id \
    JOIN communities c ON c.id = r.community_id";

pub(super) fn from_row(r: &sqlx::any::AnyRow) -> Result<Resident, sqlx::Error> {
    let flag = |name: &str| -> Result<bool, sqlx::Error> { Ok(r.try_get::<i64, _>(name)? != 0) };
    Ok(Resident {
        id: r.try_get("id")?,
        street_id: r.try_get("street_id")?,
        community_id: r.try_get("community_id")?,
        compound_id: r.try_get("compound_id")?,
        building_id: r.try_get("building_id")?,
        household_id: r.try_get("household_id")?,
        name: r.try_get("name")?,
        gender: r.try_get("gender")?,
        birth_date: r.try_get("birth_date")?,
        id_number: r.try_get("id_number")?,
        phone: r.try_get("phone")?,
        ethnicity: r.try_get("ethnicity")?,
        political_status: r.try_get("political_status")?,
        rep_party: flag("rep_party")?,
        rep_npc: flag("rep_npc")?,
        rep_cppcc: flag("rep_cppcc")?,
        rep_resident: flag("rep_resident")?,
        moved_in: r.try_get("moved_in")?,
        moved_out: r.try_get("moved_out")?,
        status: r.try_get("status")?,
        address: r.try_get("address")?,
        locked_at: r.try_get("locked_at")?,
        lock_reason: r.try_get("lock_reason")?,
        erased_at: r.try_get("erased_at")?,
    })
}

pub async fn get(pool: &Reader, id: i64) -> Result<Option<Resident>, sqlx::Error> {
    let row = sqlx::query(&format!("{SELECT} WHERE r.id = $1"))
        .bind(id)
        .fetch_optional(pool)
        .await?;
    row.as_ref().map(from_row).transpose()
}

pub async fn household_members(
    pool: &Reader,
    household_id: i64,
) -> Result<Vec<Resident>, sqlx::Error> {
    let rows = sqlx::query(&format!(
        // A locked record (PIPL Art. 47; an erased one is locked too) is kept, not shown.
        "{SELECT} WHERE r.household_id = $1 AND r.locked_at IS NULL ORDER BY r.birth_date, r.id"
    ))
    .bind(household_id)
    .fetch_all(pool)
    .await?;
    rows.iter().map(from_row).collect()
}
