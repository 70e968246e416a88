//! Trip uploads as organizations have them: CSV or TSV in UTF-8, UTF-16 or GB18030, and XLSX or
//! XLS workbooks, with headers and values in Chinese or English. Reads a table, finds its
//! columns, reads each cell against the campaign's factor set, and hands the service located
//! rows. Knows file formats; knows nothing of HTTP or storage.

mod columns;
mod decode;
mod delimited;
pub mod template;
mod values;
mod workbook;

pub use columns::Column;
pub use template::Language;
pub use values::{parse_direction, parse_spreadsheet_date};

use std::sync::Arc;

use crate::domain::{FieldError, FieldErrors};
use crate::factors::FactorSet;
use crate::service::{check_row_count, Place, TripRow, MAX_SPREADSHEET_ROWS};

/// A spreadsheet format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Text with a separator (comma, semicolon or tab, detected from the header row).
    Delimited,
    /// A workbook: XLSX (Office Open XML) or XLS (BIFF); which one is read from its bytes.
    Workbook,
}

/// How to read an upload.
#[derive(Debug, Clone, Default)]
pub struct Options<'a> {
    /// The `charset` of the request's media type, if it named one.
    pub charset: Option<&'a str>,
    /// The worksheet to read (`?sheet=`); the first one when absent.
    pub sheet: Option<&'a str>,
}

/// The rows of an upload, and the header columns that were not used.
#[derive(Debug)]
pub struct Upload {
    /// One row per non-empty data row, located as a person finds it.
    pub rows: Vec<TripRow>,
    /// Header names of columns that are not trip fields (a name, a department): ignored and
    /// never stored.
    pub ignored_columns: Vec<String>,
}

/// Why an upload could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The file itself is not well-formed.
    #[error("{detail}")]
    Malformed {
        /// What is wrong.
        detail: String,
        /// Where.
        errors: Vec<FieldError>,
    },
    /// Well-formed, but the header or rows are not trips.
    #[error("{0}")]
    Invalid(FieldErrors),
    /// Text in a character set this service does not read.
    #[error("{0}")]
    UnsupportedCharset(String),
}

impl ImportError {
    fn malformed(detail: String, place: impl Into<String>) -> Self {
        let errors = vec![FieldError::new(place, detail.clone())];
        Self::Malformed { detail, errors }
    }
}

/// One cell as the file gives it.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// Nothing.
    Empty,
    /// Text (all of a CSV).
    Text(String),
    /// A number cell.
    Number(f64),
    /// A date cell (year, month, day).
    Date(i16, i8, i8),
}

impl Cell {
    fn is_empty(&self) -> bool {
        match self {
            Self::Empty => true,
            Self::Text(text) => text.trim().is_empty(),
            _ => false,
        }
    }
}

/// A table read from a file: its header row and its non-empty data rows.
struct Table {
    /// The worksheet's name, for a workbook.
    sheet: Option<Arc<str>>,
    /// Index in the worksheet of the table's first column (0 for text).
    first_column: usize,
    /// The header row's number (CSV line or worksheet row, as a person sees it).
    header_row: u64,
    /// The header's cells, as text.
    header: Vec<String>,
    /// Each data row's number and cells, in the header's order.
    rows: Vec<(u64, Vec<Cell>)>,
}

impl Table {
    /// Where a problem with the header row is reported: `line 1`, `Sheet1 row 1`.
    fn header_place(&self) -> String {
        match &self.sheet {
            Some(sheet) => format!("{sheet} row {}", self.header_row),
            None => format!("line {}", self.header_row),
        }
    }

    /// The place of data row `row`, given the columns found.
    fn place(&self, row: u64, letters: &Arc<[(&'static str, String)]>) -> Place {
        match &self.sheet {
            Some(sheet) => Place::Cell {
                sheet: sheet.clone(),
                row: u32::try_from(row).unwrap_or(u32::MAX),
                columns: letters.clone(),
            },
            None => Place::Line(row),
        }
    }
}

/// Reads an upload into trip rows against `set` (modes by id, label or alias).
pub fn read(
    body: &[u8],
    format: Format,
    options: &Options<'_>,
    set: &FactorSet,
) -> Result<Upload, ImportError> {
    let mut table = match format {
        Format::Delimited => delimited::table(&decode::text(body, options.charset)?)?,
        // calamine reads untrusted binary formats; should it ever panic on one, the upload is
        // refused instead of the worker thread unwinding.
        Format::Workbook => std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            workbook::table(body, options.sheet)
        }))
        .unwrap_or_else(|_| {
            Err(ImportError::malformed(
                "the workbook cannot be read; save it as XLSX or CSV and upload that".into(),
                "",
            ))
        })?,
    };
    let (columns, ignored_columns) = columns::find(&table.header).map_err(|errors| {
        let place = table.header_place();
        ImportError::Invalid(FieldErrors(
            errors
                .0
                .into_iter()
                .map(|e| FieldError::new(place.clone(), e.message))
                .collect(),
        ))
    })?;
    check_row_count(table.rows.len(), MAX_SPREADSHEET_ROWS).map_err(ImportError::Invalid)?;
    let letters: Arc<[(&'static str, String)]> = columns
        .found()
        .map(|(column, index)| (column.field(), column_letter(table.first_column + index)))
        .collect();
    // The cells are consumed row by row, so that a large upload does not hold its table and
    // its rows at once.
    let cells_by_row = std::mem::take(&mut table.rows);
    let header_width = table.header.len();
    let rows = cells_by_row
        .into_iter()
        .map(|(row, cells)| TripRow {
            place: table.place(row, &letters),
            trip: match format {
                Format::Delimited => stray_cells(&cells, header_width),
                // A workbook's cells keep their values whole; a note beside the table is fine.
                Format::Workbook => Ok(()),
            }
            .and_then(|()| values::trip(&columns, &cells, set)),
        })
        .collect();
    Ok(Upload {
        rows,
        ignored_columns,
    })
}

/// A text row with values past the header's last column is refused, not cut short: it nearly
/// always means a separator inside an unquoted value (`1,000` or a decimal comma `9,5` in a
/// comma-separated file), which would otherwise be read as another, wrong, number.
fn stray_cells(cells: &[Cell], header_width: usize) -> Result<(), FieldErrors> {
    let Some(last) = cells.iter().rposition(|cell| !cell.is_empty()) else {
        return Ok(());
    };
    if last < header_width {
        return Ok(());
    }
    let mut errors = FieldErrors::default();
    errors.push(
        "",
        format!(
            "has {} values where the header has {header_width} columns: quote a value that holds \
             the separator (\"1,000\" or \"9,5\"), or give the extra column a header",
            last + 1
        ),
    );
    Err(errors)
}

/// Column letters of a worksheet: 0 → `A`, 25 → `Z`, 26 → `AA`.
pub fn column_letter(mut index: usize) -> String {
    let mut letters = Vec::new();
    loop {
        letters.push(b'A' + (index % 26) as u8);
        if index < 26 {
            break;
        }
        index = index / 26 - 1;
    }
    letters.reverse();
    String::from_utf8(letters).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_are_lettered_as_spreadsheets_letter_them() {
        assert_eq!(column_letter(0), "A");
        assert_eq!(column_letter(4), "E");
        assert_eq!(column_letter(25), "Z");
        assert_eq!(column_letter(26), "AA");
        assert_eq!(column_letter(27), "AB");
        assert_eq!(column_letter(701), "ZZ");
        assert_eq!(column_letter(702), "AAA");
    }
}
