//! Disclosure pages: the public list and notice (no sign-in), with its hash, objections and the
//! objection form; the A4 copy for the glass bulletin board with a QR code; the page explaining
//! how to check a notice; the timeliness table (the drafting form is in `drafts_web.rs`).

use crate::platform::web::{Path, Query};
use askama::Template;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::notices::{self, Notice, NoticeLine, NoticeQuery};
use super::objections::{self, Objection};
use super::timeliness::{CategoryTimeliness, timeliness};
use crate::auth::{Action, CsrfForm, Ctx, Scope, Target};
use crate::platform::AppState;
use crate::platform::error::AppError;
use crate::platform::forms::{Refused, Typed, again};
use crate::platform::i18n::{Tr, tf};
use crate::platform::input::Fields;
use crate::platform::time;
use crate::platform::web::{Chrome, page, redirect_or_again};

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
    items: Vec<NoticeLine>,
    /// All published notices still shown, on all pages.
    total: i64,
    page: i64,
    pages: i64,
    /// The filters as a query string (no page), for the pager.
    kept: String,
    drafts: Vec<NoticeLine>,
    staff: bool,
    /// The 公示 telephone of the staff's community.
    phone: String,
    refused: Refused,
    typed: Typed,
}

pub async fn list_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<NoticeQuery>,
) -> Result<Response, AppError> {
    // Authorized in list > notices::lines > page_of > conditions: DisclosuresManage (drafts only; published notices are public)
    list(&state, &ctx, q, None).await
}

async fn list(
    state: &AppState,
    ctx: &Ctx,
    q: NoticeQuery,
    refused: Option<(Typed, &AppError)>,
) -> Result<Response, AppError> {
    let page = q.page.unwrap_or(1);
    let per_page = q.per_page.unwrap_or(25).max(1);
    // The filters as they came (no page), for the pager's links.
    let kept = serde_urlencoded::to_string(NoticeQuery {
        page: None,
        status: None,
        ..q.clone()
    })
    .unwrap_or_default();
    let (items, total) = notices::lines(state, ctx, &NoticeQuery { status: None, ..q }).await?;
    let managed = managed_community(ctx);
    let drafts = if managed.is_some() {
        let q = NoticeQuery {
            status: Some("draft".into()),
            per_page: Some(200),
            ..Default::default()
        };
        notices::lines(state, ctx, &q).await?.0
    } else {
        vec![]
    };
    let phone = match managed {
        Some(c) => super::phone::phone_of(state.db.read(), c).await?,
        None => String::new(),
    };
    let (typed, err) = Typed::split(refused);
    again(
        &ListPage {
            chrome: ctx.chrome(),
            t: ctx.t(),
            items,
            total,
            page,
            pages: (total + per_page - 1) / per_page,
            kept,
            drafts,
            staff: managed.is_some(),
            phone,
            refused: Refused::of(ctx.lang, "phone", err),
            typed,
        },
        err,
    )
}

#[derive(Template)]
#[template(path = "disclosure/notice.html")]
struct NoticePage {
    chrome: Chrome,
    t: Tr,
    n: Notice,
    /// Why the end of the publicity period is an estimate, if it is.
    until_note: Option<String>,
    category: String,
    objections: Vec<Objection>,
    staff: bool,
    signed_in: bool,
    notice: String,
    error: String,
    /// The 公示 telephone for objections, if the community has set one.
    phone: String,
    /// The staff's phone-objection form, as it came back refused.
    refused: Refused,
    typed: Typed,
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
    render_with(state, ctx, id, notice, err, Typed::default()).await
}

async fn render_with(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    notice: &str,
    err: Option<&AppError>,
    typed: Typed,
) -> Result<Response, AppError> {
    let n = notices::readable(state, ctx, id).await?;
    let phone_form = typed.form == "phone";
    let mut res = page(&NoticePage {
        chrome: ctx.chrome(),
        t: ctx.t(),
        until_note: state.calendar.span_note(
            ctx.lang,
            n.publish_date.as_deref(),
            n.publicity_until.as_deref(),
        ),
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
        error: if phone_form {
            String::new()
        } else {
            error_text(ctx, err)
        },
        phone: super::phone::phone_of(state.db.read(), n.community_id).await?,
        refused: Refused::of(ctx.lang, &typed.form, err.filter(|_| phone_form)),
        typed,
        n,
    })?;
    if let Some(e) = err {
        *res.status_mut() = e.status;
    }
    Ok(res)
}

/// `POST /disclosures/{id}/phone-objections`: staff enter an objection taken by phone.
pub async fn phone_objection_submit(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    CsrfForm(ctx, f): CsrfForm<Fields>,
) -> Result<Response, AppError> {
    // Authorized in super::phone::file_by_phone: DisclosuresManage
    let i = super::phone::PhoneObjectionInput {
        objector_name: f.get("objector_name"),
        address: f.get("address"),
        body: f.get("body"),
    };
    let done = super::phone::file_by_phone(&state, &ctx, id, &i).await;
    redirect_or_again(
        done,
        |_| {
            crate::platform::flash::Done::to(
                format!("/disclosures/{id}#objections"),
                "disclosure.done.phone_objection",
            )
            .arg("name", i.objector_name.trim())
        },
        async |e| render_with(&state, &ctx, id, "", Some(&e), Typed::of("phone", &f)).await,
    )
    .await
}

/// `POST /disclosures/phone`: the community's 公示 telephone set.
pub async fn phone_submit(
    State(state): State<AppState>,
    CsrfForm(ctx, f): CsrfForm<Fields>,
) -> Result<Response, AppError> {
    // Authorized in super::phone::set_phone: DisclosuresManage
    let i = super::phone::PhoneInput {
        community_id: None,
        phone: f.get("phone"),
    };
    let done = super::phone::set_phone(&state, &ctx, &i).await;
    redirect_or_again(
        done,
        |phone| {
            crate::platform::flash::Done::to("/disclosures", "disclosure.done.phone")
                .arg("phone", phone)
        },
        async |e| {
            list(
                &state,
                &ctx,
                NoticeQuery::default(),
                Some((Typed::of("phone", &f), &e)),
            )
            .await
        },
    )
    .await
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
    // Authorized in render > render_with: DisclosuresManage (drafts only; published notices are public)
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
    /// The 公示 telephone for objections.
    phone: String,
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
        crate::platform::web::base_url(&state, &headers)
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
        phone: super::phone::phone_of(state.db.read(), n.community_id).await?,
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
