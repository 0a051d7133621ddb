//! The import pages: upload a ledger (residents, stationed units, social organizations or their
//! members), see the dry run with every error by row and column and every change old → new,
//! then confirm. The uploaded file waits in the data folder between the two steps.

use crate::platform::web::Path;
use askama::Template;
use axum::extract::{Multipart, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::import::ImportReport;
use super::import::social::{SocialImportReport, SocialLedger};
use super::import_api::{ImportMode, run_import, run_import_with, run_social_import};
use crate::auth::{Action, CsrfForm, Ctx, Target};
use crate::platform::AppState;
use crate::platform::error::AppError;
use crate::platform::i18n::{Tr, tf};
use crate::platform::jobs::Job;
use crate::platform::web::{Chrome, page};
use std::sync::Arc;

#[derive(Template)]
#[template(path = "registry/import.html")]
struct ImportPage {
    chrome: Chrome,
    t: Tr,
    communities: Vec<(i64, String)>,
    /// The ledger chosen: one of `LEDGERS`.
    ledger: &'static str,
    /// The ledgers an import reads, with their labels.
    ledgers: &'static [(&'static str, &'static str)],
    report: Option<ImportReport>,
    /// The report of a social ledger's import (units, organizations, members).
    social: Option<SocialImportReport>,
    token: String,
    community_id: i64,
    /// The caller may create buildings (the head): the box is offered.
    builds: bool,
    /// This import creates the buildings its rows name.
    create_buildings: bool,
    /// The caller may export the ledger for re-import (the head): the link is offered.
    full_export: bool,
}

impl ImportPage {
    /// Whether this ledger is the one chosen.
    fn chosen(&self, ledger: &str) -> bool {
        self.ledger == ledger
    }

    /// The page with nothing checked yet.
    fn new(ctx: &Ctx, communities: Vec<(i64, String)>) -> ImportPage {
        ImportPage {
            chrome: ctx.chrome(),
            t: ctx.t(),
            communities,
            ledger: "residents",
            ledgers: LEDGERS,
            report: None,
            social: None,
            token: String::new(),
            community_id: 0,
            builds: builds(ctx),
            create_buildings: false,
            full_export: !ctx.scopes(Action::RegistryExportFull).is_empty(),
        }
    }
}

/// The ledgers an import reads, with their labels.
const LEDGERS: &[(&str, &str)] = &[
    ("residents", "import.ledger_residents"),
    ("social-units", "import.ledger_social_units"),
    ("social-orgs", "import.ledger_social_orgs"),
    ("social-org-members", "import.ledger_social_org_members"),
];

/// Whether the caller may create buildings in any of the communities they import into.
fn builds(ctx: &Ctx) -> bool {
    !ctx.scopes(Action::PlacesManage).is_empty()
}

async fn writable(state: &AppState, ctx: &Ctx) -> Result<Vec<(i64, String)>, AppError> {
    let ids = super::me_api::writable_communities(ctx);
    if ids.is_empty() {
        ctx.require(Action::RegistryWrite, Target::System)?;
        return Err(AppError::forbidden());
    }
    let mut out = Vec::new();
    for id in ids {
        out.push((
            id,
            super::places::scope_name(state.db.read(), crate::auth::Scope::Community(id)).await?,
        ));
    }
    Ok(out)
}

pub async fn form(State(state): State<AppState>, ctx: Ctx) -> Result<Response, AppError> {
    // Authorized in writable: RegistryWrite
    let communities = writable(&state, &ctx).await?;
    page(&ImportPage::new(&ctx, communities))
}

fn upload_dir(state: &AppState) -> std::path::PathBuf {
    state.config.data_dir().join("imports")
}

/// Step 1: the upload, checked but not written.
pub async fn upload(
    State(state): State<AppState>,
    ctx: Ctx,
    mut mp: Multipart,
) -> Result<Response, AppError> {
    // Authorized in writable: RegistryWrite
    let communities = writable(&state, &ctx).await?;
    let mut csrf = String::new();
    let mut community_id = 0;
    let mut create_buildings = false;
    let mut ledger = String::new();
    let mut bytes = Vec::new();
    while let Some(field) = mp
        .next_field()
        .await
        .map_err(|_| AppError::bad_request("error.bad_request"))?
    {
        match field.name() {
            Some("_csrf") => csrf = field.text().await.unwrap_or_default(),
            Some("community_id") => {
                community_id = field.text().await.unwrap_or_default().parse().unwrap_or(0)
            }
            Some("create_buildings") => create_buildings = true,
            Some("ledger") => ledger = field.text().await.unwrap_or_default(),
            Some("file") => {
                bytes = field
                    .bytes()
                    .await
                    .map_err(|_| {
                        AppError::new(axum::http::StatusCode::PAYLOAD_TOO_LARGE, "error.too_large")
                    })?
                    .to_vec()
            }
            _ => {}
        }
    }
    ctx.check_csrf(&csrf)?;
    if !communities.iter().any(|(id, _)| *id == community_id) {
        return Err(AppError::invalid("community_id", "input.unknown_community"));
    }
    if bytes.is_empty() {
        return Err(AppError::invalid("file", "import.empty"));
    }
    let mut out = ImportPage::new(&ctx, communities);
    out.community_id = community_id;
    let errors = if let Some(social) = SocialLedger::parse(&ledger) {
        let report = run_social_import(&state, &ctx, social, community_id, &bytes, false).await?;
        out.ledger = social.as_str();
        let errors = report.error_count;
        out.social = Some(report);
        errors
    } else {
        let mode = ImportMode {
            commit: false,
            create_buildings,
        };
        let report = run_import(&state, &ctx, community_id, &bytes, mode).await?;
        out.create_buildings = create_buildings;
        let errors = report.error_count;
        out.report = Some(report);
        errors
    };
    if errors == 0 {
        let token = crate::auth::session::random_token();
        let dir = upload_dir(&state);
        std::fs::create_dir_all(&dir).map_err(AppError::internal)?;
        let waiting = upload_name(&token, community_id, &suffix(out.ledger, create_buildings));
        std::fs::write(dir.join(waiting), &bytes).map_err(AppError::internal)?;
        out.token = token;
    }
    page(&out)
}

/// What was asked for besides the file: the ledger, or for residents whether buildings are
/// created.
fn suffix(ledger: &str, create_buildings: bool) -> String {
    match ledger {
        "residents" if create_buildings => "-b".into(),
        "residents" => String::new(),
        other => format!("-{other}"),
    }
}

/// The waiting upload's file name: what was asked for rides in it, so that the confirmation
/// does what was checked, not what a changed form says.
fn upload_name(token: &str, community_id: i64, suffix: &str) -> String {
    format!("{token}-{community_id}{suffix}.upload")
}

#[derive(Deserialize)]
pub struct Confirm {}

/// Step 2: the confirmed import, all or nothing.
pub async fn confirm(
    State(state): State<AppState>,
    Path((token, community_id)): Path<(String, i64)>,
    CsrfForm(ctx, _): CsrfForm<Confirm>,
) -> Result<Response, AppError> {
    // Authorized in run_import > run_import_with: RegistryWrite, PlacesManage
    if token.len() != 64 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(AppError::not_found());
    }
    // Whatever was asked for: each ledger, residents with or without new buildings.
    let asked = LEDGERS
        .iter()
        .flat_map(|(ledger, _)| [(*ledger, true), (*ledger, false)]);
    let (path, (ledger, create_buildings)) = asked
        .map(|a| {
            let name = upload_name(&token, community_id, &suffix(a.0, a.1));
            (upload_dir(&state).join(name), a)
        })
        .find(|(p, _)| p.exists())
        .ok_or_else(AppError::not_found)?;
    let bytes = std::fs::read(&path).map_err(|_| AppError::not_found())?;
    let _ = std::fs::remove_file(&path);
    if let Some(social) = SocialLedger::parse(ledger) {
        let report = run_social_import(&state, &ctx, social, community_id, &bytes, true).await?;
        let mut out = ImportPage::new(&ctx, writable(&state, &ctx).await?);
        out.ledger = social.as_str();
        out.community_id = community_id;
        out.social = Some(report);
        return page(&out);
    }
    let mut mode = ImportMode {
        commit: false,
        create_buildings,
    };
    let check = run_import(&state, &ctx, community_id, &bytes, mode).await?;
    let total = check.residents_new + check.residents_updated;
    mode.commit = true;
    if total < BACKGROUND_FROM {
        let report = run_import(&state, &ctx, community_id, &bytes, mode).await?;
        let mut out = ImportPage::new(&ctx, writable(&state, &ctx).await?);
        out.community_id = community_id;
        out.create_buildings = create_buildings;
        out.report = Some(report);
        return page(&out);
    }
    // A large import runs on; its page shows how far it has come.
    let job = crate::auth::session::random_token();
    state.jobs.insert(
        job.clone(),
        Job::new(community_id, ctx.user.as_ref().map(|u| u.id), total),
    );
    let (st, id) = (state.clone(), job.clone());
    tokio::spawn(async move {
        let jobs = st.jobs.clone();
        let tick = |n: usize| jobs.update(&id, |j| j.done = n);
        let outcome = run_import_with(&st, &ctx, community_id, &bytes, mode, &tick).await;
        let outcome = outcome.map_err(|e| match e.cause {
            Some(c) => {
                tracing::error!(error = ?c, "background import failed");
                "error.internal".to_owned()
            }
            None => tf(ctx.lang, e.key, &e.args),
        });
        let outcome = outcome.map(|r| Arc::new(r) as Arc<dyn std::any::Any + Send + Sync>);
        st.jobs.finish(&id, outcome);
    });
    Ok(Redirect::to(&format!("/import/jobs/{job}")).into_response())
}

/// Imports larger than this run in the background with a progress page.
const BACKGROUND_FROM: usize = 2000;

#[derive(Template)]
#[template(path = "registry/import_progress.html")]
struct ProgressPage {
    chrome: Chrome,
    t: Tr,
    done: usize,
    total: usize,
    percent: usize,
}

/// The progress of a background import, refreshing itself (no JavaScript), then its report.
pub async fn progress(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(job): Path<String>,
) -> Result<Response, AppError> {
    // Authorized in writable: RegistryWrite
    let j = state.jobs.get(&job).ok_or_else(AppError::not_found)?;
    if j.user_id != ctx.user.as_ref().map(|u| u.id) {
        return Err(AppError::not_found());
    }
    match j.outcome_as::<ImportReport>() {
        None => {
            let percent = (j.done * 100).checked_div(j.total).unwrap_or(0);
            let mut res = page(&ProgressPage {
                chrome: ctx.chrome(),
                t: ctx.t(),
                done: j.done,
                total: j.total,
                percent,
            })?;
            res.headers_mut().insert(
                axum::http::header::REFRESH,
                axum::http::HeaderValue::from_static("1"),
            );
            Ok(res)
        }
        Some(Ok(report)) => {
            let mut out = ImportPage::new(&ctx, writable(&state, &ctx).await?);
            out.community_id = j.community_id;
            out.create_buildings = !report.buildings_new.is_empty();
            out.report = Some(report);
            page(&out)
        }
        Some(Err(message)) => {
            Err(AppError::invalid("file", "import.failed").arg("message", message))
        }
    }
}
