//! The demo's places: a community with its compounds, buildings, units and households. The
//! fourth compound of community 1 is new, past half occupancy, and in its custody (M2).

use rand::Rng;
use rand_chacha::ChaCha8Rng;
use sqlx::Row;

use crate::platform::db::{Tx, Val, bulk_insert};

pub struct Community {
    pub id: i64,
    pub buildings: Vec<i64>,
    pub households: usize,
}

#[allow(clippy::too_many_arguments)]
pub async fn community(
    tx: &mut Tx,
    rng: &mut ChaCha8Rng,
    now: &str,
    street: i64,
    index: usize,
    name: &str,
    compounds: &[&str],
    buildings: &[usize; 4],
) -> anyhow::Result<Community> {
    let id: i64 = sqlx::query("INSERT INTO communities (street_id, code, name, created_at) VALUES ($1, $2, $3, $4) RETURNING id")
        .bind(street)
        .bind(format!("150102001{:03}", index + 1))
        .bind(name)
        .bind(now)
        .fetch_one(&mut **tx)
        .await?
        .try_get("id")?;
    let mut made = Community {
        id,
        buildings: vec![],
        households: 0,
    };
    let mut households: Vec<Vec<Val>> = Vec::new();
    for (pi, pname) in compounds.iter().enumerate() {
        let custodial = index == 0 && pi == 3;
        let pid: i64 = sqlx::query(
            "INSERT INTO compounds (community_id, name, custodial, has_committee, custodian_community_id, custodian_since, \
             homes, moved_in, created_at) VALUES ($1, $2, $3, 0, $4, $5, $6, $7, $8) RETURNING id",
        )
        .bind(id)
        .bind(*pname)
        .bind(i64::from(custodial))
        .bind(custodial.then_some(id))
        // The new estate: in custody since its first homes were handed over; the property
        // office reports 150 of its 240 homes moved into (62.5%: past half, M2's flag).
        .bind(custodial.then_some("2025-09-01"))
        .bind(custodial.then_some(240i64))
        .bind(custodial.then_some(150i64))
        .bind(now)
        .fetch_one(&mut **tx)
        .await?
        .try_get("id")?;
        for _ in 0..buildings[pi.min(3)] {
            let number = made.buildings.len() + 1;
            let units = rng.random_range(2..=3i64);
            let floors = if rng.random_bool(0.7) { 6 } else { 7 };
            // Near the street's real place (新城区, 呼和浩特), a block per community and compound.
            let lat = 40.80 + index as f64 * 0.006 + pi as f64 * 0.0015 + number as f64 * 0.0002;
            let lng = 111.66 + index as f64 * 0.008 + (number % 5) as f64 * 0.0003;
            let bid: i64 = sqlx::query(
                "INSERT INTO buildings (community_id, compound_id, number, units, floors, created_at, lat, lng) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
            )
            .bind(id)
            .bind(pid)
            .bind(format!("{number}号楼"))
            .bind(units)
            .bind(floors)
            .bind(now)
            .bind((lat * 1e6).round() / 1e6)
            .bind((lng * 1e6).round() / 1e6)
            .fetch_one(&mut **tx)
            .await?
            .try_get("id")?;
            made.buildings.push(bid);
            for u in 1..=units {
                let uid: i64 = sqlx::query(
                    "INSERT INTO units (building_id, number) VALUES ($1, $2) RETURNING id",
                )
                .bind(bid)
                .bind(u)
                .fetch_one(&mut **tx)
                .await?
                .try_get("id")?;
                for floor in 1..=floors {
                    for door in 1..=2 {
                        let door_number = format!("{floor}0{door}");
                        let occupied = rng.random_bool(if custodial { 0.62 } else { 0.93 });
                        let tags = match rng.random_range(0..100) {
                            0..=2 => "in_difficulty",
                            3..=9 => "rented_out",
                            10 => "key_household",
                            _ => "",
                        };
                        households.push(vec![
                            Val::I(id),
                            Val::I(bid),
                            Val::I(uid),
                            Val::T(door_number.clone()),
                            Val::T(format!("{name}{pname}{number}号楼{u}单元{door_number}室")),
                            Val::B(occupied),
                            Val::T(tags.into()),
                            Val::T(now.to_owned()),
                        ]);
                    }
                }
            }
        }
    }
    made.households = households.len();
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
    bulk_insert(tx, "households", &columns, &households).await?;
    Ok(made)
}
