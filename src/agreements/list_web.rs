//! The agreements list on a page (M20): the community's agreements by status and kind, and a
//! new draft from a template for a household picked by building.

use askama::Template;
use axum::extract::State;
use axum::response::Response;

use super::web::AgreementForm;
use super::{Agreement, AgreementQuery, NewAgreement, TEMPLATES, draft_agreement, listed};
use crate::auth::{Action, CsrfForm, Ctx};
use crate::platform::AppState;
use crate::platform::error::AppError;
use crate::platform::flash::Done;
use crate::platform::forms::{Refused, again};
use crate::platform::i18n::Tr;
use crate::platform::input::optional_id;
use crate::platform::web::{Chrome, Query, redirect_or_again};

pub const STATUSES: &[&str] = &["draft", "signed", "in_force", "reviewed", "lapsed", "ended"];

#[derive(Template)]
#[template(path = "agreements/list.html")]
struct ListPage {
    chrome: Chrome,
    t: Tr,
    writer: bool,
    templates: &'static [&'static str],
    statuses: &'static [&'static str],
    buildings: Vec<(i64, String)>,
    households: Vec<(i64, String)>,
    items: Vec<Agreement>,
    f: AgreementForm,
    refused: Refused,
}

async fn render_list(
    state: &AppState,
    ctx: &Ctx,
    mut f: AgreementForm,
    err: Option<&AppError>,
) -> Result<Response, AppError> {
    let q = AgreementQuery {
        status: Some(f.status.clone()).filter(|s| STATUSES.contains(&s.as_str())),
        template: Some(f.template.clone()).filter(|s| TEMPLATES.contains(&s.as_str())),
        ..Default::default()
    };
    let items = listed(state, ctx, &q).await?;
    let community = crate::daily::choices::community(ctx, Action::AgreementsManage);
    let (buildings, households) =
        crate::daily::choices::picked_households(state, community, &mut f.building_id).await?;
    again(
        &ListPage {
            chrome: ctx.chrome(),
            t: ctx.t(),
            writer: community.is_some(),
            templates: TEMPLATES,
            statuses: STATUSES,
            buildings,
            households,
            items,
            f,
            refused: Refused::of(ctx.lang, "draft", err),
        },
        err,
    )
}

pub async fn list_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(f): Query<AgreementForm>,
) -> Result<Response, AppError> {
    // Authorized in render_list > listed > search: AgreementsRead
    render_list(&state, &ctx, f, None).await
}

pub async fn draft_submit(
    State(state): State<AppState>,
    CsrfForm(ctx, f): CsrfForm<AgreementForm>,
) -> Result<Response, AppError> {
    // Authorized in draft_agreement: AgreementsManage
    let done = match optional_id("household_id", &f.household_id) {
        Ok(Some(h)) => {
            let n = NewAgreement {
                community_id: None,
                household_id: h,
                template: f.template.clone(),
                title: Some(f.title.clone()),
                valid_from: f.valid_from.clone(),
                valid_to: f.valid_to.clone(),
            };
            draft_agreement(&state, &ctx, n).await
        }
        // Who may not draft hears so, not that a household is missing.
        Ok(None) => {
            crate::registry::places::community_place(&state, &ctx, Action::AgreementsManage, None)
                .await
                .and(Err(AppError::invalid(
                    "household_id",
                    "agreements.pick_household",
                )))
        }
        Err(e) => Err(e),
    };
    redirect_or_again(
        done,
        |a| {
            Done::to(format!("/agreements/{}", a.id), "agreements.done.drafted")
                .arg("title", a.title)
                .arg("household", a.household)
        },
        async |e| {
            // The list comes back unfiltered, with the draft as typed.
            let mut g = f.clone();
            g.status.clear();
            render_list(&state, &ctx, g, Some(&e)).await
        },
    )
    .await
}
