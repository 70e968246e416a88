//! A logged commute: validated input, computed against the campaign's snapshot, ready to store.

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use super::campaign::{Direction, Participant};
use super::estimate::{estimate, Estimate, LegOutcome, TripPlan};
use super::FieldErrors;
use crate::factors::{FactorSet, GridRegion};

/// One commute as an organization logs it.
#[derive(Debug, Clone)]
pub struct TripInput {
    /// The organization's pseudonymous id for the member.
    pub participant: Participant,
    /// Day of the commute, in the campaign's time zone.
    pub date: Date,
    /// Which way; `round_trip` doubles every distance.
    pub direction: Direction,
    /// Legs and baseline.
    pub plan: TripPlan,
}

/// A trip computed and ready to store: amounts in grams, distance in metres, factors kept.
#[derive(Debug, Clone)]
pub struct ComputedTrip {
    /// The member.
    pub participant: Participant,
    /// The day.
    pub date: Date,
    /// Which way.
    pub direction: Direction,
    /// Mode of the longest leg (the first on a tie).
    pub main_mode: String,
    /// Total distance travelled, metres.
    pub distance_m: i64,
    /// The trip's grams.
    pub co2e_g: i64,
    /// The baseline's grams.
    pub baseline_co2e_g: i64,
    /// `baseline_co2e_g − co2e_g`.
    pub savings_g: i64,
    /// The legs and baseline with the factors used (JSON of [`TripDetail`]).
    pub detail: String,
}

/// The factors and per-leg results a stored trip keeps, so that it can always be explained.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TripDetail {
    /// Factor-set id and version.
    pub factor_set: StoredSetRef,
    /// Grid region applied to electric modes, if the set has grids.
    pub grid_region: Option<String>,
    /// Grid factor applied, g per kWh.
    pub grid_co2e_g_per_kwh: Option<f64>,
    /// Each leg.
    pub legs: Vec<StoredLeg>,
    /// The baseline.
    pub baseline: StoredLeg,
}

/// Factor set id and version.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct StoredSetRef {
    /// Id.
    pub id: String,
    /// Version.
    pub version: String,
}

/// A computed leg as stored.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct StoredLeg {
    /// Mode id.
    pub mode: String,
    /// Distance travelled, km (doubled for a round trip).
    pub distance_km: f64,
    /// Travellers sharing the vehicle (per-vehicle modes).
    pub passengers: Option<u8>,
    /// Factor applied, g CO2e per km of its basis.
    pub co2e_g_per_km: f64,
    /// Grams for this traveller.
    pub co2e_g: i64,
    /// Source id of the factor.
    pub source: String,
}

impl StoredLeg {
    fn new(set: &FactorSet, leg: &LegOutcome<'_>) -> Self {
        Self {
            mode: leg.factor.mode.as_str().to_owned(),
            distance_km: super::distance::km_from_metres(leg.distance_m),
            passengers: leg.passengers,
            co2e_g_per_km: super::grams::g_per_km_from_ug(leg.ug_per_km),
            co2e_g: leg.co2e_g,
            source: set.mode_file(leg.factor).source.clone(),
        }
    }
}

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
        legs: result
            .legs
            .iter()
            .map(|leg| StoredLeg::new(set, leg))
            .collect(),
        baseline: StoredLeg::new(set, &result.baseline),
    };
    Ok(ComputedTrip {
        participant: input.participant,
        date: input.date,
        direction: input.direction,
        main_mode,
        distance_m: result.distance_m,
        co2e_g: result.co2e_g,
        baseline_co2e_g: result.baseline.co2e_g,
        savings_g: result.savings_g,
        detail: serde_json::to_string(&detail).expect("trip detail serializes"),
    })
}
