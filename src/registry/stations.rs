//! The community service station (社区工作站/服务站): the organisation the community's public
//! services run through (社区工作站为依托), one per community, with its staff drawn from the
//! community's current workers and head (rule P12, `set_staff`). Cases and services are
//! assigned to it (rule P13, `assign_case`, `of_community`); its page shows what it holds.

use serde::{Deserialize, Serialize};
use sqlx::Row;
use utoipa::ToSchema;

use crate::audit::{self, Entry};
use crate::auth::{Action, Ctx, Target};
use crate::platform::AppState;
use crate::platform::error::AppError;
use crate::platform::input::text;
use crate::platform::time;

#[derive(Clone, Serialize, ToSchema)]
pub struct StationStaff {
    pub user_id: i64,
    pub name: String,
    /// 站长, 工作人员…
    pub post: String,
}

#[derive(Clone, Serialize, ToSchema)]
pub struct StationCase {
    pub id: i64,
    pub category: String,
    pub status: String,
}

#[derive(Clone, Serialize, ToSchema)]
pub struct Station {
    pub id: i64,
    pub community_id: i64,
    pub name: String,
    pub address: String,
    /// Opening hours, as the station writes them.
    pub hours: String,
    pub staff: Vec<StationStaff>,
    /// Open cases assigned to the station (to those who read the community's cases).
    pub cases: Vec<StationCase>,
    /// Services it has delivered this year.
    pub services_this_year: i64,
}

#[derive(Clone, Default, Deserialize, ToSchema)]
pub struct StationInput {
    #[serde(default)]
    pub community_id: Option<i64>,
    pub name: String,
    #[serde(default)]
    pub address: String,
    #[serde(default)]
    pub hours: String,
}

#[derive(Clone, Default, Deserialize, ToSchema)]
pub struct StaffInput {
    #[serde(default)]
    pub community_id: Option<i64>,
    /// The station's staff: current workers or head of the community, each with a post.
    pub staff: Vec<StaffLine>,
}

#[derive(Clone, Default, Deserialize, ToSchema)]
pub struct StaffLine {
    pub user_id: i64,
    /// Such as 站长 or 工作人员.
    pub post: String,
}

/// The id and name of a community's station, if it has one: what a form offers to hand a case
/// or a service to. The caller has authorized the reading.
pub async fn named(
    pool: &crate::platform::reader::Reader,
    community: i64,
) -> Result<Option<(i64, String)>, sqlx::Error> {
    sqlx::query("SELECT id, name FROM service_stations WHERE community_id = $1")
        .bind(community)
        .fetch_optional(pool)
        .await?
        .map(|r| Ok((r.try_get("id")?, r.try_get("name")?)))
        .transpose()
}

/// The station of a community, if it has one (anyone who may see the community's places).
pub async fn station(
    state: &AppState,
    ctx: &Ctx,
    community: Option<i64>,
) -> Result<Option<Station>, AppError> {
    let place =
        crate::registry::places::community_place(state, ctx, Action::PlacesRead, community).await?;
    ctx.require(Action::PlacesRead, Target::At(place))?;
    let c = place.community_id.unwrap_or_default();
    let Some(r) = sqlx::query(
        "SELECT id, name, address, hours FROM service_stations WHERE community_id = $1",
    )
    .bind(c)
    .fetch_optional(state.db.read())
    .await?
    else {
        return Ok(None);
    };
    let id: i64 = r.try_get("id")?;
    let staff = sqlx::query(
        "SELECT s.user_id, u.display_name, s.post FROM service_station_staff s JOIN users u ON u.id = s.user_id \
         WHERE s.station_id = $1 ORDER BY s.post DESC, u.id",
    )
    .bind(id)
    .fetch_all(state.db.read())
    .await?
    .iter()
    .map(|s| {
        Ok(StationStaff {
            user_id: s.try_get("user_id")?,
            name: s.try_get("display_name")?,
            post: s.try_get("post")?,
        })
    })
    .collect::<Result<_, sqlx::Error>>()?;
    // Its cases to those who read the community's cases; sensitive ones to those with that duty.
    let (reads, sensitive) = (
        ctx.require(Action::CaseRead, Target::At(place)).is_ok(),
        ctx.require(Action::CaseReadSensitive, Target::At(place))
            .is_ok(),
    );
    let cases = sqlx::query(
        "SELECT id, category, status FROM cases WHERE station_id = $1 AND status NOT IN ('closed', 'rejected') \
         AND $2 = 1 AND (sensitive = 0 OR $3 = 1) ORDER BY id DESC LIMIT 100",
    )
    .bind(id)
    .bind(i64::from(reads))
    .bind(i64::from(sensitive))
    .fetch_all(state.db.read())
    .await?
    .iter()
    .map(|k| {
        Ok(StationCase {
            id: k.try_get("id")?,
            category: k.try_get("category")?,
            status: k.try_get("status")?,
        })
    })
    .collect::<Result<_, sqlx::Error>>()?;
    let services_this_year: i64 = sqlx::query(
        "SELECT COUNT(*) AS n FROM services WHERE station_id = $1 AND service_date >= $2",
    )
    .bind(id)
    .bind(format!("{}-01-01", time::today().year()))
    .fetch_one(state.db.read())
    .await?
    .try_get("n")?;
    Ok(Some(Station {
        id,
        community_id: c,
        name: r.try_get("name")?,
        address: r.try_get("address")?,
        hours: r.try_get("hours")?,
        staff,
        cases,
        services_this_year,
    }))
}

/// Sets up the community's station, or corrects its name, address and hours (the head).
pub async fn save_station(state: &AppState, ctx: &Ctx, i: &StationInput) -> Result<i64, AppError> {
    let place =
        crate::registry::places::community_place(state, ctx, Action::PlacesManage, i.community_id)
            .await?;
    ctx.require(Action::PlacesManage, Target::At(place))?;
    let c = place.community_id.unwrap_or_default();
    let name = text("name", &i.name, 50)?;
    let (address, hours) = (i.address.trim(), i.hours.trim());
    if address.chars().count() > 100 {
        return Err(AppError::invalid("address", "input.bad_text").arg("max", 100));
    }
    if hours.chars().count() > 100 {
        return Err(AppError::invalid("hours", "input.bad_text").arg("max", 100));
    }
    let mut tx = state.db.begin().await?;
    let existing: Option<i64> =
        sqlx::query("SELECT id FROM service_stations WHERE community_id = $1")
            .bind(c)
            .fetch_optional(&mut *tx)
            .await?
            .map(|r| r.try_get("id"))
            .transpose()?;
    let id = match existing {
        Some(id) => {
            sqlx::query("UPDATE service_stations SET name = $1, address = $2, hours = $3 WHERE id = $4")
                .bind(&name)
                .bind(address)
                .bind(hours)
                .bind(id)
                .execute(&mut *tx)
                .await?;
            id
        }
        None => sqlx::query(
            "INSERT INTO service_stations (community_id, name, address, hours, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(c)
        .bind(&name)
        .bind(address)
        .bind(hours)
        .bind(ctx.signed_in()?.id)
        .bind(time::now_db())
        .fetch_one(&mut *tx)
        .await
        .map_err(crate::platform::db::unique_or(AppError::conflict(
            "registry.station_exists",
        )))?
        .try_get("id")?,
    };
    audit::record(
        &mut tx,
        &ctx.actor(),
        Entry::new("station.save", "service_station", id)
            .at(place)
            .detail(&name),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// P12: the station's staff are current workers or the head of its community, each with a
/// post; the list replaces the old one (the head).
pub async fn set_staff(state: &AppState, ctx: &Ctx, i: &StaffInput) -> Result<usize, AppError> {
    let place =
        crate::registry::places::community_place(state, ctx, Action::PlacesManage, i.community_id)
            .await?;
    ctx.require(Action::PlacesManage, Target::At(place))?;
    let c = place.community_id.unwrap_or_default();
    let mut tx = state.db.begin().await?;
    let station: i64 = sqlx::query("SELECT id FROM service_stations WHERE community_id = $1")
        .bind(c)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| AppError::invalid("staff", "registry.no_station"))?
        .try_get("id")?;
    let mut seen = Vec::new();
    for (n, l) in i.staff.iter().enumerate() {
        text("post", &l.post, 20).map_err(|e| e.field(format!("staff[{n}].post")))?;
        let current: i64 = sqlx::query(
            "SELECT COUNT(*) AS n FROM grants WHERE user_id = $1 AND community_id = $2 \
             AND role IN ('community_worker', 'community_head') AND revoked_at IS NULL",
        )
        .bind(l.user_id)
        .bind(c)
        .fetch_one(&mut *tx)
        .await?
        .try_get("n")?;
        if current == 0 || seen.contains(&l.user_id) {
            return Err(AppError::invalid(
                format!("staff[{n}]"),
                "registry.station_staff_bad",
            ));
        }
        seen.push(l.user_id);
    }
    sqlx::query("DELETE FROM service_station_staff WHERE station_id = $1")
        .bind(station)
        .execute(&mut *tx)
        .await?;
    for l in &i.staff {
        sqlx::query(
            "INSERT INTO service_station_staff (station_id, user_id, post) VALUES ($1, $2, $3)",
        )
        .bind(station)
        .bind(l.user_id)
        .bind(l.post.trim())
        .execute(&mut *tx)
        .await?;
    }
    audit::record(
        &mut tx,
        &ctx.actor(),
        Entry::new("station.staff", "service_station", station)
            .at(place)
            .detail(format!("{} staff", i.staff.len())),
    )
    .await?;
    tx.commit().await?;
    Ok(i.staff.len())
}

/// P13: a station a case or service of `community` may be assigned to: that community's own.
pub async fn of_community(
    conn: &mut crate::platform::conn::Conn,
    station: i64,
    community: i64,
) -> Result<(), AppError> {
    let n: i64 = sqlx::query(
        "SELECT COUNT(*) AS n FROM service_stations WHERE id = $1 AND community_id = $2",
    )
    .bind(station)
    .bind(community)
    .fetch_one(&mut *conn)
    .await?
    .try_get("n")?;
    if n == 0 {
        return Err(AppError::invalid(
            "station_id",
            "registry.station_elsewhere",
        ));
    }
    Ok(())
}

/// P13: hands an open case to its community's station (or takes it back with `None`), by those
/// who handle the community's cases; a closed or rejected case stays as it is (409).
pub async fn assign_case(
    state: &AppState,
    ctx: &Ctx,
    case: i64,
    station: Option<i64>,
) -> Result<(), AppError> {
    let c = crate::cases::store::get(state.db.read(), case)
        .await?
        .ok_or_else(AppError::not_found)?;
    crate::cases::handle::require_handle(ctx, &c)?;
    let place = c.place();
    let mut tx = state.db.begin().await?;
    if let Some(s) = station {
        of_community(&mut tx, s, place.community_id.unwrap_or_default()).await?;
    }
    let moved = sqlx::query(
        "UPDATE cases SET station_id = $1, updated_at = $2 WHERE id = $3 AND status NOT IN ('closed', 'rejected')",
    )
    .bind(station)
    .bind(time::now_db())
    .bind(case)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if moved != 1 {
        return Err(AppError::conflict("registry.case_closed"));
    }
    audit::record(
        &mut tx,
        &ctx.actor(),
        Entry::new("station.assign", "case", case)
            .at(place)
            .detail(station.map_or("none".to_owned(), |s| format!("station {s}"))),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
