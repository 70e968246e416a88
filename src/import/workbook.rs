//! XLSX and XLS workbooks, with calamine: the first worksheet (or the one asked for), whose first
//! non-empty row is the header. Date cells are dates; numbers stay numbers.

use std::io::Cursor;
use std::sync::Arc;

use calamine::{open_workbook_auto_from_rs, Data, Reader};

use super::{Cell, ImportError, Table};
use crate::domain::mode::truncate_for_message;
use crate::domain::FieldErrors;

/// The most a workbook may hold once unzipped: past it, a small upload could fill the memory.
const MAX_UNZIPPED_BYTES: u64 = 256 * 1024 * 1024;

/// The table of a workbook's worksheet `sheet` (the first one when `None`).
pub(super) fn table(body: &[u8], sheet: Option<&str>) -> Result<Table, ImportError> {
    check_unzipped_size(body)?;
    let mut workbook = open_workbook_auto_from_rs(Cursor::new(body)).map_err(|e| {
        ImportError::malformed(
            format!("the workbook cannot be read ({e}); save it as XLSX or CSV and upload that"),
            "",
        )
    })?;
    let names = workbook.sheet_names();
    let name = match sheet {
        Some(wanted) => names
            .iter()
            .find(|n| n.as_str() == wanted)
            .cloned()
            .ok_or_else(|| {
                ImportError::Invalid(FieldErrors::from(crate::domain::FieldError::new(
                    "sheet",
                    format!(
                        "the workbook has no worksheet `{}`; it has {}",
                        truncate_for_message(wanted),
                        names.join(", ")
                    ),
                )))
            })?,
        None => names
            .first()
            .cloned()
            .ok_or_else(|| ImportError::malformed("the workbook has no worksheet".into(), ""))?,
    };
    let range = workbook.worksheet_range(&name).map_err(|e| {
        ImportError::malformed(format!("the worksheet `{name}` cannot be read: {e}"), "")
    })?;
    let (first_row, first_column) = range.start().unwrap_or((0, 0));
    let mut header: Option<(u64, Vec<String>)> = None;
    let mut rows = Vec::new();
    for (i, row) in range.rows().enumerate() {
        let cells: Vec<Cell> = row.iter().map(cell).collect();
        if cells.iter().all(Cell::is_empty) {
            continue;
        }
        let number = u64::from(first_row) + i as u64 + 1;
        if header.is_none() {
            header = Some((number, cells.iter().map(header_text).collect()));
            continue;
        }
        rows.push((number, cells));
        if rows.len() > crate::service::MAX_SPREADSHEET_ROWS {
            break;
        }
    }
    let (header_row, header) = header.unwrap_or((1, Vec::new()));
    Ok(Table {
        sheet: Some(Arc::from(name)),
        first_column: first_column as usize,
        header_row,
        header,
        rows,
    })
}

/// A cell as the importer reads it.
fn cell(data: &Data) -> Cell {
    match data {
        Data::Empty => Cell::Empty,
        Data::Int(n) => Cell::Number(*n as f64),
        Data::Float(n) => Cell::Number(*n),
        Data::String(text) | Data::DateTimeIso(text) | Data::DurationIso(text) => {
            Cell::Text(text.clone())
        }
        Data::Bool(b) => Cell::Text(b.to_string()),
        Data::DateTime(value) if value.is_datetime() => {
            let (year, month, day, ..) = value.to_ymd_hms_milli();
            match (i16::try_from(year), i8::try_from(month), i8::try_from(day)) {
                (Ok(y), Ok(m), Ok(d)) => Cell::Date(y, m, d),
                _ => Cell::Number(value.as_f64()),
            }
        }
        Data::DateTime(value) => Cell::Number(value.as_f64()),
        Data::Error(error) => Cell::Text(format!("#{error:?}")),
    }
}

/// A header cell as text.
fn header_text(cell: &Cell) -> String {
    match cell {
        Cell::Text(text) => text.trim().to_owned(),
        Cell::Empty => String::new(),
        Cell::Number(n) => n.to_string(),
        Cell::Date(y, m, d) => format!("{y:04}-{m:02}-{d:02}"),
    }
}

/// Refuses an XLSX (a zip) that would unpack to more than [`MAX_UNZIPPED_BYTES`]; other bodies
/// pass (an XLS is read as it is).
fn check_unzipped_size(body: &[u8]) -> Result<(), ImportError> {
    let Ok(mut archive) = zip::ZipArchive::new(Cursor::new(body)) else {
        return Ok(());
    };
    let mut total = 0u64;
    for i in 0..archive.len() {
        if let Ok(file) = archive.by_index_raw(i) {
            total = total.saturating_add(file.size());
        }
    }
    if total > MAX_UNZIPPED_BYTES {
        return Err(ImportError::malformed(
            format!(
                "the workbook unpacks to {total} bytes, more than the {MAX_UNZIPPED_BYTES} this service reads; upload it as CSV"
            ),
            "",
        ));
    }
    Ok(())
}
