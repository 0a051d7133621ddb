//! Tables as spreadsheets: one xlsx sheet per table with Chinese headers, or one CSV (UTF-8
//! with a byte-order mark so that Excel reads Chinese) with the tables one after another.

use axum::http::header;
use axum::response::{IntoResponse, Response};
use rust_xlsxwriter::{Format, Workbook};

/// The media type of an xlsx workbook.
pub const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
/// The media type of the CSV this module writes.
pub const CSV: &str = "text/csv; charset=utf-8";

/// A file the browser saves as `filename` rather than shows.
pub fn download(body: Vec<u8>, mime: &str, filename: &str) -> Response {
    (
        [
            (header::CONTENT_TYPE, mime.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{filename}\""),
            ),
        ],
        body,
    )
        .into_response()
}

#[derive(Clone, Debug)]
pub enum Cell {
    Text(String),
    Num(f64),
    /// A date: a real date cell in xlsx (a spreadsheet sorts and filters it as one),
    /// `YYYY-MM-DD` in CSV.
    Date(jiff::civil::Date),
    /// A share (0.253 is 25.3%): a number formatted as a percentage in xlsx.
    Percent(f64),
    /// An instant, at Asia/Shanghai's wall-clock time: a real date-time cell in xlsx,
    /// `YYYY-MM-DD HH:MM` in CSV.
    At(jiff::Timestamp),
    /// Text with personal numbers kept whole: only in an audited sensitive export (the
    /// ledger for re-import), never masked.
    Whole(String),
}

impl Cell {
    /// A stored day (`YYYY-MM-DD`) as a date cell; anything else as text.
    pub fn day(stored: &str) -> Cell {
        stored
            .parse()
            .map(Cell::Date)
            .unwrap_or_else(|_| Cell::Text(stored.to_owned()))
    }
}

impl From<String> for Cell {
    fn from(s: String) -> Self {
        Cell::Text(s)
    }
}
impl From<&str> for Cell {
    fn from(s: &str) -> Self {
        Cell::Text(s.to_owned())
    }
}
impl From<i64> for Cell {
    fn from(n: i64) -> Self {
        Cell::Num(n as f64)
    }
}

impl Cell {
    /// The cell as CSV text: personal numbers masked, and a text that a spreadsheet would run
    /// as a formula (starting with `=`, `+`, `-`, `@`, a tab or a carriage return) neutralised
    /// with a leading `'` (OWASP's rule for CSV injection). Numbers are written as they are.
    fn csv_text(&self) -> String {
        let s = self.printed();
        match self {
            Cell::Text(_) | Cell::Whole(_) if s.starts_with(['=', '+', '-', '@', '\t', '\r']) => {
                format!("'{s}")
            }
            _ => s,
        }
    }

    /// The cell as a printed ledger shows it: numbers as they are, personal numbers in free
    /// text masked as in the CSV.
    pub fn printed(&self) -> String {
        match self {
            Cell::Text(s) => super::pii::mask(s).into_owned(),
            _ => self.text(),
        }
    }

    fn text(&self) -> String {
        match self {
            Cell::Text(s) | Cell::Whole(s) => s.clone(),
            Cell::Num(n) if n.fract() == 0.0 => format!("{n:.0}"),
            Cell::Num(n) => format!("{n}"),
            Cell::Date(d) => d.to_string(),
            Cell::Percent(p) => format!("{:.1}%", p * 100.0),
            Cell::At(ts) => ts
                .to_zoned_datetime(super::time::shanghai().clone())
                .strftime("%Y-%m-%d %H:%M")
                .to_string(),
        }
    }
}

#[derive(Clone, Debug)]
pub struct Table {
    /// The sheet's name (at most 31 characters in xlsx; longer names are cut).
    pub name: String,
    /// A title above the headers, e.g. `三角线社区居民台账`; none (empty) for a table to be
    /// read back by an import, whose first row is its headers.
    pub title: String,
    pub headers: Vec<&'static str>,
    pub rows: Vec<Vec<Cell>>,
}

fn sheet_name(name: &str, used: &mut Vec<String>) -> String {
    let clean: String = name
        .chars()
        .filter(|c| !matches!(c, '[' | ']' | ':' | '*' | '?' | '/' | '\\'))
        .take(28)
        .collect();
    let mut candidate = clean.clone();
    let mut n = 2;
    while used.contains(&candidate) {
        candidate = format!("{clean}{n}");
        n += 1;
    }
    used.push(candidate.clone());
    candidate
}

pub fn to_xlsx(tables: &[Table]) -> anyhow::Result<Vec<u8>> {
    let mut wb = Workbook::new();
    let bold = Format::new().set_bold();
    let title = Format::new().set_bold().set_font_size(14);
    let date = Format::new().set_num_format("yyyy-mm-dd");
    let percent = Format::new().set_num_format("0.0%");
    let at = Format::new().set_num_format("yyyy-mm-dd hh:mm");
    let mut used = Vec::new();
    for t in tables {
        let ws = wb.add_worksheet();
        ws.set_name(sheet_name(&t.name, &mut used))?;
        let top = u32::from(!t.title.is_empty());
        if top == 1 {
            ws.write_string_with_format(0, 0, &t.title, &title)?;
        }
        for (c, h) in t.headers.iter().enumerate() {
            ws.write_string_with_format(top, c as u16, *h, &bold)?;
        }
        for (r, row) in t.rows.iter().enumerate() {
            let r = r as u32 + top + 1;
            for (c, cell) in row.iter().enumerate() {
                let c = c as u16;
                match cell {
                    Cell::Text(s) => ws.write_string(r, c, &*super::pii::mask(s))?,
                    Cell::Whole(s) => ws.write_string(r, c, s)?,
                    Cell::Num(n) => ws.write_number(r, c, *n)?,
                    Cell::Date(d) => {
                        let x = rust_xlsxwriter::ExcelDateTime::from_ymd(
                            d.year() as u16,
                            d.month() as u8,
                            d.day() as u8,
                        )?;
                        ws.write_datetime_with_format(r, c, &x, &date)?
                    }
                    Cell::Percent(p) => ws.write_number_with_format(r, c, *p, &percent)?,
                    Cell::At(ts) => {
                        let z = ts.to_zoned_datetime(super::time::shanghai().clone());
                        let x = rust_xlsxwriter::ExcelDateTime::from_ymd(
                            z.year() as u16,
                            z.month() as u8,
                            z.day() as u8,
                        )?
                        .and_hms(
                            z.hour() as u16,
                            z.minute() as u8,
                            z.second(),
                        )?;
                        ws.write_datetime_with_format(r, c, &x, &at)?
                    }
                };
            }
        }
        ws.set_freeze_panes(top + 1, 0)?;
        ws.autofit();
    }
    if tables.is_empty() {
        wb.add_worksheet();
    }
    Ok(wb.save_to_buffer()?)
}

pub fn to_csv(tables: &[Table]) -> anyhow::Result<Vec<u8>> {
    let mut out = Vec::from(&b"\xEF\xBB\xBF"[..]);
    {
        let mut w = csv::WriterBuilder::new()
            .flexible(true)
            .from_writer(&mut out);
        for (i, t) in tables.iter().enumerate() {
            if i > 0 {
                w.write_record([""])?;
            }
            if !t.title.is_empty() {
                w.write_record([t.title.as_str()])?;
            }
            w.write_record(&t.headers)?;
            for row in &t.rows {
                w.write_record(row.iter().map(Cell::csv_text))?;
            }
        }
        w.flush()?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_cells_that_would_run_are_neutralised() {
        let t = Table {
            name: "t".into(),
            title: "标题".into(),
            headers: vec!["a", "b"],
            rows: vec![
                vec!["=HYPERLINK(\"http://x\")".into(), "+1".into()],
                vec!["-2+3".into(), "@SUM(A1)".into()],
                vec!["\tx".into(), "\rcmd".into()],
                vec!["普通文字 a=b".into(), Cell::Num(-5.0)],
                vec!["电话 138 1234 5678".into(), "".into()],
            ],
        };
        let csv = String::from_utf8(to_csv(&[t]).unwrap()).unwrap();
        for want in [
            "\"'=HYPERLINK(\"\"http://x\"\")\"",
            "'+1",
            "'-2+3",
            "'@SUM(A1)",
            "'\tx",
            "\"'\rcmd\"",
            "普通文字 a=b,-5",
            "电话 138****5678",
        ] {
            assert!(csv.contains(want), "{want:?} not in {csv}");
        }
        assert!(!csv.contains("1381234"));
    }
}
