//! Case lists: staff see their scope (sensitive categories only with the duty), residents see
//! what they filed; the supervision list (督办) and the sweep that escalates overdue cases.

use serde::Deserialize;
use sqlx::Row;
use utoipa::IntoParams;

use super::model::CaseStatus;
use super::store::{self, CASE_COLUMNS, Case, case_from};
use crate::audit::{self, Actor, Entry};
use crate::auth::{Action, Ctx, Scope, Target, scope::scope_condition};
use crate::platform::AppState;
use crate::platform::db::{Db, Filter, Val, bind_vals, like_pattern};
use crate::platform::error::AppError;
use crate::platform::time;
use crate::platform::web::paging;

#[derive(Clone, Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CaseQuery {
    pub status: Option<String>,
    pub category: Option<String>,
    pub community_id: Option<i64>,
    /// Only cases past their deadline and still owing an answer.
    pub overdue: Option<bool>,
    /// Only cases on the supervision list.
    pub supervised: Option<bool>,
    /// Words in the description or the address, or a tracking code.
    pub q: Option<String>,
    pub building_id: Option<i64>,
    /// The account the case is assigned to; `me` for the caller.
    pub assignee: Option<String>,
    /// `newest` (the default), `oldest`, or `deadline` (due soonest first).
    pub sort: Option<String>,
    pub page: Option<i64>,
    /// 1–200, default 25.
    pub per_page: Option<i64>,
}

/// The scope condition for reading cases: all categories where the caller may read sensitive
/// ones, non-sensitive elsewhere.
fn read_condition(ctx: &Ctx, action: Action) -> Option<(String, Vec<Val>)> {
    let all = ctx.scopes(action);
    let sensitive: Vec<Scope> = ctx
        .scopes(Action::CaseReadSensitive)
        .into_iter()
        .filter(|s| all.contains(s))
        .collect();
    // Where every scope carries the sensitive duty too (a community's head and workers), the
    // plain scope is the whole condition: an OR of two forms of the same community would hide
    // from SQLite's planner (it cannot see that the two bound values are equal) that the
    // (community, status) index answers it, and it would scan the status across the street.
    if sensitive.len() == all.len() {
        return scope_condition(&all, "c.street_id", "k.community_id", Some("k.building_id"));
    }
    let mut parts = Vec::new();
    let mut vals = Vec::new();
    if let Some((c, v)) = scope_condition(
        &sensitive,
        "c.street_id",
        "k.community_id",
        Some("k.building_id"),
    ) {
        parts.push(format!("({c})"));
        vals.extend(v);
    }
    if let Some((c, v)) =
        scope_condition(&all, "c.street_id", "k.community_id", Some("k.building_id"))
    {
        parts.push(format!("(k.sensitive = 0 AND ({c}))"));
        vals.extend(v);
    }
    (!parts.is_empty()).then(|| (parts.join(" OR "), vals))
}

/// The conditions of `q` for the caller, and the order it asks for.
fn conditions(ctx: &Ctx, q: &CaseQuery) -> Result<(Filter, &'static str), AppError> {
    let mut f = Filter::default();
    match read_condition(ctx, Action::CaseRead) {
        Some((cond, vals)) => {
            f.and(&cond, vals);
        }
        None => {
            // Residents (and anyone without a reading duty) see what they filed.
            ctx.require(Action::CaseSubmit, Target::System)?;
            let me = ctx
                .user
                .as_ref()
                .map(|u| u.id)
                .ok_or_else(AppError::unauthenticated)?;
            f.and("k.submitter_user_id = ?", [Val::I(me)]);
        }
    }
    if let Some(s) = q.status.as_deref().filter(|s| !s.is_empty()) {
        let s: CaseStatus = s
            .parse()
            .map_err(|_| AppError::invalid("status", "cases.bad_status"))?;
        f.and("k.status = ?", [Val::T(s.as_str().to_owned())]);
    }
    if let Some(cat) = q.category.as_deref().filter(|s| !s.is_empty()) {
        f.and("k.category = ?", [Val::T(cat.to_owned())]);
    }
    if let Some(c) = q.community_id {
        f.and("k.community_id = ?", [Val::I(c)]);
    }
    if q.overdue == Some(true) {
        let open = vec!["?"; CaseStatus::OPEN.len()].join(", ");
        let mut vals: Vec<Val> = CaseStatus::OPEN
            .iter()
            .map(|s| Val::T(s.as_str().to_owned()))
            .collect();
        vals.push(Val::T(time::now_db()));
        f.and(&format!("k.status IN ({open}) AND k.deadline < ?"), vals);
    }
    if q.supervised == Some(true) {
        f.and("k.supervised_at IS NOT NULL", []);
    }
    if let Some(text) = q.q.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        if text.chars().count() > 50 {
            return Err(AppError::invalid("q", "cases.bad_search"));
        }
        let pat = like_pattern(text);
        f.and(
            "(k.description LIKE ? ESCAPE '\\' OR k.address LIKE ? ESCAPE '\\' OR k.tracking_code = ?)",
            [Val::T(pat.clone()), Val::T(pat), Val::T(text.to_ascii_uppercase())],
        );
    }
    if let Some(b) = q.building_id {
        f.and("k.building_id = ?", [Val::I(b)]);
    }
    match q
        .assignee
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        None => {}
        Some("me") => {
            let me = ctx.signed_in()?.id;
            f.and("k.assignee_user_id = ?", [Val::I(me)]);
        }
        Some(name) => {
            f.and(
                "k.assignee_user_id = (SELECT u.id FROM users u WHERE u.username = ?)",
                [Val::T(name.to_owned())],
            );
        }
    }
    let order = match q.sort.as_deref().filter(|s| !s.is_empty()) {
        None | Some("newest") => "k.id DESC",
        Some("oldest") => "k.id",
        Some("deadline") => "k.deadline, k.id",
        Some(_) => return Err(AppError::invalid("sort", "cases.bad_sort")),
    };
    Ok((f, order))
}

pub async fn search(
    state: &AppState,
    ctx: &Ctx,
    q: &CaseQuery,
) -> Result<(Vec<Case>, i64), AppError> {
    let (page, per_page) = paging(q.page, q.per_page, 25, 200)?;
    let (f, order) = conditions(ctx, q)?;
    let from = "FROM cases k JOIN communities c ON c.id = k.community_id";
    let total: i64 = bind_vals(
        sqlx::query(&format!("SELECT COUNT(*) AS n {from} {}", f.sql())),
        &f.vals,
    )
    .fetch_one(state.db.read())
    .await?
    .try_get("n")?;
    let sql = format!(
        "SELECT {CASE_COLUMNS} {from} {} ORDER BY {order} LIMIT {per_page} OFFSET {}",
        f.sql(),
        (page - 1) * per_page
    );
    let rows = bind_vals(sqlx::query(&sql), &f.vals)
        .fetch_all(state.db.read())
        .await?;
    let mut items = rows.iter().map(case_from).collect::<Result<Vec<_>, _>>()?;
    withhold_sensitive(state, ctx, q, &mut items).await?;
    Ok((items, total))
}

/// A list gives a sensitive case without its details (what the resident said, who and where
/// they are): reading one is opening it, and that read is audited by itself, naming the case
/// (rule S1). A list searched by words has read the sensitive cases it matched, so it is one
/// audited sensitive read, committed before the list is shown.
async fn withhold_sensitive(
    state: &AppState,
    ctx: &Ctx,
    q: &CaseQuery,
    items: &mut [Case],
) -> Result<(), AppError> {
    let matched = items.iter().filter(|c| c.sensitive).count();
    if matched == 0 {
        return Ok(());
    }
    if q.q.as_deref().is_some_and(|t| !t.trim().is_empty()) {
        audit::record_alone(
            &state.db,
            &ctx.actor(),
            Entry::new("case.search", "case_list", "")
                .sensitive()
                .detail(format!("n={} sensitive={matched}", items.len())),
        )
        .await?;
    }
    for c in items.iter_mut().filter(|c| c.sensitive) {
        c.redact();
    }
    Ok(())
}

/// Whose open cases [`open_counts`] counts.
#[derive(Clone, Copy, Debug)]
pub enum Counted {
    Community(i64),
    /// A building's, sensitive categories left out (its leader does not read them).
    Building(i64),
    /// What a resident filed.
    FiledBy(i64),
}

/// Open cases (still owing an answer): how many, how many past their deadline, how many due
/// before `soon` (a stored instant).
#[derive(Clone, Copy, Debug, Default)]
pub struct OpenCounts {
    pub open: i64,
    pub overdue: i64,
    pub due_soon: i64,
}

pub async fn open_counts(
    pool: &crate::platform::reader::Reader,
    whose: Counted,
    soon: &str,
) -> Result<OpenCounts, sqlx::Error> {
    let (cond, id) = match whose {
        Counted::Community(c) => ("community_id = $1", c),
        Counted::Building(b) => ("building_id = $1 AND sensitive = 0", b),
        Counted::FiledBy(u) => ("submitter_user_id = $1", u),
    };
    let open = crate::platform::db::placeholders(3, CaseStatus::OPEN.len());
    let sql = format!(
        "SELECT COUNT(*) AS n, COALESCE(SUM(CASE WHEN deadline < $2 THEN 1 ELSE 0 END), 0) AS late, \
         COALESCE(SUM(CASE WHEN deadline >= $2 AND deadline < $3 THEN 1 ELSE 0 END), 0) AS soon \
         FROM cases WHERE {cond} AND status IN ({open})"
    );
    let mut q = sqlx::query(&sql).bind(id).bind(time::now_db()).bind(soon);
    for s in CaseStatus::OPEN {
        q = q.bind(*s);
    }
    let r = q.fetch_one(pool).await?;
    Ok(OpenCounts {
        open: r.try_get("n")?,
        overdue: r.try_get("late")?,
        due_soon: r.try_get("soon")?,
    })
}

/// The most rows an export holds.
pub const EXPORT_MAX: i64 = 5000;

/// Every case the list `q` shows, on all its pages (up to [`EXPORT_MAX`]), for the export; the
/// export is audited, as a sensitive read when it holds sensitive categories.
pub async fn export(state: &AppState, ctx: &Ctx, q: &CaseQuery) -> Result<Vec<Case>, AppError> {
    let (f, order) = conditions(ctx, q)?;
    let sql = format!(
        "SELECT {CASE_COLUMNS} FROM cases k JOIN communities c ON c.id = k.community_id {} ORDER BY {order} LIMIT {EXPORT_MAX}",
        f.sql()
    );
    let rows = bind_vals(sqlx::query(&sql), &f.vals)
        .fetch_all(state.db.read())
        .await?;
    let items = rows.iter().map(case_from).collect::<Result<Vec<_>, _>>()?;
    let mut entry = Entry::new("case.export", "case_list", "").detail(format!("n={}", items.len()));
    if items.iter().any(|c| c.sensitive) {
        entry = entry.sensitive();
    }
    audit::record_alone(&state.db, &ctx.actor(), entry).await?;
    Ok(items)
}

/// Puts every overdue case that still owes an answer on the supervision list, once: the
/// reason is recorded, the timeline and the audit log say so, and the community's heads are
/// notified. Returns how many were escalated.
pub async fn sweep(db: &Db) -> Result<usize, sqlx::Error> {
    let now = time::now_db();
    let open = crate::platform::db::placeholders(1, CaseStatus::OPEN.len());
    let sql = format!(
        "SELECT {CASE_COLUMNS} FROM cases k JOIN communities c ON c.id = k.community_id \
         WHERE k.supervised_at IS NULL AND k.deadline < $1 AND k.status IN ({open}) ORDER BY k.id LIMIT 1000"
    );
    let mut q = sqlx::query(&sql).bind(&now);
    for s in CaseStatus::OPEN {
        q = q.bind(*s);
    }
    let due = q
        .fetch_all(db.read())
        .await?
        .iter()
        .map(case_from)
        .collect::<Result<Vec<_>, _>>()?;
    let system = Actor {
        id: None,
        name: "system".into(),
        role: "system".into(),
        ip: "local".into(),
    };
    for c in &due {
        let deadline = time::from_db(&c.deadline)
            .map(|t| time::show(t, crate::platform::i18n::Lang::ZhCn))
            .unwrap_or_default();
        let reason = format!("超过办理时限（截止 {deadline}）");
        let mut tx = db.begin().await?;
        let res = sqlx::query("UPDATE cases SET supervised_at = $1, supervision_reason = $2 WHERE id = $3 AND supervised_at IS NULL")
            .bind(&now)
            .bind(&reason)
            .bind(c.id)
            .execute(&mut *tx)
            .await?;
        if res.rows_affected() == 1 {
            store::add_event(
                &mut tx,
                c.id,
                "system",
                "supervise",
                c.status.as_str(),
                c.status.as_str(),
                &reason,
                false,
            )
            .await?;
            audit::record(
                &mut tx,
                &system,
                Entry::new("case.supervise", "case", c.id)
                    .at(c.place())
                    .detail(&*reason),
            )
            .await?;
            let heads = sqlx::query(
                "SELECT g.user_id FROM grants g WHERE g.role = 'community_head' AND g.community_id = $1 AND g.revoked_at IS NULL",
            )
            .bind(c.community_id)
            .fetch_all(&mut *tx)
            .await?;
            for h in heads {
                store::notify(
                    &mut tx,
                    Some(h.try_get("user_id")?),
                    c.id,
                    "supervise",
                    &super::notify::text(
                        crate::platform::i18n::Lang::ZhCn,
                        "supervise",
                        false,
                        c.id,
                        &c.description,
                        "",
                    ),
                )
                .await?;
            }
        }
        tx.commit().await?;
    }
    Ok(due.len())
}
