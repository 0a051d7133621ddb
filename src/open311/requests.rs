//! GeoReport requests: filing with an API key, listing, reading one (tokens in `tokens.rs`).

use crate::platform::web::{Path, Query};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Serialize};
use sqlx::Row;

use super::format::{Fmt, Xml, respond, stem};
use super::handlers::{community_by_code, public_services};
use super::keys;
use crate::auth::Ctx;
use crate::cases::intake::{self, CaseInput, Integration};
use crate::cases::store::{CASE_COLUMNS, Case, case_from};
use crate::platform::AppState;
use crate::platform::error::AppError;
use crate::platform::i18n::{Lang, t};
use crate::platform::time;

/// A request as GeoReport shows it: no personal data.
#[derive(Serialize)]
pub struct RequestOut {
    service_request_id: String,
    status: &'static str,
    status_notes: String,
    service_name: String,
    service_code: String,
    description: Option<String>,
    agency_responsible: String,
    service_notice: String,
    address: String,
    requested_datetime: String,
    updated_datetime: String,
    expected_datetime: String,
}

impl Xml for RequestOut {
    const ELEMENT: &'static str = "request";
    fn fields(&self) -> Vec<(&'static str, Option<String>)> {
        vec![
            ("service_request_id", Some(self.service_request_id.clone())),
            ("status", Some(self.status.into())),
            ("status_notes", Some(self.status_notes.clone())),
            ("service_name", Some(self.service_name.clone())),
            ("service_code", Some(self.service_code.clone())),
            ("description", self.description.clone()),
            ("agency_responsible", Some(self.agency_responsible.clone())),
            ("service_notice", Some(self.service_notice.clone())),
            ("address", Some(self.address.clone())),
            ("requested_datetime", Some(self.requested_datetime.clone())),
            ("updated_datetime", Some(self.updated_datetime.clone())),
            ("expected_datetime", Some(self.expected_datetime.clone())),
        ]
    }
}

fn rfc(s: &str) -> String {
    time::from_db(s)
        .map(time::rfc3339_shanghai)
        .unwrap_or_default()
}

/// The building a case is about, as anonymous clients may see it (compound and number).
const BUILDING_NAME: &str = "(SELECT p.name || ' ' || b.number FROM buildings b JOIN compounds p ON p.id = b.compound_id \
    WHERE b.id = k.building_id) AS building_name";

/// `open` until the committee has closed or rejected it; the finer state and the public note
/// chosen by staff in the notes. The reply is never public. With the community's key
/// (`keyed`), the description and the address as filed; without it, the address only to the
/// building (`building`), never a unit or a room.
fn request_out(c: &Case, community: &str, building: Option<&str>, keyed: bool) -> RequestOut {
    let closed = c.status.finished();
    let mut notes = t(Lang::ZhCn, &format!("case_status.{}", c.status)).to_owned();
    if let Some(n) = c.public_note {
        notes = format!(
            "{notes}：{}",
            t(Lang::ZhCn, &format!("public_note.{}", n.as_str()))
        );
    }
    RequestOut {
        service_request_id: c.id.to_string(),
        status: if closed { "closed" } else { "open" },
        status_notes: notes,
        service_name: t(Lang::ZhCn, &format!("category.{}", c.category)).to_owned(),
        service_code: c.category.clone(),
        description: keyed.then(|| c.description.clone()),
        agency_responsible: format!("{community}居委会"),
        service_notice: String::new(),
        address: if keyed {
            c.address.clone()
        } else {
            building.unwrap_or_default().to_owned()
        },
        requested_datetime: time::rfc3339_shanghai(c.created_at.0),
        updated_datetime: rfc(&c.updated_at),
        expected_datetime: rfc(&c.deadline),
    }
}

#[derive(Deserialize, Default)]
pub struct ListQuery {
    service_request_id: Option<String>,
    service_code: Option<String>,
    start_date: Option<String>,
    end_date: Option<String>,
    status: Option<String>,
    jurisdiction_id: Option<String>,
    api_key: Option<String>,
}

fn instant(field: &'static str, s: &str) -> Result<String, AppError> {
    let ts: jiff::Timestamp = s
        .parse()
        .map_err(|_| AppError::bad_request("open311.bad_date").field(field))?;
    Ok(time::to_db(ts))
}

/// Requests of public categories: by ids, or by filters within 90 days, at most 1,000. With the
/// community's API key the descriptions are included.
pub async fn list_requests(
    State(state): State<AppState>,
    fmt: Fmt,
    Query(q): Query<ListQuery>,
) -> Result<Response, AppError> {
    // Public: Open311 requests are public, sensitive ones never shown.
    let keyed = match q.api_key.as_deref() {
        Some(k) => Some(keys::community_of(state.db.read(), k).await?.0),
        None => None,
    };
    let community = community_by_code(&state, q.jurisdiction_id.as_deref())
        .await?
        .or(keyed);
    let mut f = crate::platform::db::Filter::default();
    f.and("k.sensitive = 0", []);
    if let Some(c) = community {
        f.and("k.community_id = ?", [crate::platform::db::Val::I(c)]);
    }
    if let Some(ids) = q.service_request_id.as_deref() {
        let ids: Option<Vec<i64>> = ids
            .split(',')
            .map(|s| s.trim().parse().ok())
            .take(1000)
            .collect();
        let ids = ids.unwrap_or_default();
        if ids.is_empty() {
            return Err(AppError::bad_request("open311.bad_ids").field("service_request_id"));
        }
        let list = vec!["?"; ids.len()].join(", ");
        f.and(
            &format!("k.id IN ({list})"),
            ids.into_iter().map(crate::platform::db::Val::I),
        );
    } else {
        let end = match &q.end_date {
            Some(s) => instant("end_date", s)?,
            None => time::now_db(),
        };
        let start = match &q.start_date {
            Some(s) => instant("start_date", s)?,
            None => time::to_db(
                time::from_db(&end).unwrap_or_else(time::now)
                    - jiff::SignedDuration::from_hours(24 * 90),
            ),
        };
        f.and(
            "k.created_at >= ? AND k.created_at <= ?",
            [
                crate::platform::db::Val::T(start),
                crate::platform::db::Val::T(end),
            ],
        );
        if let Some(code) = q.service_code.as_deref() {
            let codes: Vec<crate::platform::db::Val> = code
                .split(',')
                .map(|c| crate::platform::db::Val::T(c.trim().to_owned()))
                .collect();
            let list = vec!["?"; codes.len()].join(", ");
            f.and(&format!("k.category IN ({list})"), codes);
        }
        match q.status.as_deref() {
            None | Some("") => {}
            Some("open") => {
                f.and("k.status NOT IN ('closed', 'rejected')", []);
            }
            Some("closed") => {
                f.and("k.status IN ('closed', 'rejected')", []);
            }
            Some(_) => return Err(AppError::bad_request("open311.bad_status").field("status")),
        }
    }
    let sql = format!(
        "SELECT {CASE_COLUMNS}, {BUILDING_NAME}, c.name AS community_name FROM cases k JOIN communities c ON c.id = k.community_id {} ORDER BY k.id DESC LIMIT 1000",
        f.sql()
    );
    let rows = crate::platform::db::bind_vals(sqlx::query(&sql), &f.vals)
        .fetch_all(state.db.read())
        .await?;
    let mut out = Vec::new();
    for r in &rows {
        let c = case_from(r)?;
        let name: String = r.try_get("community_name")?;
        let building: Option<String> = r.try_get("building_name")?;
        out.push(request_out(
            &c,
            &name,
            building.as_deref(),
            keyed == Some(c.community_id),
        ));
    }
    Ok(respond(fmt, StatusCode::OK, "service_requests", &out))
}

pub async fn one_request(
    State(state): State<AppState>,
    fmt: Fmt,
    Path(file): Path<String>,
) -> Result<Response, AppError> {
    // Public: Open311 requests are public, sensitive ones never shown.
    let id: i64 = stem(&file)?.parse().map_err(|_| AppError::not_found())?;
    let sql = format!(
        "SELECT {CASE_COLUMNS}, {BUILDING_NAME}, c.name AS community_name FROM cases k JOIN communities c ON c.id = k.community_id WHERE k.id = $1 AND k.sensitive = 0"
    );
    let row = sqlx::query(&sql)
        .bind(id)
        .fetch_optional(state.db.read())
        .await?
        .ok_or_else(AppError::not_found)?;
    let c = case_from(&row)?;
    let name: String = row.try_get("community_name")?;
    let building: Option<String> = row.try_get("building_name")?;
    Ok(respond(
        fmt,
        StatusCode::OK,
        "service_requests",
        &[request_out(&c, &name, building.as_deref(), false)],
    ))
}

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
    #[serde(default)]
    api_key: String,
    #[serde(default)]
    service_code: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    address_string: String,
    lat: Option<String>,
    long: Option<String>,
    #[serde(default)]
    first_name: String,
    #[serde(default)]
    last_name: String,
    #[serde(default)]
    phone: String,
}

/// File a request with the community's API key (form-encoded, as the specification says).
pub async fn create_request(
    State(state): State<AppState>,
    fmt: Fmt,
    ctx: Ctx,
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
    let key = keys::lookup(state.db.read(), &form.api_key).await?;
    let community_id = key.community_id;
    if form.service_code.is_empty() {
        return Err(AppError::bad_request("open311.service_code_required").field("service_code"));
    }
    for (field, v) in [("lat", &form.lat), ("long", &form.long)] {
        if let Some(v) = v.as_deref().filter(|v| !v.is_empty()) {
            let ok = v.parse::<f64>().is_ok_and(|x| {
                x.is_finite() && x.abs() <= if field == "lat" { 90.0 } else { 180.0 }
            });
            if !ok {
                return Err(AppError::bad_request("open311.bad_location").field(field));
            }
        }
    }
    let known = public_services(&state, Some(community_id))
        .await?
        .into_iter()
        .any(|s| s.service_code == form.service_code);
    if !known {
        return Err(AppError::new(
            StatusCode::NOT_FOUND,
            "open311.unknown_service",
        ));
    }
    let input = CaseInput {
        category: form.service_code.clone(),
        description: form.description.clone(),
        address: form.address_string.clone(),
        building_id: None,
        community_id: Some(community_id),
        channel: None,
        contact_name: format!("{}{}", form.last_name, form.first_name),
        contact_phone: form.phone.clone(),
    };
    let filed = intake::file_from(
        &state,
        &ctx,
        &input,
        Some(&Integration {
            key_id: key.id,
            community_id,
            label: key.label.clone(),
            per_minute: key.per_minute,
        }),
    )
    .await
    .map_err(|e| {
        // GeoReport answers a bad field with 400.
        if e.status == StatusCode::UNPROCESSABLE_ENTITY {
            let mut e2 = AppError::bad_request(e.key);
            e2.args = e.args;
            e2.field = e.field;
            e2
        } else {
            e
        }
    })?;
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
