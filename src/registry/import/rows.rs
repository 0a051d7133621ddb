//! Checking one spreadsheet row against the community's places.

use std::collections::{HashMap, HashSet};

use sqlx::Row;

use crate::platform::reader::Reader;

use super::{COLUMNS, ImportReport, ImportRow, REQUIRED};
use crate::platform::error::AppError;
use crate::platform::i18n::{Lang, tf};
use crate::platform::time;
use crate::registry::id_number::IdNumber;
use crate::registry::phone::Phone;

const POLITICAL_LABELS: &[(&str, &str)] = &[
    ("中共党员", "party_member"),
    ("党员", "party_member"),
    ("中共预备党员", "probationary_member"),
    ("预备党员", "probationary_member"),
    ("共青团员", "league_member"),
    ("团员", "league_member"),
    ("群众", "masses"),
    ("民主党派", "other_party"),
    ("无党派人士", "non_party"),
];

const TAG_LABELS: &[(&str, &str)] = &[
    ("困难户", "in_difficulty"),
    ("出租户", "rented_out"),
    ("重点户", "key_household"),
];

/// Where each of `all` is, by its header (手机号 may be headed 联系电话); the first `required`
/// missing are a 422 naming them.
pub fn columns(
    header: &[String],
    all: &[&str],
    required: usize,
) -> Result<Vec<Option<usize>>, AppError> {
    let header: Vec<&str> = header.iter().map(|h| h.trim()).collect();
    let pos = |name: &str| {
        header
            .iter()
            .position(|h| *h == name || (name == "手机号" && *h == "联系电话"))
    };
    let missing: Vec<&str> = all[..required]
        .iter()
        .filter(|c| pos(c).is_none())
        .copied()
        .collect();
    if !missing.is_empty() {
        return Err(
            AppError::invalid("file", "import.missing_columns").arg("columns", missing.join("、"))
        );
    }
    Ok(all.iter().map(|c| pos(c)).collect())
}

/// A building an import is told to create: a row names it in a known compound, and no such
/// building is registered. Until the commit creates it, rows refer to it by `placeholder`
/// (negative, never a real id).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewBuilding {
    pub placeholder: i64,
    pub compound: i64,
    /// As people write it: 5号楼.
    pub number: String,
    /// The highest unit and floor its rows name.
    pub units: i64,
    pub floors: i64,
}

/// Units a building created by an import may have, as on the places page.
const NEW_UNITS_MAX: i64 = 30;

/// The floor a door number says: 1801 is on the 18th, 502 on the 5th; 1 where it says none.
fn floor_of(door: &str) -> i64 {
    let digits: String = door.chars().take_while(char::is_ascii_digit).collect();
    match digits.len() {
        3 | 4 => digits[..digits.len() - 2].parse().unwrap_or(1).max(1),
        _ => 1,
    }
}

/// The community's compounds, buildings and doors, looked up by what a spreadsheet says.
pub struct Places {
    compounds: HashMap<String, i64>,
    /// Rows may name buildings not registered yet in a known compound: they are created.
    pub create_buildings: bool,
    pub new_buildings: Vec<NewBuilding>,
    /// (compound, building number without 号楼) → (building id, units).
    buildings: HashMap<(i64, String), (i64, i64)>,
    /// (building, unit, door) of every existing household.
    pub households: HashSet<(i64, i64, String)>,
}

impl Places {
    pub async fn load(pool: &Reader, community_id: i64) -> Result<Places, sqlx::Error> {
        let mut p = Places {
            compounds: HashMap::new(),
            create_buildings: false,
            new_buildings: Vec::new(),
            buildings: HashMap::new(),
            households: HashSet::new(),
        };
        for r in sqlx::query("SELECT id, name FROM compounds WHERE community_id = $1")
            .bind(community_id)
            .fetch_all(pool)
            .await?
        {
            p.compounds.insert(r.try_get("name")?, r.try_get("id")?);
        }
        for r in sqlx::query(
            "SELECT id, compound_id, number, units FROM buildings WHERE community_id = $1",
        )
        .bind(community_id)
        .fetch_all(pool)
        .await?
        {
            let number: String = r.try_get("number")?;
            p.buildings.insert(
                (
                    r.try_get("compound_id")?,
                    number.trim_end_matches("号楼").to_owned(),
                ),
                (r.try_get("id")?, r.try_get("units")?),
            );
        }
        for r in sqlx::query(
            "SELECT h.building_id, u.number, h.door_number FROM households h JOIN units u ON u.id = h.unit_id WHERE h.community_id = $1",
        )
        .bind(community_id)
        .fetch_all(pool)
        .await?
        {
            p.households.insert((r.try_get("building_id")?, r.try_get("number")?, r.try_get("door_number")?));
        }
        Ok(p)
    }
}

/// Checks one row; every problem goes into the report, and a row with any is left out.
pub fn check_row(
    places: &mut Places,
    col: &[Option<usize>],
    raw: &[String],
    line: usize,
    report: &mut ImportReport,
    lang: Lang,
) -> Option<ImportRow> {
    let cell = |k: usize| {
        col[k]
            .and_then(|c| raw.get(c))
            .map(|s| s.trim())
            .unwrap_or("")
    };
    let mut err = |column: &str, key: &str, args: &[(&str, String)]| {
        report.error(line, column, tf(lang, key, args))
    };
    let mut ok = true;
    for (k, name) in COLUMNS[..REQUIRED].iter().enumerate() {
        if cell(k).is_empty() {
            err(name, "import.required", &[]);
            ok = false;
        }
    }
    if !ok {
        return None;
    }
    let Some(&compound) = places.compounds.get(cell(0)) else {
        err(
            "小区",
            "import.unknown_compound",
            &[("value", cell(0).to_owned())],
        );
        return None;
    };
    let key = (compound, cell(1).trim_end_matches("号楼").to_owned());
    let building_number = key.1.clone();
    let (building, units) = match places.buildings.get(&key) {
        Some(&b) => b,
        None if places.create_buildings => {
            let placeholder = -(places.new_buildings.len() as i64 + 1);
            places.new_buildings.push(NewBuilding {
                placeholder,
                compound,
                number: format!("{}号楼", key.1),
                units: 1,
                floors: 1,
            });
            places.buildings.insert(key, (placeholder, NEW_UNITS_MAX));
            (placeholder, NEW_UNITS_MAX)
        }
        None => {
            err(
                "楼栋",
                "import.unknown_building",
                &[("value", cell(1).to_owned())],
            );
            return None;
        }
    };
    let unit = match cell(2).trim_end_matches("单元").parse::<i64>() {
        Ok(u) if (1..=units).contains(&u) => u,
        _ => {
            err("单元", "import.bad_unit", &[("units", units.to_string())]);
            return None;
        }
    };
    let door = cell(3).trim_end_matches('室').to_owned();
    if door.chars().count() > 10 {
        err("门牌号", "registry.bad_door", &[]);
        ok = false;
    }
    if let Some(b) = places
        .new_buildings
        .iter_mut()
        .find(|b| b.placeholder == building)
    {
        b.units = b.units.max(unit);
        b.floors = b.floors.max(floor_of(&door));
    }
    let name = cell(4).to_owned();
    if name.chars().count() > 30 {
        err("姓名", "registry.bad_name", &[]);
        ok = false;
    }
    // A masked number (the ledger for reading, not the one for re-import) is refused by name.
    let masked = |v: &str| v.contains(['*', '＊']);
    let id = if masked(cell(5)) {
        err("身份证号", "import.masked", &[]);
        None
    } else {
        IdNumber::parse(cell(5))
            .map_err(|e| err("身份证号", e.key(), &[]))
            .ok()
    };
    let phone = match cell(6) {
        "" => String::new(),
        p if masked(p) => {
            err("手机号", "import.masked", &[]);
            ok = false;
            String::new()
        }
        p => Phone::parse(p)
            .map(|p| p.as_str().to_owned())
            .unwrap_or_else(|k| {
                err("手机号", k, &[]);
                ok = false;
                String::new()
            }),
    };
    let political = match cell(8) {
        "" => "masses".to_owned(),
        p => match POLITICAL_LABELS.iter().find(|(label, _)| *label == p) {
            Some((_, v)) => (*v).to_owned(),
            None => {
                err("政治面貌", "registry.bad_political_status", &[]);
                ok = false;
                String::new()
            }
        },
    };
    let moved_in = match cell(9) {
        "" => time::today().to_string(),
        d => match d.replace(['/', '.'], "-").parse::<jiff::civil::Date>() {
            Ok(d) if d <= time::today() => d.to_string(),
            _ => {
                err("迁入日期", "import.bad_date", &[]);
                ok = false;
                String::new()
            }
        },
    };
    let mut tags = Vec::new();
    for t in cell(10)
        .split(['、', ',', '，', ' '])
        .filter(|t| !t.is_empty())
    {
        match TAG_LABELS.iter().find(|(label, _)| *label == t) {
            Some((_, v)) => tags.push(*v),
            None => {
                err("户标记", "registry.bad_tag", &[]);
                ok = false;
            }
        }
    }
    let ethnicity = if cell(7).is_empty() {
        "汉族".to_owned()
    } else {
        cell(7).to_owned()
    };
    let id = id?;
    ok.then(|| ImportRow {
        address: format!("{building_number}号楼{unit}单元{door}"),
        building,
        unit,
        door,
        tags: tags.join(","),
        name,
        id,
        phone,
        ethnicity,
        political,
        moved_in,
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_door_number_names_its_floor() {
        assert_eq!(super::floor_of("1801"), 18);
        assert_eq!(super::floor_of("502"), 5);
        assert_eq!(super::floor_of("12"), 1);
        assert_eq!(super::floor_of("东"), 1);
        assert_eq!(super::floor_of("002"), 1);
    }
}
