//! Photos on cases: JPEG or PNG only, checked by their content (not their name), at most 10 MiB,
//! with EXIF and XMP (and so any GPS position) removed before they are stored under the data
//! folder. They are served only to those who may read the case.

use crate::platform::flash::Done;
use crate::platform::web::Path;
use axum::body::Bytes;
use axum::extract::{Multipart, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use sqlx::Row;

use super::api::readable;
use super::handle::require_handle;
use super::store::{self, Case};
use crate::audit::{self, Entry};
use crate::auth::Ctx;
use crate::platform::AppState;
use crate::platform::error::AppError;
use crate::platform::time;

pub const MAX_PHOTO: usize = 10 * 1024 * 1024;

/// What a photo is, by its first bytes.
fn kind(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else {
        None
    }
}

/// Where a JPEG's image ends: just after its EOI marker, the first `FF D9` past the segments
/// that is a marker (in the compressed data a real `FF` is followed by `00`, and restart
/// markers are `FF D0`…`FF D7`).
fn end_of_image(b: &[u8]) -> Option<usize> {
    let mut i = 2; // after SOI
    // The segments before the first scan carry their lengths.
    loop {
        if *b.get(i)? != 0xFF {
            return None;
        }
        let marker = *b.get(i + 1)?;
        let len = usize::from(u16::from_be_bytes([*b.get(i + 2)?, *b.get(i + 3)?]));
        i += 2 + len;
        if marker == 0xDA {
            break;
        }
    }
    while i + 1 < b.len() {
        if b[i] == 0xFF && b[i + 1] == 0xD9 {
            return Some(i + 2);
        }
        i += 1;
    }
    None
}

/// The photo without its metadata, or a 422 for anything that is not a well-formed JPEG or PNG.
pub fn clean(bytes: Bytes) -> Result<(Bytes, &'static str), AppError> {
    use img_parts::ImageEXIF;
    let bad = || AppError::invalid("photo", "cases.bad_photo");
    let ct = kind(&bytes).ok_or_else(bad)?;
    let out = match ct {
        "image/jpeg" => {
            let mut jpeg = img_parts::jpeg::Jpeg::from_bytes(bytes).map_err(|_| bad())?;
            jpeg.set_exif(None);
            // XMP lives in APP1 too, and may hold a position. Comments and the other
            // application segments are where a polyglot hides its HTML or script: only JFIF
            // (APP0), the colour profile (APP2) and Adobe's colour transform (APP14) stay.
            use img_parts::jpeg::markers::{APP1, APP2, APP14, APP15, COM};
            jpeg.segments_mut().retain(|s| {
                let m = s.marker();
                !(m == COM || ((APP1..=APP15).contains(&m) && m != APP2 && m != APP14))
            });
            let out = jpeg.encoder().bytes();
            // And whatever follows the end of the image (a page appended to the picture).
            out.slice(..end_of_image(&out).ok_or_else(bad)?)
        }
        _ => {
            let mut png = img_parts::png::Png::from_bytes(bytes).map_err(|_| bad())?;
            png.set_exif(None);
            png.chunks_mut()
                .retain(|c| &c.kind() != b"iTXt" && &c.kind() != b"tEXt" && &c.kind() != b"zTXt");
            png.encoder().bytes()
        }
    };
    Ok((out, ct))
}

/// May the caller add a photo: the submitter, or staff who handle the case.
fn may_add(ctx: &Ctx, c: &Case) -> Result<(), AppError> {
    let mine = ctx
        .user
        .as_ref()
        .is_some_and(|u| c.submitter_user_id == Some(u.id));
    if mine { Ok(()) } else { require_handle(ctx, c) }
}

pub async fn store_photo(
    state: &AppState,
    ctx: &Ctx,
    case_id: i64,
    bytes: Bytes,
) -> Result<i64, AppError> {
    let c = store::get(state.db.read(), case_id)
        .await?
        .ok_or_else(AppError::not_found)?;
    may_add(ctx, &c)?;
    let saved = save(state, bytes)?;
    let stored = async {
        let mut tx = state.db.begin().await?;
        let id = attach(&mut tx, ctx, case_id, c.place(), &saved).await?;
        tx.commit().await?;
        Ok::<_, AppError>(id)
    };
    stored.await.inspect_err(|_| saved.discard())
}

/// A photo cleaned and written under the data folder, not yet recorded with a case.
pub struct Saved {
    path: std::path::PathBuf,
    name: String,
    ct: &'static str,
    size: i64,
    sha256: String,
}

impl Saved {
    /// Removes the file when the transaction that was to record it failed: a photo is kept
    /// or lost with its record.
    pub fn discard(&self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// Checks and cleans a photo (size, kind, metadata removed) and writes it under the data
/// folder: a 413 or 422 before anything is stored.
pub fn save(state: &AppState, bytes: Bytes) -> Result<Saved, AppError> {
    if bytes.len() > MAX_PHOTO {
        return Err(AppError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "error.too_large",
        ));
    }
    let (clean, ct) = clean(bytes)?;
    let name = format!(
        "{}.{}",
        crate::auth::session::random_token(),
        if ct == "image/png" { "png" } else { "jpg" }
    );
    let dir = state.config.data_dir().join("attachments");
    std::fs::create_dir_all(&dir).map_err(AppError::internal)?;
    let path = dir.join(&name);
    std::fs::write(&path, &clean).map_err(AppError::internal)?;
    Ok(Saved {
        path,
        name,
        ct,
        size: clean.len() as i64,
        sha256: crate::disclosure::chain::sha256_hex(&clean),
    })
}

/// Records a saved photo with its case inside `tx`, audited.
pub async fn attach(
    tx: &mut crate::platform::db::Tx,
    ctx: &Ctx,
    case_id: i64,
    place: crate::auth::Place,
    saved: &Saved,
) -> Result<i64, AppError> {
    let id: i64 = sqlx::query(
        "INSERT INTO case_attachments (case_id, stored_name, content_type, size, uploaded_by, created_at, sha256) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(case_id)
    .bind(&saved.name)
    .bind(saved.ct)
    .bind(saved.size)
    .bind(ctx.actor().name)
    .bind(time::now_db())
    .bind(&saved.sha256)
    .fetch_one(&mut **tx)
    .await?
    .try_get("id")?;
    audit::record(
        tx,
        &ctx.actor(),
        Entry::new("case.photo", "case", case_id)
            .at(place)
            .detail(format!("{}, {} bytes", saved.ct, saved.size)),
    )
    .await?;
    Ok(id)
}

/// The photos of a case (ids).
pub async fn photo_ids(
    pool: &crate::platform::reader::Reader,
    case_id: i64,
) -> Result<Vec<i64>, sqlx::Error> {
    let rows = sqlx::query("SELECT id FROM case_attachments WHERE case_id = $1 ORDER BY id")
        .bind(case_id)
        .fetch_all(pool)
        .await?;
    rows.iter().map(|r| r.try_get("id")).collect()
}

/// `POST /cases/{id}/photos` from the case page (multipart with the CSRF token).
pub async fn upload(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    mut mp: Multipart,
) -> Result<Response, AppError> {
    // Authorized in store_photo > may_add > require_handle: CaseHandle (or its submitter)
    let mut csrf = String::new();
    let mut photo = Bytes::new();
    while let Some(field) = mp
        .next_field()
        .await
        .map_err(|_| AppError::bad_request("error.bad_request"))?
    {
        match field.name() {
            Some("_csrf") => csrf = field.text().await.unwrap_or_default(),
            Some("photo") => {
                photo = field
                    .bytes()
                    .await
                    .map_err(|_| AppError::new(StatusCode::PAYLOAD_TOO_LARGE, "error.too_large"))?
            }
            _ => {}
        }
    }
    ctx.check_csrf(&csrf)?;
    store_photo(&state, &ctx, id, photo).await?;
    Ok(Done::to(format!("/cases/{id}"), "cases.done.photo")
        .arg("id", id)
        .into_response())
}

/// `GET /cases/{id}/photos/{photo}`: for those who may read the case.
pub async fn serve(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, photo)): Path<(i64, i64)>,
) -> Result<Response, AppError> {
    // Authorized in readable > readable_revealing: CaseRead, CaseReadSensitive
    readable(&state, &ctx, id).await?;
    let row = sqlx::query(
        "SELECT stored_name, content_type FROM case_attachments WHERE id = $1 AND case_id = $2",
    )
    .bind(photo)
    .bind(id)
    .fetch_optional(state.db.read())
    .await?
    .ok_or_else(AppError::not_found)?;
    let name: String = row.try_get("stored_name")?;
    let ct: String = row.try_get("content_type")?;
    let bytes = std::fs::read(state.config.data_dir().join("attachments").join(&name))
        .map_err(|_| AppError::not_found())?;
    let mut res = (StatusCode::OK, bytes).into_response();
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_str(&ct).map_err(AppError::internal)?,
    );
    res.headers_mut().insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_static("inline"),
    );
    Ok(res)
}
