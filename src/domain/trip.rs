//! A logged commute: validated input, and the computed trip as it is stored.

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use super::campaign::{Direction, Participant};
use super::cobenefit::TripCoBenefits;
use super::plan::TripPlan;

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
    /// What it counts for in results.
    pub figures: TripFigures,
    /// The legs and baseline with the factors used (JSON of [`TripDetail`]).
    pub detail: String,
}

/// What a trip counts for in results: its main mode and exact figures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TripFigures {
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
    /// Active minutes and tailpipe pollutants.
    pub co_benefits: TripCoBenefits,
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
    /// The speed the leg's active minutes were computed at, for an active mode. Absent in
    /// trips stored before co-benefits were computed, and for other modes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub active: Option<StoredActive>,
    /// The tailpipe factors the leg's pollutants were computed with, for a mode with `air`
    /// factors. Absent in trips stored before co-benefits were computed, and for modes whose
    /// set gives none (they counted 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub air: Option<StoredAir>,
}

/// An active leg's parameters and minutes, as stored.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct StoredActive {
    /// Speed used, km/h.
    #[schema(example = 4.8)]
    pub speed_kmh: f64,
    /// Intensity of the mode, METs (kept with the trip; minutes do not depend on it).
    #[schema(example = 4.0)]
    pub met: f64,
    /// Source id of the speed and MET value.
    #[schema(example = "who-heat-v3")]
    pub source: String,
    /// Whole active minutes of the leg (rounded half away from zero).
    #[schema(example = 25)]
    pub minutes: i64,
}

/// A leg's tailpipe factors and pollutants, as stored.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct StoredAir {
    /// NOx factor used, mg per km of the mode's basis (µg precision).
    #[schema(example = 139.082)]
    pub nox_mg_per_km: f64,
    /// Exhaust PM2.5 factor used, mg per km of the mode's basis (µg precision).
    #[schema(example = 5.677)]
    pub pm25_mg_per_km: f64,
    /// Source id of the factors.
    #[schema(example = "mep-2014-vehicle-guide")]
    pub source: String,
    /// `published`, `derived` or `proxy`.
    #[schema(example = "proxy")]
    pub quality: String,
    /// Whole milligrams of NOx for this traveller.
    #[schema(example = 1391)]
    pub nox_mg: i64,
    /// Whole milligrams of exhaust PM2.5 for this traveller.
    #[schema(example = 57)]
    pub pm25_mg: i64,
}

/// A commute as an upload row gives it (JSON item or spreadsheet row), before the campaign's
/// rules are applied: the participant and date as written, the legs already checked.
#[derive(Debug, Clone)]
pub struct TripFields {
    /// The participant id as written.
    pub participant: String,
    /// The date as written (`YYYY-MM-DD`).
    pub date: String,
    /// Which way.
    pub direction: Direction,
    /// The legs and baseline, or every invalid field of them.
    pub plan: Result<TripPlan, super::FieldErrors>,
}
