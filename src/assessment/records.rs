//! The drill-down: the records behind one component's two numbers, each with its share of
//! them, so that anyone may recount. `GET /api/v1/assessment/records` and the page
//! `/assessment/records`.

use crate::platform::web::Query;
use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use sqlx::Row;
use utoipa::{IntoParams, ToSchema};

use super::components::{council_months, counts, instants};
use super::compute::reach;
use super::{AssessmentQuery, COMPONENTS, Period};
use crate::auth::Ctx;
use crate::disclosure::timeliness::PeriodStatus;
use crate::platform::AppState;
use crate::platform::error::AppError;
use crate::platform::i18n::t;
use crate::platform::time;

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RecordsQuery {
    /// 2026, 2026-Q4 or 2026-11; default this quarter.
    pub period: Option<String>,
    pub community_id: i64,
    /// One of the components.
    pub component: String,
    /// One worker's share instead of the community's.
    pub worker_id: Option<i64>,
}

#[derive(Serialize, ToSchema, Clone, Debug)]
pub struct Record {
    /// case, household, notice, month, agreement, appraisal_subject or unadmitted_task.
    pub kind: String,
    pub id: Option<i64>,
    pub label: String,
    pub date: Option<String>,
    pub detail: String,
    /// What it adds to the numerator…
    pub part: i64,
    /// …and to the denominator.
    pub of: i64,
    pub url: Option<String>,
}

#[derive(Serialize, ToSchema, Clone, Debug)]
pub struct Records {
    pub period: String,
    pub community_id: i64,
    pub worker_id: Option<i64>,
    pub component: String,
    pub name: String,
    pub numerator: i64,
    pub denominator: i64,
    pub records: Vec<Record>,
}

fn rec(kind: &str, id: Option<i64>, label: String, part: bool, url: Option<String>) -> Record {
    Record {
        kind: kind.to_owned(),
        id,
        label,
        date: None,
        detail: String::new(),
        part: i64::from(part),
        of: 1,
        url,
    }
}

pub async fn records(state: &AppState, ctx: &Ctx, q: &RecordsQuery) -> Result<Records, AppError> {
    let p = AssessmentQuery {
        period: q.period.clone(),
    }
    .period()?;
    let i = COMPONENTS
        .iter()
        .position(|c| *c == q.component)
        .ok_or_else(|| {
            AppError::invalid("component", "assessment.unknown_component")
                .arg("component", q.component.clone())
        })?;
    let reach = reach(state, ctx).await?;
    if !reach.detail.contains(&q.community_id) {
        return Err(AppError::forbidden());
    }
    if let Some(w) = q.worker_id {
        let n: i64 = sqlx::query("SELECT COUNT(*) AS n FROM grants WHERE user_id = $1 AND community_id = $2 AND role IN ('community_worker', 'community_head')")
            .bind(w)
            .bind(q.community_id)
            .fetch_one(state.db.read())
            .await?
            .try_get("n")?;
        if n == 0 {
            return Err(AppError::not_found());
        }
    }
    let numbers = counts(state, q.community_id, &p, q.worker_id).await?[i];
    let Some((numerator, denominator)) = numbers else {
        return Err(AppError::invalid("component", "assessment.not_for_workers"));
    };
    let list = list(state, ctx, q, &p).await?;
    Ok(Records {
        period: p.label.clone(),
        community_id: q.community_id,
        worker_id: q.worker_id,
        component: q.component.clone(),
        name: t(ctx.lang, &format!("assessment_component.{}", q.component)).to_owned(),
        numerator,
        denominator,
        records: list,
    })
}

async fn list(
    state: &AppState,
    ctx: &Ctx,
    q: &RecordsQuery,
    p: &Period,
) -> Result<Vec<Record>, AppError> {
    let pool = state.db.read();
    let c = q.community_id;
    let (from, to) = (p.from.to_string(), p.to.to_string());
    let mut out = Vec::new();
    match q.component.as_str() {
        "response" | "on_time" | "satisfaction" => {
            let (start, end) = instants(p)?;
            let rows = sqlx::query(&format!(
                "SELECT id, category, status, created_at, deadline, replied_at, satisfied FROM cases \
                 WHERE community_id = $1 AND created_at >= $2 AND created_at < $3{} ORDER BY id",
                if q.worker_id.is_some() { " AND assignee_user_id = $4" } else { "" }
            ))
            .bind(c)
            .bind(&start)
            .bind(&end)
            .bind(q.worker_id.unwrap_or(0))
            .fetch_all(pool)
            .await?;
            let now = time::now_db();
            for r in &rows {
                let replied: Option<String> = r.try_get("replied_at")?;
                let deadline: String = r.try_get("deadline")?;
                let satisfied: Option<i64> = r.try_get("satisfied")?;
                let (within, part) = match q.component.as_str() {
                    "response" => (true, replied.is_some()),
                    "on_time" => (
                        crate::cases::stats::on_time_due(replied.as_deref(), &deadline, &now),
                        replied.as_deref().is_some_and(|x| x <= deadline.as_str()),
                    ),
                    _ => (satisfied.is_some(), satisfied == Some(1)),
                };
                if !within {
                    continue;
                }
                let id: i64 = r.try_get("id")?;
                let mut x = rec(
                    "case",
                    Some(id),
                    format!(
                        "#{id} {}",
                        ctx.t().of("category", &r.try_get::<String, _>("category")?)
                    ),
                    part,
                    Some(format!("/cases/{id}")),
                );
                x.date = Some(time::show_db(
                    &r.try_get::<String, _>("created_at")?,
                    ctx.lang,
                ));
                x.detail = format!(
                    "{} · {} {}{}",
                    ctx.t()
                        .of("case_status", &r.try_get::<String, _>("status")?),
                    t(ctx.lang, "assessment.deadline"),
                    time::show_db(&deadline, ctx.lang),
                    replied
                        .map(|x| format!(
                            " · {} {}",
                            t(ctx.lang, "assessment.replied"),
                            time::show_db(&x, ctx.lang)
                        ))
                        .unwrap_or_default()
                );
                out.push(x);
            }
        }
        "visits" => {
            let visited = crate::daily::coverage::visits_between(pool, c, p.from, p.to).await?;
            let rows = sqlx::query(
                "SELECT h.id, (SELECT k.name FROM compounds k WHERE k.id = b.compound_id) || ' ' || b.number AS building FROM households h \
                 JOIN buildings b ON b.id = h.building_id WHERE b.community_id = $1 ORDER BY b.id, h.id",
            )
            .bind(c)
            .fetch_all(pool)
            .await?;
            for r in &rows {
                let id: i64 = r.try_get("id")?;
                let part = visited
                    .iter()
                    .any(|(h, w)| *h == id && q.worker_id.is_none_or(|x| Some(x) == *w));
                out.push(rec(
                    "household",
                    Some(id),
                    format!(
                        "{} · {}{id}",
                        r.try_get::<String, _>("building")?,
                        t(ctx.lang, "assessment.household")
                    ),
                    part,
                    None,
                ));
            }
        }
        "disclosure" => {
            for tl in crate::disclosure::timeliness::of_community(
                state,
                c,
                p.from.year(),
                ctx.lang,
                time::today(),
            )
            .await?
            {
                for period in tl.periods {
                    if period.due < from
                        || period.due > to
                        || period.status == PeriodStatus::Pending
                    {
                        continue;
                    }
                    let mut x = rec(
                        "notice",
                        None,
                        format!("{} {}", tl.name, period.period),
                        period.status == PeriodStatus::OnTime,
                        Some(format!(
                            "/disclosures?community_id={c}&category={}",
                            tl.category
                        )),
                    );
                    x.date = Some(period.due.clone());
                    x.detail = format!(
                        "{}{}",
                        t(ctx.lang, &format!("timeliness.{}", period.status)),
                        period
                            .published
                            .map(|d| format!(" · {d}"))
                            .unwrap_or_default()
                    );
                    out.push(x);
                }
            }
        }
        "regularity" => {
            for (month, held, ended) in council_months(state, c, p).await? {
                if !ended && held == 0 {
                    continue;
                }
                let mut x = rec(
                    "month",
                    None,
                    format!("{}-{:02}", month.year(), month.month()),
                    held > 0,
                    Some("/meetings".to_owned()),
                );
                x.detail = held.to_string();
                out.push(x);
            }
        }
        "agreements" => {
            let rows = sqlx::query(
                "SELECT a.id, a.title, a.signed_on, (SELECT COUNT(*) FROM agreement_breaches b WHERE b.agreement_id = a.id AND b.party = 'committee' \
                 AND b.occurred_on >= $2 AND b.occurred_on <= $3) AS breaches FROM agreements a \
                 WHERE a.community_id = $1 AND a.signed_on IS NOT NULL AND a.signed_on <= $3 AND a.valid_to >= $2 ORDER BY a.id",
            )
            .bind(c)
            .bind(&from)
            .bind(&to)
            .fetch_all(pool)
            .await?;
            for r in &rows {
                let id: i64 = r.try_get("id")?;
                let breaches: i64 = r.try_get("breaches")?;
                let mut x = rec(
                    "agreement",
                    Some(id),
                    format!("#{id} {}", r.try_get::<String, _>("title")?),
                    breaches == 0,
                    Some(format!("/api/v1/agreements/{id}/breaches")),
                );
                x.date = r.try_get("signed_on")?;
                x.detail = format!(
                    "{} {breaches}",
                    t(ctx.lang, "assessment.committee_breaches")
                );
                out.push(x);
            }
        }
        "appraisal" => {
            let rows = sqlx::query(&format!(
                "SELECT a.id AS appraisal, a.title, a.closes_on, s.id, s.name, s.post, s.satisfied, s.basically, s.unsatisfied \
                 FROM appraisal_subjects s JOIN appraisals a ON a.id = s.appraisal_id \
                 WHERE a.community_id = $1 AND a.status = 'closed' AND a.closes_on >= $2 AND a.closes_on <= $3{} ORDER BY a.id, s.id",
                if q.worker_id.is_some() { " AND s.user_id = $4" } else { "" }
            ))
            .bind(c)
            .bind(&from)
            .bind(&to)
            .bind(q.worker_id.unwrap_or(0))
            .fetch_all(pool)
            .await?;
            for r in &rows {
                let n = |k: &str| -> Result<i64, sqlx::Error> {
                    Ok(r.try_get::<Option<i64>, _>(k)?.unwrap_or(0))
                };
                let (s, b, u) = (n("satisfied")?, n("basically")?, n("unsatisfied")?);
                let appraisal: i64 = r.try_get("appraisal")?;
                let mut x = rec(
                    "appraisal_subject",
                    Some(r.try_get("id")?),
                    format!(
                        "{} {}",
                        r.try_get::<String, _>("post")?,
                        r.try_get::<String, _>("name")?
                    ),
                    false,
                    Some(format!("/appraisals/{appraisal}")),
                );
                x.part = s + b;
                x.of = s + b + u;
                x.date = r.try_get("closes_on")?;
                x.detail = format!(
                    "{} {s} · {} {b} · {} {u}",
                    t(ctx.lang, "assessment.choice_satisfied"),
                    t(ctx.lang, "assessment.choice_basically"),
                    t(ctx.lang, "assessment.choice_unsatisfied")
                );
                out.push(x);
            }
        }
        _ => {
            let rows = sqlx::query(
                "SELECT id, sender, received_on, follow_up FROM unadmitted_tasks WHERE community_id = $1 AND received_on >= $2 AND received_on <= $3 ORDER BY received_on, id",
            )
            .bind(c)
            .bind(&from)
            .bind(&to)
            .fetch_all(pool)
            .await?;
            for r in &rows {
                let mut x = rec(
                    "unadmitted_task",
                    Some(r.try_get("id")?),
                    r.try_get("sender")?,
                    true,
                    Some("/admissions".to_owned()),
                );
                x.of = 0;
                x.date = r.try_get("received_on")?;
                x.detail = r
                    .try_get::<Option<String>, _>("follow_up")?
                    .unwrap_or_default();
                out.push(x);
            }
        }
    }
    Ok(out)
}

/// The records behind one component of one community (or one worker) for a period.
#[utoipa::path(get, path = "/api/v1/assessment/records", tag = "assessment", params(RecordsQuery), security(("bearer" = [])),
    responses((status = 200, body = Records), (status = 403), (status = 422)))]
pub(super) async fn report(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<RecordsQuery>,
) -> Result<Json<Records>, AppError> {
    // Authorized in records > reach: AssessmentRead
    Ok(Json(records(&state, &ctx, &q).await?))
}
