//! A logged commute computed against its campaign's factor-set snapshot, ready to store.

use super::estimate::{estimate, Estimate, LegOutcome};
use crate::domain::campaign::Direction;
use crate::domain::distance::km_from_metres;
use crate::domain::grams::g_per_km_from_ug;
use crate::domain::trip::{
    ComputedTrip, StoredLeg, StoredSetRef, TripDetail, TripFigures, TripInput,
};
use crate::domain::FieldErrors;
use crate::factors::{FactorSet, GridRegion};

/// Computes a trip against the campaign's snapshot set, grid and default baseline mode.
pub fn compute(
    set: &FactorSet,
    grid: Option<&GridRegion>,
    baseline_mode: &str,
    mut input: TripInput,
) -> Result<ComputedTrip, FieldErrors> {
    input.plan.round_trip = input.direction == Direction::RoundTrip;
    let result: Estimate<'_> = estimate(set, grid, &input.plan, Some(baseline_mode))?;
    let main_mode = result.legs[result.main_leg()]
        .factor
        .mode
        .as_str()
        .to_owned();
    let detail = TripDetail {
        factor_set: StoredSetRef {
            id: set.id().to_owned(),
            version: set.version().to_owned(),
        },
        grid_region: result.grid.map(|g| g.id.clone()),
        grid_co2e_g_per_kwh: result.grid.map(|g| g.co2e_g_per_kwh),
        legs: result.legs.iter().map(|leg| stored_leg(set, leg)).collect(),
        baseline: stored_leg(set, &result.baseline),
    };
    Ok(ComputedTrip {
        participant: input.participant,
        date: input.date,
        direction: input.direction,
        figures: TripFigures {
            main_mode,
            distance_m: result.distance_m,
            co2e_g: result.co2e_g,
            baseline_co2e_g: result.baseline.co2e_g,
            savings_g: result.savings_g,
        },
        detail: serde_json::to_string(&detail).expect("trip detail serializes"),
    })
}

/// A computed leg as it is stored, with the factor and source it was computed with.
fn stored_leg(set: &FactorSet, leg: &LegOutcome<'_>) -> StoredLeg {
    StoredLeg {
        mode: leg.factor.mode.as_str().to_owned(),
        distance_km: km_from_metres(leg.distance_m),
        passengers: leg.passengers,
        co2e_g_per_km: g_per_km_from_ug(leg.ug_per_km),
        co2e_g: leg.co2e_g,
        source: set.mode_file(leg.factor).source.clone(),
    }
}
