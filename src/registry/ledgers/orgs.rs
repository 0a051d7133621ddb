//! The ledgers of stationed units and social organizations.

use sqlx::Row;

use crate::platform::reader::Reader;

use super::scoped;
use crate::auth::Scope;
use crate::platform::db::bind_vals;
use crate::platform::error::AppError;
use crate::platform::i18n::{Lang, t};
use crate::platform::sheets::{Cell, Table};
use crate::registry::id_number::mask;
use crate::registry::import::social::UNIT_COLUMNS;

/// Stationed units (驻社区单位), one sheet per community.
pub(super) async fn social_units(pool: &Reader, scopes: &[Scope]) -> Result<Vec<Table>, AppError> {
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
                // The import's columns after a running number: the ledger for reading is read
                // back by the import (its masked phones refused by name).
                headers: std::iter::once("序号")
                    .chain(UNIT_COLUMNS.iter().copied())
                    .collect(),
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
pub(super) async fn social_orgs(pool: &Reader, scopes: &[Scope]) -> Result<Vec<Table>, AppError> {
    let mut f = scoped(scopes, "c.street_id", "o.community_id", None)?;
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
            Cell::day(&r.try_get::<String, _>("founded_on")?),
            r.try_get::<Option<String>, _>("leader")?
                .unwrap_or_default()
                .into(),
            r.try_get::<i64, _>("members")?.into(),
            r.try_get::<String, _>("activities")?.into(),
        ]);
    }
    // A locked record (PIPL Art. 47) is kept, not listed.
    f.and("r.locked_at IS NULL", []);
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
            Cell::day(&r.try_get::<String, _>("joined_on")?),
        ]);
    }
    Ok(vec![orgs, members])
}
