//! Plausible demo residents: Chinese names, checksum-valid (fake) ID numbers, phones, ages,
//! ethnicity, political status and representative roles.

use std::collections::HashSet;

use jiff::civil::Date;
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use sqlx::Row;

use super::AREA;
use super::names;
use crate::platform::db::{Tx, Val, bulk_insert};
use crate::registry::id_number::IdNumber;

struct Resident {
    name: String,
    id: IdNumber,
    phone: String,
    ethnicity: &'static str,
    political: &'static str,
    reps: [bool; 4],
    moved_in: Date,
}

pub(super) fn pick<'a, T>(rng: &mut ChaCha8Rng, xs: &'a [T]) -> &'a T {
    &xs[rng.random_range(0..xs.len())]
}

fn person(
    rng: &mut ChaCha8Rng,
    seen: &mut HashSet<String>,
    age_range: (i16, i16),
    party_share: f64,
) -> Resident {
    let male = rng.random_bool(0.5);
    let surname = pick(rng, names::SURNAMES);
    let chars = if male {
        names::MALE_CHARS
    } else {
        names::FEMALE_CHARS
    };
    let first = *pick(rng, chars);
    let given = if rng.random_bool(0.6) {
        let second = *pick(rng, chars);
        if second == first {
            first.to_owned()
        } else {
            format!("{first}{second}")
        }
    } else {
        first.to_owned()
    };
    let age = rng.random_range(age_range.0..=age_range.1);
    let month = rng.random_range(1..=12);
    let birth = Date::new(
        2026 - age,
        // This year's babies were born by October: no one is born after the demo's days
        // (an ID number with a birth date to come is refused everywhere, imports included).
        if age == 0 { month.min(10) } else { month },
        rng.random_range(1..=28),
    )
    .expect("valid date");
    let id = loop {
        let seq = rng.random_range(0..500u16) * 2 + u16::from(male);
        let id = IdNumber::compose(AREA, birth, seq);
        if seen.insert(id.as_str().to_owned()) {
            break id;
        }
    };
    let phone = if age >= 16 {
        format!(
            "{}{:08}",
            pick(rng, names::MOBILE_PREFIXES),
            rng.random_range(0..100_000_000u32)
        )
    } else {
        String::new()
    };
    let roll = rng.random_range(0..100u32);
    let mut acc = 0;
    let ethnicity = names::ETHNICITIES
        .iter()
        .find(|(_, w)| {
            acc += w;
            roll < acc
        })
        .map(|(e, _)| *e)
        .unwrap_or("汉族");
    let political = if age >= 18 && rng.random_bool(party_share) {
        "party_member"
    } else {
        "masses"
    };
    let adult = age >= 18;
    let reps = [
        adult && political == "party_member" && rng.random_bool(0.15),
        adult && rng.random_bool(0.004),
        adult && rng.random_bool(0.004),
        adult && rng.random_bool(0.03),
    ];
    let moved_in = Date::new(
        rng.random_range(1995..=2025),
        rng.random_range(1..=12),
        rng.random_range(1..=28),
    )
    .expect("valid");
    Resident {
        name: format!("{surname}{given}"),
        id,
        phone,
        ethnicity,
        political,
        reps,
        moved_in,
    }
}

/// Fills the occupied households of a community; returns how many residents it made.
pub async fn residents(
    tx: &mut Tx,
    rng: &mut ChaCha8Rng,
    seen: &mut HashSet<String>,
    now: &str,
    community: i64,
    party_share: f64,
) -> anyhow::Result<usize> {
    let rows = sqlx::query("SELECT id, building_id FROM households WHERE community_id = $1 AND occupied = 1 ORDER BY id")
        .bind(community)
        .fetch_all(&mut **tx)
        .await?;
    let mut residents: Vec<Vec<Val>> = Vec::new();
    for r in rows {
        let hid: i64 = r.try_get("id")?;
        let bid: i64 = r.try_get("building_id")?;
        let size = *pick(rng, &[1usize, 2, 2, 3, 3, 3, 4, 5]);
        for m in 0..size {
            let ages = if m < 2 { (22, 88) } else { (0, 20) };
            let p = person(rng, seen, ages, party_share);
            let phone_last4 = p.phone.get(7..).unwrap_or("").to_owned();
            residents.push(vec![
                Val::I(community),
                Val::I(bid),
                Val::I(hid),
                Val::T(p.name),
                Val::T(p.id.gender().into()),
                Val::T(p.id.birth_date().to_string()),
                Val::T(p.id.as_str().into()),
                Val::T(p.phone),
                Val::T(p.ethnicity.into()),
                Val::T(p.political.into()),
                Val::B(p.reps[0]),
                Val::B(p.reps[1]),
                Val::B(p.reps[2]),
                Val::B(p.reps[3]),
                Val::T(p.moved_in.to_string()),
                Val::T("living".into()),
                Val::T(now.to_owned()),
                Val::T(now.to_owned()),
                Val::T(p.id.as_str()[14..].to_owned()),
                Val::T(phone_last4),
            ]);
        }
    }
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
        "rep_party",
        "rep_npc",
        "rep_cppcc",
        "rep_resident",
        "moved_in",
        "status",
        "created_at",
        "updated_at",
        "id_last4",
        "phone_last4",
    ];
    bulk_insert(tx, "residents", &columns, &residents).await?;
    crate::registry::residents::index_new_names(tx, community).await?;
    Ok(residents.len())
}

/// In each community, one resident has asked for their personal data to be deleted (PIPL Art.
/// 47, `registry::rights`): a request waiting for the head's answer on the corrections page.
/// They still live there, so the answer can only lock the record, with the reason.
pub async fn erasure_requests(tx: &mut Tx, communities: &[i64], now: &str) -> anyhow::Result<()> {
    for c in communities {
        sqlx::query(
            "INSERT INTO erasure_requests (community_id, resident_id, user_id, message, status, reason, created_at) \
             SELECT community_id, MAX(id), NULL, $2, 'open', '', $3 FROM residents \
             WHERE community_id = $1 AND status = 'living' GROUP BY community_id",
        )
        .bind(c)
        .bind("我不想再让社区保存我的个人信息，请删除。")
        .bind(now)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}
