//! Objections during a publicity period (公示期异议, M19), to a notice or to an election's list
//! of candidates: by name, from a resident of the community, while the period runs; each is
//! handled once (upheld or dismissed, with what was done), and the handling is shown with it.
//! One implementation for both: the notice routes here, and the election routes through
//! `file_in` and `handle_in` (`council::elections::nominate`).

use crate::platform::web::Path;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use sqlx::Row;
use utoipa::ToSchema;

use super::notices::{Notice, readable};
pub use super::phone::Channel;
use crate::audit::{self, Entry};
use crate::auth::{Action, Ctx, Target};
use crate::platform::AppState;
use crate::platform::db::Tx;
use crate::platform::error::AppError;
use crate::platform::pii::mask_name;
use crate::platform::time;
use crate::platform::web::ApiJson;
use crate::registry::participant::{Participant, participant};

crate::workflow_state! {
    /// How an objection was handled: upheld (for a notice a correction follows; for an election
    /// the candidate is struck off) or dismissed.
    pub enum ObjectionOutcome {
        Upheld = "upheld",
        Dismissed = "dismissed",
    }
}

/// What an objection is to.
#[derive(Clone, Copy, Debug)]
pub enum Subject {
    Notice(i64),
    Election(i64),
}

impl Subject {
    fn table(self) -> &'static str {
        match self {
            Subject::Notice(_) => "disclosure_objections",
            Subject::Election(_) => "election_objections",
        }
    }
    fn column(self) -> &'static str {
        match self {
            Subject::Notice(_) => "disclosure_id",
            Subject::Election(_) => "election_id",
        }
    }
    fn id(self) -> i64 {
        match self {
            Subject::Notice(id) | Subject::Election(id) => id,
        }
    }
    /// The audit entry's action and object kind for filing and for handling.
    fn audit(self) -> (&'static str, &'static str, &'static str) {
        match self {
            Subject::Notice(_) => (
                "disclosure.object",
                "disclosure.handle_objection",
                "disclosure",
            ),
            Subject::Election(_) => ("elections.object", "elections.handle_objection", "election"),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct Objection {
    pub id: i64,
    /// The candidate objected to (elections only); none for the whole notice or election.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nomination_id: Option<i64>,
    /// The objector, by name: in full to the staff who handle it, surname only to everyone else.
    pub objector: String,
    /// Taken on the 公示 telephone and entered by staff under the objector's real name.
    pub by_phone: bool,
    pub body: String,
    /// RFC 3339, +08:00.
    pub created_at: crate::platform::time::Instant,
    /// None while open.
    pub outcome: Option<ObjectionOutcome>,
    pub handling: Option<String>,
    /// RFC 3339, +08:00.
    pub handled_at: Option<crate::platform::time::Instant>,
}

#[derive(Serialize, ToSchema)]
pub struct ObjectionList {
    pub items: Vec<Objection>,
    pub total: i64,
}

/// The objections to `subject`, oldest first; `staff` see the objectors' full names.
pub async fn list_of(
    state: &AppState,
    subject: Subject,
    staff: bool,
) -> Result<Vec<Objection>, AppError> {
    let nomination = match subject {
        Subject::Notice(_) => "NULL",
        Subject::Election(_) => "nomination_id",
    };
    let rows = sqlx::query(&format!(
        "SELECT id, {nomination} AS nomination_id, objector_name, by_phone, body, created_at, outcome, handling, handled_at \
         FROM {} WHERE {} = $1 ORDER BY id",
        subject.table(),
        subject.column()
    ))
    .bind(subject.id())
    .fetch_all(state.db.read())
    .await?;
    Ok(rows
        .iter()
        .map(|r| {
            let name: String = r.try_get("objector_name")?;
            Ok(Objection {
                id: r.try_get("id")?,
                nomination_id: r.try_get("nomination_id")?,
                objector: if staff { name } else { mask_name(&name) },
                by_phone: r.try_get::<i64, _>("by_phone")? != 0,
                body: r.try_get("body")?,
                created_at: r.try_get("created_at")?,
                outcome: r.try_get("outcome")?,
                handling: r.try_get("handling")?,
                handled_at: r.try_get("handled_at")?,
            })
        })
        .collect::<Result<_, sqlx::Error>>()?)
}

/// Files an objection by `p` inside `tx`; the caller has checked that the publicity period runs
/// (and, for a candidate, that the nomination is of this election). By phone, `p.user_id` is
/// the staff member who took the call. Returns its id.
#[allow(clippy::too_many_arguments)]
pub async fn file_in(
    tx: &mut Tx,
    ctx: &Ctx,
    subject: Subject,
    place: crate::auth::Place,
    p: &Participant,
    nomination: Option<i64>,
    body: &str,
    channel: Channel,
) -> Result<i64, AppError> {
    let body = body.trim();
    if !(5..=1000).contains(&body.chars().count()) {
        return Err(AppError::invalid("body", "objection.body"));
    }
    let (columns, values) = match subject {
        Subject::Notice(_) => ("", ""),
        Subject::Election(_) => (", nomination_id", ", $8"),
    };
    let q = format!(
        "INSERT INTO {} ({}, user_id, objector_name, body, created_at, resident_id, by_phone{columns}) VALUES ($1, $2, $3, $4, $5, $6, $7{values}) RETURNING id",
        subject.table(),
        subject.column()
    );
    let mut q = sqlx::query(&q)
        .bind(subject.id())
        .bind(p.user_id)
        .bind(&p.name)
        .bind(body)
        .bind(time::now_db())
        .bind(p.resident_id)
        .bind(i64::from(channel == Channel::Phone));
    if let Subject::Election(_) = subject {
        q = q.bind(nomination);
    }
    let oid: i64 = q.fetch_one(&mut **tx).await?.try_get("id")?;
    let (action, _, kind) = subject.audit();
    audit::record(
        tx,
        &ctx.actor(),
        Entry::new(action, kind, subject.id())
            .at(place)
            .detail(if channel == Channel::Phone {
                format!("objection {oid} by phone")
            } else {
                format!("objection {oid}")
            }),
    )
    .await?;
    Ok(oid)
}

#[derive(Deserialize, ToSchema)]
pub struct HandlingInput {
    /// upheld or dismissed.
    pub outcome: String,
    pub handling: String,
}

/// A handling as a command: the outcome parsed, the text checked (422 naming the field).
pub struct Handling {
    pub outcome: ObjectionOutcome,
    pub text: String,
}

impl TryFrom<&HandlingInput> for Handling {
    type Error = AppError;
    fn try_from(h: &HandlingInput) -> Result<Handling, AppError> {
        let outcome = h
            .outcome
            .parse()
            .map_err(|_| AppError::invalid("outcome", "objection.bad_outcome"))?;
        let text = h.handling.trim();
        if text.is_empty() || text.chars().count() > 1000 {
            return Err(AppError::invalid("handling", "objection.handling_text"));
        }
        Ok(Handling {
            outcome,
            text: text.to_owned(),
        })
    }
}

/// Records the handling of objection `oid` to `subject` inside `tx`, once: a guarded update
/// (`outcome IS NULL`), so of two concurrent handlings one lands and the other answers 409.
/// The audit entry attests the handling text (`audit::integrity`).
pub async fn handle_in(
    tx: &mut Tx,
    ctx: &Ctx,
    subject: Subject,
    place: crate::auth::Place,
    oid: i64,
    h: &Handling,
) -> Result<(), AppError> {
    let done = sqlx::query(&format!(
        "UPDATE {} SET outcome = $1, handling = $2, handled_by = $3, handled_at = $4 \
         WHERE id = $5 AND {} = $6 AND outcome IS NULL",
        subject.table(),
        subject.column()
    ))
    .bind(h.outcome)
    .bind(&h.text)
    .bind(ctx.user.as_ref().map(|u| u.id))
    .bind(time::now_db())
    .bind(oid)
    .bind(subject.id())
    .execute(&mut **tx)
    .await?
    .rows_affected();
    if done != 1 {
        let exists: i64 = sqlx::query_scalar(&format!(
            "SELECT COUNT(*) FROM {} WHERE id = $1 AND {} = $2",
            subject.table(),
            subject.column()
        ))
        .bind(oid)
        .bind(subject.id())
        .fetch_one(&mut **tx)
        .await?;
        return Err(if exists == 0 {
            AppError::not_found()
        } else {
            AppError::conflict("objection.handled_already")
        });
    }
    let (_, action, kind) = subject.audit();
    audit::record(
        tx,
        &ctx.actor(),
        Entry::new(action, kind, subject.id()).at(place).detail(
            crate::audit::integrity::objection_detail(oid, h.outcome.as_str(), &h.text),
        ),
    )
    .await?;
    Ok(())
}

/// The objections to a notice as `ctx` sees them.
pub async fn objection_list(
    state: &AppState,
    ctx: &Ctx,
    n: &Notice,
) -> Result<Vec<Objection>, AppError> {
    let staff = ctx
        .require(Action::DisclosuresManage, Target::At(n.place()))
        .is_ok();
    list_of(state, Subject::Notice(n.id), staff).await
}

/// The objections to a notice and their handling.
#[utoipa::path(get, path = "/api/v1/disclosures/{id}/objections", tag = "disclosure", params(("id" = i64, Path)),
    responses((status = 200, body = ObjectionList), (status = 404)))]
pub(super) async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<Json<ObjectionList>, AppError> {
    // Authorized in readable: DisclosuresManage (drafts only; published notices are public)
    let n = readable(&state, &ctx, id).await?;
    let items = objection_list(&state, &ctx, &n).await?;
    Ok(Json(ObjectionList {
        total: items.len() as i64,
        items,
    }))
}

#[derive(Deserialize, ToSchema)]
#[schema(as = DisclosureObjectionInput)]
pub struct ObjectionInput {
    pub body: String,
}

/// Files an objection to notice `id` by the signed-in resident.
pub async fn file(state: &AppState, ctx: &Ctx, id: i64, body: &str) -> Result<i64, AppError> {
    let n = readable(state, ctx, id).await?;
    let p = participant(
        state,
        ctx,
        Some(n.community_id),
        "disclosure.objection_named",
    )
    .await?;
    if !n.in_publicity() {
        return Err(AppError::conflict("disclosure.not_in_publicity"));
    }
    let mut tx = state.db.begin().await?;
    let oid = file_in(
        &mut tx,
        ctx,
        Subject::Notice(id),
        n.place(),
        &p,
        None,
        body,
        Channel::Online,
    )
    .await?;
    tx.commit().await?;
    Ok(oid)
}

async fn one(state: &AppState, ctx: &Ctx, n: &Notice, oid: i64) -> Result<Objection, AppError> {
    objection_list(state, ctx, n)
        .await?
        .into_iter()
        .find(|o| o.id == oid)
        .ok_or_else(AppError::not_found)
}

/// Object to a notice during its publicity period, by name: a signed-in resident of the
/// community. Anonymous objections are refused.
#[utoipa::path(post, path = "/api/v1/disclosures/{id}/objections", tag = "disclosure", params(("id" = i64, Path)),
    request_body = ObjectionInput, security(("bearer" = [])),
    responses((status = 201, body = Objection), (status = 401), (status = 403), (status = 409), (status = 422)))]
pub(super) async fn object(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    ApiJson(o): ApiJson<ObjectionInput>,
) -> Result<(StatusCode, Json<Objection>), AppError> {
    // Authorized in file > readable: DisclosuresManage (drafts only; published notices are public)
    let oid = file(&state, &ctx, id, &o.body).await?;
    let n = readable(&state, &ctx, id).await?;
    Ok((StatusCode::CREATED, Json(one(&state, &ctx, &n, oid).await?)))
}

/// Record how an objection was handled; it is shown on the notice.
#[utoipa::path(post, path = "/api/v1/disclosures/{id}/objections/{objection}", tag = "disclosure",
    params(("id" = i64, Path), ("objection" = i64, Path)), request_body = HandlingInput, security(("bearer" = [])),
    responses((status = 200, body = Objection), (status = 403), (status = 404), (status = 409), (status = 422)))]
pub(super) async fn handle(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, oid)): Path<(i64, i64)>,
    ApiJson(h): ApiJson<HandlingInput>,
) -> Result<Json<Objection>, AppError> {
    let n = readable(&state, &ctx, id).await?;
    ctx.require(Action::DisclosuresManage, Target::At(n.place()))?;
    let h = Handling::try_from(&h)?;
    let mut tx = state.db.begin().await?;
    handle_in(&mut tx, &ctx, Subject::Notice(id), n.place(), oid, &h).await?;
    tx.commit().await?;
    Ok(Json(one(&state, &ctx, &n, oid).await?))
}

/// Objections to a community's notices and elections that still wait for an answer.
pub async fn unanswered(
    pool: &crate::platform::reader::Reader,
    community: i64,
) -> Result<i64, sqlx::Error> {
    sqlx::query(
        "SELECT (SELECT COUNT(*) FROM disclosure_objections o JOIN disclosures d ON d.id = o.disclosure_id \
         WHERE d.community_id = $1 AND o.outcome IS NULL) \
         + (SELECT COUNT(*) FROM election_objections o JOIN elections e ON e.id = o.election_id \
         WHERE e.community_id = $1 AND o.outcome IS NULL) AS n",
    )
    .bind(community)
    .fetch_one(pool)
    .await?
    .try_get("n")
}
