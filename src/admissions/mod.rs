//! Work admission (社区工作准入, M21). A street department or district bureau applies to hand
//! communities a task, an assessment, an organization or a sign-board, stating its content,
//! target communities, powers, time limit, funding and legal basis. The street leadership
//! decides collectively: a motion (`admission_id`) at a meeting of the leading group, then the
//! decision with its reasons. `applied → under_review → admitted | declined`; an admitted item is
//! `expired` after its time limit. Communities see what is admitted for them and report work
//! they were handed without admission (`unadmitted.rs`); the street follows up, and the reports
//! count against their senders.

pub mod decision;
pub mod unadmitted;
pub mod web;

pub use web::pages;

pub use decision::{MIN_COLLECTIVE, collective, under_review};

use crate::platform::web::{Path, Query};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use sqlx::Row;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::audit::{self, Entry};
use crate::auth::{Action, Ctx, Place, Scope, Target};
use crate::platform::AppState;
use crate::platform::error::AppError;
use crate::platform::input::text;
use crate::platform::time;
use crate::platform::web::ApiJson;

pub const KINDS: &[&str] = &["task", "assessment", "organization", "signboard"];

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, apply))
        .routes(routes!(unadmitted::list, unadmitted::report))
        .routes(routes!(unadmitted::follow_up))
        .routes(routes!(one))
        .routes(routes!(decision::decide))
}

#[derive(Serialize, ToSchema, Clone)]
pub struct Admission {
    pub id: i64,
    pub street_id: i64,
    /// The department or bureau applying.
    pub applicant: String,
    /// task, assessment, organization or signboard.
    pub kind: String,
    pub title: String,
    pub content: String,
    /// The communities it would bind; empty: every community of the street.
    pub target_communities: Vec<i64>,
    pub powers: String,
    /// The last day it binds (YYYY-MM-DD).
    pub time_limit: String,
    pub funding: String,
    pub legal_basis: String,
    /// applied, under_review, admitted, declined or expired.
    pub status: AdmissionStatus,
    /// The leading group's motion that decided it.
    pub motion_id: Option<i64>,
    pub reason: Option<String>,
}

crate::workflow_state! {
    /// An application for admission (准入, M22): applied, put to the leading group's vote
    /// (under_review), then admitted or declined by that vote. An admitted item past its time
    /// limit reads as expired (computed from `time_limit`, stored as admitted).
    pub enum AdmissionStatus {
        Applied = "applied",
        UnderReview = "under_review",
        Admitted = "admitted",
        Declined = "declined",
        Expired = "expired",
    }
}

impl AdmissionStatus {
    /// Admitted, in force or past its limit: what binds a community, shown to its people.
    pub fn admitted(self) -> bool {
        matches!(self, AdmissionStatus::Admitted | AdmissionStatus::Expired)
    }
}

const SQL: &str = "SELECT id, street_id, applicant, kind, title, content, target_communities, powers, time_limit, funding, legal_basis, \
    status, motion_id, reason FROM admissions";

fn from_row(r: &sqlx::any::AnyRow) -> Result<Admission, sqlx::Error> {
    let stored: AdmissionStatus = r.try_get("status")?;
    let limit: String = r.try_get("time_limit")?;
    let status = if stored == AdmissionStatus::Admitted && limit < time::today().to_string() {
        AdmissionStatus::Expired
    } else {
        stored
    };
    Ok(Admission {
        id: r.try_get("id")?,
        street_id: r.try_get("street_id")?,
        applicant: r.try_get("applicant")?,
        kind: r.try_get("kind")?,
        title: r.try_get("title")?,
        content: r.try_get("content")?,
        target_communities: serde_json::from_str(&r.try_get::<String, _>("target_communities")?)
            .unwrap_or_default(),
        powers: r.try_get("powers")?,
        time_limit: limit,
        funding: r.try_get("funding")?,
        legal_basis: r.try_get("legal_basis")?,
        status,
        motion_id: r.try_get("motion_id")?,
        reason: r.try_get("reason")?,
    })
}

pub async fn load<'e, E: sqlx::Executor<'e, Database = sqlx::Any>>(
    ex: E,
    id: i64,
) -> Result<Admission, AppError> {
    let r = sqlx::query(&format!("{SQL} WHERE id = $1"))
        .bind(id)
        .fetch_optional(ex)
        .await?
        .ok_or_else(AppError::not_found)?;
    Ok(from_row(&r)?)
}

/// Street officers see every application of their street; a community's people see the
/// admitted (and expired) items that bind their community.
fn visible(ctx: &Ctx, a: &Admission) -> bool {
    ctx.scopes(Action::AdmissionsRead).iter().any(|s| match *s {
        Scope::Street(st) => st == a.street_id,
        Scope::Community(c) => {
            a.status.admitted()
                && (a.target_communities.is_empty() || a.target_communities.contains(&c))
        }
        Scope::Building(_) => false,
    })
}

#[derive(Serialize, ToSchema)]
pub struct AdmissionList {
    pub items: Vec<Admission>,
    pub total: i64,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AdmissionQuery {
    pub status: Option<String>,
}

/// Applications (street officers) or the admitted list (communities).
#[utoipa::path(get, path = "/api/v1/admissions", tag = "admissions", params(AdmissionQuery), security(("bearer" = [])),
    responses((status = 200, body = AdmissionList), (status = 403)))]
async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<AdmissionQuery>,
) -> Result<Json<AdmissionList>, AppError> {
    // Authorized in visible_list: AdmissionsRead
    let items = visible_list(&state, &ctx, &q).await?;
    Ok(Json(AdmissionList {
        total: items.len() as i64,
        items,
    }))
}

/// What the caller may see, newest first.
pub async fn visible_list(
    state: &AppState,
    ctx: &Ctx,
    q: &AdmissionQuery,
) -> Result<Vec<Admission>, AppError> {
    ctx.require(Action::AdmissionsRead, Target::System)?;
    let wanted: Option<AdmissionStatus> = match q.status.as_deref() {
        None | Some("") => None,
        Some(s) => Some(
            s.parse()
                .map_err(|_| AppError::invalid("status", "admissions.bad_status"))?,
        ),
    };
    let mut items = Vec::new();
    let rows = sqlx::query(&format!("{SQL} ORDER BY id DESC LIMIT 1000"))
        .fetch_all(state.db.read())
        .await?;
    for r in &rows {
        let a = from_row(r)?;
        if visible(ctx, &a) && wanted.is_none_or(|s| s == a.status) {
            items.push(a);
        }
    }
    Ok(items)
}

#[utoipa::path(get, path = "/api/v1/admissions/{id}", tag = "admissions", params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, body = Admission), (status = 403), (status = 404)))]
async fn one(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<Json<Admission>, AppError> {
    ctx.require(Action::AdmissionsRead, Target::System)?;
    let a = load(state.db.read(), id).await?;
    if !visible(&ctx, &a) {
        return Err(AppError::forbidden());
    }
    Ok(Json(a))
}

#[derive(Deserialize, ToSchema)]
pub struct Application {
    pub applicant: String,
    /// task, assessment, organization or signboard.
    pub kind: String,
    pub title: String,
    pub content: String,
    /// Empty: every community of the street.
    #[serde(default)]
    pub target_communities: Vec<i64>,
    pub powers: String,
    /// YYYY-MM-DD, after today.
    pub time_limit: String,
    pub funding: String,
    pub legal_basis: String,
}

/// Record an application (the street office, for the department applying).
#[utoipa::path(post, path = "/api/v1/admissions", tag = "admissions", request_body = Application, security(("bearer" = [])),
    responses((status = 201, body = Admission), (status = 403), (status = 422)))]
async fn apply(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiJson(a): ApiJson<Application>,
) -> Result<(StatusCode, Json<Admission>), AppError> {
    // Authorized in apply_for: AdmissionsManage
    apply_for(&state, &ctx, a)
        .await
        .map(|x| (StatusCode::CREATED, Json(x)))
}

/// Records an application for admission, made by the street office for the department applying.
pub async fn apply_for(state: &AppState, ctx: &Ctx, a: Application) -> Result<Admission, AppError> {
    let street = ctx
        .scopes(Action::AdmissionsManage)
        .iter()
        .find_map(|s| match s {
            Scope::Street(st) => Some(*st),
            _ => None,
        })
        .ok_or_else(|| {
            ctx.require(Action::AdmissionsManage, Target::System)
                .err()
                .unwrap_or_else(AppError::forbidden)
        })?;
    if !KINDS.contains(&a.kind.as_str()) {
        return Err(AppError::invalid("kind", "admissions.bad_kind"));
    }
    let fields = [
        ("applicant", text("applicant", &a.applicant, 60)?),
        ("title", text("title", &a.title, 100)?),
        ("content", text("content", &a.content, 5000)?),
        ("powers", text("powers", &a.powers, 1000)?),
        ("funding", text("funding", &a.funding, 500)?),
        ("legal_basis", text("legal_basis", &a.legal_basis, 1000)?),
    ];
    let limit = crate::platform::time::parse_day("time_limit", &a.time_limit)?;
    if limit <= time::today() {
        return Err(AppError::invalid("time_limit", "admissions.time_limit"));
    }
    let mut tx = state.db.begin().await?;
    for c in &a.target_communities {
        let n: i64 =
            sqlx::query("SELECT COUNT(*) AS n FROM communities WHERE id = $1 AND street_id = $2")
                .bind(*c)
                .bind(street)
                .fetch_one(&mut *tx)
                .await?
                .try_get("n")?;
        if n == 0 {
            return Err(AppError::invalid(
                "target_communities",
                "input.unknown_community",
            ));
        }
    }
    let id: i64 = sqlx::query(
        "INSERT INTO admissions (street_id, applicant, kind, title, content, target_communities, powers, time_limit, funding, legal_basis, status, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'applied', $11, $12) RETURNING id",
    )
    .bind(street)
    .bind(&fields[0].1)
    .bind(&a.kind)
    .bind(&fields[1].1)
    .bind(&fields[2].1)
    .bind(serde_json::to_string(&a.target_communities).map_err(AppError::internal)?)
    .bind(&fields[3].1)
    .bind(limit.to_string())
    .bind(&fields[4].1)
    .bind(&fields[5].1)
    .bind(ctx.user.as_ref().map(|u| u.id))
    .bind(time::now_db())
    .fetch_one(&mut *tx)
    .await?
    .try_get("id")?;
    audit::record(
        &mut tx,
        &ctx.actor(),
        Entry::new("admissions.apply", "admission", id)
            .at(Place::street(street))
            .detail(&*a.kind),
    )
    .await?;
    tx.commit().await?;
    load(state.db.read(), id).await
}

/// How many admitted items that bind `community` end between `from` and `to` (days, inclusive):
/// the head's reminder that work is about to lose its admission.
pub async fn expiring(
    pool: &crate::platform::reader::Reader,
    community: i64,
    from: &str,
    to: &str,
) -> Result<i64, AppError> {
    let rows = sqlx::query(&format!(
        "{SQL} WHERE status = 'admitted' AND time_limit >= $1 AND time_limit <= $2 \
         AND street_id = (SELECT street_id FROM communities WHERE id = $3)"
    ))
    .bind(from)
    .bind(to)
    .bind(community)
    .fetch_all(pool)
    .await?;
    let mut n = 0;
    for r in &rows {
        let a = from_row(r)?;
        if a.target_communities.is_empty() || a.target_communities.contains(&community) {
            n += 1;
        }
    }
    Ok(n)
}
