//! Exports as Excel workbooks: the CSV's columns on one sheet, written row by row in constant memory
//! (rust_xlsxwriter), so 100,000 rows cost no more than one. Text stays text (an Excel cell of type string
//! is never run as a formula, so nothing needs neutralising). A number becomes a number cell only when
//! Excel shows it exactly (at most 15 significant digits, and a double that reads back as the same value);
//! otherwise it is written as its exact text, so `12345678.1234567891` is not rounded on the way in.

use std::fs::File;
use std::path::{Path, PathBuf};

use rust_xlsxwriter::{Format, Workbook, XlsxError};
use serde_json::Value;

use super::numbers;
use super::rows::Row;

/// Excel's limits: rows per sheet, and characters per cell.
pub const MAX_ROWS: u32 = 1_048_576;
pub const MAX_CELL_CHARS: usize = 32_767;

pub struct Sheet {
    workbook: Workbook,
    path: PathBuf,
    next_row: u32,
}

fn failed(err: XlsxError) -> std::io::Error {
    std::io::Error::other(err.to_string())
}

/// The value to write as a number cell, or `None` when Excel could not show `text` exactly.
pub fn exact_number(text: &str) -> Option<f64> {
    let exact = numbers::parse(text)?;
    let digits = exact.normalize().mantissa().unsigned_abs().to_string().len();
    let double: f64 = text.parse().ok()?;
    (digits <= 15 && numbers::parse(&double.to_string()) == Some(exact)).then_some(double)
}

impl Sheet {
    pub fn create(path: &Path, columns: &[String]) -> std::io::Result<Self> {
        let mut workbook = Workbook::new();
        let sheet = workbook.add_worksheet_with_constant_memory().map_err(failed)?;
        let bold = Format::new().set_bold();
        for (index, name) in columns.iter().enumerate() {
            let column =
                u16::try_from(index).map_err(|_| std::io::Error::other("too many columns for Excel"))?;
            sheet.write_string_with_format(0, column, name, &bold).map_err(failed)?;
        }
        Ok(Self { workbook, path: path.to_owned(), next_row: 1 })
    }

    pub fn row(&mut self, columns: &[String], row: &Row) -> std::io::Result<()> {
        if self.next_row >= MAX_ROWS {
            return Err(std::io::Error::other(format!(
                "an Excel sheet holds at most {MAX_ROWS} rows (the header included); export to CSV or JSON Lines for more"
            )));
        }
        let at = self.next_row;
        let sheet = self.workbook.worksheet_from_index(0).map_err(failed)?;
        for (index, name) in columns.iter().enumerate() {
            let column = u16::try_from(index).unwrap_or(u16::MAX);
            let text = match name.strip_suffix("@formatted") {
                Some(base) => row.get(base).and_then(|cell| cell.formatted.clone()),
                None => match row.get(name).map(|cell| &cell.value) {
                    Some(Value::Number(n)) => {
                        let text = n.to_string();
                        match exact_number(&text) {
                            Some(double) => {
                                sheet.write_number(at, column, double).map_err(failed)?;
                                continue;
                            }
                            None => Some(text),
                        }
                    }
                    Some(Value::Null) | None => None,
                    Some(_) => Some(row.raw_text(name)),
                },
            };
            let Some(text) = text.filter(|t| !t.is_empty()) else { continue };
            if text.chars().count() > MAX_CELL_CHARS {
                return Err(std::io::Error::other(format!(
                    "{name} holds more than {MAX_CELL_CHARS} characters, the most an Excel cell holds; export to CSV or JSON Lines instead"
                )));
            }
            sheet.write_string(at, column, &text).map_err(failed)?;
        }
        self.next_row += 1;
        Ok(())
    }

    /// Writes the workbook and syncs it; the file to rename into place.
    pub fn finish(mut self) -> std::io::Result<File> {
        self.workbook.save(&self.path).map_err(failed)?;
        let file = File::options().read(true).write(true).open(&self.path)?;
        Ok(file)
    }
}

#[cfg(test)]
mod tests {
    use super::exact_number;

    #[test]
    fn only_numbers_excel_shows_exactly_become_number_cells() {
        assert_eq!(exact_number("922337203685477.0000"), Some(922_337_203_685_477.0));
        assert_eq!(exact_number("-9999999999.99999"), Some(-9_999_999_999.999_99));
        assert_eq!(exact_number("0.1"), Some(0.1));
        assert_eq!(exact_number("5000000.0000"), Some(5_000_000.0));
        // More digits than Excel shows: kept as text.
        assert_eq!(exact_number("12345678.1234567891"), None);
        assert_eq!(exact_number("922337203685477.5807"), None);
        assert_eq!(exact_number("9223372036854775807"), None);
        assert_eq!(exact_number("not a number"), None);
    }
}
