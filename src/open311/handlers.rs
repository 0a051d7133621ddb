//! The GeoReport v2 endpoints.

use crate::platform::web::{Path, Query};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde::{Deserialize, Serialize};
use sqlx::Row;

use super::format::{Fmt, Xml, XmlOut, given, respond, stem};
use crate::cases::store::{self};
use crate::platform::AppState;
use crate::platform::error::AppError;
use crate::platform::i18n::{Lang, t};

#[derive(Serialize)]
pub struct Discovery {
    changeset: &'static str,
    contact: &'static str,
    key_service: &'static str,
    endpoints: Vec<Endpoint>,
}

#[derive(Serialize)]
struct Endpoint {
    specification: &'static str,
    url: String,
    changeset: &'static str,
    #[serde(rename = "type")]
    kind: &'static str,
    formats: [&'static str; 2],
}

/// When what discovery describes last changed (issue 22: the specification's XML, absolute
/// URLs, lat/long, comma lists, all errors at once).
const CHANGESET: &str = "2026-12-07T00:00:00Z";

/// Discovery as GeoReport v2 has it: one production endpoint at an absolute URL, in both
/// formats.
pub async fn discovery(
    State(state): State<AppState>,
    fmt: Fmt,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    // Public: Open311 discovery is public.
    let d = Discovery {
        changeset: CHANGESET,
        contact: "社区居委会 community residents' committee",
        key_service: "API keys are issued by the community head or the system administrator",
        endpoints: vec![Endpoint {
            specification: "http://wiki.open311.org/GeoReport_v2",
            url: format!(
                "{}/open311/v2",
                crate::platform::web::base_url(&state, &headers)
            ),
            changeset: CHANGESET,
            kind: "production",
            formats: ["text/xml", "application/json"],
        }],
    };
    Ok(match fmt {
        Fmt::Json => axum::response::IntoResponse::into_response(axum::Json(d)),
        Fmt::Xml => {
            let mut x = XmlOut::new();
            x.open("discovery")
                .leaf("changeset", Some(d.changeset))
                .leaf("contact", Some(d.contact))
                .leaf("key_service", Some(d.key_service))
                .open("endpoints");
            for e in &d.endpoints {
                x.open("endpoint")
                    .leaf("specification", Some(e.specification))
                    .leaf("url", Some(&e.url))
                    .leaf("changeset", Some(e.changeset))
                    .leaf("type", Some(e.kind))
                    .open("formats");
                for f in e.formats {
                    x.leaf("format", Some(f));
                }
                x.close("formats").close("endpoint");
            }
            x.close("endpoints").close("discovery");
            x.respond(StatusCode::OK)
        }
    })
}

#[derive(Serialize)]
pub struct Service {
    pub(super) service_code: String,
    service_name: String,
    description: String,
    metadata: bool,
    #[serde(rename = "type")]
    kind: &'static str,
    keywords: String,
    group: String,
}

impl Xml for Service {
    const ELEMENT: &'static str = "service";
    fn fields(&self) -> Vec<(&'static str, Option<String>)> {
        vec![
            ("service_code", Some(self.service_code.clone())),
            ("service_name", Some(self.service_name.clone())),
            ("description", Some(self.description.clone())),
            ("metadata", Some(self.metadata.to_string())),
            ("type", Some(self.kind.into())),
            ("keywords", Some(self.keywords.clone())),
            ("group", Some(self.group.clone())),
        ]
    }
}

#[derive(Deserialize)]
pub struct Jurisdiction {
    /// A community's code (e.g. 150102001001); default: the defaults every community starts with.
    jurisdiction_id: Option<String>,
}

pub(super) async fn community_by_code(
    state: &AppState,
    code: Option<&str>,
) -> Result<Option<i64>, AppError> {
    let Some(code) = code.map(str::trim).filter(|c| !c.is_empty()) else {
        return Ok(None);
    };
    let row = sqlx::query("SELECT id FROM communities WHERE code = $1")
        .bind(code)
        .fetch_optional(state.db.read())
        .await?;
    row.map(|r| r.try_get("id"))
        .transpose()?
        .map(Some)
        .ok_or_else(|| AppError::new(StatusCode::NOT_FOUND, "open311.unknown_jurisdiction"))
}

/// The public categories: everything but the sensitive must-reports.
pub(super) async fn public_services(
    state: &AppState,
    community: Option<i64>,
) -> Result<Vec<Service>, AppError> {
    let cats = store::categories(state.db.read(), community.unwrap_or(0)).await?;
    Ok(cats
        .into_iter()
        .filter(|c| c.public_intake && !c.sensitive)
        .map(|c| Service {
            service_name: t(Lang::ZhCn, &format!("category.{}", c.code)).to_owned(),
            description: format!(
                "{} / {}",
                t(Lang::ZhCn, &format!("category.{}", c.code)),
                t(Lang::En, &format!("category.{}", c.code))
            ),
            metadata: false,
            kind: "realtime",
            keywords: c.code.replace('_', ","),
            group: if c.kind == "mandatory_report" {
                "八必报".into()
            } else {
                "诉求".into()
            },
            service_code: c.code,
        })
        .collect())
}

pub async fn services(
    State(state): State<AppState>,
    fmt: Fmt,
    Query(j): Query<Jurisdiction>,
) -> Result<Response, AppError> {
    // Public: the public services of a jurisdiction (sensitive categories never listed).
    let community = community_by_code(&state, given(&j.jurisdiction_id)).await?;
    Ok(respond(
        fmt,
        StatusCode::OK,
        "services",
        &public_services(&state, community).await?,
    ))
}

#[derive(Serialize)]
pub struct Definition {
    pub(super) service_code: String,
    attributes: Vec<serde_json::Value>,
}

/// A service's definition: none of ours asks for attributes (`metadata` is false), so the list
/// is empty; the XML root is `<service_definition>`, as the specification has it.
pub async fn service_definition(
    State(state): State<AppState>,
    fmt: Fmt,
    Path(file): Path<String>,
    Query(j): Query<Jurisdiction>,
) -> Result<Response, AppError> {
    // Public: Open311 service definitions are public.
    let code = stem(&file)?;
    let community = community_by_code(&state, given(&j.jurisdiction_id)).await?;
    let known = public_services(&state, community)
        .await?
        .into_iter()
        .any(|s| s.service_code == code);
    if !known {
        return Err(AppError::new(
            StatusCode::NOT_FOUND,
            "open311.unknown_service",
        ));
    }
    let d = Definition {
        service_code: code.to_owned(),
        attributes: vec![],
    };
    Ok(match fmt {
        Fmt::Json => axum::response::IntoResponse::into_response(axum::Json(d)),
        Fmt::Xml => {
            let mut x = XmlOut::new();
            x.open("service_definition")
                .leaf("service_code", Some(&d.service_code))
                .leaf("attributes", None)
                .close("service_definition");
            x.respond(StatusCode::OK)
        }
    })
}
