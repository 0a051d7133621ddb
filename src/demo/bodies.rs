//! The demo's bodies in community 1: a building group with its leader for every building, the
//! council of 11 (the secretary as president, ten elected building leaders, one of them vice
//! president), a supervisory board of resident representatives, the assembly, an association,
//! and the street's leading group with its office and inspection group.

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
    let elders = body(
        tx,
        street,
        community,
        None,
        "association",
        "三角线社区老年人协会",
        now,
    )
    .await?;
    let old = sqlx::query("SELECT id, name FROM residents WHERE community_id = $1 AND status = 'living' AND birth_date < '1960-01-01' ORDER BY id LIMIT 8")
        .bind(community)
        .fetch_all(&mut **tx)
        .await?;
    for (i, r) in old.iter().enumerate() {
        let position = if i == 0 { "president" } else { "member" };
        seat(
            tx,
            elders,
            Some(r.try_get("id")?),
            None,
            &r.try_get::<String, _>("name")?,
            position,
            "elected",
            now,
        )
        .await?;
    }
    leading_group(tx, street, now).await
}

/// The street's leading group for residents' self-governance (M23), led by the street officer,
/// with its office and its inspection group.
async fn leading_group(tx: &mut Tx, street: i64, now: &str) -> anyhow::Result<()> {
    let officer = sqlx::query("SELECT id, display_name FROM users WHERE username = 'street'")
        .fetch_one(&mut **tx)
        .await?;
    let (uid, name): (i64, String) = (officer.try_get("id")?, officer.try_get("display_name")?);
    let group = sqlx::query("INSERT INTO bodies (street_id, kind, name, created_at) VALUES ($1, 'leading_group', '新华街道居民自治工作领导小组', $2) RETURNING id")
        .bind(street)
        .bind(now)
        .fetch_one(&mut **tx)
        .await?
        .try_get::<i64, _>("id")?;
    let head = sqlx::query("SELECT id, display_name FROM users WHERE username = 'head'")
        .fetch_one(&mut **tx)
        .await?;
    // As the seed's list has it: the leader, a deputy, the street's office heads and the
    // community secretaries. Five members, so that it decides collectively (M21).
    let members: [(Option<i64>, String, &str); 5] = [
        (Some(uid), name.clone(), "president"),
        (None, "街道办事处副主任 王建华".into(), "vice_president"),
        (None, "街道党政办主任 陈晓燕".into(), "member"),
        (None, "街道纪委书记 周立新".into(), "member"),
        (
            Some(head.try_get("id")?),
            head.try_get("display_name")?,
            "member",
        ),
    ];
    for (user, who, position) in &members {
        seat(tx, group, None, *user, who, position, "appointed", now).await?;
    }
    // The office is run by the party office's head, the inspection group led by the
    // discipline secretary; the street officer sits on both.
    for (part, lead) in [
        ("领导小组办公室", "街道党政办主任 陈晓燕"),
        ("领导小组督查组", "街道纪委书记 周立新"),
    ] {
        let id: i64 = sqlx::query("INSERT INTO bodies (street_id, kind, name, parent_id, created_at) VALUES ($1, 'leading_group', $2, $3, $4) RETURNING id")
            .bind(street)
            .bind(part)
            .bind(group)
            .bind(now)
            .fetch_one(&mut **tx)
            .await?
            .try_get("id")?;
        seat(tx, id, None, None, lead, "president", "appointed", now).await?;
        seat(tx, id, None, Some(uid), &name, "member", "appointed", now).await?;
    }
    Ok(())
}
