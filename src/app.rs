//! Wiring: the application state, the router with its middleware, and the server.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::{DefaultBodyLimit, MatchedPath, Request};
use axum::http::header;
use axum::middleware::{Next, from_fn, from_fn_with_state};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use axum_extra::extract::cookie::CookieJar;
use tower_http::trace::TraceLayer;
use utoipa::OpenApi;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa_axum::router::OpenApiRouter;

use crate::auth::{NewCsrfCookie, session};
use crate::platform::AppState;
use crate::platform::error::{AppError, render_errors};
use crate::platform::web;
use crate::{audit, cases};

#[derive(OpenApi)]
#[openapi(
    info(title = "zizhi API", description = "居民自治 — residents' self-governance. JSON under /api/v1."),
    modifiers(&BearerAuth)
)]
struct ApiDoc;

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// The `/api/v1` routes and their OpenAPI document, built together so that no route can be
/// missing from the document.
pub fn api() -> (Router<AppState>, utoipa::openapi::OpenApi) {
    let (router, doc) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(crate::auth::routes())
        .merge(crate::audit::routes())
        .merge(crate::registry::routes())
        .merge(crate::cases::routes())
        .merge(crate::council::routes())
        .merge(crate::disclosure::routes())
        .merge(crate::rules::routes())
        .merge(crate::daily::routes())
        .merge(crate::agreements::routes())
        .merge(crate::admissions::routes())
        .merge(crate::assessment::routes())
        .merge(crate::supervision::routes())
        .merge(crate::campaigns::routes())
        .merge(crate::home::routes())
        .split_for_parts();
    let mut doc = doc;
    crate::platform::openapi::finish(&mut doc);
    (router, doc)
}

pub fn router(state: AppState) -> Router {
    let (api, doc) = api();
    let doc = Arc::new(crate::platform::openapi::to_json(&doc));
    let json_limit = state.config.json_limit;
    let cors = open311_cors(&state.config.open311_cors_origins);
    Router::new()
        .merge(crate::home::pages())
        .merge(crate::auth::pages())
        .merge(crate::audit::pages())
        .merge(crate::cases::pages())
        .merge(crate::council::pages())
        .merge(crate::disclosure::pages())
        .merge(crate::daily::pages())
        .merge(crate::admissions::pages())
        .merge(crate::agreements::pages())
        .merge(crate::assessment::pages())
        .merge(crate::supervision::pages())
        .merge(crate::campaigns::pages())
        .merge(crate::rules::pages())
        .merge(crate::registry::pages())
        .route("/static/app.css", get(web::stylesheet))
        .route("/healthz", get(healthz))
        .route("/api/openapi.json", get(move || async move { Json(doc.as_ref().clone()) }))
        .merge(api)
        .merge(crate::open311::routes())
        .fallback(not_found)
        .layer(DefaultBodyLimit::max(json_limit))
        .layer(from_fn(web::api_door))
        .layer(from_fn_with_state(state.clone(), web::origin_check))
        .layer(from_fn_with_state(state.clone(), csrf_cookie))
        .layer(from_fn(render_errors))
        .layer(from_fn_with_state(state.clone(), crate::platform::flash::carry))
        .layer(from_fn_with_state(state.clone(), audit::refusals::record_refusals))
        .layer(from_fn(crate::platform::pii::mask_responses))
        .layer(from_fn_with_state(state.clone(), web::preferences))
        .layer(from_fn_with_state(state.clone(), web::security_headers))
        .layer(tower::util::option_layer(cors))
        .layer(TraceLayer::new_for_http().make_span_with(|req: &Request| {
            let route = req.extensions().get::<MatchedPath>().map(|p| p.as_str().to_owned());
            tracing::info_span!("request", method = %req.method(), route = route.as_deref().unwrap_or("(unmatched)"))
        }))
        .with_state(state)
}

/// CORS for Open311 alone, from the web origins the operator allowed (`open311_cors_origins`):
/// its credential is the API key a client sends, never a cookie. None configured, no layer.
fn open311_cors(origins: &[String]) -> Option<tower_http::cors::CorsLayer> {
    use axum::http::{HeaderValue, Method};
    use tower_http::cors::{AllowOrigin, CorsLayer};
    let allowed: Vec<HeaderValue> = origins.iter().filter_map(|o| o.parse().ok()).collect();
    if allowed.is_empty() {
        return None;
    }
    Some(
        CorsLayer::new()
            .allow_origin(AllowOrigin::predicate(move |origin, parts| {
                parts.uri.path().starts_with("/open311/") && allowed.contains(origin)
            }))
            .allow_methods([Method::GET, Method::POST])
            .allow_headers([header::CONTENT_TYPE])
            .max_age(std::time::Duration::from_secs(3600)),
    )
}

/// No route matches: distinct from a record that is not there (`error.not_found`).
async fn not_found() -> AppError {
    AppError::new(axum::http::StatusCode::NOT_FOUND, "error.no_route")
}

async fn healthz(axum::extract::State(state): axum::extract::State<AppState>) -> Response {
    // Public: a liveness probe that reveals nothing.
    if state.db.ping().await {
        ([(header::CONTENT_TYPE, "text/plain")], "ok").into_response()
    } else {
        AppError::unavailable().into_response()
    }
}

/// Gives a visitor without one a CSRF cookie, so that the login form can be protected before
/// there is a session.
async fn csrf_cookie(
    axum::extract::State(state): axum::extract::State<AppState>,
    mut req: Request,
    next: Next,
) -> Response {
    let jar = CookieJar::from_headers(req.headers());
    let minted =
        if jar.get(session::CSRF_COOKIE).is_none() && req.method() == axum::http::Method::GET {
            let token = session::random_token();
            req.extensions_mut().insert(NewCsrfCookie(token.clone()));
            Some(token)
        } else {
            None
        };
    let mut res = next.run(req).await;
    if let Some(token) = minted {
        res.headers_mut().append(
            header::SET_COOKIE,
            session::csrf_cookie(token, state.config.https()),
        );
    }
    res
}

/// Serves until Ctrl-C or SIGTERM.
pub async fn serve(state: AppState, listener: tokio::net::TcpListener) -> anyhow::Result<()> {
    let db = state.db.clone();
    // Overdue cases go on the supervision list within a minute; notifications go to the
    // webhook, if one is configured, within seconds.
    let sweeper = {
        let db = db.clone();
        let webhook = state.config.webhook_url.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(std::time::Duration::from_secs(5));
            let mut n: u64 = 0;
            loop {
                tick.tick().await;
                if n.is_multiple_of(12)
                    && let Err(e) = cases::list::sweep(&db).await
                {
                    tracing::warn!(error = %e, "supervision sweep failed");
                }
                // Retention, once at start and then daily.
                if n.is_multiple_of(17_280)
                    && let Err(e) =
                        crate::audit::retention::purge(&db, jiff::Timestamp::now()).await
                {
                    tracing::warn!(error = %e, "retention purge failed");
                }
                if let Some(url) = &webhook
                    && let Err(e) = cases::notify::deliver(&db, url).await
                {
                    tracing::warn!(error = %e, "webhook delivery failed; will retry");
                }
                n += 1;
            }
        })
    };
    let app = router(state).into_make_service_with_connect_info::<SocketAddr>();
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown_signal())
        .await?;
    sweeper.abort();
    db.close().await;
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}
