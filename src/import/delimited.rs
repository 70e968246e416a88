//! CSV bodies: one single-leg trip per row under a header row naming the columns; errors name
//! the CSV line and column.

use super::ImportError;
use crate::domain::campaign::Direction;
use crate::domain::mode::truncate_for_message;
use crate::domain::plan::{checked_distance, checked_passengers, BaselineSpec, LegSpec, TripPlan};
use crate::domain::trip::TripFields;
use crate::domain::{FieldError, FieldErrors};
use crate::service::{check_row_count, Place, TripRow, MAX_TRIPS_PER_REQUEST};

/// CSV columns, in any order: the first five are required.
const CSV_COLUMNS: [&str; 7] = [
    "participant",
    "date",
    "direction",
    "mode",
    "distance_km",
    "passengers",
    "baseline_mode",
];

/// Parses a CSV body (header row first) into rows; errors name the CSV line and column.
pub fn csv_rows(body: &[u8]) -> Result<Vec<TripRow>, ImportError> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .trim(csv::Trim::All)
        .flexible(false)
        .from_reader(body);
    let headers = reader.headers().map_err(|e| csv_malformed(&e))?.clone();
    let mut column = [None; CSV_COLUMNS.len()];
    let mut errors = FieldErrors::default();
    for (index, name) in headers.iter().enumerate() {
        let name = name.trim_start_matches('\u{feff}');
        match CSV_COLUMNS.iter().position(|c| *c == name) {
            Some(known) if column[known].is_none() => column[known] = Some(index),
            Some(_) => errors.push("line 1", format!("column `{name}` appears twice")),
            None => errors.push(
                "line 1",
                format!(
                    "unknown column `{}`; columns are {}",
                    truncate_for_message(name),
                    CSV_COLUMNS.join(",")
                ),
            ),
        }
    }
    for (i, name) in CSV_COLUMNS.iter().enumerate().take(5) {
        if column[i].is_none() {
            errors.push(
                "line 1",
                format!("the header row must name the column `{name}`"),
            );
        }
    }
    if !errors.is_empty() {
        return Err(ImportError::Invalid(errors));
    }
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| csv_malformed(&e))?;
        let line = record.position().map_or(0, |p| p.line());

        let cell = |i: usize| {
            column[i]
                .and_then(|c| record.get(c))
                .filter(|v| !v.is_empty())
        };
        rows.push(TripRow {
            place: Place::Line(line),
            trip: csv_row(&cell),
        });
        if rows.len() > MAX_TRIPS_PER_REQUEST {
            break;
        }
    }
    check_row_count(rows.len()).map_err(ImportError::Invalid)?;
    Ok(rows)
}

/// One row's fields, or the cells that cannot be read (paths relative to the row).
fn csv_row<'a>(cell: &dyn Fn(usize) -> Option<&'a str>) -> Result<TripFields, FieldErrors> {
    let mut errors = FieldErrors::default();
    let direction = match cell(2) {
        Some(text) => Direction::parse(text)
            .ok_or_else(|| errors.push("direction", "must be to_work, from_work or round_trip"))
            .ok(),
        None => {
            errors.push("direction", "is required");
            None
        }
    };
    let mut number = |i: usize, name: &str| -> Option<f64> {
        cell(i).and_then(|text| {
            text.parse::<f64>()
                .map_err(|_| errors.push(name, format!("`{text}` is not a number")))
                .ok()
        })
    };
    let distance_km = number(4, "distance_km");
    let passengers = number(5, "passengers");
    let passengers = match passengers {
        Some(p) if p.fract() == 0.0 && p.abs() < 1e9 => Some(p as i64),
        Some(_) => {
            errors.push("passengers", "must be a whole number");
            None
        }
        None => None,
    };
    for (i, name) in [
        (0, "participant"),
        (1, "date"),
        (3, "mode"),
        (4, "distance_km"),
    ] {
        if cell(i).is_none() {
            errors.push(name, "is required");
        }
    }
    match (direction, distance_km) {
        (Some(direction), Some(distance_km)) if errors.is_empty() => Ok(TripFields {
            participant: cell(0).unwrap_or_default().to_owned(),
            date: cell(1).unwrap_or_default().to_owned(),
            direction,
            plan: single_leg_plan(
                cell(3).unwrap_or_default(),
                distance_km,
                passengers,
                cell(6),
            ),
        }),
        _ => Err(errors),
    }
}

/// The plan of a one-leg row, checked like the same trip sent as JSON.
fn single_leg_plan(
    mode: &str,
    distance_km: f64,
    passengers: Option<i64>,
    baseline_mode: Option<&str>,
) -> Result<TripPlan, FieldErrors> {
    let mut errors = FieldErrors::default();
    let distance = checked_distance(distance_km, || "distance_km".into(), &mut errors);
    let passengers = checked_passengers(passengers, || "passengers".into(), &mut errors);
    let legs = distance
        .map(|distance| LegSpec {
            mode: mode.to_owned(),
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
            mode: baseline_mode.map(str::to_owned),
            distance: None,
            passengers: None,
        },
    })
}

fn csv_malformed(error: &csv::Error) -> ImportError {
    let line = error.position().map_or(0, |p| p.line());
    ImportError::Malformed {
        detail: format!("the CSV body cannot be read at line {line}: {error}"),
        errors: vec![FieldError::new(format!("line {line}"), error.to_string())],
    }
}
