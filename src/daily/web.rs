//! The notebook page, phone first: a building leader (or a worker) writes a work, visit or
//! feedback entry in one screen, and can file what they found as a case in the same step. And
//! the visit coverage page for the head and the supervisory board.

use crate::platform::web::Query;
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use serde::Deserialize;
use sqlx::Row;

use super::coverage::{Coverage, coverage, this_quarter};
use super::notebooks::{EntryInput, NotebookEntry, NotebookQuery, search, write};
use super::{NewCase, community_place};
use crate::auth::{Action, CsrfForm, Ctx, Scope, Target};
use crate::platform::AppState;
use crate::platform::error::AppError;
use crate::platform::i18n::{Tr, tf};
use crate::platform::web::{Chrome, page};

#[derive(Template)]
#[template(path = "daily/notebooks.html")]
struct NotebookPage {
    chrome: Chrome,
    t: Tr,
    buildings: Vec<(i64, String)>,
    households: Vec<(i64, String)>,
    categories: Vec<String>,
    items: Vec<NotebookEntry>,
    /// What was typed, when the form comes back refused.
    f: EntryForm,
    error: String,
    /// The field the error belongs to.
    error_field: String,
}

/// The buildings the caller may write about: a leader's own, a worker's community's.
async fn buildings(state: &AppState, ctx: &Ctx) -> Result<Vec<(i64, String)>, AppError> {
    let mut out = Vec::new();
    for s in ctx.scopes(Action::NotebooksWrite) {
        let (sql, id) = match s {
            Scope::Building(b) => (
                "SELECT b.id, k.name || ' ' || b.number AS name FROM buildings b JOIN compounds k ON k.id = b.compound_id WHERE b.id = $1",
                b,
            ),
            Scope::Community(c) => (
                "SELECT b.id, k.name || ' ' || b.number AS name FROM buildings b JOIN compounds k ON k.id = b.compound_id WHERE b.community_id = $1 ORDER BY b.id",
                c,
            ),
            Scope::Street(_) => continue,
        };
        for r in sqlx::query(sql).bind(id).fetch_all(state.db.read()).await? {
            out.push((r.try_get("id")?, r.try_get("name")?));
        }
    }
    Ok(out)
}

async fn render(
    state: &AppState,
    ctx: &Ctx,
    typed: Option<EntryForm>,
    err: Option<&AppError>,
) -> Result<Response, AppError> {
    let buildings = buildings(state, ctx).await?;
    if buildings.is_empty() {
        ctx.require(Action::NotebooksWrite, crate::auth::Target::System)?;
    }
    // The building the leader was writing about, else the first.
    let first = typed
        .as_ref()
        .map(|f| f.building_id)
        .filter(|b| buildings.iter().any(|(id, _)| id == b))
        .or_else(|| buildings.first().map(|b| b.0))
        .unwrap_or_default();
    let households = sqlx::query(
        "SELECT id, address FROM households WHERE building_id = $1 ORDER BY address LIMIT 300",
    )
    .bind(first)
    .fetch_all(state.db.read())
    .await?
    .iter()
    .map(|r| Ok((r.try_get("id")?, r.try_get("address")?)))
    .collect::<Result<_, sqlx::Error>>()?;
    let community = crate::registry::places::place_of_building(state.db.read(), first)
        .await?
        .and_then(|p| p.community_id)
        .unwrap_or_default();
    let categories = crate::cases::store::categories(state.db.read(), community)
        .await?
        .into_iter()
        .filter(|c| !c.sensitive)
        .map(|c| c.code)
        .collect();
    let items = search(
        state,
        ctx,
        &NotebookQuery {
            building_id: Some(first),
            ..Default::default()
        },
    )
    .await?;
    if !items.is_empty() {
        let n = format!("building {first}: {} entries", items.len());
        crate::audit::sensitive_read(
            &state.db,
            &ctx.actor(),
            "notebooks.read",
            "notebook",
            first,
            n,
        )
        .await?;
    }
    let mut res = page(&NotebookPage {
        chrome: ctx.chrome(),
        t: ctx.t(),
        buildings,
        households,
        categories,
        items,
        f: typed.unwrap_or_else(|| EntryForm {
            building_id: first,
            ..EntryForm::default()
        }),
        error: err
            .map(|e| tf(ctx.lang, e.key, &e.args))
            .unwrap_or_default(),
        error_field: err.and_then(|e| e.field.clone()).unwrap_or_default(),
    })?;
    if let Some(e) = err {
        *res.status_mut() = e.status;
    }
    Ok(res)
}

pub async fn notebook_page(State(state): State<AppState>, ctx: Ctx) -> Result<Response, AppError> {
    // Authorized in render: NotebooksWrite
    render(&state, &ctx, None, None).await
}

#[derive(Clone, Default, Deserialize)]
pub struct EntryForm {
    building_id: i64,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    household_id: String,
    #[serde(default)]
    body: String,
    #[serde(default)]
    to_case: Option<String>,
    #[serde(default)]
    category: String,
}

pub async fn notebook_submit(
    State(state): State<AppState>,
    CsrfForm(ctx, f): CsrfForm<EntryForm>,
) -> Result<Response, AppError> {
    // Authorized in write: NotebooksWrite
    let input =
        crate::platform::input::optional_id("household_id", &f.household_id).map(|h| EntryInput {
            building_id: f.building_id,
            kind: f.kind.clone(),
            entry_date: None,
            body: f.body.clone(),
            household_id: h,
            case_id: None,
            new_case: f.to_case.as_ref().map(|_| NewCase {
                category: f.category.clone(),
                description: None,
            }),
        });
    let written = match input {
        Ok(input) => write(&state, &ctx, &input).await,
        Err(e) => Err(e),
    };
    crate::platform::web::redirect_or_again(
        written,
        |_| crate::platform::flash::Done::to("/notebooks", "daily.done.written"),
        async |e| render(&state, &ctx, Some(f), Some(&e)).await,
    )
    .await
}

#[derive(Template)]
#[template(path = "daily/coverage.html")]
struct CoveragePage {
    chrome: Chrome,
    t: Tr,
    c: Coverage,
    /// This year's unvisited households by building, for staff who visit.
    not_visited: Option<Vec<super::coverage::NotVisited>>,
}

#[derive(Deserialize)]
pub struct CoverageForm {
    quarter: Option<String>,
}

pub async fn coverage_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<CoverageForm>,
) -> Result<Response, AppError> {
    let place = community_place(&state, &ctx, Action::FieldWorkRead, None).await?;
    let quarter = q
        .quarter
        .filter(|s| !s.is_empty())
        .unwrap_or_else(this_quarter);
    let c = coverage(
        state.db.read(),
        place.community_id.unwrap_or_default(),
        &quarter,
    )
    .await?;
    // The doors nobody visited: for those who visit (staff), not every reader of the figures.
    let not_visited = if ctx.require(Action::FieldWork, Target::At(place)).is_ok() {
        Some(
            super::coverage::not_visited_this_year(
                state.db.read(),
                place.community_id.unwrap_or_default(),
                crate::platform::time::today(),
            )
            .await?,
        )
    } else {
        None
    };
    page(&CoveragePage {
        chrome: ctx.chrome(),
        t: ctx.t(),
        c,
        not_visited,
    })
}

/// The daily pages, at the paths residents and staff use (`app.rs` merges every area's).
pub fn pages() -> axum::Router<crate::platform::AppState> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route(
            "/notebooks",
            get(crate::daily::web::notebook_page).post(crate::daily::web::notebook_submit),
        )
        .route("/visits/coverage", get(crate::daily::web::coverage_page))
        .route(
            "/patrols",
            get(super::routine_web::patrols_page).post(super::routine_web::patrols_submit),
        )
        .route(
            "/visits",
            get(super::visits_web::visits_page).post(super::visits_web::visits_submit),
        )
        .route(
            "/services",
            get(super::care_web::services_page).post(super::care_web::services_submit),
        )
        .route(
            "/aid",
            get(super::care_web::aid_page).post(super::care_web::aid_submit),
        )
        .route("/aid/{id}/actions", post(super::care_web::aid_act))
        .route("/aid/{id}/review", post(super::care_web::aid_review))
        .route(
            "/trainings",
            get(super::trainings::trainings_page).post(super::trainings::training_submit),
        )
        .route(
            "/policy-documents",
            get(super::policy_documents_web::list_page)
                .post(super::policy_documents_web::send_submit),
        )
        .route(
            "/policy-documents/{id}",
            get(super::policy_documents_web::document_page),
        )
        .route(
            "/policy-documents/{id}/acknowledgements",
            post(super::policy_documents_web::ack_submit),
        )
        .route(
            "/family-planning",
            get(super::family_planning_web::family_planning_page),
        )
        .route(
            "/family-planning/payments",
            post(super::family_planning_web::payment_submit),
        )
        .route(
            "/family-planning/third-disclosure",
            post(super::family_planning_web::third_submit),
        )
        .route(
            "/bulletins",
            get(super::bulletins_web::bulletins_page).post(super::bulletins_web::bulletins_draft),
        )
        .route(
            "/bulletins/{id}",
            post(super::bulletins_web::bulletins_edit),
        )
        .route(
            "/bulletins/{id}/publish",
            post(super::bulletins_web::bulletins_publish),
        )
        .route(
            "/staff-meetings",
            get(super::routine_web::meetings_page).post(super::routine_web::meetings_submit),
        )
}
