//! Writing a checked import: units, households, residents, their name grams and move-ins, in
//! one transaction.

use std::collections::HashMap;

use sqlx::Row;

use super::{ImportRow, Plan};
use crate::platform::db::{Tx, Val, bulk_insert};
use crate::platform::error::AppError;
use crate::platform::time;
use crate::registry::residents;

type DoorKey = (i64, i64, String);

/// Writes a plan without errors in one transaction; `progress` is told how many rows are done.
pub async fn commit(
    tx: &mut Tx,
    plan: &Plan,
    by: &str,
    progress: &(dyn Fn(usize) + Sync),
) -> Result<(), AppError> {
    if plan.report.error_count > 0 {
        return Err(
            AppError::invalid("file", "import.has_errors").arg("n", plan.report.error_count)
        );
    }
    let now = time::now_db();
    let created;
    let plan = if plan.new_buildings.is_empty() {
        plan
    } else {
        created = insert_buildings(tx, plan, &now).await?;
        &created
    };
    insert_households(tx, plan, &now).await?;
    let households = household_ids(tx, plan.community_id).await?;
    let mut done = 0;
    for chunk in plan.new_residents.chunks(2000) {
        insert_residents(tx, plan.community_id, chunk, &households, &now).await?;
        done += chunk.len();
        progress(done);
    }
    residents::index_new_names(tx, plan.community_id).await?;
    insert_moves(tx, plan, by, &now).await?;
    for (id, r) in &plan.updates {
        update_resident(
            tx,
            *id,
            r,
            households[&(r.building, r.unit, r.door.clone())],
            &now,
        )
        .await?;
        done += 1;
        progress(done);
    }
    Ok(())
}

/// Creates the buildings the plan was told to, and gives the plan with their ids for the
/// placeholders its rows carry.
async fn insert_buildings(tx: &mut Tx, plan: &Plan, now: &str) -> Result<Plan, AppError> {
    let mut ids: HashMap<i64, i64> = HashMap::new();
    for b in &plan.new_buildings {
        let id: i64 = sqlx::query(
            "INSERT INTO buildings (community_id, compound_id, number, units, floors, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING id",
        )
        .bind(plan.community_id)
        .bind(b.compound)
        .bind(&b.number)
        .bind(b.units)
        .bind(b.floors)
        .bind(now)
        .fetch_one(&mut **tx)
        .await?
        .try_get("id")?;
        crate::registry::places_edit::buildings::add_units(tx, id, b.units).await?;
        ids.insert(b.placeholder, id);
    }
    let real = |b: i64| ids.get(&b).copied().unwrap_or(b);
    let row = |r: &ImportRow| ImportRow {
        building: real(r.building),
        ..r.clone()
    };
    Ok(Plan {
        community_id: plan.community_id,
        report: plan.report.clone(),
        new_buildings: vec![],
        new_households: plan
            .new_households
            .iter()
            .map(|(b, u, d, t)| (real(*b), *u, d.clone(), t.clone()))
            .collect(),
        new_residents: plan.new_residents.iter().map(row).collect(),
        updates: plan.updates.iter().map(|(id, r)| (*id, row(r))).collect(),
    })
}

/// The units the new households need, then the households themselves.
async fn insert_households(tx: &mut Tx, plan: &Plan, now: &str) -> Result<(), AppError> {
    let mut units: HashMap<(i64, i64), i64> = HashMap::new();
    for r in sqlx::query("SELECT u.id, u.building_id, u.number FROM units u JOIN buildings b ON b.id = u.building_id WHERE b.community_id = $1")
        .bind(plan.community_id)
        .fetch_all(&mut **tx)
        .await?
    {
        units.insert((r.try_get("building_id")?, r.try_get("number")?), r.try_get("id")?);
    }
    let names: HashMap<i64, String> = sqlx::query(
        "SELECT b.id, c.name || p.name || b.number AS name FROM buildings b JOIN compounds p ON p.id = b.compound_id \
         JOIN communities c ON c.id = b.community_id WHERE b.community_id = $1",
    )
    .bind(plan.community_id)
    .fetch_all(&mut **tx)
    .await?
    .iter()
    .map(|r| Ok((r.try_get("id")?, r.try_get("name")?)))
    .collect::<Result<_, sqlx::Error>>()?;
    let mut rows = Vec::new();
    for (building, unit, door, tags) in &plan.new_households {
        let unit_id = match units.get(&(*building, *unit)) {
            Some(u) => *u,
            None => {
                let id: i64 = sqlx::query(
                    "INSERT INTO units (building_id, number) VALUES ($1, $2) RETURNING id",
                )
                .bind(*building)
                .bind(*unit)
                .fetch_one(&mut **tx)
                .await?
                .try_get("id")?;
                units.insert((*building, *unit), id);
                id
            }
        };
        let address = format!(
            "{}{unit}单元{door}室",
            names.get(building).cloned().unwrap_or_default()
        );
        rows.push(vec![
            Val::I(plan.community_id),
            Val::I(*building),
            Val::I(unit_id),
            Val::T(door.clone()),
            Val::T(address),
            Val::B(true),
            Val::T(tags.clone()),
            Val::T(now.to_owned()),
        ]);
    }
    let columns = [
        "community_id",
        "building_id",
        "unit_id",
        "door_number",
        "address",
        "occupied",
        "tags",
        "created_at",
    ];
    bulk_insert(tx, "households", &columns, &rows).await?;
    Ok(())
}

async fn household_ids(tx: &mut Tx, community: i64) -> Result<HashMap<DoorKey, i64>, sqlx::Error> {
    let mut out = HashMap::new();
    for r in sqlx::query(
        "SELECT h.id, h.building_id, u.number, h.door_number FROM households h JOIN units u ON u.id = h.unit_id WHERE h.community_id = $1",
    )
    .bind(community)
    .fetch_all(&mut **tx)
    .await?
    {
        out.insert((r.try_get("building_id")?, r.try_get("number")?, r.try_get("door_number")?), r.try_get("id")?);
    }
    Ok(out)
}

async fn insert_residents(
    tx: &mut Tx,
    community: i64,
    chunk: &[ImportRow],
    households: &HashMap<DoorKey, i64>,
    now: &str,
) -> Result<(), sqlx::Error> {
    let rows: Vec<Vec<Val>> = chunk
        .iter()
        .map(|r| {
            vec![
                Val::I(community),
                Val::I(r.building),
                Val::I(households[&(r.building, r.unit, r.door.clone())]),
                Val::T(r.name.clone()),
                Val::T(r.id.gender().into()),
                Val::T(r.id.birth_date().to_string()),
                Val::T(r.id.as_str().into()),
                Val::T(r.phone.clone()),
                Val::T(r.ethnicity.clone()),
                Val::T(r.political.clone()),
                Val::T(r.moved_in.clone()),
                Val::T("living".into()),
                Val::T(now.to_owned()),
                Val::T(now.to_owned()),
                Val::T(r.id.as_str()[14..].to_owned()),
                Val::T(r.phone.get(7..).unwrap_or("").to_owned()),
            ]
        })
        .collect();
    let columns = [
        "community_id",
        "building_id",
        "household_id",
        "name",
        "gender",
        "birth_date",
        "id_number",
        "phone",
        "ethnicity",
        "political_status",
        "moved_in",
        "status",
        "created_at",
        "updated_at",
        "id_last4",
        "phone_last4",
    ];
    bulk_insert(tx, "residents", &columns, &rows).await
}

/// The move-in of every new resident.
async fn insert_moves(tx: &mut Tx, plan: &Plan, by: &str, now: &str) -> Result<(), sqlx::Error> {
    let mut ids: HashMap<String, (i64, i64)> = HashMap::new();
    for r in sqlx::query("SELECT id, id_number, household_id FROM residents WHERE community_id = $1 AND created_at = $2")
        .bind(plan.community_id)
        .bind(now)
        .fetch_all(&mut **tx)
        .await?
    {
        ids.insert(r.try_get("id_number")?, (r.try_get("id")?, r.try_get("household_id")?));
    }
    let moves: Vec<Vec<Val>> = plan
        .new_residents
        .iter()
        .filter_map(|r| ids.get(r.id.as_str()).map(|(id, hid)| (r, *id, *hid)))
        .map(|(r, id, hid)| {
            vec![
                Val::I(id),
                Val::T("move_in".into()),
                Val::T(r.moved_in.clone()),
                Val::I(hid),
                Val::T("导入".into()),
                Val::T(now.to_owned()),
                Val::T(by.to_owned()),
            ]
        })
        .collect();
    let columns = [
        "resident_id",
        "kind",
        "on_date",
        "household_id",
        "note",
        "created_at",
        "created_by",
    ];
    bulk_insert(tx, "resident_moves", &columns, &moves).await
}

async fn update_resident(
    tx: &mut Tx,
    id: i64,
    r: &ImportRow,
    household: i64,
    now: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE residents SET building_id = $1, household_id = $2, name = $3, phone = $4, ethnicity = $5, political_status = $6, \
         moved_in = $7, updated_at = $8, phone_last4 = $9 WHERE id = $10",
    )
    .bind(r.building)
    .bind(household)
    .bind(&r.name)
    .bind(&r.phone)
    .bind(&r.ethnicity)
    .bind(&r.political)
    .bind(&r.moved_in)
    .bind(now)
    .bind(r.phone.get(7..).unwrap_or(""))
    .bind(id)
    .execute(&mut **tx)
    .await?;
    residents::index_name(tx, id, &r.name).await
}
