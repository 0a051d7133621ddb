//! Registering, editing and moving residents, with their move history.

use jiff::civil::Date;
use serde::Serialize;
use sqlx::Row;

use crate::platform::reader::Reader;
use utoipa::ToSchema;

use super::{
    NewResident, ResidentStatus, duplicate_id, find_by_id_number, household_place, index_name,
};
use crate::platform::db::Tx;
use crate::platform::error::AppError;
use crate::platform::time;

fn last4(s: &str) -> String {
    s.chars()
        .rev()
        .take(4)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect()
}

/// Stores a new resident and the move-in; refuses a duplicate ID number, naming who holds it.
pub async fn insert(tx: &mut Tx, r: &NewResident, by: &str) -> Result<i64, AppError> {
    let (building, community, _) = household_place(tx, r.household_id).await?;
    if let Some(holder) = find_by_id_number(tx, r.id.as_str()).await? {
        return Err(duplicate_id(holder, community));
    }
    let now = time::now_db();
    let phone = r
        .phone
        .as_ref()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_default();
    let id: i64 = sqlx::query(
        "INSERT INTO residents (community_id, building_id, household_id, name, gender, birth_date, id_number, phone, \
         ethnicity, political_status, rep_party, rep_npc, rep_cppcc, rep_resident, moved_in, status, created_at, updated_at, \
         id_last4, phone_last4) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, 'living', $16, $16, $17, $18) \
         RETURNING id",
    )
    .bind(community)
    .bind(building)
    .bind(r.household_id)
    .bind(&r.name)
    .bind(r.id.gender())
    .bind(r.id.birth_date().to_string())
    .bind(r.id.as_str())
    .bind(&phone)
    .bind(&r.ethnicity)
    .bind(&r.political_status)
    .bind(i64::from(r.reps[0]))
    .bind(i64::from(r.reps[1]))
    .bind(i64::from(r.reps[2]))
    .bind(i64::from(r.reps[3]))
    .bind(r.moved_in.to_string())
    .bind(&now)
    .bind(last4(r.id.as_str()))
    .bind(last4(&phone))
    .fetch_one(&mut **tx)
    .await?
    .try_get("id")?;
    record_move(tx, id, "move_in", r.moved_in, Some(r.household_id), "", by).await?;
    index_name(tx, id, &r.name).await?;
    Ok(id)
}

/// Replaces a resident's record; a new household is a move between households.
pub async fn update(tx: &mut Tx, id: i64, r: &NewResident, by: &str) -> Result<(), AppError> {
    let (building, community, _) = household_place(tx, r.household_id).await?;
    if let Some(holder) = find_by_id_number(tx, r.id.as_str()).await?
        && holder.0 != id
    {
        return Err(duplicate_id(holder, community));
    }
    let old: i64 = sqlx::query("SELECT household_id FROM residents WHERE id = $1")
        .bind(id)
        .fetch_optional(&mut **tx)
        .await?
        .ok_or_else(AppError::not_found)?
        .try_get("household_id")?;
    let phone = r
        .phone
        .as_ref()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_default();
    sqlx::query(
        "UPDATE residents SET community_id = $1, building_id = $2, household_id = $3, name = $4, gender = $5, birth_date = $6, \
         id_number = $7, phone = $8, ethnicity = $9, political_status = $10, rep_party = $11, rep_npc = $12, rep_cppcc = $13, \
         rep_resident = $14, moved_in = $15, updated_at = $16, id_last4 = $17, phone_last4 = $18 WHERE id = $19",
    )
    .bind(community)
    .bind(building)
    .bind(r.household_id)
    .bind(&r.name)
    .bind(r.id.gender())
    .bind(r.id.birth_date().to_string())
    .bind(r.id.as_str())
    .bind(&phone)
    .bind(&r.ethnicity)
    .bind(&r.political_status)
    .bind(i64::from(r.reps[0]))
    .bind(i64::from(r.reps[1]))
    .bind(i64::from(r.reps[2]))
    .bind(i64::from(r.reps[3]))
    .bind(r.moved_in.to_string())
    .bind(time::now_db())
    .bind(last4(r.id.as_str()))
    .bind(last4(&phone))
    .bind(id)
    .execute(&mut **tx)
    .await?;
    if old != r.household_id {
        record_move(
            tx,
            id,
            "transfer",
            time::today(),
            Some(r.household_id),
            "",
            by,
        )
        .await?;
    }
    index_name(tx, id, &r.name).await?;
    Ok(())
}

pub async fn record_move(
    tx: &mut Tx,
    resident_id: i64,
    kind: &str,
    on: Date,
    household_id: Option<i64>,
    note: &str,
    by: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO resident_moves (resident_id, kind, on_date, household_id, note, created_at, created_by) VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(resident_id)
    .bind(kind)
    .bind(on.to_string())
    .bind(household_id)
    .bind(note)
    .bind(time::now_db())
    .bind(by)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// One entry of a resident's move history.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Move {
    /// move_in, move_out, transfer or deceased.
    pub kind: String,
    pub on_date: String,
    pub household_id: Option<i64>,
    pub note: String,
    pub created_by: String,
}

pub async fn moves(pool: &Reader, resident_id: i64) -> Result<Vec<Move>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT kind, on_date, household_id, note, created_by FROM resident_moves WHERE resident_id = $1 ORDER BY on_date, id",
    )
    .bind(resident_id)
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Move {
                kind: r.try_get("kind")?,
                on_date: r.try_get("on_date")?,
                household_id: r.try_get("household_id")?,
                note: r.try_get("note")?,
                created_by: r.try_get("created_by")?,
            })
        })
        .collect()
}

/// Marks a resident moved out or deceased (the record stays, with its history).
pub async fn leave(
    tx: &mut Tx,
    id: i64,
    kind: &str,
    on: Date,
    note: &str,
    by: &str,
) -> Result<(), AppError> {
    let status = match kind {
        "move_out" => ResidentStatus::MovedOut,
        "deceased" => ResidentStatus::Deceased,
        _ => return Err(AppError::invalid("kind", "registry.bad_move")),
    };
    if on > time::today() {
        return Err(AppError::invalid("on_date", "input.future_date"));
    }
    let res = sqlx::query("UPDATE residents SET status = $1, moved_out = $2, updated_at = $3 WHERE id = $4 AND status = $5")
        .bind(status)
        .bind(on.to_string())
        .bind(time::now_db())
        .bind(id)
        .bind(ResidentStatus::Living)
        .execute(&mut **tx)
        .await?;
    crate::platform::state::moved(res.rows_affected(), "registry.not_living")?;
    record_move(tx, id, kind, on, None, note, by).await?;
    Ok(())
}
