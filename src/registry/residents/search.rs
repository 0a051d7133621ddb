//! The resident list and search: scope, filters, and the Chinese substring search on names.

use serde::Deserialize;
use sqlx::Row;

use crate::platform::reader::Reader;
use utoipa::IntoParams;

use super::{Resident, ResidentStatus, SELECT, from_row, query_grams};
use crate::auth::{Scope, scope::scope_condition};
use crate::platform::db::{Filter, Val, bind_vals, like_pattern};
use crate::platform::error::AppError;

/// Filters of the resident list and search.
#[derive(Clone, Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ResidentQuery {
    /// A Chinese name fragment, the last 4 characters of an ID number or phone, or part of an address.
    pub q: Option<String>,
    pub community_id: Option<i64>,
    pub compound_id: Option<i64>,
    pub building_id: Option<i64>,
    pub household_id: Option<i64>,
    /// living (default), moved_out, deceased or all.
    pub status: Option<String>,
    /// Page number from 1.
    pub page: Option<i64>,
    /// 1–200, default 25.
    pub per_page: Option<i64>,
}

pub struct PageOf<T> {
    pub items: Vec<T>,
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
}

/// Residents inside `scopes` that match the query.
pub async fn search(
    pool: &Reader,
    scopes: &[Scope],
    q: &ResidentQuery,
) -> Result<PageOf<Resident>, AppError> {
    let (page, per_page) = crate::platform::web::paging(q.page, q.per_page, 25, 200)?;
    let mut f = Filter::default();
    let (cond, vals) = scope_condition(
        scopes,
        "c.street_id",
        "r.community_id",
        Some("r.building_id"),
    )
    .ok_or_else(AppError::forbidden)?;
    f.and(&cond, vals);
    // Locked and deleted records are kept, not processed (`registry::rights`).
    f.and("r.locked_at IS NULL", []);
    for (col, v) in [
        ("r.community_id", q.community_id),
        ("b.compound_id", q.compound_id),
        ("r.building_id", q.building_id),
        ("r.household_id", q.household_id),
    ] {
        if let Some(v) = v {
            f.and(&format!("{col} = ?"), [Val::I(v)]);
        }
    }
    match q.status.as_deref().unwrap_or("living") {
        "all" => {}
        s => {
            let s: ResidentStatus = s
                .parse()
                .map_err(|_| AppError::invalid("status", "registry.bad_status"))?;
            f.and("r.status = ?", [Val::T(s.as_str().to_owned())]);
        }
    }
    if let Some(text) = q.q.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        if text.chars().count() > 40 {
            return Err(AppError::invalid("q", "registry.query_too_long"));
        }
        let upper = text.to_ascii_uppercase();
        let is_last4 = upper.len() == 4 && upper.bytes().all(|b| b.is_ascii_digit() || b == b'X');
        let pat = like_pattern(text);
        // Names through their grams; addresses on the households in scope (far fewer rows than
        // residents; street-wide, the walk of every address made each search 10× slower).
        let (hscope, hvals) = scope_condition(
            scopes,
            "hc.street_id",
            "h.community_id",
            Some("h.building_id"),
        )
        .ok_or_else(AppError::forbidden)?;
        let address = format!(
            "SELECT x.id FROM residents x JOIN households h ON h.id = x.household_id \
             JOIN communities hc ON hc.id = h.community_id WHERE ({hscope}) AND h.address LIKE ? ESCAPE '\\'"
        );
        let mut address_vals = hvals;
        address_vals.push(Val::T(pat.clone()));
        if is_last4 {
            let mut vals = vec![Val::T(upper.clone()), Val::T(upper)];
            vals.extend(address_vals);
            f.and(
                &format!("r.id_last4 = ? OR r.phone_last4 = ? OR r.id IN ({address})"),
                vals,
            );
        } else {
            let grams = query_grams(text);
            let list = vec!["?"; grams.len()].join(", ");
            let by_name = format!(
                "SELECT g.resident_id FROM resident_name_grams g JOIN residents x ON x.id = g.resident_id \
                 WHERE g.gram IN ({list}) AND x.name LIKE ? ESCAPE '\\' GROUP BY g.resident_id HAVING COUNT(*) = {}",
                grams.len()
            );
            let mut vals: Vec<Val> = grams.into_iter().map(Val::T).collect();
            vals.push(Val::T(pat));
            vals.extend(address_vals);
            f.and(&format!("r.id IN ({by_name} UNION {address})"), vals);
        }
    }
    let from = if q.compound_id.is_some() {
        "FROM residents r JOIN buildings b ON b.id = r.building_id JOIN communities c ON c.id = r.community_id"
    } else {
        "FROM residents r JOIN communities c ON c.id = r.community_id"
    };
    let where_ = f.sql();
    let count = async || -> Result<i64, AppError> {
        let count_sql = format!("SELECT COUNT(*) AS n {from} {where_}");
        Ok(bind_vals(sqlx::query(&count_sql), &f.vals)
            .fetch_one(pool)
            .await?
            .try_get("n")?)
    };
    // A search by words matches few, through subqueries (grams, addresses) that are most of its
    // time: the count comes beside each row of the page, so they run once. A list without words
    // counts through the index apart (a window over every resident in scope would read them all).
    let searched = q.q.as_deref().is_some_and(|t| !t.trim().is_empty());
    let columns = if searched {
        SELECT.replacen(
            " FROM residents r ",
            ", COUNT(*) OVER () AS total_rows FROM residents r ",
            1,
        )
    } else {
        SELECT.to_owned()
    };
    let sql = format!(
        "{columns} {where_} ORDER BY r.id LIMIT {per_page} OFFSET {}",
        (page - 1) * per_page
    );
    let rows = bind_vals(sqlx::query(&sql), &f.vals)
        .fetch_all(pool)
        .await?;
    let total = match rows.first() {
        Some(r) if searched => r.try_get("total_rows")?,
        None if searched && page == 1 => 0,
        _ => count().await?,
    };
    let items = rows.iter().map(from_row).collect::<Result<_, _>>()?;
    Ok(PageOf {
        items,
        total,
        page,
        per_page,
    })
}
