//! The minutes on paper (M6: 议事有记录): one printable page per meeting — the body, time and
//! place; who attended and who did not; the agenda with what was decided on each; the motions
//! with their tallies; the minutes as published; signature lines for the chair, the recorder
//! and every member present; and a QR code to the meeting's page, so that the paper in the
//! office binder and the record in zizhi can be checked against each other.

use askama::Template;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;

use super::conduct::{AttendanceSummary, attendance_summary};
use super::motions::{MotionView, motion_list};
use super::schedule::{Item, items};
use super::{Meeting, readable};
use crate::auth::Ctx;
use crate::platform::AppState;
use crate::platform::error::AppError;
use crate::platform::i18n::Tr;
use crate::platform::web::{Chrome, Path, page};

#[derive(Template)]
#[template(path = "council/minutes_print.html")]
struct MinutesPrint {
    chrome: Chrome,
    t: Tr,
    m: Meeting,
    items: Vec<Item>,
    attendance: AttendanceSummary,
    motions: Vec<MotionView>,
    qr: String,
    url: String,
    printed_on: String,
}

pub async fn minutes_print(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    // Authorized in readable: BodiesRead (whoever may read the meeting)
    let m = readable(&state, &ctx, id).await?;
    let url = format!(
        "{}/meetings/{id}",
        crate::platform::web::base_url(&state, &headers)
    );
    page(&MinutesPrint {
        chrome: ctx.chrome(),
        t: ctx.t(),
        items: items(&state, id).await?,
        attendance: attendance_summary(&state, id).await?,
        motions: motion_list(&state, id).await?,
        qr: crate::cases::posters::qr_svg(&url)?,
        url,
        printed_on: ctx.t().day_or_today(None),
        m,
    })
}
