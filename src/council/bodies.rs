//! `/api/v1/bodies` and `/api/v1/bodies/{id}/members`.

use crate::platform::web::{Path, Query};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use sqlx::Row;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

use super::rules::{Body, BodyKind};
use crate::audit::{self, Entry};
use crate::auth::{Action, Ctx, Place, Target, scope::scope_condition};
use crate::platform::AppState;
use crate::platform::db::{Filter, Val, bind_vals};
use crate::platform::error::AppError;
use crate::platform::time;
use crate::platform::web::ApiJson;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(members, super::seats::seat))
}

#[derive(Serialize, ToSchema)]
pub struct BodyView {
    pub id: i64,
    /// building_group, council, supervisory_board, assembly, association or leading_group.
    pub kind: BodyKind,
    pub name: String,
    pub street_id: i64,
    pub community_id: Option<i64>,
    pub building_id: Option<i64>,
    /// The body this one is part of: the leading group, for its office and inspection group.
    pub parent_id: Option<i64>,
    /// Members in office.
    pub members: i64,
}

#[derive(Serialize, ToSchema)]
pub struct BodyList {
    pub items: Vec<BodyView>,
    pub total: i64,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct BodyQuery {
    pub community_id: Option<i64>,
    pub kind: Option<String>,
}

/// Where the caller may see bodies: their scopes, a building counting as its community (a
/// building's people see their community's council).
pub(crate) async fn visible_scopes(
    state: &AppState,
    ctx: &Ctx,
) -> Result<Vec<crate::auth::Scope>, AppError> {
    let mut scopes = Vec::new();
    for sc in ctx.scopes(Action::BodiesRead) {
        scopes.push(match sc {
            crate::auth::Scope::Building(b) => {
                match crate::registry::places::place_of_building(state.db.read(), b).await? {
                    Some(p) => crate::auth::Scope::Community(p.community_id.unwrap_or_default()),
                    None => continue,
                }
            }
            other => other,
        });
    }
    Ok(scopes)
}

const BODY_SQL: &str = "SELECT b.id, b.kind, b.name, b.street_id, b.community_id, b.building_id, b.parent_id, \
    (SELECT COUNT(*) FROM body_members m WHERE m.body_id = b.id AND m.ended_at IS NULL) AS members FROM bodies b";

fn body_from(r: &sqlx::any::AnyRow) -> Result<BodyView, sqlx::Error> {
    Ok(BodyView {
        id: r.try_get("id")?,
        kind: r.try_get("kind")?,
        name: r.try_get("name")?,
        street_id: r.try_get("street_id")?,
        community_id: r.try_get("community_id")?,
        building_id: r.try_get("building_id")?,
        parent_id: r.try_get("parent_id")?,
        members: r.try_get("members")?,
    })
}

/// The bodies in the caller's scope.
#[utoipa::path(get, path = "/api/v1/bodies", tag = "council", params(BodyQuery), security(("bearer" = [])),
    responses((status = 200, body = BodyList)))]
async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<BodyQuery>,
) -> Result<Json<BodyList>, AppError> {
    let scopes = visible_scopes(&state, &ctx).await?;
    let Some((cond, vals)) = scope_condition(&scopes, "b.street_id", "b.community_id", None) else {
        ctx.require(Action::BodiesRead, Target::System)?;
        return Err(AppError::forbidden());
    };
    let mut f = Filter::default();
    f.and(&cond, vals);
    if let Some(c) = q.community_id {
        f.and("b.community_id = ?", [Val::I(c)]);
    }
    if let Some(k) = q.kind.as_deref().filter(|k| !k.is_empty()) {
        let k: BodyKind = k
            .parse()
            .map_err(|_| AppError::invalid("kind", "bodies.bad_kind"))?;
        f.and("b.kind = ?", [Val::T(k.as_str().to_owned())]);
    }
    let sql = format!(
        "{BODY_SQL} {} ORDER BY b.community_id, b.kind, b.id",
        f.sql()
    );
    let rows = bind_vals(sqlx::query(&sql), &f.vals)
        .fetch_all(state.db.read())
        .await?;
    let items: Vec<BodyView> = rows.iter().map(body_from).collect::<Result<_, _>>()?;
    Ok(Json(BodyList {
        total: items.len() as i64,
        items,
    }))
}

#[derive(Deserialize, ToSchema)]
pub struct NewBody {
    pub kind: String,
    pub name: String,
    pub community_id: Option<i64>,
    /// For a building group.
    pub building_id: Option<i64>,
    /// The body this one is part of (an office or inspection group of the leading group), in
    /// the same place.
    pub parent_id: Option<i64>,
}

/// Where a new body sits: its building, its community, or (neither given) the caller's street.
async fn body_place(state: &AppState, ctx: &Ctx, b: &NewBody) -> Result<Place, AppError> {
    let pool = state.db.read();
    Ok(match (b.building_id, b.community_id) {
        (Some(bid), _) => crate::registry::places::place_of_building(pool, bid)
            .await?
            .ok_or_else(|| AppError::invalid("building_id", "input.unknown_building"))?,
        (None, Some(c)) => crate::registry::places::place_of_community(pool, c)
            .await?
            .ok_or_else(|| AppError::invalid("community_id", "input.unknown_community"))?,
        (None, None) => {
            let street = ctx
                .scopes(Action::BodiesManage)
                .iter()
                .find_map(|s| match s {
                    crate::auth::Scope::Street(id) => Some(*id),
                    _ => None,
                });
            Place::street(street.ok_or_else(|| AppError::invalid("community_id", "bodies.where"))?)
        }
    })
}

/// Form a body (the community head; the street for its leading group).
#[utoipa::path(post, path = "/api/v1/bodies", tag = "council", request_body = NewBody, security(("bearer" = [])),
    responses((status = 201, body = BodyView), (status = 403), (status = 422)))]
async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiJson(b): ApiJson<NewBody>,
) -> Result<(StatusCode, Json<BodyView>), AppError> {
    let place = body_place(&state, &ctx, &b).await?;
    ctx.require(Action::BodiesManage, Target::At(place))?;
    let kind: BodyKind = b
        .kind
        .parse()
        .map_err(|_| AppError::invalid("kind", "bodies.bad_kind"))?;
    let name = b.name.trim();
    if name.is_empty() || name.chars().count() > 60 {
        return Err(AppError::invalid("name", "bodies.bad_name"));
    }
    if (kind == BodyKind::BuildingGroup) != b.building_id.is_some() {
        return Err(AppError::invalid(
            "building_id",
            "bodies.building_group_needs_building",
        ));
    }
    if let Some(parent) = b.parent_id {
        let (pb, pp) = load_body(&state, parent)
            .await
            .map_err(|_| AppError::invalid("parent_id", "bodies.bad_parent"))?;
        if pp.street_id != place.street_id
            || pp.community_id != place.community_id
            || pb.kind != kind
        {
            return Err(AppError::invalid("parent_id", "bodies.bad_parent"));
        }
    }
    let mut tx = state.db.begin().await?;
    // M5: one building group per building, so one building leader (the unique index
    // `bodies_one_group_per_building` decides between concurrent creations).
    let id: i64 = sqlx::query(
        "INSERT INTO bodies (street_id, community_id, building_id, kind, name, parent_id, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(place.street_id)
    .bind(place.community_id)
    .bind(place.building_id)
    .bind(kind)
    .bind(name)
    .bind(b.parent_id)
    .bind(time::now_db())
    .fetch_one(&mut *tx)
    .await
    .map_err(crate::platform::db::unique_or(AppError::conflict(
        "bodies.one_group_per_building",
    )))?
    .try_get("id")?;
    audit::record(
        &mut tx,
        &ctx.actor(),
        Entry::new("bodies.create", "body", id)
            .at(place)
            .detail(kind.as_str()),
    )
    .await?;
    tx.commit().await?;
    let row = sqlx::query(&format!("{BODY_SQL} WHERE b.id = $1"))
        .bind(id)
        .fetch_one(state.db.read())
        .await?;
    Ok((StatusCode::CREATED, Json(body_from(&row)?)))
}

#[derive(Serialize, ToSchema)]
pub struct Member {
    pub id: i64,
    pub resident_id: Option<i64>,
    pub name: String,
    pub position: super::rules::Position,
    pub source: super::rules::SeatSource,
    pub term_from: String,
    pub term_to: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct MemberList {
    pub items: Vec<Member>,
    pub total: i64,
}

pub(super) async fn load_body(state: &AppState, id: i64) -> Result<(Body, Place), AppError> {
    let r = sqlx::query(
        "SELECT id, kind, street_id, community_id, building_id FROM bodies WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(state.db.read())
    .await?
    .ok_or_else(AppError::not_found)?;
    let place = Place {
        street_id: Some(r.try_get("street_id")?),
        community_id: r.try_get("community_id")?,
        building_id: r.try_get("building_id")?,
    };
    Ok((
        Body {
            id,
            kind: r.try_get("kind")?,
            community_id: place.community_id,
        },
        place,
    ))
}

/// The members in office, with position, source and term.
#[utoipa::path(get, path = "/api/v1/bodies/{id}/members", tag = "council", params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, body = MemberList), (status = 403), (status = 404)))]
async fn members(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<Json<MemberList>, AppError> {
    let (_, place) = load_body(&state, id).await?;
    ctx.require(Action::BodiesRead, Target::System)?;
    let community = Place {
        building_id: None,
        ..place
    };
    if !visible_scopes(&state, &ctx)
        .await?
        .iter()
        .any(|s| s.contains(&community) || s.contains(&place))
    {
        return Err(AppError::forbidden());
    }
    let rows = sqlx::query(
        "SELECT id, resident_id, name, position, source, term_from, term_to FROM body_members WHERE body_id = $1 AND ended_at IS NULL \
         ORDER BY CASE position WHEN 'president' THEN 0 WHEN 'vice_president' THEN 1 WHEN 'secretary' THEN 2 ELSE 3 END, id",
    )
    .bind(id)
    .fetch_all(state.db.read())
    .await?;
    let items: Vec<Member> = rows
        .iter()
        .map(|r| {
            Ok(Member {
                id: r.try_get("id")?,
                resident_id: r.try_get("resident_id")?,
                name: r.try_get("name")?,
                position: r.try_get("position")?,
                source: r.try_get("source")?,
                term_from: r.try_get("term_from")?,
                term_to: r.try_get("term_to")?,
            })
        })
        .collect::<Result<_, sqlx::Error>>()?;
    Ok(Json(MemberList {
        total: items.len() as i64,
        items,
    }))
}
