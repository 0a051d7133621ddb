//! GeoReport filing: `POST requests.{json,xml}` with a community's API key, form-encoded as the
//! specification has it; every error of a request answered at once.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Serialize};

use super::format::{Fmt, Xml, errors, given, respond};
use super::handlers::{community_by_code, public_services};
use super::keys;
use super::requests::OneQuery;
use crate::auth::Ctx;
use crate::cases::intake::{self, CaseInput, Integration};
use crate::platform::AppState;
use crate::platform::error::AppError;
use crate::platform::i18n::{Lang, t};
use crate::platform::web::Query;

#[derive(Serialize)]
pub struct Created {
    service_request_id: String,
    token: String,
    service_notice: String,
}

impl Xml for Created {
    const ELEMENT: &'static str = "request";
    fn fields(&self) -> Vec<(&'static str, Option<String>)> {
        vec![
            ("service_request_id", Some(self.service_request_id.clone())),
            ("token", Some(self.token.clone())),
            ("service_notice", Some(self.service_notice.clone())),
        ]
    }
}

#[derive(Deserialize, Default)]
pub struct PostForm {
    api_key: Option<String>,
    jurisdiction_id: Option<String>,
    service_code: Option<String>,
    description: Option<String>,
    address_string: Option<String>,
    /// A building of the community, by its id in the register.
    address_id: Option<String>,
    lat: Option<String>,
    long: Option<String>,
    first_name: Option<String>,
    last_name: Option<String>,
    phone: Option<String>,
}

/// A coordinate given as text, within `max` of zero.
fn coordinate(
    field: &'static str,
    v: Option<&str>,
    max: f64,
    errs: &mut Vec<AppError>,
) -> Option<f64> {
    let v = v?;
    match v.parse::<f64>() {
        Ok(x) if x.is_finite() && x.abs() <= max => Some(x),
        _ => {
            errs.push(AppError::bad_request("open311.bad_location").field(field));
            None
        }
    }
}

/// File a request with the community's API key (form-encoded, as the specification says; the
/// key in the body or the query). A location is required: lat and long, address_string or
/// address_id (one of the community's buildings). `jurisdiction_id`, if given, must be the
/// key's community. Every error of the request is answered at once.
pub async fn create_request(
    State(state): State<AppState>,
    fmt: Fmt,
    ctx: Ctx,
    Query(query): Query<OneQuery>,
    body: axum::body::Bytes,
) -> Result<Response, AppError> {
    // Public: no account, but a community's Open311 API key (keys::lookup), as GeoReport v2 has it.
    if let Some(field) = crate::platform::web::nul_in_form(&body) {
        return Err(AppError::bad_request("error.nul")
            .arg("field", &field)
            .field(field));
    }
    let form: PostForm = serde_urlencoded::from_bytes(&body)
        .map_err(|_| AppError::bad_request("open311.bad_form"))?;
    let api_key = given(&form.api_key).or(given(&query.api_key)).unwrap_or("");
    let key = keys::lookup(state.db.read(), api_key).await?;
    let community_id = key.community_id;
    if let Some(j) = community_by_code(&state, given(&form.jurisdiction_id)).await?
        && j != community_id
    {
        return Err(AppError::forbidden().field("jurisdiction_id"));
    }
    let mut errs = Vec::new();
    let code = given(&form.service_code).unwrap_or("");
    if code.is_empty() {
        errs.push(AppError::bad_request("open311.service_code_required").field("service_code"));
    }
    let lat = coordinate("lat", given(&form.lat), 90.0, &mut errs);
    let long = coordinate("long", given(&form.long), 180.0, &mut errs);
    if given(&form.lat).is_some() != given(&form.long).is_some() {
        let missing = if given(&form.lat).is_some() {
            "long"
        } else {
            "lat"
        };
        errs.push(AppError::bad_request("open311.location_half").field(missing));
    }
    let building_id = match given(&form.address_id) {
        Some(a) => match a.parse::<i64>() {
            Ok(b) => Some(b),
            Err(_) => {
                errs.push(AppError::bad_request("open311.bad_address_id").field("address_id"));
                None
            }
        },
        None => None,
    };
    let address = given(&form.address_string).unwrap_or("");
    if given(&form.lat).is_none()
        && given(&form.long).is_none()
        && address.is_empty()
        && given(&form.address_id).is_none()
    {
        errs.push(AppError::bad_request("open311.location_required").field("lat"));
    }
    if given(&form.description).is_none() {
        errs.push(AppError::bad_request("open311.description_required").field("description"));
    }
    if !errs.is_empty() {
        return Ok(errors(fmt, ctx.lang, &errs));
    }
    let known = public_services(&state, Some(community_id))
        .await?
        .into_iter()
        .any(|s| s.service_code == code);
    if !known {
        return Err(
            AppError::new(StatusCode::NOT_FOUND, "open311.unknown_service").field("service_code"),
        );
    }
    let input = CaseInput {
        category: code.to_owned(),
        description: form.description.clone().unwrap_or_default(),
        address: address.to_owned(),
        building_id,
        community_id: Some(community_id),
        channel: None,
        contact_name: format!(
            "{}{}",
            given(&form.last_name).unwrap_or(""),
            given(&form.first_name).unwrap_or("")
        ),
        contact_phone: given(&form.phone).unwrap_or("").to_owned(),
        lat,
        long,
    };
    let integration = Integration {
        key_id: key.id,
        community_id,
        label: key.label.clone(),
        per_minute: key.per_minute,
    };
    let filed = match intake::file_from(&state, &ctx, &input, Some(&integration)).await {
        Ok(f) => f,
        // GeoReport answers a bad field with 400, under the specification's parameter names.
        Err(e) if e.status == StatusCode::UNPROCESSABLE_ENTITY => {
            let mut e2 = AppError::bad_request(e.key);
            e2.args = e.args;
            e2.field = e.field.map(|f| match f.as_str() {
                "building_id" => "address_id".to_owned(),
                "address" => "address_string".to_owned(),
                "contact_phone" => "phone".to_owned(),
                "category" => "service_code".to_owned(),
                _ => f,
            });
            return Ok(errors(fmt, ctx.lang, &[e2]));
        }
        Err(e) => return Err(e),
    };
    let notice = format!("{} {}", t(Lang::ZhCn, "open311.deadline"), filed.deadline);
    let created = Created {
        service_request_id: filed.id.to_string(),
        token: filed.tracking_code,
        service_notice: notice,
    };
    Ok(respond(
        fmt,
        StatusCode::CREATED,
        "service_requests",
        &[created],
    ))
}
