//! CSV and TSV text: the separator (comma, semicolon or tab) is the one the header row uses most;
//! the first non-empty line is the header; empty lines are skipped.

use super::{Cell, ImportError, Table};

/// The separators a spreadsheet program writes, in order of preference on a tie.
const SEPARATORS: [u8; 3] = [b',', b'\t', b';'];

/// The table of a CSV or TSV text.
pub(super) fn table(text: &str) -> Result<Table, ImportError> {
    let text = text.trim_start_matches('\u{feff}');
    // Old Mac files end lines with a bare CR. The reader splits records there too, but numbers
    // lines by LF only, so every error would name line 1.
    let unix;
    let text = if text.contains('\r') && !text.contains('\n') {
        unix = text.replace('\r', "\n");
        unix.as_str()
    } else {
        text
    };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .trim(csv::Trim::All)
        .delimiter(separator(text))
        .from_reader(text.as_bytes());
    let mut header: Option<(u64, Vec<String>)> = None;
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| malformed(&e))?;
        if record.iter().all(str::is_empty) {
            continue;
        }
        let line = record
            .position()
            .map_or(0, |p| first_line(text, p.byte(), p.line()));
        if header.is_none() {
            header = Some((line, record.iter().map(str::to_owned).collect()));
            continue;
        }
        let cells = record
            .iter()
            .map(|value| {
                if value.is_empty() {
                    Cell::Empty
                } else {
                    Cell::Text(value.to_owned())
                }
            })
            .collect();
        rows.push((line, cells));
        if rows.len() > crate::service::MAX_SPREADSHEET_ROWS {
            // Counted while read: past the limit there is no use reading on.
            break;
        }
    }
    let (header_row, header) = header.unwrap_or((1, Vec::new()));
    Ok(Table {
        sheet: None,
        first_column: 0,
        header_row,
        header,
        rows,
    })
}

/// The line a record starts on. The reader places a record where it started reading, before the
/// empty lines it skips, so those are counted here.
fn first_line(text: &str, byte: u64, line: u64) -> u64 {
    let start = usize::try_from(byte).unwrap_or(usize::MAX).min(text.len());
    let skipped = text.as_bytes()[start..]
        .iter()
        .take_while(|b| matches!(b, b'\r' | b'\n'))
        .filter(|b| **b == b'\n')
        .count();
    line + skipped as u64
}

/// The separator the first non-empty line uses most, outside quotes (a comma when it uses none).
fn separator(text: &str) -> u8 {
    let first = text
        .lines()
        .find(|line| !line.trim().is_empty())
        .unwrap_or_default();
    let mut counts = [0usize; SEPARATORS.len()];
    let mut quoted = false;
    for byte in first.bytes() {
        if byte == b'"' {
            quoted = !quoted;
        } else if !quoted {
            if let Some(i) = SEPARATORS.iter().position(|s| *s == byte) {
                counts[i] += 1;
            }
        }
    }
    let best = (0..SEPARATORS.len())
        .max_by_key(|&i| (counts[i], std::cmp::Reverse(i)))
        .unwrap_or(0);
    SEPARATORS[best]
}

fn malformed(error: &csv::Error) -> ImportError {
    let line = error.position().map_or(0, |p| p.line());
    ImportError::malformed(
        format!("the file cannot be read at line {line}: {error}"),
        format!("line {line}"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_separator_is_read_from_the_header_row() {
        assert_eq!(separator("a,b,c\n1;2;3"), b',');
        assert_eq!(separator("a;b;c\n"), b';');
        assert_eq!(separator("参与者\t日期\t方向"), b'\t');
        assert_eq!(
            separator("\"a;b\",c"),
            b',',
            "inside quotes it does not count"
        );
        assert_eq!(separator("single"), b',');
    }

    #[test]
    fn lines_ended_by_a_bare_cr_keep_their_numbers() {
        let table = table("participant,date\rann,2026-06-03\r\rbob,2026-06-04\r").unwrap();
        assert_eq!(table.header, ["participant", "date"]);
        let lines: Vec<u64> = table.rows.iter().map(|(line, _)| *line).collect();
        assert_eq!(lines, [2, 4]);
    }

    #[test]
    fn empty_lines_are_skipped_and_lines_keep_their_numbers() {
        let table = table("\n\nparticipant;date\n\nann;2026-06-03\n;\nbob;2026-06-04\n").unwrap();
        assert_eq!(table.header_row, 3);
        assert_eq!(table.header, ["participant", "date"]);
        let lines: Vec<u64> = table.rows.iter().map(|(line, _)| *line).collect();
        assert_eq!(lines, [5, 7]);
    }
}
