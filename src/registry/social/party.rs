//! Party organizations (党组织) registered in a community (M3, M4), created and corrected by its
//! staff. M3's rule (more than 50 members: a general branch, 党总支; otherwise a branch, 党支部)
//! is a verdict from the registry's members, not a refusal: the party's own committee decides
//! the form. A community-level organization whose registered form contradicts the verdict is
//! flagged (rule P10), on the organizations page and in the API.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use sqlx::Row;
use utoipa::ToSchema;

use super::orgs::member_of_community;
use super::{Created, community_target, scoped};
use crate::audit::{self, Entry};
use crate::auth::{Action, Ctx};
use crate::platform::AppState;
use crate::platform::db::bind_vals;
use crate::platform::error::AppError;
use crate::platform::input::text;
use crate::platform::time;
use crate::platform::web::{ApiJson, Path};
use crate::registry::rules;

/// The forms a party organization registers with: `general_branch` (党总支) and `branch` (党支部)
/// for the community's own, `building_branch` (楼栋党支部) for a group of buildings.
pub const PARTY_FORMS: &[&str] = &["general_branch", "branch", "building_branch"];

#[derive(Clone, Serialize, ToSchema)]
pub struct PartyOrg {
    pub id: i64,
    pub community_id: i64,
    pub name: String,
    /// `general_branch`, `branch` or `building_branch`, as registered.
    pub form: String,
    pub secretary_resident_id: Option<i64>,
    /// Party members (and probationary members) living in the community, from the registry.
    pub community_members: i64,
    /// M3's verdict for the community: `general_branch` above 50 members, otherwise `branch`.
    pub rule_form: String,
    /// The community's own organization is registered in another form than the verdict (P10).
    pub contradicts_rule: bool,
}

#[derive(Serialize, ToSchema)]
pub struct PartyOrgList {
    pub items: Vec<PartyOrg>,
    pub total: i64,
}

/// Party members living in each community in `ids` (locked records left out).
async fn members_by_community(
    state: &AppState,
    ids: &[i64],
) -> Result<std::collections::HashMap<i64, i64>, AppError> {
    let mut out = std::collections::HashMap::new();
    for &c in ids {
        let n: i64 = sqlx::query(
            "SELECT COUNT(*) AS n FROM residents WHERE community_id = $1 AND status = 'living' AND locked_at IS NULL \
             AND political_status IN ('party_member', 'probationary_member')",
        )
        .bind(c)
        .fetch_one(state.db.read())
        .await?
        .try_get("n")?;
        out.insert(c, n);
    }
    Ok(out)
}

pub async fn party_orgs_in_scope(state: &AppState, ctx: &Ctx) -> Result<Vec<PartyOrg>, AppError> {
    let f = scoped(ctx, Action::PlacesRead, "p.community_id")?;
    let sql = format!(
        "SELECT p.id, p.community_id, p.name, p.form, p.secretary_resident_id FROM party_orgs p \
         JOIN communities c ON c.id = p.community_id {} ORDER BY p.community_id, p.id",
        f.sql()
    );
    let rows = bind_vals(sqlx::query(&sql), &f.vals)
        .fetch_all(state.db.read())
        .await?;
    let mut ids: Vec<i64> = rows
        .iter()
        .map(|r| r.try_get("community_id"))
        .collect::<Result<_, _>>()?;
    ids.dedup();
    let members = members_by_community(state, &ids).await?;
    rows.iter()
        .map(|r| {
            let community_id: i64 = r.try_get("community_id")?;
            let form: String = r.try_get("form")?;
            let n = members.get(&community_id).copied().unwrap_or(0);
            Ok(PartyOrg {
                id: r.try_get("id")?,
                community_id,
                name: r.try_get("name")?,
                contradicts_rule: rules::contradicts_party_form(&form, n),
                form,
                secretary_resident_id: r.try_get("secretary_resident_id")?,
                community_members: n,
                rule_form: rules::party_form(n).to_owned(),
            })
        })
        .collect::<Result<_, sqlx::Error>>()
        .map_err(Into::into)
}

/// Party organizations registered in the communities in scope, each with M3's verdict.
#[utoipa::path(get, path = "/api/v1/party-orgs", tag = "registry", security(("bearer" = [])),
    responses((status = 200, body = PartyOrgList)))]
pub(super) async fn list_party_orgs(
    State(state): State<AppState>,
    ctx: Ctx,
) -> Result<Json<PartyOrgList>, AppError> {
    // Authorized in party_orgs_in_scope: PlacesRead
    let items = party_orgs_in_scope(&state, &ctx).await?;
    Ok(Json(PartyOrgList {
        total: items.len() as i64,
        items,
    }))
}

#[derive(Clone, Default, Deserialize, ToSchema)]
pub struct PartyOrgInput {
    /// On creation; an organization does not move.
    #[serde(default)]
    pub community_id: i64,
    /// e.g. 中共三角线社区支部委员会.
    pub name: String,
    /// `general_branch`, `branch` or `building_branch`.
    pub form: String,
    /// Its secretary, a resident living in the community.
    #[serde(default)]
    pub secretary_resident_id: Option<i64>,
}

fn checked(i: &PartyOrgInput) -> Result<String, AppError> {
    let name = text("name", &i.name, 60)?;
    if !PARTY_FORMS.contains(&i.form.as_str()) {
        return Err(AppError::invalid("form", "registry.bad_party_form"));
    }
    Ok(name)
}

/// Registers a party organization; its id.
pub async fn create_party_org(
    state: &AppState,
    ctx: &Ctx,
    i: &PartyOrgInput,
) -> Result<i64, AppError> {
    let place = community_target(state, ctx, i.community_id).await?;
    let name = checked(i)?;
    let mut tx = state.db.begin().await?;
    if let Some(s) = i.secretary_resident_id {
        member_of_community(&mut tx, s, i.community_id, "secretary_resident_id").await?;
    }
    let id: i64 = sqlx::query(
        "INSERT INTO party_orgs (community_id, name, form, secretary_resident_id, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(i.community_id)
    .bind(&name)
    .bind(&i.form)
    .bind(i.secretary_resident_id)
    .bind(time::now_db())
    .fetch_one(&mut *tx)
    .await?
    .try_get("id")?;
    audit::record(
        &mut tx,
        &ctx.actor(),
        Entry::new("registry.create", "party_org", id)
            .at(place)
            .detail(format!("{name} {}", i.form)),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Corrects a party organization's name, form and secretary.
pub async fn edit_party_org(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    i: &PartyOrgInput,
) -> Result<(), AppError> {
    let community: i64 = sqlx::query("SELECT community_id FROM party_orgs WHERE id = $1")
        .bind(id)
        .fetch_optional(state.db.read())
        .await?
        .ok_or_else(AppError::not_found)?
        .try_get("community_id")?;
    let place = community_target(state, ctx, community).await?;
    let name = checked(i)?;
    let mut tx = state.db.begin().await?;
    if let Some(s) = i.secretary_resident_id {
        member_of_community(&mut tx, s, community, "secretary_resident_id").await?;
    }
    sqlx::query(
        "UPDATE party_orgs SET name = $1, form = $2, secretary_resident_id = $3 WHERE id = $4",
    )
    .bind(&name)
    .bind(&i.form)
    .bind(i.secretary_resident_id)
    .bind(id)
    .execute(&mut *tx)
    .await?;
    audit::record(
        &mut tx,
        &ctx.actor(),
        Entry::new("registry.edit", "party_org", id)
            .at(place)
            .detail(format!("{name} {}", i.form)),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Register a party organization of a community.
#[utoipa::path(post, path = "/api/v1/party-orgs", tag = "registry", request_body = PartyOrgInput,
    security(("bearer" = [])), responses((status = 201, body = Created), (status = 403), (status = 422)))]
pub(super) async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiJson(i): ApiJson<PartyOrgInput>,
) -> Result<(StatusCode, Json<Created>), AppError> {
    // Authorized in create_party_org > community_target: RegistryWrite
    let id = create_party_org(&state, &ctx, &i).await?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}

/// Correct a party organization's name, form and secretary.
#[utoipa::path(put, path = "/api/v1/party-orgs/{id}", tag = "registry", params(("id" = i64, Path)),
    request_body = PartyOrgInput, security(("bearer" = [])),
    responses((status = 204), (status = 403), (status = 404), (status = 422)))]
pub(super) async fn edit(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    ApiJson(i): ApiJson<PartyOrgInput>,
) -> Result<StatusCode, AppError> {
    // Authorized in edit_party_org > community_target: RegistryWrite
    edit_party_org(&state, &ctx, id, &i).await?;
    Ok(StatusCode::NO_CONTENT)
}
