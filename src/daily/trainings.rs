//! Staff training (加强学习): the community's staff keep learning — how to work with residents
//! in new conditions, democratic means, the law, persuasion. Each session is recorded with its
//! topic and who of the community's staff attended (rule K5, `record_training`);
//! `/trainings` lists them with each person's count for the year.

use askama::Template;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Serialize};
use sqlx::Row;
use utoipa::ToSchema;

use crate::audit::{self, Entry};
use crate::auth::{Action, CsrfForm, Ctx, Target};
use crate::platform::AppState;
use crate::platform::error::AppError;
use crate::platform::flash::Done;
use crate::platform::forms::{Refused, Typed, again};
use crate::platform::i18n::Tr;
use crate::platform::input::{Fields, date_or_today, text};
use crate::platform::time;
use crate::platform::web::{ApiJson, Chrome, redirect_or_again};

#[derive(Clone, Serialize, ToSchema)]
pub struct Training {
    pub id: i64,
    /// YYYY-MM-DD.
    pub held_on: String,
    pub topic: String,
    pub trainer: String,
    /// Who attended, by name.
    pub attended: Vec<String>,
}

#[derive(Clone, Serialize, ToSchema)]
pub struct StaffMember {
    pub user_id: i64,
    pub name: String,
    /// Sessions attended this year.
    pub sessions: i64,
}

#[derive(Serialize, ToSchema)]
pub struct Trainings {
    pub community_id: i64,
    pub items: Vec<Training>,
    pub staff: Vec<StaffMember>,
}

#[derive(Clone, Default, Deserialize, ToSchema)]
pub struct TrainingInput {
    #[serde(default)]
    pub community_id: Option<i64>,
    /// YYYY-MM-DD, not in the future; today when empty.
    #[serde(default)]
    pub held_on: Option<String>,
    pub topic: String,
    #[serde(default)]
    pub trainer: String,
    /// Current workers and head of the community who attended (at least one).
    pub attended: Vec<i64>,
}

/// The community's current staff (workers and head), by name.
async fn staff_of(state: &AppState, community: i64) -> Result<Vec<(i64, String)>, AppError> {
    Ok(sqlx::query(
        "SELECT DISTINCT u.id, u.display_name FROM grants g JOIN users u ON u.id = g.user_id \
         WHERE g.community_id = $1 AND g.role IN ('community_worker', 'community_head') AND g.revoked_at IS NULL ORDER BY u.id",
    )
    .bind(community)
    .fetch_all(state.db.read())
    .await?
    .iter()
    .map(|r| Ok((r.try_get("id")?, r.try_get("display_name")?)))
    .collect::<Result<_, sqlx::Error>>()?)
}

/// The community's sessions (latest first) and each staff member's count this year.
pub async fn trainings(
    state: &AppState,
    ctx: &Ctx,
    community: Option<i64>,
) -> Result<Trainings, AppError> {
    let place =
        crate::registry::places::community_place(state, ctx, Action::FieldWorkRead, community)
            .await?;
    ctx.require(Action::FieldWorkRead, Target::At(place))?;
    let community = place.community_id.unwrap_or_default();
    let rows = sqlx::query(
        "SELECT id, held_on, topic, trainer FROM staff_trainings WHERE community_id = $1 ORDER BY held_on DESC, id DESC LIMIT 200",
    )
    .bind(community)
    .fetch_all(state.db.read())
    .await?;
    let mut items = Vec::new();
    for r in &rows {
        let id: i64 = r.try_get("id")?;
        let attended = sqlx::query(
            "SELECT name FROM staff_training_attendance WHERE training_id = $1 ORDER BY user_id",
        )
        .bind(id)
        .fetch_all(state.db.read())
        .await?
        .iter()
        .map(|a| a.try_get("name"))
        .collect::<Result<_, _>>()?;
        items.push(Training {
            id,
            held_on: r.try_get("held_on")?,
            topic: r.try_get("topic")?,
            trainer: r.try_get("trainer")?,
            attended,
        });
    }
    let year_start = format!("{}-01-01", time::today().year());
    let mut staff = Vec::new();
    for (id, name) in staff_of(state, community).await? {
        let sessions: i64 = sqlx::query(
            "SELECT COUNT(*) AS n FROM staff_training_attendance a JOIN staff_trainings t ON t.id = a.training_id \
             WHERE a.user_id = $1 AND t.community_id = $2 AND t.held_on >= $3",
        )
        .bind(id)
        .bind(community)
        .bind(&year_start)
        .fetch_one(state.db.read())
        .await?
        .try_get("n")?;
        staff.push(StaffMember {
            user_id: id,
            name,
            sessions,
        });
    }
    Ok(Trainings {
        community_id: community,
        items,
        staff,
    })
}

/// K5: a session of the community, held on a day that has come, attended by at least one of
/// its current staff and nobody else.
pub async fn record_training(
    state: &AppState,
    ctx: &Ctx,
    i: &TrainingInput,
) -> Result<i64, AppError> {
    let place =
        crate::registry::places::community_place(state, ctx, Action::FieldWork, i.community_id)
            .await?;
    ctx.require(Action::FieldWork, Target::At(place))?;
    let community = place.community_id.unwrap_or_default();
    let held = date_or_today("held_on", i.held_on.as_deref())?;
    let topic = text("topic", &i.topic, 200)?;
    let trainer = i.trainer.trim();
    if trainer.chars().count() > 50 {
        return Err(AppError::invalid("trainer", "input.bad_text").arg("max", 50));
    }
    let staff = staff_of(state, community).await?;
    let mut who = i.attended.clone();
    who.sort_unstable();
    who.dedup();
    if who.is_empty() {
        return Err(AppError::invalid("attended", "daily.training_nobody"));
    }
    let mut names = Vec::new();
    for u in &who {
        let name = staff
            .iter()
            .find(|(id, _)| id == u)
            .map(|(_, n)| n.clone())
            .ok_or_else(|| AppError::invalid("attended", "daily.training_not_staff"))?;
        names.push((*u, name));
    }
    let mut tx = state.db.begin().await?;
    let id: i64 = sqlx::query(
        "INSERT INTO staff_trainings (community_id, held_on, topic, trainer, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(community)
    .bind(held.to_string())
    .bind(&topic)
    .bind(trainer)
    .bind(ctx.signed_in()?.id)
    .bind(time::now_db())
    .fetch_one(&mut *tx)
    .await?
    .try_get("id")?;
    for (u, name) in &names {
        sqlx::query(
            "INSERT INTO staff_training_attendance (training_id, user_id, name) VALUES ($1, $2, $3)",
        )
        .bind(id)
        .bind(u)
        .bind(name)
        .execute(&mut *tx)
        .await?;
    }
    audit::record(
        &mut tx,
        &ctx.actor(),
        Entry::new("trainings.record", "staff_training", id)
            .at(place)
            .detail(format!("{held} {} attended", names.len())),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

#[derive(Template)]
#[template(path = "daily/trainings.html")]
struct TrainingsPage {
    chrome: Chrome,
    t: Tr,
    tr: Trainings,
    today: String,
    refused: Refused,
    typed: Typed,
}

impl TrainingsPage {
    fn ticked(&self, user: &i64) -> bool {
        self.typed.form == "training"
            && self
                .typed
                .fields
                .iter()
                .any(|(k, v)| k == "attended" && v == &user.to_string())
    }
}

async fn render(
    state: &AppState,
    ctx: &Ctx,
    community: Option<i64>,
    refused: Option<(Typed, &AppError)>,
) -> Result<Response, AppError> {
    let tr = trainings(state, ctx, community).await?;
    let (typed, err) = Typed::split(refused);
    again(
        &TrainingsPage {
            chrome: ctx.chrome(),
            t: ctx.t(),
            tr,
            today: time::today().to_string(),
            refused: Refused::of(ctx.lang, "training", err),
            typed,
        },
        err,
    )
}

pub async fn trainings_page(
    State(state): State<AppState>,
    ctx: Ctx,
    crate::platform::web::Query(q): crate::platform::web::Query<TrainingsQuery>,
) -> Result<Response, AppError> {
    // Authorized in render > trainings: FieldWorkRead
    render(&state, &ctx, q.community_id, None).await
}

/// `POST /trainings`: a session and who attended.
pub async fn training_submit(
    State(state): State<AppState>,
    CsrfForm(ctx, f): CsrfForm<Fields>,
) -> Result<Response, AppError> {
    // Authorized in record_training: FieldWork
    let done = match f.ids("attended") {
        Ok(attended) => {
            let i = TrainingInput {
                community_id: None,
                held_on: Some(f.get("held_on")),
                topic: f.get("topic"),
                trainer: f.get("trainer"),
                attended,
            };
            record_training(&state, &ctx, &i).await
        }
        Err(e) => Err(e),
    };
    redirect_or_again(
        done,
        |_| Done::to("/trainings", "daily.done.training").arg("topic", f.get("topic").trim()),
        async |e| render(&state, &ctx, None, Some((Typed::of("training", &f), &e))).await,
    )
    .await
}

/// The community's staff training sessions and each staff member's attendance this year.
#[derive(Deserialize, utoipa::IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct TrainingsQuery {
    /// The community (the street's officers name one); one's own by default.
    #[serde(default)]
    pub community_id: Option<i64>,
}

#[utoipa::path(get, path = "/api/v1/trainings", tag = "daily", params(TrainingsQuery), security(("bearer" = [])),
    responses((status = 200, body = Trainings), (status = 403), (status = 422)))]
pub(super) async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    crate::platform::web::Query(q): crate::platform::web::Query<TrainingsQuery>,
) -> Result<Json<Trainings>, AppError> {
    // Authorized in trainings: FieldWorkRead
    Ok(Json(trainings(&state, &ctx, q.community_id).await?))
}

#[derive(Serialize, ToSchema)]
pub struct TrainingRecorded {
    pub id: i64,
}

/// Record a training session and who of the community's staff attended.
#[utoipa::path(post, path = "/api/v1/trainings", tag = "daily", request_body = TrainingInput, security(("bearer" = [])),
    responses((status = 201, body = TrainingRecorded), (status = 403), (status = 422)))]
pub(super) async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiJson(i): ApiJson<TrainingInput>,
) -> Result<(StatusCode, Json<TrainingRecorded>), AppError> {
    // Authorized in record_training: FieldWork
    let id = record_training(&state, &ctx, &i).await?;
    Ok((StatusCode::CREATED, Json(TrainingRecorded { id })))
}
