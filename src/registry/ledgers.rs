//! The four ledgers (四账) of M16 as community workers keep them: residents, stationed units,
//! social organizations, and the general ledger. xlsx (one sheet per section) or CSV; scope and
//! masking hold; every export is audited.

use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use sqlx::{AnyPool, Row};
use utoipa_axum::{router::OpenApiRouter, routes};

use super::id_number::mask;
use crate::app::AppState;
use crate::audit::{self, Entry};
use crate::auth::{Action, Ctx, Scope, Target, scope::scope_condition};
use crate::platform::db::{Filter, bind_vals};
use crate::platform::error::AppError;
use crate::platform::i18n::{Lang, t};
use crate::platform::sheets::{Cell, Table, to_csv, to_xlsx};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(ledger))
}

/// Download a ledger: `residents`, `social-units`, `social-orgs` or `general`, as `.xlsx` or `.csv`.
#[utoipa::path(get, path = "/api/v1/ledgers/{file}", tag = "registry",
    params(("file" = String, Path, description = "residents.xlsx, residents.csv, social-units.xlsx, social-orgs.csv, general.xlsx …")),
    security(("bearer" = [])),
    responses((status = 200, description = "the spreadsheet", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
              (status = 404, description = "no such ledger")))]
async fn ledger(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(file): Path<String>,
) -> Result<Response, AppError> {
    let (kind, ext) = file.rsplit_once('.').ok_or_else(AppError::not_found)?;
    if !matches!(ext, "xlsx" | "csv") {
        return Err(AppError::not_found());
    }
    let scopes = ctx.scopes(Action::RegistryRead);
    if scopes.is_empty() {
        ctx.require(Action::RegistryRead, Target::System)?;
    }
    let pool = state.db.read();
    let tables = match kind {
        "residents" => residents(pool, &scopes, ctx.lang).await?,
        "social-units" => social_units(pool, &scopes).await?,
        "social-orgs" => social_orgs(pool, &scopes).await?,
        "general" => general(pool, &scopes).await?,
        _ => return Err(AppError::not_found()),
    };
    let rows: usize = tables.iter().map(|t| t.rows.len()).sum();
    audit::record_alone(
        &state.db,
        &ctx.actor(),
        Entry::new("registry.export", "ledger", &file).detail(format!("{rows} rows")),
    )
    .await?;
    let (body, mime) = if ext == "xlsx" {
        (
            to_xlsx(&tables)?,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    } else {
        (to_csv(&tables)?, "text/csv; charset=utf-8")
    };
    let disposition = format!("attachment; filename=\"{file}\"");
    Ok((
        [
            (header::CONTENT_TYPE, mime.to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        body,
    )
        .into_response())
}

fn scoped(
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
async fn residents(pool: &AnyPool, scopes: &[Scope], lang: Lang) -> Result<Vec<Table>, AppError> {
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
         {} AND r.status = 'living' ORDER BY c.code, p.id, b.id, u.number, h.door_number, r.birth_date",
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
            r.try_get::<String, _>("building")?.into(),
            r.try_get::<i64, _>("unit")?.into(),
            r.try_get::<String, _>("door_number")?.into(),
            r.try_get::<String, _>("name")?.into(),
            t(lang, &format!("gender.{gender}")).into(),
            r.try_get::<String, _>("birth_date")?.into(),
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
            r.try_get::<String, _>("moved_in")?.into(),
            tags.into(),
        ]);
    }
    Ok(tables)
}

/// Stationed units (驻社区单位), one sheet per community.
async fn social_units(pool: &AnyPool, scopes: &[Scope]) -> Result<Vec<Table>, AppError> {
    let f = scoped(scopes, "c.street_id", "s.community_id", None)?;
    let sql = format!(
        "SELECT c.name AS community, s.name, s.kind, s.address, s.contact_name, s.contact_phone, s.employees, s.note \
         FROM social_units s JOIN communities c ON c.id = s.community_id {} ORDER BY c.code, s.id",
        f.sql()
    );
    let rows = bind_vals(sqlx::query(&sql), &f.vals)
        .fetch_all(pool)
        .await?;
    let mut tables: Vec<Table> = Vec::new();
    for r in rows {
        let community: String = r.try_get("community")?;
        if tables.last().is_none_or(|t| t.name != community) {
            tables.push(Table {
                name: community.clone(),
                title: format!("{community} 驻社区单位台账"),
                headers: vec![
                    "序号",
                    "单位名称",
                    "类别",
                    "地址",
                    "联系人",
                    "联系电话",
                    "职工人数",
                    "备注",
                ],
                rows: vec![],
            });
        }
        let table = tables.last_mut().expect("pushed above");
        let phone: String = r.try_get("contact_phone")?;
        table.rows.push(vec![
            Cell::from(table.rows.len() as i64 + 1),
            r.try_get::<String, _>("name")?.into(),
            r.try_get::<String, _>("kind")?.into(),
            r.try_get::<String, _>("address")?.into(),
            r.try_get::<String, _>("contact_name")?.into(),
            mask(&phone).into(),
            r.try_get::<i64, _>("employees")?.into(),
            r.try_get::<String, _>("note")?.into(),
        ]);
    }
    Ok(tables)
}

/// Social organizations, and their members on a second sheet.
async fn social_orgs(pool: &AnyPool, scopes: &[Scope]) -> Result<Vec<Table>, AppError> {
    let f = scoped(scopes, "c.street_id", "o.community_id", None)?;
    let sql = format!(
        "SELECT o.id, c.name AS community, o.name, o.kind, o.founded_on, o.activities, \
         (SELECT r.name FROM residents r WHERE r.id = o.leader_resident_id) AS leader, \
         (SELECT COUNT(*) FROM social_org_members m WHERE m.org_id = o.id) AS members \
         FROM social_orgs o JOIN communities c ON c.id = o.community_id {} ORDER BY c.code, o.id",
        f.sql()
    );
    let rows = bind_vals(sqlx::query(&sql), &f.vals)
        .fetch_all(pool)
        .await?;
    let mut orgs = Table {
        name: "社会组织".into(),
        title: "社区社会组织台账".into(),
        headers: vec![
            "序号",
            "社区",
            "组织名称",
            "类别",
            "成立日期",
            "负责人",
            "成员数",
            "主要活动",
        ],
        rows: vec![],
    };
    for r in &rows {
        orgs.rows.push(vec![
            Cell::from(orgs.rows.len() as i64 + 1),
            r.try_get::<String, _>("community")?.into(),
            r.try_get::<String, _>("name")?.into(),
            r.try_get::<String, _>("kind")?.into(),
            r.try_get::<String, _>("founded_on")?.into(),
            r.try_get::<Option<String>, _>("leader")?
                .unwrap_or_default()
                .into(),
            r.try_get::<i64, _>("members")?.into(),
            r.try_get::<String, _>("activities")?.into(),
        ]);
    }
    let sql = format!(
        "SELECT o.name AS org, r.name, m.position, m.joined_on FROM social_org_members m JOIN social_orgs o ON o.id = m.org_id \
         JOIN residents r ON r.id = m.resident_id JOIN communities c ON c.id = o.community_id {} ORDER BY o.id, m.joined_on",
        f.sql()
    );
    let rows = bind_vals(sqlx::query(&sql), &f.vals)
        .fetch_all(pool)
        .await?;
    let mut members = Table {
        name: "成员".into(),
        title: "社会组织成员名册".into(),
        headers: vec!["序号", "组织名称", "姓名", "职务", "加入日期"],
        rows: vec![],
    };
    for r in &rows {
        let position: String = r.try_get("position")?;
        members.rows.push(vec![
            Cell::from(members.rows.len() as i64 + 1),
            r.try_get::<String, _>("org")?.into(),
            r.try_get::<String, _>("name")?.into(),
            t(Lang::ZhCn, &format!("position.{position}")).into(),
            r.try_get::<String, _>("joined_on")?.into(),
        ]);
    }
    Ok(vec![orgs, members])
}

/// The general ledger (综合台账): each community at a glance, its compounds' occupancy, and
/// its households in difficulty.
async fn general(pool: &AnyPool, scopes: &[Scope]) -> Result<Vec<Table>, AppError> {
    let f = scoped(scopes, "c.street_id", "c.id", None)?;
    let sql = format!(
        "SELECT c.name, \
         (SELECT COUNT(*) FROM compounds p WHERE p.community_id = c.id) AS compounds, \
         (SELECT COUNT(*) FROM buildings b WHERE b.community_id = c.id) AS buildings, \
         (SELECT COUNT(*) FROM households h WHERE h.community_id = c.id) AS households, \
         (SELECT COUNT(*) FROM residents r WHERE r.community_id = c.id AND r.status = 'living') AS residents, \
         (SELECT COUNT(*) FROM residents r WHERE r.community_id = c.id AND r.status = 'living' AND r.political_status IN ('party_member', 'probationary_member')) AS party, \
         (SELECT COUNT(*) FROM households h WHERE h.community_id = c.id AND h.tags LIKE '%in_difficulty%') AS difficulty, \
         (SELECT COUNT(*) FROM households h WHERE h.community_id = c.id AND h.tags LIKE '%rented_out%') AS rented, \
         (SELECT COUNT(*) FROM social_units s WHERE s.community_id = c.id) AS units, \
         (SELECT COUNT(*) FROM social_orgs o WHERE o.community_id = c.id) AS orgs, \
         (SELECT COUNT(*) FROM volunteers v WHERE v.community_id = c.id) AS volunteers \
         FROM communities c {} ORDER BY c.code",
        f.sql()
    );
    let rows = bind_vals(sqlx::query(&sql), &f.vals)
        .fetch_all(pool)
        .await?;
    let mut overview = Table {
        name: "社区概况".into(),
        title: "社区综合台账 · 概况".into(),
        headers: vec![
            "社区",
            "小区院落",
            "楼栋",
            "户数",
            "在住居民",
            "党员",
            "困难户",
            "出租户",
            "驻社区单位",
            "社会组织",
            "志愿者",
        ],
        rows: vec![],
    };
    for r in &rows {
        let mut row: Vec<Cell> = vec![r.try_get::<String, _>("name")?.into()];
        for col in [
            "compounds",
            "buildings",
            "households",
            "residents",
            "party",
            "difficulty",
            "rented",
            "units",
            "orgs",
            "volunteers",
        ] {
            row.push(r.try_get::<i64, _>(col)?.into());
        }
        overview.rows.push(row);
    }
    let sql = format!(
        "SELECT c.name AS community, p.name, p.custodial, p.has_committee, \
         (SELECT COUNT(*) FROM households h JOIN buildings b ON b.id = h.building_id WHERE b.compound_id = p.id) AS total, \
         (SELECT COUNT(*) FROM households h JOIN buildings b ON b.id = h.building_id WHERE b.compound_id = p.id AND h.occupied = 1) AS occupied \
         FROM compounds p JOIN communities c ON c.id = p.community_id {} ORDER BY c.code, p.id",
        f.sql()
    );
    let rows = bind_vals(sqlx::query(&sql), &f.vals)
        .fetch_all(pool)
        .await?;
    let mut compounds = Table {
        name: "小区院落".into(),
        title: "小区院落入住情况".into(),
        headers: vec![
            "社区",
            "小区院落",
            "总户数",
            "入住户数",
            "入住率",
            "代管",
            "提示",
        ],
        rows: vec![],
    };
    for r in &rows {
        let total: i64 = r.try_get("total")?;
        let occupied: i64 = r.try_get("occupied")?;
        let custodial = r.try_get::<i64, _>("custodial")? != 0;
        let has_committee = r.try_get::<i64, _>("has_committee")? != 0;
        let rate = if total == 0 {
            0.0
        } else {
            occupied as f64 / total as f64
        };
        compounds.rows.push(vec![
            r.try_get::<String, _>("community")?.into(),
            r.try_get::<String, _>("name")?.into(),
            total.into(),
            occupied.into(),
            format!("{:.1}%", rate * 100.0).into(),
            if custodial { "是" } else { "" }.into(),
            if super::rules::needs_committee(custodial, has_committee, occupied, total) {
                "应成立居委会"
            } else {
                ""
            }
            .into(),
        ]);
    }
    let sql = format!(
        "SELECT c.name AS community, h.address, \
         (SELECT COUNT(*) FROM residents r WHERE r.household_id = h.id AND r.status = 'living') AS members \
         FROM households h JOIN communities c ON c.id = h.community_id {} AND h.tags LIKE '%in_difficulty%' ORDER BY c.code, h.id",
        f.sql()
    );
    let rows = bind_vals(sqlx::query(&sql), &f.vals)
        .fetch_all(pool)
        .await?;
    let mut difficulty = Table {
        name: "困难户".into(),
        title: "困难户名册".into(),
        headers: vec!["序号", "社区", "住址", "在住人数"],
        rows: vec![],
    };
    for r in &rows {
        difficulty.rows.push(vec![
            Cell::from(difficulty.rows.len() as i64 + 1),
            r.try_get::<String, _>("community")?.into(),
            r.try_get::<String, _>("address")?.into(),
            r.try_get::<i64, _>("members")?.into(),
        ]);
    }
    Ok(vec![overview, compounds, difficulty])
}
