//! The reception room on pages: `/reception`, the virtual reception room anyone may use (who
//! is on duty this week, and an online consultation answered in writing); `/reception/duty`,
//! the staff's roster and the walk-ins recorded against each duty.

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use sqlx::Row;

use super::reception::{Duty, DutyInput, DutyKind, add_duty, roster};
use crate::auth::{CsrfForm, Ctx};
use crate::platform::AppState;
use crate::platform::error::AppError;
use crate::platform::flash::Done;
use crate::platform::forms::{Refused, Typed, again};
use crate::platform::i18n::Tr;
use crate::platform::input::Fields;
use crate::platform::time;
use crate::platform::web::{Chrome, page, redirect_or_again};

#[derive(Template)]
#[template(path = "cases/reception.html")]
struct ReceptionPage {
    chrome: Chrome,
    t: Tr,
    /// This week's duty, by community name.
    week: Vec<(String, String, String, String)>,
}

/// `GET /reception`: the virtual reception room.
pub async fn room(State(state): State<AppState>, ctx: Ctx) -> Result<Response, AppError> {
    // Public: the reception room is open to every resident, signed in or not.
    let today = time::today();
    let until = today
        .checked_add(jiff::Span::new().days(6))
        .map_err(AppError::internal)?;
    let rows = sqlx::query(
        "SELECT c.name AS community, d.on_date, d.name, d.kind FROM reception_duty d JOIN communities c ON c.id = d.community_id \
         WHERE d.on_date >= $1 AND d.on_date <= $2 ORDER BY c.code, d.on_date, d.id",
    )
    .bind(today.to_string())
    .bind(until.to_string())
    .fetch_all(state.db.read())
    .await?;
    let week = rows
        .iter()
        .map(|r| {
            Ok((
                r.try_get("community")?,
                r.try_get("on_date")?,
                r.try_get("name")?,
                r.try_get("kind")?,
            ))
        })
        .collect::<Result<_, sqlx::Error>>()?;
    page(&ReceptionPage {
        chrome: ctx.chrome(),
        t: ctx.t(),
        week,
    })
}

#[derive(Template)]
#[template(path = "cases/reception_duty.html")]
struct DutyPage {
    chrome: Chrome,
    t: Tr,
    items: Vec<Duty>,
    kinds: &'static [DutyKind],
    today: String,
    refused: Refused,
    typed: Typed,
}

async fn render(
    state: &AppState,
    ctx: &Ctx,
    refused: Option<(Typed, &AppError)>,
) -> Result<Response, AppError> {
    let today = time::today().to_string();
    let items = roster(state, ctx, &today).await?;
    let (typed, err) = Typed::split(refused);
    again(
        &DutyPage {
            chrome: ctx.chrome(),
            t: ctx.t(),
            items,
            kinds: DutyKind::ALL,
            today,
            refused: Refused::of(ctx.lang, "duty", err),
            typed,
        },
        err,
    )
}

pub async fn duty_page(State(state): State<AppState>, ctx: Ctx) -> Result<Response, AppError> {
    // Authorized in render > roster: CaseHandle
    render(&state, &ctx, None).await
}

/// `POST /reception/duty`: someone put on the roster for a day.
pub async fn duty_submit(
    State(state): State<AppState>,
    CsrfForm(ctx, f): CsrfForm<Fields>,
) -> Result<Response, AppError> {
    // Authorized in add_duty: CaseHandle
    let i = DutyInput {
        community_id: None,
        on_date: f.get("on_date"),
        name: f.get("name"),
        kind: f.get("kind"),
    };
    let done = add_duty(&state, &ctx, &i).await;
    redirect_or_again(
        done,
        |_| {
            Done::to("/reception/duty", "reception.done.duty")
                .arg("name", i.name.trim())
                .arg("date", ctx.t().day(i.on_date.trim()))
        },
        async |e| render(&state, &ctx, Some((Typed::of("duty", &f), &e))).await,
    )
    .await
}
