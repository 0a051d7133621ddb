//! 居务公开 (M18, M19): notices by category — major matters, finance with income and expense lines
//! that must add up, the family-planning four disclosures, policies, more as configured — with a
//! publicity period in working days, real-name objections, timeliness against each category's
//! cadence, printable A4 copies for the bulletin board, and the publication hash chain.
//! `draft → published → closed` (once its publicity period is over); a published notice is never
//! edited: a correction is a new notice that references it.

pub mod attachments;
pub mod categories;
pub mod chain;
pub mod content;
pub mod drafts;
pub mod drafts_web;
pub mod notices;
pub mod objections;
pub mod phone;
pub mod privacy;
pub mod timeliness;
pub mod web;

use serde::Serialize;
use sqlx::Row;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::platform::AppState;
use crate::platform::error::AppError;
use crate::platform::i18n::Lang;

pub const CHANNELS: &[&str] = &["online", "bulletin_board", "both"];
pub const CADENCES: &[&str] = &["monthly", "quarterly", "yearly", "none"];

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(notices::list, drafts::create))
        .routes(routes!(timeliness::report))
        .routes(routes!(notices::one, drafts::edit))
        .routes(routes!(notices::publish))
        .routes(routes!(notices::canonical))
        .routes(routes!(objections::list, objections::object))
        .routes(routes!(objections::handle))
        .routes(routes!(phone::phone_objection))
        .routes(routes!(phone::put_phone))
        .routes(routes!(categories::categories, categories::add_category))
        .routes(routes!(categories::publications))
        .merge(attachments::routes())
}

#[derive(Serialize, ToSchema, Clone)]
#[schema(as = DisclosureCategory)]
pub struct Category {
    /// `finance`, `major_matters`, `family_planning`, `policies`, `aid_recipients`, `elections` or a
    /// community's own.
    pub code: String,
    pub name: String,
    /// monthly, quarterly, yearly or none.
    pub cadence: String,
    /// Working days after the period ends by which its notice is due.
    pub due_working_days: i64,
    /// Private persons' names are shown (candidates, aid recipients); otherwise masked.
    pub names_public: bool,
    /// Notices answer 410 Gone once their publicity period is over.
    pub expires: bool,
    /// Notices carry income and expense lines that must add up.
    pub finance: bool,
    /// The body a new notice of this category starts from (the four disclosures' own).
    pub template: String,
    #[serde(skip)]
    pub community_id: Option<i64>,
}

/// The categories a community uses: the defaults and its own (its own win on a shared code).
pub async fn categories_of(
    state: &AppState,
    community: i64,
    lang: Lang,
) -> Result<Vec<Category>, AppError> {
    let rows = sqlx::query(
        "SELECT community_id, code, name_zh, name_en, cadence, due_working_days, names_public, expires, finance, template \
         FROM disclosure_categories WHERE community_id IS NULL OR community_id = $1 ORDER BY id",
    )
    .bind(community)
    .fetch_all(state.db.read())
    .await?;
    let mut out: Vec<Category> = Vec::new();
    for r in &rows {
        let c = Category {
            code: r.try_get("code")?,
            name: r.try_get(if lang == Lang::En {
                "name_en"
            } else {
                "name_zh"
            })?,
            cadence: r.try_get("cadence")?,
            due_working_days: r.try_get("due_working_days")?,
            names_public: r.try_get::<i64, _>("names_public")? != 0,
            expires: r.try_get::<i64, _>("expires")? != 0,
            finance: r.try_get::<i64, _>("finance")? != 0,
            template: r.try_get("template")?,
            community_id: r.try_get("community_id")?,
        };
        match out.iter_mut().find(|x| x.code == c.code) {
            Some(existing) if c.community_id.is_some() => *existing = c,
            Some(_) => {}
            None => out.push(c),
        }
    }
    Ok(out)
}

pub async fn category(
    state: &AppState,
    community: i64,
    code: &str,
    lang: Lang,
) -> Result<Option<Category>, AppError> {
    Ok(categories_of(state, community, lang)
        .await?
        .into_iter()
        .find(|c| c.code == code))
}

/// Fen as yuan: 120050 → "1200.50".
pub fn yuan(fen: i64) -> String {
    let sign = if fen < 0 { "-" } else { "" };
    format!("{sign}{}.{:02}", fen.abs() / 100, fen.abs() % 100)
}

/// Yuan as fen: "1200.5" → 120050; at most two decimals, at most a hundred million.
pub fn fen(s: &str) -> Option<i64> {
    let s = s.trim().replace(',', "");
    let (whole, frac) = s.split_once('.').unwrap_or((&s, ""));
    if whole.is_empty()
        || !whole.chars().all(|c| c.is_ascii_digit())
        || frac.len() > 2
        || !frac.chars().all(|c| c.is_ascii_digit())
        || whole.len() > 9
    {
        return None;
    }
    let f: i64 = format!("{frac:0<2}").parse().ok()?;
    Some(whole.parse::<i64>().ok()? * 100 + f)
}

/// The disclosure pages, at the paths residents and staff use (`app.rs` merges every area's).
pub fn pages() -> axum::Router<crate::platform::AppState> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route(
            "/disclosures",
            get(crate::disclosure::web::list_page)
                .post(crate::disclosure::drafts_web::create_submit),
        )
        .route(
            "/disclosures/new",
            get(crate::disclosure::drafts_web::new_page),
        )
        .route(
            "/disclosures/{id}/edit",
            get(crate::disclosure::drafts_web::edit_page)
                .post(crate::disclosure::drafts_web::edit_submit),
        )
        .route(
            "/disclosures/verify",
            get(crate::disclosure::web::verify_page),
        )
        .route(
            "/disclosures/timeliness",
            get(crate::disclosure::web::timeliness_page),
        )
        .route(
            "/disclosures/{id}",
            get(crate::disclosure::web::notice_page),
        )
        .route(
            "/disclosures/{id}/publish",
            post(crate::disclosure::web::publish_submit),
        )
        .route(
            "/disclosures/{id}/objections",
            post(crate::disclosure::web::object_submit),
        )
        .route(
            "/disclosures/{id}/phone-objections",
            post(crate::disclosure::web::phone_objection_submit),
        )
        .route(
            "/disclosures/phone",
            post(crate::disclosure::web::phone_submit),
        )
        .route(
            "/disclosures/{id}/print",
            get(crate::disclosure::web::print_page),
        )
        .route(
            "/disclosures/{id}/attachments",
            post(crate::disclosure::attachments::upload).layer(
                axum::extract::DefaultBodyLimit::max(
                    crate::disclosure::attachments::MAX_ATTACHMENT + 64 * 1024,
                ),
            ),
        )
        .route(
            "/disclosures/{id}/attachments/{attachment}",
            get(crate::disclosure::attachments::serve),
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money() {
        assert_eq!(fen("1200.5"), Some(120050));
        assert_eq!(fen("1,200.05"), Some(120005));
        assert_eq!(fen("12"), Some(1200));
        assert_eq!(fen("1.234"), None);
        assert_eq!(fen("-3"), None);
        assert_eq!(fen("abc"), None);
        assert_eq!(yuan(120005), "1200.05");
    }
}
