//! The general ledger: communities at a glance, compounds' occupancy, households in difficulty,
//! and this quarter's visit coverage per building (两访台账).

use sqlx::Row;

use crate::platform::reader::Reader;

use super::scoped;
use crate::auth::Scope;
use crate::platform::db::bind_vals;
use crate::platform::error::AppError;
use crate::platform::sheets::{Cell, Table};

/// The general ledger (综合台账): each community at a glance, its compounds' occupancy, and
/// its households in difficulty.
pub(super) async fn general(pool: &Reader, scopes: &[Scope]) -> Result<Vec<Table>, AppError> {
    let f = scoped(scopes, "c.street_id", "c.id", None)?;
    let sql = format!(
        "SELECT c.name, \
         (SELECT COUNT(*) FROM compounds p WHERE p.community_id = c.id) AS compounds, \
         (SELECT COUNT(*) FROM buildings b WHERE b.community_id = c.id) AS buildings, \
         (SELECT COUNT(*) FROM households h WHERE h.community_id = c.id) AS households, \
         (SELECT COUNT(*) FROM residents r WHERE r.community_id = c.id AND r.status = 'living' AND r.locked_at IS NULL) AS residents, \
         (SELECT COUNT(*) FROM residents r WHERE r.community_id = c.id AND r.status = 'living' AND r.locked_at IS NULL AND r.political_status IN ('party_member', 'probationary_member')) AS party, \
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
    // The same reading of occupancy as the places page: the property office's figures where
    // recorded, otherwise the registered households.
    let rows = crate::registry::compounds::for_ledger(pool, &f).await?;
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
    for (community, p) in rows {
        compounds.rows.push(vec![
            community.into(),
            p.name.into(),
            p.households.into(),
            p.occupied.into(),
            Cell::Percent(p.occupancy),
            if p.custodial { "是" } else { "" }.into(),
            if p.needs_committee {
                "应成立居委会"
            } else {
                ""
            }
            .into(),
        ]);
    }
    let sql = format!(
        "SELECT c.name AS community, h.address, \
         (SELECT COUNT(*) FROM residents r WHERE r.household_id = h.id AND r.status = 'living' AND r.locked_at IS NULL) AS members \
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
    let quarter = crate::daily::coverage::this_quarter();
    let mut visits = Table {
        name: "走访覆盖".into(),
        title: format!("两访台账 · {quarter} 走访覆盖"),
        headers: vec!["社区", "楼栋", "户数", "本季度已走访", "覆盖率"],
        rows: vec![],
    };
    let sql = format!(
        "SELECT c.id, c.name FROM communities c {} ORDER BY c.code",
        f.sql()
    );
    for c in bind_vals(sqlx::query(&sql), &f.vals)
        .fetch_all(pool)
        .await?
    {
        let name: String = c.try_get("name")?;
        let cov = crate::daily::coverage::coverage(pool, c.try_get("id")?, &quarter).await?;
        for b in &cov.buildings {
            visits.rows.push(vec![
                name.clone().into(),
                b.name.clone().into(),
                b.households.into(),
                b.visited.into(),
                Cell::Percent(b.coverage),
            ]);
        }
    }
    Ok(vec![overview, compounds, difficulty, visits])
}
