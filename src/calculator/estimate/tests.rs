use super::*;
use crate::domain::plan::{BaselineSpec, LegSpec};
use crate::factors::Catalogue;

fn uk() -> std::sync::Arc<FactorSet> {
    Catalogue::bundled()
        .unwrap()
        .get("uk-desnz-2025")
        .unwrap()
        .clone()
}

fn leg(mode: &str, km: f64, passengers: Option<i64>, path: &str) -> LegSpec {
    let index = path
        .strip_prefix("legs[")
        .and_then(|rest| rest.strip_suffix(']'))
        .map(|i| i.parse().unwrap());
    LegSpec {
        mode: mode.into(),
        distance: Distance::try_from(km).unwrap(),
        passengers: passengers.map(|p| Passengers::try_from(p).unwrap()),
        index,
    }
}

fn plan(legs: Vec<LegSpec>, round_trip: bool, baseline: BaselineSpec) -> TripPlan {
    TripPlan {
        legs,
        round_trip,
        baseline,
    }
}

#[test]
fn each_leg_is_rounded_half_away_from_zero_and_the_trip_is_their_sum() {
    let set = uk();
    // 2.5 km light rail: 71.5 g → 72; 5 km bus: 519.25 g → 519.
    let trip = plan(
        vec![
            leg("light_rail", 2.5, None, "legs[0]"),
            leg("bus", 5.0, None, "legs[1]"),
        ],
        false,
        BaselineSpec::default(),
    );
    let result = estimate(&set, None, &trip, None).unwrap();
    let legs: Vec<i64> = result.legs.iter().map(|l| l.co2e_g).collect();
    assert_eq!(legs, [72, 519]);
    assert_eq!(result.co2e_g, 591);
    assert_eq!(result.distance_m, 7_500);
    // Baseline: 7.5 km × 167.25 = 1254.375 → 1254 (the sum is rounded once, not per leg).
    assert_eq!(result.baseline.co2e_g, 1254);
    assert_eq!(result.savings_g, 1254 - 591);
}

#[test]
fn a_round_trip_doubles_every_distance_before_rounding() {
    let set = uk();
    let one_way = plan(
        vec![leg("bus", 5.0, None, "")],
        false,
        BaselineSpec::default(),
    );
    let both_ways = plan(
        vec![leg("bus", 5.0, None, "")],
        true,
        BaselineSpec::default(),
    );
    let one = estimate(&set, None, &one_way, None).unwrap();
    let two = estimate(&set, None, &both_ways, None).unwrap();
    assert_eq!(
        (one.co2e_g, two.co2e_g),
        (519, 1039),
        "1038.5 rounds up, not 2 × 519"
    );
    assert_eq!((one.baseline.co2e_g, two.baseline.co2e_g), (836, 1673));
    let explicit = plan(
        vec![leg("bus", 5.0, None, "")],
        true,
        BaselineSpec {
            mode: Some("car".into()),
            distance: Some(Distance::try_from(7.0).unwrap()),
            passengers: None,
        },
    );
    let result = estimate(&set, None, &explicit, None).unwrap();
    assert_eq!(
        result.baseline.distance_m, 14_000,
        "the baseline's distance doubles too"
    );
    assert_eq!(result.baseline.co2e_g, 2342, "14 × 167.25 = 2341.5 → 2342");
}

#[test]
fn a_car_pool_divides_per_vehicle_factors_only() {
    let set = uk();
    // 6 km × 167.25 ÷ 3 = 334.5 → 335 (half to even would give 334).
    let pooled = plan(
        vec![leg("car", 6.0, Some(3), "")],
        false,
        BaselineSpec::default(),
    );
    let result = estimate(&set, None, &pooled, None).unwrap();
    assert_eq!(result.co2e_g, 335);
    assert_eq!(result.legs[0].passengers, Some(3));
    assert_eq!(
        result.baseline.co2e_g, 1004,
        "the baseline drives alone: 1003.5 → 1004"
    );
    let bus_with_passengers = plan(
        vec![leg("bus", 6.0, Some(2), "legs[0]")],
        false,
        BaselineSpec::default(),
    );
    let errors = estimate(&set, None, &bus_with_passengers, None).unwrap_err();
    assert_eq!(errors.0[0].field, "legs[0].passengers");
}

#[test]
fn the_baseline_is_the_trips_own_then_the_campaigns_then_the_sets() {
    let set = uk();
    let trip = |baseline| plan(vec![leg("metro", 10.0, None, "")], false, baseline);
    let default = estimate(&set, None, &trip(BaselineSpec::default()), None).unwrap();
    assert_eq!(default.baseline.factor.mode.as_str(), "car");
    let campaign = estimate(&set, None, &trip(BaselineSpec::default()), Some("bus")).unwrap();
    assert_eq!(campaign.baseline.factor.mode.as_str(), "bus");
    let own = BaselineSpec {
        mode: Some("taxi".into()),
        ..BaselineSpec::default()
    };
    let participant = estimate(&set, None, &trip(own), Some("bus")).unwrap();
    assert_eq!(participant.baseline.factor.mode.as_str(), "taxi");
    // 10 km × 148.61 = 1486.1 → 1486; metro 278.
    assert_eq!(participant.savings_g, 1486 - 278);
}

#[test]
fn savings_are_negative_when_the_trip_emits_more_than_its_baseline() {
    let set = uk();
    let trip = plan(
        vec![leg("car_petrol", 10.0, None, "")],
        false,
        BaselineSpec {
            mode: Some("rail".into()),
            ..BaselineSpec::default()
        },
    );
    let result = estimate(&set, None, &trip, None).unwrap();
    // 1627.2 → 1627 against 354.6 → 355.
    assert_eq!(result.savings_g, 355 - 1627);
}

#[test]
fn telework_emits_nothing_and_saves_the_baseline_but_is_never_one_leg_of_many() {
    let set = uk();
    let home = plan(
        vec![leg("telework", 12.0, None, "")],
        false,
        BaselineSpec::default(),
    );
    let result = estimate(&set, None, &home, None).unwrap();
    assert_eq!(result.co2e_g, 0);
    assert_eq!(result.savings_g, 2007);
    let mixed = plan(
        vec![
            leg("walk", 1.0, None, "legs[0]"),
            leg("telework", 12.0, None, "legs[1]"),
        ],
        false,
        BaselineSpec::default(),
    );
    let errors = estimate(&set, None, &mixed, None).unwrap_err();
    assert_eq!(errors.0[0].field, "legs[1].mode");
}

#[test]
fn every_invalid_leg_is_reported_with_its_path() {
    let set = uk();
    let trip = plan(
        vec![
            leg("hovercraft", 1.0, None, "legs[0]"),
            leg("walk", 60.0, None, "legs[1]"),
            leg("metro", 5.0, Some(2), "legs[2]"),
        ],
        false,
        BaselineSpec {
            mode: Some("zeppelin".into()),
            ..BaselineSpec::default()
        },
    );
    let errors = estimate(&set, None, &trip, None).unwrap_err();
    let fields: Vec<&str> = errors.0.iter().map(|e| e.field.as_str()).collect();
    assert_eq!(
        fields,
        [
            "legs[0].mode",
            "legs[1].distance_km",
            "legs[2].passengers",
            "baseline.mode"
        ]
    );
}

#[test]
fn the_main_leg_is_the_first_of_the_longest() {
    let set = uk();
    let trip = plan(
        vec![
            leg("walk", 1.0, None, "legs[0]"),
            leg("metro", 8.0, None, "legs[1]"),
            leg("bus", 8.0, None, "legs[2]"),
        ],
        false,
        BaselineSpec::default(),
    );
    let result = estimate(&set, None, &trip, None).unwrap();
    assert_eq!(result.main_leg(), 1);
}

fn cn_2023() -> std::sync::Arc<FactorSet> {
    Catalogue::bundled()
        .unwrap()
        .get("cn-2023")
        .unwrap()
        .clone()
}

#[test]
fn active_legs_count_their_minutes_at_the_sets_speed_rounded_once_per_leg() {
    let set = cn_2023();
    // WHO HEAT speeds: walking 4.8 km/h, cycling 14 km/h; e-bike 23.1 km/h (Berntsen 2017).
    // 1 km on foot = 12.5 → 13 min; 3.5 km by bicycle = 15 min; 11.55 km by e-bike = 30 min;
    // 5 km by metro: no active minutes.
    let trip = plan(
        vec![
            leg("walk", 1.0, None, "legs[0]"),
            leg("bicycle", 3.5, None, "legs[1]"),
            leg("e_bike", 11.55, None, "legs[2]"),
            leg("metro", 5.0, None, "legs[3]"),
        ],
        false,
        BaselineSpec::default(),
    );
    let result = estimate(&set, None, &trip, None).unwrap();
    let minutes: Vec<Option<i64>> = result.legs.iter().map(|l| l.active_minutes).collect();
    assert_eq!(minutes, [Some(13), Some(15), Some(30), None]);
    assert_eq!(result.active_minutes, 58);
    let walk_twice = plan(
        vec![leg("walk", 1.0, None, "")],
        true,
        BaselineSpec::default(),
    );
    let both_ways = estimate(&set, None, &walk_twice, None).unwrap();
    assert_eq!(
        both_ways.active_minutes, 25,
        "2 km = 25 min, not 2 × 13: the distance doubles before rounding"
    );
}

#[test]
fn tailpipe_pollutants_are_rounded_per_leg_and_shared_like_co2e() {
    let set = cn_2023();
    // cn-2023 car: 139.0819256148 mg NOx and 5.6768132904 mg PM2.5 per vehicle-km, held as
    // 139 082 and 5 677 µg/km. 10 km shared by 3: 463.6 → 464 mg and 18.9 → 19 mg; the
    // baseline drives alone: 1390.82 → 1391 mg and 56.77 → 57 mg.
    let pooled = plan(
        vec![leg("car", 10.0, Some(3), "")],
        false,
        BaselineSpec::default(),
    );
    let result = estimate(&set, None, &pooled, None).unwrap();
    assert_eq!(
        result.air,
        AirMg {
            nox_mg: 464,
            pm25_mg: 19
        }
    );
    assert_eq!(
        result.baseline_air,
        AirMg {
            nox_mg: 1391,
            pm25_mg: 57
        }
    );
    assert_eq!(
        result.air_saved,
        AirMg {
            nox_mg: 1391 - 464,
            pm25_mg: 57 - 19
        }
    );
    assert!(result.air_complete);
    assert_eq!(result.active_minutes, 0);
}

#[test]
fn zero_at_the_tailpipe_is_counted_and_a_mode_without_air_factors_is_flagged() {
    let set = cn_2023();
    let home = plan(
        vec![leg("telework", 10.0, None, "")],
        false,
        BaselineSpec::default(),
    );
    let result = estimate(&set, None, &home, None).unwrap();
    assert_eq!(result.legs[0].air, Some(AirMg::default()));
    assert!(
        result.air_complete,
        "telework is 0 at the tailpipe, not unknown"
    );
    assert_eq!(result.air_saved, result.baseline_air);
    // cn-2023 gives buses no `air` (no sourced bus load): the leg counts 0 and says so.
    let bus = plan(
        vec![leg("bus", 10.0, None, "")],
        false,
        BaselineSpec::default(),
    );
    let result = estimate(&set, None, &bus, None).unwrap();
    assert_eq!(result.legs[0].air, None);
    assert_eq!(result.air, AirMg::default());
    assert!(!result.air_complete);
    // A baseline without `air` counts 0 too, and is flagged the same way.
    let against_bus = plan(
        vec![leg("walk", 2.0, None, "")],
        false,
        BaselineSpec {
            mode: Some("bus".into()),
            ..BaselineSpec::default()
        },
    );
    let result = estimate(&set, None, &against_bus, None).unwrap();
    assert_eq!(result.baseline_air, AirMg::default());
    assert!(!result.air_complete);
}

#[test]
fn electric_modes_follow_the_grid_of_the_region() {
    let catalogue = Catalogue::bundled().unwrap();
    let cn = catalogue.get("cn-2022").unwrap();
    let trip = plan(
        vec![leg("car_electric", 100.0, None, "")],
        false,
        BaselineSpec::default(),
    );
    let national = estimate(cn, resolve_grid(cn, None).unwrap(), &trip, None).unwrap();
    let yunnan = estimate(cn, resolve_grid(cn, Some("云南")).unwrap(), &trip, None).unwrap();
    // 0.17 kWh/km × 536.6 g/kWh × 100 km = 9122.2 → 9122; Yunnan 107.3 g/kWh → 1824.1 → 1824.
    assert_eq!(national.co2e_g, 9122);
    assert_eq!(yunnan.co2e_g, 1824);
    assert!(resolve_grid(cn, Some("Atlantis")).is_err());
    assert!(resolve_grid(&uk(), Some("CN-BJ")).is_err());
}
