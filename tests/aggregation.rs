//! Aggregation: a few thousand random trips from several organizations, logged as JSON and CSV
//! with exact re-sends, duplicates inside one batch, round trips against one-way trips, car-pools,
//! multi-leg trips, explicit baselines and deletions, checked against a straightforward
//! recomputation from what the test itself sent (`api.md`, "Logging commutes" and "Results").
//!
//! The test keeps its own model: the stored trips with the amounts the 201 responses gave for
//! them, and the legs it sent. Every figure the service shows is recomputed from that model; every
//! trip's amounts are recomputed independently from the factor set's published `co2e_g_per_km`.
//!
//! The random sequence is fixed; set `AGGREGATION_SEED` to replay another one (the seed in use is
//! printed on failure). A second, focused test pins what deletions must not do to later trips.

mod common;

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use serde_json::{json, Value};

use common::rng::Rng;
use common::{Response, TestApp, ADMIN_TOKEN};

const CAMPAIGN: &str = "green-week-2026";
/// June 1–14, 2026: two weeks.
const DAYS: u64 = 14;
const PARTICIPANTS_PER_ORGANIZATION: u64 = 200;
const DEFAULT_SEED: u64 = 0x0067_7265_656e_2021;

/// The organizations: four enrolled (one per kind but `community`, plus `other`) and one created
/// but never enrolled. Ids are chosen so that id order differs from creation order; one name needs
/// CSV quoting. `car_heavy` organizations drive more and often compare with a walking or bus
/// baseline, so that some savings are negative.
const ORGANIZATIONS: [OrganizationSpec; 5] = [
    OrganizationSpec {
        id: "zeta-works",
        name: "Zeta Works, Ltd. \"泽塔\"",
        kind: "enterprise",
        enrolled: true,
        car_heavy: false,
    },
    OrganizationSpec {
        id: "alpha-institute",
        name: "Alpha Institute of Transport Research",
        kind: "institution",
        enrolled: true,
        car_heavy: false,
    },
    OrganizationSpec {
        id: "mid-ngo",
        name: "Mid Cycling Association",
        kind: "social_organization",
        enrolled: true,
        car_heavy: false,
    },
    OrganizationSpec {
        id: "beta-collective",
        name: "Beta Drivers Collective",
        kind: "other",
        enrolled: true,
        car_heavy: true,
    },
    OrganizationSpec {
        id: "river-community",
        name: "River Residential Community",
        kind: "community",
        enrolled: false,
        car_heavy: false,
    },
];

const KINDS: [&str; 5] = [
    "enterprise",
    "institution",
    "social_organization",
    "community",
    "other",
];

/// Modes the generator uses, with weights for ordinary and car-heavy organizations. `coach` and
/// `light_rail` are never used, so the summaries must leave them out.
const MODES: [(&str, u64, u64); 16] = [
    ("walk", 10, 3),
    ("bicycle", 12, 3),
    ("e_bike", 10, 2),
    ("e_scooter", 4, 2),
    ("motorcycle", 2, 6),
    ("bus", 15, 6),
    ("metro", 18, 6),
    ("rail", 4, 2),
    ("taxi", 3, 8),
    ("car", 6, 20),
    ("car_petrol", 3, 15),
    ("car_diesel", 1, 8),
    ("car_hybrid", 2, 4),
    ("car_plugin_hybrid", 1, 6),
    ("car_electric", 4, 5),
    ("telework", 5, 2),
];

const BASELINE_MODES: [&str; 9] = [
    "car",
    "car_petrol",
    "car_diesel",
    "car_electric",
    "motorcycle",
    "taxi",
    "bus",
    "walk",
    "e_bike",
];

// ---------------------------------------------------------------------------------------------
// The test
// ---------------------------------------------------------------------------------------------

#[test]
fn random_trips_from_several_organizations_add_up_exactly_in_every_summary_leaderboard_and_day() {
    let seed = std::env::var("AGGREGATION_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(DEFAULT_SEED);
    eprintln!("aggregation seed: {seed} (set AGGREGATION_SEED to replay another)");

    // Arrange: a two-week campaign on cn-2022 without a region (national grid), five organizations.
    let mut scenario = Scenario::start(seed);
    scenario.verify("before any trip: every enrolled organization with zeros, ties by id");
    scenario.check_an_organization_not_enrolled_cannot_log();

    // Act and assert as we go: every 201 is checked against the model as it arrives.
    scenario.log_until(3_000);
    scenario.check_a_batch_with_invalid_trips_stores_nothing();
    scenario.verify("after the first batches and two rejected ones");

    scenario.delete_some(70);
    scenario.verify("after deletions");

    scenario.resend_a_batch_with_deleted_trips();
    scenario.log_until(6_000);
    // Savings per participant exactly half-way between two grams: for the car-heavy organization
    // (negative), for another (positive) and for the whole campaign.
    scenario.log_half_way(3, false);
    scenario.log_half_way(0, false);
    scenario.log_half_way(1, true);
    scenario.verify("after more batches, re-sends and re-logged deletions");

    // Assert: the scenario covered what it means to cover, and every amount was right.
    scenario.report_coverage();
    let mismatches = &scenario.model.mismatches;
    assert!(
        mismatches.is_empty(),
        "{} of {} trips differ from the independent recomputation from the factor set; first ones:\n  {}",
        mismatches.len(),
        scenario.stat("trips recomputed independently"),
        mismatches.iter().take(20).cloned().collect::<Vec<_>>().join("\n  ")
    );
}

/// A client that lost the 204 of a DELETE retries it. The retry must not remove another trip,
/// so a deleted trip's id must never be given to a trip logged later.
#[test]
fn a_retried_delete_never_removes_a_trip_logged_after_the_first_delete() {
    // Arrange: a trip logged and deleted, then another trip logged.
    let mut scenario = Scenario::start(DEFAULT_SEED);
    let organization = scenario.enrolled()[0];
    let key = scenario.organizations[organization].key.clone();
    let trip = |participant: &str| Trip {
        participant: participant.into(),
        date: "2026-06-02".into(),
        direction: Direction::ToWork,
        legs: vec![Leg {
            mode: "bus",
            distance_m: 5_000,
            passengers: None,
        }],
        baseline: None,
        single_form: true,
    };
    scenario
        .batches
        .push(Batch::json(organization, vec![trip("first")]));
    scenario.send(0);
    let first = *scenario.model.trips.keys().next().unwrap();
    scenario.delete(&key, first).assert_status(204);
    scenario.model.remove(first);
    scenario
        .batches
        .push(Batch::json(organization, vec![trip("second")]));
    scenario.send(1);
    let second = *scenario.model.trips.keys().next().unwrap();

    // Act: the first DELETE again.
    let retry = scenario.delete(&key, first);

    // Assert
    let summary = scenario
        .app
        .get(&format!("/v1/campaigns/{CAMPAIGN}/summary"))
        .json();
    assert!(
        retry.status == 404 && summary["trips"] == 1,
        "DELETE /v1/campaigns/{CAMPAIGN}/trips/{first} retried after trip {first} was deleted \
         answered {} and left {} trips: the trip logged since got id {second}",
        retry.status,
        summary["trips"]
    );
    assert_ne!(
        second, first,
        "a deleted trip's id is never given to another trip"
    );
}

// ---------------------------------------------------------------------------------------------
// Trips as the test sends them
// ---------------------------------------------------------------------------------------------

struct OrganizationSpec {
    id: &'static str,
    name: &'static str,
    kind: &'static str,
    enrolled: bool,
    car_heavy: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Direction {
    ToWork,
    FromWork,
    RoundTrip,
}

impl Direction {
    fn as_str(self) -> &'static str {
        match self {
            Self::ToWork => "to_work",
            Self::FromWork => "from_work",
            Self::RoundTrip => "round_trip",
        }
    }

    /// One trip per (organization, participant, date, direction); a round trip takes both.
    fn overlaps(self, other: Direction) -> bool {
        self == other || self == Self::RoundTrip || other == Self::RoundTrip
    }

    /// Distances count twice for a round trip.
    fn multiplier(self) -> i64 {
        if self == Self::RoundTrip {
            2
        } else {
            1
        }
    }
}

#[derive(Clone, Debug)]
struct Leg {
    mode: &'static str,
    /// One-way distance, whole metres (sent as km with three decimals).
    distance_m: i64,
    passengers: Option<u8>,
}

#[derive(Clone, Debug)]
struct Baseline {
    mode: &'static str,
    distance_m: Option<i64>,
    passengers: Option<u8>,
}

#[derive(Clone, Debug)]
struct Trip {
    participant: String,
    date: String,
    direction: Direction,
    legs: Vec<Leg>,
    baseline: Option<Baseline>,
    /// Sent as `mode` + `distance_km` rather than `legs` (single-leg JSON trips only).
    single_form: bool,
}

impl Trip {
    /// Distance travelled, metres (a round trip counts both ways).
    fn distance_m(&self) -> i64 {
        self.legs.iter().map(|l| l.distance_m).sum::<i64>() * self.direction.multiplier()
    }

    /// The mode of the longest leg, the first such leg on a tie.
    fn main_mode(&self) -> &'static str {
        let mut best = &self.legs[0];
        for leg in &self.legs[1..] {
            if leg.distance_m > best.distance_m {
                best = leg;
            }
        }
        best.mode
    }

    fn has_main_mode_tie(&self) -> bool {
        let longest = self.legs.iter().map(|l| l.distance_m).max().unwrap_or(0);
        self.legs.iter().filter(|l| l.distance_m == longest).count() > 1
    }

    fn to_json(&self) -> Value {
        let mut trip = json!({
            "participant": self.participant,
            "date": self.date,
            "direction": self.direction.as_str(),
        });
        if self.single_form {
            let leg = &self.legs[0];
            trip["mode"] = json!(leg.mode);
            trip["distance_km"] = km(leg.distance_m);
            if let Some(p) = leg.passengers {
                trip["passengers"] = json!(p);
            }
        } else {
            let legs: Vec<Value> = self
                .legs
                .iter()
                .map(|leg| {
                    let mut l = json!({ "mode": leg.mode, "distance_km": km(leg.distance_m) });
                    if let Some(p) = leg.passengers {
                        l["passengers"] = json!(p);
                    }
                    l
                })
                .collect();
            trip["legs"] = json!(legs);
        }
        if let Some(b) = &self.baseline {
            let mut baseline = json!({ "mode": b.mode });
            if let Some(d) = b.distance_m {
                baseline["distance_km"] = km(d);
            }
            if let Some(p) = b.passengers {
                baseline["passengers"] = json!(p);
            }
            trip["baseline"] = baseline;
        }
        trip
    }
}

/// A request body as sent, kept for exact re-sends.
struct Batch {
    organization: usize,
    csv: bool,
    body: Vec<u8>,
    trips: Vec<Trip>,
}

impl Batch {
    fn json(organization: usize, trips: Vec<Trip>) -> Self {
        let body = json!({ "trips": trips.iter().map(Trip::to_json).collect::<Vec<_>>() });
        Self {
            organization,
            csv: false,
            body: serde_json::to_vec(&body).unwrap(),
            trips,
        }
    }

    /// Single-leg trips as CSV; the optional columns only when a trip needs them.
    fn csv(organization: usize, trips: Vec<Trip>) -> Self {
        let optional = trips
            .iter()
            .any(|t| t.legs[0].passengers.is_some() || t.baseline.is_some());
        let mut text = String::from("participant,date,direction,mode,distance_km");
        if optional {
            text.push_str(",passengers,baseline_mode");
        }
        text.push('\n');
        for trip in &trips {
            let leg = &trip.legs[0];
            text.push_str(&format!(
                "{},{},{},{},{}.{:03}",
                trip.participant,
                trip.date,
                trip.direction.as_str(),
                leg.mode,
                leg.distance_m / 1000,
                leg.distance_m % 1000
            ));
            if optional {
                let passengers = leg.passengers.map(|p| p.to_string()).unwrap_or_default();
                let baseline = trip.baseline.as_ref().map(|b| b.mode).unwrap_or_default();
                text.push_str(&format!(",{passengers},{baseline}"));
            }
            text.push('\n');
        }
        Self {
            organization,
            csv: true,
            body: text.into_bytes(),
            trips,
        }
    }
}

/// Kilometres as a JSON number, from whole metres.
fn km(metres: i64) -> Value {
    json!(metres as f64 / 1000.0)
}

// ---------------------------------------------------------------------------------------------
// Independent recomputation from the factor set
// ---------------------------------------------------------------------------------------------

/// The campaign's factors as `GET /v1/factor-sets/cn-2022` publishes them (on the default,
/// national grid, which a campaign without a region uses).
struct Factors {
    /// `co2e_g_per_km` in whole micrograms: the response gives it at full precision, and the
    /// service holds factors to the microgram, so `g × 10⁶` is an integer.
    ug_per_km: HashMap<String, i64>,
    per_vehicle: HashSet<String>,
    baseline_mode: String,
}

/// What a trip's amounts must be.
struct Expected {
    legs: Vec<i64>,
    co2e_g: i64,
    baseline_mode: String,
    baseline_distance_m: i64,
    baseline_co2e_g: i64,
}

fn round_half_away(numerator: i128, denominator: i128) -> i128 {
    let quotient = numerator / denominator;
    let remainder = numerator % denominator;
    if 2 * remainder.abs() >= denominator {
        quotient + numerator.signum()
    } else {
        quotient
    }
}

/// `savings_g ÷ participants`, rounded half away from zero; 0 without participants.
fn per_participant(savings_g: i64, participants: i64) -> i64 {
    if participants == 0 {
        0
    } else {
        round_half_away(i128::from(savings_g), i128::from(participants)) as i64
    }
}

impl Factors {
    fn fetch(app: &TestApp, baseline_mode: &str) -> Self {
        let set = app.get("/v1/factor-sets/cn-2022");
        set.assert_status(200);
        let set = set.json();
        let mut ug_per_km = HashMap::new();
        let mut per_vehicle = HashSet::new();
        for mode in set["modes"].as_array().expect("modes[]") {
            let id = mode["mode"].as_str().unwrap().to_owned();
            let g_per_km = mode["co2e_g_per_km"]
                .as_f64()
                .expect("co2e_g_per_km is a number");
            let ug = (g_per_km * 1e6).round();
            assert!(
                (ug / 1e6 - g_per_km).abs() <= f64::EPSILON * g_per_km.abs().max(1.0) * 4.0,
                "{id}: {g_per_km} g/km is not held to the microgram"
            );
            ug_per_km.insert(id.clone(), ug as i64);
            if mode["basis"] == "vehicle_km" {
                per_vehicle.insert(id);
            }
        }
        for (mode, _, _) in MODES {
            assert!(ug_per_km.contains_key(mode), "cn-2022 lacks `{mode}`");
        }
        Self {
            ug_per_km,
            per_vehicle,
            baseline_mode: baseline_mode.to_owned(),
        }
    }

    fn is_per_vehicle(&self, mode: &str) -> bool {
        self.per_vehicle.contains(mode)
    }

    /// round_half_away_from_zero(distance_km × co2e_g_per_km ÷ passengers), computed exactly
    /// in metres and micrograms.
    fn leg_grams(&self, mode: &str, distance_m: i64, passengers: Option<u8>) -> i64 {
        let ug = self.ug_per_km[mode];
        let sharers = if self.is_per_vehicle(mode) {
            i128::from(passengers.unwrap_or(1))
        } else {
            1
        };
        round_half_away(
            i128::from(distance_m) * i128::from(ug),
            1_000 * 1_000_000 * sharers,
        ) as i64
    }

    fn expected(&self, trip: &Trip) -> Expected {
        let k = trip.direction.multiplier();
        let legs: Vec<i64> = trip
            .legs
            .iter()
            .map(|l| self.leg_grams(l.mode, l.distance_m * k, l.passengers))
            .collect();
        let baseline_mode = trip
            .baseline
            .as_ref()
            .map_or(self.baseline_mode.clone(), |b| b.mode.to_owned());
        let baseline_distance_m = trip
            .baseline
            .as_ref()
            .and_then(|b| b.distance_m)
            .map_or(trip.distance_m(), |d| d * k);
        let baseline_passengers = trip.baseline.as_ref().and_then(|b| b.passengers);
        Expected {
            co2e_g: legs.iter().sum(),
            legs,
            baseline_co2e_g: self.leg_grams(
                &baseline_mode,
                baseline_distance_m,
                baseline_passengers,
            ),
            baseline_mode,
            baseline_distance_m,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The model: what must be stored
// ---------------------------------------------------------------------------------------------

#[derive(Clone, Debug)]
struct Stored {
    id: i64,
    organization: usize,
    trip: Trip,
    co2e_g: i64,
    baseline_co2e_g: i64,
    savings_g: i64,
    /// The request (counting re-sends) that stored it.
    request: usize,
    /// The batch whose body carried it.
    batch: usize,
}

#[derive(Default)]
struct Model {
    trips: BTreeMap<i64, Stored>,
    /// Trip ids by (organization, participant, date).
    slots: HashMap<(usize, String, String), BTreeSet<i64>>,
    /// Trips whose amounts differ from the independent recomputation.
    mismatches: Vec<String>,
}

impl Model {
    fn occupants(&self, organization: usize, trip: &Trip) -> Vec<&Stored> {
        let key = (organization, trip.participant.clone(), trip.date.clone());
        self.slots
            .get(&key)
            .into_iter()
            .flatten()
            .map(|id| &self.trips[id])
            .filter(|s| s.trip.direction.overlaps(trip.direction))
            .collect()
    }

    fn insert(&mut self, stored: Stored) {
        let key = (
            stored.organization,
            stored.trip.participant.clone(),
            stored.trip.date.clone(),
        );
        self.slots.entry(key).or_default().insert(stored.id);
        let id = stored.id;
        assert!(
            self.trips.insert(id, stored).is_none(),
            "trip id {id} was given to a new trip while another trip holds it"
        );
    }

    fn remove(&mut self, id: i64) -> Stored {
        let stored = self.trips.remove(&id).expect("a stored trip");
        let key = (
            stored.organization,
            stored.trip.participant.clone(),
            stored.trip.date.clone(),
        );
        self.slots.get_mut(&key).unwrap().remove(&id);
        stored
    }
}

/// Exact sums over stored trips.
#[derive(Default, Clone)]
struct Sums {
    trips: i64,
    participants: BTreeSet<(usize, String)>,
    distance_m: i64,
    co2e_g: i64,
    baseline_co2e_g: i64,
    savings_g: i64,
}

impl Sums {
    fn over<'a>(trips: impl IntoIterator<Item = &'a Stored>) -> Self {
        let mut sums = Self::default();
        for s in trips {
            sums.trips += 1;
            sums.participants
                .insert((s.organization, s.trip.participant.clone()));
            sums.distance_m += s.trip.distance_m();
            sums.co2e_g += s.co2e_g;
            sums.baseline_co2e_g += s.baseline_co2e_g;
            sums.savings_g += s.savings_g;
        }
        sums
    }

    fn participants(&self) -> i64 {
        self.participants.len() as i64
    }

    fn savings_per_participant_g(&self) -> i64 {
        per_participant(self.savings_g, self.participants())
    }
}

// ---------------------------------------------------------------------------------------------
// Comparing responses with expectations
// ---------------------------------------------------------------------------------------------

/// Every field of `expected` must be in `actual` with the same value (extra fields are allowed);
/// floats (distances) agree to a millionth of a km.
fn differences(actual: &Value, expected: &Value, path: &str, out: &mut Vec<String>) {
    match expected {
        Value::Object(fields) => {
            for (name, value) in fields {
                match actual.get(name) {
                    Some(a) => differences(a, value, &format!("{path}.{name}"), out),
                    None => out.push(format!("{path}.{name}: missing (expected {value})")),
                }
            }
        }
        Value::Array(items) => match actual.as_array() {
            Some(a) if a.len() == items.len() => {
                for (i, (a, e)) in a.iter().zip(items).enumerate() {
                    differences(a, e, &format!("{path}[{i}]"), out);
                }
            }
            _ => out.push(format!(
                "{path}: expected {} items {expected}, got {actual}",
                items.len()
            )),
        },
        Value::Number(n) if n.is_f64() => {
            let e = n.as_f64().unwrap();
            match actual.as_f64() {
                Some(a) if (a - e).abs() <= 1e-6 => {}
                _ => out.push(format!("{path}: expected {expected}, got {actual}")),
            }
        }
        _ => {
            if actual != expected {
                out.push(format!("{path}: expected {expected}, got {actual}"));
            }
        }
    }
}

#[track_caller]
fn assert_matches(actual: &Value, expected: &Value, context: &str) {
    let mut out = Vec::new();
    differences(actual, expected, "", &mut out);
    assert!(
        out.is_empty(),
        "{context}: {} difference(s):\n  {}\nactual: {actual}",
        out.len(),
        out.join("\n  ")
    );
}

/// Adds `extras` to `expected` where the response carries them: fields beyond the contract's are
/// allowed, but if present they must be right.
fn with_extras(mut expected: Value, actual: &Value, extras: &[(&str, Value)]) -> Value {
    for (name, value) in extras {
        if actual.get(*name).is_some() {
            expected[*name] = value.clone();
        }
    }
    expected
}

/// An array of objects keyed by `key`, each key once.
#[track_caller]
fn keyed<'a>(list: &'a Value, key: &str, context: &str) -> BTreeMap<String, &'a Value> {
    let items = list
        .as_array()
        .unwrap_or_else(|| panic!("{context}: not an array: {list}"));
    let mut map = BTreeMap::new();
    for item in items {
        let k = item[key]
            .as_str()
            .unwrap_or_else(|| panic!("{context}: `{key}` is not a string in {item}"))
            .to_owned();
        assert!(
            map.insert(k.clone(), item).is_none(),
            "{context}: `{k}` appears twice in {list}"
        );
    }
    map
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

// ---------------------------------------------------------------------------------------------
// The scenario
// ---------------------------------------------------------------------------------------------

struct Organization {
    spec: &'static OrganizationSpec,
    key: String,
}

struct Scenario {
    app: TestApp,
    rng: Rng,
    organizations: Vec<Organization>,
    factors: Factors,
    model: Model,
    /// Every batch body sent (re-sends are of these).
    batches: Vec<Batch>,
    /// Logging requests made, re-sends included.
    requests: usize,
    /// Trips sent, re-sends included.
    trips_sent: usize,
    stats: BTreeMap<&'static str, usize>,
    /// The batches that carried the deleted trips.
    deleted_batches: Vec<usize>,
}

impl Scenario {
    fn start(seed: u64) -> Self {
        let app = TestApp::spawn();
        let campaign = app.post_json_as(
            ADMIN_TOKEN,
            "/v1/campaigns",
            &json!({
                "id": CAMPAIGN,
                "name": "Green Commuting Fortnight 2026",
                "starts_on": "2026-06-01",
                "ends_on": "2026-06-14",
                "factor_set": "cn-2022",
            }),
        );
        campaign.assert_status(201);
        let campaign = campaign.json();
        assert_eq!(
            campaign["region"],
            Value::Null,
            "the campaign has no region: {campaign}"
        );
        let baseline_mode = campaign["baseline_mode"]
            .as_str()
            .expect("the campaign shows its baseline mode")
            .to_owned();
        let factors = Factors::fetch(&app, &baseline_mode);
        let organizations = ORGANIZATIONS
            .iter()
            .map(|spec| {
                app.post_json_as(
                    ADMIN_TOKEN,
                    "/v1/organizations",
                    &json!({ "id": spec.id, "name": spec.name, "kind": spec.kind, "city": "Beijing" }),
                )
                .assert_status(201);
                if spec.enrolled {
                    app.send_json_as(
                        ADMIN_TOKEN,
                        "PUT",
                        &format!("/v1/campaigns/{CAMPAIGN}/organizations/{}", spec.id),
                        &json!(null),
                    )
                    .assert_status(204);
                }
                let key = app.post_json_as(
                    ADMIN_TOKEN,
                    &format!("/v1/organizations/{}/keys", spec.id),
                    &json!(null),
                );
                key.assert_status(201);
                Organization {
                    spec,
                    key: key.json()["key"].as_str().expect("a key").to_owned(),
                }
            })
            .collect();
        Self {
            app,
            rng: Rng(seed),
            organizations,
            factors,
            model: Model::default(),
            batches: Vec::new(),
            requests: 0,
            trips_sent: 0,
            stats: BTreeMap::new(),
            deleted_batches: Vec::new(),
        }
    }

    fn count(&mut self, what: &'static str, n: usize) {
        *self.stats.entry(what).or_default() += n;
    }

    fn stat(&self, what: &str) -> usize {
        self.stats.get(what).copied().unwrap_or(0)
    }

    fn enrolled(&self) -> Vec<usize> {
        (0..self.organizations.len())
            .filter(|&i| self.organizations[i].spec.enrolled)
            .collect()
    }

    fn post(&self, key: &str, batch: &Batch) -> Response {
        let auth = format!("Bearer {key}");
        let content_type = if batch.csv {
            "text/csv"
        } else {
            "application/json"
        };
        self.app.request(
            "POST",
            &format!("/v1/campaigns/{CAMPAIGN}/trips"),
            &[("Content-Type", content_type), ("Authorization", &auth)],
            &batch.body,
        )
    }

    fn delete(&self, token: &str, id: i64) -> Response {
        let auth = format!("Bearer {token}");
        self.app.request(
            "DELETE",
            &format!("/v1/campaigns/{CAMPAIGN}/trips/{id}"),
            &[("Authorization", &auth)],
            b"",
        )
    }

    fn check_an_organization_not_enrolled_cannot_log(&mut self) {
        let outsider = self
            .organizations
            .iter()
            .position(|o| !o.spec.enrolled)
            .unwrap();
        for csv in [false, true] {
            let trips = (0..3).map(|_| self.random_trip(outsider, csv)).collect();
            let batch = if csv {
                Batch::csv(outsider, trips)
            } else {
                Batch::json(outsider, trips)
            };
            self.post(&self.organizations[outsider].key, &batch)
                .problem(403);
        }
        self.verify("after an organization that is not enrolled tried to log");
    }

    /// A JSON and a CSV batch, each with three invalid trips among valid ones: 422 naming every
    /// bad row, and nothing stored (checked by the next verify).
    fn check_a_batch_with_invalid_trips_stores_nothing(&mut self) {
        let organization = self.enrolled()[0];
        let bad_rows = [7, 23, 41];
        for csv in [false, true] {
            let mut trips: Vec<Trip> = (0..50)
                .map(|_| self.random_trip(organization, csv))
                .collect();
            trips[bad_rows[0]].date = "2026-06-15".into();
            trips[bad_rows[1]].legs[0].mode = "hovercraft";
            trips[bad_rows[2]].legs[0].distance_m = 0;
            let batch = if csv {
                Batch::csv(organization, trips)
            } else {
                Batch::json(organization, trips)
            };
            let problem = self
                .post(&self.organizations[organization].key, &batch)
                .problem(422);
            let fields: Vec<String> = problem["errors"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["field"].as_str().unwrap_or("").to_owned())
                .collect();
            for row in bad_rows {
                let prefix = if csv {
                    format!("line {}", row + 2)
                } else {
                    format!("trips[{row}]")
                };
                assert!(
                    fields.iter().any(|f| f.starts_with(&prefix)),
                    "the 422 names {prefix}: {problem}"
                );
            }
            assert!(
                fields.len() == bad_rows.len(),
                "the 422 names the bad rows and no other: {problem}"
            );
            self.count("rejected batches", 1);
        }
    }

    // --- generating trips ---

    fn random_mode(&mut self, organization: usize, allow_telework: bool) -> &'static str {
        let car_heavy = self.organizations[organization].spec.car_heavy;
        let weight = |&(mode, ordinary, heavy): &(&str, u64, u64)| {
            if mode == "telework" && !allow_telework {
                0
            } else if car_heavy {
                heavy
            } else {
                ordinary
            }
        };
        let total: u64 = MODES.iter().map(weight).sum();
        let mut roll = self.rng.between(0, total - 1);
        for entry in &MODES {
            let w = weight(entry);
            if roll < w {
                return entry.0;
            }
            roll -= w;
        }
        unreachable!()
    }

    fn random_distance_m(&mut self, mode: &str) -> i64 {
        let (low_km, high_km) = match mode {
            "walk" => (0.2, 6.0),
            "bicycle" => (0.5, 20.0),
            "e_bike" | "e_scooter" => (1.0, 25.0),
            "bus" | "taxi" => (1.0, 35.0),
            "metro" | "motorcycle" => (2.0, 40.0),
            "rail" => (5.0, 90.0),
            _ => (2.0, 60.0),
        };
        self.rng
            .between((low_km * 1000.0) as u64, (high_km * 1000.0) as u64) as i64
    }

    /// Car-pools: 2–4 travellers most of the time a per-vehicle mode is used.
    fn random_passengers(&mut self, mode: &str) -> Option<u8> {
        if !self.factors.is_per_vehicle(mode) || self.rng.percent(30) {
            None
        } else if self.rng.percent(25) {
            Some(1)
        } else {
            Some(self.rng.between(2, 4) as u8)
        }
    }

    fn random_leg(&mut self, organization: usize, allow_telework: bool) -> Leg {
        let mode = self.random_mode(organization, allow_telework);
        Leg {
            mode,
            distance_m: self.random_distance_m(mode),
            passengers: self.random_passengers(mode),
        }
    }

    fn random_legs(&mut self, organization: usize, csv: bool) -> Vec<Leg> {
        let count = if csv {
            1
        } else {
            match self.rng.between(0, 99) {
                0..=59 => 1,
                60..=79 => 2,
                80..=91 => 3,
                _ => 4,
            }
        };
        if count == 1 {
            return vec![self.random_leg(organization, true)];
        }
        let mut legs: Vec<Leg> = Vec::with_capacity(count);
        for _ in 0..count {
            let mut leg = self.random_leg(organization, false);
            // Ties for the longest leg: the main mode is the first such leg's.
            if !legs.is_empty() && self.rng.percent(15) {
                let longest = legs.iter().map(|l| l.distance_m).max().unwrap();
                let limit = if leg.mode == "walk" { 50_000 } else { 150_000 };
                if longest <= limit {
                    leg.distance_m = longest;
                }
            }
            legs.push(leg);
        }
        legs
    }

    fn random_baseline(&mut self, organization: usize, csv: bool) -> Option<Baseline> {
        let car_heavy = self.organizations[organization].spec.car_heavy;
        if !self.rng.percent(if car_heavy { 80 } else { 30 }) {
            return None;
        }
        let mode = if car_heavy && self.rng.percent(85) {
            *self.rng.pick(&["walk", "bus", "e_bike"])
        } else {
            *self.rng.pick(&BASELINE_MODES)
        };
        if csv {
            return Some(Baseline {
                mode,
                distance_m: None,
                passengers: None,
            });
        }
        let distance_m = self
            .rng
            .percent(30)
            .then(|| self.rng.between(1_000, 30_000) as i64);
        let passengers = (self.factors.is_per_vehicle(mode) && self.rng.percent(30))
            .then(|| self.rng.between(1, 4) as u8);
        Some(Baseline {
            mode,
            distance_m,
            passengers,
        })
    }

    fn random_trip(&mut self, organization: usize, csv: bool) -> Trip {
        let participant = format!(
            "emp-{:03}",
            self.rng.between(1, PARTICIPANTS_PER_ORGANIZATION)
        );
        let date = format!("2026-06-{:02}", self.rng.between(1, DAYS));
        let direction = match self.rng.between(0, 9) {
            0..=3 => Direction::ToWork,
            4..=6 => Direction::FromWork,
            _ => Direction::RoundTrip,
        };
        let legs = self.random_legs(organization, csv);
        let single_form = !csv && legs.len() == 1 && self.rng.percent(50);
        Trip {
            participant,
            date,
            direction,
            legs,
            baseline: self.random_baseline(organization, csv),
            single_form,
        }
    }

    /// A new batch with duplicates inside it: exact copies of earlier trips, and trips of the
    /// same participant and day in another direction (a round trip against a one-way trip is a
    /// duplicate either way round; `to_work` and `from_work` are two trips).
    fn random_batch(&mut self) -> Batch {
        let enrolled = self.enrolled();
        let organization = *self.rng.pick(&enrolled);
        let csv = self.rng.percent(25);
        let size = match self.rng.between(0, 99) {
            0..=14 => self.rng.between(1, 5),
            15..=59 => self.rng.between(20, 150),
            60..=89 => self.rng.between(150, 400),
            _ => self.rng.between(600, 1_000),
        } as usize;
        let mut trips: Vec<Trip> = Vec::with_capacity(size);
        while trips.len() < size {
            let roll = self.rng.between(0, 99);
            let trip = if !trips.is_empty() && roll < 6 {
                trips[self.rng.index(trips.len())].clone()
            } else if !trips.is_empty() && roll < 14 {
                let earlier = trips[self.rng.index(trips.len())].clone();
                let mut trip = self.random_trip(organization, csv);
                trip.participant = earlier.participant;
                trip.date = earlier.date;
                trip.direction = match earlier.direction {
                    Direction::RoundTrip => {
                        *self.rng.pick(&[Direction::ToWork, Direction::FromWork])
                    }
                    Direction::ToWork if self.rng.percent(50) => Direction::FromWork,
                    Direction::FromWork if self.rng.percent(50) => Direction::ToWork,
                    _ => Direction::RoundTrip,
                };
                trip
            } else {
                self.random_trip(organization, csv)
            };
            trips.push(trip);
        }
        if csv {
            Batch::csv(organization, trips)
        } else {
            Batch::json(organization, trips)
        }
    }

    /// Logs trips of one or two new participants into `organization` so that `savings_g ÷
    /// participants` of the organization (or of the whole campaign) lies exactly half-way between
    /// two whole grams, where rounding half away from zero matters.
    fn log_half_way(&mut self, organization: usize, campaign_wide: bool) {
        let sums = Sums::over(
            self.model
                .trips
                .values()
                .filter(|s| campaign_wide || s.organization == organization),
        );
        let extra = if sums.participants() % 2 == 1 { 1 } else { 2 };
        let participants = sums.participants() + extra;
        let distance_m = (1_000..=50_000)
            .find(|&d| {
                let savings = sums.savings_g + self.factors.leg_grams("bus", d, None);
                2 * (savings % participants).abs() == participants
            })
            .expect("a bus baseline distance that lands half-way");
        let trip = |n: usize, baseline: Baseline| Trip {
            participant: format!("half-way-{}-{n}", self.requests),
            date: "2026-06-14".into(),
            direction: Direction::ToWork,
            legs: vec![Leg {
                mode: "walk",
                distance_m: 1_000,
                passengers: None,
            }],
            baseline: Some(baseline),
            single_form: true,
        };
        let mut trips = vec![trip(
            0,
            Baseline {
                mode: "bus",
                distance_m: Some(distance_m),
                passengers: None,
            },
        )];
        if extra == 2 {
            trips.push(trip(
                1,
                Baseline {
                    mode: "walk",
                    distance_m: None,
                    passengers: None,
                },
            ));
        }
        self.batches.push(Batch::json(organization, trips));
        let accepted = self.send(self.batches.len() - 1);
        assert_eq!(accepted, extra as usize);
        let sums = Sums::over(
            self.model
                .trips
                .values()
                .filter(|s| campaign_wide || s.organization == organization),
        );
        assert_eq!(
            2 * (sums.savings_g % sums.participants()).abs(),
            sums.participants()
        );
        self.count(
            if sums.savings_g < 0 {
                "savings per participant half-way, negative"
            } else {
                "savings per participant half-way, positive"
            },
            1,
        );
    }

    // --- logging ---

    /// Sends batch `index`, checks every entry of the 201 against the model and returns how
    /// many trips were stored.
    fn send(&mut self, index: usize) -> usize {
        let request = self.requests;
        self.requests += 1;
        let batch = &self.batches[index];
        let organization = batch.organization;
        let response = self.post(&self.organizations[organization].key, batch);
        response.assert_status(201);
        let body = response.json();
        let entries = body["trips"].as_array().expect("trips[]").clone();
        let trips = self.batches[index].trips.clone();
        let csv = self.batches[index].csv;
        assert_eq!(
            entries.len(),
            trips.len(),
            "one entry per trip, in request order"
        );
        self.trips_sent += trips.len();
        self.count(if csv { "CSV requests" } else { "JSON requests" }, 1);
        let (mut accepted, mut duplicates) = (0, 0);
        for (i, (trip, entry)) in trips.into_iter().zip(entries).enumerate() {
            let context = format!(
                "request {request} (batch {index}, {}), trip {i}: {} {} {}",
                if csv { "CSV" } else { "JSON" },
                trip.participant,
                trip.date,
                trip.direction.as_str()
            );
            assert_eq!(entry["participant"], trip.participant.as_str(), "{context}");
            assert_eq!(entry["date"], trip.date.as_str(), "{context}");
            let id = entry["id"]
                .as_i64()
                .unwrap_or_else(|| panic!("{context}: id in {entry}"));
            let amounts = |e: &Value| {
                (
                    e["co2e_g"].as_i64().unwrap(),
                    e["baseline_co2e_g"].as_i64().unwrap(),
                    e["savings_g"].as_i64().unwrap(),
                )
            };
            let occupants = self.model.occupants(organization, &trip);
            if !occupants.is_empty() {
                duplicates += 1;
                assert_eq!(
                    entry["duplicate"],
                    true,
                    "{context}: the slot is taken by {:?}: {entry}",
                    occupants.iter().map(|s| s.id).collect::<Vec<_>>()
                );
                let stored = occupants.iter().find(|s| s.id == id).unwrap_or_else(|| {
                    panic!(
                        "{context}: the duplicate names trip {id}, but the slot is held by {:?}",
                        occupants.iter().map(|s| s.id).collect::<Vec<_>>()
                    )
                });
                assert_eq!(
                    entry["direction"],
                    stored.trip.direction.as_str(),
                    "{context}: a duplicate shows the stored trip's direction"
                );
                assert_eq!(
                    amounts(&entry),
                    (stored.co2e_g, stored.baseline_co2e_g, stored.savings_g),
                    "{context}: a duplicate shows the stored trip's values"
                );
                let reason = match (stored.trip.direction, trip.direction) {
                    (Direction::RoundTrip, Direction::RoundTrip) => "duplicates: same direction",
                    (Direction::RoundTrip, _) => "duplicates: one-way trip after a round trip",
                    (_, Direction::RoundTrip) => "duplicates: round trip after a one-way trip",
                    _ => "duplicates: same direction",
                };
                let when = if stored.request == request {
                    "duplicates: inside one batch"
                } else {
                    "duplicates: of an earlier request"
                };
                self.count(reason, 1);
                self.count(when, 1);
            } else {
                accepted += 1;
                assert_eq!(
                    entry["duplicate"], false,
                    "{context}: the slot is free: {entry}"
                );
                assert_eq!(entry["direction"], trip.direction.as_str(), "{context}");
                let (co2e_g, baseline_co2e_g, savings_g) = amounts(&entry);
                assert_eq!(
                    savings_g,
                    baseline_co2e_g - co2e_g,
                    "{context}: savings = baseline − trip"
                );
                let expected = self.factors.expected(&trip);
                self.count("trips recomputed independently", 1);
                if (co2e_g, baseline_co2e_g) != (expected.co2e_g, expected.baseline_co2e_g) {
                    self.model.mismatches.push(format!(
                        "{context}: service co2e_g {co2e_g} baseline_co2e_g {baseline_co2e_g}, \
                         recomputed {} (legs {:?}) and {} ({} over {} m) for {}",
                        expected.co2e_g,
                        expected.legs,
                        expected.baseline_co2e_g,
                        expected.baseline_mode,
                        expected.baseline_distance_m,
                        trip.to_json()
                    ));
                }
                self.count_shape(&trip, savings_g);
                self.model.insert(Stored {
                    id,
                    organization,
                    trip,
                    co2e_g,
                    baseline_co2e_g,
                    savings_g,
                    request,
                    batch: index,
                });
            }
        }
        assert_eq!(body["accepted"], accepted, "request {request}: accepted");
        assert_eq!(
            body["duplicates"], duplicates,
            "request {request}: duplicates"
        );
        accepted
    }

    fn count_shape(&mut self, trip: &Trip, savings_g: i64) {
        if trip.legs.len() > 1 {
            self.count("stored: multi-leg trips", 1);
        }
        if trip.has_main_mode_tie() {
            self.count("stored: trips with a tie for the longest leg", 1);
        }
        if trip
            .legs
            .iter()
            .any(|l| l.passengers.is_some_and(|p| p > 1))
        {
            self.count("stored: car-pools", 1);
        }
        if trip.baseline.is_some() {
            self.count("stored: explicit baselines", 1);
        }
        if trip.direction == Direction::RoundTrip {
            self.count("stored: round trips", 1);
        }
        if savings_g < 0 {
            self.count("stored: negative savings", 1);
        }
    }

    /// Sends new batches, and now and then an exact re-send of an earlier one, until `total`
    /// trips have been sent.
    fn log_until(&mut self, total: usize) {
        while self.trips_sent < total {
            if !self.batches.is_empty() && self.rng.percent(12) {
                let index = self.rng.index(self.batches.len());
                self.count("re-sent requests", 1);
                self.send(index);
            } else {
                let batch = self.random_batch();
                self.batches.push(batch);
                self.send(self.batches.len() - 1);
                if self.batches.len() == 1 {
                    self.count("re-sent requests", 1);
                    self.send(0);
                }
            }
        }
    }

    /// Deletes `count` random trips, by their organization or by the admin; another
    /// organization's key cannot delete them.
    fn delete_some(&mut self, count: usize) {
        let enrolled = self.enrolled();
        let mut ids: Vec<i64> = self.model.trips.keys().copied().collect();
        for i in 0..ids.len() {
            let j = i + self.rng.index(ids.len() - i);
            ids.swap(i, j);
        }
        // The newest trip goes last, so that the next trip logged comes right after its deletion.
        let newest = ids
            .iter()
            .position(|id| Some(id) == self.model.trips.keys().last());
        ids.swap(newest.unwrap(), count - 1);
        let (victims, survivors) = ids.split_at(count);

        // Another organization's key: 404, and the trip stays (checked by the next verify).
        for &id in survivors.iter().take(5).chain(victims.iter().take(5)) {
            let owner = self.model.trips[&id].organization;
            let other = *enrolled.iter().find(|&&o| o != owner).unwrap();
            self.delete(&self.organizations[other].key, id).problem(404);
            self.count("deletes refused to another organization", 1);
        }
        for (n, &id) in victims.iter().enumerate() {
            let owner = self.model.trips[&id].organization;
            let by_admin = n % 3 == 0;
            let token = if by_admin {
                ADMIN_TOKEN.to_owned()
            } else {
                self.organizations[owner].key.clone()
            };
            let response = self.delete(&token, id);
            response.assert_status(204);
            assert!(
                response.body.is_empty(),
                "204 has no body: {}",
                response.text()
            );
            let removed = self.model.remove(id);
            self.deleted_batches.push(removed.batch);
            self.count(
                if by_admin {
                    "deleted by the admin"
                } else {
                    "deleted by their organization"
                },
                1,
            );
            if n < 3 {
                self.delete(&token, id).problem(404);
            }
        }
    }

    /// Re-sends the batch that carried the first deleted trip: that trip is stored anew, the
    /// batch's other trips are duplicates.
    fn resend_a_batch_with_deleted_trips(&mut self) {
        let index = self.deleted_batches[0];
        self.count("re-sent requests", 1);
        let accepted = self.send(index);
        assert!(accepted >= 1, "a deleted trip's slot is free again");
    }
}

// ---------------------------------------------------------------------------------------------
// Checking every figure against the model
// ---------------------------------------------------------------------------------------------

impl Scenario {
    fn verify(&self, stage: &str) {
        self.verify_trip_list(stage);
        self.verify_summary(stage);
        self.verify_leaderboards(stage);
        for organization in self.enrolled() {
            self.verify_organization_summary(organization, stage);
        }
    }

    /// `GET /v1/campaigns/{c}/trips` as the admin, page by page, equals the model.
    fn verify_trip_list(&self, stage: &str) {
        const PAGE: usize = 397;
        let mut listed: BTreeMap<i64, Value> = BTreeMap::new();
        let mut cursor: Option<String> = None;
        let mut pages = 0;
        loop {
            let mut path = format!("/v1/campaigns/{CAMPAIGN}/trips?limit={PAGE}");
            if let Some(c) = &cursor {
                path.push_str(&format!("&cursor={}", query_value(c)));
            }
            let page = self.app.get_as(ADMIN_TOKEN, &path);
            page.assert_status(200);
            let page = page.json();
            for trip in page["trips"].as_array().expect("trips[]") {
                let id = trip["id"].as_i64().expect("an id");
                assert!(
                    listed.insert(id, trip.clone()).is_none(),
                    "{stage}: trip {id} is listed twice"
                );
            }
            pages += 1;
            match &page["next_cursor"] {
                Value::Null => break,
                Value::String(next) => cursor = Some(next.clone()),
                other => panic!("{stage}: next_cursor is {other}"),
            }
            assert!(
                pages <= self.model.trips.len() / PAGE + 2,
                "{stage}: the trip list does not end"
            );
        }
        let missing: Vec<i64> = self
            .model
            .trips
            .keys()
            .filter(|id| !listed.contains_key(id))
            .copied()
            .collect();
        let unexpected: Vec<i64> = listed
            .keys()
            .filter(|id| !self.model.trips.contains_key(id))
            .copied()
            .collect();
        assert!(
            missing.is_empty() && unexpected.is_empty(),
            "{stage}: the admin lists {} trips, the model holds {}; missing {missing:?}, not expected {unexpected:?}",
            listed.len(),
            self.model.trips.len()
        );
        for (id, stored) in &self.model.trips {
            assert_matches(
                &listed[id],
                &self.expected_listed(stored),
                &format!("{stage}: listed trip {id}"),
            );
        }
    }

    fn expected_listed(&self, s: &Stored) -> Value {
        let k = s.trip.direction.multiplier();
        let expected = self.factors.expected(&s.trip);
        // Leg grams are compared only where the trip's total agrees with the recomputation;
        // disagreements are reported once, at the end, with the trip.
        let agrees = expected.co2e_g == s.co2e_g;
        let legs: Vec<Value> = s
            .trip
            .legs
            .iter()
            .zip(&expected.legs)
            .map(|(leg, grams)| {
                let passengers = if self.factors.is_per_vehicle(leg.mode) {
                    json!(leg.passengers.unwrap_or(1))
                } else {
                    Value::Null
                };
                let mut l = json!({
                    "mode": leg.mode,
                    "distance_km": km(leg.distance_m * k),
                    "passengers": passengers,
                });
                if agrees {
                    l["co2e_g"] = json!(grams);
                }
                l
            })
            .collect();
        json!({
            "id": s.id,
            "organization_id": self.organizations[s.organization].spec.id,
            "participant": s.trip.participant,
            "date": s.trip.date,
            "direction": s.trip.direction.as_str(),
            "main_mode": s.trip.main_mode(),
            "distance_km": km(s.trip.distance_m()),
            "co2e_g": s.co2e_g,
            "baseline_co2e_g": s.baseline_co2e_g,
            "savings_g": s.savings_g,
            "detail": {
                "legs": legs,
                "baseline": {
                    "mode": expected.baseline_mode,
                    "distance_km": km(expected.baseline_distance_m),
                    "co2e_g": s.baseline_co2e_g,
                },
            },
        })
    }

    fn verify_summary(&self, stage: &str) {
        let context = format!("{stage}: campaign summary");
        let response = self.app.get(&format!("/v1/campaigns/{CAMPAIGN}/summary"));
        response.assert_status(200);
        let actual = response.json();
        let all = Sums::over(self.model.trips.values());
        let enrolled = self.enrolled();
        let expected = json!({
            "campaign_id": CAMPAIGN,
            "trips": all.trips,
            "participants": all.participants(),
            "organizations": enrolled.len(),
            "distance_km": km(all.distance_m),
            "co2e_g": all.co2e_g,
            "baseline_co2e_g": all.baseline_co2e_g,
            "savings_g": all.savings_g,
            "savings_per_participant_g": all.savings_per_participant_g(),
        });
        assert_matches(&actual, &expected, &context);
        check_by_mode(&actual["by_mode"], self.model.trips.values(), &context);

        let by_kind = keyed(&actual["by_organization_kind"], "kind", &context);
        let mut expected_kinds = Vec::new();
        for kind in KINDS {
            let members: Vec<usize> = enrolled
                .iter()
                .copied()
                .filter(|&o| self.organizations[o].spec.kind == kind)
                .collect();
            if members.is_empty() {
                continue;
            }
            expected_kinds.push(kind.to_owned());
            let sums = Sums::over(
                self.model
                    .trips
                    .values()
                    .filter(|s| members.contains(&s.organization)),
            );
            let Some(entry) = by_kind.get(kind) else {
                continue;
            };
            let expected = with_extras(
                json!({
                    "kind": kind,
                    "organizations": members.len(),
                    "trips": sums.trips,
                    "participants": sums.participants(),
                    "savings_g": sums.savings_g,
                }),
                entry,
                &[
                    ("distance_km", km(sums.distance_m)),
                    ("co2e_g", json!(sums.co2e_g)),
                    ("baseline_co2e_g", json!(sums.baseline_co2e_g)),
                ],
            );
            assert_matches(
                entry,
                &expected,
                &format!("{context}: by_organization_kind {kind}"),
            );
        }
        assert_eq!(
            by_kind.keys().cloned().collect::<BTreeSet<_>>(),
            expected_kinds.into_iter().collect::<BTreeSet<_>>(),
            "{context}: by_organization_kind lists the kinds with enrolled organizations, no other"
        );
    }

    /// Every enrolled organization of `kind`, by the sort key descending, ties by id ascending.
    fn expected_leaderboard(&self, kind: Option<&str>, per_participant: bool) -> Vec<Value> {
        let mut rows: Vec<(&OrganizationSpec, Sums)> = self
            .enrolled()
            .into_iter()
            .filter(|&o| kind.is_none_or(|k| self.organizations[o].spec.kind == k))
            .map(|o| {
                let sums = Sums::over(self.model.trips.values().filter(|s| s.organization == o));
                (self.organizations[o].spec, sums)
            })
            .collect();
        let key = |sums: &Sums| {
            if per_participant {
                sums.savings_per_participant_g()
            } else {
                sums.savings_g
            }
        };
        rows.sort_by(|(a, a_sums), (b, b_sums)| {
            key(b_sums).cmp(&key(a_sums)).then_with(|| a.id.cmp(b.id))
        });
        rows.iter()
            .enumerate()
            .map(|(i, (spec, sums))| {
                json!({
                    "rank": i + 1,
                    "organization": { "id": spec.id, "name": spec.name, "kind": spec.kind },
                    "trips": sums.trips,
                    "participants": sums.participants(),
                    "distance_km": km(sums.distance_m),
                    "co2e_g": sums.co2e_g,
                    "baseline_co2e_g": sums.baseline_co2e_g,
                    "savings_g": sums.savings_g,
                    "savings_per_participant_g": sums.savings_per_participant_g(),
                })
            })
            .collect()
    }

    fn verify_leaderboards(&self, stage: &str) {
        for sort in [None, Some("savings"), Some("savings_per_participant")] {
            for kind in std::iter::once(None).chain(KINDS.iter().copied().map(Some)) {
                let mut params = Vec::new();
                if let Some(sort) = sort {
                    params.push(format!("sort={sort}"));
                }
                if let Some(kind) = kind {
                    params.push(format!("kind={kind}"));
                }
                let query = if params.is_empty() {
                    String::new()
                } else {
                    format!("?{}", params.join("&"))
                };
                let context = format!("{stage}: leaderboard{query}");
                let response = self
                    .app
                    .get(&format!("/v1/campaigns/{CAMPAIGN}/leaderboard{query}"));
                response.assert_status(200);
                let actual = response.json();
                let expected =
                    self.expected_leaderboard(kind, sort == Some("savings_per_participant"));
                assert_matches(&actual, &json!({ "entries": expected }), &context);
                if kind.is_none() || kind == Some("enterprise") {
                    self.check_leaderboard_csv(&query, &actual["entries"], &context);
                }
            }
        }
        let context = format!("{stage}: leaderboard?sort=savings_per_participant&limit=2");
        let response = self.app.get(&format!(
            "/v1/campaigns/{CAMPAIGN}/leaderboard?sort=savings_per_participant&limit=2"
        ));
        response.assert_status(200);
        let expected: Vec<Value> = self
            .expected_leaderboard(None, true)
            .into_iter()
            .take(2)
            .collect();
        assert_matches(&response.json(), &json!({ "entries": expected }), &context);
    }

    /// `leaderboard.csv` holds the JSON leaderboard's entries, one row each under a header row.
    fn check_leaderboard_csv(&self, query: &str, entries: &Value, context: &str) {
        let context = format!("{context} as CSV");
        let response = self
            .app
            .get(&format!("/v1/campaigns/{CAMPAIGN}/leaderboard.csv{query}"));
        response.assert_status(200);
        let content_type = response.header("content-type").unwrap_or("");
        assert!(
            content_type.starts_with("text/csv"),
            "{context}: Content-Type {content_type}"
        );
        let mut reader = csv::Reader::from_reader(response.body.as_slice());
        let headers: Vec<String> = reader
            .headers()
            .unwrap_or_else(|e| panic!("{context}: no header row: {e}"))
            .iter()
            .map(|h| h.trim_start_matches('\u{feff}').to_owned())
            .collect();
        let column = |names: &[&str]| {
            headers
                .iter()
                .position(|h| names.contains(&h.as_str()))
                .unwrap_or_else(|| panic!("{context}: no column {names:?} in {headers:?}"))
        };
        let columns = [
            (column(&["rank"]), "/rank"),
            (
                column(&["organization_id", "organization.id"]),
                "/organization/id",
            ),
            (
                column(&["organization_name", "organization.name", "name"]),
                "/organization/name",
            ),
            (
                column(&["kind", "organization_kind", "organization.kind"]),
                "/organization/kind",
            ),
            (column(&["trips"]), "/trips"),
            (column(&["participants"]), "/participants"),
            (column(&["distance_km"]), "/distance_km"),
            (column(&["co2e_g"]), "/co2e_g"),
            (column(&["baseline_co2e_g"]), "/baseline_co2e_g"),
            (column(&["savings_g"]), "/savings_g"),
            (
                column(&["savings_per_participant_g"]),
                "/savings_per_participant_g",
            ),
        ];
        let rows: Vec<csv::StringRecord> = reader
            .records()
            .collect::<Result<_, _>>()
            .unwrap_or_else(|e| panic!("{context}: not well-formed CSV: {e}\n{}", response.text()));
        let entries = entries.as_array().expect("entries[]");
        assert_eq!(
            rows.len(),
            entries.len(),
            "{context}: one row per entry\n{}",
            response.text()
        );
        for (n, (row, entry)) in rows.iter().zip(entries).enumerate() {
            for (column, pointer) in columns {
                let cell = row.get(column).unwrap_or("");
                let value = entry
                    .pointer(pointer)
                    .expect("the JSON entry has the field");
                let same = match value {
                    Value::String(text) => cell == text,
                    Value::Number(number) if number.is_i64() => {
                        cell.parse::<i64>().ok() == number.as_i64()
                    }
                    Value::Number(number) => cell
                        .parse::<f64>()
                        .is_ok_and(|c| (c - number.as_f64().unwrap()).abs() <= 1e-6),
                    _ => false,
                };
                assert!(
                    same,
                    "{context}: row {n} `{}` is `{cell}`, the JSON entry has {value}\n{}",
                    headers[column],
                    response.text()
                );
            }
        }
    }

    fn verify_organization_summary(&self, organization: usize, stage: &str) {
        let spec = self.organizations[organization].spec;
        let context = format!("{stage}: summary of {}", spec.id);
        let response = self.app.get(&format!(
            "/v1/campaigns/{CAMPAIGN}/organizations/{}/summary",
            spec.id
        ));
        response.assert_status(200);
        let actual = response.json();
        let trips: Vec<&Stored> = self
            .model
            .trips
            .values()
            .filter(|s| s.organization == organization)
            .collect();
        let sums = Sums::over(trips.iter().copied());
        let expected = with_extras(
            json!({
                "campaign_id": CAMPAIGN,
                "trips": sums.trips,
                "participants": sums.participants(),
                "organizations": 1,
                "distance_km": km(sums.distance_m),
                "co2e_g": sums.co2e_g,
                "baseline_co2e_g": sums.baseline_co2e_g,
                "savings_g": sums.savings_g,
                "savings_per_participant_g": sums.savings_per_participant_g(),
            }),
            &actual,
            &[(
                "organization",
                json!({ "id": spec.id, "name": spec.name, "kind": spec.kind }),
            )],
        );
        assert_matches(&actual, &expected, &context);
        check_by_mode(&actual["by_mode"], trips.iter().copied(), &context);

        let mut days: BTreeMap<&str, Vec<&Stored>> = BTreeMap::new();
        for s in &trips {
            days.entry(s.trip.date.as_str()).or_default().push(s);
        }
        let listed = actual["by_day"]
            .as_array()
            .unwrap_or_else(|| panic!("{context}: by_day is not an array: {actual}"));
        let listed_dates: Vec<&str> = listed
            .iter()
            .map(|d| d["date"].as_str().unwrap_or("?"))
            .collect();
        assert_eq!(
            listed_dates,
            days.keys().copied().collect::<Vec<_>>(),
            "{context}: by_day is ascending and leaves out days without trips"
        );
        for (entry, (date, members)) in listed.iter().zip(&days) {
            let sums = Sums::over(members.iter().copied());
            let expected = with_extras(
                json!({ "date": date, "trips": sums.trips, "savings_g": sums.savings_g }),
                entry,
                &[
                    ("distance_km", km(sums.distance_m)),
                    ("co2e_g", json!(sums.co2e_g)),
                    ("baseline_co2e_g", json!(sums.baseline_co2e_g)),
                ],
            );
            assert_matches(entry, &expected, &format!("{context}: by_day {date}"));
        }
    }

    fn report_coverage(&self) {
        eprintln!(
            "{} requests, {} trips sent, {} stored at the end",
            self.requests,
            self.trips_sent,
            self.model.trips.len()
        );
        for (what, n) in &self.stats {
            eprintln!("  {what}: {n}");
        }
        for entry in self.expected_leaderboard(None, false) {
            eprintln!("  leaderboard: {entry}");
        }
        for what in [
            "JSON requests",
            "CSV requests",
            "re-sent requests",
            "duplicates: inside one batch",
            "duplicates: of an earlier request",
            "duplicates: round trip after a one-way trip",
            "duplicates: one-way trip after a round trip",
            "stored: multi-leg trips",
            "stored: trips with a tie for the longest leg",
            "stored: car-pools",
            "stored: explicit baselines",
            "stored: round trips",
            "stored: negative savings",
            "deleted by the admin",
            "deleted by their organization",
            "deletes refused to another organization",
            "savings per participant half-way, negative",
            "savings per participant half-way, positive",
        ] {
            assert!(self.stat(what) > 0, "the scenario never exercised: {what}");
        }
        assert!(self.stat("trips recomputed independently") >= 200);
        assert!(
            self.model.trips.len() >= 2_000,
            "a few thousand trips are stored"
        );
    }
}

/// Figures by main mode: whole trips grouped by the mode of their longest leg; modes without
/// trips left out.
fn check_by_mode<'a>(actual: &Value, trips: impl IntoIterator<Item = &'a Stored>, context: &str) {
    let context = format!("{context}: by_mode");
    let mut groups: BTreeMap<&str, Vec<&Stored>> = BTreeMap::new();
    for s in trips {
        groups.entry(s.trip.main_mode()).or_default().push(s);
    }
    let by_mode = keyed(actual, "mode", &context);
    assert_eq!(
        by_mode.keys().map(String::as_str).collect::<Vec<_>>(),
        groups.keys().copied().collect::<Vec<_>>(),
        "{context}: the main modes of the stored trips, no other"
    );
    for (mode, members) in &groups {
        let sums = Sums::over(members.iter().copied());
        let entry = by_mode[*mode];
        let expected = with_extras(
            json!({
                "mode": mode,
                "trips": sums.trips,
                "distance_km": km(sums.distance_m),
                "co2e_g": sums.co2e_g,
                "savings_g": sums.savings_g,
            }),
            entry,
            &[("baseline_co2e_g", json!(sums.baseline_co2e_g))],
        );
        assert_matches(entry, &expected, &format!("{context} {mode}"));
    }
}
