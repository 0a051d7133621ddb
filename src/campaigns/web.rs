//! The campaign page: each campaign's phases, its progress community by community (the
//! dashboard), and the tasks — a community reports them done, the inspection group checks them.

use crate::platform::flash::Done;
use crate::platform::web::Path;
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use serde::Deserialize;
use sqlx::Row;

use super::{Campaign, CampaignInput, DoneInput, InspectInput, Phase, TaskInput};
use crate::auth::{Action, CsrfForm, Ctx};
use crate::platform::AppState;
use crate::platform::error::AppError;
use crate::platform::i18n::{Tr, tf};
use crate::platform::web::{Chrome, page};

#[derive(Template)]
#[template(path = "campaigns/index.html")]
struct CampaignsPage {
    chrome: Chrome,
    t: Tr,
    items: Vec<Campaign>,
    can_inspect: bool,
    can_report: bool,
    /// The street's leading group with its office and inspection group, for a new campaign.
    start: Option<(i64, Option<i64>, Option<i64>)>,
    phases: &'static [&'static str],
    error: String,
}

impl CampaignsPage {
    /// The width (of 200) of a progress bar.
    fn bar(&self, done: &i64, of: &i64) -> i64 {
        if *of == 0 { 0 } else { done * 200 / of }
    }

    fn community<'a>(&self, c: &'a Campaign, id: &i64) -> &'a str {
        c.progress
            .iter()
            .find(|p| p.community_id == *id)
            .map_or("", |p| p.community.as_str())
    }
}

/// The street's leading group and its two parts, when the caller may start campaigns.
async fn leading_group(
    state: &AppState,
    ctx: &Ctx,
) -> Result<Option<(i64, Option<i64>, Option<i64>)>, AppError> {
    let Some(street) = ctx
        .scopes(Action::CampaignsManage)
        .iter()
        .find_map(|s| match s {
            crate::auth::Scope::Street(st) => Some(*st),
            _ => None,
        })
    else {
        return Ok(None);
    };
    let Some(g) = sqlx::query("SELECT id FROM bodies WHERE street_id = $1 AND kind = 'leading_group' AND parent_id IS NULL ORDER BY id")
        .bind(street)
        .fetch_optional(state.db.read())
        .await?
    else {
        return Ok(None);
    };
    let g: i64 = g.try_get("id")?;
    let parts: Vec<(i64, String)> =
        sqlx::query("SELECT id, name FROM bodies WHERE parent_id = $1 ORDER BY id")
            .bind(g)
            .fetch_all(state.db.read())
            .await?
            .iter()
            .map(|r| Ok((r.try_get("id")?, r.try_get("name")?)))
            .collect::<Result<_, sqlx::Error>>()?;
    let find = |word: &str| {
        parts
            .iter()
            .find(|(_, n)| n.contains(word))
            .map(|(id, _)| *id)
    };
    Ok(Some((g, find("办公室"), find("督查"))))
}

async fn render(state: &AppState, ctx: &Ctx, err: Option<&AppError>) -> Result<Response, AppError> {
    let mut res = page(&CampaignsPage {
        start: leading_group(state, ctx).await?,
        phases: &super::PHASES,
        chrome: ctx.chrome(),
        t: ctx.t(),
        items: super::listed(state, ctx).await?,
        can_inspect: !ctx.scopes(Action::CampaignsManage).is_empty(),
        can_report: !ctx.scopes(Action::FieldWork).is_empty(),
        error: err
            .map(|e| tf(ctx.lang, e.key, &e.args))
            .unwrap_or_default(),
    })?;
    if let Some(e) = err {
        *res.status_mut() = e.status;
    }
    Ok(res)
}

pub async fn index(State(state): State<AppState>, ctx: Ctx) -> Result<Response, AppError> {
    // Authorized in render > super::listed: CampaignsRead
    render(&state, &ctx, None).await
}

async fn done(
    state: &AppState,
    ctx: &Ctx,
    r: Result<(), AppError>,
    done: &'static str,
) -> Result<Response, AppError> {
    crate::platform::web::redirect_or_again(
        r,
        |()| Done::to("/campaigns", done),
        async |e| render(state, ctx, Some(&e)).await,
    )
    .await
}

#[derive(Deserialize)]
pub struct DoneForm {
    note: String,
}

pub async fn done_submit(
    State(state): State<AppState>,
    Path((id, task)): Path<(i64, i64)>,
    CsrfForm(ctx, f): CsrfForm<DoneForm>,
) -> Result<Response, AppError> {
    // Authorized in super::mark_done: FieldWork
    let r = super::mark_done(&state, &ctx, id, task, &DoneInput { note: f.note }).await;
    done(&state, &ctx, r, "campaign.done.task_done").await
}

#[derive(Deserialize)]
pub struct InspectForm {
    verdict: String,
    #[serde(default)]
    note: String,
}

pub async fn inspect_submit(
    State(state): State<AppState>,
    Path((id, task)): Path<(i64, i64)>,
    CsrfForm(ctx, f): CsrfForm<InspectForm>,
) -> Result<Response, AppError> {
    // Authorized in super::inspect: CampaignsManage
    let r = super::inspect(
        &state,
        &ctx,
        id,
        task,
        &InspectInput {
            verdict: f.verdict,
            note: f.note,
        },
    )
    .await;
    done(&state, &ctx, r, "campaign.done.inspected").await
}

/// A new campaign from the form: its title and the four phases' dates.
pub async fn create_submit(
    State(state): State<AppState>,
    CsrfForm(ctx, f): CsrfForm<crate::platform::input::Fields>,
) -> Result<Response, AppError> {
    // Authorized in super::start: CampaignsManage
    let r = async {
        let input = CampaignInput {
            title: f.get("title"),
            leading_group_id: f.id("leading_group_id")?.unwrap_or(0),
            office_id: f.id("office_id")?,
            inspection_id: f.id("inspection_id")?,
            phases: super::PHASES
                .iter()
                .map(|p| Phase {
                    phase: (*p).to_owned(),
                    starts_on: f.get(&format!("{p}_from")),
                    ends_on: f.get(&format!("{p}_to")),
                })
                .collect(),
        };
        super::start(&state, &ctx, &input).await.map(|_| ())
    }
    .await;
    done(&state, &ctx, r, "campaign.done.started").await
}

#[derive(Deserialize)]
pub struct TaskForm {
    phase: String,
    title: String,
    due_on: String,
}

/// A task for every community, from the form.
pub async fn task_submit(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    CsrfForm(ctx, f): CsrfForm<TaskForm>,
) -> Result<Response, AppError> {
    // Authorized in super::assign: CampaignsManage
    let input = TaskInput {
        phase: f.phase,
        title: f.title,
        due_on: f.due_on,
        community_ids: vec![],
    };
    let r = super::assign(&state, &ctx, id, &input).await.map(|_| ());
    done(&state, &ctx, r, "campaign.done.tasks").await
}

/// The campaigns pages, at the paths residents and staff use (`app.rs` merges every area's).
pub fn pages() -> axum::Router<crate::platform::AppState> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route(
            "/campaigns",
            get(crate::campaigns::web::index).post(crate::campaigns::web::create_submit),
        )
        .route(
            "/campaigns/{id}/tasks",
            post(crate::campaigns::web::task_submit),
        )
        .route(
            "/campaigns/{id}/tasks/{task}/done",
            post(crate::campaigns::web::done_submit),
        )
        .route(
            "/campaigns/{id}/tasks/{task}/inspect",
            post(crate::campaigns::web::inspect_submit),
        )
        .route(
            "/requirements",
            get(crate::campaigns::requirements_web::page),
        )
        .route(
            "/requirements/type",
            post(crate::campaigns::requirements_web::type_submit),
        )
        .route(
            "/requirements/targets",
            post(crate::campaigns::requirements_web::target_submit),
        )
        .route(
            "/requirements/progress",
            post(crate::campaigns::requirements_web::progress_submit),
        )
        .route(
            "/requirements/publicity",
            post(crate::campaigns::requirements_web::publicity_submit),
        )
}
