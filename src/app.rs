//! Wiring: the application state, the router with its middleware, and the server.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::{DefaultBodyLimit, MatchedPath, Request};
use axum::http::header;
use axum::middleware::{Next, from_fn, from_fn_with_state};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use axum_extra::extract::cookie::CookieJar;
use tower_http::trace::TraceLayer;
use utoipa::OpenApi;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa_axum::router::OpenApiRouter;

use crate::auth::{self, NewCsrfCookie, session};
use crate::platform::AppState;
use crate::platform::error::{AppError, render_errors};
use crate::platform::web;
use crate::{audit, cases, council, daily, disclosure, home, registry, rules};

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
        .merge(auth::api::routes())
        .merge(audit::api::routes())
        .merge(registry::api_routes())
        .merge(cases::api::routes())
        .merge(crate::council::api_routes())
        .merge(crate::disclosure::routes())
        .merge(crate::rules::routes())
        .merge(crate::daily::routes())
        .merge(crate::agreements::routes())
        .merge(crate::admissions::routes())
        .merge(crate::assessment::routes())
        .merge(crate::supervision::routes())
        .merge(crate::campaigns::routes())
        .split_for_parts();
    let mut doc = doc;
    document_problems(&mut doc);
    (router, doc)
}

/// An error answer (RFC 9457 problem details), as `platform::error` renders it for the API.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
struct Problem {
    r#type: String,
    /// The kind of problem, in the user's language.
    title: String,
    status: u16,
    /// What is wrong, in the user's language.
    detail: String,
    /// The message key, stable across languages, e.g. `error.query_field`.
    code: String,
    /// The field or parameter at fault, if one is.
    field: Option<String>,
}

/// Every operation may answer with these problems besides what it documents itself: a
/// malformed body or query, no or a dead credential, a refusal, a missing record, a conflict,
/// a body too large or of the wrong type, invalid fields, too many requests.
fn document_problems(doc: &mut utoipa::openapi::OpenApi) {
    use utoipa::PartialSchema;
    use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder};
    const STATUSES: &[(&str, &str)] = &[
        ("400", "malformed request"),
        ("401", "not signed in, or the token is no longer valid"),
        ("403", "not allowed for this account or scope"),
        ("404", "no such record"),
        ("409", "conflicts with the record's state"),
        ("413", "body too large"),
        ("415", "body of the wrong content type"),
        ("422", "a field or parameter is missing or invalid"),
        ("429", "too many requests; see Retry-After"),
    ];
    doc.components
        .get_or_insert_with(Default::default)
        .schemas
        .insert("Problem".into(), Problem::schema());
    for item in doc.paths.paths.values_mut() {
        for op in [
            &mut item.get,
            &mut item.post,
            &mut item.put,
            &mut item.delete,
            &mut item.patch,
        ]
        .into_iter()
        .flatten()
        {
            for (status, what) in STATUSES {
                op.responses
                    .responses
                    .entry((*status).to_owned())
                    .or_insert_with(|| {
                        ResponseBuilder::new()
                            .description(*what)
                            .content(
                                "application/problem+json",
                                ContentBuilder::new()
                                    .schema(Some(Ref::from_schema_name("Problem")))
                                    .build(),
                            )
                            .build()
                            .into()
                    });
            }
        }
    }
}

pub fn router(state: AppState) -> Router {
    let (api, doc) = api();
    let doc = Arc::new(doc);
    let json_limit = state.config.json_limit;
    Router::new()
        .route("/", get(home::index))
        .route("/login", get(auth::web::login_page).post(auth::web::login_submit))
        .route("/logout", post(auth::web::logout))
        .route("/login/renew", post(auth::password_web::renew_submit))
        .route(
            "/account/password",
            get(auth::password_web::change_page).post(auth::password_web::change_submit),
        )
        .route("/audit", get(audit::web::index))
        .route("/report", get(cases::intake_web::report_form).post(cases::intake_web::report_submit))
        .route("/track", get(cases::intake_web::track_page))
        .route("/cases", get(cases::web::list_page))
        .route("/dashboard", get(cases::stats::dashboard))
        .route("/supervision", get(cases::web::supervision_page))
        .route("/notifications", get(cases::notify::page_get))
        .route("/notifications/read", post(cases::notify::read_all))
        .route("/posters/building/{id}", get(cases::posters::building_poster))
        .route("/posters/community/{id}", get(cases::posters::community_poster))
        .route("/cases/{id}", get(cases::web::case_page))
        .route("/cases/{id}/act", post(cases::web::act))
        .route("/cases/{id}/rate", post(cases::web::rate))
        .route("/cases/{id}/photos", post(cases::photos::upload).layer(DefaultBodyLimit::max(cases::photos::MAX_PHOTO + 64 * 1024)))
        .route("/cases/{id}/photos/{photo}", get(cases::photos::serve))
        .route("/meetings", get(council::meetings::web::list_page).post(council::meetings::web::schedule_submit))
        .route("/meetings/{id}", get(council::meetings::web::meeting_page))
        .route("/meetings/{id}/attendance", post(council::meetings::web::attendance_submit))
        .route("/meetings/{id}/motions", post(council::meetings::web::motion_submit))
        .route("/meetings/{id}/minutes", post(council::meetings::web::minutes_submit))
        .route("/meetings/{id}/comments", post(council::meetings::web::comment_submit))
        .route("/elections", get(council::elections::web::list_page))
        .route("/elections/{id}", get(council::elections::web::election_page))
        .route("/elections/{id}/objections", post(council::elections::web::object))
        .route("/elections/{id}/ballots", post(council::elections::web::vote))
        .route("/disclosures", get(disclosure::web::list_page).post(disclosure::web::create_submit))
        .route("/disclosures/new", get(disclosure::web::new_page))
        .route("/disclosures/verify", get(disclosure::web::verify_page))
        .route("/disclosures/timeliness", get(disclosure::web::timeliness_page))
        .route("/disclosures/{id}", get(disclosure::web::notice_page))
        .route("/disclosures/{id}/publish", post(disclosure::web::publish_submit))
        .route("/disclosures/{id}/objections", post(disclosure::web::object_submit))
        .route("/disclosures/{id}/print", get(disclosure::web::print_page))
        .route(
            "/disclosures/{id}/attachments",
            post(disclosure::attachments::upload).layer(DefaultBodyLimit::max(disclosure::attachments::MAX_ATTACHMENT + 64 * 1024)),
        )
        .route("/disclosures/{id}/attachments/{attachment}", get(disclosure::attachments::serve))
        .route("/notebooks", get(daily::web::notebook_page).post(daily::web::notebook_submit))
        .route("/visits/coverage", get(daily::web::coverage_page))
        .route("/admissions", get(crate::admissions::web::index))
        .route("/admissions/unadmitted", post(crate::admissions::web::report))
        .route("/assessment", get(crate::assessment::web::index))
        .route("/assessment/weights", post(crate::assessment::web::weights_submit))
        .route("/assessment/records", get(crate::assessment::web::records_page))
        .route("/street", get(crate::assessment::web::street))
        .route("/evaluations", get(crate::supervision::web::evaluations_page).post(crate::supervision::web::evaluation_submit))
        .route("/appraisals", get(crate::supervision::web::index).post(crate::supervision::web::create_submit))
        .route("/appraisals/{id}/ballot", post(crate::supervision::web::ballot_submit))
        .route("/appraisals/{id}/close", post(crate::supervision::web::close_submit))
        .route("/appraisals/{id}/disclose", post(crate::supervision::web::disclose_submit))
        .route("/campaigns", get(crate::campaigns::web::index).post(crate::campaigns::web::create_submit))
        .route("/campaigns/{id}/tasks", post(crate::campaigns::web::task_submit))
        .route("/campaigns/{id}/tasks/{task}/done", post(crate::campaigns::web::done_submit))
        .route("/campaigns/{id}/tasks/{task}/inspect", post(crate::campaigns::web::inspect_submit))
        .route("/rules", get(rules::web::list_page))
        .route("/rules/{id}", get(rules::web::rule_page))
        .route("/rules/{id}/comments", post(rules::web::comment_submit))
        .route("/places", get(registry::places_web::places_page))
        .route("/households", get(registry::households_web::list_page))
        .route("/organizations", get(registry::social::web::page_get))
        .route("/organizations/units", post(registry::social::web::add_unit))
        .route("/organizations/orgs", post(registry::social::web::add_org))
        .route("/households/{id}", get(registry::households_web::detail_page))
        .route("/residents", get(registry::web::residents_page))
        .route("/residents/new", get(registry::resident_form::new_form).post(registry::resident_form::create))
        .route("/residents/{id}", get(registry::web::resident_page))
        .route("/residents/{id}/edit", get(registry::resident_form::edit_form).post(registry::resident_form::update))
        .route("/residents/{id}/move", post(registry::resident_form::move_out))
        .route("/me", get(registry::web::me_page))
        .route("/me/corrections", post(registry::web::ask_correction))
        .route("/me/export", get(registry::rights_api::export))
        .route("/me/erasure", post(registry::rights_web::ask_erasure))
        .route("/corrections", get(registry::web::corrections_page))
        .route("/corrections/{id}", post(registry::web::answer_correction))
        .route("/erasure-requests/{id}", post(registry::rights_web::decide_erasure))
        .route(
            "/import",
            get(registry::import_web::form)
                .post(registry::import_web::upload)
                .layer(DefaultBodyLimit::max(registry::import_api::MAX_UPLOAD)),
        )
        .route("/import/{token}/{community}", post(registry::import_web::confirm))
        .route("/import/jobs/{job}", get(registry::import_web::progress))
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
        .layer(from_fn_with_state(state.clone(), audit::refusals::record_refusals))
        .layer(from_fn(crate::platform::pii::mask_responses))
        .layer(from_fn_with_state(state.clone(), web::preferences))
        .layer(from_fn_with_state(state.clone(), web::security_headers))
        .layer(TraceLayer::new_for_http().make_span_with(|req: &Request| {
            let route = req.extensions().get::<MatchedPath>().map(|p| p.as_str().to_owned());
            tracing::info_span!("request", method = %req.method(), route = route.as_deref().unwrap_or("(unmatched)"))
        }))
        .with_state(state)
}

/// No route matches: distinct from a record that is not there (`error.not_found`).
async fn not_found() -> AppError {
    AppError::new(axum::http::StatusCode::NOT_FOUND, "error.no_route")
}

async fn healthz(axum::extract::State(state): axum::extract::State<AppState>) -> Response {
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
