//! A mode's co-benefit parameters: `active` (speed and MET) and `air` (tailpipe NOx and PM2.5).

use crate::domain::mode::Basis;

use super::super::file::{ActiveFile, AirFile};
use super::super::set::{Active, Air};
use super::mode::check_provenance;
use super::Problem;

/// Accepted default speeds of an active mode, km/h (walking is about 5, an e-bike about 25).
const ACTIVE_SPEED_KMH: std::ops::RangeInclusive<f64> = 1.0..=40.0;
/// Accepted intensities of an active mode, METs.
const ACTIVE_MET: std::ops::RangeInclusive<f64> = 1.0..=15.0;
/// Largest tailpipe NOx accepted, mg per km (an old diesel bus emits about 12 000 per vehicle-km).
const MAX_NOX_MG_PER_KM: f64 = 20_000.0;
/// Largest exhaust PM2.5 accepted, mg per km.
const MAX_PM25_MG_PER_KM: f64 = 2_000.0;

/// An active mode's speed and MET value, checked and converted to whole metres per hour and
/// tenths of a MET.
pub(super) fn validate_active(
    active: &ActiveFile,
    known_source: &dyn Fn(&str) -> bool,
) -> Result<Active, Problem> {
    let problem = |field: &str, message: String| (format!("active.{field}"), message);
    let speed = active.speed_kmh;
    if !(speed.is_finite() && ACTIVE_SPEED_KMH.contains(&speed)) {
        return Err(problem(
            "speed_kmh",
            format!(
                "must be ≥ {} and ≤ {} km/h, got {speed}",
                ACTIVE_SPEED_KMH.start(),
                ACTIVE_SPEED_KMH.end()
            ),
        ));
    }
    let met = active.met;
    if !(met.is_finite() && ACTIVE_MET.contains(&met)) {
        return Err(problem(
            "met",
            format!(
                "must be ≥ {} and ≤ {} METs, got {met}",
                ACTIVE_MET.start(),
                ACTIVE_MET.end()
            ),
        ));
    }
    let met_x10 = (met * 10.0).round();
    if (met * 10.0 - met_x10).abs() > 1e-6 {
        return Err(problem(
            "met",
            format!("must have at most one decimal (it is held in tenths of a MET), got {met}"),
        ));
    }
    if !known_source(&active.source) {
        return Err(problem(
            "source",
            format!("`{}` is not listed in sources", active.source),
        ));
    }
    Ok(Active {
        speed_m_per_h: (speed * 1000.0).round() as i64,
        met_x10: met_x10 as i64,
    })
}

/// A mode's tailpipe NOx and PM2.5, checked and converted to whole µg per km of the basis.
pub(super) fn validate_air(
    air: &AirFile,
    mode_basis: Basis,
    known_source: &dyn Fn(&str) -> bool,
) -> Result<Air, Problem> {
    let problem = |field: &str, message: String| (format!("air.{field}"), message);
    if air.basis != mode_basis {
        return Err(problem(
            "basis",
            format!(
                "must be the mode's basis `{}`, got `{}`",
                mode_basis.as_str(),
                air.basis.as_str()
            ),
        ));
    }
    for (field, value, max) in [
        ("nox_mg_per_km", air.nox_mg_per_km, MAX_NOX_MG_PER_KM),
        ("pm25_mg_per_km", air.pm25_mg_per_km, MAX_PM25_MG_PER_KM),
    ] {
        if !(value.is_finite() && (0.0..=max).contains(&value)) {
            return Err(problem(
                field,
                format!("must be ≥ 0 and ≤ {max} mg per km, got {value}"),
            ));
        }
    }
    if !known_source(&air.source) {
        return Err(problem(
            "source",
            format!("`{}` is not listed in sources", air.source),
        ));
    }
    check_provenance(
        "air.",
        air.quality,
        air.derivation.as_ref().map(|d| d.inputs.as_slice()),
        air.note.as_deref(),
        known_source,
    )?;
    Ok(Air {
        nox_ug_per_km: ug_per_km_from_mg(air.nox_mg_per_km),
        pm25_ug_per_km: ug_per_km_from_mg(air.pm25_mg_per_km),
    })
}

/// Milligrams per km to whole micrograms per km, rounded once (as CO2e factors are held).
pub(super) fn ug_per_km_from_mg(mg_per_km: f64) -> i64 {
    (mg_per_km * 1000.0).round() as i64
}
