//! The admission pages: the street office records a department's application (what, for which
//! communities, with what powers, money and legal basis, until when) and, once the leading
//! group has voted on it at its meeting, the decision with its reasons; communities see what is
//! admitted for them and report work handed down without admission.

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use serde::Deserialize;
use sqlx::Row;

use super::decision::{DecisionInput, decide_admission};
use super::unadmitted::{ReportInput, UnadmittedList};
use super::{Admission, AdmissionQuery, Application, KINDS, apply_for};
use crate::auth::{Action, CsrfForm, Ctx, Scope};
use crate::platform::AppState;
use crate::platform::error::AppError;
use crate::platform::flash::Done;
use crate::platform::forms::{Refused, again};
use crate::platform::i18n::Tr;
use crate::platform::web::{Chrome, Path, redirect_or_again};

/// Every field of the admission forms, as typed. The target communities come as `c_{id}`
/// boxes (a plain form cannot send a list).
#[derive(Clone, Default, Deserialize)]
pub struct AdmissionForm {
    #[serde(default)]
    applicant: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    content: String,
    #[serde(default)]
    powers: String,
    #[serde(default)]
    time_limit: String,
    #[serde(default)]
    funding: String,
    #[serde(default)]
    legal_basis: String,
    #[serde(default)]
    reason: String,
    /// Description and sender of a report of unadmitted work.
    #[serde(default)]
    sender: String,
    #[serde(default)]
    description: String,
    #[serde(flatten)]
    rest: std::collections::BTreeMap<String, String>,
}

impl AdmissionForm {
    fn targets(&self) -> Vec<i64> {
        self.rest
            .keys()
            .filter_map(|k| k.strip_prefix("c_")?.parse().ok())
            .collect()
    }
    fn targeted(&self, id: &i64) -> bool {
        self.rest.contains_key(&format!("c_{id}"))
    }
}

#[derive(Template)]
#[template(path = "admissions/index.html")]
struct AdmissionsPage {
    chrome: Chrome,
    t: Tr,
    items: Vec<Admission>,
    unadmitted: UnadmittedList,
    can_report: bool,
    /// The street's communities, when the caller records applications for it.
    communities: Vec<(i64, String)>,
    kinds: &'static [&'static str],
    f: AdmissionForm,
    refused: Refused,
}

impl AdmissionsPage {
    fn typed<'a>(&'a self, form: &str, value: &'a str) -> &'a str {
        if self.refused.form == form { value } else { "" }
    }
    fn names(&self, ids: &[i64]) -> String {
        ids.iter()
            .filter_map(|id| self.communities.iter().find(|(c, _)| c == id))
            .map(|(_, n)| n.as_str())
            .collect::<Vec<_>>()
            .join("、")
    }
}

async fn render(
    state: &AppState,
    ctx: &Ctx,
    f: AdmissionForm,
    form: &str,
    err: Option<&AppError>,
) -> Result<Response, AppError> {
    let items = super::visible_list(state, ctx, &AdmissionQuery { status: None }).await?;
    let unadmitted = super::unadmitted::listed(state, ctx).await?;
    let mut communities = Vec::new();
    for s in ctx.scopes(Action::AdmissionsManage) {
        if let Scope::Street(st) = s {
            for r in
                sqlx::query("SELECT id, name FROM communities WHERE street_id = $1 ORDER BY id")
                    .bind(st)
                    .fetch_all(state.db.read())
                    .await?
            {
                communities.push((r.try_get("id")?, r.try_get("name")?));
            }
        }
    }
    let refused = Refused::of(ctx.lang, form, err);
    again(
        &AdmissionsPage {
            chrome: ctx.chrome(),
            t: ctx.t(),
            items,
            unadmitted,
            can_report: !ctx.scopes(Action::FieldWork).is_empty(),
            communities,
            kinds: KINDS,
            f,
            refused,
        },
        err,
    )
}

pub async fn index(State(state): State<AppState>, ctx: Ctx) -> Result<Response, AppError> {
    // Authorized in render > super::visible_list: AdmissionsRead
    render(&state, &ctx, AdmissionForm::default(), "", None).await
}

pub async fn apply(
    State(state): State<AppState>,
    CsrfForm(ctx, f): CsrfForm<AdmissionForm>,
) -> Result<Response, AppError> {
    // Authorized in apply_for: AdmissionsManage
    let a = Application {
        applicant: f.applicant.clone(),
        kind: f.kind.clone(),
        title: f.title.clone(),
        content: f.content.clone(),
        target_communities: f.targets(),
        powers: f.powers.clone(),
        time_limit: f.time_limit.clone(),
        funding: f.funding.clone(),
        legal_basis: f.legal_basis.clone(),
    };
    redirect_or_again(
        apply_for(&state, &ctx, a).await,
        |a| {
            Done::to(
                format!("/admissions#admission-{}", a.id),
                "admissions.done.applied",
            )
            .arg("title", a.title)
        },
        async |e| render(&state, &ctx, f.clone(), "apply", Some(&e)).await,
    )
    .await
}

pub async fn decide(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    CsrfForm(ctx, f): CsrfForm<AdmissionForm>,
) -> Result<Response, AppError> {
    // Authorized in decide_admission: AdmissionsManage
    let d = DecisionInput {
        reason: f.reason.clone(),
    };
    redirect_or_again(
        decide_admission(&state, &ctx, id, d).await,
        |a| {
            Done::to(
                format!("/admissions#admission-{id}"),
                "admissions.done.decided",
            )
            .arg("title", a.title)
            .arg("status", ctx.t().of("admission_status", a.status.as_str()))
        },
        async |e| render(&state, &ctx, f.clone(), &format!("decide-{id}"), Some(&e)).await,
    )
    .await
}

pub async fn report(
    State(state): State<AppState>,
    CsrfForm(ctx, f): CsrfForm<AdmissionForm>,
) -> Result<Response, AppError> {
    // Authorized in super::unadmitted::file: FieldWork
    let input = ReportInput {
        community_id: None,
        sender: f.sender.clone(),
        description: f.description.clone(),
        received_on: None,
    };
    redirect_or_again(
        super::unadmitted::file(&state, &ctx, &input).await,
        |_| Done::to("/admissions", "admissions.done.reported"),
        async |e| render(&state, &ctx, f.clone(), "report", Some(&e)).await,
    )
    .await
}

/// The admissions pages, at the paths residents and staff use (`app.rs` merges every area's).
pub fn pages() -> axum::Router<crate::platform::AppState> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route("/admissions", get(index).post(apply))
        .route("/admissions/{id}/decision", post(decide))
        .route("/admissions/unadmitted", post(report))
}
