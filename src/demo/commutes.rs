//! The demo's commuters: a deterministic generator of believable commutes from an
//! organization's roster entry (how many members, how far they live, how they usually travel).

use jiff::civil::{Date, Weekday};
use serde::Deserialize;

use crate::domain::campaign::{Direction, OrganizationKind};
use Habit::*;

/// One organization of the demo and how its members commute (an entry of `roster.json`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrganizationPlan {
    /// Organization id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Kind.
    pub kind: OrganizationKind,
    /// Stated headcount.
    pub headcount: i64,
    /// Members taking part.
    pub members: u32,
    /// Shortest and longest one-way commute, km; most members live towards the short end.
    pub distance_km: (f64, f64),
    /// Relative weights of the usual commute, in drawing order.
    pub habits: Vec<(Habit, u32)>,
    /// Chance that a member works from home on a weekday (doubled on Fridays).
    pub telework: f64,
    /// Chance that a member works on a given weekend day (shifts, volunteering, rides).
    pub weekend: f64,
}

/// The days the generator walks, and those with heavy rain.
#[derive(Debug, Clone)]
pub struct Calendar {
    /// First day generated.
    pub first: Date,
    /// Last day generated.
    pub last: Date,
    /// Days of heavy rain, when cyclists take the metro or a taxi.
    pub rainy: Vec<Date>,
    /// The mode id of employer shuttle buses in the campaign's set (`shuttle`, or `coach` in
    /// sets without a shuttle mode of their own).
    pub shuttle_mode: &'static str,
}

/// A usual way to work.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Habit {
    Walk,
    Bicycle,
    EBike,
    Scooter,
    Bus,
    /// Walk to the station, metro, walk to the office.
    Metro,
    /// Cycle to the station, then the metro.
    BikeMetro,
    /// Metro into town, then suburban rail.
    Rail,
    /// The employer's shuttle bus.
    Shuttle,
    /// Two to four colleagues in one car.
    CarPool,
    Drive,
    ElectricCar,
    Taxi,
    Motorcycle,
}

impl Habit {
    /// Whether the habit is plausible over a one-way commute of `km`.
    fn fits(self, km: f64) -> bool {
        match self {
            Self::Walk => km <= 3.0,
            Self::Bicycle => km <= 12.0,
            Self::EBike => (2.0..=25.0).contains(&km),
            Self::Scooter => (2.0..=15.0).contains(&km),
            Self::Bus => (1.5..=22.0).contains(&km),
            Self::Metro => km >= 4.0,
            Self::BikeMetro => km >= 6.0,
            Self::Rail => km >= 25.0,
            Self::Shuttle => km >= 8.0,
            Self::CarPool | Self::ElectricCar => km >= 5.0,
            Self::Drive | Self::Taxi => km >= 3.0,
            Self::Motorcycle => (5.0..=30.0).contains(&km),
        }
    }

    /// Whether rain sends this commuter to the metro or a taxi.
    fn avoids_rain(self) -> bool {
        matches!(
            self,
            Self::Walk | Self::Bicycle | Self::EBike | Self::Scooter | Self::BikeMetro
        )
    }
}

/// One leg of a generated commute.
#[derive(Debug, Clone, Copy)]
pub struct Leg {
    /// Mode id.
    pub mode: &'static str,
    /// One-way distance, km.
    pub distance_km: f64,
    /// Travellers sharing a car.
    pub passengers: Option<u8>,
}

/// A generated commute, before it is validated and computed like any logged trip.
#[derive(Debug, Clone)]
pub struct Commute {
    /// The member's pseudonymous id.
    pub participant: String,
    /// The day.
    pub date: Date,
    /// Which way.
    pub direction: Direction,
    /// The legs.
    pub legs: Vec<Leg>,
    /// The member's own baseline, if any.
    pub baseline: Option<&'static str>,
}

/// A member's habits, drawn once.
struct Member {
    participant: String,
    distance_km: f64,
    usual: Habit,
    /// The way taken on a rainy day or for a change.
    alternative: Habit,
    /// Chance of logging a day worked.
    diligence: f64,
    /// How the member logs: both ways at once, each way apart, or the way in only.
    logs_round_trips: bool,
    logs_way_home: bool,
    /// The car usually driven, as the member's own baseline (else the campaign's).
    baseline: Option<&'static str>,
    passengers: u8,
    car_mode: &'static str,
}

/// Every commute of the organization's members on the calendar's days within the campaign
/// (`starts_on` to `ends_on`), in a fixed order.
pub fn commutes(
    plan: &OrganizationPlan,
    calendar: &Calendar,
    starts_on: Date,
    ends_on: Date,
) -> Vec<Commute> {
    let mut rng = Rng::for_name(&plan.id);
    let members: Vec<Member> = (1..=plan.members)
        .map(|n| draw_member(plan, n, &mut rng))
        .collect();
    let mut out = Vec::new();
    let mut day = calendar.first;
    loop {
        let weekend = matches!(day.weekday(), Weekday::Saturday | Weekday::Sunday);
        let rainy = calendar.rainy.contains(&day);
        for member in &members {
            // Draw for every member and day, in or out of the campaign, so that the stream stays
            // the same whatever period a reused campaign has.
            let works = rng.chance(if weekend { plan.weekend } else { 0.96 });
            let logs = rng.chance(member.diligence);
            let telework_p = if day.weekday() == Weekday::Friday {
                plan.telework * 2.0
            } else {
                plan.telework
            };
            let teleworks = !weekend && rng.chance(telework_p);
            let varies = rng.chance(0.12);
            let home_varies = rng.chance(0.2);
            let pick = rng.next_u64();
            if !(works && logs) || day < starts_on || day > ends_on {
                continue;
            }
            let trip = |direction, legs| Commute {
                participant: member.participant.clone(),
                date: day,
                direction,
                legs,
                baseline: member.baseline,
            };
            if teleworks {
                out.push(trip(
                    Direction::RoundTrip,
                    vec![leg("telework", member.distance_km, None)],
                ));
                continue;
            }
            let habit = if (rainy && member.usual.avoids_rain()) || varies {
                member.alternative
            } else {
                member.usual
            };
            let way_in = legs(member, habit, pick, calendar.shuttle_mode);
            if member.logs_round_trips {
                out.push(trip(Direction::RoundTrip, way_in));
                continue;
            }
            out.push(trip(Direction::ToWork, way_in.clone()));
            if member.logs_way_home {
                let home = if home_varies && !rainy && member.alternative != habit {
                    legs(member, member.alternative, pick, calendar.shuttle_mode)
                } else {
                    way_in
                };
                out.push(trip(Direction::FromWork, home));
            }
        }
        match day.tomorrow() {
            Ok(next) if day < calendar.last => day = next,
            _ => break,
        }
    }
    out
}

fn draw_member(plan: &OrganizationPlan, n: u32, rng: &mut Rng) -> Member {
    let (shortest, longest) = plan.distance_km;
    let u = rng.unit();
    // Squaring skews towards short commutes, as in any city's travel survey.
    let distance_km = round_km(shortest + (longest - shortest) * u * u);
    let usual = rng
        .weighted(&plan.habits, distance_km)
        .unwrap_or(if distance_km >= 4.0 { Metro } else { Bus });
    let alternative = if usual.avoids_rain() {
        if distance_km >= 4.0 {
            Metro
        } else {
            Bus
        }
    } else {
        rng.weighted(&plan.habits, distance_km)
            .filter(|h| *h != usual)
            .unwrap_or(usual)
    };
    let drives = matches!(usual, Drive | CarPool | ElectricCar);
    let style = rng.unit();
    let car_roll = rng.unit();
    let baseline_roll = rng.unit();
    Member {
        participant: format!("member-{n:03}"),
        distance_km,
        usual,
        alternative,
        diligence: 0.6 + 0.4 * rng.unit(),
        logs_round_trips: style < 0.62,
        logs_way_home: style < 0.95,
        baseline: (!drives && baseline_roll < 0.12).then_some("car_petrol"),
        passengers: 2 + (rng.next_u64() % 3) as u8,
        car_mode: if car_roll < 0.6 {
            "car"
        } else if car_roll < 0.85 {
            "car_petrol"
        } else {
            "car_hybrid"
        },
    }
}

/// The legs of one way of a commute by `habit`; `pick` varies access legs from day to day.
fn legs(member: &Member, habit: Habit, pick: u64, shuttle_mode: &'static str) -> Vec<Leg> {
    let km = member.distance_km;
    let access = round_km(0.3 + (pick % 8) as f64 * 0.1);
    let egress = round_km(0.2 + ((pick >> 8) % 6) as f64 * 0.1);
    match habit {
        Walk => vec![leg("walk", km, None)],
        Bicycle => vec![leg("bicycle", km, None)],
        EBike => vec![leg("e_bike", km, None)],
        Scooter => vec![leg("e_scooter", km, None)],
        Bus if km > 3.0 => vec![leg("walk", access, None), leg("bus", km - access, None)],
        Bus => vec![leg("bus", km, None)],
        Metro if km < 4.0 => vec![leg("bus", km, None)],
        Metro => vec![
            leg("walk", access, None),
            leg("metro", km - access - egress, None),
            leg("walk", egress, None),
        ],
        BikeMetro if km < 6.0 => vec![leg("bicycle", km, None)],
        BikeMetro => {
            let ride = round_km(1.5 + ((pick >> 16) % 10) as f64 * 0.2);
            vec![
                leg("bicycle", ride, None),
                leg("metro", km - ride - egress, None),
                leg("walk", egress, None),
            ]
        }
        Rail if km < 25.0 => vec![leg("metro", km, None)],
        Rail => vec![leg("metro", 8.0, None), leg("rail", km - 8.0, None)],
        Shuttle => vec![leg(shuttle_mode, km, None)],
        CarPool => vec![leg("car", km, Some(member.passengers))],
        Drive => vec![leg(member.car_mode, km, Some(1))],
        ElectricCar => vec![leg("car_electric", km, Some(1))],
        Taxi => vec![leg("taxi", km, None)],
        Motorcycle => vec![leg("motorcycle", km, Some(1))],
    }
}

fn leg(mode: &'static str, distance_km: f64, passengers: Option<u8>) -> Leg {
    Leg {
        mode,
        distance_km: round_km(distance_km),
        passengers,
    }
}

/// To 100 m, as people report commutes; never below 100 m.
fn round_km(km: f64) -> f64 {
    ((km * 10.0).round() / 10.0).max(0.1)
}

/// SplitMix64: tiny, fast and the same on every platform, which is all a demo needs.
struct Rng(u64);

impl Rng {
    /// A stream of its own per name, so adding an organization changes no other's commutes.
    fn for_name(name: &str) -> Self {
        // FNV-1a of the name.
        let hash = name.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
        });
        Self(hash ^ 0x2026_0601)
    }

    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    /// A habit by weight among those that fit the distance.
    fn weighted(&mut self, habits: &[(Habit, u32)], km: f64) -> Option<Habit> {
        let total: u32 = habits
            .iter()
            .filter(|(h, _)| h.fits(km))
            .map(|(_, w)| w)
            .sum();
        let roll = self.next_u64();
        if total == 0 {
            return None;
        }
        let mut target = (roll % u64::from(total)) as u32;
        for (habit, weight) in habits.iter().filter(|(h, _)| h.fits(km)) {
            if target < *weight {
                return Some(*habit);
            }
            target -= weight;
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn roster() -> (Vec<OrganizationPlan>, Calendar) {
        let roster = super::super::roster();
        (
            roster.organizations.clone(),
            roster.campaign.calendar("shuttle"),
        )
    }

    #[test]
    fn the_same_plan_always_gives_the_same_commutes() {
        let (plans, calendar) = roster();
        let first = commutes(&plans[0], &calendar, calendar.first, calendar.last);
        let second = commutes(&plans[0], &calendar, calendar.first, calendar.last);
        assert_eq!(format!("{first:?}"), format!("{second:?}"));
        assert!(first.len() > 200, "{} commutes", first.len());
    }

    #[test]
    fn every_leg_is_a_plausible_distance() {
        let (plans, calendar) = roster();
        for plan in &plans {
            for commute in commutes(plan, &calendar, calendar.first, calendar.last) {
                for leg in &commute.legs {
                    assert!(
                        leg.distance_km >= 0.1 && leg.distance_km <= 50.0,
                        "{}: {leg:?}",
                        plan.id
                    );
                }
            }
        }
    }

    #[test]
    fn a_shorter_campaign_keeps_only_its_days() {
        let (plans, calendar) = roster();
        let last = jiff::civil::date(2026, 6, 7);
        let week = commutes(&plans[0], &calendar, calendar.first, last);
        assert!(week.iter().all(|c| c.date <= last));
        let full = commutes(&plans[0], &calendar, calendar.first, calendar.last);
        let first_week: Vec<_> = full.iter().filter(|c| c.date <= last).collect();
        assert_eq!(format!("{week:?}"), format!("{first_week:?}"));
    }
}
