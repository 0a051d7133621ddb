//! Importing households and residents from the spreadsheets community workers keep (xlsx or
//! CSV): a dry run first that names every bad cell by row and column, then an all-or-nothing
//! commit. Importing the same file again changes nothing.

use std::collections::{HashMap, HashSet};

use serde::Serialize;
use sqlx::{AnyPool, Row};
use utoipa::ToSchema;

use super::id_number::IdNumber;
use super::phone::Phone;
use crate::platform::db::{Tx, Val, bulk_insert};
use crate::platform::error::AppError;
use crate::platform::i18n::{Lang, tf};
use crate::platform::time;

/// The columns, by their Chinese headers. The first six are required.
pub const COLUMNS: &[&str] = &[
    "小区",
    "楼栋",
    "单元",
    "门牌号",
    "姓名",
    "身份证号",
    "手机号",
    "民族",
    "政治面貌",
    "迁入日期",
    "户标记",
];
const REQUIRED: usize = 6;
/// Errors listed in a report at most (all are counted).
const MAX_LISTED: usize = 200;

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct RowError {
    /// The spreadsheet row (1 is the header row).
    pub row: usize,
    pub column: String,
    pub message: String,
}

#[derive(Clone, Debug, Default, Serialize, ToSchema)]
pub struct ImportReport {
    pub rows: usize,
    pub households_new: usize,
    pub residents_new: usize,
    pub residents_updated: usize,
    pub unchanged: usize,
    pub error_count: usize,
    /// The first 200 errors.
    pub errors: Vec<RowError>,
    pub committed: bool,
}

/// Reads the first sheet of an xlsx file, or a CSV file (UTF-8, with or without a BOM), as rows
/// of text.
pub fn read_table(bytes: &[u8]) -> Result<Vec<Vec<String>>, AppError> {
    if bytes.starts_with(b"PK\x03\x04") {
        use calamine::Reader;
        let mut wb = calamine::open_workbook_auto_from_rs(std::io::Cursor::new(bytes))
            .map_err(|_| AppError::invalid("file", "import.unreadable"))?;
        let range = wb
            .worksheet_range_at(0)
            .ok_or_else(|| AppError::invalid("file", "import.empty"))?
            .map_err(|_| AppError::invalid("file", "import.unreadable"))?;
        return Ok(range
            .rows()
            .map(|r| {
                r.iter()
                    .map(|c| match c {
                        calamine::Data::Int(i) => i.to_string(),
                        calamine::Data::Float(f) if f.fract() == 0.0 => format!("{f:.0}"),
                        calamine::Data::DateTime(d) => excel_date(d.as_f64()),
                        other => other.to_string(),
                    })
                    .collect()
            })
            .collect());
    }
    let text =
        std::str::from_utf8(bytes).map_err(|_| AppError::invalid("file", "import.not_utf8"))?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut out = Vec::new();
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    for rec in rdr.records() {
        let rec = rec.map_err(|_| AppError::invalid("file", "import.unreadable"))?;
        out.push(rec.iter().map(|s| s.to_owned()).collect());
    }
    Ok(out)
}

/// An Excel serial date (days since 1899-12-30) as `YYYY-MM-DD`.
fn excel_date(serial: f64) -> String {
    let base = jiff::civil::date(1899, 12, 30);
    base.checked_add(jiff::Span::new().days(serial.floor() as i64))
        .map(|d| d.to_string())
        .unwrap_or_default()
}

/// What a checked row says.
#[derive(Clone, Debug)]
struct ImportRow {
    building: i64,
    unit: i64,
    door: String,
    tags: String,
    name: String,
    id: IdNumber,
    phone: String,
    ethnicity: String,
    political: String,
    moved_in: String,
}

/// An existing resident, as far as an import compares it.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Existing {
    id: i64,
    community: i64,
    household_key: (i64, i64, String),
    name: String,
    phone: String,
    ethnicity: String,
    political: String,
    moved_in: String,
}

/// A checked import, ready to commit.
pub struct Plan {
    pub community_id: i64,
    pub report: ImportReport,
    new_households: Vec<(i64, i64, String, String)>,
    new_residents: Vec<ImportRow>,
    updates: Vec<(i64, ImportRow)>,
}

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

/// Checks every row against the community's places and the registry.
pub async fn plan(
    pool: &AnyPool,
    community_id: i64,
    table: &[Vec<String>],
    lang: Lang,
) -> Result<Plan, AppError> {
    let Some(header) = table.first() else {
        return Err(AppError::invalid("file", "import.empty"));
    };
    let header: Vec<String> = header.iter().map(|h| h.trim().to_owned()).collect();
    let pos = |name: &str| {
        header
            .iter()
            .position(|h| h == name || (name == "手机号" && h == "联系电话"))
    };
    let missing: Vec<&str> = COLUMNS[..REQUIRED]
        .iter()
        .filter(|c| pos(c).is_none())
        .copied()
        .collect();
    if !missing.is_empty() {
        return Err(
            AppError::invalid("file", "import.missing_columns").arg("columns", missing.join("、"))
        );
    }
    let col: Vec<Option<usize>> = COLUMNS.iter().map(|c| pos(c)).collect();

    let compounds: HashMap<String, i64> =
        sqlx::query("SELECT id, name FROM compounds WHERE community_id = $1")
            .bind(community_id)
            .fetch_all(pool)
            .await?
            .iter()
            .map(|r| Ok((r.try_get("name")?, r.try_get("id")?)))
            .collect::<Result<_, sqlx::Error>>()?;
    let mut buildings: HashMap<(i64, String), (i64, i64)> = HashMap::new();
    for r in
        sqlx::query("SELECT id, compound_id, number, units FROM buildings WHERE community_id = $1")
            .bind(community_id)
            .fetch_all(pool)
            .await?
    {
        let number: String = r.try_get("number")?;
        buildings.insert(
            (
                r.try_get("compound_id")?,
                number.trim_end_matches("号楼").to_owned(),
            ),
            (r.try_get("id")?, r.try_get("units")?),
        );
    }
    let mut households: HashSet<(i64, i64, String)> = HashSet::new();
    for r in sqlx::query(
        "SELECT h.building_id, u.number, h.door_number FROM households h JOIN units u ON u.id = h.unit_id WHERE h.community_id = $1",
    )
    .bind(community_id)
    .fetch_all(pool)
    .await?
    {
        households.insert((r.try_get("building_id")?, r.try_get("number")?, r.try_get("door_number")?));
    }

    let mut report = ImportReport {
        rows: table.len().saturating_sub(1),
        ..ImportReport::default()
    };
    let err = |report: &mut ImportReport,
               row: usize,
               column: &str,
               key: &'static str,
               args: &[(&str, String)]| {
        report.error_count += 1;
        if report.errors.len() < MAX_LISTED {
            report.errors.push(RowError {
                row,
                column: column.to_owned(),
                message: tf(lang, key, args),
            });
        }
    };
    let mut rows: Vec<(usize, ImportRow)> = Vec::new();
    let mut seen_ids: HashMap<String, usize> = HashMap::new();
    for (i, raw) in table.iter().enumerate().skip(1) {
        let line = i + 1;
        let cell = |k: usize| {
            col[k]
                .and_then(|c| raw.get(c))
                .map(|s| s.trim())
                .unwrap_or("")
        };
        if raw.iter().all(|c| c.trim().is_empty()) {
            report.rows -= 1;
            continue;
        }
        let errors_before = report.error_count;
        for (k, name) in COLUMNS[..REQUIRED].iter().enumerate() {
            if cell(k).is_empty() {
                err(&mut report, line, name, "import.required", &[]);
            }
        }
        if report.error_count > errors_before {
            continue;
        }
        let compound = match compounds.get(cell(0)) {
            Some(c) => *c,
            None => {
                err(
                    &mut report,
                    line,
                    "小区",
                    "import.unknown_compound",
                    &[("value", cell(0).to_owned())],
                );
                continue;
            }
        };
        let Some(&(building, units)) =
            buildings.get(&(compound, cell(1).trim_end_matches("号楼").to_owned()))
        else {
            err(
                &mut report,
                line,
                "楼栋",
                "import.unknown_building",
                &[("value", cell(1).to_owned())],
            );
            continue;
        };
        let unit = match cell(2).trim_end_matches("单元").parse::<i64>() {
            Ok(u) if (1..=units).contains(&u) => u,
            _ => {
                err(
                    &mut report,
                    line,
                    "单元",
                    "import.bad_unit",
                    &[("units", units.to_string())],
                );
                continue;
            }
        };
        let door = cell(3).trim_end_matches('室').to_owned();
        if door.chars().count() > 10 {
            err(&mut report, line, "门牌号", "registry.bad_door", &[]);
        }
        let name = cell(4).to_owned();
        if name.chars().count() > 30 {
            err(&mut report, line, "姓名", "registry.bad_name", &[]);
        }
        let id = match IdNumber::parse(cell(5)) {
            Ok(id) => Some(id),
            Err(e) => {
                err(&mut report, line, "身份证号", e.key(), &[]);
                None
            }
        };
        let phone = match cell(6) {
            "" => String::new(),
            p => match Phone::parse(p) {
                Ok(p) => p.as_str().to_owned(),
                Err(k) => {
                    err(&mut report, line, "手机号", k, &[]);
                    String::new()
                }
            },
        };
        let political = match cell(8) {
            "" => "masses".to_owned(),
            p => match POLITICAL_LABELS.iter().find(|(label, _)| *label == p) {
                Some((_, v)) => (*v).to_owned(),
                None => {
                    err(
                        &mut report,
                        line,
                        "政治面貌",
                        "registry.bad_political_status",
                        &[],
                    );
                    String::new()
                }
            },
        };
        let moved_in = match cell(9) {
            "" => time::today().to_string(),
            d => match d.replace(['/', '.'], "-").parse::<jiff::civil::Date>() {
                Ok(d) if d <= time::today() => d.to_string(),
                _ => {
                    err(&mut report, line, "迁入日期", "import.bad_date", &[]);
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
                None => err(&mut report, line, "户标记", "registry.bad_tag", &[]),
            }
        }
        let Some(id) = id else { continue };
        if let Some(first) = seen_ids.insert(id.as_str().to_owned(), line) {
            err(
                &mut report,
                line,
                "身份证号",
                "import.duplicate_in_file",
                &[("row", first.to_string())],
            );
            continue;
        }
        if report.error_count > errors_before {
            continue;
        }
        let ethnicity = if cell(7).is_empty() {
            "汉族".to_owned()
        } else {
            cell(7).to_owned()
        };
        rows.push((
            line,
            ImportRow {
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
            },
        ));
    }

    // Who is registered already, anywhere in the database.
    let mut existing: HashMap<String, Existing> = HashMap::new();
    for chunk in rows.chunks(500) {
        let list = crate::platform::db::placeholders(0, chunk.len());
        let sql = format!(
            "SELECT r.id, r.id_number, r.community_id, r.building_id, u.number AS unit, h.door_number, r.name, r.phone, \
             r.ethnicity, r.political_status, r.moved_in FROM residents r JOIN households h ON h.id = r.household_id \
             JOIN units u ON u.id = h.unit_id WHERE r.id_number IN ({list})"
        );
        let mut q = sqlx::query(&sql);
        for (_, r) in chunk {
            q = q.bind(r.id.as_str());
        }
        for r in q.fetch_all(pool).await? {
            existing.insert(
                r.try_get("id_number")?,
                Existing {
                    id: r.try_get("id")?,
                    community: r.try_get("community_id")?,
                    household_key: (
                        r.try_get("building_id")?,
                        r.try_get("unit")?,
                        r.try_get("door_number")?,
                    ),
                    name: r.try_get("name")?,
                    phone: r.try_get("phone")?,
                    ethnicity: r.try_get("ethnicity")?,
                    political: r.try_get("political_status")?,
                    moved_in: r.try_get("moved_in")?,
                },
            );
        }
    }
    let mut plan = Plan {
        community_id,
        report,
        new_households: vec![],
        new_residents: vec![],
        updates: vec![],
    };
    let mut planned: HashSet<(i64, i64, String)> = HashSet::new();
    for (line, r) in rows {
        let key = (r.building, r.unit, r.door.clone());
        if let Some(e) = existing.get(r.id.as_str()) {
            if e.community != community_id {
                err(
                    &mut plan.report,
                    line,
                    "身份证号",
                    "import.other_community",
                    &[],
                );
                continue;
            }
            let same = e.household_key == key
                && e.name == r.name
                && e.phone == r.phone
                && e.ethnicity == r.ethnicity
                && e.political == r.political
                && e.moved_in == r.moved_in;
            if same {
                plan.report.unchanged += 1;
                continue;
            }
            plan.updates.push((e.id, r.clone()));
        } else {
            plan.new_residents.push(r.clone());
        }
        if !households.contains(&key) && planned.insert(key.clone()) {
            plan.new_households
                .push((r.building, r.unit, r.door.clone(), r.tags.clone()));
        }
    }
    plan.report.households_new = plan.new_households.len();
    plan.report.residents_new = plan.new_residents.len();
    plan.report.residents_updated = plan.updates.len();
    Ok(plan)
}

/// Writes a plan without errors in one transaction; `progress` is told how many rows are done.
pub async fn commit(
    tx: &mut Tx,
    plan: &Plan,
    by: &str,
    progress: &(dyn Fn(usize) + Sync),
) -> Result<(), AppError> {
    if plan.report.error_count > 0 {
        return Err(
            AppError::invalid("file", "import.has_errors").arg("n", plan.report.error_count)
        );
    }
    let now = time::now_db();
    // Units the households need, then the households, then their ids.
    let mut units: HashMap<(i64, i64), i64> = HashMap::new();
    for r in sqlx::query("SELECT u.id, u.building_id, u.number FROM units u JOIN buildings b ON b.id = u.building_id WHERE b.community_id = $1")
        .bind(plan.community_id)
        .fetch_all(&mut **tx)
        .await?
    {
        units.insert((r.try_get("building_id")?, r.try_get("number")?), r.try_get("id")?);
    }
    let names: HashMap<i64, String> = sqlx::query(
        "SELECT b.id, c.name || p.name || b.number AS name FROM buildings b JOIN compounds p ON p.id = b.compound_id \
         JOIN communities c ON c.id = b.community_id WHERE b.community_id = $1",
    )
    .bind(plan.community_id)
    .fetch_all(&mut **tx)
    .await?
    .iter()
    .map(|r| Ok((r.try_get("id")?, r.try_get("name")?)))
    .collect::<Result<_, sqlx::Error>>()?;
    let mut rows = Vec::new();
    for (building, unit, door, tags) in &plan.new_households {
        let unit_id = match units.get(&(*building, *unit)) {
            Some(u) => *u,
            None => {
                let id: i64 = sqlx::query(
                    "INSERT INTO units (building_id, number) VALUES ($1, $2) RETURNING id",
                )
                .bind(*building)
                .bind(*unit)
                .fetch_one(&mut **tx)
                .await?
                .try_get("id")?;
                units.insert((*building, *unit), id);
                id
            }
        };
        let address = format!(
            "{}{unit}单元{door}室",
            names.get(building).cloned().unwrap_or_default()
        );
        rows.push(vec![
            Val::I(plan.community_id),
            Val::I(*building),
            Val::I(unit_id),
            Val::T(door.clone()),
            Val::T(address),
            Val::B(true),
            Val::T(tags.clone()),
            Val::T(now.clone()),
        ]);
    }
    bulk_insert(
        tx,
        "households",
        &[
            "community_id",
            "building_id",
            "unit_id",
            "door_number",
            "address",
            "occupied",
            "tags",
            "created_at",
        ],
        &rows,
    )
    .await?;
    let mut household_ids: HashMap<(i64, i64, String), i64> = HashMap::new();
    for r in sqlx::query(
        "SELECT h.id, h.building_id, u.number, h.door_number FROM households h JOIN units u ON u.id = h.unit_id WHERE h.community_id = $1",
    )
    .bind(plan.community_id)
    .fetch_all(&mut **tx)
    .await?
    {
        household_ids.insert((r.try_get("building_id")?, r.try_get("number")?, r.try_get("door_number")?), r.try_get("id")?);
    }
    let mut done = 0;
    for chunk in plan.new_residents.chunks(2000) {
        let mut rows = Vec::with_capacity(chunk.len());
        for r in chunk {
            let hid = household_ids[&(r.building, r.unit, r.door.clone())];
            rows.push(vec![
                Val::I(plan.community_id),
                Val::I(r.building),
                Val::I(hid),
                Val::T(r.name.clone()),
                Val::T(r.id.gender().into()),
                Val::T(r.id.birth_date().to_string()),
                Val::T(r.id.as_str().into()),
                Val::T(r.phone.clone()),
                Val::T(r.ethnicity.clone()),
                Val::T(r.political.clone()),
                Val::T(r.moved_in.clone()),
                Val::T("living".into()),
                Val::T(now.clone()),
                Val::T(now.clone()),
                Val::T(r.id.as_str()[14..].to_owned()),
                Val::T(r.phone.get(7..).unwrap_or("").to_owned()),
            ]);
        }
        bulk_insert(
            tx,
            "residents",
            &[
                "community_id",
                "building_id",
                "household_id",
                "name",
                "gender",
                "birth_date",
                "id_number",
                "phone",
                "ethnicity",
                "political_status",
                "moved_in",
                "status",
                "created_at",
                "updated_at",
                "id_last4",
                "phone_last4",
            ],
            &rows,
        )
        .await?;
        done += chunk.len();
        progress(done);
    }
    // The move-in of every new resident.
    let ids: HashMap<String, (i64, i64)> = {
        let mut m = HashMap::new();
        for r in sqlx::query("SELECT id, id_number, household_id FROM residents WHERE community_id = $1 AND created_at = $2")
            .bind(plan.community_id)
            .bind(&now)
            .fetch_all(&mut **tx)
            .await?
        {
            m.insert(r.try_get("id_number")?, (r.try_get("id")?, r.try_get("household_id")?));
        }
        m
    };
    let moves: Vec<Vec<Val>> = plan
        .new_residents
        .iter()
        .filter_map(|r| ids.get(r.id.as_str()).map(|(id, hid)| (r, *id, *hid)))
        .map(|(r, id, hid)| {
            vec![
                Val::I(id),
                Val::T("move_in".into()),
                Val::T(r.moved_in.clone()),
                Val::I(hid),
                Val::T("导入".into()),
                Val::T(now.clone()),
                Val::T(by.to_owned()),
            ]
        })
        .collect();
    bulk_insert(
        tx,
        "resident_moves",
        &[
            "resident_id",
            "kind",
            "on_date",
            "household_id",
            "note",
            "created_at",
            "created_by",
        ],
        &moves,
    )
    .await?;
    super::residents::index_new_names(tx, plan.community_id).await?;
    for (id, r) in &plan.updates {
        let hid = household_ids[&(r.building, r.unit, r.door.clone())];
        sqlx::query(
            "UPDATE residents SET building_id = $1, household_id = $2, name = $3, phone = $4, ethnicity = $5, political_status = $6, \
             moved_in = $7, updated_at = $8, phone_last4 = $9 WHERE id = $10",
        )
        .bind(r.building)
        .bind(hid)
        .bind(&r.name)
        .bind(&r.phone)
        .bind(&r.ethnicity)
        .bind(&r.political)
        .bind(&r.moved_in)
        .bind(&now)
        .bind(r.phone.get(7..).unwrap_or(""))
        .bind(*id)
        .execute(&mut **tx)
        .await?;
        super::residents::index_name(tx, *id, &r.name).await?;
        done += 1;
        progress(done);
    }
    Ok(())
}
