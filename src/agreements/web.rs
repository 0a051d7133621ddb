//! Agreements on pages (M20; the list and a new draft are in `list_web`): one agreement with both sides' obligations, and every move its term allows — add an
//! obligation and sign while a draft; check each obligation, record a breach and review it while
//! in force; renew it. The review list is the assembly's yearly paper. Each form calls the
//! function the API calls.

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use serde::Deserialize;

use super::Agreement;
use super::breaches::{Breach, breach_list, record_breach};
use super::performance::{
    CheckInput, Obligation, ObligationInput, add_obligation_to, check_obligation, obligation_list,
};
use super::term::{
    RenewInput, ReviewInput, ReviewList, ReviewQuery, SignInput, renew_agreement, review_agreement,
    review_items, sign_agreement,
};
use crate::auth::{Action, CsrfForm, Ctx};
use crate::platform::AppState;
use crate::platform::error::AppError;
use crate::platform::flash::Done;
use crate::platform::forms::{Refused, again};
use crate::platform::i18n::Tr;
use crate::platform::input::optional_id;
use crate::platform::web::{Chrome, Path, redirect_or_again};

/// Every field of every form on the agreement pages, as typed.
#[derive(Clone, Default, Deserialize)]
pub struct AgreementForm {
    #[serde(default)]
    pub building_id: String,
    #[serde(default)]
    pub household_id: String,
    #[serde(default)]
    pub template: String,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub valid_from: String,
    #[serde(default)]
    pub valid_to: String,
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub party: String,
    #[serde(default)]
    pub text: String,
    #[serde(default)]
    pub performance: String,
    #[serde(default)]
    pub on: String,
    #[serde(default)]
    pub method: String,
    #[serde(default)]
    pub obligation_id: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub remedy: String,
    #[serde(default)]
    pub note: String,
}

#[derive(Template)]
#[template(path = "agreements/agreement.html")]
struct AgreementPage {
    chrome: Chrome,
    t: Tr,
    a: Agreement,
    obligations: Vec<Obligation>,
    breaches: Vec<Breach>,
    /// The caller may move it (not only read it).
    manager: bool,
    f: AgreementForm,
    refused: Refused,
    today: String,
}

impl AgreementPage {
    fn side(&self, party: &str) -> Vec<&Obligation> {
        self.obligations
            .iter()
            .filter(|o| o.party == party)
            .collect()
    }
    fn typed<'a>(&'a self, form: &str, value: &'a str) -> &'a str {
        if self.refused.form == form { value } else { "" }
    }
}

async fn render_one(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    f: AgreementForm,
    form: &str,
    err: Option<&AppError>,
) -> Result<Response, AppError> {
    let a = super::read_audited(state, ctx, id, ": page").await?;
    let manager = ctx
        .require(Action::AgreementsManage, crate::auth::Target::At(a.place()))
        .is_ok();
    let refused = Refused::of(ctx.lang, form, err);
    again(
        &AgreementPage {
            chrome: ctx.chrome(),
            t: ctx.t(),
            obligations: obligation_list(state, id).await?,
            breaches: breach_list(state, id).await?,
            a,
            manager,
            f,
            refused,
            today: crate::platform::time::today().to_string(),
        },
        err,
    )
}

pub async fn agreement_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    // Authorized in render_one > super::read_audited > readable: AgreementsRead
    render_one(&state, &ctx, id, AgreementForm::default(), "", None).await
}

/// What a move on one agreement answers: back to the agreement with its confirmation, or the
/// page again with the form (`form`) as typed.
async fn moved<T>(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    f: AgreementForm,
    form: &str,
    done: Result<T, AppError>,
    key: &'static str,
) -> Result<Response, AppError> {
    redirect_or_again(
        done,
        |_| Done::to(format!("/agreements/{id}"), key),
        async |e| render_one(state, ctx, id, f, form, Some(&e)).await,
    )
    .await
}

pub async fn obligation_submit(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    CsrfForm(ctx, f): CsrfForm<AgreementForm>,
) -> Result<Response, AppError> {
    // Authorized in add_obligation_to > managed: AgreementsManage
    let o = ObligationInput {
        party: f.party.clone(),
        text: f.text.clone(),
    };
    let done = add_obligation_to(&state, &ctx, id, o).await;
    moved(
        &state,
        &ctx,
        id,
        f,
        "obligation",
        done,
        "agreements.done.obligation",
    )
    .await
}

pub async fn sign_submit(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    CsrfForm(ctx, f): CsrfForm<AgreementForm>,
) -> Result<Response, AppError> {
    // Authorized in sign_agreement > managed: AgreementsManage
    let s = SignInput {
        signed_on: Some(f.on.clone()),
        method: f.method.clone(),
    };
    let done = sign_agreement(&state, &ctx, id, s).await;
    moved(&state, &ctx, id, f, "sign", done, "agreements.done.signed").await
}

pub async fn check_submit(
    State(state): State<AppState>,
    Path((id, oid)): Path<(i64, i64)>,
    CsrfForm(ctx, f): CsrfForm<AgreementForm>,
) -> Result<Response, AppError> {
    // Authorized in check_obligation > managed: AgreementsManage
    let c = CheckInput {
        performance: f.performance.clone(),
        checked_on: None,
    };
    let done = check_obligation(&state, &ctx, (id, oid), c).await;
    let form = format!("check-{oid}");
    moved(&state, &ctx, id, f, &form, done, "agreements.done.checked").await
}

pub async fn breach_submit(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    CsrfForm(ctx, f): CsrfForm<AgreementForm>,
) -> Result<Response, AppError> {
    // Authorized in record_breach > managed: AgreementsManage
    let done = match optional_id("obligation_id", &f.obligation_id) {
        Ok(o) => {
            let b = Breach {
                id: 0,
                party: f.party.clone(),
                obligation_id: o,
                occurred_on: Some(f.on.clone()),
                description: f.description.clone(),
                remedy: f.remedy.clone(),
            };
            record_breach(&state, &ctx, id, b).await
        }
        Err(e) => Err(e),
    };
    moved(
        &state,
        &ctx,
        id,
        f,
        "breach",
        done,
        "agreements.done.breach",
    )
    .await
}

pub async fn review_submit(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    CsrfForm(ctx, f): CsrfForm<AgreementForm>,
) -> Result<Response, AppError> {
    // Authorized in review_agreement > managed: AgreementsManage
    let r = ReviewInput {
        note: f.note.clone(),
    };
    let done = review_agreement(&state, &ctx, id, r).await;
    moved(
        &state,
        &ctx,
        id,
        f,
        "review",
        done,
        "agreements.done.reviewed",
    )
    .await
}

pub async fn renew_submit(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    CsrfForm(ctx, f): CsrfForm<AgreementForm>,
) -> Result<Response, AppError> {
    // Authorized in renew_agreement > managed: AgreementsManage
    let r = RenewInput {
        valid_to: f.valid_to.clone(),
    };
    redirect_or_again(
        renew_agreement(&state, &ctx, id, r).await,
        |n| Done::to(format!("/agreements/{}", n.id), "agreements.done.renewed").arg("old", id),
        async |e| render_one(&state, &ctx, id, f, "renew", Some(&e)).await,
    )
    .await
}

#[derive(Template)]
#[template(path = "agreements/review.html")]
struct ReviewPage {
    chrome: Chrome,
    t: Tr,
    r: ReviewList,
    today: String,
}

pub async fn review_page(State(state): State<AppState>, ctx: Ctx) -> Result<Response, AppError> {
    // Authorized in review_items > search: AgreementsRead
    let r = review_items(&state, &ctx, ReviewQuery::default()).await?;
    crate::platform::web::page(&ReviewPage {
        chrome: ctx.chrome(),
        t: ctx.t(),
        r,
        today: crate::platform::time::today().to_string(),
    })
}

/// The agreement pages, at the paths staff and residents use.
pub fn pages() -> axum::Router<AppState> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route(
            "/agreements",
            get(super::list_web::list_page).post(super::list_web::draft_submit),
        )
        .route("/agreements/review", get(review_page))
        .route("/agreements/{id}", get(agreement_page))
        .route("/agreements/{id}/obligations", post(obligation_submit))
        .route(
            "/agreements/{id}/obligations/{obligation}",
            post(check_submit),
        )
        .route("/agreements/{id}/sign", post(sign_submit))
        .route("/agreements/{id}/breaches", post(breach_submit))
        .route("/agreements/{id}/review", post(review_submit))
        .route("/agreements/{id}/renew", post(renew_submit))
        .route("/me/agreements", get(super::mine::mine_page))
}
