//! Attachments to notices: PDF, JPEG or PNG, checked by content, images stripped of EXIF (and
//! any GPS position), at most 10 MiB, added to drafts only. Each one's SHA-256 is part of the
//! notice's canonical content, so the publication chain covers it; serving rechecks the file.

use crate::platform::web::{Path, Query};
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Multipart, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::{Deserialize, Serialize};
use sqlx::Row;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

use super::chain::sha256_hex;
use super::notices::{load, readable};
use crate::audit::{self, Entry};
use crate::auth::{Action, Ctx, Target};
use crate::platform::AppState;
use crate::platform::error::AppError;
use crate::platform::time;
use crate::registry::import_api::Upload;

pub const MAX_ATTACHMENT: usize = 10 * 1024 * 1024;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(add))
        .layer(DefaultBodyLimit::max(MAX_ATTACHMENT + 64 * 1024))
}

#[derive(Serialize, ToSchema, Clone)]
pub struct Attachment {
    pub id: i64,
    pub filename: String,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
}

pub async fn list(state: &AppState, notice: i64) -> Result<Vec<Attachment>, AppError> {
    let rows = sqlx::query("SELECT id, filename, content_type, size, sha256 FROM disclosure_attachments WHERE disclosure_id = $1 ORDER BY id")
        .bind(notice)
        .fetch_all(state.db.read())
        .await?;
    Ok(rows
        .iter()
        .map(|r| {
            Ok(Attachment {
                id: r.try_get("id")?,
                filename: r.try_get("filename")?,
                content_type: r.try_get("content_type")?,
                size: r.try_get("size")?,
                sha256: r.try_get("sha256")?,
            })
        })
        .collect::<Result<_, sqlx::Error>>()?)
}

/// A file name as shown: its last path segment, without control or path characters.
fn clean_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or("");
    let s: String = base
        .chars()
        .filter(|c| !c.is_control() && !matches!(c, '"' | '<' | '>' | ':' | '*' | '?' | '|'))
        .take(80)
        .collect();
    let s = s.trim().trim_start_matches('.').to_owned();
    if s.is_empty() { "附件".into() } else { s }
}

pub async fn store(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    filename: &str,
    bytes: Bytes,
) -> Result<i64, AppError> {
    let n = load(state, id).await?;
    ctx.require(Action::DisclosuresManage, Target::At(n.place()))?;
    if !n.is_draft() {
        return Err(AppError::conflict("disclosure.published_immutable"));
    }
    if bytes.len() > MAX_ATTACHMENT {
        return Err(AppError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "error.too_large",
        ));
    }
    let (body, ct) = if bytes.starts_with(b"%PDF-") {
        (bytes, "application/pdf")
    } else {
        crate::cases::photos::clean(bytes)
            .map_err(|_| AppError::invalid("file", "disclosure.bad_attachment"))?
    };
    let stored = crate::auth::session::random_token();
    let dir = state.config.data_dir().join("disclosures");
    std::fs::create_dir_all(&dir).map_err(AppError::internal)?;
    std::fs::write(dir.join(&stored), &body).map_err(AppError::internal)?;
    let mut tx = state.db.begin().await?;
    let aid: i64 = sqlx::query(
        "INSERT INTO disclosure_attachments (disclosure_id, filename, content_type, sha256, stored_name, size, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(id)
    .bind(clean_name(filename))
    .bind(ct)
    .bind(sha256_hex(&body))
    .bind(&stored)
    .bind(body.len() as i64)
    .bind(time::now_db())
    .fetch_one(&mut *tx)
    .await?
    .try_get("id")?;
    audit::record(
        &mut tx,
        &ctx.actor(),
        Entry::new("disclosure.attach", "disclosure", id)
            .at(n.place())
            .detail(format!("{ct}, {} bytes", body.len())),
    )
    .await?;
    tx.commit().await?;
    Ok(aid)
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AttachQuery {
    /// The file's name as residents will see it.
    pub filename: String,
}

/// Attach a file (the request body: PDF, JPEG or PNG) to a draft.
#[utoipa::path(post, path = "/api/v1/disclosures/{id}/attachments", tag = "disclosure", params(("id" = i64, Path), AttachQuery),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"), security(("bearer" = [])),
    responses((status = 201, body = Attachment), (status = 409), (status = 413), (status = 422)))]
async fn add(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Query(q): Query<AttachQuery>,
    Upload(bytes): Upload,
) -> Result<(StatusCode, axum::Json<Attachment>), AppError> {
    // Authorized in store: DisclosuresManage
    let aid = store(&state, &ctx, id, &q.filename, bytes).await?;
    list(&state, id)
        .await?
        .into_iter()
        .find(|a| a.id == aid)
        .map(|a| (StatusCode::CREATED, axum::Json(a)))
        .ok_or_else(AppError::not_found)
}

/// `POST /disclosures/{id}/attachments` from the draft's page (multipart with the CSRF token).
pub async fn upload(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    mut mp: Multipart,
) -> Result<Response, AppError> {
    // Authorized in store: DisclosuresManage
    let mut csrf = String::new();
    let mut file = (String::new(), Bytes::new());
    while let Some(field) = mp
        .next_field()
        .await
        .map_err(|_| AppError::bad_request("error.bad_request"))?
    {
        match field.name() {
            Some("_csrf") => csrf = field.text().await.unwrap_or_default(),
            Some("file") => {
                let name = field.file_name().unwrap_or_default().to_owned();
                let bytes = field
                    .bytes()
                    .await
                    .map_err(|_| AppError::new(StatusCode::PAYLOAD_TOO_LARGE, "error.too_large"))?;
                file = (name, bytes);
            }
            _ => {}
        }
    }
    ctx.check_csrf(&csrf)?;
    if file.1.is_empty() {
        return Err(AppError::invalid("file", "disclosure.bad_attachment"));
    }
    store(&state, &ctx, id, &file.0, file.1).await?;
    Ok(Redirect::to(&format!("/disclosures/{id}")).into_response())
}

/// `GET /disclosures/{id}/attachments/{attachment}`: to whoever may read the notice, after
/// checking the file still matches its recorded SHA-256.
pub async fn serve(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, aid)): Path<(i64, i64)>,
) -> Result<Response, AppError> {
    // Authorized in readable: DisclosuresManage (drafts only; published notices are public)
    readable(&state, &ctx, id).await?;
    let row = sqlx::query("SELECT filename, content_type, stored_name, sha256 FROM disclosure_attachments WHERE id = $1 AND disclosure_id = $2")
        .bind(aid)
        .bind(id)
        .fetch_optional(state.db.read())
        .await?
        .ok_or_else(AppError::not_found)?;
    let stored: String = row.try_get("stored_name")?;
    let bytes = std::fs::read(state.config.data_dir().join("disclosures").join(&stored))
        .map_err(|_| AppError::not_found())?;
    if sha256_hex(&bytes) != row.try_get::<String, _>("sha256")? {
        return Err(AppError::conflict("disclosure.attachment_altered"));
    }
    let ct: String = row.try_get("content_type")?;
    let name: String = row.try_get("filename")?;
    let mut res = (StatusCode::OK, bytes).into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_str(&ct).map_err(AppError::internal)?,
    );
    let disposition = format!(
        "attachment; filename*=UTF-8''{}",
        crate::platform::error::urlencode(&name)
    );
    h.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_str(&disposition).map_err(AppError::internal)?,
    );
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("sandbox; default-src 'none'"),
    );
    Ok(res)
}

#[cfg(test)]
mod tests {
    #[test]
    fn names_lose_their_paths() {
        assert_eq!(super::clean_name("../../etc/passwd"), "passwd");
        assert_eq!(super::clean_name("C:\\x\\预算.pdf"), "预算.pdf");
        assert_eq!(super::clean_name("..."), "附件");
        assert_eq!(super::clean_name("a<b>.pdf"), "ab.pdf");
    }
}
