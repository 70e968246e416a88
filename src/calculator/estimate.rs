//! The estimate: a trip's CO2e, its baseline and the saving, from one factor set; and its
//! co-benefits, active minutes and tailpipe NOx and PM2.5, with the same exactness.
//!
//! Rules (see `design.md`): each leg is rounded half away from zero to the gram (the minute, the
//! milligram); a round trip doubles every distance (the baseline's too) before rounding;
//! per-vehicle factors, pollutants included, are divided by the travellers sharing the vehicle;
//! totals are exact sums; the saving may be negative. A mode without `active` counts no active
//! minutes; a mode without `air` counts 0 mg, and the estimate says that its air figures are
//! incomplete.

use crate::domain::cobenefit::{active_minutes, leg_milligrams, AirMg};
use crate::domain::grams::leg_grams;
use crate::domain::mode::{truncate_for_message, Basis};
use crate::domain::plan::{TripPlan, MAX_LEGS};
use crate::domain::{Distance, FieldErrors, Passengers};
use crate::factors::{FactorSet, GridRegion, ModeFactor};

/// One leg's result.
#[derive(Debug, Clone)]
pub struct LegOutcome<'a> {
    /// The mode's factor.
    pub factor: &'a ModeFactor,
    /// Distance travelled (doubled for a round trip), in metres.
    pub distance_m: i64,
    /// Travellers sharing the vehicle (per-vehicle modes only).
    pub passengers: Option<u8>,
    /// The factor used, in µg per km of its basis.
    pub ug_per_km: i64,
    /// Whole grams for this traveller.
    pub co2e_g: i64,
    /// Whole active minutes, for a mode with `active` parameters.
    pub active_minutes: Option<i64>,
    /// Whole milligrams of tailpipe NOx and PM2.5 for this traveller, for a mode with `air`
    /// factors.
    pub air: Option<AirMg>,
}

/// A trip's result.
#[derive(Debug, Clone)]
pub struct Estimate<'a> {
    /// The legs, in request order.
    pub legs: Vec<LegOutcome<'a>>,
    /// Sum of the legs' distances, in metres.
    pub distance_m: i64,
    /// Sum of the legs' grams.
    pub co2e_g: i64,
    /// What the trip is compared with.
    pub baseline: LegOutcome<'a>,
    /// `baseline.co2e_g − co2e_g`.
    pub savings_g: i64,
    /// Sum of the active legs' minutes.
    pub active_minutes: i64,
    /// Sum of the legs' tailpipe milligrams (legs without `air` count 0).
    pub air: AirMg,
    /// The baseline's tailpipe milligrams (0 when its mode has no `air`).
    pub baseline_air: AirMg,
    /// `baseline_air − air`.
    pub air_saved: AirMg,
    /// Whether every leg and the baseline have `air` factors, so that nothing counted 0 for
    /// want of one.
    pub air_complete: bool,
    /// The grid region whose factor electric modes used (sets with grid regions only).
    pub grid: Option<&'a GridRegion>,
}

impl Estimate<'_> {
    /// Index of the longest leg, the first such on a tie: it gives the trip's main mode.
    pub fn main_leg(&self) -> usize {
        let mut best = 0;
        for (i, leg) in self.legs.iter().enumerate() {
            if leg.distance_m > self.legs[best].distance_m {
                best = i;
            }
        }
        best
    }
}

/// Resolves a requested region name against the set's grid regions.
pub fn resolve_grid<'a>(
    set: &'a FactorSet,
    region: Option<&str>,
) -> Result<Option<&'a GridRegion>, String> {
    match region {
        None => Ok(set.default_grid_region()),
        Some(_) if set.grid_regions().is_empty() => Err(format!(
            "factor set `{}` has no grid regions; leave `region` out",
            set.id()
        )),
        Some(name) => set.find_grid_region(name).map(Some).ok_or_else(|| {
            format!(
                "unknown region `{}` for factor set `{}` (see GET /v1/factor-sets/{} for its grid_regions)",
                truncate_for_message(name),
                set.id(),
                set.id()
            )
        }),
    }
}

/// Computes the trip against `set` on `grid`; `default_baseline` overrides the set's default mode.
pub fn estimate<'a>(
    set: &'a FactorSet,
    grid: Option<&'a GridRegion>,
    plan: &TripPlan,
    default_baseline: Option<&str>,
) -> Result<Estimate<'a>, FieldErrors> {
    let mut errors = FieldErrors::default();
    // The request parsers check this too; here it guards every other way a plan is made (the
    // main leg is taken by index below).
    if plan.legs.is_empty() || plan.legs.len() > MAX_LEGS {
        errors.push(
            "legs",
            format!("must have 1 to {MAX_LEGS} legs, got {}", plan.legs.len()),
        );
        return Err(errors);
    }
    let multiplier = if plan.round_trip { 2 } else { 1 };
    let is_multi_leg = plan.legs.len() > 1;

    let mut legs = Vec::with_capacity(plan.legs.len());
    for leg in &plan.legs {
        // Paths are built only when something is wrong: this is the hot path of every estimate.
        let Some(factor) = lookup_mode(set, &leg.mode, || leg.field("mode"), &mut errors) else {
            continue;
        };
        if factor.mode.is_telework() && is_multi_leg {
            errors.push(
                leg.field("mode"),
                "`telework` means no trip was made and cannot be one leg among others",
            );
        }
        check_distance(
            factor,
            leg.distance,
            || leg.field("distance_km"),
            &mut errors,
        );
        let Ok(passengers) = check_passengers(
            factor,
            leg.passengers,
            || leg.field("passengers"),
            &mut errors,
        ) else {
            continue;
        };
        legs.push(outcome(
            set,
            grid,
            factor,
            leg.distance.metres() * multiplier,
            passengers,
        ));
    }

    let baseline_mode = plan
        .baseline
        .mode
        .as_deref()
        .or(default_baseline)
        .unwrap_or(set.default_baseline_mode().mode.as_str());
    let baseline_factor = lookup_mode(set, baseline_mode, || "baseline.mode".into(), &mut errors);
    let baseline_passengers = baseline_factor.and_then(|factor| {
        check_passengers(
            factor,
            plan.baseline.passengers,
            || "baseline.passengers".into(),
            &mut errors,
        )
        .ok()
    });
    if let (Some(factor), Some(distance)) = (baseline_factor, plan.baseline.distance) {
        check_distance(
            factor,
            distance,
            || "baseline.distance_km".into(),
            &mut errors,
        );
    }

    let distance_m: i64 = legs.iter().map(|leg| leg.distance_m).sum();
    let co2e_g: i64 = legs.iter().map(|leg| leg.co2e_g).sum();
    let errors = errors;
    let baseline_factor = match (errors.is_empty(), baseline_factor, baseline_passengers) {
        (true, Some(factor), Some(passengers)) => (factor, passengers),
        _ => return Err(errors),
    };
    let baseline_distance_m = plan
        .baseline
        .distance
        .map_or(distance_m, |d| d.metres() * multiplier);
    let baseline = outcome(
        set,
        grid,
        baseline_factor.0,
        baseline_distance_m,
        baseline_factor.1,
    );
    let savings_g = baseline.co2e_g - co2e_g;
    let active_minutes = legs.iter().filter_map(|leg| leg.active_minutes).sum();
    let air = legs
        .iter()
        .filter_map(|leg| leg.air)
        .fold(AirMg::default(), AirMg::plus);
    let baseline_air = baseline.air.unwrap_or_default();
    let air_complete = baseline.air.is_some() && legs.iter().all(|leg| leg.air.is_some());
    Ok(Estimate {
        legs,
        distance_m,
        co2e_g,
        savings_g,
        active_minutes,
        air,
        baseline_air,
        air_saved: baseline_air.minus(air),
        air_complete,
        baseline,
        grid,
    })
}

fn lookup_mode<'a>(
    set: &'a FactorSet,
    mode: &str,
    field: impl FnOnce() -> String,
    errors: &mut FieldErrors,
) -> Option<&'a ModeFactor> {
    let found = set.mode(mode);
    if found.is_none() {
        errors.push(
            field(),
            format!(
                "unknown mode `{}` in factor set `{}`; known modes: {}",
                truncate_for_message(mode),
                set.id(),
                set.modes()
                    .iter()
                    .map(|m| m.mode.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        );
    }
    found
}

fn check_distance(
    factor: &ModeFactor,
    distance: Distance,
    field: impl FnOnce() -> String,
    errors: &mut FieldErrors,
) {
    if distance.metres() > factor.max_distance_m {
        errors.push(
            field(),
            format!(
                "{} km is not plausible for one `{}` leg (at most {} km)",
                distance.km(),
                factor.mode,
                factor.max_distance_m as f64 / 1000.0
            ),
        );
    }
}

/// The sharers of a per-vehicle factor (default 1); per-passenger factors take none.
fn check_passengers(
    factor: &ModeFactor,
    passengers: Option<Passengers>,
    field: impl FnOnce() -> String,
    errors: &mut FieldErrors,
) -> Result<Option<u8>, ()> {
    match (factor.basis, passengers) {
        (Basis::VehicleKm, p) => Ok(Some(p.unwrap_or(Passengers::ONE).get())),
        (Basis::PassengerKm, None) => Ok(None),
        (Basis::PassengerKm, Some(_)) => {
            errors.push(
                field(),
                format!(
                    "`{}` is counted per passenger-km already; `passengers` applies only to per-vehicle modes such as cars",
                    factor.mode
                ),
            );
            Err(())
        }
    }
}

fn outcome<'a>(
    set: &'a FactorSet,
    grid: Option<&GridRegion>,
    factor: &'a ModeFactor,
    distance_m: i64,
    passengers: Option<u8>,
) -> LegOutcome<'a> {
    let ug_per_km = set.resolve(factor, grid).ug_per_km;
    let sharers = passengers.unwrap_or(1);
    LegOutcome {
        factor,
        distance_m,
        passengers,
        ug_per_km,
        co2e_g: leg_grams(distance_m, ug_per_km, sharers),
        active_minutes: factor
            .active
            .map(|active| active_minutes(distance_m, active.speed_m_per_h)),
        air: factor.air.map(|air| AirMg {
            nox_mg: leg_milligrams(distance_m, air.nox_ug_per_km, sharers),
            pm25_mg: leg_milligrams(distance_m, air.pm25_ug_per_km, sharers),
        }),
    }
}

#[cfg(test)]
mod tests;
