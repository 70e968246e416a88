//! Which trips of a batch are new: one trip per (organization, participant, date, direction),
//! a round trip occupying both directions. Shared by every backend so that they agree exactly.

use std::collections::HashMap;

use jiff::civil::Date;

use super::model::LoggedTrip;
use crate::domain::campaign::Direction;
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
}

/// What becomes of one trip of the batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Store it.
    New,
    /// Already stored: report the stored trip.
    Stored(LoggedTrip),
    /// A trip earlier in the same batch occupies its direction: report that one (by batch index).
    EarlierInBatch(usize),
}

/// Decides, in batch order, which trips are new given what is stored for their participant-days.
pub fn decide(trips: &[ComputedTrip], stored: Vec<Occupant>) -> Vec<Decision> {
    let mut occupants: HashMap<(String, Date), Vec<(Direction, Decision)>> = HashMap::new();
    for o in stored {
        let logged = LoggedTrip {
            id: o.id,
            participant: o.participant.clone(),
            date: o.date,
            direction: o.direction,
            co2e_g: o.co2e_g,
            baseline_co2e_g: o.baseline_co2e_g,
            savings_g: o.savings_g,
            duplicate: true,
        };
        occupants
            .entry((o.participant, o.date))
            .or_default()
            .push((o.direction, Decision::Stored(logged)));
    }
    for list in occupants.values_mut() {
        // Deterministic whichever order the database returned them in.
        list.sort_by_key(|(_, decision)| match decision {
            Decision::Stored(t) => t.id,
            _ => i64::MAX,
        });
    }
    trips
        .iter()
        .enumerate()
        .map(|(index, trip)| {
            let key = (trip.participant.as_str().to_owned(), trip.date);
            let list = occupants.entry(key).or_default();
            match list.iter().find(|(d, _)| d.overlaps(trip.direction)) {
                Some((_, decision)) => decision.clone(),
                None => {
                    list.push((trip.direction, Decision::EarlierInBatch(index)));
                    Decision::New
                }
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
            co2e_g: trip.co2e_g,
            baseline_co2e_g: trip.baseline_co2e_g,
            savings_g: trip.savings_g,
            duplicate,
        }
    };
    decisions
        .into_iter()
        .enumerate()
        .map(|(index, decision)| match decision {
            Decision::New => fresh(index, false),
            Decision::Stored(logged) => logged,
            Decision::EarlierInBatch(earlier) => fresh(earlier, true),
        })
        .collect()
}
