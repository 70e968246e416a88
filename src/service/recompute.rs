//! A stored trip recomputed under another factor set: its stored legs, passengers, round trip
//! and baseline, through the same calculator and rounding as logging. What-if comparisons and
//! rebases both go through here, so that a rebase stores exactly what the comparison showed.

use std::sync::Arc;

use crate::calculator::compute;
use crate::domain::campaign::{Direction, Participant};
use crate::domain::distance::metres_from_km;
use crate::domain::plan::{BaselineSpec, LegSpec, TripPlan};
use crate::domain::trip::{ComputedTrip, StoredLeg, TripDetail, TripInput};
use crate::domain::{Distance, FieldErrors, Passengers};
use crate::factors::{FactorSet, GridRegion};
use crate::store::StoredTrip;

/// Recomputes stored trips under one set, on one grid region.
#[derive(Clone)]
pub struct Recalculator {
    set: Arc<FactorSet>,
    grid: Option<GridRegion>,
    /// The baseline mode for a trip whose stored detail has none (never the case for trips this
    /// service stored; kept for the calculator's signature).
    default_baseline: String,
}

/// Why a stored trip cannot be recomputed: the reason a person reads, the same for every trip
/// refused for the same cause, so that refusals group.
pub type Refusal = String;

impl Recalculator {
    /// Recomputes under `set` on `grid` (the campaign's region as that set resolves it).
    pub fn new(set: Arc<FactorSet>, grid: Option<GridRegion>) -> Self {
        let default_baseline = set.default_baseline_mode().mode.as_str().to_owned();
        Self {
            set,
            grid,
            default_baseline,
        }
    }

    /// The set trips are recomputed under.
    pub fn set(&self) -> &Arc<FactorSet> {
        &self.set
    }

    /// The trip's figures and detail under this set, or why it cannot be computed.
    pub fn trip(&self, stored: &StoredTrip) -> Result<ComputedTrip, Refusal> {
        let detail: TripDetail = serde_json::from_str(&stored.detail)
            .map_err(|e| format!("the trip's stored detail cannot be read ({e})"))?;
        let participant = Participant::try_from(stored.participant.as_str())
            .map_err(|e| format!("the trip's participant id cannot be read ({e})"))?;
        let round_trip = stored.direction == Direction::RoundTrip;
        let input = TripInput {
            participant,
            date: stored.date,
            direction: stored.direction,
            plan: plan(&detail, round_trip)?,
        };
        // The plan's modes are the detail's, so a refusal is explained from the detail and the
        // plan moves into the calculator uncopied (this runs for every trip of a campaign).
        compute(&self.set, self.grid.as_ref(), &self.default_baseline, input)
            .map_err(|errors| self.reason(&detail, &errors))
    }

    /// The first problem the calculator found, said once per cause: an unknown mode names the
    /// mode, not the leg, so that every trip with that mode gives the same reason.
    fn reason(&self, detail: &TripDetail, errors: &FieldErrors) -> Refusal {
        let set = self.set.id();
        let Some(first) = errors.0.first() else {
            return format!("factor set `{set}` cannot compute the trip");
        };
        let mode = match first.field.split_once('.') {
            Some(("baseline", _)) => Some(detail.baseline.mode.as_str()),
            Some((leg, _)) => leg
                .strip_prefix("legs[")
                .and_then(|rest| rest.strip_suffix(']'))
                .and_then(|index| index.parse::<usize>().ok())
                .and_then(|index| detail.legs.get(index))
                .map(|leg| leg.mode.as_str()),
            None => None,
        };
        let what = first.field.rsplit('.').next().unwrap_or_default();
        match (mode, what) {
            (Some(mode), "mode") if self.set.mode(mode).is_none() => {
                format!("mode `{mode}` is not in factor set `{set}`")
            }
            (Some(mode), "distance_km") => {
                format!("a `{mode}` leg is longer than factor set `{set}` finds plausible")
            }
            (Some(mode), "passengers") => format!(
                "`{mode}` is counted per passenger in factor set `{set}`, so the trip's shared vehicle cannot be carried over"
            ),
            _ => first.message.clone(),
        }
    }
}

/// The trip as it was requested, from what its detail keeps: one-way distances (stored ones
/// are doubled for a round trip), passengers as given (1 is the default and is left out, so that
/// a mode counted per passenger in the other set takes it), and the baseline (its distance only
/// when it was not the trip's own).
fn plan(detail: &TripDetail, round_trip: bool) -> Result<TripPlan, Refusal> {
    let divisor = if round_trip { 2 } else { 1 };
    let one_way = |leg: &StoredLeg| -> Result<Distance, Refusal> {
        Distance::from_metres(metres_from_km(leg.distance_km) / divisor)
            .map_err(|e| format!("a stored `{}` distance cannot be read ({e})", leg.mode))
    };
    let passengers = |leg: &StoredLeg| -> Result<Option<Passengers>, Refusal> {
        match leg.passengers {
            None | Some(1) => Ok(None),
            Some(n) => Passengers::try_from(i64::from(n))
                .map(Some)
                .map_err(|e| format!("stored passengers cannot be read ({e})")),
        }
    };
    let legs = detail
        .legs
        .iter()
        .enumerate()
        .map(|(index, leg)| {
            Ok(LegSpec {
                mode: leg.mode.clone(),
                distance: one_way(leg)?,
                passengers: passengers(leg)?,
                index: Some(index),
            })
        })
        .collect::<Result<Vec<_>, Refusal>>()?;
    let total_m: i64 = detail
        .legs
        .iter()
        .map(|leg| metres_from_km(leg.distance_km))
        .sum();
    let baseline = &detail.baseline;
    let baseline_m = metres_from_km(baseline.distance_km);
    Ok(TripPlan {
        legs,
        round_trip,
        baseline: BaselineSpec {
            mode: Some(baseline.mode.clone()),
            distance: if baseline_m == total_m {
                None
            } else {
                Some(one_way(baseline)?)
            },
            passengers: passengers(baseline)?,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calculator::resolve_grid;
    use crate::factors::Catalogue;

    fn logged(
        set: &Arc<FactorSet>,
        legs: &[(&str, f64, Option<i64>)],
        round_trip: bool,
    ) -> StoredTrip {
        let grid = resolve_grid(set, Some("CN-BJ")).unwrap().cloned();
        let input = TripInput {
            participant: Participant::try_from("p1").unwrap(),
            date: jiff::civil::date(2026, 6, 2),
            direction: if round_trip {
                Direction::RoundTrip
            } else {
                Direction::ToWork
            },
            plan: TripPlan {
                legs: legs
                    .iter()
                    .enumerate()
                    .map(|(i, (mode, km, passengers))| LegSpec {
                        mode: (*mode).into(),
                        distance: Distance::try_from(*km).unwrap(),
                        passengers: passengers.map(|p| Passengers::try_from(p).unwrap()),
                        index: Some(i),
                    })
                    .collect(),
                round_trip,
                baseline: BaselineSpec::default(),
            },
        };
        let trip = compute(set, grid.as_ref(), "car", input).unwrap();
        StoredTrip {
            id: 1,
            organization_id: "o".into(),
            participant: "p1".into(),
            date: trip.date,
            direction: trip.direction,
            figures: trip.figures,
            detail: trip.detail,
            created_at: String::new(),
        }
    }

    fn set(id: &str) -> Arc<FactorSet> {
        Catalogue::bundled().unwrap().get(id).unwrap().clone()
    }

    #[test]
    fn recomputing_under_the_same_set_gives_the_stored_figures_back() {
        let cn = set("cn-2023");
        let grid = resolve_grid(&cn, Some("CN-BJ")).unwrap().cloned();
        let again = Recalculator::new(cn.clone(), grid);
        for (legs, round_trip) in [
            (vec![("metro", 12.345, None), ("walk", 0.8, None)], true),
            (vec![("car", 17.0, Some(3))], false),
            (vec![("shuttle", 30.1, None)], true),
        ] {
            let stored = logged(&cn, &legs, round_trip);
            let recomputed = again.trip(&stored).unwrap();
            assert_eq!(recomputed.figures, stored.figures, "{legs:?}");
            assert_eq!(recomputed.detail, stored.detail, "{legs:?}");
        }
    }

    #[test]
    fn a_mode_the_other_set_lacks_is_one_reason_whatever_the_leg() {
        let cn = set("cn-2023");
        let old = Recalculator::new(set("cn-2022"), None);
        let first = logged(&cn, &[("shuttle", 10.0, None)], false);
        let second = logged(&cn, &[("walk", 1.0, None), ("shuttle", 12.0, None)], true);
        let reasons = [
            old.trip(&first).unwrap_err(),
            old.trip(&second).unwrap_err(),
        ];
        assert_eq!(reasons[0], "mode `shuttle` is not in factor set `cn-2022`");
        assert_eq!(reasons[0], reasons[1]);
    }
}
