//! What-if (api.md, "What-if: a campaign under another factor set"): a random campaign compared
//! with other sets against an independent recomputation, per organization and per mode, to the
//! gram; trips the other set cannot compute; nothing stored changes; who may compare.
//!
//! The recomputation reads the factor-set files (`emission_factors/*.json`) itself: a fixed
//! mode's `co2e_g_per_km`, or a grid-derived mode's `fixed_g_per_km + grid_kwh_per_km ×` the
//! region's `co2e_g_per_kwh` (a region without a value takes its parent's), each held to the
//! microgram per km; a leg is `metres × µg per km ÷ (10⁹ × sharers)` rounded once, half away
//! from zero, with distances doubled for a round trip. The rebase tests (`rebase.rs`) share it.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde_json::{json, Value};

use crate::common::rng::Rng;
use crate::common::{world, Response, TestApp, World, ADMIN_TOKEN};

// ---------------------------------------------------------------------------------------------
// The factor-set files, read by the test
// ---------------------------------------------------------------------------------------------

/// One mode of a set file.
pub struct ModeRow {
    per_vehicle: bool,
    fixed_ug_per_km: i64,
    grid_kwh_per_km: Option<f64>,
    max_m: i64,
}

/// A factor-set file as the test reads it.
pub struct SetFile {
    pub id: String,
    pub version: String,
    modes: BTreeMap<String, ModeRow>,
    /// Region id → (g CO2e per kWh, parent).
    regions: HashMap<String, (Option<f64>, Option<String>)>,
    default_region: Option<String>,
}

fn ug(g: f64) -> i64 {
    (g * 1e6).round() as i64
}

impl SetFile {
    pub fn load(id: &str) -> Self {
        let path = format!("{}/emission_factors/{id}.json", env!("CARGO_MANIFEST_DIR"));
        let file: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let modes = file["modes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| {
                let fixed = m["co2e_g_per_km"]
                    .as_f64()
                    .or_else(|| m["fixed_g_per_km"].as_f64())
                    .unwrap_or(0.0);
                let row = ModeRow {
                    per_vehicle: m["basis"] == "vehicle_km",
                    fixed_ug_per_km: ug(fixed),
                    grid_kwh_per_km: m["grid_kwh_per_km"].as_f64(),
                    max_m: (m["max_distance_km"].as_f64().unwrap() * 1000.0).round() as i64,
                };
                (m["mode"].as_str().unwrap().to_owned(), row)
            })
            .collect();
        let regions = file["grid_regions"]
            .as_array()
            .map(|regions| {
                regions
                    .iter()
                    .map(|r| {
                        (
                            r["id"].as_str().unwrap().to_owned(),
                            (
                                r["co2e_g_per_kwh"].as_f64(),
                                r["parent"].as_str().map(str::to_owned),
                            ),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default();
        Self {
            id: id.to_owned(),
            version: file["version"].as_str().unwrap().to_owned(),
            modes,
            regions,
            default_region: file["default_grid_region"].as_str().map(str::to_owned),
        }
    }

    pub fn mode_ids(&self) -> Vec<String> {
        self.modes.keys().cloned().collect()
    }

    pub fn has(&self, mode: &str) -> bool {
        self.modes.contains_key(mode)
    }

    /// The region electric modes use: the campaign's where the set has it, else the default.
    pub fn region(&self, campaign_region: Option<&str>) -> Option<String> {
        campaign_region
            .filter(|r| self.regions.contains_key(*r))
            .map(str::to_owned)
            .or_else(|| self.default_region.clone())
    }

    fn grid_g_per_kwh(&self, region: Option<&str>) -> Option<f64> {
        let mut current = self.region(region)?;
        loop {
            let (value, parent) = &self.regions[&current];
            match (value, parent) {
                (Some(g), _) => return Some(*g),
                (None, Some(parent)) => current = parent.clone(),
                (None, None) => return None,
            }
        }
    }

    fn grams(&self, mode: &str, grid: Option<f64>, metres: i64, passengers: Option<i64>) -> i64 {
        let row = &self.modes[mode];
        let grid_ug = match (row.grid_kwh_per_km, grid) {
            (Some(kwh), Some(g)) => ug(kwh * g),
            _ => 0,
        };
        let sharers = if row.per_vehicle {
            passengers.unwrap_or(1)
        } else {
            1
        };
        round_half_away(
            i128::from(metres) * i128::from(row.fixed_ug_per_km + grid_ug),
            1_000_000_000 * i128::from(sharers),
        )
    }

    /// A trip's figures under this set, or the reason it cannot be computed (the first problem,
    /// legs in order, then the baseline).
    pub fn figures(&self, trip: &Plan, region: Option<&str>) -> Result<Figures, String> {
        for leg in &trip.legs {
            let Some(row) = self.modes.get(&leg.mode) else {
                return Err(self.missing(&leg.mode));
            };
            assert!(
                leg.metres <= row.max_m,
                "the generator keeps legs plausible"
            );
        }
        let baseline_mode = trip.baseline.as_ref().map_or(BASELINE, |b| b.mode.as_str());
        if !self.has(baseline_mode) {
            return Err(self.missing(baseline_mode));
        }
        let grid = self.grid_g_per_kwh(region);
        let k = if trip.direction == "round_trip" { 2 } else { 1 };
        let mut figures = Figures::default();
        let mut longest = 0;
        for leg in &trip.legs {
            figures.co2e_g += self.grams(&leg.mode, grid, leg.metres * k, leg.passengers);
            if leg.metres > longest {
                longest = leg.metres;
                figures.main_mode = leg.mode.clone();
            }
        }
        let total: i64 = trip.legs.iter().map(|l| l.metres * k).sum();
        let (metres, passengers) = match &trip.baseline {
            Some(b) => (b.metres.map_or(total, |m| m * k), b.passengers),
            None => (total, None),
        };
        figures.baseline_co2e_g = self.grams(baseline_mode, grid, metres, passengers);
        figures.savings_g = figures.baseline_co2e_g - figures.co2e_g;
        Ok(figures)
    }

    fn missing(&self, mode: &str) -> String {
        format!("mode `{mode}` is not in factor set `{}`", self.id)
    }
}

pub fn round_half_away(numerator: i128, denominator: i128) -> i64 {
    let (quotient, remainder) = (numerator / denominator, numerator % denominator);
    (if 2 * remainder.abs() >= denominator {
        quotient + numerator.signum()
    } else {
        quotient
    }) as i64
}

/// The campaigns' baseline mode (every set has it).
pub const BASELINE: &str = "car";

/// What a trip counts for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Figures {
    pub main_mode: String,
    pub co2e_g: i64,
    pub baseline_co2e_g: i64,
    pub savings_g: i64,
}

// ---------------------------------------------------------------------------------------------
// Random campaigns
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone)]
pub struct Leg {
    pub mode: String,
    /// One way.
    pub metres: i64,
    pub passengers: Option<i64>,
}

#[derive(Debug, Clone)]
pub struct Baseline {
    pub mode: String,
    pub metres: Option<i64>,
    pub passengers: Option<i64>,
}

/// A trip as generated, and its id once logged.
#[derive(Debug, Clone)]
pub struct Plan {
    pub organization: usize,
    pub participant: String,
    pub date: String,
    pub direction: &'static str,
    pub legs: Vec<Leg>,
    pub baseline: Option<Baseline>,
    pub id: i64,
}

const DIRECTIONS: [&str; 3] = ["to_work", "from_work", "round_trip"];

/// `count` trips over `organizations` (distinct participant-days), from `modes` of `set`; a
/// baseline mode is sometimes one of `baseline_modes`.
pub fn random_trips(
    rng: &mut Rng,
    set: &SetFile,
    modes: &[String],
    baseline_modes: &[&str],
    organizations: usize,
    count: usize,
) -> Vec<Plan> {
    let mut taken = BTreeSet::new();
    let mut trips = Vec::new();
    while trips.len() < count {
        let organization = rng.index(organizations);
        let participant = format!("p{:02}", rng.below(25));
        let date = format!("2026-06-{:02}", rng.between(1, 14));
        if !taken.insert((organization, participant.clone(), date.clone())) {
            continue;
        }
        let count = if rng.percent(55) {
            1
        } else {
            rng.between(2, 3)
        };
        let legs = (0..count)
            .map(|_| {
                let mode = loop {
                    let mode = rng.pick(modes);
                    if count == 1 || mode != "telework" {
                        break mode.clone();
                    }
                };
                let passengers = (set.modes[&mode].per_vehicle && rng.percent(40))
                    .then(|| rng.between(1, 4) as i64);
                Leg {
                    metres: rng.between(200, 30_000) as i64,
                    mode,
                    passengers,
                }
            })
            .collect();
        let baseline = rng.percent(30).then(|| {
            let mode = (*rng.pick(baseline_modes)).to_owned();
            Baseline {
                metres: rng.percent(50).then(|| rng.between(500, 30_000) as i64),
                passengers: (set.modes[&mode].per_vehicle && rng.percent(30))
                    .then(|| rng.between(1, 3) as i64),
                mode,
            }
        });
        trips.push(Plan {
            organization,
            participant,
            date,
            direction: DIRECTIONS[rng.index(DIRECTIONS.len())],
            legs,
            baseline,
            id: 0,
        });
    }
    trips
}

fn body(trip: &Plan) -> Value {
    let legs: Vec<Value> = trip
        .legs
        .iter()
        .map(|l| {
            let mut leg = json!({ "mode": l.mode, "distance_km": l.metres as f64 / 1000.0 });
            if let Some(n) = l.passengers {
                leg["passengers"] = json!(n);
            }
            leg
        })
        .collect();
    let mut body = json!({
        "participant": trip.participant, "date": trip.date, "direction": trip.direction, "legs": legs
    });
    if let Some(b) = &trip.baseline {
        body["baseline"] = json!({ "mode": b.mode });
        if let Some(m) = b.metres {
            body["baseline"]["distance_km"] = json!(m as f64 / 1000.0);
        }
        if let Some(n) = b.passengers {
            body["baseline"]["passengers"] = json!(n);
        }
    }
    body
}

/// Logs every trip with its organization's key, checks the stored figures against `set` on
/// `region`, and records the ids.
pub fn log_all(app: &TestApp, world: &World, trips: &mut [Plan], set: &SetFile, region: &str) {
    for organization in 0..world.organizations.len() {
        let mine: Vec<usize> = (0..trips.len())
            .filter(|&i| trips[i].organization == organization)
            .collect();
        if mine.is_empty() {
            continue;
        }
        let bodies: Vec<Value> = mine.iter().map(|&i| body(&trips[i])).collect();
        let answer =
            crate::common::log(app, world.key(organization), &world.campaign, json!(bodies));
        answer.assert_status(201);
        let answer = answer.json();
        for (n, &i) in mine.iter().enumerate() {
            let logged = &answer["trips"][n];
            let expected = set.figures(&trips[i], Some(region)).unwrap();
            assert_eq!(
                (
                    logged["co2e_g"].as_i64(),
                    logged["baseline_co2e_g"].as_i64()
                ),
                (Some(expected.co2e_g), Some(expected.baseline_co2e_g)),
                "the model agrees with logging on {:?}",
                trips[i]
            );
            trips[i].id = logged["id"].as_i64().unwrap();
        }
    }
}

/// Deletes about one trip in ten; the trips still stored.
pub fn delete_some(app: &TestApp, world: &World, rng: &mut Rng, trips: Vec<Plan>) -> Vec<Plan> {
    let mut kept = Vec::new();
    for trip in trips {
        if rng.percent(10) {
            app.request(
                "DELETE",
                &format!("/v1/campaigns/{}/trips/{}", world.campaign, trip.id),
                &[(
                    "Authorization",
                    &format!("Bearer {}", world.key(trip.organization)),
                )],
                b"",
            )
            .assert_status(204);
        } else {
            kept.push(trip);
        }
    }
    kept
}

// ---------------------------------------------------------------------------------------------
// The comparison expected
// ---------------------------------------------------------------------------------------------

/// (trips, stored savings, recomputed savings) of a group, and the totals' grams both ways.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
struct Group {
    trips: i64,
    stored: (i64, i64, i64),
    recomputed: (i64, i64, i64),
}

impl Group {
    fn add(&mut self, stored: &Figures, recomputed: &Figures) {
        self.trips += 1;
        let add = |sum: &mut (i64, i64, i64), f: &Figures| {
            sum.0 += f.co2e_g;
            sum.1 += f.baseline_co2e_g;
            sum.2 += f.savings_g;
        };
        add(&mut self.stored, stored);
        add(&mut self.recomputed, recomputed);
    }

    fn row(&self) -> Value {
        json!({
            "trips": self.trips,
            "stored_savings_g": self.stored.2,
            "recomputed_savings_g": self.recomputed.2,
            "delta_g": self.recomputed.2 - self.stored.2,
        })
    }
}

fn side(set: &SetFile, region: Option<String>, trips: i64, sums: (i64, i64, i64)) -> Value {
    json!({
        "factor_set": { "id": set.id, "version": set.version },
        "region": region,
        "trips": trips,
        "co2e_g": sums.0,
        "baseline_co2e_g": sums.1,
        "savings_g": sums.2,
    })
}

/// The comparison of `trips` (stored under `stored` on `region`) with `other`, as the answer
/// must give it (organization names and kinds aside).
pub fn expected_comparison(
    world: &World,
    trips: &[Plan],
    stored: &SetFile,
    other: &SetFile,
    region: &str,
) -> Value {
    let mut total = Group::default();
    let mut by_organization: BTreeMap<String, Group> = world
        .organizations
        .iter()
        .map(|(id, _, _)| (id.clone(), Group::default()))
        .collect();
    let mut by_mode: BTreeMap<String, Group> = BTreeMap::new();
    let mut reasons: BTreeMap<String, i64> = BTreeMap::new();
    for trip in trips {
        let before = stored.figures(trip, Some(region)).unwrap();
        match other.figures(trip, Some(region)) {
            Ok(after) => {
                total.add(&before, &after);
                let organization = &world.organizations[trip.organization].0;
                by_organization
                    .get_mut(organization)
                    .unwrap()
                    .add(&before, &after);
                by_mode
                    .entry(before.main_mode.clone())
                    .or_default()
                    .add(&before, &after);
            }
            Err(reason) => *reasons.entry(reason).or_default() += 1,
        }
    }
    json!({
        "campaign_id": world.campaign,
        "stored": side(stored, Some(region.to_owned()), total.trips, total.stored),
        "recomputed": side(other, other.region(Some(region)), total.trips, total.recomputed),
        "by_organization": by_organization
            .iter()
            .map(|(id, g)| { let mut row = g.row(); row["organization"] = json!(id); row })
            .collect::<Vec<_>>(),
        "by_mode": by_mode
            .iter()
            .map(|(mode, g)| { let mut row = g.row(); row["mode"] = json!(mode); row })
            .collect::<Vec<_>>(),
        "not_computable": {
            "trips": reasons.values().sum::<i64>(),
            "reasons": reasons,
        },
    })
}

/// The answer in the shape of [`expected_comparison`]: organizations by id, reasons as a map.
pub fn comparable(answer: &Value) -> Value {
    let mut answer = answer.clone();
    for row in answer["by_organization"].as_array_mut().unwrap() {
        row["organization"] = row["organization"]["id"].clone();
    }
    let reasons: BTreeMap<String, i64> = answer["not_computable"]["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["reason"].as_str().unwrap().to_owned(),
                r["trips"].as_i64().unwrap(),
            )
        })
        .collect();
    answer["not_computable"]["reasons"] = json!(reasons);
    answer
}

pub fn compare(app: &TestApp, token: Option<&str>, campaign: &str, set: &str) -> Response {
    let path = format!("/v1/campaigns/{campaign}/compare?factor_set={set}");
    match token {
        Some(token) => app.get_as(token, &path),
        None => app.get(&path),
    }
}

/// The answers that must not change when nothing is written.
pub fn results(app: &TestApp, campaign: &str) -> Vec<(String, String)> {
    let mut paths = vec![
        format!("/v1/campaigns/{campaign}"),
        format!("/v1/campaigns/{campaign}/summary"),
        format!("/v1/campaigns/{campaign}/leaderboard"),
        format!("/v1/campaigns/{campaign}/history"),
    ];
    let mut cursor = String::new();
    loop {
        let path = format!("/v1/campaigns/{campaign}/trips?limit=1000{cursor}");
        let page = app.get_as(ADMIN_TOKEN, &path);
        page.assert_status(200);
        paths.push(path);
        match page.json()["next_cursor"].as_str() {
            Some(next) => cursor = format!("&cursor={next}"),
            None => break,
        }
    }
    paths
        .into_iter()
        .map(|path| {
            let answer = app.get_as(ADMIN_TOKEN, &path);
            answer.assert_status(200);
            (path, answer.text())
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------------

const KINDS: [&str; 4] = [
    "enterprise",
    "institution",
    "community",
    "social_organization",
];

#[test]
fn a_random_campaign_compared_with_other_sets_matches_an_independent_recomputation_to_the_gram() {
    // Arrange: a cn-2023 campaign in Beijing, four organizations, several hundred trips with
    // cn-2023's own modes among the others (cn-2022 and the UK sets lack `shuttle`, `ferry`,
    // `bus_electric`, `taxi_electric` and `taxi_pooled`), multi-leg, car-pools, round trips,
    // explicit baselines, some deleted.
    let app = TestApp::spawn();
    let w = world(
        &app,
        "what-if-week",
        &KINDS,
        json!({ "factor_set": "cn-2023", "region": "CN-BJ" }),
    );
    let cn2023 = SetFile::load("cn-2023");
    let mut rng = Rng(0x7768_6174_2d69_6631);
    let baselines = [
        "car",
        "car_petrol",
        "taxi",
        "motorcycle",
        "car_electric",
        "shuttle",
    ];
    let mut trips = random_trips(&mut rng, &cn2023, &cn2023.mode_ids(), &baselines, 4, 420);
    log_all(&app, &w, &mut trips, &cn2023, "CN-BJ");
    let trips = delete_some(&app, &w, &mut rng, trips);
    let before = results(&app, &w.campaign);

    for other in ["cn-2022", "uk-desnz-2025", "uk-desnz-2025-wtw", "cn-2023"] {
        // Act
        let answer = compare(&app, None, &w.campaign, other);

        // Assert
        answer.assert_status(200);
        let answer = answer.json();
        let expected = expected_comparison(&w, &trips, &cn2023, &SetFile::load(other), "CN-BJ");
        let actual = comparable(&answer);
        for key in [
            "campaign_id",
            "stored",
            "recomputed",
            "by_organization",
            "by_mode",
            "not_computable",
        ] {
            assert_eq!(actual[key], expected[key], "{other}: {key}");
        }
        for row in answer["by_organization"].as_array().unwrap() {
            assert!(
                row["organization"]["name"].is_string() && row["organization"]["kind"].is_string()
            );
        }
        if other == "cn-2023" {
            assert_eq!(
                answer["not_computable"]["trips"], 0,
                "the campaign's own set computes every trip"
            );
            assert_eq!(
                answer["stored"]["savings_g"],
                answer["recomputed"]["savings_g"]
            );
        } else {
            assert!(
                answer["not_computable"]["trips"].as_i64().unwrap() > 20,
                "{other}: the campaign has trips in modes the set lacks"
            );
            assert_ne!(
                answer["stored"]["savings_g"],
                answer["recomputed"]["savings_g"]
            );
        }
    }
    assert_eq!(
        results(&app, &w.campaign),
        before,
        "a comparison changes nothing"
    );
}

#[test]
fn a_comparison_needs_a_known_factor_set_and_no_other_parameter() {
    // Arrange
    let app = TestApp::spawn();
    let w = world(
        &app,
        "what-if-args",
        &["enterprise"],
        json!({ "factor_set": "cn-2023" }),
    );

    // Act and assert
    let cases = [
        ("", "factor_set"),
        ("?factor_set=", "factor_set"),
        ("?factor_set=cn-1999", "factor_set"),
        ("?factor_set=cn-2022&extra=1", "extra"),
    ];
    for (query, field) in cases {
        let answer = app.get(&format!("/v1/campaigns/{}/compare{query}", w.campaign));
        let problem = answer.problem(422);
        assert_eq!(problem["errors"][0]["field"], field, "{query}: {problem}");
    }
    compare(&app, None, "no-such-campaign", "cn-2022").problem(404);
    // An empty campaign compares to zeros.
    let empty = compare(&app, None, &w.campaign, "cn-2022");
    empty.assert_status(200);
    let empty = empty.json();
    assert_eq!(empty["recomputed"]["savings_g"], 0);
    assert_eq!(empty["by_organization"][0]["delta_g"], 0);
    assert_eq!(empty["by_mode"], json!([]));
    assert_eq!(
        empty["not_computable"],
        json!({ "trips": 0, "reasons": [] })
    );
}
