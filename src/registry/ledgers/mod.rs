//! The four ledgers (四账) of M16 as community workers keep them: residents, stationed units,
//! social organizations, and the general ledger. xlsx (one sheet per section) or CSV; scope and
//! masking hold; every export is audited.

use crate::platform::web::Path;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use sqlx::Row;

use crate::platform::reader::Reader;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::id_number::mask;
use crate::audit::{self, Entry};
use crate::auth::{Action, Ctx, Scope, Target, scope::scope_condition};
use crate::platform::AppState;
use crate::platform::db::{Filter, bind_vals};
use crate::platform::error::AppError;
use crate::platform::i18n::{Lang, t};
use crate::platform::sheets::{CSV, Cell, Table, XLSX, download, to_csv, to_xlsx};

mod general;
mod orgs;
pub mod print;
mod reimport;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(ledger))
}

#[derive(serde::Deserialize, utoipa::IntoParams)]
pub struct LedgerQuery {
    /// For a ledger for re-import: the community (default: the head's own).
    community_id: Option<i64>,
}

/// Download a ledger: `residents`, `social-units`, `social-orgs` or `general`, as `.xlsx` or
/// `.csv` (masked, with titles, for reading and printing); or `residents-import`,
/// `social-units-import`, `social-orgs-import` or `social-org-members-import`, the ledger unmasked in the layout the import
/// reads, to correct in a spreadsheet and import back (the community head; an audited sensitive
/// export).
#[utoipa::path(get, path = "/api/v1/ledgers/{file}", tag = "registry",
    params(("file" = String, Path, description = "residents.xlsx, residents.csv, residents-import.xlsx, social-units.xlsx, social-orgs-import.xlsx, social-orgs.csv, general.xlsx …"), LedgerQuery),
    security(("bearer" = [])),
    responses((status = 200, description = "the spreadsheet (.xlsx) or the CSV (.csv), as the name says",
                content((String = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"), (String = "text/csv"))),
              (status = 404, description = "no such ledger")))]
async fn ledger(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(file): Path<String>,
    crate::platform::web::Query(q): crate::platform::web::Query<LedgerQuery>,
) -> Result<Response, AppError> {
    let (kind, ext) = file.rsplit_once('.').ok_or_else(AppError::not_found)?;
    if !matches!(ext, "xlsx" | "csv") {
        return Err(AppError::not_found());
    }
    if reimport::is_reimport(kind) {
        // Authorized in table > community: RegistryExportFull
        let table = reimport::table(&state, &ctx, kind, q.community_id, &file).await?;
        let (body, mime) = if ext == "xlsx" {
            (to_xlsx(std::slice::from_ref(&table))?, XLSX)
        } else {
            (to_csv(std::slice::from_ref(&table))?, CSV)
        };
        // Whole on purpose: the audited sensitive export (entry made by reimport::table).
        return Ok((crate::platform::pii::Unmasked, download(body, mime, &file)).into_response());
    }
    // Authorized in tables: RegistryRead
    let tables = tables(&state, &ctx, kind).await?;
    let rows: usize = tables.iter().map(|t| t.rows.len()).sum();
    audit::record_alone(
        &state.db,
        &ctx.actor(),
        Entry::new("registry.export", "ledger", &file).detail(format!("{rows} rows")),
    )
    .await?;
    let (body, mime) = if ext == "xlsx" {
        (to_xlsx(&tables)?, XLSX)
    } else {
        (to_csv(&tables)?, CSV)
    };
    Ok(download(body, mime, &file))
}

/// The ledgers a kind names (`residents`, `social-units`, `social-orgs`, `general`), in the
/// reader's scope, for the download and the print view alike.
pub(crate) async fn tables(
    state: &AppState,
    ctx: &Ctx,
    kind: &str,
) -> Result<Vec<Table>, AppError> {
    let scopes = ctx.scopes(Action::RegistryRead);
    if scopes.is_empty() {
        ctx.require(Action::RegistryRead, Target::System)?;
    }
    let pool = state.db.read();
    match kind {
        "residents" => residents(pool, &scopes, ctx.lang).await,
        "social-units" => orgs::social_units(pool, &scopes).await,
        "social-orgs" => orgs::social_orgs(pool, &scopes).await,
        "general" => general::general(pool, &scopes).await,
        _ => Err(AppError::not_found()),
    }
}

pub(super) fn scoped(
    scopes: &[Scope],
    street: &str,
    community: &str,
    building: Option<&str>,
) -> Result<Filter, AppError> {
    let (cond, vals) =
        scope_condition(scopes, street, community, building).ok_or_else(AppError::forbidden)?;
    let mut f = Filter::default();
    f.and(&cond, vals);
    Ok(f)
}

fn reps(r: &sqlx::any::AnyRow, lang: Lang) -> Result<String, sqlx::Error> {
    let mut v = Vec::new();
    for (col, key) in [
        ("rep_party", "rep.party"),
        ("rep_npc", "rep.npc"),
        ("rep_cppcc", "rep.cppcc"),
        ("rep_resident", "rep.resident"),
    ] {
        if r.try_get::<i64, _>(col)? != 0 {
            v.push(t(lang, key));
        }
    }
    Ok(v.join("、"))
}

/// Residents, one sheet per compound, ordered by building, unit and door.
async fn residents(pool: &Reader, scopes: &[Scope], lang: Lang) -> Result<Vec<Table>, AppError> {
    let f = scoped(
        scopes,
        "c.street_id",
        "r.community_id",
        Some("r.building_id"),
    )?;
    let sql = format!(
        "SELECT c.name AS community, p.name AS compound, b.number AS building, u.number AS unit, h.door_number, h.tags, \
         r.name, r.gender, r.birth_date, r.id_number, r.phone, r.ethnicity, r.political_status, r.rep_party, r.rep_npc, \
         r.rep_cppcc, r.rep_resident, r.moved_in \
         FROM residents r JOIN households h ON h.id = r.household_id JOIN units u ON u.id = h.unit_id \
         JOIN buildings b ON b.id = r.building_id JOIN compounds p ON p.id = b.compound_id JOIN communities c ON c.id = r.community_id \
         {} AND r.status = 'living' AND r.locked_at IS NULL ORDER BY c.code, p.id, b.id, u.number, h.door_number, r.birth_date",
        f.sql()
    );
    let rows = bind_vals(sqlx::query(&sql), &f.vals)
        .fetch_all(pool)
        .await?;
    let mut tables: Vec<Table> = Vec::new();
    for r in rows {
        let community: String = r.try_get("community")?;
        let compound: String = r.try_get("compound")?;
        let name = format!("{community}{compound}");
        if tables.last().is_none_or(|t| t.name != name) {
            tables.push(Table {
                name: name.clone(),
                title: format!("{name} 居民台账"),
                headers: vec![
                    "序号",
                    "小区",
                    "楼栋",
                    "单元",
                    "门牌号",
                    "姓名",
                    "性别",
                    "出生日期",
                    "身份证号",
                    "联系电话",
                    "民族",
                    "政治面貌",
                    "代表身份",
                    "迁入日期",
                    "户标记",
                ],
                rows: vec![],
            });
        }
        let table = tables.last_mut().expect("pushed above");
        let gender: String = r.try_get("gender")?;
        let political: String = r.try_get("political_status")?;
        let tags: String = r.try_get("tags")?;
        let tags = tags
            .split(',')
            .filter(|s| !s.is_empty())
            .map(|s| t(lang, &format!("tag.{s}")))
            .collect::<Vec<_>>()
            .join("、");
        let phone: String = r.try_get("phone")?;
        let id: String = r.try_get("id_number")?;
        table.rows.push(vec![
            Cell::from(table.rows.len() as i64 + 1),
            compound.clone().into(),
            r.try_get::<String, _>("building")?.into(),
            r.try_get::<i64, _>("unit")?.into(),
            r.try_get::<String, _>("door_number")?.into(),
            r.try_get::<String, _>("name")?.into(),
            t(lang, &format!("gender.{gender}")).into(),
            Cell::day(&r.try_get::<String, _>("birth_date")?),
            mask(&id).into(),
            if phone.is_empty() {
                String::new()
            } else {
                mask(&phone)
            }
            .into(),
            r.try_get::<String, _>("ethnicity")?.into(),
            t(lang, &format!("political.{political}")).into(),
            reps(&r, lang)?.into(),
            Cell::day(&r.try_get::<String, _>("moved_in")?),
            tags.into(),
        ]);
    }
    Ok(tables)
}
