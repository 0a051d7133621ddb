//! Services (M17): service events — health, education, displays — with their attendance, and
//! door-to-door deliveries to a household.

use crate::platform::web::Query;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use sqlx::Row;
use utoipa::ToSchema;

use super::patrols::DatedQuery;
use super::{community_place, dated, scoped};
use crate::audit::{self, Entry};
use crate::auth::Action;
use crate::auth::Ctx;
use crate::platform::AppState;
use crate::platform::db::bind_vals;
use crate::platform::error::AppError;
use crate::platform::input::{date_or_today, text};
use crate::platform::time;
use crate::platform::web::ApiJson;

pub const KINDS: &[&str] = &["event", "delivery"];
pub const TOPICS: &[&str] = &["health", "education", "display", "culture", "other"];

#[derive(Serialize, Deserialize, ToSchema)]
pub struct Service {
    #[serde(default)]
    pub id: i64,
    pub community_id: Option<i64>,
    /// event or delivery (送服务上门).
    pub kind: String,
    /// health, education, display, culture or other.
    pub topic: String,
    pub title: String,
    pub service_date: Option<String>,
    #[serde(default)]
    pub place: String,
    /// For a delivery: the household served.
    pub household_id: Option<i64>,
    /// For an event: how many came.
    #[serde(default)]
    pub attendance: i64,
    #[serde(default)]
    pub notes: String,
    /// The community's service station, when it delivered the service.
    #[serde(default)]
    pub station_id: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct ServiceList {
    pub items: Vec<Service>,
    pub total: i64,
}

/// Services of the caller's communities, newest first.
#[utoipa::path(get, path = "/api/v1/services", tag = "daily", params(DatedQuery), security(("bearer" = [])),
    responses((status = 200, body = ServiceList), (status = 403)))]
pub(super) async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<DatedQuery>,
) -> Result<Json<ServiceList>, AppError> {
    // Authorized in services_of: FieldWorkRead
    services_of(&state, &ctx, q).await.map(Json)
}

/// The services of the caller's communities, newest first; the read is audited as sensitive.
pub async fn services_of(
    state: &AppState,
    ctx: &Ctx,
    q: DatedQuery,
) -> Result<ServiceList, AppError> {
    let mut f = scoped(ctx, &[Action::FieldWorkRead], None)?;
    dated(&mut f, "t.service_date", q.community_id, &q.from, &q.to)?;
    let sql = format!(
        "SELECT t.id, t.community_id, t.kind, t.topic, t.title, t.service_date, t.place, t.household_id, t.attendance, t.notes, t.station_id FROM services t {} \
         ORDER BY t.service_date DESC, t.id DESC LIMIT 200",
        f.sql()
    );
    let rows = bind_vals(sqlx::query(&sql), &f.vals)
        .fetch_all(state.db.read())
        .await?;
    let items: Vec<Service> = rows
        .iter()
        .map(|r| {
            Ok(Service {
                id: r.try_get("id")?,
                community_id: r.try_get("community_id")?,
                kind: r.try_get("kind")?,
                topic: r.try_get("topic")?,
                title: r.try_get("title")?,
                service_date: r.try_get("service_date")?,
                place: r.try_get("place")?,
                household_id: r.try_get("household_id")?,
                attendance: r.try_get("attendance")?,
                notes: r.try_get("notes")?,
                station_id: r.try_get("station_id")?,
            })
        })
        .collect::<Result<_, sqlx::Error>>()?;
    // Health services and deliveries name households: a sensitive read.
    let n = format!("{} services", items.len());
    audit::sensitive_read(
        &state.db,
        &ctx.actor(),
        "services.read",
        "service",
        "list",
        n,
    )
    .await?;
    Ok(ServiceList {
        total: items.len() as i64,
        items,
    })
}

/// Record a service event or a delivery.
#[utoipa::path(post, path = "/api/v1/services", tag = "daily", request_body = Service, security(("bearer" = [])),
    responses((status = 201, body = Service), (status = 403), (status = 422)))]
pub(super) async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiJson(s): ApiJson<Service>,
) -> Result<(StatusCode, Json<Service>), AppError> {
    // Authorized in record_service: FieldWork
    record_service(&state, &ctx, s)
        .await
        .map(|x| (StatusCode::CREATED, Json(x)))
}

/// Records a service event or a delivery to a household.
pub async fn record_service(
    state: &AppState,
    ctx: &Ctx,
    mut s: Service,
) -> Result<Service, AppError> {
    let place = community_place(state, ctx, Action::FieldWork, s.community_id).await?;
    if !KINDS.contains(&s.kind.as_str()) {
        return Err(AppError::invalid("kind", "daily.bad_kind"));
    }
    if !TOPICS.contains(&s.topic.as_str()) {
        return Err(AppError::invalid("topic", "daily.bad_topic"));
    }
    s.title = text("title", &s.title, 100)?;
    let date = date_or_today("service_date", s.service_date.as_deref())?;
    match (s.kind.as_str(), s.household_id) {
        ("delivery", Some(h)) => {
            let n: i64 = sqlx::query(
                "SELECT COUNT(*) AS n FROM households WHERE id = $1 AND community_id = $2",
            )
            .bind(h)
            .bind(place.community_id)
            .fetch_one(state.db.read())
            .await?
            .try_get("n")?;
            if n == 0 {
                return Err(AppError::invalid(
                    "household_id",
                    "daily.household_not_in_community",
                ));
            }
        }
        ("delivery", None) => {
            return Err(AppError::invalid(
                "household_id",
                "daily.delivery_needs_household",
            ));
        }
        (_, Some(_)) => {
            return Err(AppError::invalid(
                "household_id",
                "daily.household_for_deliveries",
            ));
        }
        _ => {}
    }
    if !(0..=100_000).contains(&s.attendance)
        || s.place.chars().count() > 100
        || s.notes.chars().count() > 2000
    {
        return Err(AppError::invalid("attendance", "daily.bad_service"));
    }
    let mut tx = state.db.begin().await?;
    if let Some(station) = s.station_id {
        crate::registry::stations::of_community(
            &mut tx,
            station,
            place.community_id.unwrap_or_default(),
        )
        .await?;
    }
    let id: i64 = sqlx::query(
        "INSERT INTO services (street_id, community_id, kind, topic, title, service_date, place, household_id, attendance, notes, author_id, created_at, station_id) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id",
    )
    .bind(place.street_id)
    .bind(place.community_id)
    .bind(&s.kind)
    .bind(&s.topic)
    .bind(&s.title)
    .bind(date.to_string())
    .bind(s.place.trim())
    .bind(s.household_id)
    .bind(s.attendance)
    .bind(s.notes.trim())
    .bind(ctx.user.as_ref().map(|u| u.id))
    .bind(time::now_db())
    .bind(s.station_id)
    .fetch_one(&mut *tx)
    .await?
    .try_get("id")?;
    audit::record(
        &mut tx,
        &ctx.actor(),
        Entry::new("services.create", "service", id)
            .at(place)
            .detail(&*s.kind),
    )
    .await?;
    tx.commit().await?;
    s.id = id;
    s.community_id = place.community_id;
    s.service_date = Some(date.to_string());
    Ok(s)
}
