//! The estimate: a trip's CO2e, its baseline and the saving, from one factor set.
//!
//! Rules (see `design.md`): each leg is rounded half away from zero to the gram; a round trip
//! doubles every distance (the baseline's too) before rounding; per-vehicle factors are divided by
//! the travellers sharing the vehicle; totals are exact sums; the saving may be negative.

use crate::domain::grams::leg_grams;
use crate::domain::mode::{truncate_for_message, Basis};
use crate::domain::{Distance, FieldErrors, Passengers};
use crate::factors::{FactorSet, GridRegion, ModeFactor};

/// The most legs one trip may have.
pub const MAX_LEGS: usize = 10;

/// One leg as requested; `path` locates it in the request for error messages.
#[derive(Debug, Clone)]
pub struct LegSpec {
    /// Requested mode id (checked against the factor set).
    pub mode: String,
    /// One-way distance.
    pub distance: Distance,
    /// Travellers sharing a per-vehicle mode.
    pub passengers: Option<Passengers>,
    /// Request path of the leg's fields: `""` for a single-mode request, `legs[1]` otherwise.
    pub path: String,
}

/// The baseline as requested.
#[derive(Debug, Clone, Default)]
pub struct BaselineSpec {
    /// The baseline mode (the set's or campaign's default when `None`).
    pub mode: Option<String>,
    /// One-way distance (the trip's total when `None`).
    pub distance: Option<Distance>,
    /// Travellers sharing the baseline vehicle.
    pub passengers: Option<Passengers>,
}

/// A trip to estimate.
#[derive(Debug, Clone)]
pub struct TripPlan {
    /// 1 to [`MAX_LEGS`] legs.
    pub legs: Vec<LegSpec>,
    /// Out and back: every distance doubles.
    pub round_trip: bool,
    /// The baseline as requested.
    pub baseline: BaselineSpec,
}

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
    let multiplier = if plan.round_trip { 2 } else { 1 };
    let is_multi_leg = plan.legs.len() > 1;

    let mut legs = Vec::with_capacity(plan.legs.len());
    for leg in &plan.legs {
        let at = |field: &str| crate::domain::errors::join_path(&leg.path, field);
        let Some(factor) = lookup_mode(set, &leg.mode, &at("mode"), &mut errors) else {
            continue;
        };
        if factor.mode.is_telework() && is_multi_leg {
            errors.push(
                at("mode"),
                "`telework` means no trip was made and cannot be one leg among others",
            );
        }
        check_distance(factor, leg.distance, &at("distance_km"), &mut errors);
        let Ok(passengers) =
            check_passengers(factor, leg.passengers, &at("passengers"), &mut errors)
        else {
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
    let baseline_factor = lookup_mode(set, baseline_mode, "baseline.mode", &mut errors);
    let baseline_passengers = baseline_factor.and_then(|factor| {
        check_passengers(
            factor,
            plan.baseline.passengers,
            "baseline.passengers",
            &mut errors,
        )
        .ok()
    });
    if let (Some(factor), Some(distance)) = (baseline_factor, plan.baseline.distance) {
        check_distance(factor, distance, "baseline.distance_km", &mut errors);
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
    Ok(Estimate {
        legs,
        distance_m,
        co2e_g,
        baseline,
        savings_g,
        grid,
    })
}

fn lookup_mode<'a>(
    set: &'a FactorSet,
    mode: &str,
    field: &str,
    errors: &mut FieldErrors,
) -> Option<&'a ModeFactor> {
    let found = set.mode(mode);
    if found.is_none() {
        errors.push(
            field,
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

fn check_distance(factor: &ModeFactor, distance: Distance, field: &str, errors: &mut FieldErrors) {
    if distance.metres() > factor.max_distance_m {
        errors.push(
            field,
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
    field: &str,
    errors: &mut FieldErrors,
) -> Result<Option<u8>, ()> {
    match (factor.basis, passengers) {
        (Basis::VehicleKm, p) => Ok(Some(p.unwrap_or(Passengers::ONE).get())),
        (Basis::PassengerKm, None) => Ok(None),
        (Basis::PassengerKm, Some(_)) => {
            errors.push(
                field,
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
    LegOutcome {
        factor,
        distance_m,
        passengers,
        ug_per_km,
        co2e_g: leg_grams(distance_m, ug_per_km, passengers.unwrap_or(1)),
    }
}
