//! The ledgers for re-import (issue 22 item 3): the community's residents, stationed units,
//! social organizations or their members in exactly the layout `registry::import` reads — one
//! sheet, the import's headers in its first row, no title — with ID numbers and phones whole, so
//! that a worker can correct the ledger in a spreadsheet and import it back. The community head only
//! (`RegistryExportFull`); every download is one audited sensitive read.

use sqlx::Row;

use crate::platform::reader::Reader;

use crate::audit::{self, Entry};
use crate::auth::{Action, Ctx, Scope, Target};
use crate::platform::AppState;
use crate::platform::error::AppError;
use crate::platform::i18n::{Lang, t};
use crate::platform::sheets::{Cell, Table};
use crate::registry::import::COLUMNS;
use crate::registry::import::social::SocialLedger;
use crate::registry::places::place_of_community;

/// The community the caller may export in full: the head's own (or `asked`, if theirs).
async fn community(state: &AppState, ctx: &Ctx, asked: Option<i64>) -> Result<i64, AppError> {
    let mine: Vec<i64> = ctx
        .scopes(Action::RegistryExportFull)
        .into_iter()
        .filter_map(|s| match s {
            Scope::Community(c) => Some(c),
            _ => None,
        })
        .collect();
    let c = match (asked, mine.as_slice()) {
        (Some(c), _) => c,
        (None, [one]) => *one,
        _ => {
            ctx.require(Action::RegistryExportFull, Target::System)?;
            return Err(
                AppError::invalid("community_id", "error.query_field").arg("field", "community_id")
            );
        }
    };
    let place = place_of_community(state.db.read(), c)
        .await?
        .ok_or_else(AppError::not_found)?;
    ctx.require(Action::RegistryExportFull, Target::At(place))?;
    Ok(c)
}

/// Whether a file names a ledger for re-import: `residents-import`, or a social ledger's name
/// (`social-units`, `social-orgs`, `social-org-members`) with `-import`.
pub fn is_reimport(kind: &str) -> bool {
    kind == "residents-import"
        || kind
            .strip_suffix("-import")
            .and_then(SocialLedger::parse)
            .is_some()
}

/// The table, and the audit entry in the same breath: nothing leaves unrecorded.
pub async fn table(
    state: &AppState,
    ctx: &Ctx,
    kind: &str,
    asked: Option<i64>,
    file: &str,
) -> Result<Table, AppError> {
    let c = community(state, ctx, asked).await?;
    let pool = state.db.read();
    let (name, headers, rows) = match kind.strip_suffix("-import").and_then(SocialLedger::parse) {
        None => ("居民台账（可再导入）", COLUMNS, residents(pool, c).await?),
        Some(SocialLedger::Units) => (
            "驻区单位台账（可再导入）",
            SocialLedger::Units.columns(),
            units(pool, c).await?,
        ),
        Some(SocialLedger::Orgs) => (
            "社会组织台账（可再导入）",
            SocialLedger::Orgs.columns(),
            orgs(pool, c).await?,
        ),
        Some(SocialLedger::Members) => (
            "社会组织成员名册（可再导入）",
            SocialLedger::Members.columns(),
            members(pool, c).await?,
        ),
    };
    let place = place_of_community(pool, c)
        .await?
        .ok_or_else(AppError::not_found)?;
    audit::record_alone(
        &state.db,
        &ctx.actor(),
        Entry::new("registry.export_full", "ledger", file)
            .at(place)
            .sensitive()
            .detail(format!("{} rows, unmasked, for re-import", rows.len())),
    )
    .await?;
    Ok(Table {
        name: name.into(),
        title: String::new(),
        headers: headers.to_vec(),
        rows,
    })
}

/// The community's living residents, numbers whole.
async fn residents(pool: &Reader, c: i64) -> Result<Vec<Vec<Cell>>, AppError> {
    let rows = sqlx::query(
        "SELECT p.name AS compound, b.number AS building, u.number AS unit, h.door_number, r.name, r.id_number, \
         r.phone, r.ethnicity, r.political_status, r.moved_in, h.tags \
         FROM residents r JOIN households h ON h.id = r.household_id JOIN units u ON u.id = h.unit_id \
         JOIN buildings b ON b.id = r.building_id JOIN compounds p ON p.id = b.compound_id \
         WHERE r.community_id = $1 AND r.status = 'living' AND r.locked_at IS NULL \
         ORDER BY p.id, b.id, u.number, h.door_number, r.birth_date",
    )
    .bind(c)
    .fetch_all(pool)
    .await?;
    // The import reads Chinese labels, whatever the reader's language.
    let zh = Lang::ZhCn;
    let mut out = Vec::with_capacity(rows.len());
    for r in &rows {
        let political: String = r.try_get("political_status")?;
        let tags: String = r.try_get("tags")?;
        let tags: Vec<&str> = tags
            .split(',')
            .filter(|s| !s.is_empty())
            .map(|s| t(zh, &format!("tag.{s}")))
            .collect();
        out.push(vec![
            Cell::Text(r.try_get("compound")?),
            Cell::Text(r.try_get("building")?),
            Cell::from(r.try_get::<i64, _>("unit")?),
            Cell::Text(r.try_get("door_number")?),
            Cell::Text(r.try_get("name")?),
            Cell::Whole(r.try_get("id_number")?),
            Cell::Whole(r.try_get("phone")?),
            Cell::Text(r.try_get("ethnicity")?),
            Cell::Text(t(zh, &format!("political.{political}")).to_owned()),
            Cell::day(&r.try_get::<String, _>("moved_in")?),
            Cell::Text(tags.join("、")),
        ]);
    }
    Ok(out)
}

/// The community's stationed units, contact phones whole.
async fn units(pool: &Reader, c: i64) -> Result<Vec<Vec<Cell>>, AppError> {
    let rows = sqlx::query(
        "SELECT name, kind, address, contact_name, contact_phone, employees, note FROM social_units \
         WHERE community_id = $1 ORDER BY id",
    )
    .bind(c)
    .fetch_all(pool)
    .await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in &rows {
        out.push(vec![
            Cell::Text(r.try_get("name")?),
            Cell::Text(r.try_get("kind")?),
            Cell::Text(r.try_get("address")?),
            Cell::Text(r.try_get("contact_name")?),
            Cell::Whole(r.try_get("contact_phone")?),
            Cell::from(r.try_get::<i64, _>("employees")?),
            Cell::Text(r.try_get("note")?),
        ]);
    }
    Ok(out)
}

/// The community's social organizations, each leader by name and whole ID number (a locked
/// record is kept, not listed).
async fn orgs(pool: &Reader, c: i64) -> Result<Vec<Vec<Cell>>, AppError> {
    let rows = sqlx::query(
        "SELECT o.name, o.kind, o.founded_on, o.activities, r.name AS leader, r.id_number AS leader_id \
         FROM social_orgs o LEFT JOIN residents r ON r.id = o.leader_resident_id AND r.locked_at IS NULL \
         WHERE o.community_id = $1 ORDER BY o.id",
    )
    .bind(c)
    .fetch_all(pool)
    .await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in &rows {
        out.push(vec![
            Cell::Text(r.try_get("name")?),
            Cell::Text(r.try_get("kind")?),
            Cell::day(&r.try_get::<String, _>("founded_on")?),
            Cell::Text(
                r.try_get::<Option<String>, _>("leader")?
                    .unwrap_or_default(),
            ),
            Cell::Whole(
                r.try_get::<Option<String>, _>("leader_id")?
                    .unwrap_or_default(),
            ),
            Cell::Text(r.try_get("activities")?),
        ]);
    }
    Ok(out)
}

/// The members of the community's social organizations, each by name and whole ID number (a
/// locked record is kept, not listed).
async fn members(pool: &Reader, c: i64) -> Result<Vec<Vec<Cell>>, AppError> {
    let rows = sqlx::query(
        "SELECT o.name AS org, r.name, m.position, m.joined_on, r.id_number FROM social_org_members m \
         JOIN social_orgs o ON o.id = m.org_id JOIN residents r ON r.id = m.resident_id \
         WHERE o.community_id = $1 AND r.locked_at IS NULL ORDER BY o.id, m.joined_on, r.id",
    )
    .bind(c)
    .fetch_all(pool)
    .await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in &rows {
        let position: String = r.try_get("position")?;
        out.push(vec![
            Cell::Text(r.try_get("org")?),
            Cell::Text(r.try_get("name")?),
            Cell::Text(t(Lang::ZhCn, &format!("position.{position}")).to_owned()),
            Cell::day(&r.try_get::<String, _>("joined_on")?),
            Cell::Whole(r.try_get("id_number")?),
        ]);
    }
    Ok(out)
}
