//! `GET /api/v1/audit`: the audit log, for the auditor only.

use crate::platform::web::Query;
use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use sqlx::Row;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::audit::{self, Entry};
use crate::auth::{Action, Ctx, Target};
use crate::platform::AppState;
use crate::platform::error::AppError;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list))
}

#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct AuditFilter {
    /// Actor's user name.
    pub actor: Option<String>,
    /// Action, e.g. `auth.login`.
    pub action: Option<String>,
    pub object_type: Option<String>,
    pub object_id: Option<String>,
    /// `ok`, `denied` or `failed`.
    pub result: Option<String>,
    /// Only reads of sensitive personal data.
    pub sensitive: Option<bool>,
    /// Earliest instant (RFC 3339, UTC).
    pub from: Option<String>,
    /// Latest instant (RFC 3339, UTC).
    pub to: Option<String>,
    pub community_id: Option<i64>,
    /// Page number, from 1.
    pub page: Option<i64>,
    /// Entries per page, at most 500 (default 50).
    pub per_page: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct AuditItem {
    pub seq: i64,
    /// UTC, exactly as hashed into the chain (`2026-11-26T03:16:50.123456Z`).
    pub at: String,
    pub actor_id: Option<i64>,
    pub actor: String,
    pub role: String,
    pub action: String,
    pub object_type: String,
    pub object_id: String,
    pub street_id: Option<i64>,
    pub community_id: Option<i64>,
    pub building_id: Option<i64>,
    pub result: String,
    pub client_ip: String,
    pub sensitive: bool,
    pub detail: String,
    pub hash: String,
}

#[derive(Serialize, ToSchema)]
pub struct AuditList {
    pub items: Vec<AuditItem>,
    pub total: i64,
}

/// Audit entries, newest first, with filters.
#[utoipa::path(get, path = "/api/v1/audit", tag = "audit", params(AuditFilter), security(("bearer" = [])),
    responses((status = 200, body = AuditList), (status = 403, description = "auditor only")))]
async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(f): Query<AuditFilter>,
) -> Result<Json<AuditList>, AppError> {
    ctx.require(Action::AuditRead, Target::System)?;
    let list = query(state.db.read(), &f).await?;
    audit::record_alone(
        &state.db,
        &ctx.actor(),
        Entry::new("audit.read", "audit_log", "").detail(format!("{} entries", list.items.len())),
    )
    .await?;
    Ok(Json(list))
}

/// The filtered page of the log, shared by the API and the auditor's page.
pub async fn query(
    pool: &crate::platform::reader::Reader,
    f: &AuditFilter,
) -> Result<AuditList, AppError> {
    let per_page = f.per_page.unwrap_or(50);
    if !(1..=500).contains(&per_page) {
        return Err(AppError::invalid("per_page", "error.per_page").arg("max", 500));
    }
    let page = crate::platform::web::page_number(f.page)?;
    let mut conds: Vec<String> = vec![];
    let mut texts: Vec<String> = vec![];
    for (col, v) in [
        ("actor", &f.actor),
        ("action", &f.action),
        ("object_type", &f.object_type),
        ("object_id", &f.object_id),
        ("result", &f.result),
    ] {
        if let Some(v) = v {
            texts.push(v.clone());
            conds.push(format!("{col} = ${}", texts.len()));
        }
    }
    for (op, v, field) in [(">=", &f.from, "from"), ("<=", &f.to, "to")] {
        if let Some(v) = v {
            let ts = crate::platform::time::from_db(v)
                .ok_or_else(|| AppError::invalid(field, "error.instant"))?;
            texts.push(crate::platform::time::to_db(ts));
            conds.push(format!("at {op} ${}", texts.len()));
        }
    }
    if let Some(s) = f.sensitive {
        conds.push(if s { "sensitive = 1" } else { "sensitive = 0" }.into());
    }
    if f.community_id.is_some() {
        conds.push(format!("community_id = ${}", texts.len() + 1));
    }
    let filter = if conds.is_empty() {
        String::new()
    } else {
        format!("WHERE {}", conds.join(" AND "))
    };
    let count_sql = format!("SELECT COUNT(*) AS n FROM audit_log {filter}");
    let mut q = sqlx::query(&count_sql);
    for t in &texts {
        q = q.bind(t);
    }
    if let Some(c) = f.community_id {
        q = q.bind(c);
    }
    let total: i64 = q.fetch_one(pool).await?.try_get("n")?;
    let sql = format!(
        "SELECT seq, at, actor_id, actor, role, action, object_type, object_id, street_id, community_id, building_id, \
         result, client_ip, sensitive, detail, hash FROM audit_log {filter} ORDER BY seq DESC LIMIT {per_page} OFFSET {}",
        (page - 1) * per_page
    );
    let mut q = sqlx::query(&sql);
    for t in &texts {
        q = q.bind(t);
    }
    if let Some(c) = f.community_id {
        q = q.bind(c);
    }
    let mut items = Vec::new();
    for r in q.fetch_all(pool).await? {
        items.push(AuditItem {
            seq: r.try_get("seq")?,
            at: r.try_get("at")?,
            actor_id: r.try_get("actor_id")?,
            actor: r.try_get("actor")?,
            role: r.try_get("role")?,
            action: r.try_get("action")?,
            object_type: r.try_get("object_type")?,
            object_id: r.try_get("object_id")?,
            street_id: r.try_get("street_id")?,
            community_id: r.try_get("community_id")?,
            building_id: r.try_get("building_id")?,
            result: r.try_get("result")?,
            client_ip: r.try_get("client_ip")?,
            sensitive: r.try_get::<i64, _>("sensitive")? != 0,
            detail: r.try_get("detail")?,
            hash: r.try_get("hash")?,
        });
    }
    Ok(AuditList { items, total })
}
