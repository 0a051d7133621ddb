//! The numbers: each component of each community (and worker) for a period, as the two counts
//! behind it, then the weighted score and the street's ranking.

use crate::platform::web::Query;
use axum::Json;
use axum::extract::State;
use serde::Serialize;
use sqlx::Row;
use utoipa::ToSchema;

use super::components::counts;
use super::{AssessmentQuery, COMPONENTS, Period, Weight};
use crate::auth::{Action, Ctx, Scope, Target};
use crate::platform::AppState;
use crate::platform::error::AppError;
use crate::platform::i18n::Lang;

#[derive(Serialize, ToSchema, Clone, Debug)]
pub struct Component {
    /// response, on_time, satisfaction, visits, disclosure, regularity, agreements, appraisal or
    /// unadmitted.
    pub component: String,
    pub name: String,
    /// 0–1; null when the period holds nothing to measure (its weight goes to the others).
    pub score: Option<f64>,
    /// The count that scores (answered cases, households visited, notices on time…); for
    /// `unadmitted`, the tasks received.
    pub numerator: i64,
    /// The count it is out of; for `unadmitted`, the tolerance.
    pub denominator: i64,
    /// Percent.
    pub weight: i64,
    /// The records behind the two numbers.
    pub records: String,
}

#[derive(Serialize, ToSchema, Clone, Debug)]
pub struct CommunityRow {
    pub rank: i64,
    pub community_id: i64,
    pub community: String,
    /// 0–100: the weighted mean of the components that have a score.
    pub score: f64,
    /// The street sees every community's components; a community only its own.
    pub components: Option<Vec<Component>>,
}

#[derive(Serialize, ToSchema, Clone, Debug)]
pub struct WorkerRow {
    pub user_id: i64,
    pub name: String,
    pub community_id: i64,
    /// 0–100, over the components that apply to one person: cases assigned to them, households
    /// they visited, their appraisal.
    pub score: f64,
    pub components: Vec<Component>,
}

#[derive(Serialize, ToSchema, Clone, Debug)]
pub struct Assessment {
    pub period: String,
    pub from: String,
    pub to: String,
    pub street_id: i64,
    pub weights: Vec<Weight>,
    /// Ranked, best first.
    pub communities: Vec<CommunityRow>,
    pub workers: Vec<WorkerRow>,
}

/// What the caller may see: the street whose ranking, and the communities whose detail.
pub struct Reach {
    pub street: i64,
    pub detail: Vec<i64>,
}

pub async fn reach(state: &AppState, ctx: &Ctx) -> Result<Reach, AppError> {
    reach_for(state, ctx, Action::AssessmentRead).await
}

/// The street and communities where the caller may do `action`: every community of the street
/// for its officers, one's own for community staff (the first street found wins).
pub async fn reach_for(state: &AppState, ctx: &Ctx, action: Action) -> Result<Reach, AppError> {
    let mut street = None;
    let mut detail = Vec::new();
    for s in ctx.scopes(action) {
        match s {
            Scope::Street(st) => {
                street.get_or_insert(st);
                if street == Some(st) {
                    for r in sqlx::query("SELECT id FROM communities WHERE street_id = $1")
                        .bind(st)
                        .fetch_all(state.db.read())
                        .await?
                    {
                        detail.push(r.try_get("id")?);
                    }
                }
            }
            Scope::Community(c) => {
                let st: i64 = sqlx::query("SELECT street_id FROM communities WHERE id = $1")
                    .bind(c)
                    .fetch_one(state.db.read())
                    .await?
                    .try_get("street_id")?;
                street.get_or_insert(st);
                if street == Some(st) {
                    detail.push(c);
                }
            }
            Scope::Building(_) => {}
        }
    }
    let Some(street) = street else {
        ctx.require(action, Target::System)?;
        return Err(AppError::forbidden());
    };
    detail.sort_unstable();
    detail.dedup();
    Ok(Reach { street, detail })
}

/// Counts → components with their scores and weights, and the weighted score (0–100).
pub fn score(
    counts: &[Option<(i64, i64)>; 9],
    weights: &[i64; 9],
    lang: Lang,
    records: impl Fn(&str) -> String,
) -> (f64, Vec<Component>) {
    let mut comps = Vec::new();
    let (mut sum, mut wsum) = (0.0, 0);
    for (i, c) in counts.iter().enumerate() {
        let Some((num, den)) = *c else { continue };
        let code = COMPONENTS[i];
        let s = if code == "unadmitted" {
            Some((1.0 - num as f64 / den as f64).max(0.0))
        } else if den > 0 {
            Some(num as f64 / den as f64)
        } else {
            None
        };
        if let Some(s) = s {
            sum += s * weights[i] as f64;
            wsum += weights[i];
        }
        comps.push(Component {
            component: code.to_owned(),
            name: crate::platform::i18n::t(lang, &format!("assessment_component.{code}"))
                .to_owned(),
            score: s.map(round3),
            numerator: num,
            denominator: den,
            weight: weights[i],
            records: records(code),
        });
    }
    let total = if wsum == 0 {
        0.0
    } else {
        (sum / wsum as f64 * 1000.0).round() / 10.0
    };
    (total, comps)
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

/// The street's ranking for the period, with the detail the caller may see.
pub async fn assess(state: &AppState, ctx: &Ctx, p: &Period) -> Result<Assessment, AppError> {
    assess_with(state, ctx, p, true).await
}

/// The communities' scores for the period without the workers' (a trend's other points).
pub async fn communities_only(
    state: &AppState,
    ctx: &Ctx,
    p: &Period,
) -> Result<Assessment, AppError> {
    assess_with(state, ctx, p, false).await
}

async fn assess_with(
    state: &AppState,
    ctx: &Ctx,
    p: &Period,
    with_workers: bool,
) -> Result<Assessment, AppError> {
    let reach = reach(state, ctx).await?;
    let weights = super::weights::of_street(state, reach.street).await?;
    let communities =
        sqlx::query("SELECT id, name FROM communities WHERE street_id = $1 ORDER BY id")
            .bind(reach.street)
            .fetch_all(state.db.read())
            .await?;
    let mut rows = Vec::new();
    let mut workers = Vec::new();
    for r in &communities {
        let id: i64 = r.try_get("id")?;
        let c = counts(state, id, p, None).await?;
        let (score, comps) = score(&c, &weights, ctx.lang, |code| {
            format!(
                "/assessment/records?period={}&community_id={id}&component={code}",
                p.label
            )
        });
        let detail = reach.detail.contains(&id);
        rows.push(CommunityRow {
            rank: 0,
            community_id: id,
            community: r.try_get("name")?,
            score,
            components: detail.then_some(comps),
        });
        if detail && with_workers {
            workers.extend(worker_rows(state, ctx.lang, id, p, &weights).await?);
        }
    }
    rows.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then(a.community_id.cmp(&b.community_id))
    });
    for (i, r) in rows.iter_mut().enumerate() {
        r.rank = i as i64 + 1;
    }
    workers.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.user_id.cmp(&b.user_id)));
    Ok(Assessment {
        period: p.label.clone(),
        from: p.from.to_string(),
        to: p.to.to_string(),
        street_id: reach.street,
        weights: COMPONENTS
            .iter()
            .zip(weights)
            .map(|(c, w)| Weight {
                component: (*c).to_owned(),
                weight: w,
            })
            .collect(),
        communities: rows,
        workers,
    })
}

/// The community's workers and head (their grants), each scored on what applies to a person.
pub(super) async fn worker_rows(
    state: &AppState,
    lang: Lang,
    community: i64,
    p: &Period,
    weights: &[i64; 9],
) -> Result<Vec<WorkerRow>, AppError> {
    let people = sqlx::query(
        "SELECT DISTINCT u.id, u.display_name FROM grants g JOIN users u ON u.id = g.user_id \
         WHERE g.community_id = $1 AND g.role IN ('community_worker', 'community_head') AND g.revoked_at IS NULL ORDER BY u.id",
    )
    .bind(community)
    .fetch_all(state.db.read())
    .await?;
    let mut out = Vec::new();
    for u in &people {
        let id: i64 = u.try_get("id")?;
        let c = counts(state, community, p, Some(id)).await?;
        let (score, components) = score(&c, weights, lang, |code| {
            format!(
                "/assessment/records?period={}&community_id={community}&component={code}&worker_id={id}",
                p.label
            )
        });
        out.push(WorkerRow {
            user_id: id,
            name: u.try_get("display_name")?,
            community_id: community,
            score,
            components,
        });
    }
    Ok(out)
}

/// The street's ranking: every community's score, with each component and the numbers behind
/// it for the street and for one's own community.
#[utoipa::path(get, path = "/api/v1/assessment", tag = "assessment", params(AssessmentQuery), security(("bearer" = [])),
    responses((status = 200, body = Assessment), (status = 403), (status = 422)))]
pub(super) async fn report(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<AssessmentQuery>,
) -> Result<Json<Assessment>, AppError> {
    // Authorized in assess > assess_with > reach: AssessmentRead
    let p = q.period()?;
    Ok(Json(assess(&state, &ctx, &p).await?))
}
