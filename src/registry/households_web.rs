//! Household pages: the list with filters (困难户, 出租户, 重点户, address) and one household
//! with its members.

use crate::platform::web::{Path, Query};
use askama::Template;
use axum::extract::State;
use axum::response::Response;

use super::households::{Household, HouseholdDetail, HouseholdQuery, TAGS, detail, search};
use crate::auth::{Action, Ctx, Target};
use crate::platform::AppState;
use crate::platform::error::AppError;
use crate::platform::i18n::Tr;
use crate::platform::web::{Chrome, page};

#[derive(Template)]
#[template(path = "registry/households.html")]
struct ListPage {
    chrome: Chrome,
    t: Tr,
    items: Vec<Household>,
    total: i64,
    tags: &'static [&'static str],
    tag: String,
    q: String,
    building_id: String,
    page: i64,
    pages: i64,
}

pub async fn list_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<HouseholdQuery>,
) -> Result<Response, AppError> {
    // Authorized in search: RegistryRead
    let list = search(&state, &ctx, &q).await?;
    let per_page = q.per_page.unwrap_or(25);
    page(&ListPage {
        chrome: ctx.chrome(),
        t: ctx.t(),
        total: list.total,
        items: list.items,
        tags: TAGS,
        tag: q.tag.clone().unwrap_or_default(),
        q: q.q.clone().unwrap_or_default(),
        building_id: q.building_id.map(|b| b.to_string()).unwrap_or_default(),
        page: q.page.unwrap_or(1),
        pages: (list.total + per_page - 1) / per_page,
    })
}

#[derive(Template)]
#[template(path = "registry/household.html")]
struct DetailPage {
    chrome: Chrome,
    t: Tr,
    h: HouseholdDetail,
    can_write: bool,
}

pub async fn detail_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let h = detail(&state, &ctx, id).await?;
    let place = super::places::place_of_building(state.db.read(), h.household.building_id)
        .await?
        .ok_or_else(AppError::not_found)?;
    let can_write = ctx
        .require(Action::RegistryWrite, Target::At(place))
        .is_ok();
    page(&DetailPage {
        chrome: ctx.chrome(),
        t: ctx.t(),
        h,
        can_write,
    })
}
