//! `POST /api/v1/imports`: a dry run (the default) or the commit of a households-and-residents
//! spreadsheet for one community; `POST /api/v1/imports/{ledger}` the same for its stationed
//! units, social organizations or their members.

use crate::platform::web::Query;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::StatusCode;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::import::social::{SocialImportReport, SocialLedger, commit_social, plan_social};
use super::import::{self, ImportReport};
use crate::audit::{self, Entry};
use crate::auth::{Action, Ctx, Target};
use crate::platform::AppState;
use crate::platform::error::AppError;
use crate::platform::web::Path;

/// Largest spreadsheet accepted (a street's residents fit easily).
pub const MAX_UPLOAD: usize = 64 * 1024 * 1024;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(run))
        .routes(routes!(run_social))
        .layer(DefaultBodyLimit::max(MAX_UPLOAD))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ImportQuery {
    pub community_id: i64,
    /// false (default): check only and report; true: write everything or nothing.
    #[serde(default)]
    pub commit: bool,
    /// true: create the buildings rows name in a known compound that are not registered yet
    /// (the community's head; a new compound's buildings, typically). false (default): such a
    /// row is an error.
    #[serde(default)]
    pub create_buildings: bool,
}

/// What an import is asked to do besides reading the file.
#[derive(Clone, Copy, Debug, Default)]
pub struct ImportMode {
    /// Write everything or nothing (otherwise check and report only).
    pub commit: bool,
    /// Create the buildings that rows name in a known compound.
    pub create_buildings: bool,
}

/// An uploaded file's bytes: 413 when too large, 422 when empty.
pub struct Upload(pub Bytes);

impl<S: Send + Sync> axum::extract::FromRequest<S> for Upload {
    type Rejection = AppError;

    async fn from_request(req: axum::extract::Request, state: &S) -> Result<Self, AppError> {
        match Bytes::from_request(req, state).await {
            Ok(b) if b.is_empty() => Err(AppError::invalid("file", "import.empty")),
            Ok(b) => Ok(Upload(b)),
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => Err(AppError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "error.too_large",
            )),
            Err(_) => Err(AppError::bad_request("error.bad_request")),
        }
    }
}

/// Runs an import for a community the caller may write to; returns what it found or did.
pub async fn run_import(
    state: &AppState,
    ctx: &Ctx,
    community_id: i64,
    bytes: &[u8],
    mode: ImportMode,
) -> Result<ImportReport, AppError> {
    run_import_with(state, ctx, community_id, bytes, mode, &|_| {}).await
}

/// The same, telling `progress` how many residents are written so far.
pub async fn run_import_with(
    state: &AppState,
    ctx: &Ctx,
    community_id: i64,
    bytes: &[u8],
    mode: ImportMode,
    progress: &(dyn Fn(usize) + Sync),
) -> Result<ImportReport, AppError> {
    let place = super::places::place_of_community(state.db.read(), community_id)
        .await?
        .ok_or_else(|| AppError::invalid("community_id", "input.unknown_community"))?;
    ctx.require(Action::RegistryWrite, Target::At(place))?;
    if mode.create_buildings {
        // Buildings are the head's to create (rule P8 holds: only unknown numbers are made).
        ctx.require(Action::PlacesManage, Target::At(place))?;
    }
    let table = import::read_table(bytes)?;
    let mut plan = import::plan(
        state.db.read(),
        community_id,
        &table,
        ctx.lang,
        mode.create_buildings,
    )
    .await?;
    if mode.commit {
        let mut tx = state.db.begin().await?;
        import::commit(&mut tx, &plan, &ctx.actor().name, progress).await?;
        let r = &plan.report;
        audit::record(
            &mut tx,
            &ctx.actor(),
            Entry::new("registry.import", "community", community_id)
                .at(place)
                .detail(format!(
                    "{} rows: {} new buildings, {} new households, {} new residents, {} updated, {} unchanged",
                    r.rows,
                    r.buildings_new.len(),
                    r.households_new,
                    r.residents_new,
                    r.residents_updated,
                    r.unchanged
                )),
        )
        .await?;
        tx.commit().await?;
        state
            .db
            .analyze(crate::registry::residents::BULK_TABLES)
            .await?;
        plan.report.committed = true;
    }
    Ok(plan.report)
}

/// Import households and residents from xlsx or CSV (UTF-8) with the columns 小区, 楼栋, 单元,
/// 门牌号, 姓名, 身份证号 and optionally 手机号, 民族, 政治面貌, 迁入日期, 户标记. Errors are
/// named by row and column; a commit writes everything or nothing; the same file twice adds
/// nothing.
#[utoipa::path(post, path = "/api/v1/imports", tag = "registry", params(ImportQuery),
    request_body(content = Vec<u8>, content_type = "text/csv"), security(("bearer" = [])),
    responses((status = 200, body = ImportReport), (status = 413), (status = 422, description = "unreadable file, missing columns, or a commit with errors")))]
async fn run(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<ImportQuery>,
    Upload(bytes): Upload,
) -> Result<Json<ImportReport>, AppError> {
    // Authorized in run_import > run_import_with: RegistryWrite, PlacesManage
    Ok(Json(
        run_import(
            &state,
            &ctx,
            q.community_id,
            &bytes,
            ImportMode {
                commit: q.commit,
                create_buildings: q.create_buildings,
            },
        )
        .await?,
    ))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SocialImportQuery {
    pub community_id: i64,
    /// false (default): check only and report; true: write everything or nothing.
    #[serde(default)]
    pub commit: bool,
}

/// Runs an import of stationed units, social organizations or their members for a community
/// the caller may write to. The commit checks and writes in one transaction; each record written
/// is audited.
pub async fn run_social_import(
    state: &AppState,
    ctx: &Ctx,
    ledger: SocialLedger,
    community_id: i64,
    bytes: &[u8],
    commit: bool,
) -> Result<SocialImportReport, AppError> {
    let place = super::places::place_of_community(state.db.read(), community_id)
        .await?
        .ok_or_else(|| AppError::invalid("community_id", "input.unknown_community"))?;
    ctx.require(Action::RegistryWrite, Target::At(place))?;
    let table = import::read_table(bytes)?;
    let name: String = sqlx::query_scalar("SELECT name FROM communities WHERE id = $1")
        .bind(community_id)
        .fetch_one(state.db.read())
        .await?;
    if !commit {
        let mut conn = state.db.read().acquire().await?;
        let plan = plan_social(&mut conn, ledger, community_id, &name, &table, ctx.lang).await?;
        return Ok(plan.report);
    }
    let mut tx = state.db.begin().await?;
    let mut plan = plan_social(&mut tx, ledger, community_id, &name, &table, ctx.lang).await?;
    for (id, what) in commit_social(&mut tx, &plan).await? {
        audit::record(
            &mut tx,
            &ctx.actor(),
            Entry::new("registry.import", ledger.object(), id)
                .at(place)
                .detail(what),
        )
        .await?;
    }
    tx.commit().await?;
    plan.report.committed = true;
    Ok(plan.report)
}

/// Import a community's stationed units (`social-units`: 单位名称, 类别 required; 地址, 联系人,
/// 联系电话, 职工人数, 备注), social organizations (`social-orgs`: 组织名称, 类别, 成立日期
/// required; 负责人, 负责人身份证号, 主要活动) or their members (`social-org-members`: 组织名称,
/// 姓名, 职务, 加入日期 required; 身份证号) from xlsx or CSV. A row matches the registered
/// record of the same name in the community (a member: the same resident in the same
/// organization); the check lists each new record and each change old → new; a commit writes
/// everything or nothing and deletes nothing.
#[utoipa::path(post, path = "/api/v1/imports/{ledger}", tag = "registry",
    params(("ledger" = String, Path, description = "social-units, social-orgs or social-org-members"), SocialImportQuery),
    request_body(content = Vec<u8>, content_type = "text/csv"), security(("bearer" = [])),
    responses((status = 200, body = SocialImportReport), (status = 404, description = "no such ledger"), (status = 409, description = "a record changed since it was checked"),
              (status = 413), (status = 422, description = "unreadable file, missing columns, or a commit with errors")))]
async fn run_social(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(ledger): Path<String>,
    Query(q): Query<SocialImportQuery>,
    Upload(bytes): Upload,
) -> Result<Json<SocialImportReport>, AppError> {
    // Authorized in run_social_import: RegistryWrite
    let ledger = SocialLedger::parse(&ledger).ok_or_else(AppError::not_found)?;
    Ok(Json(
        run_social_import(&state, &ctx, ledger, q.community_id, &bytes, q.commit).await?,
    ))
}
