//! A community's disclosure categories (cadence, privacy, expiry; its own added to the defaults)
//! and the public publication chain listing.

use crate::platform::web::Query;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use sqlx::Row;
use utoipa::{IntoParams, ToSchema};

use super::{CADENCES, Category, categories_of, category, chain};
use crate::audit::{self, Entry};
use crate::auth::{Action, Ctx, Target};
use crate::platform::AppState;
use crate::platform::error::AppError;
use crate::platform::time;
use crate::platform::web::ApiJson;

#[derive(Serialize, ToSchema)]
#[schema(as = DisclosureCategoryList)]
pub struct CategoryList {
    pub items: Vec<Category>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CategoryQuery {
    pub community_id: i64,
}

/// The categories a community discloses under, with cadence and privacy settings.
#[utoipa::path(get, path = "/api/v1/disclosure-categories", tag = "disclosure", params(CategoryQuery),
    responses((status = 200, body = CategoryList)))]
pub(super) async fn categories(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<CategoryQuery>,
) -> Result<Json<CategoryList>, AppError> {
    // Public: what the committee must publish is itself public.
    Ok(Json(CategoryList {
        items: categories_of(&state, q.community_id, ctx.lang).await?,
    }))
}

#[derive(Deserialize, ToSchema)]
pub struct CategoryInput {
    pub community_id: i64,
    /// Lower-case letters and underscores.
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    /// monthly, quarterly, yearly or none.
    pub cadence: String,
    #[serde(default)]
    pub due_working_days: i64,
    #[serde(default)]
    pub names_public: bool,
    #[serde(default)]
    pub expires: bool,
    #[serde(default)]
    pub finance: bool,
    /// The body a new notice starts from; up to 2,000 characters.
    #[serde(default)]
    pub template: String,
}

/// Add or override a category for one community.
#[utoipa::path(post, path = "/api/v1/disclosure-categories", tag = "disclosure", request_body = CategoryInput,
    security(("bearer" = [])), responses((status = 201, body = Category), (status = 403), (status = 409), (status = 422)))]
pub(super) async fn add_category(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiJson(c): ApiJson<CategoryInput>,
) -> Result<(StatusCode, Json<Category>), AppError> {
    let place = crate::registry::places::place_of_community(state.db.read(), c.community_id)
        .await?
        .ok_or_else(|| AppError::invalid("community_id", "input.unknown_community"))?;
    ctx.require(Action::DisclosuresManage, Target::At(place))?;
    if c.code.is_empty()
        || c.code.len() > 40
        || !c.code.chars().all(|x| x.is_ascii_lowercase() || x == '_')
    {
        return Err(AppError::invalid("code", "disclosure.bad_code"));
    }
    if !CADENCES.contains(&c.cadence.as_str()) {
        return Err(AppError::invalid("cadence", "disclosure.bad_cadence"));
    }
    if !(0..=60).contains(&c.due_working_days) {
        return Err(AppError::invalid(
            "due_working_days",
            "disclosure.bad_due_days",
        ));
    }
    for (field, v) in [("name_zh", &c.name_zh), ("name_en", &c.name_en)] {
        if v.trim().is_empty() || v.chars().count() > 40 {
            return Err(AppError::invalid(field, "disclosure.bad_title"));
        }
    }
    if c.template.chars().count() > 2000 {
        return Err(AppError::invalid("template", "input.bad_text").arg("max", 2000));
    }
    let mut tx = state.db.begin().await?;
    let taken: i64 = sqlx::query(
        "SELECT COUNT(*) AS n FROM disclosure_categories WHERE code = $1 AND community_id = $2",
    )
    .bind(&c.code)
    .bind(c.community_id)
    .fetch_one(&mut *tx)
    .await?
    .try_get("n")?;
    if taken > 0 {
        return Err(AppError::conflict("disclosure.category_exists"));
    }
    sqlx::query(
        "INSERT INTO disclosure_categories (community_id, code, name_zh, name_en, cadence, due_working_days, names_public, expires, finance, template, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(c.community_id)
    .bind(&c.code)
    .bind(c.name_zh.trim())
    .bind(c.name_en.trim())
    .bind(&c.cadence)
    .bind(c.due_working_days)
    .bind(i64::from(c.names_public))
    .bind(i64::from(c.expires))
    .bind(i64::from(c.finance))
    .bind(c.template.trim())
    .bind(time::now_db())
    .execute(&mut *tx)
    .await?;
    audit::record(
        &mut tx,
        &ctx.actor(),
        Entry::new("disclosure.category", "disclosure_category", &c.code).at(place),
    )
    .await?;
    tx.commit().await?;
    let made = category(&state, c.community_id, &c.code, ctx.lang)
        .await?
        .ok_or_else(AppError::not_found)?;
    Ok((StatusCode::CREATED, Json(made)))
}

#[derive(Serialize, ToSchema)]
pub struct PublicationList {
    pub items: Vec<chain::Publication>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PublicationQuery {
    /// Entries after this sequence number.
    pub after: Option<i64>,
}

/// The publication chain, for anyone to re-check: 500 entries per page.
#[utoipa::path(get, path = "/api/v1/publications", tag = "disclosure", params(PublicationQuery),
    responses((status = 200, body = PublicationList)))]
pub(super) async fn publications(
    State(state): State<AppState>,
    Query(q): Query<PublicationQuery>,
) -> Result<Json<PublicationList>, AppError> {
    // Public: the publication chain is public, so anyone can verify it.
    Ok(Json(PublicationList {
        items: chain::entries(state.db.read(), q.after.unwrap_or(0), 500).await?,
    }))
}
