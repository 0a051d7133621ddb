//! Printable A4 intake posters for a community or a building, with a QR code (made here, no
//! outside service) that opens the intake form with the place filled in.

use crate::platform::web::Path;
use askama::Template;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use qrcode::QrCode;
use qrcode::render::svg;

use crate::auth::{Action, Ctx, Target};
use crate::platform::AppState;
use crate::platform::error::AppError;
use crate::platform::i18n::Tr;
use crate::platform::web::{Chrome, page};
use crate::registry::places;

#[derive(Template)]
#[template(path = "cases/poster.html")]
struct Poster {
    chrome: Chrome,
    t: Tr,
    place: String,
    url: String,
    qr: String,
}

/// The QR code of a URL as an SVG image.
pub fn qr_svg(url: &str) -> Result<String, AppError> {
    let code = QrCode::new(url.as_bytes()).map_err(AppError::internal)?;
    let image = code
        .render::<svg::Color<'_>>()
        .min_dimensions(240, 240)
        .dark_color(svg::Color("#000000"))
        .light_color(svg::Color("#ffffff"))
        .build();
    // Embedded in a page: no XML declaration.
    Ok(match image.find("<svg") {
        Some(i) => image[i..].to_owned(),
        None => image,
    })
}

async fn render(
    state: &AppState,
    ctx: &Ctx,
    headers: &HeaderMap,
    place: String,
    query: String,
) -> Result<Response, AppError> {
    let url = format!(
        "{}/report?{query}",
        crate::platform::web::base_url(state, headers)
    );
    let qr = qr_svg(&url)?;
    page(&Poster {
        chrome: ctx.chrome(),
        t: ctx.t(),
        place,
        url,
        qr,
    })
}

pub async fn building_poster(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let place = places::place_of_building(state.db.read(), id)
        .await?
        .ok_or_else(AppError::not_found)?;
    ctx.require(Action::PlacesRead, Target::At(place))?;
    let name = places::scope_name(state.db.read(), crate::auth::Scope::Building(id)).await?;
    render(&state, &ctx, &headers, name, format!("building_id={id}")).await
}

pub async fn community_poster(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let place = places::place_of_community(state.db.read(), id)
        .await?
        .ok_or_else(AppError::not_found)?;
    ctx.require(Action::PlacesRead, Target::At(place))?;
    let name = places::scope_name(state.db.read(), crate::auth::Scope::Community(id)).await?;
    render(&state, &ctx, &headers, name, format!("community_id={id}")).await
}

#[cfg(test)]
mod tests {
    #[test]
    fn qr_codes_are_svg() {
        let svg = super::qr_svg("http://127.0.0.1:8080/report?building_id=1").unwrap();
        assert!(svg.starts_with("<svg") && svg.contains("<path"), "{svg}");
    }
}
