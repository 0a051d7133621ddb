//! The name index: every character and every pair of adjacent characters of a name.

use sqlx::Row;

use crate::platform::db::{Tx, Val};

/// The grams a name is found by: each character, and each pair of adjacent characters.
pub fn name_grams(name: &str) -> Vec<String> {
    let chars: Vec<char> = name.chars().collect();
    let mut out: Vec<String> = chars.iter().map(|c| c.to_string()).collect();
    out.extend(chars.windows(2).map(|w| w.iter().collect::<String>()));
    out.sort();
    out.dedup();
    out
}

/// The grams a search fragment needs: itself if one character, else its adjacent pairs.
pub fn query_grams(q: &str) -> Vec<String> {
    let chars: Vec<char> = q.chars().collect();
    let mut out: Vec<String> = if chars.len() == 1 {
        vec![q.to_owned()]
    } else {
        chars.windows(2).map(|w| w.iter().collect()).collect()
    };
    out.sort();
    out.dedup();
    out
}

/// The tables a bulk load of residents fills, whose statistics it refreshes.
pub const BULK_TABLES: &[&str] = &[
    "residents",
    "households",
    "resident_name_grams",
    "resident_moves",
];

/// Indexes the names of a community's residents that have no grams yet (after bulk loads).
pub async fn index_new_names(tx: &mut Tx, community: i64) -> Result<(), sqlx::Error> {
    let rows = sqlx::query(
        "SELECT r.id, r.name FROM residents r WHERE r.community_id = $1 \
         AND NOT EXISTS (SELECT 1 FROM resident_name_grams g WHERE g.resident_id = r.id)",
    )
    .bind(community)
    .fetch_all(&mut **tx)
    .await?;
    let mut grams = Vec::new();
    for r in rows {
        let id: i64 = r.try_get("id")?;
        let name: String = r.try_get("name")?;
        grams.extend(
            name_grams(&name)
                .into_iter()
                .map(|g| vec![Val::I(id), Val::T(g)]),
        );
    }
    crate::platform::db::bulk_insert(tx, "resident_name_grams", &["resident_id", "gram"], &grams)
        .await
}

/// Replaces a resident's name grams.
pub async fn index_name(tx: &mut Tx, resident_id: i64, name: &str) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM resident_name_grams WHERE resident_id = $1")
        .bind(resident_id)
        .execute(&mut **tx)
        .await?;
    let rows: Vec<Vec<Val>> = name_grams(name)
        .into_iter()
        .map(|g| vec![Val::I(resident_id), Val::T(g)])
        .collect();
    crate::platform::db::bulk_insert(tx, "resident_name_grams", &["resident_id", "gram"], &rows)
        .await
}
