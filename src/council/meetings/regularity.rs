//! Regularity (M6): the council meets at least once every calendar month. A completed month with
//! no held council meeting is flagged to the head and the street.

use crate::platform::web::Query;
use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use sqlx::Row;
use utoipa::{IntoParams, ToSchema};

use crate::auth::{Action, Ctx, Target, scope::scope_condition};
use crate::platform::AppState;
use crate::platform::db::{Filter, Val, bind_vals};
use crate::platform::error::AppError;
use crate::platform::time;

#[derive(Serialize, ToSchema)]
pub struct Month {
    /// YYYY-MM.
    pub month: String,
    /// Council meetings held (or with minutes published) that month.
    pub held: i64,
    /// A completed month with none held.
    pub missing: bool,
}

#[derive(Serialize, ToSchema)]
pub struct CouncilRegularity {
    pub community_id: i64,
    pub body_id: i64,
    pub body_name: String,
    pub months: Vec<Month>,
    /// The completed months with no held meeting.
    pub missing: Vec<String>,
}

#[derive(Serialize, ToSchema)]
pub struct Regularity {
    pub year: i16,
    pub items: Vec<CouncilRegularity>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RegularityQuery {
    /// Default: this year.
    pub year: Option<i16>,
    pub community_id: Option<i64>,
}

/// How many meetings the body held in each month of the year (Asia/Shanghai).
pub async fn held_by_month(
    pool: &crate::platform::reader::Reader,
    body: i64,
    year: i16,
) -> Result<[i64; 12], AppError> {
    let from = jiff::civil::date(year, 1, 1);
    let to = jiff::civil::date(year.saturating_add(1), 1, 1);
    let rows = sqlx::query(
        "SELECT starts_at FROM meetings WHERE body_id = $1 AND status IN ('held', 'minutes_published') AND starts_at >= $2 AND starts_at < $3",
    )
    .bind(body)
    .bind(time::day_start_db(from))
    .bind(time::day_start_db(to))
    .fetch_all(pool)
    .await?;
    let mut held = [0i64; 12];
    for r in &rows {
        if let Some(ts) = time::from_db(&r.try_get::<String, _>("starts_at")?) {
            let d = ts.to_zoned_datetime(time::shanghai().clone()).date();
            held[(d.month() - 1) as usize] += 1;
        }
    }
    Ok(held)
}

/// Each council in the caller's scope, month by month.
pub async fn regularity(
    state: &AppState,
    ctx: &Ctx,
    year: i16,
    community: Option<i64>,
) -> Result<Vec<CouncilRegularity>, AppError> {
    let scopes = super::super::bodies::visible_scopes(state, ctx).await?;
    let Some((cond, vals)) = scope_condition(&scopes, "b.street_id", "b.community_id", None) else {
        ctx.require(Action::BodiesRead, Target::System)?;
        return Err(AppError::forbidden());
    };
    let mut f = Filter::default();
    f.and("b.kind = 'council'", []);
    f.and(&cond, vals);
    if let Some(c) = community {
        f.and("b.community_id = ?", [Val::I(c)]);
    }
    let sql = format!(
        "SELECT b.id, b.name, b.community_id FROM bodies b {} ORDER BY b.community_id",
        f.sql()
    );
    let councils = bind_vals(sqlx::query(&sql), &f.vals)
        .fetch_all(state.db.read())
        .await?;
    let today = time::today();
    let mut out = Vec::new();
    for c in &councils {
        let body: i64 = c.try_get("id")?;
        let held = held_by_month(state.db.read(), body, year).await?;
        let months: Vec<Month> = (1..=12i8)
            .filter(|m| jiff::civil::date(year, *m, 1) <= today)
            .map(|m| {
                let done = jiff::civil::date(year, m, 1).last_of_month() < today;
                let n = held[(m - 1) as usize];
                Month {
                    month: format!("{year}-{m:02}"),
                    held: n,
                    missing: done && n == 0,
                }
            })
            .collect();
        out.push(CouncilRegularity {
            community_id: c.try_get("community_id")?,
            body_id: body,
            body_name: c.try_get("name")?,
            missing: months
                .iter()
                .filter(|m| m.missing)
                .map(|m| m.month.clone())
                .collect(),
            months,
        });
    }
    Ok(out)
}

/// Whether each council met every month: the months missed are flagged.
#[utoipa::path(get, path = "/api/v1/meetings/regularity", tag = "council", params(RegularityQuery), security(("bearer" = [])),
    responses((status = 200, body = Regularity), (status = 403)))]
pub(super) async fn report(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<RegularityQuery>,
) -> Result<Json<Regularity>, AppError> {
    // Authorized in regularity: BodiesRead
    let year = q.year.unwrap_or_else(|| time::today().year());
    if !(2000..=2100).contains(&year) {
        return Err(AppError::invalid("year", "input.bad_year"));
    }
    let items = regularity(&state, &ctx, year, q.community_id).await?;
    Ok(Json(Regularity { year, items }))
}
