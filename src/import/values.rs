//! The cells of one row read as a trip: dates as spreadsheets write them, directions and modes in
//! English or Chinese (a mode by its id, English or Chinese name, or an alias of the campaign's
//! set), distances with or without their unit.

use jiff::civil::Date;

use super::columns::{Column, Columns};
use super::Cell;
use crate::domain::campaign::Direction;
use crate::domain::mode::truncate_for_message;
use crate::domain::plan::{checked_distance, checked_passengers, BaselineSpec, LegSpec, TripPlan};
use crate::domain::trip::TripFields;
use crate::domain::FieldErrors;
use crate::factors::FactorSet;

/// A row's trip fields, or every cell that cannot be read (paths are the column's field names).
pub fn trip(columns: &Columns, cells: &[Cell], set: &FactorSet) -> Result<TripFields, FieldErrors> {
    let cell = |column: Column| {
        columns
            .index(column)
            .and_then(|i| cells.get(i))
            .filter(|c| !c.is_empty())
    };
    let mut errors = FieldErrors::default();
    let required = |column: Column, errors: &mut FieldErrors| {
        let found = cell(column);
        if found.is_none() {
            errors.push(column.field(), "is required");
        }
        found
    };
    let participant = required(Column::Participant, &mut errors).map(text);
    let date = required(Column::Date, &mut errors).and_then(|c| {
        parse_spreadsheet_date(c)
            .map_err(|m| errors.push("date", m))
            .ok()
    });
    let direction = required(Column::Direction, &mut errors).and_then(|c| {
        parse_direction(&text(c))
            .map_err(|m| errors.push("direction", m))
            .ok()
    });
    // The legs' cells go with the plan, so that a row whose date is outside the campaign still
    // reports its unknown mode or its bad distance in the same answer.
    let mut leg_errors = FieldErrors::default();
    let mode = required(Column::Mode, &mut leg_errors).and_then(|c| {
        mode_id(set, &text(c))
            .map_err(|m| leg_errors.push("mode", m))
            .ok()
    });
    let distance_km = required(Column::DistanceKm, &mut leg_errors).and_then(|c| {
        distance_km(c)
            .map_err(|m| leg_errors.push("distance_km", m))
            .ok()
    });
    let passengers = cell(Column::Passengers)
        .and_then(|c| whole(c).map_err(|m| leg_errors.push("passengers", m)).ok());
    let baseline = cell(Column::BaselineMode).and_then(|c| {
        mode_id(set, &text(c))
            .map_err(|m| leg_errors.push("baseline_mode", m))
            .ok()
    });
    let plan = match (mode, distance_km) {
        (Some(mode), Some(distance_km)) if leg_errors.is_empty() => {
            single_leg_plan(mode, distance_km, passengers, baseline)
        }
        _ => Err(leg_errors),
    };
    match (participant, date, direction) {
        (Some(participant), Some(date), Some(direction)) if errors.is_empty() => Ok(TripFields {
            participant,
            date: date.to_string(),
            direction,
            plan,
        }),
        _ => {
            if let Err(leg_errors) = plan {
                errors.0.extend(leg_errors.0);
            }
            Err(errors)
        }
    }
}

/// A cell as text: numbers without a needless `.0` (an employee number `1001` stays `1001`).
fn text(cell: &Cell) -> String {
    match cell {
        Cell::Empty => String::new(),
        Cell::Text(text) => text.trim().to_owned(),
        Cell::Number(n) if n.fract() == 0.0 && n.abs() < 1e15 => format!("{}", *n as i64),
        Cell::Number(n) => n.to_string(),
        Cell::Date(y, m, d) => format!("{y:04}-{m:02}-{d:02}"),
    }
}

/// The mode id a cell names (by id, English or Chinese name, or alias). Checked while reading, so
/// that a row's unknown mode is reported with its other cells' problems.
fn mode_id(set: &FactorSet, text: &str) -> Result<String, String> {
    set.mode_by_name(text)
        .map(|mode| mode.mode.as_str().to_owned())
        .ok_or_else(|| {
            let examples: Vec<String> = set
                .modes()
                .iter()
                .take(6)
                .map(|m| set.mode_file(m).label.zh.clone())
                .collect();
            format!(
                "unknown mode `{}` in factor set `{}`: write a mode by its id or its Chinese or \
                 English name (such as {}), as the template's second sheet lists them",
                truncate_for_message(text),
                set.id(),
                examples.join(", ")
            )
        })
}

/// A direction in English or Chinese: `to_work` (上班, 去程), `from_work` (下班, 回程, 返程),
/// `round_trip` (往返).
pub fn parse_direction(text: &str) -> Result<Direction, String> {
    let normalized: String = text
        .trim()
        .to_lowercase()
        .chars()
        .filter(|c| !matches!(c, ' ' | '_' | '-'))
        .collect();
    match normalized.as_str() {
        "towork" | "上班" | "去程" => Ok(Direction::ToWork),
        "fromwork" | "下班" | "回程" | "返程" => Ok(Direction::FromWork),
        "roundtrip" | "往返" => Ok(Direction::RoundTrip),
        _ => Err(format!(
            "`{}` is not a direction: write to_work (上班), from_work (下班) or round_trip (往返)",
            truncate_for_message(text)
        )),
    }
}

/// A date as spreadsheets give it: a date cell, a date serial number (days since 1899-12-30, as
/// Excel counts them), or `2026-06-03`, `2026/6/3`, `2026.6.3`, `2026年6月3日`.
pub fn parse_spreadsheet_date(cell: &Cell) -> Result<Date, String> {
    let invalid = |shown: &str| {
        format!(
            "`{}` is not a date: write 2026-06-03, 2026/6/3, 2026.6.3 or 2026年6月3日",
            truncate_for_message(shown)
        )
    };
    match cell {
        Cell::Date(y, m, d) => Date::new(*y, *m, *d).map_err(|_| invalid(&text(cell))),
        Cell::Number(serial) if serial.fract() == 0.0 && (1.0..=2_958_465.0).contains(serial) => {
            // Day 1 is 1900-01-01 and Excel counts a 29 February 1900 that never was (day 60,
            // read here as the 28th): from day 60 on the days run from 1899-12-30.
            let epoch = jiff::civil::date(1899, 12, 30);
            let days = *serial as i64 + i64::from(*serial < 60.0);
            epoch
                .checked_add(jiff::Span::new().days(days))
                .map_err(|_| invalid(&text(cell)))
        }
        other => {
            let written = text(other);
            parse_date_text(&written).ok_or_else(|| invalid(&written))
        }
    }
}

/// `2026-06-03`, `2026/6/3`, `2026.6.3`, `2026年6月3日` (also with a time after a space or `T`).
fn parse_date_text(text: &str) -> Option<Date> {
    let day_part = text.trim().split([' ', 'T']).next()?;
    let day_part = day_part.trim_end_matches('日');
    let parts: Vec<&str> = day_part.split(['-', '/', '.', '年', '月']).collect();
    let [year, month, day] = parts.as_slice() else {
        return None;
    };
    let number = |s: &str, max_len: usize| -> Option<i64> {
        (!s.is_empty() && s.len() <= max_len && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse().ok())
            .flatten()
    };
    let (year, month, day) = (number(year, 4)?, number(month, 2)?, number(day, 2)?);
    if year < 1000 {
        return None;
    }
    Date::new(
        i16::try_from(year).ok()?,
        i8::try_from(month).ok()?,
        i8::try_from(day).ok()?,
    )
    .ok()
}

/// A distance in km: a number cell, or text such as `9`, `9.5`, `9km`, `9 公里`.
fn distance_km(cell: &Cell) -> Result<f64, String> {
    if let Cell::Number(km) = cell {
        return Ok(*km);
    }
    let written = text(cell);
    let lower = written.to_lowercase();
    let number = ["kilometres", "kilometers", "千米", "公里", "km"]
        .iter()
        .find_map(|unit| lower.strip_suffix(unit))
        .unwrap_or(&lower)
        .trim();
    number.parse::<f64>().map_err(|_| {
        format!(
            "`{}` is not a distance: write a number of km such as 9, 9.5 or 9 公里",
            truncate_for_message(&written)
        )
    })
}

/// A whole number (a passengers count).
fn whole(cell: &Cell) -> Result<i64, String> {
    let value = match cell {
        Cell::Number(n) => Some(*n),
        other => text(other).parse::<f64>().ok(),
    };
    match value {
        Some(n) if n.fract() == 0.0 && n.abs() < 1e9 => Ok(n as i64),
        _ => Err(format!(
            "`{}` is not a whole number",
            truncate_for_message(&text(cell))
        )),
    }
}

/// The plan of a one-leg row, checked like the same trip sent as JSON.
fn single_leg_plan(
    mode: String,
    distance_km: f64,
    passengers: Option<i64>,
    baseline_mode: Option<String>,
) -> Result<TripPlan, FieldErrors> {
    let mut errors = FieldErrors::default();
    let distance = checked_distance(distance_km, || "distance_km".into(), &mut errors);
    let passengers = checked_passengers(passengers, || "passengers".into(), &mut errors);
    let legs = distance
        .map(|distance| LegSpec {
            mode,
            distance,
            passengers,
            index: None,
        })
        .into_iter()
        .collect();
    errors.into_result(TripPlan {
        legs,
        round_trip: false,
        baseline: BaselineSpec {
            mode: baseline_mode,
            distance: None,
            passengers: None,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn text_cell(t: &str) -> Cell {
        Cell::Text(t.into())
    }

    #[test]
    fn dates_are_read_as_spreadsheets_write_them() {
        for written in [
            "2026-06-03",
            "2026/6/3",
            "2026.6.3",
            "2026年6月3日",
            "2026-06-03 08:00:00",
            "2026-06-03T00:00:00",
        ] {
            assert_eq!(
                parse_spreadsheet_date(&text_cell(written)),
                Ok(date(2026, 6, 3)),
                "{written}"
            );
        }
        assert_eq!(
            parse_spreadsheet_date(&Cell::Date(2026, 6, 3)),
            Ok(date(2026, 6, 3))
        );
        // Excel's serial number of 2026-06-03.
        assert_eq!(
            parse_spreadsheet_date(&Cell::Number(46176.0)),
            Ok(date(2026, 6, 3))
        );
        assert_eq!(
            parse_spreadsheet_date(&Cell::Number(60.0)),
            Ok(date(1900, 2, 28))
        );
        assert_eq!(
            parse_spreadsheet_date(&Cell::Number(61.0)),
            Ok(date(1900, 3, 1))
        );
        for bad in ["2026-13-01", "6/3/2026", "yesterday", "2026/6", "26-06-03"] {
            assert!(parse_spreadsheet_date(&text_cell(bad)).is_err(), "{bad}");
        }
    }

    #[test]
    fn directions_read_in_english_or_chinese() {
        assert_eq!(parse_direction("上班"), Ok(Direction::ToWork));
        assert_eq!(parse_direction(" To Work "), Ok(Direction::ToWork));
        assert_eq!(parse_direction("返程"), Ok(Direction::FromWork));
        assert_eq!(parse_direction("往返"), Ok(Direction::RoundTrip));
        assert_eq!(parse_direction("round_trip"), Ok(Direction::RoundTrip));
        assert!(parse_direction("sideways").is_err());
    }

    #[test]
    fn distances_read_with_or_without_their_unit() {
        for (written, km) in [
            ("9", 9.0),
            ("9.5", 9.5),
            ("9km", 9.0),
            ("9 公里", 9.0),
            ("12.5 KM", 12.5),
        ] {
            assert_eq!(distance_km(&text_cell(written)), Ok(km), "{written}");
        }
        assert_eq!(distance_km(&Cell::Number(3.25)), Ok(3.25));
        assert!(distance_km(&text_cell("far")).is_err());
    }

    #[test]
    fn number_cells_read_as_text_without_a_needless_fraction() {
        assert_eq!(text(&Cell::Number(1001.0)), "1001");
        assert_eq!(text(&Cell::Number(2.5)), "2.5");
    }
}
