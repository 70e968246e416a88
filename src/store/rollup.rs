//! Aggregate changes of a batch, computed in memory and applied once per key in the same
//! transaction as the trips.

use std::collections::BTreeMap;

use super::model::Totals;

/// What one organization's rollups change by.
#[derive(Debug, Default)]
pub struct RollupDelta {
    /// Organization totals (`participants` is settled by the store from `by_participant`).
    pub organization: Totals,
    /// By main mode.
    pub by_mode: BTreeMap<String, Totals>,
    /// By date (`YYYY-MM-DD`).
    pub by_day: BTreeMap<String, Totals>,
    /// Trip count change per participant.
    pub by_participant: BTreeMap<String, i64>,
}

/// One trip's contribution: `sign` is 1 when stored, -1 when deleted.
pub struct TripFigures<'a> {
    pub participant: &'a str,
    pub date: &'a str,
    pub main_mode: &'a str,
    pub distance_m: i64,
    pub co2e_g: i64,
    pub baseline_co2e_g: i64,
    pub savings_g: i64,
}

impl<'a> TripFigures<'a> {
    /// The figures of a computed trip; `date` is its `YYYY-MM-DD` text.
    pub fn of(trip: &'a crate::domain::trip::ComputedTrip, date: &'a str) -> Self {
        Self {
            participant: trip.participant.as_str(),
            date,
            main_mode: &trip.main_mode,
            distance_m: trip.distance_m,
            co2e_g: trip.co2e_g,
            baseline_co2e_g: trip.baseline_co2e_g,
            savings_g: trip.savings_g,
        }
    }

    /// The figures of a stored trip (when it is deleted); `date` is its `YYYY-MM-DD` text.
    pub fn of_stored(trip: &'a super::model::StoredTrip, date: &'a str) -> Self {
        Self {
            participant: &trip.participant,
            date,
            main_mode: &trip.main_mode,
            distance_m: trip.distance_m,
            co2e_g: trip.co2e_g,
            baseline_co2e_g: trip.baseline_co2e_g,
            savings_g: trip.savings_g,
        }
    }
}

impl RollupDelta {
    /// Adds (`sign` 1) or removes (`sign` -1) one trip.
    pub fn apply(&mut self, trip: &TripFigures<'_>, sign: i64) {
        let delta = Totals {
            trips: sign,
            participants: 0,
            distance_m: sign * trip.distance_m,
            co2e_g: sign * trip.co2e_g,
            baseline_co2e_g: sign * trip.baseline_co2e_g,
            savings_g: sign * trip.savings_g,
        };
        self.organization.add(&delta);
        add_into(&mut self.by_mode, trip.main_mode, &delta);
        add_into(&mut self.by_day, trip.date, &delta);
        *self
            .by_participant
            .entry(trip.participant.to_owned())
            .or_default() += sign;
    }

    /// Whether nothing changes.
    pub fn is_empty(&self) -> bool {
        self.organization.trips == 0 && self.by_participant.is_empty()
    }
}

/// How the number of distinct participants changes when one participant's trip count moves by
/// `change` to `after`: one more when it becomes positive, one fewer when it reaches zero.
pub fn participant_transition(change: i64, after: i64) -> i64 {
    let before = after - change;
    match (before > 0, after > 0) {
        (false, true) => 1,
        (true, false) => -1,
        _ => 0,
    }
}

fn add_into(map: &mut BTreeMap<String, Totals>, key: &str, delta: &Totals) {
    match map.get_mut(key) {
        Some(totals) => totals.add(delta),
        None => {
            map.insert(key.to_owned(), *delta);
        }
    }
}
