//! The dry run: every row checked, then sorted into new, updated and unchanged residents.

use std::collections::{HashMap, HashSet};

use sqlx::Row;

use crate::platform::reader::Reader;

use super::rows::{Places, check_row, columns};
use super::{ImportReport, ImportRow, Plan};
use crate::platform::error::AppError;
use crate::platform::i18n::{Lang, tf};

/// A resident already registered, as far as an import compares it.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Existing {
    id: i64,
    community: i64,
    household_key: (i64, i64, String),
    /// `3号楼2单元301`, as a row would say it.
    address: String,
    fields: [String; 5],
}

/// The columns of `Existing::fields`, in order.
const FIELDS: [&str; 5] = ["姓名", "手机号", "民族", "政治面貌", "迁入日期"];

impl Existing {
    /// What the row changes, old → new, as a worker reads it.
    fn changes(&self, r: &ImportRow) -> Vec<super::FieldChange> {
        let mut out = Vec::new();
        let shown = |column: &str, v: &str| match column {
            "政治面貌" => {
                crate::platform::i18n::t(Lang::ZhCn, &format!("political.{v}")).to_owned()
            }
            _ => v.to_owned(),
        };
        if self.household_key != (r.building, r.unit, r.door.clone()) {
            out.push(super::FieldChange {
                column: "住址".into(),
                old: self.address.clone(),
                new: r.address.clone(),
            });
        }
        let new = [&r.name, &r.phone, &r.ethnicity, &r.political, &r.moved_in];
        for ((column, old), new) in FIELDS.iter().zip(&self.fields).zip(new) {
            if old != new {
                out.push(super::FieldChange {
                    column: (*column).into(),
                    old: shown(column, old),
                    new: shown(column, new),
                });
            }
        }
        out
    }

    fn same_as(&self, r: &ImportRow) -> bool {
        self.household_key == (r.building, r.unit, r.door.clone())
            && self.fields
                == [
                    r.name.clone(),
                    r.phone.clone(),
                    r.ethnicity.clone(),
                    r.political.clone(),
                    r.moved_in.clone(),
                ]
    }
}

/// Checks every row against the community's places and the registry.
pub async fn plan(
    pool: &Reader,
    community_id: i64,
    table: &[Vec<String>],
    lang: Lang,
    create_buildings: bool,
) -> Result<Plan, AppError> {
    // The headers' row: the first, or the first of the top few that names 姓名 and 身份证号 (a
    // ledger exported for reading has a title above its headers).
    let start = table
        .iter()
        .take(5)
        .position(|r| {
            r.iter().any(|c| c.trim() == "姓名") && r.iter().any(|c| c.trim() == "身份证号")
        })
        .unwrap_or(0);
    let header = table
        .get(start)
        .ok_or_else(|| AppError::invalid("file", "import.empty"))?;
    let col = columns(header, super::COLUMNS, super::REQUIRED)?;
    let mut places = Places::load(pool, community_id).await?;
    places.create_buildings = create_buildings;
    let mut report = ImportReport::default();
    let mut rows: Vec<(usize, ImportRow)> = Vec::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    for (i, raw) in table.iter().enumerate().skip(start + 1) {
        if raw.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        report.rows += 1;
        let line = i + 1;
        let Some(row) = check_row(&mut places, &col, raw, line, &mut report, lang) else {
            continue;
        };
        if let Some(first) = seen.insert(row.id.as_str().to_owned(), line) {
            report.error(
                line,
                "身份证号",
                tf(
                    lang,
                    "import.duplicate_in_file",
                    &[("row", first.to_string())],
                ),
            );
            continue;
        }
        rows.push((line, row));
    }
    let existing = existing(pool, &rows).await?;
    let mut plan = Plan {
        community_id,
        report,
        new_buildings: places.new_buildings.clone(),
        new_households: vec![],
        new_residents: vec![],
        updates: vec![],
    };
    let mut planned: HashSet<(i64, i64, String)> = HashSet::new();
    for (line, r) in rows {
        match existing.get(r.id.as_str()) {
            Some(e) if e.community != community_id => {
                plan.report
                    .error(line, "身份证号", tf(lang, "import.other_community", &[]));
                continue;
            }
            Some(e) if e.same_as(&r) => {
                plan.report.unchanged += 1;
                continue;
            }
            Some(e) => {
                if plan.report.changes.len() < super::MAX_LISTED {
                    plan.report.changes.push(super::RowChange {
                        row: line,
                        name: r.name.clone(),
                        fields: e.changes(&r),
                    });
                }
                plan.updates.push((e.id, r.clone()))
            }
            None => plan.new_residents.push(r.clone()),
        }
        let key = (r.building, r.unit, r.door.clone());
        if !places.households.contains(&key) && planned.insert(key) {
            plan.new_households
                .push((r.building, r.unit, r.door.clone(), r.tags.clone()));
        }
    }
    plan.report.buildings_new = plan
        .new_buildings
        .iter()
        .map(|b| b.number.clone())
        .collect();
    plan.report.households_new = plan.new_households.len();
    plan.report.residents_new = plan.new_residents.len();
    plan.report.residents_updated = plan.updates.len();
    Ok(plan)
}

/// Who among the rows is registered already, anywhere in the database.
async fn existing(
    pool: &Reader,
    rows: &[(usize, ImportRow)],
) -> Result<HashMap<String, Existing>, sqlx::Error> {
    let mut out = HashMap::new();
    for chunk in rows.chunks(500) {
        let list = crate::platform::db::placeholders(0, chunk.len());
        let sql = format!(
            "SELECT r.id, r.id_number, r.community_id, r.building_id, b.number AS building, u.number AS unit, h.door_number, \
             r.name, r.phone, r.ethnicity, r.political_status, r.moved_in FROM residents r JOIN households h ON h.id = r.household_id \
             JOIN units u ON u.id = h.unit_id JOIN buildings b ON b.id = r.building_id WHERE r.id_number IN ({list})"
        );
        let mut q = sqlx::query(&sql);
        for (_, r) in chunk {
            q = q.bind(r.id.as_str());
        }
        for r in q.fetch_all(pool).await? {
            out.insert(
                r.try_get("id_number")?,
                Existing {
                    id: r.try_get("id")?,
                    community: r.try_get("community_id")?,
                    household_key: (
                        r.try_get("building_id")?,
                        r.try_get("unit")?,
                        r.try_get("door_number")?,
                    ),
                    address: format!(
                        "{}{}单元{}",
                        r.try_get::<String, _>("building")?,
                        r.try_get::<i64, _>("unit")?,
                        r.try_get::<String, _>("door_number")?
                    ),
                    fields: [
                        r.try_get("name")?,
                        r.try_get("phone")?,
                        r.try_get("ethnicity")?,
                        r.try_get("political_status")?,
                        r.try_get("moved_in")?,
                    ],
                },
            );
        }
    }
    Ok(out)
}
