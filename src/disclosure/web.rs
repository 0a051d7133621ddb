//! Disclosure pages: the public list and notice (no sign-in), with its hash, objections and the
//! objection form; the A4 copy for the glass bulletin board with a QR code; the page explaining
//! how to check a notice; the timeliness table (the drafting form is in `drafts_web.rs`).

use crate::platform::web::{Path, Query};
use askama::Template;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::notices::{self, Notice, NoticeQuery};
use super::objections::{self, Objection};
use super::timeliness::{CategoryTimeliness, timeliness};
use crate::auth::{Action, CsrfForm, Ctx, Scope, Target};
use crate::platform::AppState;
use crate::platform::error::AppError;
use crate::platform::i18n::{Tr, tf};
use crate::platform::time;
use crate::platform::web::{Chrome, page};

pub(super) fn error_text(ctx: &Ctx, err: Option<&AppError>) -> String {
    err.map(|e| tf(ctx.lang, e.key, &e.args))
        .unwrap_or_default()
}

/// The community the caller manages disclosures for, if any.
pub(super) fn managed_community(ctx: &Ctx) -> Option<i64> {
    ctx.scopes(Action::DisclosuresManage)
        .iter()
        .find_map(|s| match s {
            Scope::Community(c) => Some(*c),
            _ => None,
        })
}

#[derive(Template)]
#[template(path = "disclosure/list.html")]
struct ListPage {
    chrome: Chrome,
    t: Tr,
    items: Vec<Notice>,
    drafts: Vec<Notice>,
    staff: bool,
}

pub async fn list_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<NoticeQuery>,
) -> Result<Response, AppError> {
    // Authorized in notices::search: DisclosuresManage (drafts only; published notices are public)
    let items = notices::search(&state, &ctx, &NoticeQuery { status: None, ..q }).await?;
    let staff = managed_community(&ctx).is_some();
    let drafts = if staff {
        let q = NoticeQuery {
            status: Some("draft".into()),
            ..Default::default()
        };
        notices::search(&state, &ctx, &q).await?
    } else {
        vec![]
    };
    page(&ListPage {
        chrome: ctx.chrome(),
        t: ctx.t(),
        items,
        drafts,
        staff,
    })
}

#[derive(Template)]
#[template(path = "disclosure/notice.html")]
struct NoticePage {
    chrome: Chrome,
    t: Tr,
    n: Notice,
    category: String,
    objections: Vec<Objection>,
    staff: bool,
    signed_in: bool,
    notice: String,
    error: String,
}

async fn category_name(state: &AppState, ctx: &Ctx, n: &Notice) -> Result<String, AppError> {
    Ok(
        super::category(state, n.community_id, &n.category, ctx.lang)
            .await?
            .map(|c| c.name)
            .unwrap_or_else(|| n.category.clone()),
    )
}

async fn render(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    notice: &str,
    err: Option<&AppError>,
) -> Result<Response, AppError> {
    let n = notices::readable(state, ctx, id).await?;
    let mut res = page(&NoticePage {
        chrome: ctx.chrome(),
        t: ctx.t(),
        category: category_name(state, ctx, &n).await?,
        objections: objections::objection_list(state, ctx, &n).await?,
        staff: ctx
            .require(Action::DisclosuresManage, Target::At(n.place()))
            .is_ok(),
        signed_in: ctx.user.is_some(),
        notice: if notice.is_empty() {
            String::new()
        } else {
            ctx.t().get(notice).to_owned()
        },
        error: error_text(ctx, err),
        n,
    })?;
    if let Some(e) = err {
        *res.status_mut() = e.status;
    }
    Ok(res)
}

#[derive(Deserialize)]
pub struct Done {
    done: Option<String>,
}

pub async fn notice_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Query(d): Query<Done>,
) -> Result<Response, AppError> {
    // Authorized in render: DisclosuresManage (drafts only; published notices are public)
    let notice = match d.done.as_deref() {
        Some("objected") => "disclosure.objected",
        Some("published") => "disclosure.published_now",
        _ => "",
    };
    render(&state, &ctx, id, notice, None).await
}

async fn answer(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    r: Result<&str, AppError>,
) -> Result<Response, AppError> {
    match r {
        Ok(done) => Ok(Redirect::to(&format!("/disclosures/{id}?done={done}")).into_response()),
        Err(e)
            if e.status.is_client_error()
                && ctx.user.is_some()
                && e.status != axum::http::StatusCode::FORBIDDEN =>
        {
            render(state, ctx, id, "", Some(&e)).await
        }
        Err(e) => Err(e),
    }
}

pub async fn publish_submit(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    CsrfForm(ctx, _f): CsrfForm<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    // Authorized in notices::publish_notice: DisclosuresManage
    let r = notices::publish_notice(&state, &ctx, id)
        .await
        .map(|_| "published");
    answer(&state, &ctx, id, r).await
}

#[derive(Deserialize)]
pub struct ObjectForm {
    body: String,
}

pub async fn object_submit(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    CsrfForm(ctx, f): CsrfForm<ObjectForm>,
) -> Result<Response, AppError> {
    // Authorized in objections::file > readable: DisclosuresManage (drafts only; published notices are public)
    let r = objections::file(&state, &ctx, id, &f.body)
        .await
        .map(|_| "objected");
    answer(&state, &ctx, id, r).await
}

#[derive(Template)]
#[template(path = "disclosure/print.html")]
struct PrintPage {
    chrome: Chrome,
    t: Tr,
    n: Notice,
    category: String,
    url: String,
    qr: String,
    /// The issuing committee (`三角线社区居民委员会`), for the 落款.
    committee: String,
    /// The day under the 落款: the publication day, or today for a draft.
    signed_on: String,
}

/// The A4 copy for the glass bulletin board, with a QR code to the living page.
pub async fn print_page(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    // Authorized in notices::readable: DisclosuresManage (drafts only; published notices are public)
    let n = notices::readable(&state, &ctx, id).await?;
    let url = format!(
        "{}/disclosures/{id}",
        crate::cases::posters::base_url(&state, &headers)
    );
    let t = ctx.t();
    let signed_on = t.day_or_today(n.publish_date.as_deref());
    page(&PrintPage {
        chrome: ctx.chrome(),
        category: category_name(&state, &ctx, &n).await?,
        qr: crate::cases::posters::qr_svg(&url)?,
        committee: crate::registry::places::committee(state.db.read(), n.community_id, ctx.lang)
            .await?,
        signed_on,
        t,
        url,
        n,
    })
}

#[derive(Template)]
#[template(path = "disclosure/verify.html")]
struct VerifyPage {
    chrome: Chrome,
    t: Tr,
}

pub async fn verify_page(ctx: Ctx) -> Result<Response, AppError> {
    // Public: anyone may verify a publication.
    page(&VerifyPage {
        chrome: ctx.chrome(),
        t: ctx.t(),
    })
}

#[derive(Template)]
#[template(path = "disclosure/timeliness.html")]
struct TimelinessPage {
    chrome: Chrome,
    t: Tr,
    year: i16,
    items: Vec<CategoryTimeliness>,
}

pub async fn timeliness_page(
    State(state): State<AppState>,
    ctx: Ctx,
) -> Result<Response, AppError> {
    // Authorized in timeliness: SupervisionRead
    let year = time::today().year();
    let items = timeliness(&state, &ctx, year, None).await?;
    page(&TimelinessPage {
        chrome: ctx.chrome(),
        t: ctx.t(),
        year,
        items,
    })
}
