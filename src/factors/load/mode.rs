//! One mode of a set: its factor, basis, quality, derivation and provenance.

use crate::domain::grams::ug_per_km_from_g;
use crate::domain::mode::Basis;
use crate::domain::ModeId;

use super::super::file::{DerivationInput, ModeFile, Quality};
use super::super::set::ModeFactor;
use super::cobenefits::{validate_active, validate_air};
use super::names::check_alias;
use super::Problem;

/// Largest factor accepted, in g per km (a large car is about 300; this catches unit slips).
const MAX_G_PER_KM: f64 = 10_000.0;
/// Largest leg limit a set may declare, in km.
const MAX_LEG_LIMIT_KM: f64 = 5_000.0;

pub(super) fn validate_mode(
    index: usize,
    mode: &ModeFile,
    set_has_grid: bool,
    known_source: &dyn Fn(&str) -> bool,
) -> Result<ModeFactor, Problem> {
    let problem = |field: &str, message: String| (field.to_owned(), message);
    let id = ModeId::try_from(mode.mode.as_str()).map_err(|m| problem("mode", m))?;
    if mode.label.en.trim().is_empty() || mode.label.zh.trim().is_empty() {
        return Err(problem("label", "needs both `en` and `zh`".into()));
    }
    for (j, alias) in mode.aliases.iter().enumerate() {
        check_alias(alias).map_err(|message| problem(&format!("aliases[{j}]"), message))?;
    }
    if !known_source(&mode.source) {
        return Err(problem(
            "source",
            format!("`{}` is not listed in sources", mode.source),
        ));
    }
    check_provenance(
        "",
        mode.quality,
        mode.derivation.as_ref().map(|d| d.inputs.as_slice()),
        mode.note.as_deref(),
        known_source,
    )?;
    if !(mode.max_distance_km.is_finite()
        && mode.max_distance_km > 0.0
        && mode.max_distance_km <= MAX_LEG_LIMIT_KM)
    {
        return Err(problem(
            "max_distance_km",
            format!("must be > 0 and ≤ {MAX_LEG_LIMIT_KM}"),
        ));
    }

    let check_g = |field: &str, value: f64| {
        if value.is_finite() && (0.0..=MAX_G_PER_KM).contains(&value) {
            Ok(())
        } else {
            Err(problem(
                field,
                format!("must be ≥ 0 and ≤ {MAX_G_PER_KM} g per km, got {value}"),
            ))
        }
    };
    let fixed_g_per_km = match (
        mode.co2e_g_per_km,
        mode.grid_kwh_per_km,
        mode.fixed_g_per_km,
    ) {
        (Some(g), None, None) => {
            check_g("co2e_g_per_km", g)?;
            g
        }
        (None, Some(kwh), fixed) => {
            if !set_has_grid {
                return Err(problem(
                    "grid_kwh_per_km",
                    "needs the set to define grid_regions".into(),
                ));
            }
            if !(kwh.is_finite() && (0.0..=10.0).contains(&kwh)) {
                return Err(problem(
                    "grid_kwh_per_km",
                    format!("must be ≥ 0 and ≤ 10 kWh per km, got {kwh}"),
                ));
            }
            let fixed = fixed.unwrap_or(0.0);
            check_g("fixed_g_per_km", fixed)?;
            fixed
        }
        (Some(_), Some(_), _) => {
            return Err(problem(
                "co2e_g_per_km",
                "must be absent when grid_kwh_per_km is given (it is computed per grid region)"
                    .into(),
            ))
        }
        (None, None, _) => {
            return Err(problem(
                "co2e_g_per_km",
                "is required (or grid_kwh_per_km for a grid-derived mode)".into(),
            ))
        }
        (Some(_), None, Some(_)) => {
            return Err(problem(
                "fixed_g_per_km",
                "is only used together with grid_kwh_per_km".into(),
            ))
        }
    };
    if id.is_telework() && (fixed_g_per_km != 0.0 || mode.grid_kwh_per_km.is_some()) {
        return Err(problem(
            "co2e_g_per_km",
            "must be 0 for telework (no trip is made)".into(),
        ));
    }
    if id.as_str().starts_with("car") && mode.basis != Basis::VehicleKm {
        return Err(problem(
            "basis",
            "must be vehicle_km for cars, so that car-pools divide".into(),
        ));
    }

    let active = mode
        .active
        .as_ref()
        .map(|active| validate_active(active, known_source))
        .transpose()?;
    let air = mode
        .air
        .as_ref()
        .map(|air| validate_air(air, mode.basis, known_source))
        .transpose()?;

    Ok(ModeFactor {
        mode: id,
        basis: mode.basis,
        fixed_ug_per_km: ug_per_km_from_g(fixed_g_per_km),
        grid_kwh_per_km: mode.grid_kwh_per_km,
        max_distance_m: (mode.max_distance_km * 1000.0).round() as i64,
        index,
        active,
        air,
    })
}

/// The rules a value's provenance follows, for a mode's CO2e factor and for its air values
/// alike: a published value has no derivation, a derived or proxy one has; every input names a
/// listed source; a proxy says why in its note. `prefix` goes before the field names (`air.`).
pub(super) fn check_provenance(
    prefix: &str,
    quality: Quality,
    inputs: Option<&[DerivationInput]>,
    note: Option<&str>,
    known_source: &dyn Fn(&str) -> bool,
) -> Result<(), Problem> {
    let problem = |field: &str, message: String| (format!("{prefix}{field}"), message);
    match (quality, inputs) {
        (Quality::Published, Some(_)) => {
            return Err(problem(
                "derivation",
                "must be null for a published factor".into(),
            ))
        }
        (Quality::Derived | Quality::Proxy, None) => {
            return Err(problem(
                "derivation",
                "is required for a derived or proxy factor".into(),
            ))
        }
        _ => {}
    }
    for (j, input) in inputs.unwrap_or_default().iter().enumerate() {
        if let Some(source) = &input.source {
            if !known_source(source) {
                return Err(problem(
                    &format!("derivation.inputs[{j}].source"),
                    format!("`{source}` is not listed in sources"),
                ));
            }
        }
    }
    if quality == Quality::Proxy && note.is_none_or(|n| n.trim().is_empty()) {
        return Err(problem(
            "note",
            "must explain why a proxy factor is used".into(),
        ));
    }
    Ok(())
}
