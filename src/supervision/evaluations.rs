//! The supervisory board's evaluation (M10): a checklist — are disclosures complete, true and
//! timely; are residents' issues resolved on time; do cadres keep the charter and the
//! agreements — each check pre-filled with what zizhi's own records show, then judged by the
//! board (`ok` or `concern`, a concern with its note) and kept as signed.

use crate::platform::web::Query;
use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use sqlx::Row;
use utoipa::{IntoParams, ToSchema};

use crate::assessment::Period;
use crate::audit::{self, Entry};
use crate::auth::{Action, Ctx, Place, Target};
use crate::disclosure::timeliness::PeriodStatus;
use crate::platform::AppState;
use crate::platform::error::AppError;
use crate::platform::i18n::{Lang, t, tf};
use crate::platform::time;
use crate::platform::web::ApiJson;

pub const CHECKS: [&str; 6] = [
    "disclosure_complete",
    "disclosure_true",
    "disclosure_timely",
    "cases_on_time",
    "charter",
    "agreements",
];

crate::workflow_state! {
    /// The board's judgment on one check of its evaluation: in order, or a concern (which
    /// needs a note saying what is wrong).
    pub enum Verdict {
        Ok = "ok",
        Concern = "concern",
    }
}

impl Verdict {
    pub fn is_concern(self) -> bool {
        self == Verdict::Concern
    }
}

#[derive(Serialize, Deserialize, ToSchema, Clone, Debug)]
pub struct Check {
    /// disclosure_complete, disclosure_true, disclosure_timely, cases_on_time, charter or
    /// agreements.
    pub check: String,
    pub name: String,
    /// What the records show, in words.
    pub figure: String,
    /// Problems the records show (missing notices, corrections, late notices, cases answered
    /// late or overdue, council months missed, committee breaches).
    pub problems: i64,
    /// Pre-filled `ok` where the records show no problem.
    pub verdict: Verdict,
    pub note: String,
}

#[derive(Serialize, ToSchema, Clone, Debug)]
pub struct Evaluation {
    pub id: Option<i64>,
    pub community_id: i64,
    pub period: String,
    pub checklist: Vec<Check>,
    pub summary: String,
    pub created_at: Option<crate::platform::time::Instant>,
}

async fn place(state: &AppState, community: i64) -> Result<Place, AppError> {
    crate::registry::places::place_of_community(state.db.read(), community)
        .await?
        .ok_or_else(|| AppError::invalid("community_id", "input.unknown_community"))
}

/// The checklist pre-filled from the records of the community for the period.
pub async fn prefill(
    state: &AppState,
    community: i64,
    p: &Period,
    lang: Lang,
) -> Result<Vec<Check>, AppError> {
    let mut due = (0i64, 0i64, 0i64, 0i64);
    for tl in crate::disclosure::timeliness::of_community(
        state,
        community,
        p.from.year(),
        lang,
        time::today(),
    )
    .await?
    {
        for x in tl.periods {
            if x.due < p.from.to_string() || x.due > p.to.to_string() {
                continue;
            }
            due.0 += 1;
            match x.status {
                PeriodStatus::Missing => due.1 += 1,
                PeriodStatus::Late => due.2 += 1,
                PeriodStatus::Pending => due.0 -= 1,
                PeriodStatus::OnTime => {}
            }
        }
    }
    let corrections: i64 = sqlx::query(
        "SELECT COUNT(*) AS n FROM disclosures WHERE community_id = $1 AND status = 'published' AND corrects_id IS NOT NULL AND publish_date >= $2 AND publish_date <= $3",
    )
    .bind(community)
    .bind(p.from.to_string())
    .bind(p.to.to_string())
    .fetch_one(state.db.read())
    .await?
    .try_get("n")?;
    let counts = crate::assessment::components::counts(state, community, p, None).await?;
    let (on_time, answered) = counts[1].unwrap_or((0, 0));
    let overdue: i64 = sqlx::query(
        "SELECT COUNT(*) AS n FROM cases WHERE community_id = $1 AND status IN ('submitted', 'accepted', 'assigned', 'in_progress', 'reopened') AND deadline < $2",
    )
    .bind(community)
    .bind(time::now_db())
    .fetch_one(state.db.read())
    .await?
    .try_get("n")?;
    let (held, months) = counts[5].unwrap_or((0, 0));
    let (kept, agreements) = counts[6].unwrap_or((0, 0));
    let figures: [(i64, Vec<(&str, String)>); 6] = [
        (
            due.1,
            vec![("missing", due.1.to_string()), ("due", due.0.to_string())],
        ),
        (corrections, vec![("corrections", corrections.to_string())]),
        (
            due.2,
            vec![("late", due.2.to_string()), ("due", due.0.to_string())],
        ),
        (
            answered - on_time + overdue,
            vec![
                ("late", (answered - on_time).to_string()),
                ("answered", answered.to_string()),
                ("overdue", overdue.to_string()),
            ],
        ),
        (
            months - held,
            vec![
                ("missed", (months - held).to_string()),
                ("months", months.to_string()),
            ],
        ),
        (
            agreements - kept,
            vec![
                ("breached", (agreements - kept).to_string()),
                ("agreements", agreements.to_string()),
            ],
        ),
    ];
    Ok(CHECKS
        .iter()
        .zip(figures)
        .map(|(c, (problems, args))| Check {
            check: (*c).to_owned(),
            name: t(lang, &format!("evaluation_check.{c}")).to_owned(),
            figure: tf(lang, &format!("evaluation_figure.{c}"), &args),
            problems,
            verdict: if problems == 0 {
                Verdict::Ok
            } else {
                Verdict::Concern
            },
            note: String::new(),
        })
        .collect())
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EvaluationQuery {
    pub community_id: i64,
    /// 2026, 2026-Q4 or 2026-11; default this quarter.
    pub period: Option<String>,
}

/// The checklist as the records fill it, ready for the board's judgment.
#[utoipa::path(get, path = "/api/v1/evaluations/checklist", tag = "supervision", params(EvaluationQuery), security(("bearer" = [])),
    responses((status = 200, body = Evaluation), (status = 403), (status = 422)))]
pub(super) async fn checklist(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<EvaluationQuery>,
) -> Result<Json<Evaluation>, AppError> {
    let pl = place(&state, q.community_id).await?;
    ctx.require(Action::SupervisionRead, Target::At(pl))?;
    let p = crate::assessment::AssessmentQuery { period: q.period }.period()?;
    Ok(Json(Evaluation {
        id: None,
        community_id: q.community_id,
        period: p.label.clone(),
        checklist: prefill(&state, q.community_id, &p, ctx.lang).await?,
        summary: String::new(),
        created_at: None,
    }))
}

#[derive(Deserialize, ToSchema, Clone)]
pub struct Judgment {
    pub check: String,
    /// ok or concern.
    pub verdict: String,
    /// Required with a concern.
    #[serde(default)]
    pub note: String,
}

#[derive(Deserialize, ToSchema)]
pub struct EvaluationInput {
    pub community_id: i64,
    pub period: String,
    /// One judgment per check.
    pub judgments: Vec<Judgment>,
    pub summary: String,
}

pub async fn file(state: &AppState, ctx: &Ctx, e: &EvaluationInput) -> Result<i64, AppError> {
    let pl = place(state, e.community_id).await?;
    ctx.require(Action::EvaluationsWrite, Target::At(pl))?;
    let p = Period::parse(&e.period)?;
    let mut list = prefill(state, e.community_id, &p, ctx.lang).await?;
    for c in &mut list {
        let j = e
            .judgments
            .iter()
            .find(|j| j.check == c.check)
            .ok_or_else(|| {
                AppError::invalid("judgments", "evaluation.missing_check")
                    .arg("check", c.name.clone())
            })?;
        let verdict: Verdict = j.verdict.parse().map_err(|_| {
            AppError::invalid("judgments", "evaluation.bad_verdict").arg("check", c.name.clone())
        })?;
        let note = j.note.trim().to_owned();
        if note.chars().count() > 1000 {
            return Err(AppError::invalid("judgments", "input.bad_text").arg("max", 1000));
        }
        if verdict.is_concern() && note.is_empty() {
            return Err(
                AppError::invalid("judgments", "evaluation.concern_needs_note")
                    .arg("check", c.name.clone()),
            );
        }
        c.verdict = verdict;
        c.note = note;
    }
    let summary = crate::platform::input::text("summary", &e.summary, 4000)?;
    let mut tx = state.db.begin().await?;
    let id: i64 = sqlx::query(
        "INSERT INTO evaluations (street_id, community_id, period, checklist, summary, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(pl.street_id)
    .bind(e.community_id)
    .bind(&p.label)
    .bind(serde_json::to_string(&list).map_err(AppError::internal)?)
    .bind(&summary)
    .bind(ctx.user.as_ref().map(|u| u.id))
    .bind(time::now_db())
    .fetch_one(&mut *tx)
    .await?
    .try_get("id")?;
    let concerns = list.iter().filter(|c| c.verdict.is_concern()).count();
    audit::record(
        &mut tx,
        &ctx.actor(),
        Entry::new("evaluation.file", "evaluation", id)
            .at(pl)
            .detail(format!("{} · {concerns} concerns", p.label)),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Sign the evaluation: the board's judgment on each check, kept with the figures it saw.
#[utoipa::path(post, path = "/api/v1/evaluations", tag = "supervision", request_body = EvaluationInput, security(("bearer" = [])),
    responses((status = 201, body = Evaluation), (status = 403), (status = 422)))]
pub(super) async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiJson(e): ApiJson<EvaluationInput>,
) -> Result<(axum::http::StatusCode, Json<Evaluation>), AppError> {
    // Authorized in file: EvaluationsWrite
    let id = file(&state, &ctx, &e).await?;
    let ev = listed(&state, &ctx, e.community_id)
        .await?
        .into_iter()
        .find(|x| x.id == Some(id))
        .ok_or_else(AppError::not_found)?;
    Ok((axum::http::StatusCode::CREATED, Json(ev)))
}

/// The community's evaluations, newest first.
pub async fn listed(
    state: &AppState,
    ctx: &Ctx,
    community: i64,
) -> Result<Vec<Evaluation>, AppError> {
    let pl = place(state, community).await?;
    ctx.require(Action::SupervisionRead, Target::At(pl))?;
    let rows = sqlx::query(
        "SELECT id, period, checklist, summary, created_at FROM evaluations WHERE community_id = $1 ORDER BY id DESC",
    )
    .bind(community)
    .fetch_all(state.db.read())
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Evaluation {
                id: Some(r.try_get("id")?),
                community_id: community,
                period: r.try_get("period")?,
                checklist: serde_json::from_str(&r.try_get::<String, _>("checklist")?)
                    .map_err(AppError::internal)?,
                summary: r.try_get("summary")?,
                created_at: Some(r.try_get("created_at")?),
            })
        })
        .collect()
}

#[derive(Serialize, ToSchema)]
pub struct EvaluationList {
    pub items: Vec<Evaluation>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    pub community_id: i64,
}

#[utoipa::path(get, path = "/api/v1/evaluations", tag = "supervision", params(ListQuery), security(("bearer" = [])),
    responses((status = 200, body = EvaluationList), (status = 403)))]
pub(super) async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<ListQuery>,
) -> Result<Json<EvaluationList>, AppError> {
    // Authorized in listed: SupervisionRead
    Ok(Json(EvaluationList {
        items: listed(&state, &ctx, q.community_id).await?,
    }))
}
