//! The reception room (社情民意接待室, M15): a roster of who receives residents on which day —
//! party members, deputies, residents' representatives, volunteers — and every walk-in request
//! recorded against the one on duty that day (rule C14). Its online twin, the virtual
//! reception room (`/reception`), files a consultation (咨询) answered in writing like any
//! request, and so counted in 件件有回应.

use serde::{Deserialize, Serialize};
use sqlx::Row;
use utoipa::ToSchema;

use crate::audit::{self, Entry};
use crate::auth::{Action, Ctx, Place, Target};
use crate::platform::AppState;
use crate::platform::error::AppError;
use crate::platform::input::text;
use crate::platform::time;

crate::workflow_state! {
    /// Who receives residents (M15): 党员, 人大代表或政协委员, 居民代表, 志愿者.
    pub enum DutyKind {
        PartyMember = "party_member",
        Deputy = "deputy",
        ResidentRep = "resident_rep",
        Volunteer = "volunteer",
    }
}

#[derive(Clone, Serialize, ToSchema)]
pub struct Duty {
    pub id: i64,
    pub community_id: i64,
    /// YYYY-MM-DD.
    pub on_date: String,
    pub name: String,
    pub kind: DutyKind,
    /// Walk-in requests recorded against this duty.
    pub walk_ins: i64,
}

#[derive(Clone, Default, Deserialize, ToSchema)]
pub struct DutyInput {
    #[serde(default)]
    pub community_id: Option<i64>,
    /// YYYY-MM-DD: today or later.
    pub on_date: String,
    pub name: String,
    /// party_member, deputy, resident_rep or volunteer.
    pub kind: String,
}

/// The roster of the community from `from` on (and its walk-ins), by day.
pub async fn roster(state: &AppState, ctx: &Ctx, from: &str) -> Result<Vec<Duty>, AppError> {
    let place =
        crate::registry::places::community_place(state, ctx, Action::CaseHandle, None).await?;
    ctx.require(Action::CaseHandle, Target::At(place))?;
    let rows = sqlx::query(
        "SELECT d.id, d.community_id, d.on_date, d.name, d.kind, \
         (SELECT COUNT(*) FROM cases k WHERE k.receptionist_id = d.id) AS walk_ins \
         FROM reception_duty d WHERE d.community_id = $1 AND d.on_date >= $2 ORDER BY d.on_date, d.id LIMIT 200",
    )
    .bind(place.community_id)
    .bind(from)
    .fetch_all(state.db.read())
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Duty {
                id: r.try_get("id")?,
                community_id: r.try_get("community_id")?,
                on_date: r.try_get("on_date")?,
                name: r.try_get("name")?,
                kind: r.try_get("kind")?,
                walk_ins: r.try_get("walk_ins")?,
            })
        })
        .collect::<Result<_, sqlx::Error>>()
        .map_err(Into::into)
}

/// Puts someone on the roster for a day (today or later); the same name once a day.
pub async fn add_duty(state: &AppState, ctx: &Ctx, i: &DutyInput) -> Result<i64, AppError> {
    let place: Place =
        crate::registry::places::community_place(state, ctx, Action::CaseHandle, i.community_id)
            .await?;
    ctx.require(Action::CaseHandle, Target::At(place))?;
    let on = time::parse_day("on_date", &i.on_date)?;
    if on < time::today() {
        return Err(AppError::invalid("on_date", "reception.past_day"));
    }
    let name = text("name", &i.name, 30)?;
    let kind: DutyKind = i
        .kind
        .parse()
        .map_err(|_| AppError::invalid("kind", "reception.bad_kind"))?;
    let mut tx = state.db.begin().await?;
    let id: i64 = sqlx::query(
        "INSERT INTO reception_duty (community_id, on_date, name, kind, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(place.community_id)
    .bind(on.to_string())
    .bind(&name)
    .bind(kind)
    .bind(ctx.user.as_ref().map(|u| u.id))
    .bind(time::now_db())
    .fetch_one(&mut *tx)
    .await
    .map_err(crate::platform::db::unique_or(AppError::invalid(
        "name",
        "reception.on_duty_already",
    )))?
    .try_get("id")?;
    audit::record(
        &mut tx,
        &ctx.actor(),
        Entry::new("reception.duty", "reception_duty", id)
            .at(place)
            .detail(format!("{on} {name}")),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// C14: who is on duty in the community today (the first on the roster), for a walk-in.
pub async fn on_duty_today(
    pool: &crate::platform::reader::Reader,
    community: i64,
) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query("SELECT MIN(id) AS id FROM reception_duty WHERE community_id = $1 AND on_date = $2")
        .bind(community)
        .bind(time::today().to_string())
        .fetch_one(pool)
        .await?
        .try_get("id")
}

#[derive(Serialize, ToSchema)]
pub struct DutyList {
    pub items: Vec<Duty>,
}

#[derive(serde::Deserialize, utoipa::IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct RosterQuery {
    /// YYYY-MM-DD; today by default.
    #[serde(default)]
    pub from: Option<String>,
}

/// The reception room's roster from a day on, with the walk-ins recorded against each duty.
#[utoipa::path(get, path = "/api/v1/reception/duty", tag = "cases", params(RosterQuery), security(("bearer" = [])),
    responses((status = 200, body = DutyList), (status = 403), (status = 422)))]
pub(super) async fn duty_list(
    axum::extract::State(state): axum::extract::State<AppState>,
    ctx: Ctx,
    crate::platform::web::Query(q): crate::platform::web::Query<RosterQuery>,
) -> Result<axum::Json<DutyList>, AppError> {
    // Authorized in roster: CaseHandle
    let from = match q.from.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(d) => time::parse_day("from", d)?,
        None => time::today(),
    };
    Ok(axum::Json(DutyList {
        items: roster(&state, &ctx, &from.to_string()).await?,
    }))
}

#[derive(Serialize, ToSchema)]
pub struct DutyAdded {
    pub id: i64,
}

/// Put someone on the reception room's roster for a day (today or later).
#[utoipa::path(post, path = "/api/v1/reception/duty", tag = "cases", request_body = DutyInput, security(("bearer" = [])),
    responses((status = 201, body = DutyAdded), (status = 403), (status = 422)))]
pub(super) async fn duty_create(
    axum::extract::State(state): axum::extract::State<AppState>,
    ctx: Ctx,
    crate::platform::web::ApiJson(i): crate::platform::web::ApiJson<DutyInput>,
) -> Result<(axum::http::StatusCode, axum::Json<DutyAdded>), AppError> {
    // Authorized in add_duty: CaseHandle
    let id = add_duty(&state, &ctx, &i).await?;
    Ok((
        axum::http::StatusCode::CREATED,
        axum::Json(DutyAdded { id }),
    ))
}
