//! The building leader's three notebooks (M13): the work log (自治工作本, `work`), the visit log
//! (民情走访本, `visit`, linked to a household) and the handling-feedback log (事务处理反馈本,
//! `feedback`, linked to a case — an existing one, or one filed from the entry in the same step).
//! A leader writes only about their own building.

use crate::platform::web::Query;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use sqlx::Row;
use utoipa::{IntoParams, ToSchema};

use super::{NewCase, dated, prepare_case, scoped};
use crate::audit::{self, Entry};
use crate::auth::{Action, Ctx, Target};
use crate::cases::intake::insert;
use crate::platform::AppState;
use crate::platform::db::{Val, bind_vals};
use crate::platform::error::AppError;
use crate::platform::input::{date_or_today, text};
use crate::platform::time;
use crate::platform::web::ApiJson;

crate::workflow_state! {
    /// What a building leader's notebook entry records (M3, M13): their own work (工作), a visit
    /// to a household (走访), or residents' feedback (民情).
    pub enum NotebookKind {
        Work = "work",
        Visit = "visit",
        Feedback = "feedback",
    }
}

#[derive(Serialize, ToSchema)]
pub struct NotebookEntry {
    pub id: i64,
    pub community_id: i64,
    pub building_id: i64,
    pub kind: NotebookKind,
    pub entry_date: String,
    pub body: String,
    pub household_id: Option<i64>,
    /// The household's address, for a visit.
    pub household: Option<String>,
    pub case_id: Option<i64>,
    pub author: String,
}

#[derive(Serialize, ToSchema)]
pub struct NotebookList {
    pub items: Vec<NotebookEntry>,
    pub total: i64,
}

#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct NotebookQuery {
    pub community_id: Option<i64>,
    pub building_id: Option<i64>,
    pub kind: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
}

pub async fn search(
    state: &AppState,
    ctx: &Ctx,
    q: &NotebookQuery,
) -> Result<Vec<NotebookEntry>, AppError> {
    let mut f = scoped(
        ctx,
        &[Action::NotebooksWrite, Action::FieldWorkRead],
        Some("t.building_id"),
    )?;
    dated(&mut f, "t.entry_date", q.community_id, &q.from, &q.to)?;
    if let Some(b) = q.building_id {
        f.and("t.building_id = ?", [Val::I(b)]);
    }
    if let Some(k) = q.kind.as_deref().filter(|k| !k.is_empty()) {
        let k: NotebookKind = k
            .parse()
            .map_err(|_| AppError::invalid("kind", "daily.bad_kind"))?;
        f.and("t.kind = ?", [Val::T(k.as_str().to_owned())]);
    }
    let sql = format!(
        "SELECT t.id, t.community_id, t.building_id, t.kind, t.entry_date, t.body, t.household_id, h.address, t.case_id, t.author \
         FROM notebook_entries t LEFT JOIN households h ON h.id = t.household_id {} ORDER BY t.entry_date DESC, t.id DESC LIMIT 200",
        f.sql()
    );
    let rows = bind_vals(sqlx::query(&sql), &f.vals)
        .fetch_all(state.db.read())
        .await?;
    Ok(rows
        .iter()
        .map(|r| {
            Ok(NotebookEntry {
                id: r.try_get("id")?,
                community_id: r.try_get("community_id")?,
                building_id: r.try_get("building_id")?,
                kind: r.try_get("kind")?,
                entry_date: r.try_get("entry_date")?,
                body: r.try_get("body")?,
                household_id: r.try_get("household_id")?,
                household: r.try_get("address")?,
                case_id: r.try_get("case_id")?,
                author: r.try_get("author")?,
            })
        })
        .collect::<Result<_, sqlx::Error>>()?)
}

/// Notebook entries: a leader's own building, or the community's for staff and supervisors.
#[utoipa::path(get, path = "/api/v1/notebooks", tag = "daily", params(NotebookQuery), security(("bearer" = [])),
    responses((status = 200, body = NotebookList), (status = 403)))]
pub(super) async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<NotebookQuery>,
) -> Result<Json<NotebookList>, AppError> {
    // Authorized in search: FieldWorkRead, NotebooksWrite
    let items = search(&state, &ctx, &q).await?;
    let n = format!("{} entries", items.len());
    audit::sensitive_read(
        &state.db,
        &ctx.actor(),
        "notebooks.read",
        "notebook",
        "list",
        n,
    )
    .await?;
    Ok(Json(NotebookList {
        total: items.len() as i64,
        items,
    }))
}

#[derive(Deserialize, ToSchema, Clone, Default)]
pub struct EntryInput {
    pub building_id: i64,
    /// work, visit or feedback.
    pub kind: String,
    /// YYYY-MM-DD, not in the future; default today.
    pub entry_date: Option<String>,
    pub body: String,
    /// For a visit: the household visited (in the building).
    pub household_id: Option<i64>,
    /// For feedback: the case it follows.
    pub case_id: Option<i64>,
    /// File the finding as a case now (feedback and visit entries).
    pub new_case: Option<NewCase>,
}

/// Write an entry. Everything is checked before a case is filed from it.
pub async fn write(state: &AppState, ctx: &Ctx, e: &EntryInput) -> Result<i64, AppError> {
    let place = crate::registry::places::place_of_building(state.db.read(), e.building_id)
        .await?
        .ok_or_else(|| AppError::invalid("building_id", "input.unknown_building"))?;
    ctx.require(Action::NotebooksWrite, Target::At(place))?;
    let kind: NotebookKind = e
        .kind
        .parse()
        .map_err(|_| AppError::invalid("kind", "daily.bad_kind"))?;
    let body = text("body", &e.body, 2000)?;
    let date = date_or_today("entry_date", e.entry_date.as_deref())?;
    let pool = state.db.read();
    match (kind, e.household_id) {
        (NotebookKind::Visit, Some(h)) => {
            let n: i64 = sqlx::query(
                "SELECT COUNT(*) AS n FROM households WHERE id = $1 AND building_id = $2",
            )
            .bind(h)
            .bind(e.building_id)
            .fetch_one(pool)
            .await?
            .try_get("n")?;
            if n == 0 {
                return Err(AppError::invalid(
                    "household_id",
                    "daily.household_not_in_building",
                ));
            }
        }
        (NotebookKind::Visit, None) => {
            return Err(AppError::invalid(
                "household_id",
                "daily.visit_needs_household",
            ));
        }
        (_, Some(_)) => {
            return Err(AppError::invalid(
                "household_id",
                "daily.household_for_visits",
            ));
        }
        _ => {}
    }
    if e.case_id.is_some() && e.new_case.is_some() {
        return Err(AppError::invalid("case_id", "daily.case_or_new"));
    }
    if kind == NotebookKind::Work && (e.case_id.is_some() || e.new_case.is_some()) {
        return Err(AppError::invalid("case_id", "daily.case_for_feedback"));
    }
    if let Some(c) = e.case_id {
        let n: i64 =
            sqlx::query("SELECT COUNT(*) AS n FROM cases WHERE id = $1 AND community_id = $2")
                .bind(c)
                .bind(place.community_id)
                .fetch_one(pool)
                .await?
                .try_get("n")?;
        if n == 0 {
            return Err(AppError::invalid("case_id", "daily.unknown_case").arg("id", c));
        }
    }
    let user = ctx.user.as_ref().ok_or_else(AppError::unauthenticated)?;
    // A new case is stored in the entry's transaction: kept or lost with it.
    let ready = match &e.new_case {
        Some(c) => Some(prepare_case(state, ctx, c, &body, place).await?),
        None => None,
    };
    let mut tx = state.db.begin().await?;
    let case_id = match &ready {
        Some(r) => Some(insert(&mut tx, r).await?.id),
        None => e.case_id,
    };
    let id: i64 = sqlx::query(
        "INSERT INTO notebook_entries (street_id, community_id, building_id, kind, entry_date, body, household_id, case_id, author_id, author, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
    )
    .bind(place.street_id)
    .bind(place.community_id)
    .bind(e.building_id)
    .bind(kind)
    .bind(date.to_string())
    .bind(&body)
    .bind(e.household_id)
    .bind(case_id)
    .bind(user.id)
    .bind(&user.display_name)
    .bind(time::now_db())
    .fetch_one(&mut *tx)
    .await?
    .try_get("id")?;
    audit::record(
        &mut tx,
        &ctx.actor(),
        Entry::new("notebooks.write", "notebook_entry", id)
            .at(place)
            .detail(format!(
                "{kind}{}",
                case_id.map(|c| format!(", case {c}")).unwrap_or_default()
            )),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Write in a building's notebook; a finding can become a case in the same step.
#[utoipa::path(post, path = "/api/v1/notebooks", tag = "daily", request_body = EntryInput, security(("bearer" = [])),
    responses((status = 201, body = NotebookEntry), (status = 403), (status = 422)))]
pub(super) async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiJson(e): ApiJson<EntryInput>,
) -> Result<(StatusCode, Json<NotebookEntry>), AppError> {
    // Authorized in write: NotebooksWrite
    let id = write(&state, &ctx, &e).await?;
    let q = NotebookQuery {
        building_id: Some(e.building_id),
        ..Default::default()
    };
    search(&state, &ctx, &q)
        .await?
        .into_iter()
        .find(|x| x.id == id)
        .map(|x| (StatusCode::CREATED, Json(x)))
        .ok_or_else(AppError::not_found)
}
