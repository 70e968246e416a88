//! Property tests: whatever bytes a client sends, the parsers answer without panicking; whatever
//! valid trips are computed, the figures add up; whatever is logged and deleted, the rollups equal
//! the sums over the stored trips (on the backend under test).

mod common;

use std::collections::BTreeMap;

use green_commute::calculator::{estimate, resolve_grid};
use green_commute::config::ServeConfig;
use green_commute::domain::campaign::Direction;
use green_commute::domain::plan::{BaselineSpec, LegSpec, TripPlan};
use green_commute::domain::trip::TripFields;
use green_commute::domain::{Distance, Passengers};
use green_commute::factors::Catalogue;
use green_commute::http::extract::body::parse_json;
use green_commute::http::routes::trips::{TripLogRequest, TripRequest};
use green_commute::import::{read, Format, Options};
use green_commute::service::{
    Caller, LeaderboardQuery, NewCampaign, NewOrganization, Place, Service, TripRow,
};
use green_commute::store::{AnyStore, DatabaseUrl, Store};
use proptest::prelude::*;
use proptest::strategy::ValueTree;

use common::TestDatabase;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn any_bytes_as_a_spreadsheet_upload_are_rows_or_a_problem(
        body in proptest::collection::vec(any::<u8>(), 0..400),
        charset in proptest::option::of(prop_oneof![Just("utf-8"), Just("gb18030"), Just("utf-16le"), Just("nonsense")]),
    ) {
        let set = cn_2023();
        let options = Options { charset, sheet: None };
        let _ = read(&body, Format::Delimited, &options, &set);
        let _ = read(&body, Format::Workbook, &options, &set);
        let mut zipped = b"PK\x03\x04".to_vec();
        zipped.extend_from_slice(&body);
        let _ = read(&zipped, Format::Workbook, &options, &set);
    }

    #[test]
    fn any_text_under_a_valid_header_is_rows_or_a_problem(rows in "[a-z0-9,;\\.\\-/年月日公里上下班往返地铁 \"\\n]{0,300}") {
        let body = format!("participant,date,direction,mode,distance_km,passengers,baseline_mode\n{rows}");
        let _ = read(body.as_bytes(), Format::Delimited, &Options::default(), &cn_2023());
    }

    #[test]
    fn any_bytes_as_a_json_upload_are_trips_or_a_problem(body in proptest::collection::vec(any::<u8>(), 0..400)) {
        if let Ok(request) = parse_json::<TripLogRequest>(&body) {
            for raw in &request.trips.0 {
                if let Ok(trip) = parse_json::<TripRequest>(raw.get().as_bytes()) {
                    let _ = TripFields::from(trip);
                }
            }
        }
    }

    #[test]
    fn any_json_shaped_trip_is_a_trip_or_a_problem(
        participant in "\\PC{0,70}",
        date in "[0-9\\-]{0,12}",
        mode in "[a-z_]{0,12}",
        km in prop_oneof![Just(f64::NAN), Just(-1.0), Just(0.0), 0.0..2000.0f64],
        passengers in proptest::option::of(-3i64..12),
    ) {
        let body = serde_json::json!({ "participant": participant, "date": date, "direction": "to_work",
            "mode": mode, "distance_km": km, "passengers": passengers });
        if let Ok(trip) = parse_json::<TripRequest>(body.to_string().as_bytes()) {
            let _ = TripFields::from(trip);
        }
    }
}

/// The default set, as campaigns read spreadsheet cells against it.
fn cn_2023() -> std::sync::Arc<green_commute::factors::FactorSet> {
    Catalogue::bundled().unwrap().default_set().clone()
}

/// A leg of any mode of the set, at a distance within the mode's limit.
fn legs_strategy(modes: Vec<(String, i64, bool)>) -> impl Strategy<Value = Vec<LegSpec>> {
    let leg = (0..modes.len(), 1i64..200_000, 1i64..=9).prop_map(move |(m, metres, sharers)| {
        let (mode, max_m, per_vehicle) = &modes[m];
        LegSpec {
            mode: mode.clone(),
            distance: Distance::from_metres(1 + metres % max_m).expect("within limits"),
            passengers: per_vehicle.then(|| Passengers::try_from(sharers).expect("1 to 9")),
            index: None,
        }
    });
    proptest::collection::vec(leg, 1..=10)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn every_estimate_adds_up(
        set_index in 0usize..4,
        region in proptest::option::of(0usize..40),
        round_trip in any::<bool>(),
        seed in any::<u64>(),
    ) {
        let catalogue = Catalogue::bundled().unwrap();
        let set = &catalogue.sets()[set_index % catalogue.sets().len()];
        let modes: Vec<(String, i64, bool)> = set
            .modes()
            .iter()
            .filter(|m| !m.mode.is_telework())
            .map(|m| (m.mode.as_str().to_owned(), m.max_distance_m, m.basis.as_str() == "vehicle_km"))
            .collect();
        let region = region
            .and_then(|i| set.grid_regions().get(i))
            .map(|r| r.id.clone());
        let grid = resolve_grid(set, region.as_deref()).unwrap();
        let mut runner = proptest::test_runner::TestRunner::new_with_rng(
            ProptestConfig::default(),
            proptest::test_runner::TestRng::from_seed(
                proptest::test_runner::RngAlgorithm::ChaCha,
                &seed.to_le_bytes().repeat(4),
            ),
        );
        let legs = legs_strategy(modes).new_tree(&mut runner).unwrap().current();
        let plan = TripPlan { legs, round_trip, baseline: BaselineSpec::default() };
        let result = estimate(set, grid, &plan, None).expect("a valid plan computes");
        prop_assert_eq!(result.co2e_g, result.legs.iter().map(|l| l.co2e_g).sum::<i64>());
        prop_assert_eq!(result.distance_m, result.legs.iter().map(|l| l.distance_m).sum::<i64>());
        prop_assert_eq!(result.savings_g, result.baseline.co2e_g - result.co2e_g);
        let factor = if round_trip { 2 } else { 1 };
        let asked: i64 = plan.legs.iter().map(|l| l.distance.metres()).sum();
        prop_assert_eq!(result.distance_m, asked * factor);
        prop_assert!(result.legs.iter().all(|l| l.co2e_g >= 0));
        prop_assert_eq!(
            result.active_minutes,
            result.legs.iter().filter_map(|l| l.active_minutes).sum::<i64>()
        );
        let nox: i64 = result.legs.iter().filter_map(|l| l.air).map(|a| a.nox_mg).sum();
        let pm25: i64 = result.legs.iter().filter_map(|l| l.air).map(|a| a.pm25_mg).sum();
        prop_assert_eq!((result.air.nox_mg, result.air.pm25_mg), (nox, pm25));
        prop_assert_eq!(result.air_saved, result.baseline_air.minus(result.air));
        prop_assert_eq!(
            result.air_complete,
            result.baseline.air.is_some() && result.legs.iter().all(|l| l.air.is_some())
        );
        prop_assert!(result.legs.iter().all(|l| l.active_minutes.unwrap_or(0) >= 0));
    }
}

/// One step of a random campaign: log a batch as organization `org`, or delete the `nth` stored
/// trip.
#[derive(Debug, Clone)]
enum Step {
    Log {
        org: usize,
        trips: Vec<(u8, u8, u8, u8, u16)>,
    },
    Delete {
        nth: usize,
    },
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        3 => (0usize..3, proptest::collection::vec((0u8..6, 1u8..8, 0u8..3, 0u8..5, 1u16..300), 1..12))
            .prop_map(|(org, trips)| Step::Log { org, trips }),
        1 => (0usize..1000).prop_map(|nth| Step::Delete { nth }),
    ]
}

const MODES: [&str; 5] = ["bus", "metro", "bicycle", "car", "walk"];
const DIRECTIONS: [Direction; 3] = [Direction::ToWork, Direction::FromWork, Direction::RoundTrip];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(12))]

    #[test]
    fn rollups_always_equal_the_sums_over_stored_trips(steps in proptest::collection::vec(step(), 1..25)) {
        let (_database, url) = TestDatabase::create();
        actix_web::rt::System::new().block_on(async move {
            let url = DatabaseUrl::new(url);
            let store = AnyStore::open(&url).unwrap();
            let config = ServeConfig { database_url: url, write_rate: 0.0, ..ServeConfig::default() };
            let service: Service =
                green_commute::startup::service_on(store.clone(), &config, "property-admin-token".into()).unwrap();
            let admin = Caller::Admin;
            service
                .create_campaign(&admin, NewCampaign {
                    id: "prop".into(), name: "Property".into(), starts_on: "2026-06-01".into(),
                    ends_on: "2026-06-10".into(), region: Some("CN-BJ".into()), ..NewCampaign::default()
                })
                .await
                .unwrap();
            for org in 0..3 {
                let id = format!("org-{org}");
                service
                    .create_organization(&admin, NewOrganization {
                        id: id.clone(), name: id.clone(),
                        kind: green_commute::domain::campaign::OrganizationKind::Enterprise,
                        city: None, headcount: None,
                    })
                    .await
                    .unwrap();
                service.enroll(&admin, "prop", &id).await.unwrap();
            }
            for step in steps {
                match step {
                    Step::Log { org, trips } => {
                        let caller = Caller::Organization {
                            organization_id: format!("org-{org}"),
                            key_id: "k".into(),
                        };
                        let target = service.logging_target(&caller, "prop").await.unwrap();
                        let rows = trips
                            .iter()
                            .enumerate()
                            .map(|(i, &(p, day, direction, mode, hm))| TripRow {
                                place: Place::Trip(i),
                                trip: Ok(TripFields {
                                    participant: format!("p{p}"),
                                    date: format!("2026-06-{day:02}"),
                                    direction: DIRECTIONS[usize::from(direction)],
                                    plan: Ok(TripPlan {
                                        legs: vec![LegSpec {
                                            mode: MODES[usize::from(mode)].into(),
                                            distance: Distance::from_metres(i64::from(hm) * 100).unwrap(),
                                            passengers: None,
                                            index: None,
                                        }],
                                        round_trip: false,
                                        baseline: BaselineSpec::default(),
                                    }),
                                }),
                            })
                            .collect();
                        service.log_trips(target, rows, false).await.unwrap();
                    }
                    Step::Delete { nth } => {
                        let stored = service.list_trips(&admin, "prop", 0, 10_000).await.unwrap();
                        if !stored.is_empty() {
                            let id = stored[nth % stored.len()].id.to_string();
                            service.delete_trip(&admin, "prop", &id).await.unwrap();
                        }
                    }
                }
                check_rollups(&service).await;
                check_green_days(&service, &store).await;
            }
        });
    }
}

/// The campaign's results, organization by organization and overall, equal the sums over the
/// stored trips, and each participant is counted once per organization.
async fn check_rollups(service: &Service) {
    let admin = Caller::Admin;
    let stored = service.list_trips(&admin, "prop", 0, 10_000).await.unwrap();
    let mut by_org: BTreeMap<String, (i64, i64, i64, i64, std::collections::BTreeSet<String>)> =
        BTreeMap::new();
    // Co-benefits by organization: active minutes, NOx and PM2.5 saved, trips with air incomplete.
    let mut co_by_org: BTreeMap<String, (i64, i64, i64, i64)> = BTreeMap::new();
    for t in &stored {
        let e = by_org.entry(t.organization_id.clone()).or_default();
        e.0 += 1;
        e.1 += t.figures.distance_m;
        e.2 += t.figures.co2e_g;
        e.3 += t.figures.savings_g;
        e.4.insert(t.participant.clone());
        let co = &t.figures.co_benefits;
        let c = co_by_org.entry(t.organization_id.clone()).or_default();
        c.0 += co.active_minutes;
        c.1 += co.air_saved.nox_mg;
        c.2 += co.air_saved.pm25_mg;
        c.3 += i64::from(!co.air_complete);
    }
    let board = service
        .leaderboard(&admin, "prop", LeaderboardQuery::default())
        .await
        .unwrap();
    assert!(!board.more);
    for entry in &board.entries {
        let s = &entry.standing;
        let expected = by_org.remove(&s.organization_id).unwrap_or_default();
        assert_eq!(
            (
                s.totals.trips,
                s.totals.distance_m,
                s.totals.co2e_g,
                s.totals.savings_g,
                s.totals.participants
            ),
            (
                expected.0,
                expected.1,
                expected.2,
                expected.3,
                expected.4.len() as i64
            ),
            "{}",
            s.organization_id
        );
        assert_eq!(
            (
                s.totals.active_minutes,
                s.totals.air_saved.nox_mg,
                s.totals.air_saved.pm25_mg,
                s.totals.air_incomplete_trips
            ),
            co_by_org.remove(&s.organization_id).unwrap_or_default(),
            "{}: co-benefits",
            s.organization_id
        );
    }
    let results = service.campaign_results(&admin, "prop").await.unwrap();
    assert_eq!(results.totals.trips, stored.len() as i64);
    let by_mode: i64 = results.by_mode.iter().map(|m| m.totals.savings_g).sum();
    assert_eq!(
        by_mode,
        stored.iter().map(|t| t.figures.savings_g).sum::<i64>()
    );
    let minutes_by_mode: i64 = results
        .by_mode
        .iter()
        .map(|m| m.totals.active_minutes)
        .sum();
    let nox_by_mode: i64 = results
        .by_mode
        .iter()
        .map(|m| m.totals.air_saved.nox_mg)
        .sum();
    assert_eq!(
        (minutes_by_mode, nox_by_mode),
        (
            stored
                .iter()
                .map(|t| t.figures.co_benefits.active_minutes)
                .sum::<i64>(),
            stored
                .iter()
                .map(|t| t.figures.co_benefits.air_saved.nox_mg)
                .sum::<i64>()
        )
    );
}

/// The regularity rollup: per organization and ISO weekday, the distinct (participant, day) pairs
/// with at least one trip that saved something, as counted over the stored trips.
async fn check_green_days(service: &Service, store: &AnyStore) {
    let stored = service
        .list_trips(&Caller::Admin, "prop", 0, 10_000)
        .await
        .unwrap();
    let mut green_days: BTreeMap<(String, i64), std::collections::BTreeSet<(String, String)>> =
        BTreeMap::new();
    for t in stored.iter().filter(|t| t.figures.savings_g > 0) {
        let weekday = i64::from(t.date.weekday().to_monday_one_offset());
        green_days
            .entry((t.organization_id.clone(), weekday))
            .or_default()
            .insert((t.participant.clone(), t.date.to_string()));
    }
    let expected: BTreeMap<(String, i64), i64> = green_days
        .into_iter()
        .map(|(key, days)| (key, days.len() as i64))
        .collect();
    let rolled_up: BTreeMap<(String, i64), i64> = store
        .weekday_green_days("prop")
        .await
        .unwrap()
        .into_iter()
        .filter(|w| w.green_days != 0)
        .map(|w| ((w.organization_id, w.weekday), w.green_days))
        .collect();
    assert_eq!(rolled_up, expected, "green participant-days by weekday");
}
