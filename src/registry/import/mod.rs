//! Importing households and residents from the spreadsheets community workers keep (xlsx or
//! CSV): a dry run first that names every bad cell by row and column, then an all-or-nothing
//! commit. Importing the same file again changes nothing. Told to, an import creates the
//! buildings its rows name in a known compound (a new compound's, typically). The ledgers of
//! stationed units, social organizations and their members import the same way (`social`).

mod commit;
mod plan;
mod rows;
pub mod social;

pub use commit::commit;
pub use plan::plan;

use serde::Serialize;
use utoipa::ToSchema;

use crate::platform::error::AppError;
use crate::registry::id_number::IdNumber;

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

/// One field a row changes in a registered resident's record.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct FieldChange {
    /// The column, as the spreadsheet names it.
    pub column: String,
    pub old: String,
    pub new: String,
}

/// A row that changes a registered resident: what it changes, old → new, shown before anything
/// is written.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct RowChange {
    pub row: usize,
    pub name: String,
    pub fields: Vec<FieldChange>,
}

#[derive(Clone, Debug, Default, Serialize, ToSchema)]
pub struct ImportReport {
    pub rows: usize,
    /// Buildings the import creates (asked for with `create_buildings`), by number.
    pub buildings_new: Vec<String>,
    pub households_new: usize,
    pub residents_new: usize,
    pub residents_updated: usize,
    pub unchanged: usize,
    pub error_count: usize,
    /// The first 200 errors.
    pub errors: Vec<RowError>,
    /// The first 200 rows that change a registered resident, each with its old → new values.
    pub changes: Vec<RowChange>,
    pub committed: bool,
}

/// The most an xlsx may inflate to, in all, and the highest compression ratio of a large part.
const MAX_INFLATED: u64 = 256 * 1024 * 1024;
const MAX_RATIO: u64 = 200;

/// An xlsx is a zip: one whose parts would inflate beyond reason (a zip bomb) is refused from
/// its central directory, before anything is decompressed.
fn refuse_zip_bomb(bytes: &[u8]) -> Result<(), AppError> {
    let unreadable = || AppError::invalid("file", "import.unreadable");
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).map_err(|_| unreadable())?;
    let mut total: u64 = 0;
    for i in 0..zip.len() {
        let part = zip.by_index_raw(i).map_err(|_| unreadable())?;
        let (size, packed) = (part.size(), part.compressed_size().max(1));
        total = total.saturating_add(size);
        if total > MAX_INFLATED || (size > 1024 * 1024 && size / packed > MAX_RATIO) {
            return Err(AppError::invalid("file", "import.inflated")
                .arg("mib", (MAX_INFLATED / (1024 * 1024)).to_string()));
        }
    }
    Ok(())
}

/// Reads the first sheet of an xlsx file, or a CSV file (UTF-8, with or without a BOM), as rows
/// of text.
pub fn read_table(bytes: &[u8]) -> Result<Vec<Vec<String>>, AppError> {
    if bytes.starts_with(b"PK\x03\x04") {
        use calamine::Reader;
        refuse_zip_bomb(bytes)?;
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
    /// Where, as the import reads it back: `3号楼2单元301`.
    address: String,
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

/// A checked import, ready to commit.
pub struct Plan {
    pub community_id: i64,
    pub report: ImportReport,
    new_buildings: Vec<rows::NewBuilding>,
    new_households: Vec<(i64, i64, String, String)>,
    new_residents: Vec<ImportRow>,
    updates: Vec<(i64, ImportRow)>,
}

impl ImportReport {
    /// Counts an error, listing the first few.
    fn error(&mut self, row: usize, column: &str, message: String) {
        count_error(
            &mut self.error_count,
            &mut self.errors,
            row,
            column,
            message,
        );
    }
}

/// Counts an error of a report, listing the first `MAX_LISTED`.
fn count_error(
    count: &mut usize,
    listed: &mut Vec<RowError>,
    row: usize,
    column: &str,
    message: String,
) {
    *count += 1;
    if listed.len() < MAX_LISTED {
        listed.push(RowError {
            row,
            column: column.to_owned(),
            message,
        });
    }
}
