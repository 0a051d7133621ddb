//! The weekly bulletin on a page (民情通报, M14): staff draft this week's from the records with one
//! button, correct the draft and publish it; the council and the board read what is published.

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use serde::Deserialize;

use super::bulletins::{
    Bulletin, DraftInput, EditInput, bulletins_of, draft_bulletin, edit_bulletin, publish_bulletin,
};
use super::choices;
use super::patrols::DatedQuery;
use crate::auth::{Action, CsrfForm, Ctx};
use crate::platform::AppState;
use crate::platform::error::AppError;
use crate::platform::flash::Done;
use crate::platform::forms::{Refused, again};
use crate::platform::i18n::Tr;
use crate::platform::web::{Chrome, Path, redirect_or_again};

#[derive(Clone, Default, Deserialize)]
pub struct BulletinForm {
    #[serde(default)]
    pub week: String,
    #[serde(default)]
    pub body: String,
}

#[derive(Template)]
#[template(path = "daily/bulletins.html")]
struct BulletinsPage {
    chrome: Chrome,
    t: Tr,
    writer: bool,
    items: Vec<Bulletin>,
    f: BulletinForm,
    refused: Refused,
}

impl BulletinsPage {
    /// The draft's text: as typed when its form came back, else as stored.
    fn body_of<'a>(&'a self, b: &'a Bulletin) -> &'a str {
        if self.refused.form == format!("edit-{}", b.id) {
            &self.f.body
        } else {
            &b.body
        }
    }
}

async fn render(
    state: &AppState,
    ctx: &Ctx,
    f: BulletinForm,
    form: &str,
    err: Option<&AppError>,
) -> Result<Response, AppError> {
    let list = bulletins_of(state, ctx, DatedQuery::default()).await?;
    let refused = Refused::of(ctx.lang, form, err);
    again(
        &BulletinsPage {
            chrome: ctx.chrome(),
            t: ctx.t(),
            writer: choices::community(ctx, Action::FieldWork).is_some(),
            items: list.items,
            f,
            refused,
        },
        err,
    )
}

pub async fn bulletins_page(State(state): State<AppState>, ctx: Ctx) -> Result<Response, AppError> {
    // Authorized in render > bulletins_of: FieldWorkRead
    render(&state, &ctx, BulletinForm::default(), "", None).await
}

pub async fn bulletins_draft(
    State(state): State<AppState>,
    CsrfForm(ctx, f): CsrfForm<BulletinForm>,
) -> Result<Response, AppError> {
    // Authorized in draft_bulletin: FieldWork
    let d = DraftInput {
        community_id: None,
        week: Some(f.week.clone()),
    };
    redirect_or_again(
        draft_bulletin(&state, &ctx, d).await,
        |b| {
            Done::to(
                format!("/bulletins#bulletin-{}", b.id),
                "daily.done.bulletin_drafted",
            )
            .arg("week", ctx.t().day(&b.week_start))
        },
        async |e| render(&state, &ctx, f.clone(), "draft", Some(&e)).await,
    )
    .await
}

pub async fn bulletins_edit(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    CsrfForm(ctx, f): CsrfForm<BulletinForm>,
) -> Result<Response, AppError> {
    // Authorized in edit_bulletin > draft_of: FieldWork
    let e = EditInput {
        body: f.body.clone(),
    };
    redirect_or_again(
        edit_bulletin(&state, &ctx, id, e).await,
        |b| {
            Done::to(
                format!("/bulletins#bulletin-{id}"),
                "daily.done.bulletin_saved",
            )
            .arg("week", ctx.t().day(&b.week_start))
        },
        async |e| render(&state, &ctx, f.clone(), &format!("edit-{id}"), Some(&e)).await,
    )
    .await
}

pub async fn bulletins_publish(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    CsrfForm(ctx, f): CsrfForm<BulletinForm>,
) -> Result<Response, AppError> {
    // Authorized in publish_bulletin > draft_of: FieldWork
    redirect_or_again(
        publish_bulletin(&state, &ctx, id).await,
        |b| {
            Done::to(
                format!("/bulletins#bulletin-{id}"),
                "daily.done.bulletin_published",
            )
            .arg("week", ctx.t().day(&b.week_start))
        },
        async |e| render(&state, &ctx, f.clone(), &format!("edit-{id}"), Some(&e)).await,
    )
    .await
}
