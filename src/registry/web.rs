//! Registry pages: the residents list and search, a resident's record, 我的信息, and the
//! correction requests a community's workers answer.

use crate::platform::web::{Path, Query};
use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::api::{RevealQuery, parse_reveal, read_one};
use super::me::{self, CorrectionInput, CorrectionReply, MyRecord};
use super::residents::{self, Move, ResidentQuery, ResidentView};
use crate::audit::{self, Entry};
use crate::auth::{Action, CsrfForm, Ctx, Place, Target};
use crate::platform::AppState;
use crate::platform::error::AppError;
use crate::platform::i18n::{Tr, tf};
use crate::platform::web::{Chrome, page};

#[derive(Template)]
#[template(path = "registry/residents.html")]
struct ResidentsPage {
    chrome: Chrome,
    t: Tr,
    items: Vec<ResidentView>,
    total: i64,
    q: String,
    page: i64,
    pages: i64,
    building_id: String,
}

pub async fn residents_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<ResidentQuery>,
) -> Result<Response, AppError> {
    let scopes = ctx.scopes(Action::RegistryRead);
    if scopes.is_empty() {
        ctx.require(Action::RegistryRead, Target::System)?;
    }
    let result = residents::search(state.db.read(), &scopes, &q).await?;
    audit::record_alone(
        &state.db,
        &ctx.actor(),
        Entry::new("registry.read", "resident_list", "")
            .at(Place {
                street_id: None,
                community_id: q.community_id,
                building_id: q.building_id,
            })
            .detail(format!(
                "q={} page={} n={}",
                q.q.as_deref().unwrap_or(""),
                result.page,
                result.items.len()
            )),
    )
    .await?;
    page(&ResidentsPage {
        chrome: ctx.chrome(),
        t: ctx.t(),
        items: result.items.iter().map(|r| r.view(false, false)).collect(),
        total: result.total,
        q: q.q.clone().unwrap_or_default(),
        page: result.page,
        pages: (result.total + result.per_page - 1) / result.per_page,
        building_id: q.building_id.map(|b| b.to_string()).unwrap_or_default(),
    })
}

#[derive(Template)]
#[template(path = "registry/resident.html")]
struct ResidentPage {
    chrome: Chrome,
    t: Tr,
    r: ResidentView,
    household: Vec<ResidentView>,
    moves: Vec<Move>,
    can_reveal: bool,
    can_write: bool,
    revealed: bool,
    saved: bool,
    /// Their volunteer record, when they volunteer.
    volunteer: Option<i64>,
}

#[derive(Deserialize)]
pub struct Saved {
    saved: Option<String>,
}

pub async fn resident_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Query(rq): Query<RevealQuery>,
    Query(saved): Query<Saved>,
) -> Result<Response, AppError> {
    let (r, view) = read_one(&state, &ctx, id, &rq).await?;
    let can_reveal = ctx
        .require(Action::RegistryReveal, Target::At(r.place()))
        .is_ok();
    let can_write = ctx
        .require(Action::RegistryWrite, Target::At(r.place()))
        .is_ok();
    let household = residents::household_members(state.db.read(), r.household_id).await?;
    let (rid, rphone, _) = parse_reveal(&rq)?;
    // read_one audited the reveal, if there was one.
    let res = page(&ResidentPage {
        chrome: ctx.chrome(),
        t: ctx.t(),
        revealed: rq.reveal.as_deref().is_some_and(|s| !s.is_empty()),
        r: view,
        household: household
            .iter()
            .filter(|m| m.id != id)
            .map(|m| m.view(false, false))
            .collect(),
        moves: residents::moves(state.db.read(), id).await?,
        can_reveal,
        can_write,
        saved: saved.saved.is_some(),
        volunteer: sqlx::query("SELECT id FROM volunteers WHERE resident_id = $1")
            .bind(id)
            .fetch_optional(state.db.read())
            .await?
            .map(|r| sqlx::Row::try_get(&r, "id"))
            .transpose()?,
    })?;
    Ok(crate::platform::pii::unmasked_if(rid || rphone, res))
}

#[derive(Template)]
#[template(path = "registry/me.html")]
struct MePage {
    chrome: Chrome,
    t: Tr,
    rec: MyRecord,
    accesses: Vec<(String, String)>,
    erasures: Vec<(String, super::rights::ErasureRequest)>,
    notes: MeNotes,
}

/// What the last form on 我的信息 came to: a refusal to show beside it, or a request sent.
#[derive(Default)]
pub struct MeNotes {
    pub correction_error: Option<String>,
    pub correction_sent: bool,
    pub erasure_error: Option<String>,
    pub erasure_sent: bool,
}

#[derive(Deserialize)]
pub struct Sent {
    /// `1` after a correction request, `erasure` after a deletion request.
    sent: Option<String>,
}

/// 我的信息.
pub async fn me_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(s): Query<Sent>,
) -> Result<Response, AppError> {
    // Authorized in render_me > super::me_api::load > me::own_resident: HomeView
    let notes = MeNotes {
        correction_sent: s.sent.as_deref() == Some("1"),
        erasure_sent: s.sent.as_deref() == Some("erasure"),
        ..MeNotes::default()
    };
    render_me(&state, &ctx, notes).await
}

pub async fn render_me(state: &AppState, ctx: &Ctx, notes: MeNotes) -> Result<Response, AppError> {
    let refused = notes.correction_error.is_some() || notes.erasure_error.is_some();
    let rec = super::me_api::load(state, ctx).await?;
    let accesses = rec
        .accesses
        .iter()
        .map(|a| {
            let what = tf(ctx.lang, &format!("me.access.{}", a.object_type), &[]);
            (
                a.at.show(ctx.lang),
                format!("{} ({}) {what}", a.actor, a.role),
            )
        })
        .collect();
    let erasures = rec
        .erasures
        .iter()
        .map(|k| (k.created_at.show(ctx.lang), k.clone()))
        .collect();
    let mut res = page(&MePage {
        chrome: ctx.chrome(),
        t: ctx.t(),
        rec,
        accesses,
        erasures,
        notes,
    })?;
    if refused {
        *res.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(res)
}

pub async fn ask_correction(
    State(state): State<AppState>,
    CsrfForm(ctx, input): CsrfForm<CorrectionInput>,
) -> Result<Response, AppError> {
    // Authorized in me::own_resident: HomeView
    let r = me::own_resident(state.db.read(), &ctx).await?;
    let mut tx = state.db.begin().await?;
    match me::ask_correction(&mut tx, &ctx, &r, &input).await {
        Ok(_) => {
            tx.commit().await?;
            Ok(Redirect::to("/me?sent=1").into_response())
        }
        Err(e) if e.status.is_client_error() => {
            drop(tx);
            let notes = MeNotes {
                correction_error: Some(tf(ctx.lang, e.key, &e.args)),
                ..MeNotes::default()
            };
            render_me(&state, &ctx, notes).await
        }
        Err(e) => Err(e),
    }
}

#[derive(Template)]
#[template(path = "registry/corrections.html")]
struct CorrectionsPage {
    chrome: Chrome,
    t: Tr,
    items: Vec<(me::Correction, String, String)>,
    erasures: Vec<(super::rights::ErasureRequest, String)>,
    /// A refused answer to a deletion request: its id and the message, shown beside it.
    erasure_error: Option<(i64, String)>,
}

pub async fn corrections_page(
    State(state): State<AppState>,
    ctx: Ctx,
) -> Result<Response, AppError> {
    // Authorized in render_corrections: RegistryWrite
    render_corrections(&state, &ctx, None).await
}

pub async fn render_corrections(
    state: &AppState,
    ctx: &Ctx,
    erasure_error: Option<(i64, String)>,
) -> Result<Response, AppError> {
    let communities = super::me_api::writable_communities(ctx);
    if communities.is_empty() {
        ctx.require(Action::RegistryWrite, Target::System)?;
        return Err(AppError::forbidden());
    }
    let items = me::corrections_in(state.db.read(), &communities)
        .await?
        .into_iter()
        .map(|(c, name)| {
            let at = c.created_at.show(ctx.lang);
            (c, name, at)
        })
        .collect();
    let erasures = super::rights::requests_in(state.db.read(), &communities)
        .await?
        .into_iter()
        .map(|k| {
            let at = k.created_at.show(ctx.lang);
            (k, at)
        })
        .collect();
    let refused = erasure_error.is_some();
    let mut res = page(&CorrectionsPage {
        chrome: ctx.chrome(),
        t: ctx.t(),
        items,
        erasures,
        erasure_error,
    })?;
    if refused {
        *res.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(res)
}

pub async fn answer_correction(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    CsrfForm(ctx, a): CsrfForm<CorrectionReply>,
) -> Result<Response, AppError> {
    // Authorized in me::answer_correction: RegistryWrite
    let mut tx = state.db.begin().await?;
    me::answer_correction(&mut tx, &ctx, id, &a).await?;
    tx.commit().await?;
    Ok(Redirect::to("/corrections").into_response())
}
