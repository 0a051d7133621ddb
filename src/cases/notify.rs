//! Notifications: each transition tells the submitter and the assignee in the app (the outbox),
//! and a deployment may forward them to an SMS or WeChat gateway through a webhook
//! (`webhook_url` in zizhi.toml; see docs/webhook.md).

use askama::Template;
use axum::Json;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use serde::{Deserialize, Serialize};
use sqlx::Row;
use utoipa::ToSchema;

use crate::auth::{CsrfForm, Ctx};
use crate::platform::AppState;
use crate::platform::db::Db;
use crate::platform::error::AppError;
use crate::platform::i18n::{Lang, Tr, tf};
use crate::platform::time;
use crate::platform::web::{Chrome, page};

/// M12 (rule C12): an instability report (不稳定因素) reaches the street office as well: each
/// street officer of the street is told in their messages that one was filed and where, never
/// what it says (the case is sensitive; the community handles it).
pub(super) async fn instability_to_street(
    tx: &mut crate::platform::db::Tx,
    community: i64,
    street: Option<i64>,
    id: i64,
    at: &str,
) -> Result<(), AppError> {
    let community: String = sqlx::query("SELECT name FROM communities WHERE id = $1")
        .bind(community)
        .fetch_one(&mut **tx)
        .await?
        .try_get("name")?;
    let officers = sqlx::query(
        "SELECT DISTINCT user_id FROM grants WHERE role = 'street_officer' AND street_id = $1 AND revoked_at IS NULL",
    )
    .bind(street)
    .fetch_all(&mut **tx)
    .await?;
    let message = crate::platform::i18n::tf(
        crate::platform::i18n::Lang::ZhCn,
        "cases.instability_to_street",
        &[("community", community), ("id", id.to_string())],
    );
    for o in &officers {
        sqlx::query("INSERT INTO outbox (user_id, case_id, kind, message, created_at) VALUES ($1, $2, 'instability', $3, $4)")
            .bind(o.try_get::<i64, _>("user_id")?)
            .bind(id)
            .bind(&message)
            .bind(at)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

/// What a notification says, in natural words: to the resident who raised the case ("您反映的
/// “楼道灯坏了”已答复：…"), or to the staff handling it ("交办给您：诉求 #386“楼道灯坏了”").
/// `kind` is the transition (`accept`, `reply`…) or `reopened` (the resident was not satisfied);
/// `what` the case's description, shortened; `reply` the answer or the reason, if any.
pub fn text(
    lang: Lang,
    kind: &str,
    to_submitter: bool,
    id: i64,
    what: &str,
    reply: &str,
) -> String {
    let what = match what.trim().char_indices().nth(20) {
        Some((i, _)) => format!("{}…", &what.trim()[..i]),
        None => what.trim().to_owned(),
    };
    let key = match (to_submitter, kind) {
        (true, "accept" | "assign" | "start" | "reply" | "close" | "reject" | "reopen") => {
            format!("cases.notice.mine_{kind}")
        }
        (false, "assign" | "reopened") => format!("cases.notice.staff_{kind}"),
        _ => "cases.notice.staff".to_owned(),
    };
    let action = crate::platform::i18n::t(lang, &format!("case_action.{kind}"));
    tf(
        lang,
        &key,
        &[
            ("id", id.to_string()),
            ("what", what),
            ("reply", reply.trim().to_owned()),
            ("action", action.to_owned()),
        ],
    )
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Notification {
    pub id: i64,
    pub case_id: Option<i64>,
    pub kind: String,
    /// As it was sent (in Chinese, to the gateway).
    pub message: String,
    /// In the reader's language.
    pub text: String,
    pub created_at: crate::platform::time::Instant,
    pub read: bool,
}

#[derive(Serialize, ToSchema)]
pub struct NotificationList {
    pub items: Vec<Notification>,
    pub unread: i64,
}

pub async fn mine(state: &AppState, ctx: &Ctx) -> Result<NotificationList, AppError> {
    let me = ctx.user.as_ref().ok_or_else(AppError::unauthenticated)?;
    let rows = sqlx::query(
        "SELECT o.id, o.case_id, o.kind, o.message, o.created_at, o.read_at, k.description, k.reply, k.submitter_user_id, \
         cm.name AS community FROM outbox o LEFT JOIN cases k ON k.id = o.case_id LEFT JOIN communities cm ON cm.id = k.community_id \
         WHERE o.user_id = $1 ORDER BY o.id DESC LIMIT 100",
    )
        .bind(me.id)
        .fetch_all(state.db.read())
        .await?;
    let items: Vec<Notification> = rows
        .iter()
        .map(|r| {
            let case_id: Option<i64> = r.try_get("case_id")?;
            let kind: String = r.try_get("kind")?;
            let message: String = r.try_get("message")?;
            let text = match case_id {
                // The street is told where, never what (rule C12).
                Some(id) if kind == "instability" => tf(
                    ctx.lang,
                    "cases.instability_to_street",
                    &[
                        (
                            "community",
                            r.try_get::<Option<String>, _>("community")?
                                .unwrap_or_default(),
                        ),
                        ("id", id.to_string()),
                    ],
                ),
                Some(id) => text(
                    ctx.lang,
                    &kind,
                    r.try_get::<Option<i64>, _>("submitter_user_id")? == Some(me.id),
                    id,
                    &r.try_get::<Option<String>, _>("description")?
                        .unwrap_or_default(),
                    &r.try_get::<Option<String>, _>("reply")?.unwrap_or_default(),
                ),
                None => message.clone(),
            };
            Ok(Notification {
                id: r.try_get("id")?,
                case_id,
                kind,
                message,
                text,
                created_at: r.try_get("created_at")?,
                read: r.try_get::<Option<String>, _>("read_at")?.is_some(),
            })
        })
        .collect::<Result<_, sqlx::Error>>()?;
    let unread = items.iter().filter(|n| !n.read).count() as i64;
    Ok(NotificationList { items, unread })
}

/// The signed-in user's notifications, newest first.
#[utoipa::path(get, path = "/api/v1/notifications", tag = "cases", security(("bearer" = [])),
    responses((status = 200, body = NotificationList), (status = 401)))]
pub(super) async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
) -> Result<Json<NotificationList>, AppError> {
    ctx.signed_in()?;
    Ok(Json(mine(&state, &ctx).await?))
}

async fn mark_read(state: &AppState, ctx: &Ctx) -> Result<(), AppError> {
    let me = ctx.user.as_ref().ok_or_else(AppError::unauthenticated)?;
    let mut tx = state.db.begin().await?;
    let n = sqlx::query("UPDATE outbox SET read_at = $1 WHERE user_id = $2 AND read_at IS NULL")
        .bind(time::now_db())
        .bind(me.id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    let entry = crate::audit::Entry::new("notifications.read", "account", &me.username)
        .detail(format!("{n} read"));
    crate::audit::record(&mut tx, &ctx.actor(), entry).await?;
    tx.commit().await?;
    Ok(())
}

#[derive(Template)]
#[template(path = "cases/notifications.html")]
struct NotificationsPage {
    chrome: Chrome,
    t: Tr,
    items: Vec<(String, Notification)>,
}

pub async fn page_get(State(state): State<AppState>, ctx: Ctx) -> Result<Response, AppError> {
    ctx.signed_in()?;
    let list = mine(&state, &ctx).await?;
    let items = list
        .items
        .into_iter()
        .map(|n| (n.created_at.show(ctx.lang), n))
        .collect();
    page(&NotificationsPage {
        chrome: ctx.chrome(),
        t: ctx.t(),
        items,
    })
}

#[derive(Deserialize)]
pub struct Empty {}

pub async fn read_all(
    State(state): State<AppState>,
    CsrfForm(ctx, _): CsrfForm<Empty>,
) -> Result<Response, AppError> {
    ctx.signed_in()?;
    mark_read(&state, &ctx).await?;
    Ok(Redirect::to("/notifications").into_response())
}

/// One delivery to the webhook: what the gateway receives.
#[derive(Serialize)]
struct Delivery {
    id: i64,
    user: String,
    case_id: Option<i64>,
    kind: String,
    message: String,
    created_at: String,
}

/// Sends undelivered notifications to the webhook (up to 100), marking those it accepted
/// (2xx). Returns how many were delivered.
pub async fn deliver(db: &Db, webhook: &str) -> anyhow::Result<usize> {
    let rows = sqlx::query(
        "SELECT o.id, u.username, o.case_id, o.kind, o.message, o.created_at FROM outbox o JOIN users u ON u.id = o.user_id \
         WHERE o.delivered_at IS NULL ORDER BY o.id LIMIT 100",
    )
    .fetch_all(db.read())
    .await?;
    if rows.is_empty() {
        return Ok(0);
    }
    let batch: Vec<Delivery> = rows
        .iter()
        .map(|r| {
            Ok(Delivery {
                id: r.try_get("id")?,
                user: r.try_get("username")?,
                case_id: r.try_get("case_id")?,
                kind: r.try_get("kind")?,
                message: r.try_get("message")?,
                created_at: r.try_get("created_at")?,
            })
        })
        .collect::<Result<_, sqlx::Error>>()?;
    let body = serde_json::to_vec(&batch)?;
    let client = hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
        .build(hyper_util::client::legacy::connect::HttpConnector::new());
    let req = hyper::Request::post(webhook)
        .header("content-type", "application/json")
        .body(http_body_util::Full::new(axum::body::Bytes::from(body)))?;
    let res =
        tokio::time::timeout(std::time::Duration::from_secs(10), client.request(req)).await??;
    if !res.status().is_success() {
        anyhow::bail!("webhook answered {}", res.status());
    }
    let mut tx = db.begin().await?;
    let now = time::now_db();
    for d in &batch {
        sqlx::query("UPDATE outbox SET delivered_at = $1 WHERE id = $2")
            .bind(&now)
            .bind(d.id)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(batch.len())
}
