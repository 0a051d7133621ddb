//! Open meetings on a public page (M5, M6: 议事厅 and 恳谈 are open to residents): the
//! meetings a community has opened to residents, coming and of the last month, with their
//! time, place and agenda, readable without an account; and the same as a calendar feed a
//! phone subscribes to. Only what the notice board would show: no minutes before they are
//! published, no attendance, no votes.

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use serde::Deserialize;
use sqlx::Row;

use super::schedule::{Item, items};
use super::{Meeting, SQL, from_row};
use crate::platform::AppState;
use crate::platform::db::{Filter, Val, bind_vals};
use crate::platform::error::AppError;
use crate::platform::i18n::Tr;
use crate::platform::time;
use crate::platform::web::{Chrome, Query, page};

#[derive(Deserialize, Default)]
pub struct OpenQuery {
    #[serde(default)]
    pub community_id: Option<i64>,
}

/// The open meetings from a month back onwards, soonest first; of one community if asked.
pub async fn open_meetings(state: &AppState, q: &OpenQuery) -> Result<Vec<Meeting>, AppError> {
    let since = time::day_start_db(time::today().saturating_sub(jiff::Span::new().days(30)));
    let mut f = Filter::default();
    f.and("m.open_to_residents = 1", []);
    f.and("m.starts_at >= ?", [Val::T(since)]);
    if let Some(c) = q.community_id {
        f.and("m.community_id = ?", [Val::I(c)]);
    }
    let sql = format!("{SQL} {} ORDER BY m.starts_at LIMIT 200", f.sql());
    let rows = bind_vals(sqlx::query(&sql), &f.vals)
        .fetch_all(state.db.read())
        .await?;
    Ok(rows.iter().map(from_row).collect::<Result<_, _>>()?)
}

pub struct Shown {
    pub m: Meeting,
    pub community: String,
    pub items: Vec<Item>,
    pub coming: bool,
}

#[derive(Template)]
#[template(path = "council/open_meetings.html")]
struct OpenPage {
    chrome: Chrome,
    t: Tr,
    communities: Vec<(i64, String)>,
    community_id: Option<i64>,
    items: Vec<Shown>,
}

impl OpenPage {
    fn chosen(&self, id: &i64) -> bool {
        self.community_id == Some(*id)
    }
}

pub async fn open_page(
    State(state): State<AppState>,
    ctx: crate::auth::Ctx,
    Query(q): Query<OpenQuery>,
) -> Result<Response, AppError> {
    // Public: open meetings are announced to everyone, as on the notice board.
    let communities: Vec<(i64, String)> =
        sqlx::query("SELECT id, name FROM communities ORDER BY id")
            .fetch_all(state.db.read())
            .await?
            .iter()
            .map(|r| Ok((r.try_get("id")?, r.try_get("name")?)))
            .collect::<Result<_, sqlx::Error>>()?;
    let now = time::now_db();
    let mut shown = Vec::new();
    for m in open_meetings(&state, &q).await? {
        shown.push(Shown {
            community: crate::daily::choices::name_of(&communities, m.community_id),
            items: items(&state, m.id).await?,
            coming: m.ends_db >= now,
            m,
        });
    }
    page(&OpenPage {
        chrome: ctx.chrome(),
        t: ctx.t(),
        communities,
        community_id: q.community_id,
        items: shown,
    })
}

/// The open meetings as an iCalendar feed (`?community_id=` for one community's).
pub async fn open_feed(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
    Query(q): Query<OpenQuery>,
) -> Result<Response, AppError> {
    // Public: the same as the open meetings page, for a phone's calendar.
    let meetings = open_meetings(&state, &q).await?;
    let body = super::ics::calendar(
        &meetings,
        crate::platform::i18n::t(crate::platform::i18n::Lang::ZhCn, "open_meetings.calendar"),
    );
    Ok(super::ics::conditional(&headers, &meetings, body))
}
