//! Seating a member on a body, by its composition rules.

use crate::platform::web::Path;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use sqlx::Row;
use utoipa::ToSchema;

use super::bodies::{Member, load_body};
use super::rules::{self, Position, Seat, SeatSource};
use crate::audit::{self, Entry};
use crate::auth::{Action, Ctx, Target};
use crate::platform::AppState;
use crate::platform::error::AppError;
use crate::platform::time;
use crate::platform::web::ApiJson;

#[derive(Deserialize, ToSchema)]
pub struct SeatInput {
    /// A resident of the community, or…
    pub resident_id: Option<i64>,
    /// …an account (a cadre: the secretary, a worker).
    pub username: Option<String>,
    pub position: String,
    pub source: String,
    /// YYYY-MM-DD; default today.
    pub term_from: Option<String>,
    pub term_to: Option<String>,
}

/// Seat a member, by the body's composition rules (422 naming the rule otherwise).
#[utoipa::path(post, path = "/api/v1/bodies/{id}/members", tag = "council", params(("id" = i64, Path)), request_body = SeatInput,
    security(("bearer" = [])), responses((status = 201, body = Member), (status = 403), (status = 422)))]
pub(super) async fn seat(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    ApiJson(s): ApiJson<SeatInput>,
) -> Result<(StatusCode, Json<Member>), AppError> {
    let (body, place) = load_body(&state, id).await?;
    ctx.require(Action::BodiesManage, Target::At(place))?;
    let position: Position = s
        .position
        .parse()
        .map_err(|_| AppError::invalid("position", "bodies.bad_position"))?;
    let source: SeatSource = s
        .source
        .parse()
        .map_err(|_| AppError::invalid("source", "bodies.bad_source"))?;
    let from = match s.term_from.as_deref() {
        Some(d) => crate::platform::time::parse_day("term_from", d)?,
        None => time::today(),
    };
    let to = s
        .term_to
        .as_deref()
        .map(|d| crate::platform::time::parse_day("term_to", d))
        .transpose()?;
    if to.is_some_and(|t| t < from) {
        return Err(AppError::invalid("term_to", "input.term_order"));
    }
    let mut tx = state.db.begin().await?;
    let (resident_id, user_id, name) = match (
        s.resident_id,
        s.username.as_deref().filter(|u| !u.is_empty()),
    ) {
        (Some(r), None) => {
            let row = sqlx::query(
                "SELECT name, community_id FROM residents WHERE id = $1 AND status = 'living' AND locked_at IS NULL",
            )
            .bind(r)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or_else(|| AppError::invalid("resident_id", "input.not_in_community"))?;
            if body.community_id.is_some_and(|c| {
                row.try_get::<i64, _>("community_id")
                    .is_ok_and(|rc| rc != c)
            }) {
                return Err(AppError::invalid("resident_id", "input.not_in_community"));
            }
            (Some(r), None, row.try_get::<String, _>("name")?)
        }
        (None, Some(u)) => {
            let user = crate::auth::store::find_by_username_tx(&mut tx, u)
                .await?
                .ok_or_else(|| AppError::invalid("username", "bodies.unknown_user"))?;
            (None, Some(user.id), user.display_name)
        }
        _ => return Err(AppError::invalid("resident_id", "bodies.who")),
    };
    let seat = Seat {
        resident_id,
        user_id,
        position,
        source,
    };
    rules::seated_by_hand(&seat)?;
    rules::check(&mut tx, &body, &seat).await?;
    if position == Position::VicePresident {
        // Elected from among the members: the member's seat becomes the vice president's.
        let mid: i64 = sqlx::query(
            "SELECT id FROM body_members WHERE body_id = $1 AND resident_id = $2 AND source = 'elected' AND position = 'member' AND ended_at IS NULL",
        )
        .bind(id)
        .bind(resident_id)
        .fetch_one(&mut *tx)
        .await?
        .try_get("id")?;
        let moved = sqlx::query(
            "UPDATE body_members SET position = $1 WHERE id = $2 AND position = $3 AND ended_at IS NULL",
        )
        .bind(Position::VicePresident)
        .bind(mid)
        .bind(Position::Member)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        crate::platform::state::moved(moved, "bodies.one_vice_president")?;
        audit::record(
            &mut tx,
            &ctx.actor(),
            Entry::new("bodies.seat", "body", id)
                .at(place)
                .detail(format!("{name}: vice_president")),
        )
        .await?;
        tx.commit().await?;
        let m = Member {
            id: mid,
            resident_id,
            name,
            position,
            source: SeatSource::Elected,
            term_from: from.to_string(),
            term_to: to.map(|d| d.to_string()),
        };
        return Ok((StatusCode::CREATED, Json(m)));
    }
    let mid: i64 = sqlx::query(
        "INSERT INTO body_members (body_id, resident_id, user_id, name, position, source, term_from, term_to, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
    )
    .bind(id)
    .bind(resident_id)
    .bind(user_id)
    .bind(&name)
    .bind(position)
    .bind(source)
    .bind(from.to_string())
    .bind(to.map(|d| d.to_string()))
    .bind(time::now_db())
    .fetch_one(&mut *tx)
    .await?
    .try_get("id")?;
    audit::record(
        &mut tx,
        &ctx.actor(),
        Entry::new("bodies.seat", "body", id)
            .at(place)
            .detail(format!("{name}: {position} ({source})")),
    )
    .await?;
    tx.commit().await?;
    Ok((
        StatusCode::CREATED,
        Json(Member {
            id: mid,
            resident_id,
            name,
            position,
            source,
            term_from: from.to_string(),
            term_to: to.map(|d| d.to_string()),
        }),
    ))
}
