//! The assessment pages: the ranking with its trend chart (server-rendered SVG) and weights,
//! the drill-down, the street dashboard, and the xlsx export.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use sqlx::Row;

use super::compute::Assessment;
use super::records::{Records, RecordsQuery};
use super::{AssessmentQuery, COMPONENTS, Period, Weight, assess};
use crate::app::AppState;
use crate::audit::{self, Entry};
use crate::auth::{Action, CsrfForm, Ctx};
use crate::platform::error::AppError;
use crate::platform::i18n::{Tr, t, tf};
use crate::platform::sheets::{Cell, Table, to_xlsx};
use crate::platform::web::{Chrome, page};

/// One line of a trend chart, laid out on the server.
pub struct Line {
    pub label: String,
    /// "x,y x,y …" for the polyline.
    pub points: String,
    pub dots: Vec<(i64, i64, String)>,
    pub end: (i64, i64),
}

/// Scores (0–100) over the quarters of the year, one line per community.
pub struct Chart {
    pub lines: Vec<Line>,
    pub xs: Vec<(i64, String)>,
    pub height: i64,
}

const LEFT: i64 = 36;
const STEP: i64 = 80;
const TOP: i64 = 10;
const PLOT: i64 = 160;

impl Chart {
    fn new(quarters: &[Period], series: Vec<(String, Vec<f64>)>) -> Chart {
        let y = |v: f64| TOP + PLOT - (v.clamp(0.0, 100.0) * PLOT as f64 / 100.0).round() as i64;
        let lines = series
            .into_iter()
            .map(|(label, vals)| {
                let dots: Vec<(i64, i64, String)> = vals
                    .iter()
                    .enumerate()
                    .map(|(i, v)| (LEFT + i as i64 * STEP, y(*v), format!("{v:.1}")))
                    .collect();
                Line {
                    label,
                    points: dots
                        .iter()
                        .map(|(x, y, _)| format!("{x},{y}"))
                        .collect::<Vec<_>>()
                        .join(" "),
                    end: dots.last().map_or((LEFT, y(0.0)), |(x, y, _)| (*x, *y)),
                    dots,
                }
            })
            .collect();
        let mut lines: Vec<Line> = lines;
        let mut order: Vec<usize> = (0..lines.len()).collect();
        order.sort_by_key(|i| lines[*i].end.1);
        let mut last = i64::MIN;
        for i in order {
            let y = lines[i].end.1.max(last + 13);
            lines[i].end.1 = y;
            last = y;
        }
        Chart {
            lines,
            xs: quarters
                .iter()
                .enumerate()
                .map(|(i, q)| (LEFT + i as i64 * STEP, q.label.clone()))
                .collect(),
            height: TOP + PLOT + 30,
        }
    }
}

/// Each community's score in each quarter of the period's year so far.
pub async fn trend(state: &AppState, ctx: &Ctx, p: &Period) -> Result<Chart, AppError> {
    let quarters = p.quarters_of_year();
    let mut series: Vec<(i64, String, Vec<f64>)> = Vec::new();
    for q in &quarters {
        let a = assess(state, ctx, q).await?;
        for r in a.communities {
            match series.iter_mut().find(|s| s.0 == r.community_id) {
                Some(s) => s.2.push(r.score),
                None => series.push((r.community_id, r.community, vec![r.score])),
            }
        }
    }
    series.sort_by_key(|s| s.0);
    Ok(Chart::new(
        &quarters,
        series.into_iter().map(|(_, n, v)| (n, v)).collect(),
    ))
}

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
    let chart = trend(state, ctx, &p).await?;
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
    render(&state, &ctx, &q, None).await
}

/// The weights form: one number per component.
pub async fn weights_submit(
    State(state): State<AppState>,
    CsrfForm(ctx, f): CsrfForm<Vec<(String, String)>>,
) -> Result<Response, AppError> {
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
        Ok(_) => Ok(Redirect::to(&format!(
            "/assessment?period={}",
            q.period().map(|p| p.label).unwrap_or_default()
        ))
        .into_response()),
        Err(e) if e.status.is_client_error() && e.status != axum::http::StatusCode::FORBIDDEN => {
            render(&state, &ctx, &q, Some(&e)).await
        }
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
    let p = q.period()?;
    let a = assess(&state, &ctx, &p).await?;
    let mut chart = trend(&state, &ctx, &p).await?;
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

/// The community's line, squeezed into a 120×40 box.
fn sparkline(l: &Line) -> Line {
    let dots: Vec<(i64, i64, String)> = l
        .dots
        .iter()
        .map(|(x, y, v)| ((x - LEFT) / 2 + 4, (y - TOP) / 4 + 2, v.clone()))
        .collect();
    Line {
        label: l.label.clone(),
        points: dots
            .iter()
            .map(|(x, y, _)| format!("{x},{y}"))
            .collect::<Vec<_>>()
            .join(" "),
        end: dots.last().map_or((4, 42), |(x, y, _)| (*x, *y)),
        dots,
    }
}

/// The ranking as a spreadsheet: one sheet for communities, one for workers, each component
/// with its score and the two numbers behind it.
#[utoipa::path(get, path = "/api/v1/assessment.xlsx", tag = "assessment", params(AssessmentQuery), security(("bearer" = [])),
    responses((status = 200, description = "the spreadsheet", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
              (status = 403), (status = 422)))]
pub(super) async fn xlsx(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<AssessmentQuery>,
) -> Result<Response, AppError> {
    let p = q.period()?;
    let a = assess(&state, &ctx, &p).await?;
    let lang = ctx.lang;
    let mut headers: Vec<&'static str> = vec![
        t(lang, "assessment.rank"),
        t(lang, "assessment.community"),
        t(lang, "assessment.score"),
    ];
    for code in COMPONENTS {
        headers.push(t(lang, &format!("assessment_component.{code}")));
        headers.push(t(lang, "assessment.numerator"));
        headers.push(t(lang, "assessment.denominator"));
    }
    let comp_cells = |cs: &[super::Component]| -> Vec<Cell> {
        let mut row = Vec::new();
        for code in COMPONENTS {
            match cs.iter().find(|c| c.component == code) {
                Some(c) => {
                    row.push(
                        c.score
                            .map_or(Cell::Text("—".into()), |s| Cell::Num(s * 100.0)),
                    );
                    row.push(c.numerator.into());
                    row.push(c.denominator.into());
                }
                None => row.extend([Cell::Text("—".into()), "".into(), "".into()]),
            }
        }
        row
    };
    let communities = Table {
        name: t(lang, "assessment.sheet_communities").to_owned(),
        title: format!("{} {}", t(lang, "assessment.title"), a.period),
        headers: headers.clone(),
        rows: a
            .communities
            .iter()
            .map(|r| {
                let mut row: Vec<Cell> = vec![
                    r.rank.into(),
                    r.community.clone().into(),
                    Cell::Num(r.score),
                ];
                row.extend(r.components.as_deref().map_or_else(Vec::new, comp_cells));
                row
            })
            .collect(),
    };
    let mut wheaders = headers;
    wheaders[0] = t(lang, "assessment.worker");
    let workers = Table {
        name: t(lang, "assessment.sheet_workers").to_owned(),
        title: format!("{} {}", t(lang, "assessment.workers"), a.period),
        headers: wheaders,
        rows: a
            .workers
            .iter()
            .map(|w| {
                let community = a
                    .communities
                    .iter()
                    .find(|c| c.community_id == w.community_id)
                    .map(|c| c.community.clone())
                    .unwrap_or_default();
                let mut row: Vec<Cell> =
                    vec![w.name.clone().into(), community.into(), Cell::Num(w.score)];
                row.extend(comp_cells(&w.components));
                row
            })
            .collect(),
    };
    let body = to_xlsx(&[communities, workers])?;
    audit::record_alone(
        &state.db,
        &ctx.actor(),
        Entry::new("assessment.export", "assessment", &a.period)
            .detail(format!("street {}", a.street_id)),
    )
    .await?;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_owned(),
            ),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"assessment-{}.xlsx\"", a.period),
            ),
        ],
        body,
    )
        .into_response())
}
