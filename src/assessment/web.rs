//! The assessment pages: the ranking with its trend chart and weights, the drill-down, and the
//! street dashboard.

use crate::platform::flash::Done;
use crate::platform::web::Query;
use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use sqlx::Row;

use super::charts::{Chart, Line, sparkline, trend};
use super::compute::Assessment;
use super::records::{Records, RecordsQuery};
use super::{AssessmentQuery, COMPONENTS, Weight, assess};
use crate::auth::{Action, CsrfForm, Ctx};
use crate::platform::AppState;
use crate::platform::error::AppError;
use crate::platform::i18n::{Tr, tf};
use crate::platform::web::{Chrome, page};

/// A component of a community whose score is well below the street's mean for it (by more
/// than 15 points): flagged, in words as well as by mark.
pub fn outliers(a: &Assessment) -> Vec<(i64, String)> {
    let mut out = Vec::new();
    for code in COMPONENTS {
        let scores: Vec<(i64, f64)> = a
            .communities
            .iter()
            .filter_map(|r| {
                r.components.as_ref().and_then(|cs| {
                    cs.iter()
                        .find(|c| c.component == code)
                        .and_then(|c| c.score)
                        .map(|s| (r.community_id, s))
                })
            })
            .collect();
        if scores.len() < 2 {
            continue;
        }
        let mean = scores.iter().map(|s| s.1).sum::<f64>() / scores.len() as f64;
        for (c, s) in scores {
            if s < mean - 0.15 {
                out.push((c, code.to_owned()));
            }
        }
    }
    out
}

#[derive(Template)]
#[template(path = "assessment/index.html")]
struct AssessmentPage {
    chrome: Chrome,
    t: Tr,
    a: Assessment,
    chart: Chart,
    outliers: Vec<(i64, String)>,
    can_configure: bool,
    error: String,
}

impl AssessmentPage {
    fn flagged(&self, community: &i64, code: &str) -> bool {
        self.outliers
            .iter()
            .any(|(c, x)| c == community && x == code)
    }
}

fn pct(s: &Option<f64>) -> String {
    s.map_or("—".to_owned(), |s| format!("{:.1}%", s * 100.0))
}

impl AssessmentPage {
    fn pct(&self, s: &Option<f64>) -> String {
        pct(s)
    }
}

async fn render(
    state: &AppState,
    ctx: &Ctx,
    q: &AssessmentQuery,
    err: Option<&AppError>,
) -> Result<Response, AppError> {
    let p = q.period()?;
    let a = assess(state, ctx, &p).await?;
    let chart = trend(state, ctx, &p, &a).await?;
    let mut res = page(&AssessmentPage {
        chrome: ctx.chrome(),
        t: ctx.t(),
        outliers: outliers(&a),
        a,
        chart,
        can_configure: !ctx.scopes(Action::AssessmentConfigure).is_empty(),
        error: err
            .map(|e| tf(ctx.lang, e.key, &e.args))
            .unwrap_or_default(),
    })?;
    if let Some(e) = err {
        *res.status_mut() = e.status;
    }
    Ok(res)
}

pub async fn index(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<AssessmentQuery>,
) -> Result<Response, AppError> {
    // Authorized in render > assess > assess_with > reach: AssessmentRead
    render(&state, &ctx, &q, None).await
}

/// The weights form: one number per component.
pub async fn weights_submit(
    State(state): State<AppState>,
    CsrfForm(ctx, f): CsrfForm<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    // Authorized in super::weights::set: AssessmentConfigure
    let mut weights = Vec::new();
    let mut period = None;
    for (k, v) in f {
        if k == "period" {
            period = Some(v);
        } else if let Some(code) = k.strip_prefix("w_") {
            let weight = v.trim().parse::<i64>().map_err(|_| {
                AppError::invalid("weights", "assessment.bad_weight").arg("component", code)
            });
            match weight {
                Ok(weight) => weights.push(Weight {
                    component: code.to_owned(),
                    weight,
                }),
                Err(e) => {
                    return render(&state, &ctx, &AssessmentQuery { period }, Some(&e)).await;
                }
            }
        }
    }
    let q = AssessmentQuery { period };
    match super::weights::set(&state, &ctx, &weights).await {
        Ok(_) => Ok(Done::to(
            format!(
                "/assessment?period={}",
                q.period().map(|p| p.label).unwrap_or_default()
            ),
            "assessment.done.weights",
        )
        .into_response()),
        Err(e) if crate::platform::web::fixable(&e) => render(&state, &ctx, &q, Some(&e)).await,
        Err(e) => Err(e),
    }
}

#[derive(Template)]
#[template(path = "assessment/records.html")]
struct RecordsPage {
    chrome: Chrome,
    t: Tr,
    r: Records,
    community: String,
}

pub async fn records_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<RecordsQuery>,
) -> Result<Response, AppError> {
    // Authorized in super::records::records > reach: AssessmentRead
    let r = super::records::records(&state, &ctx, &q).await?;
    let community: String = sqlx::query("SELECT name FROM communities WHERE id = $1")
        .bind(r.community_id)
        .fetch_one(state.db.read())
        .await?
        .try_get("name")?;
    page(&RecordsPage {
        chrome: ctx.chrome(),
        t: ctx.t(),
        r,
        community,
    })
}

/// One community on the street dashboard.
pub struct Glance {
    pub community_id: i64,
    pub name: String,
    pub rank: i64,
    pub score: f64,
    pub line: Option<Line>,
    pub open_cases: i64,
    pub overdue: i64,
    pub unadmitted: i64,
    pub flags: Vec<String>,
    pub campaign: Option<(i64, i64)>,
}

#[derive(Template)]
#[template(path = "assessment/street.html")]
struct StreetPage {
    chrome: Chrome,
    t: Tr,
    period: String,
    glances: Vec<Glance>,
    chart: Chart,
}

/// The street dashboard: every community at a glance — its score and trend, what is open and
/// overdue now, what stands out — each number a link to what makes it.
pub async fn street(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<AssessmentQuery>,
) -> Result<Response, AppError> {
    // Authorized in assess > assess_with > reach: AssessmentRead
    let p = q.period()?;
    let a = assess(&state, &ctx, &p).await?;
    let mut chart = trend(&state, &ctx, &p, &a).await?;
    let flagged = outliers(&a);
    let now = crate::platform::time::now_db();
    let mut glances = Vec::new();
    for r in &a.communities {
        let c = r.community_id;
        let row = sqlx::query(
            "SELECT COUNT(*) AS open, COUNT(CASE WHEN deadline < $2 THEN 1 END) AS overdue FROM cases \
             WHERE community_id = $1 AND status IN ('submitted', 'accepted', 'assigned', 'in_progress', 'reopened')",
        )
        .bind(c)
        .bind(&now)
        .fetch_one(state.db.read())
        .await?;
        let unadmitted: i64 = sqlx::query(
            "SELECT COUNT(*) AS n FROM unadmitted_tasks WHERE community_id = $1 AND follow_up IS NULL",
        )
        .bind(c)
        .fetch_one(state.db.read())
        .await?
        .try_get("n")?;
        let camp = sqlx::query(
            "SELECT COUNT(*) AS n, COUNT(done_on) AS done FROM campaign_tasks WHERE community_id = $1",
        )
        .bind(c)
        .fetch_one(state.db.read())
        .await?;
        let (tasks, done): (i64, i64) = (camp.try_get("n")?, camp.try_get("done")?);
        let idx = chart.lines.iter().position(|l| l.label == r.community);
        glances.push(Glance {
            community_id: c,
            name: r.community.clone(),
            rank: r.rank,
            score: r.score,
            line: idx.map(|i| sparkline(&chart.lines[i])),
            open_cases: row.try_get("open")?,
            overdue: row.try_get("overdue")?,
            unadmitted,
            flags: flagged
                .iter()
                .filter(|(x, _)| *x == c)
                .map(|(_, code)| code.clone())
                .collect(),
            campaign: (tasks > 0).then_some((done, tasks)),
        });
    }
    chart.lines.sort_by(|a, b| a.label.cmp(&b.label));
    page(&StreetPage {
        chrome: ctx.chrome(),
        t: ctx.t(),
        period: p.label,
        glances,
        chart,
    })
}

/// The assessment pages, at the paths residents and staff use (`app.rs` merges every area's).
pub fn pages() -> axum::Router<crate::platform::AppState> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route("/assessment", get(crate::assessment::web::index))
        .route(
            "/assessment/weights",
            post(crate::assessment::web::weights_submit),
        )
        .route(
            "/assessment/records",
            get(crate::assessment::web::records_page),
        )
        .route(
            "/assessment/reviews",
            get(crate::assessment::reviews_web::page).post(crate::assessment::reviews_web::submit),
        )
        .route("/street", get(crate::assessment::web::street))
}
