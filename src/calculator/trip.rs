//! A logged commute computed against its campaign's factor-set snapshot, ready to store.

use super::estimate::{estimate, Estimate, LegOutcome};
use crate::domain::campaign::Direction;
use crate::domain::cobenefit::{mg_per_km_from_ug, TripCoBenefits};
use crate::domain::distance::km_from_metres;
use crate::domain::grams::g_per_km_from_ug;
use crate::domain::trip::{
    ComputedTrip, StoredActive, StoredAir, StoredLeg, StoredSetRef, TripDetail, TripFigures,
    TripInput,
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
            co_benefits: TripCoBenefits {
                active_minutes: result.active_minutes,
                air: result.air,
                baseline_air: result.baseline_air,
                air_saved: result.air_saved,
                air_complete: result.air_complete,
            },
        },
        detail: serde_json::to_string(&detail).expect("trip detail serializes"),
    })
}

/// A computed leg as it is stored, with the factors and sources it was computed with.
fn stored_leg(set: &FactorSet, leg: &LegOutcome<'_>) -> StoredLeg {
    let file = set.mode_file(leg.factor);
    let active = leg
        .factor
        .active
        .zip(file.active.as_ref())
        .zip(leg.active_minutes)
        .map(|((active, source), minutes)| StoredActive {
            speed_kmh: active.speed_m_per_h as f64 / 1000.0,
            met: active.met_x10 as f64 / 10.0,
            source: source.source.clone(),
            minutes,
        });
    let air = leg
        .factor
        .air
        .zip(file.air.as_ref())
        .zip(leg.air)
        .map(|((air, source), amounts)| StoredAir {
            nox_mg_per_km: mg_per_km_from_ug(air.nox_ug_per_km),
            pm25_mg_per_km: mg_per_km_from_ug(air.pm25_ug_per_km),
            source: source.source.clone(),
            quality: source.quality.as_str().to_owned(),
            nox_mg: amounts.nox_mg,
            pm25_mg: amounts.pm25_mg,
        });
    StoredLeg {
        mode: leg.factor.mode.as_str().to_owned(),
        distance_km: km_from_metres(leg.distance_m),
        passengers: leg.passengers,
        co2e_g_per_km: g_per_km_from_ug(leg.ug_per_km),
        co2e_g: leg.co2e_g,
        source: file.source.clone(),
        active,
        air,
    }
}
