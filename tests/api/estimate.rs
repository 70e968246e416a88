//! `POST /v1/estimate` and `POST /v1/estimate/batch`: known answers worked out by hand from the
//! factor files in `emission_factors/`, the calculation rules, and the batch's isolation of errors.
//!
//! Rounding rule (design.md): leg grams = round_half_away_from_zero(distance_km × co2e_g_per_km ÷
//! passengers); totals are exact sums; savings = baseline − trip.

use std::collections::HashMap;

use serde_json::{json, Value};

use crate::common::rng::Rng;
use crate::common::{error_fields, pluck, Response, TestApp};

impl TestApp {
    /// POST /v1/estimate/batch.
    pub fn estimate_batch(&self, body: &Value) -> Response {
        self.post_json("/v1/estimate/batch", body)
    }
}

/// The estimate, after asserting a 200.
#[track_caller]
fn ok(response: Response) -> Value {
    response.assert_status(200);
    response.json()
}

/// The `field` of every entry of a problem's `errors`.
fn fields(problem: &Value) -> Vec<String> {
    error_fields(problem)
        .into_iter()
        .map(str::to_owned)
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Single trips: known answers
// ---------------------------------------------------------------------------------------------

#[test]
fn a_single_mode_trip_is_compared_with_driving_alone_on_the_default_set() {
    // Arrange: no factor set named → cn-2023 (the default), baseline its default mode `car`.
    let app = TestApp::spawn();

    // Act
    let estimate = ok(app.estimate(&json!({ "mode": "bus", "distance_km": 10.0 })));

    // Assert
    // bus (cn-2023) = 56.2 g/pkm: 10 km × 56.2 = 562.0 → 562 g
    // car (cn-2023, national grid) = 208.562104 g/km (fixed part, µg precision)
    //   + 0.009741161708 kWh/km × 530.6 g/kWh (5.168660 g/km) = 213.730764 g/km:
    //   10 × 213.730764 = 2137.31 → 2137 g
    // savings = 2137 − 562 = 1575 g
    assert_eq!(
        estimate["factor_set"],
        json!({ "id": "cn-2023", "version": "2023.1" })
    );
    assert_eq!(estimate["distance_km"], 10.0);
    assert_eq!(estimate["co2e_g"], 562);
    assert_eq!(estimate["baseline"]["mode"], "car");
    assert_eq!(estimate["baseline"]["distance_km"], 10.0);
    assert_eq!(estimate["baseline"]["co2e_g"], 2137);
    assert_eq!(estimate["savings_g"], 1575);
    let legs = estimate["legs"].as_array().unwrap();
    assert_eq!(legs.len(), 1);
    assert_eq!(legs[0]["mode"], "bus");
    assert_eq!(legs[0]["distance_km"], 10.0);
    assert_eq!(legs[0]["passengers"], Value::Null);
    assert_eq!(legs[0]["co2e_g_per_km"], 56.2);
    assert_eq!(legs[0]["co2e_g"], 562);
}

#[test]
fn the_cn_2022_factors_behind_the_worked_examples_read_as_derived_from_the_file() {
    // Arrange
    let app = TestApp::spawn();

    // Act
    let set = ok(app.get("/v1/factor-sets/cn-2022"));

    // Assert
    let modes = modes_by_id(&set);
    assert_eq!(set["default_baseline_mode"], "car");
    assert_eq!(set["default_grid_region"], "national");
    assert_eq!(modes["bicycle"]["co2e_g_per_km"], 0.0);
    // metro: grid_kwh_per_km 0.07275738994639527 × 536.6 g/kWh (national) = 39.0416154… → 39.041615
    assert_eq!(modes["metro"]["grid_kwh_per_km"], 0.07275738994639527);
    assert_eq!(modes["metro"]["co2e_g_per_km"], 39.041615);
    // car: fixed 170.6123077 + 0.0102 kWh/km × 536.6 = 170.612308 + 5.47332 = 176.085628
    assert_eq!(modes["car"]["fixed_g_per_km"], 170.6123077);
    assert_eq!(modes["car"]["grid_kwh_per_km"], 0.0102);
    assert_eq!(modes["car"]["co2e_g_per_km"], 176.085628);
    assert_eq!(modes["car"]["basis"], "vehicle_km");
    // car_electric: 0.17 kWh/km × 536.6 = 91.222
    assert_eq!(modes["car_electric"]["co2e_g_per_km"], 91.222);
}

#[test]
fn cycling_then_taking_the_metro_is_compared_with_driving_the_whole_distance() {
    // Arrange
    let app = TestApp::spawn();
    let trip = json!({
        "factor_set": "cn-2022",
        "legs": [
            { "mode": "bicycle", "distance_km": 2.0 },
            { "mode": "metro", "distance_km": 9.0 }
        ]
    });

    // Act
    let estimate = ok(app.estimate(&trip));

    // Assert
    // bicycle: 2 km × 0 = 0 g
    // metro:   9 km × 39.041615 = 351.374535 → 351 g
    // baseline car over the total 11 km: 11 × 176.085628 = 1936.941908 → 1937 g
    // savings = 1937 − 351 = 1586 g
    let legs = estimate["legs"].as_array().unwrap();
    assert_eq!(legs.len(), 2);
    assert_eq!(
        (legs[0]["mode"].as_str(), legs[0]["co2e_g"].as_i64()),
        (Some("bicycle"), Some(0))
    );
    assert_eq!(
        (legs[1]["mode"].as_str(), legs[1]["co2e_g"].as_i64()),
        (Some("metro"), Some(351))
    );
    assert_eq!(legs[1]["co2e_g_per_km"], 39.041615);
    assert_eq!(estimate["distance_km"], 11.0);
    assert_eq!(estimate["co2e_g"], 351);
    assert_eq!(estimate["baseline"]["mode"], "car");
    assert_eq!(estimate["baseline"]["distance_km"], 11.0);
    assert_eq!(estimate["baseline"]["co2e_g"], 1937);
    assert_eq!(estimate["savings_g"], 1586);
}

#[test]
fn the_desnz_worked_example_saves_1395_g_over_ten_km_by_underground() {
    // Arrange: London Underground is `metro` (27.8 g/pkm); the average car, fuel unknown, is `car`
    // (167.25 g/vkm), both DESNZ 2025 "Business travel – land".
    let app = TestApp::spawn();

    // Act
    let estimate = ok(app.estimate(&json!({
        "factor_set": "uk-desnz-2025", "mode": "metro", "distance_km": 10.0
    })));

    // Assert
    // trip:     10 × 27.8   = 278.0  → 278 g
    // baseline: 10 × 167.25 = 1672.5 → 1673 g (half away from zero)
    // savings = 1673 − 278 = 1395 g
    assert_eq!(
        estimate["factor_set"],
        json!({ "id": "uk-desnz-2025", "version": "2025.3" })
    );
    assert_eq!(estimate["co2e_g"], 278);
    assert_eq!(estimate["baseline"]["mode"], "car");
    assert_eq!(estimate["baseline"]["co2e_g_per_km"], 167.25);
    assert_eq!(estimate["baseline"]["co2e_g"], 1673);
    assert_eq!(estimate["savings_g"], 1395);
    assert_eq!(estimate["legs"][0]["co2e_g_per_km"], 27.8);
    assert_eq!(estimate["legs"][0]["source"], "desnz-2025");
}

#[test]
fn a_round_trip_doubles_every_distance_including_an_explicit_baseline_distance() {
    // Arrange
    let app = TestApp::spawn();

    // Act
    let estimate = ok(app.estimate(&json!({
        "factor_set": "uk-desnz-2025",
        "mode": "metro",
        "distance_km": 10.0,
        "round_trip": true,
        "baseline": { "mode": "car", "distance_km": 12.0 }
    })));

    // Assert
    // trip:     2 × 10 km = 20 km × 27.8   = 556.0 → 556 g
    // baseline: 2 × 12 km = 24 km × 167.25 = 4014.0 → 4014 g
    // savings = 4014 − 556 = 3458 g
    assert_eq!(estimate["distance_km"], 20.0);
    assert_eq!(estimate["legs"][0]["distance_km"], 20.0);
    assert_eq!(estimate["co2e_g"], 556);
    assert_eq!(estimate["baseline"]["distance_km"], 24.0);
    assert_eq!(estimate["baseline"]["co2e_g"], 4014);
    assert_eq!(estimate["savings_g"], 3458);
}

#[test]
fn a_round_trip_without_a_baseline_distance_compares_with_the_doubled_trip() {
    // Arrange
    let app = TestApp::spawn();

    // Act
    let estimate = ok(app.estimate(&json!({
        "factor_set": "uk-desnz-2025",
        "legs": [{ "mode": "walk", "distance_km": 1.5 }, { "mode": "bus", "distance_km": 4.0 }],
        "round_trip": true
    })));

    // Assert
    // walk: 3 km × 0 = 0 g; bus: 8 km × 103.85 = 830.8 → 831 g
    // baseline car over 11 km: 11 × 167.25 = 1839.75 → 1840 g; savings = 1840 − 831 = 1009 g
    assert_eq!(estimate["legs"][0]["distance_km"], 3.0);
    assert_eq!(estimate["legs"][1]["distance_km"], 8.0);
    assert_eq!(estimate["legs"][1]["co2e_g"], 831);
    assert_eq!(estimate["distance_km"], 11.0);
    assert_eq!(estimate["baseline"]["distance_km"], 11.0);
    assert_eq!(estimate["baseline"]["co2e_g"], 1840);
    assert_eq!(estimate["savings_g"], 1009);
}

#[test]
fn a_car_pool_divides_the_vehicle_factor_by_the_passengers_and_rounds_half_away_from_zero() {
    // Arrange
    let app = TestApp::spawn();
    let pool = |km: f64| json!({ "factor_set": "uk-desnz-2025", "mode": "car", "distance_km": km, "passengers": 3 });

    // Act
    let ten_km = ok(app.estimate(&pool(10.0)));
    let six_km = ok(app.estimate(&pool(6.0)));

    // Assert
    // 10 km × 167.25 ÷ 3 = 557.5 → 558 g
    assert_eq!(ten_km["legs"][0]["passengers"], 3);
    assert_eq!(ten_km["legs"][0]["co2e_g_per_km"], 167.25);
    assert_eq!(ten_km["co2e_g"], 558);
    // 6 km × 167.25 ÷ 3 = 334.5 → 335 g (half to even would give 334)
    assert_eq!(six_km["co2e_g"], 335);
    // The baseline drives alone: 6 × 167.25 = 1003.5 → 1004 g; savings = 1004 − 335 = 669 g
    assert_eq!(six_km["baseline"]["passengers"], 1);
    assert_eq!(six_km["baseline"]["co2e_g"], 1004);
    assert_eq!(six_km["savings_g"], 669);
}

#[test]
fn passengers_on_a_per_passenger_mode_are_rejected_at_their_field() {
    // Arrange
    let app = TestApp::spawn();

    // Act
    let single = app.estimate(&json!({ "mode": "bus", "distance_km": 5.0, "passengers": 2 }));
    let in_legs = app.estimate(&json!({ "legs": [
        { "mode": "car", "distance_km": 5.0, "passengers": 2 },
        { "mode": "metro", "distance_km": 5.0, "passengers": 2 }
    ]}));

    // Assert
    assert_eq!(fields(&single.problem(422)), ["passengers"]);
    assert_eq!(fields(&in_legs.problem(422)), ["legs[1].passengers"]);
}

#[test]
fn an_explicit_baseline_sets_its_mode_distance_and_passengers() {
    // Arrange
    let app = TestApp::spawn();

    // Act
    let estimate = ok(app.estimate(&json!({
        "factor_set": "uk-desnz-2025",
        "mode": "metro",
        "distance_km": 10.0,
        "baseline": { "mode": "car_diesel", "distance_km": 12.0, "passengers": 2 }
    })));

    // Assert
    // baseline: 12 km × 173.04 ÷ 2 = 1038.24 → 1038 g; trip 278 g; savings = 1038 − 278 = 760 g
    let baseline = &estimate["baseline"];
    assert_eq!(baseline["mode"], "car_diesel");
    assert_eq!(baseline["distance_km"], 12.0);
    assert_eq!(baseline["passengers"], 2);
    assert_eq!(baseline["co2e_g"], 1038);
    assert_eq!(estimate["co2e_g"], 278);
    assert_eq!(estimate["savings_g"], 760);
}

#[test]
fn a_trip_that_emits_more_than_its_baseline_has_negative_savings() {
    // Arrange
    let app = TestApp::spawn();

    // Act
    let estimate = ok(app.estimate(&json!({
        "factor_set": "uk-desnz-2025",
        "mode": "car_petrol",
        "distance_km": 10.0,
        "baseline": { "mode": "bus" }
    })));

    // Assert
    // trip:     10 × 162.72 = 1627.2 → 1627 g
    // baseline: 10 × 103.85 = 1038.5 → 1039 g
    // savings = 1039 − 1627 = −588 g
    assert_eq!(estimate["co2e_g"], 1627);
    assert_eq!(estimate["baseline"]["co2e_g"], 1039);
    assert_eq!(estimate["savings_g"], -588);
}

#[test]
fn telework_emits_nothing_and_saves_the_whole_baseline() {
    // Arrange
    let app = TestApp::spawn();

    // Act
    let estimate = ok(app.estimate(&json!({
        "factor_set": "uk-desnz-2025", "mode": "telework", "distance_km": 12.0
    })));

    // Assert
    // telework: 0 g; baseline car: 12 × 167.25 = 2007.0 → 2007 g
    assert_eq!(estimate["co2e_g"], 0);
    assert_eq!(estimate["legs"][0]["co2e_g"], 0);
    assert_eq!(estimate["baseline"]["distance_km"], 12.0);
    assert_eq!(estimate["baseline"]["co2e_g"], 2007);
    assert_eq!(estimate["savings_g"], 2007);
}

#[test]
fn the_region_selects_the_grid_of_electric_modes_by_id_alias_or_regional_grid() {
    // Arrange: 20 km in a battery-electric car (0.17 kWh/km) against the cn-2022 `car`
    // (170.6123077 g/km + 0.0102 kWh/km × grid), as
    // (region sent, region used, factor from, g/kWh, trip g, baseline g).
    let app = TestApp::spawn();
    let cases = [
        // CN-BJ 558 g/kWh: 20 × 0.17 × 558 = 20 × 94.86 = 1897.2 → 1897;
        //   car 20 × (170.612308 + 0.0102 × 558) = 20 × 176.303908 = 3526.078 → 3526
        (Some("CN-BJ"), "CN-BJ", "CN-BJ", 558.0, 1897, 3526),
        (Some("北京"), "CN-BJ", "CN-BJ", 558.0, 1897, 3526),
        (Some("beijing"), "CN-BJ", "CN-BJ", 558.0, 1897, 3526),
        // north 677.6: 20 × 115.192 = 2303.84 → 2304;
        //   car 20 × (170.612308 + 6.91152) = 3550.48 → 3550
        (Some("north"), "north", "north", 677.6, 2304, 3550),
        (Some("华北"), "north", "north", 677.6, 2304, 3550),
        // CN-LN publishes no factor → northeast 556.4: 20 × 94.588 = 1891.76 → 1892;
        //   car 20 × (170.612308 + 5.67528) = 3525.75 → 3526
        (Some("CN-LN"), "CN-LN", "northeast", 556.4, 1892, 3526),
        (Some("辽宁"), "CN-LN", "northeast", 556.4, 1892, 3526),
        // none → national 536.6: 20 × 91.222 = 1824.44 → 1824; car 20 × 176.085628 = 3521.71 → 3522
        (None, "national", "national", 536.6, 1824, 3522),
    ];

    for (region, id, factor_from, g_per_kwh, trip_g, baseline_g) in cases {
        let mut trip =
            json!({ "factor_set": "cn-2022", "mode": "car_electric", "distance_km": 20.0 });
        if let Some(region) = region {
            trip["region"] = json!(region);
        }

        // Act
        let estimate = ok(app.estimate(&trip));

        // Assert
        let label = region.unwrap_or("(none)");
        let grid = &estimate["grid_region"];
        assert_eq!(grid["id"], id, "region {label}");
        assert_eq!(grid["factor_from"], factor_from, "region {label}");
        assert_eq!(grid["co2e_g_per_kwh"], g_per_kwh, "region {label}");
        assert_eq!(estimate["co2e_g"], trip_g, "region {label}");
        assert_eq!(estimate["baseline"]["co2e_g"], baseline_g, "region {label}");
        assert_eq!(estimate["savings_g"], baseline_g - trip_g, "region {label}");
    }
}

#[test]
fn an_unknown_region_is_rejected_at_region() {
    // Arrange
    let app = TestApp::spawn();

    // Act
    let response =
        app.estimate(&json!({ "region": "Atlantis", "mode": "metro", "distance_km": 5.0 }));

    // Assert
    let problem = response.problem(422);
    assert_eq!(fields(&problem), ["region"]);
    assert!(
        problem["detail"].as_str().unwrap().contains("Atlantis"),
        "{problem}"
    );
}

#[test]
fn a_region_on_a_set_without_grid_regions_is_rejected() {
    // Arrange
    let app = TestApp::spawn();

    // Act
    let response = app.estimate(&json!({
        "factor_set": "uk-desnz-2025", "region": "CN-BJ", "mode": "metro", "distance_km": 5.0
    }));

    // Assert
    assert_eq!(fields(&response.problem(422)), ["region"]);
}

#[test]
fn every_leg_and_baseline_cites_a_source_listed_in_its_factor_set() {
    // Arrange
    let app = TestApp::spawn();
    for set_id in ["cn-2022", "uk-desnz-2025", "uk-desnz-2025-wtw"] {
        let set = ok(app.get(&format!("/v1/factor-sets/{set_id}")));
        let sources: Vec<&str> = pluck(&set["sources"], "id");
        for mode in set["modes"].as_array().unwrap() {
            let mode = mode["mode"].as_str().unwrap();

            // Act
            let estimate = ok(app.estimate(&json!({
                "factor_set": set_id, "mode": mode, "distance_km": 3.0
            })));

            // Assert
            let leg_source = estimate["legs"][0]["source"].as_str().unwrap();
            assert!(
                sources.contains(&leg_source),
                "{set_id} {mode}: source {leg_source} not in {sources:?}"
            );
            let baseline_source = estimate["baseline"]["source"].as_str().unwrap();
            assert!(
                sources.contains(&baseline_source),
                "{set_id}: baseline source {baseline_source}"
            );
        }
    }
}

#[test]
fn the_response_uses_the_field_names_of_the_contract() {
    // Arrange
    let app = TestApp::spawn();

    // Act
    let estimate = ok(app.estimate(&json!({
        "legs": [{ "mode": "car", "distance_km": 3.0, "passengers": 2 }, { "mode": "walk", "distance_km": 0.5 }]
    })));

    // Assert: the fixed names of api.md, with their JSON types.
    let has = |value: &Value, path: &str, check: fn(&Value) -> bool| {
        let mut current = value;
        for key in path.split('.') {
            current = &current[key];
        }
        assert!(
            check(current),
            "`{path}` missing or of the wrong type in {estimate}"
        );
    };
    has(&estimate, "factor_set.id", Value::is_string);
    has(&estimate, "factor_set.version", Value::is_string);
    has(&estimate, "distance_km", Value::is_number);
    has(&estimate, "co2e_g", Value::is_i64);
    has(&estimate, "baseline.mode", Value::is_string);
    has(&estimate, "baseline.distance_km", Value::is_number);
    has(&estimate, "baseline.co2e_g", Value::is_i64);
    has(&estimate, "savings_g", Value::is_i64);
    let legs = estimate["legs"].as_array().expect("legs is an array");
    for leg in legs {
        has(leg, "mode", Value::is_string);
        has(leg, "distance_km", Value::is_number);
        has(leg, "co2e_g_per_km", Value::is_number);
        has(leg, "co2e_g", Value::is_i64);
        has(leg, "source", Value::is_string);
        assert!(
            leg.get("passengers").is_some(),
            "legs[].passengers is present (null when not shared): {leg}"
        );
    }
    assert_eq!(legs[0]["passengers"], 2);
    assert_eq!(legs[1]["passengers"], Value::Null);
}

// ---------------------------------------------------------------------------------------------
// Property: totals are exact sums, and every leg follows the rounding rule
// ---------------------------------------------------------------------------------------------

/// What the test knows of a mode, read from `GET /v1/factor-sets/{id}`.
#[derive(Debug, Clone)]
struct ModeInfo {
    id: String,
    per_vehicle: bool,
    co2e_g_per_km: f64,
    grid_kwh_per_km: Option<f64>,
    fixed_g_per_km: f64,
    max_m: u64,
}

/// What the test knows of a factor set.
struct SetInfo {
    id: String,
    modes: Vec<ModeInfo>,
    /// (id, g CO2 per kWh applied) of each grid region.
    regions: Vec<(String, f64)>,
    default_region_g_per_kwh: Option<f64>,
}

impl ModeInfo {
    /// µg per km on a grid of `g_per_kwh`, computed as the rules say: a fixed factor, or the
    /// fixed part plus kWh per km × the grid factor, each held to the microgram.
    fn ug_per_km(&self, g_per_kwh: Option<f64>) -> i64 {
        match (self.grid_kwh_per_km, g_per_kwh) {
            (Some(kwh), Some(grid)) => ug(self.fixed_g_per_km) + ug(kwh * grid),
            _ => ug(self.co2e_g_per_km),
        }
    }
}

fn ug(g: f64) -> i64 {
    (g * 1e6).round() as i64
}

/// Whole grams over `metres` at `ug_per_km` shared by `sharers`, rounded half away from zero.
fn expected_grams(metres: i64, ug_per_km: i64, sharers: i64) -> i64 {
    let numerator = i128::from(metres) * i128::from(ug_per_km);
    let denominator = 1_000_i128 * 1_000_000 * i128::from(sharers);
    let (quotient, remainder) = (numerator / denominator, numerator % denominator);
    (if 2 * remainder >= denominator {
        quotient + 1
    } else {
        quotient
    }) as i64
}

fn read_set(app: &TestApp, id: &str) -> SetInfo {
    let set = ok(app.get(&format!("/v1/factor-sets/{id}")));
    let modes = set["modes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| ModeInfo {
            id: m["mode"].as_str().unwrap().to_owned(),
            per_vehicle: m["basis"] == "vehicle_km",
            co2e_g_per_km: m["co2e_g_per_km"].as_f64().unwrap(),
            grid_kwh_per_km: m["grid_kwh_per_km"].as_f64(),
            fixed_g_per_km: m["fixed_g_per_km"].as_f64().unwrap_or(0.0),
            max_m: (m["max_distance_km"].as_f64().unwrap() * 1000.0).round() as u64,
        })
        .collect();
    let regions: Vec<(String, f64)> = set["grid_regions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["id"].as_str().unwrap().to_owned(),
                r["co2e_g_per_kwh"].as_f64().unwrap(),
            )
        })
        .collect();
    let default_region_g_per_kwh = set["default_grid_region"].as_str().map(|id| {
        regions
            .iter()
            .find(|(r, _)| r == id)
            .expect("default region listed")
            .1
    });
    SetInfo {
        id: id.to_owned(),
        modes,
        regions,
        default_region_g_per_kwh,
    }
}

/// A random request and the answer the rules give for it.
struct Generated {
    request: Value,
    /// Per leg: (mode, metres travelled, sharers or None, µg per km, grams).
    legs: Vec<(String, i64, Option<i64>, i64, i64)>,
    baseline: (String, i64, Option<i64>, i64),
}

fn generate(rng: &mut Rng, sets: &[SetInfo]) -> Generated {
    let set = rng.pick(sets);
    let mut request = json!({ "factor_set": set.id });
    let grid = if !set.regions.is_empty() && rng.percent(60) {
        let (region, g_per_kwh) = rng.pick(&set.regions);
        request["region"] = json!(region);
        Some(*g_per_kwh)
    } else {
        set.default_region_g_per_kwh
    };
    let round_trip = rng.percent(30);
    if round_trip || rng.percent(20) {
        request["round_trip"] = json!(round_trip);
    }
    let multiplier = if round_trip { 2 } else { 1 };

    let leg_count = 1 + rng.below(10) as usize;
    let mut legs = Vec::new();
    let mut leg_requests = Vec::new();
    for _ in 0..leg_count {
        let mode = loop {
            let mode = rng.pick(&set.modes);
            if leg_count == 1 || mode.id != "telework" {
                break mode;
            }
        };
        let metres = random_metres(rng, mode.max_m);
        let mut leg = json!({ "mode": mode.id, "distance_km": metres as f64 / 1000.0 });
        let sharers = if mode.per_vehicle {
            let n = if rng.percent(50) {
                1 + rng.below(9) as i64
            } else {
                1
            };
            if n > 1 || rng.percent(30) {
                leg["passengers"] = json!(n);
            }
            Some(n)
        } else {
            None
        };
        let ug_per_km = mode.ug_per_km(grid);
        let travelled = metres * multiplier;
        legs.push((
            mode.id.clone(),
            travelled,
            sharers,
            ug_per_km,
            expected_grams(travelled, ug_per_km, sharers.unwrap_or(1)),
        ));
        leg_requests.push(leg);
    }
    if leg_count == 1 && rng.percent(50) {
        let leg = leg_requests.pop().unwrap();
        for (key, value) in leg.as_object().unwrap() {
            request[key] = value.clone();
        }
    } else {
        request["legs"] = json!(leg_requests);
    }

    let total_m: i64 = legs.iter().map(|leg| leg.1).sum();
    let (baseline_mode, baseline_m, baseline_sharers) = if rng.percent(40) {
        let mode = rng.pick(&set.modes);
        let mut baseline = json!({ "mode": mode.id });
        let metres = if rng.percent(50) {
            let metres = random_metres(rng, mode.max_m);
            baseline["distance_km"] = json!(metres as f64 / 1000.0);
            metres * multiplier
        } else {
            total_m
        };
        let sharers = if mode.per_vehicle {
            let n = 1 + rng.below(9) as i64;
            if n > 1 {
                baseline["passengers"] = json!(n);
            }
            Some(n)
        } else {
            None
        };
        request["baseline"] = baseline;
        (mode, metres, sharers)
    } else {
        let mode = set.modes.iter().find(|m| m.id == "car").unwrap();
        (mode, total_m, Some(1))
    };
    let baseline_ug = baseline_mode.ug_per_km(grid);
    Generated {
        request,
        legs,
        baseline: (
            baseline_mode.id.clone(),
            baseline_m,
            baseline_sharers,
            expected_grams(baseline_m, baseline_ug, baseline_sharers.unwrap_or(1)),
        ),
    }
}

/// Mostly commuting distances, sometimes anything up to the mode's limit.
fn random_metres(rng: &mut Rng, max_m: u64) -> i64 {
    let cap = if rng.percent(75) {
        max_m.min(30_000)
    } else {
        max_m
    };
    1 + rng.below(cap) as i64
}

fn metres(km: &Value) -> i64 {
    (km.as_f64().expect("a distance") * 1000.0).round() as i64
}

#[track_caller]
fn check(generated: &Generated, estimate: &Value) {
    let context = format!("request {} → {estimate}", generated.request);
    let legs = estimate["legs"].as_array().expect("legs");
    assert_eq!(legs.len(), generated.legs.len(), "{context}");
    for (leg, (mode, travelled, sharers, ug_per_km, grams)) in legs.iter().zip(&generated.legs) {
        assert_eq!(leg["mode"], mode.as_str(), "{context}");
        assert_eq!(metres(&leg["distance_km"]), *travelled, "{context}");
        assert_eq!(leg["passengers"].as_i64(), *sharers, "{context}");
        assert_eq!(
            ug(leg["co2e_g_per_km"].as_f64().unwrap()),
            *ug_per_km,
            "{context}"
        );
        assert_eq!(leg["co2e_g"], *grams, "{context}");
    }
    let leg_sum: i64 = legs.iter().map(|leg| leg["co2e_g"].as_i64().unwrap()).sum();
    let distance_sum: i64 = legs.iter().map(|leg| metres(&leg["distance_km"])).sum();
    assert_eq!(
        estimate["co2e_g"], leg_sum,
        "trip total = Σ legs; {context}"
    );
    assert_eq!(
        metres(&estimate["distance_km"]),
        distance_sum,
        "distance = Σ legs; {context}"
    );
    let (mode, baseline_m, sharers, baseline_g) = &generated.baseline;
    let baseline = &estimate["baseline"];
    assert_eq!(baseline["mode"], mode.as_str(), "{context}");
    assert_eq!(metres(&baseline["distance_km"]), *baseline_m, "{context}");
    assert_eq!(baseline["passengers"].as_i64(), *sharers, "{context}");
    assert_eq!(baseline["co2e_g"], *baseline_g, "{context}");
    assert_eq!(
        estimate["savings_g"],
        baseline_g - leg_sum,
        "savings = baseline − trip; {context}"
    );
}

#[test]
fn trip_totals_are_exact_sums_of_their_legs_for_many_random_trips() {
    // Arrange
    let app = TestApp::spawn();
    let sets: Vec<SetInfo> = ["cn-2022", "uk-desnz-2025", "uk-desnz-2025-wtw"]
        .iter()
        .map(|id| read_set(&app, id))
        .collect();
    let mut rng = Rng(0x6772_6565_6e21);
    let generated: Vec<Generated> = (0..600).map(|_| generate(&mut rng, &sets)).collect();
    let trips: Vec<&Value> = generated.iter().map(|g| &g.request).collect();

    // Act
    let batch = ok(app.estimate_batch(&json!({ "trips": trips })));
    let singles: Vec<Value> = generated
        .iter()
        .take(60)
        .map(|g| ok(app.estimate(&g.request)))
        .collect();

    // Assert
    let results = batch["results"].as_array().unwrap();
    assert_eq!(results.len(), generated.len());
    for (generated, result) in generated.iter().zip(results) {
        assert!(
            result.get("error").is_none(),
            "request {} failed: {result}",
            generated.request
        );
        check(generated, result);
    }
    for (i, single) in singles.iter().enumerate() {
        check(&generated[i], single);
        assert_eq!(
            single, &results[i],
            "a batch item equals the single estimate"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Batch
// ---------------------------------------------------------------------------------------------

#[test]
fn a_batch_answers_every_trip_in_request_order() {
    // Arrange
    let app = TestApp::spawn();
    let trips = json!([
        { "factor_set": "uk-desnz-2025", "mode": "metro", "distance_km": 10.0 },
        { "factor_set": "uk-desnz-2025", "mode": "bus", "distance_km": 2.0 },
        { "factor_set": "uk-desnz-2025", "mode": "car", "distance_km": 10.0, "passengers": 3 }
    ]);

    // Act
    let batch = ok(app.estimate_batch(&json!({ "trips": trips })));

    // Assert
    // metro 10 × 27.8 = 278; bus 2 × 103.85 = 207.7 → 208; car 10 × 167.25 ÷ 3 = 557.5 → 558
    let results = batch["results"].as_array().unwrap();
    let grams: Vec<i64> = results
        .iter()
        .map(|r| r["co2e_g"].as_i64().unwrap())
        .collect();
    assert_eq!(grams, [278, 208, 558]);
    let modes: Vec<&str> = results
        .iter()
        .map(|r| r["legs"][0]["mode"].as_str().unwrap())
        .collect();
    assert_eq!(modes, ["metro", "bus", "car"]);
    assert_eq!(
        results[0],
        ok(app.estimate(&trips[0])),
        "a batch item equals the single estimate"
    );
}

#[test]
fn one_bad_trip_in_a_batch_fails_alone_with_paths_under_its_index() {
    // Arrange
    let app = TestApp::spawn();
    let good = json!({ "factor_set": "uk-desnz-2025", "mode": "metro", "distance_km": 10.0 });
    let cases = [
        (
            json!({ "mode": "hovercraft", "distance_km": 3.0 }),
            "trips[1].mode",
            "unknown mode",
        ),
        (
            json!({ "mode": "bus", "distance_km": "three" }),
            "trips[1].distance_km",
            "wrong type",
        ),
        (
            json!({ "mode": "bus", "distanse_km": 3.0 }),
            "trips[1].distanse_km",
            "unknown field",
        ),
        (
            json!({ "mode": "bus", "distance_km": -3.0 }),
            "trips[1].distance_km",
            "negative distance",
        ),
        (
            json!({ "legs": [{ "mode": "walk", "distance_km": 1.0 }, { "mode": "bus", "distance_km": 0.0 }] }),
            "trips[1].legs[1].distance_km",
            "zero distance in a leg",
        ),
        (
            json!({ "legs": [{ "distance_km": 1.0 }] }),
            "trips[1].legs[0].mode",
            "missing mode in a leg",
        ),
        (json!("a trip"), "trips[1]", "not an object"),
    ];

    for (bad, field, reason) in cases {
        // Act
        let batch = ok(app.estimate_batch(&json!({ "trips": [good, bad, good] })));

        // Assert
        let results = batch["results"].as_array().unwrap();
        assert_eq!(results.len(), 3, "{reason}");
        assert_eq!(
            results[0]["co2e_g"], 278,
            "{reason}: the trip before is estimated"
        );
        assert_eq!(
            results[2]["co2e_g"], 278,
            "{reason}: the trip after is estimated"
        );
        let problem = &results[1]["error"];
        assert_eq!(problem["status"], 422, "{reason}: {problem}");
        assert!(
            problem["type"].is_string() && problem["title"].is_string(),
            "{reason}: {problem}"
        );
        assert!(problem["detail"].is_string(), "{reason}: {problem}");
        let paths = fields(problem);
        assert!(
            paths.iter().any(|p| p == field),
            "{reason}: expected {field} in {paths:?}"
        );
        assert!(
            paths.iter().all(|p| p.starts_with("trips[1]")),
            "{reason}: {paths:?}"
        );
        assert!(
            results[1].get("co2e_g").is_none(),
            "{reason}: a failed item carries only its error"
        );
    }
}

#[test]
fn a_number_out_of_range_in_a_batch_fails_only_its_trip() {
    // Arrange: `1e999` is valid JSON syntax but no finite number.
    let app = TestApp::spawn();
    let body =
        br#"{"trips":[{"mode":"walk","distance_km":1},{"mode":"walk","distance_km":1e999}]}"#;

    // Act
    let response = app.request(
        "POST",
        "/v1/estimate/batch",
        &[("Content-Type", "application/json")],
        body,
    );

    // Assert
    let batch = ok(response);
    assert_eq!(batch["results"][0]["co2e_g"], 0);
    let problem = &batch["results"][1]["error"];
    assert_eq!(problem["status"], 422, "{problem}");
    assert_eq!(fields(problem), ["trips[1].distance_km"]);
}

#[test]
fn a_batch_of_10000_trips_is_accepted_and_kept_in_order() {
    // Arrange: distances 1..=50 km cycle through the batch, so order shows in the answers.
    let app = TestApp::spawn();
    let trips: Vec<Value> = (0..10_000)
        .map(|i| json!({ "factor_set": "uk-desnz-2025", "mode": "bus", "distance_km": (i % 50 + 1) as f64 }))
        .collect();

    // Act
    let batch = ok(app.estimate_batch(&json!({ "trips": trips })));

    // Assert
    let results = batch["results"].as_array().unwrap();
    assert_eq!(results.len(), 10_000);
    for (i, result) in results.iter().enumerate() {
        let km = (i % 50 + 1) as i64;
        // km × 103.85 g, rounded half away from zero: (km × 10385 + 50) ÷ 100 in whole numbers
        let grams = (km * 10_385 + 50) / 100;
        assert_eq!(result["distance_km"], km as f64, "trip {i}");
        assert_eq!(result["co2e_g"], grams, "trip {i}");
    }
}

#[test]
fn a_batch_of_10001_trips_is_rejected_at_trips() {
    // Arrange
    let app = TestApp::spawn();
    let trips = vec![json!({ "mode": "walk", "distance_km": 1.0 }); 10_001];

    // Act
    let response = app.estimate_batch(&json!({ "trips": trips }));

    // Assert
    let problem = response.problem(422);
    assert_eq!(fields(&problem), ["trips"]);
    assert!(
        problem["detail"].as_str().unwrap().contains("1 to 10000"),
        "{problem}"
    );
}

#[test]
fn an_empty_batch_is_rejected_at_trips() {
    // Arrange
    let app = TestApp::spawn();

    // Act
    let response = app.estimate_batch(&json!({ "trips": [] }));

    // Assert
    assert_eq!(fields(&response.problem(422)), ["trips"]);
}

#[test]
fn a_batch_without_trips_is_rejected_at_trips() {
    // Arrange
    let app = TestApp::spawn();

    // Act
    let missing = app.estimate_batch(&json!({}));
    let not_a_list = app.estimate_batch(&json!({ "trips": { "mode": "walk" } }));

    // Assert
    assert_eq!(fields(&missing.problem(422)), ["trips"]);
    assert_eq!(fields(&not_a_list.problem(422)), ["trips"]);
}

/// The modes of a factor set by id.
pub fn modes_by_id(set: &Value) -> HashMap<String, Value> {
    set["modes"]
        .as_array()
        .expect("modes is an array")
        .iter()
        .map(|m| (m["mode"].as_str().unwrap().to_owned(), m.clone()))
        .collect()
}
