//! Aggregate changes of a batch, computed in memory and applied once per key in the same
//! transaction as the trips.

use std::collections::BTreeMap;

use super::dedup::Occupant;
use super::model::Totals;
use super::StoreError;
use crate::domain::campaign::parse_date;
use crate::domain::trip::TripFigures;
use crate::domain::workdays::iso_weekday;

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
    /// Green-trip (savings > 0) count change per (participant, date), for regularity.
    pub green_by_participant_day: BTreeMap<(String, String), i64>,
}

impl RollupDelta {
    /// Adds (`sign` 1) or removes (`sign` -1) one trip of `participant` on `date`
    /// (`YYYY-MM-DD`).
    pub fn apply(&mut self, participant: &str, date: &str, trip: &TripFigures, sign: i64) {
        let delta = Totals::of_trip(trip, sign);
        self.organization.add(&delta);
        add_into(&mut self.by_mode, &trip.main_mode, &delta);
        add_into(&mut self.by_day, date, &delta);
        *self
            .by_participant
            .entry(participant.to_owned())
            .or_default() += sign;
        if trip.savings_g > 0 {
            *self
                .green_by_participant_day
                .entry((participant.to_owned(), date.to_owned()))
                .or_default() += sign;
        }
    }

    /// The change of green (participant, day) pairs by ISO weekday (index 0 is Monday), given
    /// each changed pair's green-trip count after the change (`after`, in the order of
    /// `green_by_participant_day`).
    pub fn green_days_by_weekday(
        &self,
        after: impl Fn(&(String, String)) -> i64,
    ) -> Result<[i64; 7], StoreError> {
        let mut by_weekday = [0i64; 7];
        for (key, change) in self.changed_green_days() {
            let transition = participant_transition(change, after(key));
            if transition != 0 {
                let weekday = iso_weekday(parse_date(&key.1).map_err(StoreError::internal)?);
                by_weekday[usize::from(weekday.unsigned_abs() - 1)] += transition;
            }
        }
        Ok(by_weekday)
    }

    /// The participant-days whose green-trip count changes, with the change, in key order.
    pub fn changed_green_days(&self) -> Vec<(&(String, String), i64)> {
        self.green_by_participant_day
            .iter()
            .filter(|(_, change)| **change != 0)
            .map(|(key, change)| (key, *change))
            .collect()
    }

    /// Whether nothing changes.
    pub fn is_empty(&self) -> bool {
        self.organization.trips == 0 && self.by_participant.is_empty()
    }
}

/// Green trips per (participant, date `YYYY-MM-DD`), as `participant_days` counts them.
pub type GreenTripsByDay = BTreeMap<(String, String), i64>;

/// The green trips of stored trips by participant-day: for a batch's days, read to find its
/// duplicates, exactly what `participant_days` holds for them (the rollup counts stored trips
/// with savings, in the same transaction as the trips).
pub fn green_trips_by_day(stored: &[Occupant]) -> GreenTripsByDay {
    let mut green = GreenTripsByDay::new();
    for trip in stored.iter().filter(|t| t.savings_g > 0) {
        *green
            .entry((trip.participant.clone(), trip.date.to_string()))
            .or_default() += 1;
    }
    green
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::campaign::Direction;

    fn stored(participant: &str, date: &str, direction: Direction, savings_g: i64) -> Occupant {
        Occupant {
            participant: participant.into(),
            date: date.parse().unwrap(),
            direction,
            id: 1,
            co2e_g: 0,
            baseline_co2e_g: savings_g.max(0),
            savings_g,
            co_benefits: Default::default(),
        }
    }

    #[test]
    fn stored_green_trips_count_only_trips_with_savings_per_participant_day() {
        let trips = [
            stored("p-a", "2026-06-01", Direction::ToWork, 900),
            stored("p-a", "2026-06-01", Direction::FromWork, 850),
            stored("p-a", "2026-06-02", Direction::ToWork, 0),
            stored("p-b", "2026-06-01", Direction::RoundTrip, -40),
            stored("p-b", "2026-06-02", Direction::RoundTrip, 1),
        ];

        let green = green_trips_by_day(&trips);

        let expected: GreenTripsByDay = [
            (("p-a".to_owned(), "2026-06-01".to_owned()), 2),
            (("p-b".to_owned(), "2026-06-02".to_owned()), 1),
        ]
        .into_iter()
        .collect();
        assert_eq!(green, expected);
    }
}
