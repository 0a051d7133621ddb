//! Who came to a hearing, a briefing or the deliberation hall (民情恳谈、社情发布会、社区议事厅):
//! residents of the community, and stationed units (驻社区单位) where the meeting was open to
//! them. Members' attendance is `conduct.rs`; these are the guests, each recorded once (rule
//! R13, `record_guest`). `/meetings/{id}/guests` shows and records them.

use askama::Template;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Serialize};
use sqlx::Row;
use utoipa::ToSchema;

use super::{Meeting, MeetingKind, readable};
use crate::audit::{self, Entry};
use crate::auth::{Action, CsrfForm, Ctx, Target};
use crate::platform::AppState;
use crate::platform::error::AppError;
use crate::platform::flash::Done;
use crate::platform::forms::{Refused, Typed, again};
use crate::platform::i18n::Tr;
use crate::platform::input::Fields;
use crate::platform::time;
use crate::platform::web::{ApiJson, Chrome, Path, redirect_or_again};

/// The kinds of meeting that take guests.
pub const OPEN_KINDS: [MeetingKind; 3] = [
    MeetingKind::ResidentHearing,
    MeetingKind::CommunityBriefing,
    MeetingKind::DeliberationHall,
];

#[derive(Clone, Serialize, ToSchema)]
pub struct Guest {
    pub id: i64,
    /// A resident's name, or a unit's.
    pub name: String,
    /// resident or unit.
    pub kind: String,
}

#[derive(Clone, Default, Deserialize, ToSchema)]
pub struct GuestInput {
    /// A resident, by real name…
    #[serde(default)]
    pub resident_name: String,
    /// …and household address where two share the name.
    #[serde(default)]
    pub address: String,
    /// Or a stationed unit of the community.
    #[serde(default)]
    pub social_unit_id: Option<i64>,
}

/// The guests of a meeting as `ctx` sees them: residents in full to those who run or supervise
/// the community's meetings, by surname to everyone else; units by name.
pub async fn guests_of(state: &AppState, ctx: &Ctx, m: &Meeting) -> Result<Vec<Guest>, AppError> {
    let full = ctx
        .require(Action::MeetingsManage, Target::At(m.place()))
        .is_ok()
        || ctx
            .require(Action::SupervisionRead, Target::At(m.place()))
            .is_ok();
    let meeting = m.id;
    Ok(sqlx::query(
        "SELECT id, name, CASE WHEN social_unit_id IS NULL THEN 'resident' ELSE 'unit' END AS kind \
         FROM meeting_guests WHERE meeting_id = $1 ORDER BY id",
    )
    .bind(meeting)
    .fetch_all(state.db.read())
    .await?
    .iter()
    .map(|r| {
        let (name, kind): (String, String) = (r.try_get("name")?, r.try_get("kind")?);
        Ok(Guest {
            id: r.try_get("id")?,
            name: if full || kind == "unit" {
                name
            } else {
                crate::platform::pii::mask_name(&name)
            },
            kind,
        })
    })
    .collect::<Result<_, sqlx::Error>>()?)
}

/// R13: a guest of a hearing, briefing or deliberation hall of a community: a living resident
/// of that community when the meeting is open to residents, or one of its stationed units when
/// it is open to units; each once; recorded by those who run its meetings.
pub async fn record_guest(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    i: &GuestInput,
) -> Result<String, AppError> {
    let m = readable(state, ctx, id).await?;
    ctx.require(Action::MeetingsManage, Target::At(m.place()))?;
    let community = m
        .community_id
        .filter(|_| OPEN_KINDS.contains(&m.kind))
        .ok_or_else(|| AppError::invalid("resident_name", "meetings.guests_open_kinds"))?;
    let (resident, unit, name) = match i.social_unit_id {
        Some(u) => {
            if !m.open_to_units {
                return Err(AppError::invalid(
                    "social_unit_id",
                    "meetings.not_open_to_units",
                ));
            }
            let name: String =
                sqlx::query("SELECT name FROM social_units WHERE id = $1 AND community_id = $2")
                    .bind(u)
                    .bind(community)
                    .fetch_optional(state.db.read())
                    .await?
                    .ok_or_else(|| AppError::invalid("social_unit_id", "meetings.unit_elsewhere"))?
                    .try_get("name")?;
            (None, Some(u), name)
        }
        None => {
            if !m.open_to_residents {
                return Err(AppError::invalid(
                    "resident_name",
                    "meetings.not_open_to_residents",
                ));
            }
            let p = crate::registry::participant::resident_by_name(
                state,
                community,
                "resident_name",
                &i.resident_name,
                &i.address,
            )
            .await?;
            (Some(p.resident_id), None, p.name)
        }
    };
    let mut tx = state.db.begin().await?;
    let gid: i64 = sqlx::query(
        "INSERT INTO meeting_guests (meeting_id, resident_id, social_unit_id, name, recorded_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(id)
    .bind(resident)
    .bind(unit)
    .bind(&name)
    .bind(ctx.signed_in()?.id)
    .bind(time::now_db())
    .fetch_one(&mut *tx)
    .await
    .map_err(crate::platform::db::unique_or(AppError::conflict(
        "meetings.guest_already",
    )))?
    .try_get("id")?;
    audit::record(
        &mut tx,
        &ctx.actor(),
        Entry::new("meetings.guest", "meeting", id)
            .at(m.place())
            .detail(format!("guest {gid}")),
    )
    .await?;
    tx.commit().await?;
    Ok(name)
}

#[derive(Template)]
#[template(path = "council/guests.html")]
struct GuestsPage {
    chrome: Chrome,
    t: Tr,
    m: Meeting,
    guests: Vec<Guest>,
    units: Vec<(i64, String)>,
    manage: bool,
    refused: Refused,
    typed: Typed,
}

async fn render(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    refused: Option<(Typed, &AppError)>,
) -> Result<Response, AppError> {
    let m = readable(state, ctx, id).await?;
    let manage = ctx
        .require(Action::MeetingsManage, Target::At(m.place()))
        .is_ok()
        && OPEN_KINDS.contains(&m.kind);
    let units = match m.community_id {
        Some(c) if manage && m.open_to_units => {
            crate::daily::choices::social_units(state, c).await?
        }
        _ => Vec::new(),
    };
    let (typed, err) = Typed::split(refused);
    again(
        &GuestsPage {
            chrome: ctx.chrome(),
            t: ctx.t(),
            guests: guests_of(state, ctx, &m).await?,
            m,
            units,
            manage,
            refused: Refused::of(ctx.lang, &typed.form, err),
            typed,
        },
        err,
    )
}

pub async fn guests_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    // Authorized in render > readable > may_see: BodiesRead (in a community whose bodies the caller may see)
    render(&state, &ctx, id, None).await
}

/// `POST /meetings/{id}/guests`: a resident (`resident`) or a unit (`unit`) who came.
pub async fn guest_submit(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    CsrfForm(ctx, f): CsrfForm<Fields>,
) -> Result<Response, AppError> {
    // Authorized in record_guest: MeetingsManage
    let form = if f.get("social_unit_id").is_empty() {
        "resident"
    } else {
        "unit"
    };
    let done = match f.id("social_unit_id") {
        Ok(unit) => {
            let i = GuestInput {
                resident_name: f.get("resident_name"),
                address: f.get("address"),
                social_unit_id: unit,
            };
            record_guest(&state, &ctx, id, &i).await
        }
        Err(e) => Err(e),
    };
    redirect_or_again(
        done,
        |name| Done::to(format!("/meetings/{id}/guests"), "meetings.done.guest").arg("name", name),
        async |e| render(&state, &ctx, id, Some((Typed::of(form, &f), &e))).await,
    )
    .await
}

#[derive(Serialize, ToSchema)]
pub struct GuestList {
    pub items: Vec<Guest>,
}

/// The residents (by surname, except to those who run or supervise the community's meetings)
/// and stationed units who came to a hearing, briefing or deliberation hall.
#[utoipa::path(get, path = "/api/v1/meetings/{id}/guests", tag = "council", params(("id" = i64, Path)),
    responses((status = 200, body = GuestList), (status = 403), (status = 404)))]
pub(super) async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<Json<GuestList>, AppError> {
    // Authorized in readable > may_see: BodiesRead (in a community whose bodies the caller may see)
    let m = readable(&state, &ctx, id).await?;
    Ok(Json(GuestList {
        items: guests_of(&state, &ctx, &m).await?,
    }))
}

/// Record a resident (by real name) or a stationed unit who came to the meeting.
#[utoipa::path(post, path = "/api/v1/meetings/{id}/guests", tag = "council", params(("id" = i64, Path)),
    request_body = GuestInput, security(("bearer" = [])),
    responses((status = 201, body = Guest), (status = 403), (status = 409), (status = 422)))]
pub(super) async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    ApiJson(i): ApiJson<GuestInput>,
) -> Result<(StatusCode, Json<Guest>), AppError> {
    // Authorized in record_guest: MeetingsManage
    let name = record_guest(&state, &ctx, id, &i).await?;
    let m = readable(&state, &ctx, id).await?;
    let g = guests_of(&state, &ctx, &m)
        .await?
        .into_iter()
        .rfind(|g| g.name == name)
        .ok_or_else(AppError::not_found)?;
    Ok((StatusCode::CREATED, Json(g)))
}
