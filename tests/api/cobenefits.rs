//! Co-benefits (api.md, "Co-benefits: health and cleaner air"): active minutes and tailpipe NOx
//! and PM2.5 in estimates, logged trips and every result.
//!
//! Known answers are worked out by hand from the parameters each factor set publishes (WHO HEAT
//! speeds, the MEP 2014 guide and EMEP/EEA rows as the sets give them). The random tests read the
//! parameters from `GET /v1/factor-sets/{id}` and recompute every figure with their own integer
//! arithmetic: a leg's minutes are `metres × 60 ÷ metres per hour` and its milligrams
//! `metres × µg per km ÷ (10⁶ × sharers)`, each rounded once, half away from zero.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{json, Value};

use crate::common::rng::Rng;
use crate::common::{log, world, Response, TestApp, ADMIN_TOKEN};

/// The answer, after asserting a 200.
#[track_caller]
fn ok(response: Response) -> Value {
    response.assert_status(200);
    response.json()
}

fn air(nox_mg: i64, pm25_mg: i64) -> Value {
    json!({ "nox_mg": nox_mg, "pm25_mg": pm25_mg })
}

fn mode<'a>(set: &'a Value, id: &str) -> &'a Value {
    set["modes"]
        .as_array()
        .expect("modes[]")
        .iter()
        .find(|m| m["mode"] == id)
        .unwrap_or_else(|| panic!("{} has no mode `{id}`", set["id"]))
}

// ---------------------------------------------------------------------------------------------
// The factor sets publish the parameters
// ---------------------------------------------------------------------------------------------

#[test]
fn factor_sets_publish_active_and_air_parameters_under_the_contract_names() {
    // Arrange
    let app = TestApp::spawn();

    // Act
    let cn = ok(app.get("/v1/factor-sets/cn-2023"));
    let uk = ok(app.get("/v1/factor-sets/uk-desnz-2025"));
    let old = ok(app.get("/v1/factor-sets/cn-2022"));

    // Assert: the published values (WHO HEAT v3 speeds; Compendium METs; Berntsen 2017).
    for set in [&cn, &uk] {
        let sources: BTreeSet<&str> = set["sources"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["id"].as_str().unwrap())
            .collect();
        for (id, speed_kmh, met) in [
            ("walk", 4.8, 4.0),
            ("bicycle", 14.0, 6.8),
            ("e_bike", 23.1, 6.9),
        ] {
            let active = &mode(set, id)["active"];
            assert_eq!(active["speed_kmh"], speed_kmh, "{}: {id}", set["id"]);
            assert_eq!(active["met"], met, "{}: {id}", set["id"]);
            let source = active["source"].as_str().expect("active.source");
            assert!(sources.contains(source), "{source} is listed in sources");
        }
        for m in set["modes"].as_array().unwrap() {
            let Some(air) = m.get("air") else { continue };
            assert_eq!(air["basis"], m["basis"], "{}: {}", set["id"], m["mode"]);
            assert!(air["nox_mg_per_km"].is_number() && air["pm25_mg_per_km"].is_number());
            assert!(sources.contains(air["source"].as_str().expect("air.source")));
            assert!(["published", "derived", "proxy"].contains(&air["quality"].as_str().unwrap()));
        }
        assert!(
            mode(set, "metro").get("active").is_none(),
            "metro is not active"
        );
        assert_eq!(mode(set, "car_electric")["air"]["nox_mg_per_km"], 0.0);
    }
    // cn-2023 car: 0.94 non-NEV × 小型载客汽车 汽油 国V (MEP 2014, as the set gives it), held to
    // the microgram per km; buses have no sourced load, so no `air`.
    let car = &mode(&cn, "car")["air"];
    assert_eq!(car["basis"], "vehicle_km");
    assert_eq!(car["nox_mg_per_km"], 139.082);
    assert_eq!(car["pm25_mg_per_km"], 5.677);
    assert_eq!(car["quality"], "proxy");
    assert!(mode(&cn, "bus").get("air").is_none());
    // UK: EMEP/EEA Euro 6 petrol car NOx 32 mg/km, Tier 1 PM 1.2 mg/km.
    assert_eq!(mode(&uk, "car_petrol")["air"]["nox_mg_per_km"], 32.0);
    assert_eq!(mode(&uk, "car_petrol")["air"]["pm25_mg_per_km"], 1.2);
    // cn-2022 carries no co-benefit parameters (its values stay unchanged).
    for m in old["modes"].as_array().unwrap() {
        assert!(m.get("active").is_none() && m.get("air").is_none(), "{m}");
    }
}

// ---------------------------------------------------------------------------------------------
// Known answers per mode
// ---------------------------------------------------------------------------------------------

#[test]
fn walking_two_km_at_the_heat_speed_is_25_active_minutes_and_saves_the_cars_exhaust() {
    // Arrange
    let app = TestApp::spawn();

    // Act
    let estimate =
        ok(app.estimate(&json!({ "factor_set": "cn-2023", "mode": "walk", "distance_km": 2.0 })));

    // Assert
    // 2 km ÷ 4.8 km/h × 60 = 25 min exactly. Walking is 0 at the tailpipe. The baseline car
    // drives 2 km: 2 × 139.082 = 278.164 → 278 mg NOx; 2 × 5.677 = 11.354 → 11 mg PM2.5.
    assert_eq!(estimate["active_minutes"], 25);
    assert_eq!(estimate["legs"][0]["active_minutes"], 25);
    assert_eq!(estimate["legs"][0]["air"], air(0, 0));
    assert_eq!(estimate["air"], air(0, 0));
    assert_eq!(estimate["baseline"]["air"], air(278, 11));
    assert_eq!(estimate["air_saved"], air(278, 11));
    assert_eq!(estimate["air_complete"], true);
}

#[test]
fn cycling_and_e_biking_count_minutes_at_their_own_speeds_and_a_round_trip_doubles_first() {
    // Arrange
    let app = TestApp::spawn();

    // Act
    let estimate = ok(app.estimate(&json!({
        "factor_set": "uk-desnz-2025",
        "legs": [
            { "mode": "bicycle", "distance_km": 3.5 },
            { "mode": "e_bike", "distance_km": 5.775 },
            { "mode": "walk", "distance_km": 0.5 },
            { "mode": "metro", "distance_km": 4.0 }
        ],
        "round_trip": true
    })));

    // Assert
    // Doubled: 7 km by bicycle ÷ 14 km/h = 30 min; 11.55 km by e-bike ÷ 23.1 km/h = 30 min;
    // 1 km on foot ÷ 4.8 km/h = 12.5 → 13 min (one way it would be 6.25 → 6, twice 12);
    // the metro counts no active minutes.
    let minutes: Vec<&Value> = estimate["legs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| &l["active_minutes"])
        .collect();
    assert_eq!(minutes, [&json!(30), &json!(30), &json!(13), &Value::Null]);
    assert_eq!(estimate["active_minutes"], 73);
}

#[test]
fn per_vehicle_pollutants_are_divided_by_the_passengers_like_co2e() {
    // Arrange
    let app = TestApp::spawn();

    // Act: three share a car for 10 km on cn-2023; the baseline drives alone.
    let pooled = ok(app.estimate(
        &json!({ "factor_set": "cn-2023", "mode": "car", "distance_km": 10.0, "passengers": 3 }),
    ));
    // UK: two share a petrol car against driving a diesel car alone.
    let uk = ok(app.estimate(&json!({
        "factor_set": "uk-desnz-2025", "mode": "car_petrol", "distance_km": 10.0, "passengers": 2,
        "baseline": { "mode": "car_diesel" }
    })));

    // Assert
    // 10 km × 139.082 mg ÷ 3 = 463.607 → 464 mg NOx; 10 × 5.677 ÷ 3 = 18.92 → 19 mg PM2.5.
    // Baseline: 1390.82 → 1391 and 56.77 → 57.
    assert_eq!(pooled["legs"][0]["air"], air(464, 19));
    assert_eq!(pooled["air"], air(464, 19));
    assert_eq!(pooled["baseline"]["air"], air(1391, 57));
    assert_eq!(pooled["air_saved"], air(927, 38));
    assert_eq!(pooled["active_minutes"], 0);
    // Petrol (32 mg NOx, 1.2 mg PM2.5 per km) ÷ 2 over 10 km: 160 and 6. Diesel alone (74 and
    // 0.2): 740 and 2. PM2.5 saved is negative: the diesel row has a particle filter.
    assert_eq!(uk["air"], air(160, 6));
    assert_eq!(uk["baseline"]["air"], air(740, 2));
    assert_eq!(uk["air_saved"], air(580, -4));
}

#[test]
fn each_polluting_mode_of_cn_2023_gives_its_published_row_times_the_distance() {
    // Arrange
    let app = TestApp::spawn();
    // (mode, km, NOx mg, PM2.5 mg), worked out from the set's `air` rows:
    // motorcycle 100 / 3 mg per vehicle-km (普通摩托车 国III) × 10 km;
    // coach 345.6 / 5.04 mg per passenger-km × 5 km = 1728 / 25.2 → 25;
    // taxi 56.2130177515 / 1.775147929 (held 56.213 / 1.775) × 3 km = 168.639 → 169 / 5.325 → 5;
    // car_plugin_hybrid 69.09 / 2.82 × 12 km = 829.08 → 829 / 33.84 → 34.
    let cases = [
        ("motorcycle", 10.0, 1000, 30),
        ("coach", 5.0, 1728, 25),
        ("taxi", 3.0, 169, 5),
        ("car_plugin_hybrid", 12.0, 829, 34),
        ("metro", 9.0, 0, 0),
        ("car_electric", 20.0, 0, 0),
    ];

    for (mode, km, nox, pm25) in cases {
        // Act
        let estimate = ok(app.estimate(
            &json!({ "factor_set": "cn-2023", "mode": mode, "distance_km": km, "baseline": { "mode": "car_electric" } }),
        ));

        // Assert: against an electric car (0 at the tailpipe) the saving is minus the trip's.
        assert_eq!(estimate["legs"][0]["air"], air(nox, pm25), "{mode}");
        assert_eq!(estimate["air"], air(nox, pm25), "{mode}");
        assert_eq!(estimate["baseline"]["air"], air(0, 0), "{mode}");
        assert_eq!(estimate["air_saved"], air(-nox, -pm25), "{mode}");
        assert_eq!(estimate["legs"][0]["active_minutes"], Value::Null, "{mode}");
        assert_eq!(estimate["air_complete"], true, "{mode}");
    }
}

#[test]
fn telework_is_zero_at_the_tailpipe_while_a_mode_without_air_factors_is_flagged() {
    // Arrange
    let app = TestApp::spawn();

    // Act
    let home = ok(
        app.estimate(&json!({ "factor_set": "cn-2023", "mode": "telework", "distance_km": 10.0 }))
    );
    let bus =
        ok(app.estimate(&json!({ "factor_set": "cn-2023", "mode": "bus", "distance_km": 10.0 })));
    let against_bus = ok(app.estimate(
        &json!({ "factor_set": "cn-2023", "mode": "walk", "distance_km": 1.0, "baseline": { "mode": "bus" } }),
    ));
    let old_set =
        ok(app.estimate(&json!({ "factor_set": "cn-2022", "mode": "walk", "distance_km": 2.0 })));

    // Assert
    // Telework: no trip, 0 at the tailpipe, the whole baseline saved (10 km by car: 1390.82 →
    // 1391 mg NOx, 56.77 → 57 mg PM2.5).
    assert_eq!(home["legs"][0]["air"], air(0, 0));
    assert_eq!(home["active_minutes"], 0);
    assert_eq!(home["air_saved"], air(1391, 57));
    assert_eq!(home["air_complete"], true);
    // The bus has no `air` in cn-2023: its leg says null, counts 0, and the estimate says so.
    assert_eq!(bus["legs"][0]["air"], Value::Null);
    assert_eq!(bus["air"], air(0, 0));
    assert_eq!(bus["air_complete"], false);
    assert_eq!(against_bus["baseline"]["air"], air(0, 0));
    assert_eq!(against_bus["air_complete"], false);
    // A set without co-benefit parameters counts nothing and says so.
    assert_eq!(old_set["active_minutes"], 0);
    assert_eq!(old_set["legs"][0]["active_minutes"], Value::Null);
    assert_eq!(old_set["legs"][0]["air"], Value::Null);
    assert_eq!(old_set["air_complete"], false);
}

// ---------------------------------------------------------------------------------------------
// Independent recomputation
// ---------------------------------------------------------------------------------------------

/// A mode as the test reads it from `GET /v1/factor-sets/{id}`.
#[derive(Debug, Clone)]
struct ModeInfo {
    id: String,
    per_vehicle: bool,
    max_m: u64,
    /// `speed_kmh × 1000`, whole metres per hour.
    speed_m_per_h: Option<i64>,
    /// (NOx, PM2.5) in whole µg per km of the basis.
    air_ug: Option<(i64, i64)>,
}

struct SetInfo {
    id: String,
    modes: Vec<ModeInfo>,
}

/// A published number times `scale`, which must be whole: the service holds speeds to the
/// metre per hour and pollutant factors to the microgram per km.
fn whole(value: &Value, scale: f64, what: &str) -> i64 {
    let number = value
        .as_f64()
        .unwrap_or_else(|| panic!("{what} is a number"));
    let scaled = (number * scale).round();
    assert!(
        (scaled / scale - number).abs() <= 1e-9 * number.abs().max(1.0),
        "{what} = {number} is not held to 1/{scale}"
    );
    scaled as i64
}

fn read_set(app: &TestApp, id: &str) -> SetInfo {
    let set = ok(app.get(&format!("/v1/factor-sets/{id}")));
    let modes = set["modes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            let id = m["mode"].as_str().unwrap().to_owned();
            ModeInfo {
                per_vehicle: m["basis"] == "vehicle_km",
                max_m: (m["max_distance_km"].as_f64().unwrap() * 1000.0).round() as u64,
                speed_m_per_h: m
                    .get("active")
                    .map(|a| whole(&a["speed_kmh"], 1000.0, &format!("{id}.speed_kmh"))),
                air_ug: m.get("air").map(|a| {
                    (
                        whole(&a["nox_mg_per_km"], 1000.0, &format!("{id}.nox")),
                        whole(&a["pm25_mg_per_km"], 1000.0, &format!("{id}.pm25")),
                    )
                }),
                id,
            }
        })
        .collect();
    SetInfo {
        id: id.to_owned(),
        modes,
    }
}

fn round_half_away(numerator: i128, denominator: i128) -> i64 {
    let (quotient, remainder) = (numerator / denominator, numerator % denominator);
    (if 2 * remainder.abs() >= denominator {
        quotient + numerator.signum()
    } else {
        quotient
    }) as i64
}

impl ModeInfo {
    fn minutes(&self, metres: i64) -> Option<i64> {
        self.speed_m_per_h
            .map(|speed| round_half_away(i128::from(metres) * 60, i128::from(speed)))
    }

    fn air(&self, metres: i64, sharers: i64) -> Option<(i64, i64)> {
        let mg = |ug: i64| {
            round_half_away(
                i128::from(metres) * i128::from(ug),
                1_000_000 * i128::from(sharers),
            )
        };
        self.air_ug.map(|(nox, pm25)| (mg(nox), mg(pm25)))
    }
}

/// One leg as generated: the mode, one-way metres, `passengers` as sent.
#[derive(Debug, Clone)]
struct LegPlan {
    mode: ModeInfo,
    metres: i64,
    passengers: Option<i64>,
}

/// A random trip: legs, round trip, and an explicit baseline (mode, metres, passengers) or none.
#[derive(Debug, Clone)]
struct TripPlan {
    legs: Vec<LegPlan>,
    round_trip: bool,
    baseline: Option<(ModeInfo, Option<i64>, Option<i64>)>,
}

/// (NOx, PM2.5) in whole mg.
type Air = (i64, i64);

/// A leg's minutes (None for a mode without `active`) and air (None without `air`).
type LegFigures = (Option<i64>, Option<Air>);

/// (active_minutes, air, baseline air, air_saved, air_complete) of a trip.
type Figures = (i64, Air, Air, Air, bool);

/// What a trip's co-benefits must be.
#[derive(Debug, Clone, Default, PartialEq)]
struct Expected {
    legs: Vec<LegFigures>,
    active_minutes: i64,
    air: (i64, i64),
    baseline_air: (i64, i64),
    air_saved: (i64, i64),
    air_complete: bool,
    /// Mode of the longest leg (the first on a tie).
    main_mode: String,
}

fn random_metres(rng: &mut Rng, max_m: u64) -> i64 {
    let cap = if rng.percent(80) { 25_000 } else { 120_000 };
    1 + rng.below(max_m.min(cap)) as i64
}

fn random_passengers(rng: &mut Rng, mode: &ModeInfo) -> Option<i64> {
    (mode.per_vehicle && rng.percent(50)).then(|| 1 + rng.below(9) as i64)
}

fn random_trip(rng: &mut Rng, set: &SetInfo) -> TripPlan {
    let count = if rng.percent(60) {
        1
    } else {
        2 + rng.below(4) as usize
    };
    let legs = (0..count)
        .map(|_| {
            let mode = loop {
                let mode = rng.pick(&set.modes);
                if count == 1 || mode.id != "telework" {
                    break mode.clone();
                }
            };
            LegPlan {
                metres: random_metres(rng, mode.max_m),
                passengers: random_passengers(rng, &mode),
                mode,
            }
        })
        .collect();
    let baseline = rng.percent(35).then(|| {
        let mode = rng.pick(&set.modes).clone();
        let metres = rng.percent(40).then(|| random_metres(rng, mode.max_m));
        let passengers = random_passengers(rng, &mode);
        (mode, metres, passengers)
    });
    TripPlan {
        legs,
        round_trip: rng.percent(30),
        baseline,
    }
}

/// The legs and baseline as a request body fragment (no set, no direction).
fn trip_body(trip: &TripPlan) -> Value {
    let leg = |l: &LegPlan| {
        let mut leg = json!({ "mode": l.mode.id, "distance_km": l.metres as f64 / 1000.0 });
        if let Some(n) = l.passengers {
            leg["passengers"] = json!(n);
        }
        leg
    };
    let mut body = if trip.legs.len() == 1 {
        leg(&trip.legs[0])
    } else {
        json!({ "legs": trip.legs.iter().map(leg).collect::<Vec<_>>() })
    };
    if let Some((mode, metres, passengers)) = &trip.baseline {
        let mut baseline = json!({ "mode": mode.id });
        if let Some(m) = metres {
            baseline["distance_km"] = json!(*m as f64 / 1000.0);
        }
        if let Some(n) = passengers {
            baseline["passengers"] = json!(n);
        }
        body["baseline"] = baseline;
    }
    body
}

/// The rules of api.md, applied by the test on its own.
fn expected(trip: &TripPlan, set: &SetInfo, default_baseline: &str) -> Expected {
    let k = if trip.round_trip { 2 } else { 1 };
    let mut out = Expected {
        air_complete: true,
        ..Expected::default()
    };
    let mut longest = -1;
    for leg in &trip.legs {
        let metres = leg.metres * k;
        let minutes = leg.mode.minutes(metres);
        let leg_air = leg.mode.air(metres, leg.passengers.unwrap_or(1));
        out.active_minutes += minutes.unwrap_or(0);
        match leg_air {
            Some((nox, pm25)) => {
                out.air.0 += nox;
                out.air.1 += pm25;
            }
            None => out.air_complete = false,
        }
        if metres > longest {
            longest = metres;
            out.main_mode = leg.mode.id.clone();
        }
        out.legs.push((minutes, leg_air));
    }
    let total: i64 = trip.legs.iter().map(|l| l.metres * k).sum();
    let default = set.modes.iter().find(|m| m.id == default_baseline).unwrap();
    let (mode, metres, passengers) = match &trip.baseline {
        Some((mode, metres, passengers)) => (mode, metres.map_or(total, |m| m * k), *passengers),
        None => (default, total, None),
    };
    match mode.air(metres, passengers.unwrap_or(1)) {
        Some(amounts) => out.baseline_air = amounts,
        None => out.air_complete = false,
    }
    out.air_saved = (
        out.baseline_air.0 - out.air.0,
        out.baseline_air.1 - out.air.1,
    );
    out
}

fn air_of(value: &Value) -> (i64, i64) {
    (
        value["nox_mg"]
            .as_i64()
            .unwrap_or_else(|| panic!("nox_mg in {value}")),
        value["pm25_mg"]
            .as_i64()
            .unwrap_or_else(|| panic!("pm25_mg in {value}")),
    )
}

/// The trip-level co-benefits of an estimate, a logged trip or a listed trip.
fn trip_figures(answer: &Value, baseline_air: &Value) -> Figures {
    (
        answer["active_minutes"].as_i64().expect("active_minutes"),
        air_of(&answer["air"]),
        air_of(baseline_air),
        air_of(&answer["air_saved"]),
        answer["air_complete"].as_bool().expect("air_complete"),
    )
}

fn expected_figures(e: &Expected) -> Figures {
    (
        e.active_minutes,
        e.air,
        e.baseline_air,
        e.air_saved,
        e.air_complete,
    )
}

#[test]
fn two_thousand_random_estimates_in_a_batch_match_an_independent_recomputation() {
    // Arrange
    let app = TestApp::spawn();
    let sets: Vec<SetInfo> = ["cn-2023", "uk-desnz-2025", "uk-desnz-2025-wtw", "cn-2022"]
        .iter()
        .map(|id| read_set(&app, id))
        .collect();
    let mut rng = Rng(0x636f_2d62_656e_6566);
    let generated: Vec<(usize, TripPlan)> = (0..2_000)
        .map(|_| {
            let s = rng.index(sets.len());
            (s, random_trip(&mut rng, &sets[s]))
        })
        .collect();
    let requests: Vec<Value> = generated
        .iter()
        .map(|(s, trip)| {
            let mut body = trip_body(trip);
            body["factor_set"] = json!(sets[*s].id);
            if trip.round_trip || rng.percent(10) {
                body["round_trip"] = json!(trip.round_trip);
            }
            body
        })
        .collect();

    // Act
    let batch = ok(app.estimate_batch(&json!({ "trips": requests })));

    // Assert
    let results = batch["results"].as_array().expect("results[]");
    assert_eq!(results.len(), generated.len());
    let (mut active, mut incomplete, mut negative) = (0, 0, 0);
    for (((s, trip), request), result) in generated.iter().zip(&requests).zip(results) {
        let context = format!("request {request} → {result}");
        assert!(result.get("error").is_none(), "{context}");
        let want = expected(trip, &sets[*s], "car");
        assert_eq!(
            trip_figures(result, &result["baseline"]["air"]),
            expected_figures(&want),
            "(active_minutes, air, baseline.air, air_saved, air_complete); {context}"
        );
        let legs = result["legs"].as_array().unwrap();
        for (leg, (minutes, leg_air)) in legs.iter().zip(&want.legs) {
            assert_eq!(leg["active_minutes"].as_i64(), *minutes, "{context}");
            let shown = (!leg["air"].is_null()).then(|| air_of(&leg["air"]));
            assert_eq!(shown, *leg_air, "{context}");
        }
        active += i32::from(want.active_minutes > 0);
        incomplete += i32::from(!want.air_complete);
        negative += i32::from(want.air_saved.0 < 0);
    }
    // The random trips covered what they are meant to cover.
    assert!(
        active > 300 && incomplete > 300 && negative > 50,
        "{active} {incomplete} {negative}"
    );
}

// ---------------------------------------------------------------------------------------------
// A random campaign: results are exact sums over the logged trips
// ---------------------------------------------------------------------------------------------

const CAMPAIGN: &str = "cobenefit-week";
/// June 1–14, 2026 (the fixture's period).
const DAYS: i64 = 14;
const DIRECTIONS: [&str; 3] = ["to_work", "from_work", "round_trip"];

/// A stored trip as the test knows it.
#[derive(Debug, Clone)]
struct Stored {
    organization: usize,
    participant: String,
    date: String,
    expected: Expected,
}

/// Exact sums of what results show.
#[derive(Debug, Clone, Default, PartialEq)]
struct Sums {
    trips: i64,
    participants: BTreeSet<(usize, String)>,
    active_minutes: i64,
    air_saved: (i64, i64),
    air_incomplete_trips: i64,
}

impl Sums {
    fn add(&mut self, s: &Stored) {
        self.trips += 1;
        self.participants
            .insert((s.organization, s.participant.clone()));
        self.active_minutes += s.expected.active_minutes;
        self.air_saved.0 += s.expected.air_saved.0;
        self.air_saved.1 += s.expected.air_saved.1;
        self.air_incomplete_trips += i64::from(!s.expected.air_complete);
    }

    fn over<'a>(trips: impl IntoIterator<Item = &'a Stored>) -> Self {
        let mut sums = Self::default();
        for s in trips {
            sums.add(s);
        }
        sums
    }

    /// `active_minutes ÷ participants ÷ (days ÷ 7)` to one decimal, half away from zero.
    fn per_participant_week(&self) -> f64 {
        let participants = self.participants.len() as i128;
        if participants == 0 {
            return 0.0;
        }
        round_half_away(
            i128::from(self.active_minutes) * 70,
            participants * i128::from(DAYS),
        ) as f64
            / 10.0
    }

    /// (active_minutes, air_saved, air_incomplete_trips) as a result shows them.
    fn shown(&self) -> (i64, (i64, i64), i64) {
        (
            self.active_minutes,
            self.air_saved,
            self.air_incomplete_trips,
        )
    }
}

/// Percent-encodes a query value (cursors are opaque).
fn query_value(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn shown(figures: &Value) -> (i64, (i64, i64), i64) {
    (
        figures["active_minutes"]
            .as_i64()
            .unwrap_or_else(|| panic!("active_minutes in {figures}")),
        air_of(&figures["air_saved"]),
        figures["air_incomplete_trips"]
            .as_i64()
            .unwrap_or_else(|| panic!("air_incomplete_trips in {figures}")),
    )
}

#[test]
fn a_random_campaigns_summaries_and_leaderboard_are_exact_sums_over_its_logged_trips() {
    // Arrange: a two-week campaign on cn-2023, three organizations with trips, one without.
    let app = TestApp::spawn();
    let kinds = ["enterprise", "community", "institution", "other"];
    let w = world(&app, CAMPAIGN, &kinds, json!({ "factor_set": "cn-2023" }));
    let set = read_set(&app, "cn-2023");
    let mut rng = Rng(0x6169_722d_7361_7665);
    let mut stored: BTreeMap<i64, Stored> = BTreeMap::new();

    // Act: batches of random trips (some sent twice), then deletions.
    let mut sent = Vec::new();
    for batch in 0..12 {
        let organization = batch % 3;
        let trips: Vec<(TripPlan, String, String, &str)> = (0..60)
            .map(|_| {
                let mut trip = random_trip(&mut rng, &set);
                let direction = *rng.pick(&DIRECTIONS);
                trip.round_trip = direction == "round_trip";
                let participant = format!("p{}", rng.below(25));
                let date = format!("2026-06-{:02}", 1 + rng.below(DAYS as u64));
                (trip, participant, date, direction)
            })
            .collect();
        let body: Vec<Value> = trips
            .iter()
            .map(|(trip, participant, date, direction)| {
                let mut body = trip_body(trip);
                body["participant"] = json!(participant);
                body["date"] = json!(date);
                body["direction"] = json!(direction);
                body
            })
            .collect();
        let times = if batch % 5 == 4 { 2 } else { 1 };
        for _ in 0..times {
            let response = log(&app, w.key(organization), CAMPAIGN, json!(body));
            response.assert_status(201);
            let logged = response.json();
            for ((trip, participant, date, _), answer) in
                trips.iter().zip(logged["trips"].as_array().unwrap())
            {
                let id = answer["id"].as_i64().unwrap();
                if answer["duplicate"] == false {
                    let expected = expected(trip, &set, "car");
                    stored.insert(
                        id,
                        Stored {
                            organization,
                            participant: participant.clone(),
                            date: date.clone(),
                            expected,
                        },
                    );
                }
                // A duplicate shows the values of the trip that is stored.
                let want = &stored[&id].expected;
                assert_eq!(
                    trip_figures(answer, &answer["baseline"]["air"]),
                    expected_figures(want),
                    "logged trip {answer}"
                );
                sent.push(id);
            }
        }
    }
    let ids: Vec<i64> = stored.keys().copied().collect();
    for _ in 0..25 {
        let id = *rng.pick(&ids);
        if stored.remove(&id).is_some() {
            app.request(
                "DELETE",
                &format!("/v1/campaigns/{CAMPAIGN}/trips/{id}"),
                &[("Authorization", &format!("Bearer {ADMIN_TOKEN}"))],
                b"",
            )
            .assert_status(204);
        }
    }

    // Assert: every listed trip shows its own figures…
    let mut listed = BTreeMap::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut path = format!("/v1/campaigns/{CAMPAIGN}/trips?limit=300");
        if let Some(c) = &cursor {
            path.push_str(&format!("&cursor={}", query_value(c)));
        }
        let page = ok(app.get_as(ADMIN_TOKEN, &path));
        for trip in page["trips"].as_array().unwrap() {
            listed.insert(trip["id"].as_i64().unwrap(), trip.clone());
        }
        match &page["next_cursor"] {
            Value::String(next) => cursor = Some(next.clone()),
            _ => break,
        }
    }
    assert_eq!(
        listed.keys().collect::<Vec<_>>(),
        stored.keys().collect::<Vec<_>>(),
        "the listed trips are the stored ones"
    );
    for (id, trip) in &listed {
        let s = &stored[id];
        assert_eq!(
            trip_figures(trip, &trip["baseline"]["air"]),
            expected_figures(&s.expected),
            "listed trip {trip}"
        );
        assert_eq!(trip["main_mode"], s.expected.main_mode.as_str(), "{trip}");
        assert_eq!(trip["baseline"]["co2e_g"], trip["baseline_co2e_g"]);
        // Each leg keeps the parameters it was computed with.
        for (leg, (minutes, leg_air)) in trip["detail"]["legs"]
            .as_array()
            .unwrap()
            .iter()
            .zip(&s.expected.legs)
        {
            assert_eq!(leg["active"]["minutes"].as_i64(), *minutes, "{trip}");
            assert_eq!(
                leg["active"]["speed_kmh"].is_number(),
                minutes.is_some(),
                "{trip}"
            );
            let shown = leg.get("air").map(|a| {
                (
                    a["nox_mg"].as_i64().unwrap(),
                    a["pm25_mg"].as_i64().unwrap(),
                )
            });
            assert_eq!(shown, *leg_air, "{trip}");
        }
    }

    // …and every result is the exact sum over them.
    let all = Sums::over(stored.values());
    assert!(all.active_minutes > 0 && all.air_incomplete_trips > 0 && all.trips > 400);
    let summary = ok(app.get(&format!("/v1/campaigns/{CAMPAIGN}/summary")));
    assert_eq!(shown(&summary), all.shown(), "summary");
    assert_eq!(summary["trips"], all.trips);
    assert_eq!(
        summary["active_minutes_per_participant_week"],
        all.per_participant_week(),
        "summary: {} min, {} participants, {DAYS} days",
        all.active_minutes,
        all.participants.len()
    );

    let mut by_mode: BTreeMap<String, Sums> = BTreeMap::new();
    for s in stored.values() {
        by_mode
            .entry(s.expected.main_mode.clone())
            .or_default()
            .add(s);
    }
    let modes = summary["by_mode"].as_array().unwrap();
    assert_eq!(modes.len(), by_mode.len(), "modes with trips");
    for row in modes {
        let sums = &by_mode[row["mode"].as_str().unwrap()];
        assert_eq!(shown(row), sums.shown(), "by_mode {row}");
    }
    for row in summary["by_organization_kind"].as_array().unwrap() {
        let kind = kinds.iter().position(|k| row["kind"] == *k).unwrap();
        let sums = Sums::over(stored.values().filter(|s| s.organization == kind));
        assert_eq!(row["active_minutes"], sums.active_minutes, "{row}");
        assert_eq!(air_of(&row["air_saved"]), sums.air_saved, "{row}");
    }

    let board = ok(app.get(&format!("/v1/campaigns/{CAMPAIGN}/leaderboard")));
    let entries = board["entries"].as_array().unwrap();
    assert_eq!(entries.len(), kinds.len(), "every enrolled organization");
    let csv = app.get(&format!("/v1/campaigns/{CAMPAIGN}/leaderboard.csv"));
    csv.assert_status(200);
    let text = csv.text();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let column = |name: &str| {
        header
            .iter()
            .position(|h| *h == name)
            .unwrap_or_else(|| panic!("CSV column {name}"))
    };
    let rows: BTreeMap<String, Vec<String>> = lines
        .map(|line| {
            let cells: Vec<String> = line.split(',').map(str::to_owned).collect();
            (cells[column("organization_id")].clone(), cells)
        })
        .collect();
    for entry in entries {
        let id = entry["organization"]["id"].as_str().unwrap();
        let organization = w.organizations.iter().position(|o| o.0 == id).unwrap();
        let sums = Sums::over(stored.values().filter(|s| s.organization == organization));
        assert_eq!(shown(entry), sums.shown(), "leaderboard {entry}");
        let row = &rows[id];
        let cell = |name: &str| row[column(name)].parse::<i64>().unwrap();
        assert_eq!(
            (
                cell("active_minutes"),
                (cell("air_saved_nox_mg"), cell("air_saved_pm25_mg")),
                cell("air_incomplete_trips")
            ),
            sums.shown(),
            "leaderboard.csv {id}"
        );

        let own = ok(app.get(&format!(
            "/v1/campaigns/{CAMPAIGN}/organizations/{id}/summary"
        )));
        assert_eq!(shown(&own), sums.shown(), "organization summary {id}");
        assert_eq!(
            own["active_minutes_per_participant_week"],
            sums.per_participant_week(),
            "{id}"
        );
        let mut by_day: BTreeMap<String, Sums> = BTreeMap::new();
        for s in stored.values().filter(|s| s.organization == organization) {
            by_day.entry(s.date.clone()).or_default().add(s);
        }
        let days = own["by_day"].as_array().unwrap();
        assert_eq!(days.len(), by_day.len(), "{id}: days with trips");
        for day in days {
            assert_eq!(
                shown(day),
                by_day[day["date"].as_str().unwrap()].shown(),
                "{id} {day}"
            );
        }
        let day_sum: i64 = days
            .iter()
            .map(|d| d["active_minutes"].as_i64().unwrap())
            .sum();
        assert_eq!(day_sum, sums.active_minutes, "{id}: days add up");
    }
    assert!(
        sent.len() > stored.len(),
        "duplicates and deletions happened"
    );
}
