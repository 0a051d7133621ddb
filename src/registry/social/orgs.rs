//! Community social organizations (社区社会组织) and their members.

use crate::platform::web::Path;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use sqlx::Row;
use utoipa::ToSchema;

use super::{Created, community_target, scoped};
use crate::audit::{self, Entry};
use crate::auth::{Action, Ctx, Place, Target};
use crate::platform::AppState;
use crate::platform::db::bind_vals;
use crate::platform::error::AppError;
use crate::platform::input::text;
use crate::platform::time;
use crate::platform::web::ApiJson;

use super::ORG_KINDS;

#[derive(Serialize, ToSchema)]
pub struct SocialOrg {
    pub id: i64,
    pub community_id: i64,
    pub name: String,
    pub kind: String,
    pub founded_on: String,
    pub leader_resident_id: Option<i64>,
    pub activities: String,
    pub members: i64,
}

#[derive(Serialize, ToSchema)]
pub struct SocialOrgList {
    pub items: Vec<SocialOrg>,
    pub total: i64,
}

const ORG_SQL: &str = "SELECT o.id, o.community_id, o.name, o.kind, o.founded_on, o.leader_resident_id, o.activities, c.street_id, \
    (SELECT COUNT(*) FROM social_org_members m WHERE m.org_id = o.id) AS members \
    FROM social_orgs o JOIN communities c ON c.id = o.community_id";

fn org_from(r: &sqlx::any::AnyRow) -> Result<SocialOrg, sqlx::Error> {
    Ok(SocialOrg {
        id: r.try_get("id")?,
        community_id: r.try_get("community_id")?,
        name: r.try_get("name")?,
        kind: r.try_get("kind")?,
        founded_on: r.try_get("founded_on")?,
        leader_resident_id: r.try_get("leader_resident_id")?,
        activities: r.try_get("activities")?,
        members: r.try_get("members")?,
    })
}

/// Social organizations of the communities in scope.
#[utoipa::path(get, path = "/api/v1/social-orgs", tag = "registry", security(("bearer" = [])),
    responses((status = 200, body = SocialOrgList)))]
pub(super) async fn list_orgs(
    State(state): State<AppState>,
    ctx: Ctx,
) -> Result<Json<SocialOrgList>, AppError> {
    // Authorized in orgs_in_scope: PlacesRead
    let items = orgs_in_scope(&state, &ctx).await?;
    Ok(Json(SocialOrgList {
        total: items.len() as i64,
        items,
    }))
}

/// Social organizations of the communities in scope.
pub async fn orgs_in_scope(state: &AppState, ctx: &Ctx) -> Result<Vec<SocialOrg>, AppError> {
    let f = scoped(ctx, Action::PlacesRead, "o.community_id")?;
    let sql = format!("{ORG_SQL} {} ORDER BY o.community_id, o.id", f.sql());
    let rows = bind_vals(sqlx::query(&sql), &f.vals)
        .fetch_all(state.db.read())
        .await?;
    Ok(rows.iter().map(org_from).collect::<Result<_, _>>()?)
}

#[derive(Deserialize, ToSchema)]
pub struct SocialOrgInput {
    pub community_id: i64,
    pub name: String,
    /// 文体, 志愿服务, 协会, 慈善, 调解 or 其他.
    pub kind: String,
    /// YYYY-MM-DD.
    pub founded_on: String,
    pub leader_resident_id: Option<i64>,
    #[serde(default)]
    pub activities: String,
}

/// Register a social organization.
#[utoipa::path(post, path = "/api/v1/social-orgs", tag = "registry", request_body = SocialOrgInput, security(("bearer" = [])),
    responses((status = 201, body = Created), (status = 422)))]
pub(super) async fn create_org(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiJson(i): ApiJson<SocialOrgInput>,
) -> Result<(StatusCode, Json<Created>), AppError> {
    // Authorized in create_org_core > community_target: RegistryWrite
    let id = create_org_core(&state, &ctx, &i).await?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}

/// Registers a social organization, checked; returns its id.
pub async fn create_org_core(
    state: &AppState,
    ctx: &Ctx,
    i: &SocialOrgInput,
) -> Result<i64, AppError> {
    let place = community_target(state, ctx, i.community_id).await?;
    let name = text("name", &i.name, 60)?;
    if !ORG_KINDS.contains(&i.kind.as_str()) {
        return Err(AppError::invalid("kind", "registry.bad_kind"));
    }
    let founded = crate::platform::time::parse_day("founded_on", &i.founded_on)?;
    let mut tx = state.db.begin().await?;
    if let Some(leader) = i.leader_resident_id {
        member_of_community(&mut tx, leader, i.community_id, "leader_resident_id").await?;
    }
    let now = time::now_db();
    let id: i64 = sqlx::query(
        "INSERT INTO social_orgs (community_id, name, kind, founded_on, leader_resident_id, activities, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING id",
    )
    .bind(i.community_id)
    .bind(&name)
    .bind(&i.kind)
    .bind(founded.to_string())
    .bind(i.leader_resident_id)
    .bind(i.activities.trim())
    .bind(&now)
    .fetch_one(&mut *tx)
    .await?
    .try_get("id")?;
    audit::record(
        &mut tx,
        &ctx.actor(),
        Entry::new("registry.create", "social_org", id).at(place),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

pub(super) async fn member_of_community(
    tx: &mut crate::platform::db::Tx,
    resident: i64,
    community: i64,
    field: &'static str,
) -> Result<(), AppError> {
    let ok = sqlx::query(
        "SELECT id FROM residents WHERE id = $1 AND community_id = $2 AND status = 'living' AND locked_at IS NULL",
    )
    .bind(resident)
    .bind(community)
    .fetch_optional(&mut **tx)
    .await?;
    ok.map(|_| ())
        .ok_or_else(|| AppError::invalid(field, "input.not_in_community"))
}

#[derive(Serialize, ToSchema)]
pub struct OrgMember {
    pub resident_id: i64,
    pub name: String,
    /// president, vice_president, secretary or member.
    pub position: String,
    pub joined_on: String,
}

#[derive(Serialize, ToSchema)]
pub struct SocialOrgDetail {
    #[serde(flatten)]
    pub org: SocialOrg,
    pub member_list: Vec<OrgMember>,
}

/// One social organization with its members.
#[utoipa::path(get, path = "/api/v1/social-orgs/{id}", tag = "registry", params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, body = SocialOrgDetail), (status = 404)))]
pub(super) async fn one_org(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<Json<SocialOrgDetail>, AppError> {
    let row = sqlx::query(&format!("{ORG_SQL} WHERE o.id = $1"))
        .bind(id)
        .fetch_optional(state.db.read())
        .await?;
    let row = row.ok_or_else(AppError::not_found)?;
    let org = org_from(&row)?;
    let place = Place {
        street_id: Some(row.try_get("street_id")?),
        community_id: Some(org.community_id),
        building_id: None,
    };
    // The member list names residents: the register's readers only (never the sysadmin, who
    // reads places but no personal data, nor the council and the board).
    ctx.require(Action::RegistryRead, Target::At(place))?;
    let rows = sqlx::query(
        "SELECT m.resident_id, r.name, m.position, m.joined_on FROM social_org_members m JOIN residents r ON r.id = m.resident_id \
         WHERE m.org_id = $1 AND r.locked_at IS NULL ORDER BY m.joined_on, r.id",
    )
    .bind(id)
    .fetch_all(state.db.read())
    .await?;
    let member_list = rows
        .iter()
        .map(|r| {
            Ok(OrgMember {
                resident_id: r.try_get("resident_id")?,
                name: r.try_get("name")?,
                position: r.try_get("position")?,
                joined_on: r.try_get("joined_on")?,
            })
        })
        .collect::<Result<_, sqlx::Error>>()?;
    Ok(Json(SocialOrgDetail { org, member_list }))
}

#[derive(Deserialize, ToSchema)]
pub struct MemberInput {
    pub resident_id: i64,
    /// president, vice_president, secretary or member.
    #[serde(default = "member")]
    pub position: String,
    /// YYYY-MM-DD; default today.
    pub joined_on: Option<String>,
}

fn member() -> String {
    "member".into()
}

/// Add a resident of the community to an organization.
#[utoipa::path(post, path = "/api/v1/social-orgs/{id}/members", tag = "registry", params(("id" = i64, Path)),
    request_body = MemberInput, security(("bearer" = [])),
    responses((status = 201, description = "added"), (status = 409, description = "already a member"), (status = 422)))]
pub(super) async fn add_member(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    ApiJson(m): ApiJson<MemberInput>,
) -> Result<StatusCode, AppError> {
    // Authorized in community_target: RegistryWrite
    let community: i64 = sqlx::query("SELECT community_id FROM social_orgs WHERE id = $1")
        .bind(id)
        .fetch_optional(state.db.read())
        .await?
        .ok_or_else(AppError::not_found)?
        .try_get("community_id")?;
    let place = community_target(&state, &ctx, community).await?;
    if !["president", "vice_president", "secretary", "member"].contains(&m.position.as_str()) {
        return Err(AppError::invalid("position", "registry.bad_position"));
    }
    let joined = match m.joined_on.as_deref() {
        Some(d) => crate::platform::time::parse_day("joined_on", d)?,
        None => time::today(),
    };
    let mut tx = state.db.begin().await?;
    member_of_community(&mut tx, m.resident_id, community, "resident_id").await?;
    let res = sqlx::query("INSERT INTO social_org_members (org_id, resident_id, position, joined_on) VALUES ($1, $2, $3, $4)")
        .bind(id)
        .bind(m.resident_id)
        .bind(&m.position)
        .bind(joined.to_string())
        .execute(&mut *tx)
        .await;
    match res {
        Err(e) if crate::platform::db::is_unique_violation(&e) => {
            return Err(AppError::conflict("registry.already_member"));
        }
        r => r?,
    };
    audit::record(
        &mut tx,
        &ctx.actor(),
        Entry::new("registry.org_member", "social_org", id)
            .at(place)
            .detail(m.resident_id.to_string()),
    )
    .await?;
    tx.commit().await?;
    Ok(StatusCode::CREATED)
}
