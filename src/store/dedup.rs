//! Which trips of a batch are new: one trip per (organization, participant, date, direction),
//! a round trip occupying both directions. Shared by every backend so that they agree exactly.

use std::collections::HashMap;

use jiff::civil::Date;

use super::model::LoggedTrip;
use crate::domain::campaign::Direction;
use crate::domain::cobenefit::TripCoBenefits;
use crate::domain::trip::ComputedTrip;

/// A stored trip of a participant and day, as the store found it.
#[derive(Debug, Clone)]
pub struct Occupant {
    pub participant: String,
    pub date: Date,
    pub direction: Direction,
    pub id: i64,
    pub co2e_g: i64,
    pub baseline_co2e_g: i64,
    pub savings_g: i64,
    pub co_benefits: TripCoBenefits,
}

/// What becomes of one trip of the batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Store it.
    New,
    /// Already stored: report the stored trip (boxed: most trips of a batch are new, and an
    /// upload holds a decision for each of its 100,000 rows).
    Stored(Box<LoggedTrip>),
    /// A trip earlier in the same batch occupies its direction: report that one (by batch index).
    EarlierInBatch(usize),
}

/// What holds a direction of a participant-day while a batch is decided.
#[derive(Debug, Clone, Copy)]
enum Holder {
    /// The stored trip at this index of the stored trips.
    Stored(usize),
    /// The trip at this index of the batch.
    Batch(usize),
}

/// Decides, in batch order, which trips are new given what is stored for their participant-days.
pub fn decide(trips: &[ComputedTrip], mut stored: Vec<Occupant>) -> Vec<Decision> {
    // Deterministic whichever order the database returned them in: the lowest id answers.
    stored.sort_by_key(|o| o.id);
    let mut days: HashMap<(&str, Date), Vec<(Direction, Holder)>> =
        HashMap::with_capacity(stored.len() + trips.len());
    for (index, o) in stored.iter().enumerate() {
        days.entry((o.participant.as_str(), o.date))
            .or_default()
            .push((o.direction, Holder::Stored(index)));
    }
    let holders: Vec<Option<Holder>> = trips
        .iter()
        .enumerate()
        .map(|(index, trip)| {
            let day = days
                .entry((trip.participant.as_str(), trip.date))
                .or_default();
            match day.iter().find(|(held, _)| held.overlaps(trip.direction)) {
                Some(&(_, holder)) => Some(holder),
                None => {
                    day.push((trip.direction, Holder::Batch(index)));
                    None
                }
            }
        })
        .collect();
    drop(days);
    holders
        .into_iter()
        .map(|holder| match holder {
            None => Decision::New,
            Some(Holder::Batch(earlier)) => Decision::EarlierInBatch(earlier),
            Some(Holder::Stored(index)) => {
                let o = &stored[index];
                Decision::Stored(Box::new(LoggedTrip {
                    id: o.id,
                    participant: o.participant.clone(),
                    date: o.date,
                    direction: o.direction,
                    co2e_g: o.co2e_g,
                    baseline_co2e_g: o.baseline_co2e_g,
                    savings_g: o.savings_g,
                    co_benefits: o.co_benefits,
                    duplicate: true,
                }))
            }
        })
        .collect()
}

/// The distinct participant-days of a batch, sorted.
pub fn participant_days(trips: &[ComputedTrip]) -> Vec<(String, Date)> {
    let mut keys: Vec<(String, Date)> = trips
        .iter()
        .map(|t| (t.participant.as_str().to_owned(), t.date))
        .collect();
    keys.sort();
    keys.dedup();
    keys
}

/// The response entries, in batch order, once the new trips have ids (`new_ids[i]` for trip `i`).
pub fn outcomes(
    trips: &[ComputedTrip],
    decisions: Vec<Decision>,
    new_ids: &HashMap<usize, i64>,
) -> Vec<LoggedTrip> {
    let fresh = |index: usize, duplicate: bool| {
        let trip = &trips[index];
        LoggedTrip {
            id: new_ids.get(&index).copied().unwrap_or_default(),
            participant: trip.participant.as_str().to_owned(),
            date: trip.date,
            direction: trip.direction,
            co2e_g: trip.figures.co2e_g,
            baseline_co2e_g: trip.figures.baseline_co2e_g,
            savings_g: trip.figures.savings_g,
            co_benefits: trip.figures.co_benefits,
            duplicate,
        }
    };
    decisions
        .into_iter()
        .enumerate()
        .map(|(index, decision)| match decision {
            Decision::New => fresh(index, false),
            Decision::Stored(logged) => *logged,
            Decision::EarlierInBatch(earlier) => fresh(earlier, true),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::campaign::Participant;
    use crate::domain::trip::TripFigures;
    use jiff::civil::date;

    fn trip(participant: &str, day: i8, direction: Direction, co2e_g: i64) -> ComputedTrip {
        ComputedTrip {
            participant: Participant::try_from(participant).unwrap(),
            date: date(2026, 6, day),
            direction,
            figures: TripFigures {
                main_mode: "bus".into(),
                distance_m: 5_000,
                co2e_g,
                baseline_co2e_g: 800,
                savings_g: 800 - co2e_g,
                co_benefits: TripCoBenefits::default(),
            },
            detail: "{}".into(),
        }
    }

    fn stored(participant: &str, day: i8, direction: Direction, id: i64) -> Occupant {
        Occupant {
            participant: participant.into(),
            date: date(2026, 6, day),
            direction,
            id,
            co2e_g: 100,
            baseline_co2e_g: 800,
            savings_g: 700,
            co_benefits: TripCoBenefits::default(),
        }
    }

    #[test]
    fn the_two_directions_of_a_day_are_two_trips_and_a_round_trip_takes_both() {
        use Direction::*;
        let batch = [
            trip("p", 2, ToWork, 1),
            trip("p", 2, FromWork, 2),
            trip("p", 2, RoundTrip, 3),
            trip("q", 2, RoundTrip, 4),
            trip("q", 2, FromWork, 5),
        ];
        assert_eq!(
            decide(&batch, Vec::new()),
            [
                Decision::New,
                Decision::New,
                Decision::EarlierInBatch(0),
                Decision::New,
                Decision::EarlierInBatch(3),
            ]
        );
    }

    #[test]
    fn a_stored_trip_is_reported_with_its_stored_values_whatever_order_the_store_gives() {
        use Direction::*;
        let batch = [trip("p", 2, ToWork, 999), trip("p", 3, FromWork, 1)];
        let occupants = vec![stored("p", 2, RoundTrip, 7), stored("p", 2, ToWork, 5)];
        let mut reversed = occupants.clone();
        reversed.reverse();
        for stored in [occupants, reversed] {
            let decisions = decide(&batch, stored);
            let Decision::Stored(logged) = &decisions[0] else {
                panic!("{decisions:?}");
            };
            // The lowest id of the overlapping stored trips, with its own values.
            assert_eq!((logged.id, logged.co2e_g, logged.duplicate), (5, 100, true));
            assert_eq!(decisions[1], Decision::New, "another day is another trip");
        }
    }

    #[test]
    fn outcomes_keep_request_order_and_show_the_trip_a_duplicate_repeats() {
        use Direction::*;
        let batch = [trip("p", 2, RoundTrip, 40), trip("p", 2, ToWork, 90)];
        let decisions = decide(&batch, Vec::new());
        let ids = HashMap::from([(0, 11)]);
        let logged = outcomes(&batch, decisions, &ids);
        assert_eq!((logged[0].id, logged[0].duplicate), (11, false));
        assert_eq!(
            (logged[1].id, logged[1].co2e_g, logged[1].duplicate),
            (11, 40, true)
        );
        assert_eq!(participant_days(&batch).len(), 1);
    }
}
