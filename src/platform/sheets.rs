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
            Cell::Text(_) if s.starts_with(['=', '+', '-', '@', '\t', '\r']) => format!("'{s}"),
            _ => s,
        }
    }

    /// The cell as a printed ledger shows it: numbers as they are, personal numbers in free
    /// text masked as in the CSV.
    pub fn printed(&self) -> String {
        match self {
            Cell::Text(s) => super::pii::mask(s).into_owned(),
            Cell::Num(_) => self.text(),
        }
    }

    fn text(&self) -> String {
        match self {
            Cell::Text(s) => s.clone(),
            Cell::Num(n) if n.fract() == 0.0 => format!("{n:.0}"),
            Cell::Num(n) => format!("{n}"),
        }
    }
}

#[derive(Clone, Debug)]
pub struct Table {
    /// The sheet's name (at most 31 characters in xlsx; longer names are cut).
    pub name: String,
    /// A title above the headers, e.g. `三角线社区居民台账`.
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
    let mut used = Vec::new();
    for t in tables {
        let ws = wb.add_worksheet();
        ws.set_name(sheet_name(&t.name, &mut used))?;
        ws.write_string_with_format(0, 0, &t.title, &title)?;
        for (c, h) in t.headers.iter().enumerate() {
            ws.write_string_with_format(1, c as u16, *h, &bold)?;
        }
        for (r, row) in t.rows.iter().enumerate() {
            let r = r as u32 + 2;
            for (c, cell) in row.iter().enumerate() {
                match cell {
                    Cell::Text(s) => ws.write_string(r, c as u16, &*super::pii::mask(s))?,
                    Cell::Num(n) => ws.write_number(r, c as u16, *n)?,
                };
            }
        }
        ws.set_freeze_panes(2, 0)?;
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
            w.write_record([t.title.as_str()])?;
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
