//! A trip as requested: its legs and baseline, validated values not yet checked against a factor set.

use super::{Distance, FieldErrors, Passengers};

/// The most legs one trip may have.
pub const MAX_LEGS: usize = 10;

/// One leg as requested; `index` locates it in the request for error messages.
#[derive(Debug, Clone)]
pub struct LegSpec {
    /// Requested mode id (checked against the factor set).
    pub mode: String,
    /// One-way distance.
    pub distance: Distance,
    /// Travellers sharing a per-vehicle mode.
    pub passengers: Option<Passengers>,
    /// Position in `legs`, or `None` for a single-mode request (`mode` + `distance_km`).
    pub index: Option<usize>,
}

impl LegSpec {
    /// The request path of one of the leg's fields (`legs[1].distance_km`, or `distance_km`).
    pub fn field(&self, name: &str) -> String {
        match self.index {
            None => name.to_owned(),
            Some(i) => format!("legs[{i}].{name}"),
        }
    }
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

/// A distance in km checked at `field`, or the reason recorded in `errors`.
pub fn checked_distance(
    km: f64,
    field: impl FnOnce() -> String,
    errors: &mut FieldErrors,
) -> Option<Distance> {
    Distance::try_from(km)
        .map_err(|e| errors.push(field(), e.to_string()))
        .ok()
}

/// A passenger count checked at `field`, or the reason recorded in `errors`.
pub fn checked_passengers(
    count: Option<i64>,
    field: impl FnOnce() -> String,
    errors: &mut FieldErrors,
) -> Option<Passengers> {
    count.and_then(|n| {
        Passengers::try_from(n)
            .map_err(|message| errors.push(field(), message))
            .ok()
    })
}
