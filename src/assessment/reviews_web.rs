//! `/assessment/reviews`: the year's 评议考核奖励 on a page — each worker and head of the
//! communities the reader sees, the year's score from the records, and the review: recorded by
//! the head for a worker and by the street for a head (rule K3), from 1 December on.

use askama::Template;
use axum::extract::State;
use axum::response::Response;

use super::reviews::{Grade, ReviewInput, Reviews, ReviewsQuery, record, year_reviews};
use crate::auth::{CsrfForm, Ctx};
use crate::platform::AppState;
use crate::platform::error::AppError;
use crate::platform::flash::Done;
use crate::platform::forms::{Refused, Typed, again};
use crate::platform::i18n::Tr;
use crate::platform::input::Fields;
use crate::platform::web::{Chrome, Query, redirect_or_again};

#[derive(Template)]
#[template(path = "assessment/reviews.html")]
struct ReviewsPage {
    chrome: Chrome,
    t: Tr,
    r: Reviews,
    grades: &'static [Grade],
    refused: Refused,
    typed: Typed,
}

async fn render(
    state: &AppState,
    ctx: &Ctx,
    year: i16,
    refused: Option<(Typed, &AppError)>,
) -> Result<Response, AppError> {
    let r = year_reviews(state, ctx, year).await?;
    let (typed, err) = Typed::split(refused);
    again(
        &ReviewsPage {
            chrome: ctx.chrome(),
            t: ctx.t(),
            r,
            grades: Grade::ALL,
            refused: Refused::of(ctx.lang, &typed.form, err),
            typed,
        },
        err,
    )
}

pub async fn page(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<ReviewsQuery>,
) -> Result<Response, AppError> {
    // Authorized in render > year_reviews > reach: AssessmentRead
    let year = q.year()?;
    render(&state, &ctx, year, None).await
}

/// `POST /assessment/reviews`: one person's review of the year.
pub async fn submit(
    State(state): State<AppState>,
    CsrfForm(ctx, f): CsrfForm<Fields>,
) -> Result<Response, AppError> {
    // Authorized in record: WorkerReviewsRecord
    let year = ReviewsQuery {
        year: Some(f.get("year")),
    }
    .year()?;
    let user_id = f.id("user_id")?.unwrap_or(0);
    let i = ReviewInput {
        community_id: f.id("community_id")?.unwrap_or(0),
        user_id,
        year,
        grade: f.get("grade"),
        reward: f.get("reward"),
        comment: f.get("comment"),
    };
    let done = record(&state, &ctx, &i).await;
    let form = format!("review-{user_id}");
    redirect_or_again(
        done,
        |(_, name)| {
            Done::to(
                format!("/assessment/reviews?year={year}#person-{user_id}"),
                "assessment.done.review",
            )
            .arg("name", name)
            .arg("grade", ctx.t().of("grade", &i.grade))
        },
        async |e| render(&state, &ctx, year, Some((Typed::of(form.clone(), &f), &e))).await,
    )
    .await
}
