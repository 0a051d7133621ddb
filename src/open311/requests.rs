//! GeoReport requests: listing them and reading one (filing in `filing.rs`, tokens in `tokens.rs`).

use crate::platform::web::{Path, Query};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Serialize};
use sqlx::Row;

use super::format::{Fmt, Xml, errors, given, respond, stem};
use super::handlers::community_by_code;
use super::keys;
use crate::auth::Ctx;
use crate::cases::store::{CASE_COLUMNS, Case, case_from};
use crate::platform::AppState;
use crate::platform::db::Val;
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
    /// The building, by its id in the community's register.
    address_id: Option<String>,
    zipcode: Option<String>,
    lat: Option<f64>,
    long: Option<f64>,
    media_url: Option<String>,
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
            ("requested_datetime", Some(self.requested_datetime.clone())),
            ("updated_datetime", Some(self.updated_datetime.clone())),
            ("expected_datetime", Some(self.expected_datetime.clone())),
            ("address", Some(self.address.clone())),
            ("address_id", self.address_id.clone()),
            ("zipcode", self.zipcode.clone()),
            ("lat", self.lat.map(|v| v.to_string())),
            ("long", self.long.map(|v| v.to_string())),
            ("media_url", self.media_url.clone()),
        ]
    }
}

fn rfc(s: &str) -> String {
    time::from_db(s)
        .map(time::rfc3339_shanghai)
        .unwrap_or_default()
}

/// The building a case is about, as anonymous clients may see it: compound and number, and
/// the building's own position.
const FROM: &str = "FROM cases k JOIN communities c ON c.id = k.community_id \
    LEFT JOIN buildings b ON b.id = k.building_id LEFT JOIN compounds p ON p.id = b.compound_id";
const BUILDING: &str = "p.name || ' ' || b.number AS building_name, b.lat AS building_lat, \
    b.lng AS building_lng, c.name AS community_name";

/// The building's name and position, read with [`BUILDING`].
struct Building {
    name: Option<String>,
    position: Option<(f64, f64)>,
}

fn building_from(r: &sqlx::any::AnyRow) -> Result<Building, sqlx::Error> {
    Ok(Building {
        name: r.try_get("building_name")?,
        position: r
            .try_get::<Option<f64>, _>("building_lat")?
            .zip(r.try_get::<Option<f64>, _>("building_lng")?),
    })
}

/// `open` until the committee has closed or rejected it; the finer state and the public note
/// chosen by staff in the notes. The reply is never public. With the community's key
/// (`keyed`), the description, the address and the position as filed; without it, the
/// building only (its name and its own position), never a unit or a room.
fn request_out(c: &Case, community: &str, building: &Building, keyed: bool) -> RequestOut {
    let closed = c.status.finished();
    let mut notes = t(Lang::ZhCn, &format!("case_status.{}", c.status)).to_owned();
    if let Some(n) = c.public_note {
        notes = format!(
            "{notes}：{}",
            t(Lang::ZhCn, &format!("public_note.{}", n.as_str()))
        );
    }
    let position = if keyed { c.position } else { building.position };
    RequestOut {
        service_request_id: c.id.to_string(),
        status: if closed { "closed" } else { "open" },
        status_notes: notes,
        service_name: t(Lang::ZhCn, &format!("category.{}", c.category)).to_owned(),
        service_code: c.category.clone(),
        description: keyed.then(|| c.description.clone()),
        agency_responsible: format!("{community}居委会"),
        service_notice: String::new(),
        address: if keyed && !c.address.is_empty() {
            c.address.clone()
        } else {
            building.name.clone().unwrap_or_default()
        },
        address_id: c.building_id.map(|b| b.to_string()),
        zipcode: None,
        lat: position.map(|p| p.0),
        long: position.map(|p| p.1),
        media_url: None,
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

fn instant(field: &'static str, s: &str, errs: &mut Vec<AppError>) -> Option<jiff::Timestamp> {
    match s.parse::<jiff::Timestamp>() {
        Ok(ts) => Some(ts),
        Err(_) => {
            errs.push(AppError::bad_request("open311.bad_date").field(field));
            None
        }
    }
}

/// GeoReport's limit on a search's span, `start_date` to `end_date`.
const MAX_SPAN_DAYS: i64 = 90;

/// The key given, if any, and the community it files for; a key that is no key is refused.
async fn keyed_community(state: &AppState, key: Option<&str>) -> Result<Option<i64>, AppError> {
    match key {
        Some(k) => Ok(Some(keys::community_of(state.db.read(), k).await?.0)),
        None => Ok(None),
    }
}

/// Requests of public categories: by ids, or by filters within 90 days, at most 1,000. With the
/// community's API key the descriptions and positions as filed are included. An empty
/// parameter is no parameter; codes, statuses and ids may be comma lists; every error of the
/// request is answered at once.
pub async fn list_requests(
    State(state): State<AppState>,
    fmt: Fmt,
    ctx: Ctx,
    Query(q): Query<ListQuery>,
) -> Result<Response, AppError> {
    // Public: Open311 requests are public, sensitive ones never shown.
    let keyed = keyed_community(&state, given(&q.api_key)).await?;
    let community = community_by_code(&state, given(&q.jurisdiction_id))
        .await?
        .or(keyed);
    let mut errs = Vec::new();
    let mut f = crate::platform::db::Filter::default();
    f.and("k.sensitive = 0", []);
    if let Some(c) = community {
        f.and("k.community_id = ?", [Val::I(c)]);
    }
    if let Some(ids) = given(&q.service_request_id) {
        let ids: Option<Vec<i64>> = ids
            .split(',')
            .map(|s| s.trim().parse().ok())
            .take(1000)
            .collect();
        match ids {
            Some(ids) if !ids.is_empty() => {
                let list = vec!["?"; ids.len()].join(", ");
                f.and(&format!("k.id IN ({list})"), ids.into_iter().map(Val::I));
            }
            _ => errs.push(AppError::bad_request("open311.bad_ids").field("service_request_id")),
        }
    } else {
        let end = match given(&q.end_date) {
            Some(s) => instant("end_date", s, &mut errs),
            None => Some(time::now()),
        };
        let start = match given(&q.start_date) {
            Some(s) => instant("start_date", s, &mut errs),
            None => end.and_then(|e| {
                e.checked_sub(jiff::SignedDuration::from_hours(24 * MAX_SPAN_DAYS))
                    .ok()
            }),
        };
        if let (Some(start), Some(end)) = (start, end) {
            if end < start {
                errs.push(AppError::bad_request("open311.dates_reversed").field("end_date"));
            } else if end.duration_since(start)
                > jiff::SignedDuration::from_hours(24 * MAX_SPAN_DAYS)
            {
                errs.push(
                    AppError::bad_request("open311.span")
                        .arg("days", MAX_SPAN_DAYS)
                        .field("start_date"),
                );
            }
            f.and(
                "k.created_at >= ? AND k.created_at <= ?",
                [Val::T(time::to_db(start)), Val::T(time::to_db(end))],
            );
        }
        if let Some(code) = given(&q.service_code) {
            let codes: Vec<Val> = code
                .split(',')
                .map(str::trim)
                .filter(|c| !c.is_empty())
                .map(|c| Val::T(c.to_owned()))
                .collect();
            let list = vec!["?"; codes.len().max(1)].join(", ");
            f.and(&format!("k.category IN ({list})"), codes);
        }
        if let Some(status) = given(&q.status) {
            let (mut open, mut closed) = (false, false);
            for s in status.split(',').map(str::trim) {
                match s {
                    "open" => open = true,
                    "closed" => closed = true,
                    _ => {
                        errs.push(AppError::bad_request("open311.bad_status").field("status"));
                        break;
                    }
                }
            }
            match (open, closed) {
                (true, false) => {
                    f.and("k.status NOT IN ('closed', 'rejected')", []);
                }
                (false, true) => {
                    f.and("k.status IN ('closed', 'rejected')", []);
                }
                _ => {}
            }
        }
    }
    if !errs.is_empty() {
        return Ok(errors(fmt, ctx.lang, &errs));
    }
    let sql = format!(
        "SELECT {CASE_COLUMNS}, {BUILDING} {FROM} {} ORDER BY k.id DESC LIMIT 1000",
        f.sql()
    );
    let rows = crate::platform::db::bind_vals(sqlx::query(&sql), &f.vals)
        .fetch_all(state.db.read())
        .await?;
    let mut out = Vec::new();
    for r in &rows {
        let c = case_from(r)?;
        let name: String = r.try_get("community_name")?;
        out.push(request_out(
            &c,
            &name,
            &building_from(r)?,
            keyed == Some(c.community_id),
        ));
    }
    Ok(respond(fmt, StatusCode::OK, "service_requests", &out))
}

#[derive(Deserialize, Default)]
pub struct OneQuery {
    #[allow(dead_code)]
    pub(super) jurisdiction_id: Option<String>,
    pub(super) api_key: Option<String>,
}

/// One request; with its community's key, as filed.
pub async fn one_request(
    State(state): State<AppState>,
    fmt: Fmt,
    Path(file): Path<String>,
    Query(q): Query<OneQuery>,
) -> Result<Response, AppError> {
    // Public: Open311 requests are public, sensitive ones never shown.
    let id: i64 = stem(&file)?.parse().map_err(|_| AppError::not_found())?;
    let keyed = keyed_community(&state, given(&q.api_key)).await?;
    let sql =
        format!("SELECT {CASE_COLUMNS}, {BUILDING} {FROM} WHERE k.id = $1 AND k.sensitive = 0");
    let row = sqlx::query(&sql)
        .bind(id)
        .fetch_optional(state.db.read())
        .await?
        .ok_or_else(AppError::not_found)?;
    let c = case_from(&row)?;
    let name: String = row.try_get("community_name")?;
    let keyed = keyed == Some(c.community_id);
    Ok(respond(
        fmt,
        StatusCode::OK,
        "service_requests",
        &[request_out(&c, &name, &building_from(&row)?, keyed)],
    ))
}
