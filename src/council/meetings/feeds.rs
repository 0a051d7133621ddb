//! 加入手机日历: each person's meetings as a feed a phone's calendar subscribes to. A phone
//! cannot send a bearer token, so the feed's address carries a private token of its own: made
//! on the person's page (`/me/calendar`) or by the API, shown once, kept only as its SHA-256,
//! one per account; making a new one or stopping it ends the old address at once. The feed
//! holds the meetings of the bodies the person sits on and, for a community's head and workers,
//! of their community's bodies, from a year back: titles, times and places only. The page also
//! offers the public feeds (each body's meetings, the open meetings) with the same button.

use askama::Template;
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use sqlx::Row;
use utoipa::ToSchema;

use super::{Meeting, SQL, from_row};
use crate::audit::{self, Entry};
use crate::auth::session::{random_token, token_hash};
use crate::auth::{Action, CsrfForm, Ctx, Scope, Target};
use crate::platform::AppState;
use crate::platform::error::AppError;
use crate::platform::i18n::Tr;
use crate::platform::input::Fields;
use crate::platform::time;
use crate::platform::web::{Chrome, Path, base_url, page};

/// A new feed address: the only time its token is shown.
#[derive(Serialize, ToSchema)]
pub struct FeedAddress {
    /// `https://…/calendar/feed/<token>.ics`: add it to a phone's calendar as a subscription.
    pub url: String,
    /// The same address as `webcal://`, which phones open in their calendar app.
    pub webcal: String,
}

/// The same address as phones open it in their calendar app.
fn webcal(url: &str) -> String {
    url.replacen("https://", "webcal://", 1)
        .replacen("http://", "webcal://", 1)
}

fn address(state: &AppState, headers: &HeaderMap, token: &str) -> FeedAddress {
    let url = format!("{}/calendar/feed/{token}.ics", base_url(state, headers));
    FeedAddress {
        webcal: webcal(&url),
        url,
    }
}

/// Makes the account's feed token anew (the old address stops working), audited.
async fn make(state: &AppState, ctx: &Ctx) -> Result<String, AppError> {
    ctx.require(Action::HomeView, Target::System)?;
    let user = ctx.user.as_ref().ok_or_else(AppError::unauthenticated)?;
    let token = random_token();
    let mut tx = state.db.begin().await?;
    sqlx::query("DELETE FROM calendar_feeds WHERE user_id = $1")
        .bind(user.id)
        .execute(&mut *tx)
        .await?;
    sqlx::query("INSERT INTO calendar_feeds (user_id, token_hash, created_at) VALUES ($1, $2, $3)")
        .bind(user.id)
        .bind(token_hash(&token))
        .bind(time::now_db())
        .execute(&mut *tx)
        .await?;
    audit::record(
        &mut tx,
        &ctx.actor(),
        Entry::new("calendar_feed.create", "user", user.id),
    )
    .await?;
    tx.commit().await?;
    Ok(token)
}

/// Stops the account's feed: its address answers 404 from now on. Audited.
async fn stop(state: &AppState, ctx: &Ctx) -> Result<(), AppError> {
    ctx.require(Action::HomeView, Target::System)?;
    let user = ctx.user.as_ref().ok_or_else(AppError::unauthenticated)?;
    let mut tx = state.db.begin().await?;
    let gone = sqlx::query("DELETE FROM calendar_feeds WHERE user_id = $1")
        .bind(user.id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    if gone == 0 {
        return Err(AppError::not_found());
    }
    audit::record(
        &mut tx,
        &ctx.actor(),
        Entry::new("calendar_feed.stop", "user", user.id),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

async fn has_feed(state: &AppState, user: i64) -> Result<bool, AppError> {
    Ok(
        sqlx::query("SELECT 1 AS x FROM calendar_feeds WHERE user_id = $1")
            .bind(user)
            .fetch_optional(state.db.read())
            .await?
            .is_some(),
    )
}

/// The person's meetings: of the bodies they sit on (as themselves or as the resident they
/// are), and of their community's bodies where they are its head or a worker today.
async fn meetings_of(state: &AppState, user: i64) -> Result<Vec<Meeting>, AppError> {
    let today = time::today();
    let since = time::day_start_db(today.saturating_sub(jiff::Span::new().years(1)));
    let today = today.to_string();
    let rows = sqlx::query(&format!(
        "{SQL} WHERE m.starts_at >= $1 AND (\
           m.body_id IN (SELECT bm.body_id FROM body_members bm WHERE bm.ended_at IS NULL \
             AND (bm.term_to IS NULL OR bm.term_to >= $2) AND (bm.user_id = $3 \
             OR bm.resident_id = (SELECT u.resident_id FROM users u WHERE u.id = $3))) \
           OR m.community_id IN (SELECT g.community_id FROM grants g WHERE g.user_id = $3 \
             AND g.role IN ('community_head', 'community_worker') AND g.revoked_at IS NULL \
             AND g.valid_from <= $2 AND (g.valid_to IS NULL OR g.valid_to >= $2))) \
         ORDER BY m.starts_at"
    ))
    .bind(since)
    .bind(&today)
    .bind(user)
    .fetch_all(state.db.read())
    .await?;
    Ok(rows.iter().map(from_row).collect::<Result<_, _>>()?)
}

/// `GET /calendar/feed/{token}.ics`: the person's meetings, for their phone's calendar.
pub async fn personal_feed(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(file): Path<String>,
) -> Result<Response, AppError> {
    // Public: the private token in the address is the credential (a phone's calendar cannot sign in).
    let token = file.strip_suffix(".ics").ok_or_else(AppError::not_found)?;
    let row = sqlx::query(
        "SELECT f.user_id, u.display_name FROM calendar_feeds f JOIN users u ON u.id = f.user_id \
         WHERE f.token_hash = $1 AND u.disabled = 0",
    )
    .bind(token_hash(token))
    .fetch_optional(state.db.read())
    .await?
    .ok_or_else(AppError::not_found)?;
    let user: i64 = row.try_get("user_id")?;
    let name: String = row.try_get("display_name")?;
    let meetings = meetings_of(&state, user).await?;
    let body = super::ics::calendar(&meetings, &format!("{name} · 会议"));
    let mut res = super::ics::conditional(&headers, &meetings, body);
    res.headers_mut().insert(
        axum::http::header::CACHE_CONTROL,
        axum::http::HeaderValue::from_static("private, no-cache"),
    );
    Ok(res)
}

/// One public feed the page offers.
pub struct PublicFeed {
    pub name: String,
    pub path: String,
}

#[derive(Template)]
#[template(path = "council/calendar_feeds.html")]
struct FeedsPage {
    chrome: Chrome,
    t: Tr,
    /// Just made: shown this once.
    made: Option<FeedAddress>,
    active: bool,
    stopped: bool,
    upcoming: usize,
    base: String,
    public: Vec<PublicFeed>,
}

async fn render(
    state: &AppState,
    ctx: &Ctx,
    headers: &HeaderMap,
    made: Option<FeedAddress>,
    stopped: bool,
) -> Result<Response, AppError> {
    ctx.require(Action::HomeView, Target::System)?;
    let user = ctx.user.as_ref().ok_or_else(AppError::unauthenticated)?;
    let now = time::now_db();
    let upcoming = meetings_of(state, user.id)
        .await?
        .iter()
        .filter(|m| m.starts_db >= now)
        .count();
    let scopes = super::super::bodies::visible_scopes(state, ctx).await?;
    let mut public = vec![PublicFeed {
        name: crate::platform::i18n::t(ctx.lang, "open_meetings.calendar").to_owned(),
        path: "/open-meetings.ics".into(),
    }];
    for r in sqlx::query("SELECT id, name, street_id, community_id FROM bodies ORDER BY id")
        .fetch_all(state.db.read())
        .await?
    {
        let street: i64 = r.try_get("street_id")?;
        let community: Option<i64> = r.try_get("community_id")?;
        let seen = scopes.iter().any(|s| match s {
            Scope::Street(x) => *x == street,
            Scope::Community(c) => community == Some(*c),
            Scope::Building(_) => false,
        });
        if seen {
            let id: i64 = r.try_get("id")?;
            public.push(PublicFeed {
                name: r.try_get("name")?,
                path: format!("/api/v1/meetings.ics?body_id={id}"),
            });
        }
    }
    page(&FeedsPage {
        chrome: ctx.chrome(),
        t: ctx.t(),
        active: made.is_some() || has_feed(state, user.id).await?,
        made,
        stopped,
        upcoming,
        base: webcal(&base_url(state, headers)),
        public,
    })
}

/// `GET /me/calendar`
pub async fn feeds_page(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    // Authorized in render: HomeView
    render(&state, &ctx, &headers, None, false).await
}

/// `POST /me/calendar`: `action=new` makes the address anew (shown once), `action=stop` ends it.
pub async fn feeds_submit(
    State(state): State<AppState>,
    headers: HeaderMap,
    CsrfForm(ctx, f): CsrfForm<Fields>,
) -> Result<Response, AppError> {
    ctx.require(Action::HomeView, Target::System)?;
    match f.get("action").as_str() {
        "new" => {
            let token = make(&state, &ctx).await?;
            let made = address(&state, &headers, &token);
            let mut res = render(&state, &ctx, &headers, Some(made), false).await?;
            // The token is in this page alone: never kept by a cache.
            res.headers_mut().insert(
                axum::http::header::CACHE_CONTROL,
                axum::http::HeaderValue::from_static("no-store"),
            );
            Ok(res)
        }
        "stop" => {
            stop(&state, &ctx).await?;
            render(&state, &ctx, &headers, None, true).await
        }
        _ => Err(AppError::invalid("action", "error.query_field").arg("field", "action")),
    }
}

/// Make the signed-in account's calendar feed address anew; the old one stops working. The
/// token is shown this once.
#[utoipa::path(post, path = "/api/v1/me/calendar-feed", tag = "council", security(("bearer" = [])),
    responses((status = 201, body = FeedAddress), (status = 401)))]
pub(super) async fn create_feed(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
) -> Result<(StatusCode, Json<FeedAddress>), AppError> {
    // Authorized in make: HomeView
    let token = make(&state, &ctx).await?;
    Ok((StatusCode::CREATED, Json(address(&state, &headers, &token))))
}

/// Stop the signed-in account's calendar feed: its address answers 404 from now on.
#[utoipa::path(delete, path = "/api/v1/me/calendar-feed", tag = "council", security(("bearer" = [])),
    responses((status = 204), (status = 401), (status = 404)))]
pub(super) async fn delete_feed(
    State(state): State<AppState>,
    ctx: Ctx,
) -> Result<Response, AppError> {
    // Authorized in stop: HomeView
    stop(&state, &ctx).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
