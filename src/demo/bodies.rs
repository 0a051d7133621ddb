//! The demo's bodies in community 1: a building group with its leader for every building, the
//! council of 11 (the secretary as president, ten elected building leaders, one of them vice
//! president), and a supervisory board of resident representatives.

use sqlx::Row;

use crate::platform::db::Tx;

async fn body(
    tx: &mut Tx,
    street: i64,
    community: i64,
    building: Option<i64>,
    kind: &str,
    name: &str,
    now: &str,
) -> Result<i64, sqlx::Error> {
    sqlx::query("INSERT INTO bodies (street_id, community_id, building_id, kind, name, created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id")
        .bind(street)
        .bind(community)
        .bind(building)
        .bind(kind)
        .bind(name)
        .bind(now)
        .fetch_one(&mut **tx)
        .await?
        .try_get("id")
}

#[allow(clippy::too_many_arguments)]
async fn seat(
    tx: &mut Tx,
    body: i64,
    resident: Option<i64>,
    user: Option<i64>,
    name: &str,
    position: &str,
    source: &str,
    now: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO body_members (body_id, resident_id, user_id, name, position, source, term_from, term_to, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, '2026-01-01', '2028-12-31', $7)",
    )
    .bind(body)
    .bind(resident)
    .bind(user)
    .bind(name)
    .bind(position)
    .bind(source)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// `leader` is the demo building leader's resident record (the leader of `buildings[0]`).
pub async fn load(
    tx: &mut Tx,
    street: i64,
    community: i64,
    buildings: &[i64],
    leader: i64,
    now: &str,
) -> anyhow::Result<()> {
    let mut leaders = Vec::new();
    for (i, b) in buildings.iter().enumerate() {
        let row = if i == 0 {
            sqlx::query("SELECT id, name FROM residents WHERE id = $1")
                .bind(leader)
                .fetch_one(&mut **tx)
                .await?
        } else {
            match sqlx::query("SELECT id, name FROM residents WHERE building_id = $1 AND birth_date < '1990-01-01' ORDER BY id LIMIT 1")
                .bind(*b)
                .fetch_optional(&mut **tx)
                .await?
            {
                Some(r) => r,
                None => continue,
            }
        };
        let (rid, name): (i64, String) = (row.try_get("id")?, row.try_get("name")?);
        let group = body(
            tx,
            street,
            community,
            Some(*b),
            "building_group",
            &format!("{}号楼居民自治小组", i + 1),
            now,
        )
        .await?;
        seat(
            tx,
            group,
            Some(rid),
            None,
            &name,
            "president",
            "elected",
            now,
        )
        .await?;
        leaders.push((rid, name));
    }
    let council = body(
        tx,
        street,
        community,
        None,
        "council",
        "三角线社区居民议事协调会",
        now,
    )
    .await?;
    let head = sqlx::query("SELECT id, display_name FROM users WHERE username = 'head'")
        .fetch_one(&mut **tx)
        .await?;
    seat(
        tx,
        council,
        None,
        Some(head.try_get("id")?),
        &head.try_get::<String, _>("display_name")?,
        "president",
        "ex_officio",
        now,
    )
    .await?;
    for (i, (rid, name)) in leaders.iter().take(10).enumerate() {
        seat(
            tx,
            council,
            Some(*rid),
            None,
            name,
            if i == 1 { "vice_president" } else { "member" },
            "elected",
            now,
        )
        .await?;
    }
    let board = body(
        tx,
        street,
        community,
        None,
        "supervisory_board",
        "三角线社区监事会",
        now,
    )
    .await?;
    let reps = sqlx::query("SELECT id, name FROM residents WHERE community_id = $1 AND rep_resident = 1 ORDER BY id LIMIT 3")
        .bind(community)
        .fetch_all(&mut **tx)
        .await?;
    for (i, r) in reps.iter().enumerate() {
        let position = if i == 0 { "president" } else { "member" };
        seat(
            tx,
            board,
            Some(r.try_get("id")?),
            None,
            &r.try_get::<String, _>("name")?,
            position,
            "elected",
            now,
        )
        .await?;
    }
    body(
        tx,
        street,
        community,
        None,
        "assembly",
        "三角线社区居民代表大会",
        now,
    )
    .await?;
    Ok(())
}
