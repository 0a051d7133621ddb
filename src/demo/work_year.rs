//! The staff's side of the demo year's work requirements (M24): training sessions with who
//! attended, a residents' hearing open to stationed units with the residents and units who
//! came, and the community service station with its staff and two open cases in its hands.

use sqlx::Row;

use crate::platform::db::Tx;

pub(super) async fn load(
    tx: &mut Tx,
    street: i64,
    community: i64,
    now: &str,
) -> anyhow::Result<()> {
    let head: i64 = super::assessment_year::user(tx, "head").await?;
    let worker: i64 = super::assessment_year::user(tx, "worker").await?;
    let names = sqlx::query("SELECT id, display_name FROM users WHERE id IN ($1, $2) ORDER BY id")
        .bind(head)
        .bind(worker)
        .fetch_all(&mut **tx)
        .await?;
    for (day, topic, trainer, both) in [
        (
            "2026-03-12",
            "新形势下做好群众工作的方法",
            "街道社区办",
            true,
        ),
        (
            "2026-06-18",
            "用法律的手段处理问题、化解矛盾",
            "街道司法所",
            true,
        ),
        (
            "2026-10-22",
            "说服教育的工作方法：不搞强迫命令",
            "社区书记",
            false,
        ),
    ] {
        let id: i64 = sqlx::query(
            "INSERT INTO staff_trainings (community_id, held_on, topic, trainer, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(community)
        .bind(day)
        .bind(topic)
        .bind(trainer)
        .bind(head)
        .bind(now)
        .fetch_one(&mut **tx)
        .await?
        .try_get("id")?;
        for r in &names {
            let uid: i64 = r.try_get("id")?;
            if !both && uid == head {
                continue;
            }
            sqlx::query("INSERT INTO staff_training_attendance (training_id, user_id, name) VALUES ($1, $2, $3)")
                .bind(id)
                .bind(uid)
                .bind(r.try_get::<String, _>("display_name")?)
                .execute(&mut **tx)
                .await?;
        }
    }
    let council: i64 = sqlx::query(
        "SELECT MIN(id) AS id FROM bodies WHERE community_id = $1 AND kind = 'council'",
    )
    .bind(community)
    .fetch_one(&mut **tx)
    .await?
    .try_get("id")?;
    let meeting: i64 = sqlx::query(
        "INSERT INTO meetings (body_id, street_id, community_id, kind, title, starts_at, ends_at, location, open_to_residents, open_to_units, status, created_by, created_at) \
         VALUES ($1, $2, $3, 'resident_hearing', '老旧小区加装电梯民情恳谈会', '2026-11-12T11:00:00.000000Z', '2026-11-12T12:30:00.000000Z', '社区议事厅', 1, 1, 'held', $4, $5) RETURNING id",
    )
    .bind(council)
    .bind(street)
    .bind(community)
    .bind(head)
    .bind(now)
    .fetch_one(&mut **tx)
    .await?
    .try_get("id")?;
    // Six elderly residents and two stationed units came.
    for sql in [
        "INSERT INTO meeting_guests (meeting_id, resident_id, name, recorded_by, created_at) SELECT $1, id, name, $2, $3 \
         FROM residents WHERE community_id = $4 AND status = 'living' AND birth_date < '1970-01-01' ORDER BY id LIMIT 6",
        "INSERT INTO meeting_guests (meeting_id, social_unit_id, name, recorded_by, created_at) SELECT $1, id, name, $2, $3 \
         FROM social_units WHERE community_id = $4 ORDER BY id LIMIT 2",
    ] {
        sqlx::query(sql)
            .bind(meeting)
            .bind(worker)
            .bind(now)
            .bind(community)
            .execute(&mut **tx)
            .await?;
    }
    let station: i64 = sqlx::query(
        "INSERT INTO service_stations (community_id, name, address, hours, created_by, created_at) VALUES ($1, '三角线社区服务站', '三角线小区 5 号楼底商', '工作日 8:30–17:30', $2, $3) RETURNING id",
    )
    .bind(community)
    .bind(head)
    .bind(now)
    .fetch_one(&mut **tx)
    .await?
    .try_get("id")?;
    for (uid, post) in [(head, "站长"), (worker, "工作人员")] {
        sqlx::query(
            "INSERT INTO service_station_staff (station_id, user_id, post) VALUES ($1, $2, $3)",
        )
        .bind(station)
        .bind(uid)
        .bind(post)
        .execute(&mut **tx)
        .await?;
    }
    let open = sqlx::query(
        "SELECT id FROM cases WHERE community_id = $1 AND status IN ('accepted', 'assigned', 'in_progress') AND sensitive = 0 ORDER BY id DESC LIMIT 2",
    )
    .bind(community)
    .fetch_all(&mut **tx)
    .await?;
    for c in &open {
        sqlx::query("UPDATE cases SET station_id = $1 WHERE id = $2")
            .bind(station)
            .bind(c.try_get::<i64, _>("id")?)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}
