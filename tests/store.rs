//! The storage seam itself, on the backend under test (`GREEN_COMMUTE_TEST_BACKEND`): duplicate
//! rules, rollups, deletions, campaign locking, keys, and two stores (two processes' worth of
//! connections) writing the same trips at once.

mod common;

use std::collections::BTreeSet;

use common::TestDatabase;
use green_commute::calculator::compute;
use green_commute::domain::campaign::{Direction, OrganizationKind, Participant};
use green_commute::domain::plan::{BaselineSpec, LegSpec, TripPlan};
use green_commute::domain::trip::{ComputedTrip, TripInput};
use green_commute::domain::workdays::Workdays;
use green_commute::domain::Distance;
use green_commute::factors::Catalogue;
use green_commute::store::*;
use jiff::civil::{date, Date};

fn run<F: std::future::Future>(future: F) -> F::Output {
    actix_web::rt::System::new().block_on(future)
}

fn campaign(id: &str) -> CampaignRecord {
    CampaignRecord {
        id: id.into(),
        name: "Test".into(),
        description: String::new(),
        region: None,
        time_zone: "Asia/Shanghai".into(),
        starts_on: date(2026, 6, 1),
        ends_on: date(2026, 6, 30),
        factor_set_id: "uk-desnz-2025".into(),
        factor_set_version: "2025.2".into(),
        baseline_mode: "car".into(),
        public: true,
        created_at: "2026-05-01T00:00:00Z".into(),
        updated_at: "2026-05-01T00:00:00Z".into(),
        revision: 1,
        organizer_id: None,
        organizer_name: None,
        workdays: Workdays::default(),
    }
}

fn organization(id: &str, kind: OrganizationKind) -> OrganizationRecord {
    OrganizationRecord {
        id: id.into(),
        name: id.into(),
        kind,
        city: None,
        headcount: None,
        created_at: "2026-05-01T00:00:00Z".into(),
        created_by: None,
    }
}

fn trip(participant: &str, day: Date, direction: Direction, mode: &str, km: f64) -> ComputedTrip {
    let catalogue = Catalogue::bundled().unwrap();
    let set = catalogue.get("uk-desnz-2025").unwrap();
    let input = TripInput {
        participant: Participant::try_from(participant).unwrap(),
        date: day,
        direction,
        plan: TripPlan {
            legs: vec![LegSpec {
                mode: mode.into(),
                distance: Distance::try_from(km).unwrap(),
                passengers: None,
                index: None,
            }],
            round_trip: false,
            baseline: BaselineSpec::default(),
        },
    };
    compute(set, None, "car", input).unwrap()
}

fn batch(organization: &str, trips: Vec<ComputedTrip>) -> TripBatch {
    TripBatch {
        campaign_id: "c".into(),
        organization_id: organization.into(),
        trips,
        computed_with: SetVersion {
            id: "uk-desnz-2025".into(),
            version: "2025.2".into(),
        },
        created_at: "2026-06-01T08:00:00Z".into(),
        dry_run: false,
    }
}

async fn setup(url: &str) -> AnyStore {
    let store = AnyStore::open(&DatabaseUrl::new(url)).unwrap();
    store.create_campaign(&campaign("c"), "{}").await.unwrap();
    for (id, kind) in [
        ("a", OrganizationKind::Enterprise),
        ("b", OrganizationKind::Community),
        ("idle", OrganizationKind::Other),
    ] {
        store
            .create_organization(&organization(id, kind))
            .await
            .unwrap();
        store.enroll("c", id, "2026-05-01T00:00:00Z").await.unwrap();
    }
    store
}

#[test]
fn duplicates_are_reported_with_the_stored_trip_and_never_counted() {
    let (_db, url) = TestDatabase::create();
    run(async {
        let store = setup(&url).await;
        let d = date(2026, 6, 2);
        let first = store
            .log_trips(batch(
                "a",
                vec![
                    trip("p", d, Direction::RoundTrip, "bus", 5.0),
                    trip("p", d, Direction::ToWork, "bus", 5.0),
                ],
            ))
            .await
            .unwrap();
        assert!(!first[0].duplicate);
        assert!(first[1].duplicate);
        assert_eq!(first[1].id, first[0].id);
        assert_eq!(first[1].direction, Direction::RoundTrip);
        let again = store
            .log_trips(batch(
                "a",
                vec![trip("p", d, Direction::FromWork, "rail", 9.0)],
            ))
            .await
            .unwrap();
        assert!(again[0].duplicate);
        assert_eq!(
            again[0].co2e_g, first[0].co2e_g,
            "the stored values, not the new ones"
        );
        // The same participant id in another organization is another person.
        let other = store
            .log_trips(batch(
                "b",
                vec![trip("p", d, Direction::ToWork, "bus", 5.0)],
            ))
            .await
            .unwrap();
        assert!(!other[0].duplicate);
        let standings = store.standings("c").await.unwrap();
        let trips: Vec<(String, i64, i64)> = standings
            .iter()
            .map(|s| {
                (
                    s.organization_id.clone(),
                    s.totals.trips,
                    s.totals.participants,
                )
            })
            .collect();
        assert_eq!(
            trips,
            [
                ("a".into(), 1, 1),
                ("b".into(), 1, 1),
                ("idle".into(), 0, 0)
            ]
        );
    });
}

#[test]
fn a_batch_looks_up_and_counts_every_participant_day_whatever_the_ids_hold() {
    let (_db, url) = TestDatabase::create();
    run(async {
        let store = setup(&url).await;
        // Ids a spreadsheet may hold, written into the stores' batch statements as data.
        let people = [
            "he said \"hi\"",
            "back\\slash",
            "张三",
            "🚲 rider",
            "o'neil",
            "[1, 2]",
        ];
        let (tuesday, wednesday) = (date(2026, 6, 2), date(2026, 6, 3));
        let first: Vec<ComputedTrip> = people
            .iter()
            .flat_map(|p| {
                [
                    trip(p, tuesday, Direction::ToWork, "bus", 5.0),
                    trip(p, wednesday, Direction::FromWork, "bus", 5.0),
                ]
            })
            .collect();
        let logged = store.log_trips(batch("a", first)).await.unwrap();
        assert!(logged.iter().all(|t| !t.duplicate));
        let green = |store: AnyStore| async move {
            let mut days: Vec<(i64, i64)> = store
                .weekday_green_days("c")
                .await
                .unwrap()
                .into_iter()
                .map(|w| (w.weekday, w.green_days))
                .collect();
            days.sort();
            days
        };
        assert_eq!(green(store.clone()).await, [(2, 6), (3, 6)]);
        // Each participant-day is found again: the same trips are duplicates, a round trip on
        // an occupied day is refused, a new direction on it is stored.
        let second: Vec<ComputedTrip> = people
            .iter()
            .flat_map(|p| {
                [
                    trip(p, tuesday, Direction::ToWork, "rail", 9.0),
                    trip(p, wednesday, Direction::RoundTrip, "bus", 5.0),
                    trip(p, wednesday, Direction::ToWork, "bus", 5.0),
                ]
            })
            .collect();
        let again = store.log_trips(batch("a", second)).await.unwrap();
        let duplicates: Vec<bool> = again.iter().map(|t| t.duplicate).collect();
        assert_eq!(duplicates, [true, true, false].repeat(people.len()));
        for (i, person) in people.iter().enumerate() {
            assert_eq!(again[3 * i].participant, *person);
            assert_eq!(again[3 * i].id, logged[2 * i].id, "{person}");
        }
        assert_eq!(green(store.clone()).await, [(2, 6), (3, 6)]);
        // Deleting every trip of a participant-day takes the day out of the rollup again.
        for (i, _) in people.iter().enumerate() {
            store
                .delete_trip("c", logged[2 * i].id, &TripScope::Campaign)
                .await
                .unwrap();
        }
        assert_eq!(green(store.clone()).await, [(3, 6)]);
        let a = &store.standings("c").await.unwrap()[0];
        assert_eq!((a.totals.trips, a.totals.participants), (12, 6));
    });
}

#[test]
fn a_large_batch_counts_each_green_participant_day_once_across_many_statements() {
    let (_db, url) = TestDatabase::create();
    run(async {
        let store = setup(&url).await;
        // More participant-days than one statement of the stores writes, half of them already
        // green from an earlier batch, and car trips that save nothing.
        let monday = date(2026, 6, 1);
        let days: Vec<Date> = (0..5).map(|d| monday + jiff::Span::new().days(d)).collect();
        let people: Vec<String> = (0..70).map(|p| format!("p{p}")).collect();
        let earlier: Vec<ComputedTrip> = people
            .iter()
            .step_by(2)
            .flat_map(|p| {
                days.iter()
                    .map(move |d| trip(p, *d, Direction::ToWork, "bus", 4.0))
            })
            .collect();
        store.log_trips(batch("a", earlier)).await.unwrap();
        let later: Vec<ComputedTrip> = people
            .iter()
            .enumerate()
            .flat_map(|(i, p)| {
                let mode = if i % 7 == 3 { "car" } else { "bicycle" };
                days.iter()
                    .map(move |d| trip(p, *d, Direction::FromWork, mode, 4.0))
            })
            .collect();
        let logged = store.log_trips(batch("a", later)).await.unwrap();
        assert!(logged.iter().all(|t| !t.duplicate));

        // Green on a day: every even participant (a bus trip), and every odd one but the car
        // drivers (i % 7 == 3 and odd: 3, 17, 31, 45, 59).
        let green_people = people.len() as i64 - 5;
        let mut by_weekday: Vec<(i64, i64)> = store
            .weekday_green_days("c")
            .await
            .unwrap()
            .into_iter()
            .map(|w| (w.weekday, w.green_days))
            .collect();
        by_weekday.sort();
        let expected: Vec<(i64, i64)> = (1..=5).map(|weekday| (weekday, green_people)).collect();
        assert_eq!(by_weekday, expected);
    });
}

#[test]
fn the_sqlite_write_ahead_log_is_checkpointed_off_the_writer_and_stays_bounded() {
    let (_db, url) = TestDatabase::create();
    let Some(path) = url.strip_prefix("sqlite://").map(str::to_owned) else {
        return; // PostgreSQL keeps its own log
    };
    run(async {
        let store = setup(&url).await;
        let wal = std::path::PathBuf::from(format!("{path}-wal"));
        let day = date(2026, 6, 1);
        let mut largest_log = 0;
        // 400 writes of 50 new trips each, back to back: without checkpoints that reach the end
        // of the log, it would hold them all (about 50 MB); the writer checkpoints itself past
        // 4,000 pages (16 MB), so that the log starts over.
        let template = trip("p", day, Direction::ToWork, "bus", 4.0);
        for round in 0..400 {
            let trips = (0..50)
                .map(|p| ComputedTrip {
                    participant: Participant::try_from(format!("r{round}-p{p}").as_str()).unwrap(),
                    ..template.clone()
                })
                .collect();
            store.log_trips(batch("a", trips)).await.unwrap();
            largest_log = largest_log.max(std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0));
        }
        let database = std::fs::metadata(&path).unwrap().len();
        assert!(
            largest_log < 20 << 20,
            "the log reached {largest_log} bytes beside a {database}-byte database"
        );
        let a = &store.standings("c").await.unwrap()[0];
        assert_eq!(a.totals.trips, 20_000);
    });
}

#[test]
fn a_dry_run_reports_what_would_happen_and_stores_nothing() {
    let (_db, url) = TestDatabase::create();
    run(async {
        let store = setup(&url).await;
        let d = date(2026, 6, 2);
        let stored = store
            .log_trips(batch(
                "a",
                vec![trip("p", d, Direction::ToWork, "bus", 5.0)],
            ))
            .await
            .unwrap();
        let mut rehearsal = batch(
            "a",
            vec![
                trip("p", d, Direction::ToWork, "rail", 9.0),
                trip("q", d, Direction::ToWork, "bus", 5.0),
            ],
        );
        rehearsal.dry_run = true;
        let outcome = store.log_trips(rehearsal).await.unwrap();
        assert!(outcome[0].duplicate, "a stored trip is still found");
        assert_eq!(outcome[0].id, stored[0].id);
        assert!(!outcome[1].duplicate);
        assert_eq!(outcome[1].id, 0, "nothing was given an id");
        let a = &store.standings("c").await.unwrap()[0];
        assert_eq!((a.totals.trips, a.totals.participants), (1, 1));
        assert_eq!(a.totals.co2e_g, stored[0].co2e_g);
        // What the rehearsal would have stored can still be stored for real.
        let real = store
            .log_trips(batch(
                "a",
                vec![trip("q", d, Direction::ToWork, "bus", 5.0)],
            ))
            .await
            .unwrap();
        assert!(!real[0].duplicate);
        assert_ne!(real[0].id, 0);
    });
}

fn invite(id: &str, max_participants: Option<i64>, expires_at: Option<&str>) -> InviteRecord {
    InviteRecord {
        id: id.into(),
        campaign_id: "c".into(),
        organization_id: "a".into(),
        code_hash: format!("hash-of-{id}"),
        code_hint: "abcd".into(),
        created_at: "2026-05-01T00:00:00Z".into(),
        expires_at: expires_at.map(str::to_owned),
        max_participants,
        revoked_at: None,
    }
}

fn newcomer(id: &str) -> NewParticipant {
    NewParticipant {
        id: id.into(),
        token_hash: format!("token-of-{id}"),
        nickname: None,
        created_at: "2026-06-01T08:00:00Z".into(),
    }
}

#[test]
fn an_invite_admits_until_it_is_full_revoked_or_expired_even_when_joins_race() {
    let (_db, url) = TestDatabase::create();
    run(async {
        let store = setup(&url).await;
        let now = "2026-06-02T08:00:00Z";
        store
            .create_invite(&invite("inv_cap", Some(5), None))
            .await
            .unwrap();
        store
            .create_invite(&invite("inv_old", None, Some("2026-06-02T07:59:59Z")))
            .await
            .unwrap();
        store
            .create_invite(&invite("inv_open", None, None))
            .await
            .unwrap();

        // Twenty people join at once with a code that admits five.
        let joins: Vec<_> = (0..20)
            .map(|i| {
                let (store, participant) = (store.clone(), newcomer(&format!("p-race{i:02}")));
                async move { store.join("hash-of-inv_cap", &participant, now).await }
            })
            .collect();
        let outcomes = futures_util::future::join_all(joins).await;
        let joined = outcomes
            .iter()
            .filter(|o| matches!(o, Ok(JoinOutcome::Joined(_))))
            .count();
        let full = outcomes
            .iter()
            .filter(|o| matches!(o, Ok(JoinOutcome::Full)))
            .count();
        assert_eq!((joined, full), (5, 15), "{outcomes:?}");

        let outcome = store
            .join("hash-of-inv_old", &newcomer("p-late"), now)
            .await;
        assert_eq!(outcome.unwrap(), JoinOutcome::Expired);
        let outcome = store.join("no-such-hash", &newcomer("p-lost"), now).await;
        assert_eq!(outcome.unwrap(), JoinOutcome::Unknown);
        let taken = store
            .join("hash-of-inv_open", &newcomer("p-race00"), now)
            .await;
        assert!(matches!(taken, Err(StoreError::Conflict(_))), "{taken:?}");

        store
            .revoke_invite("c", "a", "inv_open", now)
            .await
            .unwrap();
        let outcome = store
            .join("hash-of-inv_open", &newcomer("p-after"), now)
            .await;
        assert_eq!(outcome.unwrap(), JoinOutcome::Revoked);
        assert!(matches!(
            store.revoke_invite("c", "b", "inv_cap", now).await,
            Err(StoreError::NotFound(_))
        ));

        let listed = store.invites("c", "a").await.unwrap();
        let counts: Vec<(&str, i64, bool)> = listed
            .iter()
            .map(|l| {
                (
                    l.invite.id.as_str(),
                    l.participants,
                    l.invite.revoked_at.is_some(),
                )
            })
            .collect();
        assert_eq!(
            counts,
            [
                ("inv_cap", 5, false),
                ("inv_old", 0, false),
                ("inv_open", 0, true)
            ]
        );
        assert_eq!(store.joined_by_invite("c", "a").await.unwrap(), 5);
        assert_eq!(store.joined_by_invite("c", "b").await.unwrap(), 0);
    });
}

#[test]
fn a_participant_reaches_only_their_own_trips_and_a_revoked_token_nothing() {
    let (_db, url) = TestDatabase::create();
    run(async {
        let store = setup(&url).await;
        let now = "2026-06-02T08:00:00Z";
        store
            .create_invite(&invite("inv_1", None, None))
            .await
            .unwrap();
        store
            .join("hash-of-inv_1", &newcomer("p-me"), now)
            .await
            .unwrap();
        let me = store
            .find_participant("token-of-p-me")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            (me.campaign_id.as_str(), me.organization_id.as_str()),
            ("c", "a")
        );
        let d = date(2026, 6, 2);
        let logged = store
            .log_trips(batch(
                "a",
                vec![
                    trip("p-me", d, Direction::ToWork, "bus", 5.0),
                    trip("colleague", d, Direction::ToWork, "bus", 5.0),
                ],
            ))
            .await
            .unwrap();
        let mine = TripScope::Participant {
            organization_id: "a".into(),
            participant: "p-me".into(),
        };
        let listed = store
            .list_trips(&TripQuery {
                campaign_id: "c".into(),
                scope: mine.clone(),
                after_id: 0,
                limit: 100,
            })
            .await
            .unwrap();
        assert_eq!(
            listed
                .iter()
                .map(|t| t.participant.as_str())
                .collect::<Vec<_>>(),
            ["p-me"]
        );
        assert!(matches!(
            store.delete_trip("c", logged[1].id, &mine).await,
            Err(StoreError::NotFound(_))
        ));
        // The same id in another organization is another person.
        let elsewhere = TripScope::Participant {
            organization_id: "b".into(),
            participant: "p-me".into(),
        };
        assert!(matches!(
            store.delete_trip("c", logged[0].id, &elsewhere).await,
            Err(StoreError::NotFound(_))
        ));
        store.delete_trip("c", logged[0].id, &mine).await.unwrap();

        store
            .revoke_participant("c", "a", "p-me", now)
            .await
            .unwrap();
        assert_eq!(store.find_participant("token-of-p-me").await.unwrap(), None);
        assert!(matches!(
            store.revoke_participant("c", "b", "p-me", now).await,
            Err(StoreError::NotFound(_))
        ));
    });
}

#[test]
fn deleting_trips_takes_them_out_of_every_rollup() {
    let (_db, url) = TestDatabase::create();
    run(async {
        let store = setup(&url).await;
        let logged = store
            .log_trips(batch(
                "a",
                vec![
                    trip("p", date(2026, 6, 2), Direction::ToWork, "bus", 5.0),
                    trip("p", date(2026, 6, 3), Direction::ToWork, "metro", 4.0),
                    trip("q", date(2026, 6, 3), Direction::ToWork, "metro", 4.0),
                ],
            ))
            .await
            .unwrap();
        store
            .delete_trip("c", logged[2].id, &TripScope::Organization("b".into()))
            .await
            .unwrap_err();
        store
            .delete_trip("c", logged[2].id, &TripScope::Organization("a".into()))
            .await
            .unwrap();
        store
            .delete_trip("c", logged[1].id, &TripScope::Campaign)
            .await
            .unwrap();
        let a = &store.standings("c").await.unwrap()[0];
        assert_eq!((a.totals.trips, a.totals.participants), (1, 1));
        assert_eq!(a.totals.co2e_g, logged[0].co2e_g);
        let modes = store.mode_totals("c", None).await.unwrap();
        assert_eq!(
            modes.iter().map(|m| m.mode.as_str()).collect::<Vec<_>>(),
            ["bus"]
        );
        let days = store.day_totals("c", Some("a")).await.unwrap();
        assert_eq!(
            days.iter().map(|d| d.date).collect::<Vec<_>>(),
            [date(2026, 6, 2)]
        );
        assert!(matches!(
            store
                .delete_trip("c", logged[1].id, &TripScope::Campaign)
                .await,
            Err(StoreError::NotFound(_))
        ));
    });
}

#[test]
fn co_benefits_are_stored_with_each_trip_and_follow_logs_and_deletes_in_every_rollup() {
    let (_db, url) = TestDatabase::create();
    run(async {
        let store = setup(&url).await;
        // uk-desnz-2025: walking 2 km at 4.8 km/h = 25 min, 0 exhaust, against a 2 km car
        // (50.436 mg NOx and 0.761 mg PM2.5 per km: 100.872 → 101 and 1.522 → 2); a bus has no
        // `air` in this set (no sourced UK bus occupancy), so its trip is incomplete.
        let d = date(2026, 6, 2);
        let logged = store
            .log_trips(batch(
                "a",
                vec![
                    trip("p", d, Direction::ToWork, "walk", 2.0),
                    trip("p", d, Direction::FromWork, "bus", 5.0),
                    trip("q", date(2026, 6, 3), Direction::ToWork, "bicycle", 7.0),
                ],
            ))
            .await
            .unwrap();
        let walk = &logged[0].co_benefits;
        assert_eq!(walk.active_minutes, 25);
        assert_eq!((walk.air_saved.nox_mg, walk.air_saved.pm25_mg), (101, 2));
        assert!(walk.air_complete);
        assert!(!logged[1].co_benefits.air_complete);
        assert_eq!(logged[2].co_benefits.active_minutes, 30);

        let stored = store
            .list_trips(&TripQuery {
                campaign_id: "c".into(),
                scope: TripScope::Campaign,
                after_id: 0,
                limit: 10,
            })
            .await
            .unwrap();
        for (s, l) in stored.iter().zip(&logged) {
            assert_eq!(s.figures.co_benefits, l.co_benefits, "trip {}", s.id);
        }
        let totals = |store: &AnyStore| {
            let store = store.clone();
            async move {
                let a = store.standing("c", "a").await.unwrap().unwrap().totals;
                let modes = store.mode_totals("c", None).await.unwrap();
                let days = store.day_totals("c", Some("a")).await.unwrap();
                let by_mode: i64 = modes.iter().map(|m| m.totals.active_minutes).sum();
                let by_day: i64 = days.iter().map(|d| d.totals.air_saved.nox_mg).sum();
                (a, by_mode, by_day)
            }
        };
        let (a, by_mode, by_day) = totals(&store).await;
        let sum = |f: fn(&StoredTrip) -> i64| stored.iter().map(f).sum::<i64>();
        assert_eq!(
            a.active_minutes,
            sum(|t| t.figures.co_benefits.active_minutes)
        );
        assert_eq!(
            a.air_saved.nox_mg,
            sum(|t| t.figures.co_benefits.air_saved.nox_mg)
        );
        assert_eq!(
            a.air_saved.pm25_mg,
            sum(|t| t.figures.co_benefits.air_saved.pm25_mg)
        );
        assert_eq!(a.air_incomplete_trips, 1);
        assert_eq!((by_mode, by_day), (a.active_minutes, a.air_saved.nox_mg));

        store
            .delete_trip("c", logged[0].id, &TripScope::Campaign)
            .await
            .unwrap();
        store
            .delete_trip("c", logged[1].id, &TripScope::Campaign)
            .await
            .unwrap();
        let (a, by_mode, by_day) = totals(&store).await;
        assert_eq!(a.active_minutes, 30);
        assert_eq!(a.air_saved, logged[2].co_benefits.air_saved);
        assert_eq!(a.air_incomplete_trips, 0);
        assert_eq!(
            (by_mode, by_day),
            (30, logged[2].co_benefits.air_saved.nox_mg)
        );
    });
}

/// A database as version 0001 of the schema left it, with one trip and its rollups.
const BEFORE_CO_BENEFITS: &str = r#"
INSERT INTO schema_migrations (version, applied_at) VALUES (1, '2026-05-01T00:00:00Z');
INSERT INTO campaigns VALUES ('c', 'Test', '', NULL, 'Asia/Shanghai', '2026-06-01', '2026-06-30',
    'uk-desnz-2025', '2025.2', '{}', 'car', TRUE, 't', 't', 1);
INSERT INTO organizations VALUES ('a', 'a', 'enterprise', NULL, NULL, 't');
INSERT INTO enrollments VALUES ('c', 'a', 't');
INSERT INTO trips (campaign_id, organization_id, participant, date, direction, main_mode,
    distance_m, co2e_g, baseline_co2e_g, savings_g, detail, created_at)
VALUES ('c', 'a', 'p', '2026-06-02', 'to_work', 'walk', 2000, 0, 335, 335,
    '{"factor_set":{"id":"uk-desnz-2025","version":"2025.2"},"grid_region":null,"grid_co2e_g_per_kwh":null,"legs":[{"mode":"walk","distance_km":2.0,"passengers":null,"co2e_g_per_km":0.0,"co2e_g":0,"source":"desnz-2025"}],"baseline":{"mode":"car","distance_km":2.0,"passengers":1,"co2e_g_per_km":167.25,"co2e_g":335,"source":"desnz-2025"}}',
    't');
INSERT INTO org_totals VALUES ('c', 'a', 1, 1, 2000, 0, 335, 335);
INSERT INTO org_mode_totals VALUES ('c', 'a', 'walk', 1, 2000, 0, 335, 335);
INSERT INTO org_day_totals VALUES ('c', 'a', '2026-06-02', 1, 2000, 0, 335, 335);
INSERT INTO participants VALUES ('c', 'a', 'p', 1);
"#;

/// Creates the database at `url` as version 0001 left it.
fn old_database(url: &str) {
    if common::backend_is_postgres() {
        let url = url.to_owned();
        std::thread::spawn(move || {
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap()
                .block_on(async {
                    let (client, connection) =
                        tokio_postgres::connect(&url, tokio_postgres::NoTls).await.unwrap();
                    let driver = tokio::spawn(connection);
                    client
                        .batch_execute(concat!(
                            include_str!("../migrations/postgres/0001_init.sql"),
                            "CREATE TABLE schema_migrations (version BIGINT PRIMARY KEY, applied_at TEXT NOT NULL);"
                        ))
                        .await
                        .unwrap();
                    client.batch_execute(BEFORE_CO_BENEFITS).await.unwrap();
                    drop(client);
                    let _ = driver.await;
                })
        })
        .join()
        .unwrap();
    } else {
        let path = url.strip_prefix("sqlite://").unwrap();
        let conn = rusqlite::Connection::open(path).unwrap();
        conn.execute_batch(include_str!("../migrations/sqlite/0001_init.sql"))
            .unwrap();
        conn.execute_batch(
            "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)",
        )
        .unwrap();
        conn.execute_batch(BEFORE_CO_BENEFITS).unwrap();
    }
}

#[test]
fn trips_stored_before_co_benefits_count_zero_and_incomplete_and_leave_the_rollups_exact() {
    let (_db, url) = TestDatabase::create();
    old_database(&url);
    run(async {
        // Opening runs migration 0003 on the old schema.
        let store = AnyStore::open(&DatabaseUrl::new(url.as_str())).unwrap();
        let old = &store.standing("c", "a").await.unwrap().unwrap().totals;
        assert_eq!((old.trips, old.savings_g), (1, 335));
        assert_eq!((old.active_minutes, old.air_incomplete_trips), (0, 1));
        let stored = store
            .list_trips(&TripQuery {
                campaign_id: "c".into(),
                scope: TripScope::Campaign,
                after_id: 0,
                limit: 10,
            })
            .await
            .unwrap();
        assert_eq!(stored[0].figures.co_benefits, Default::default());
        let detail: green_commute::domain::trip::TripDetail =
            serde_json::from_str(&stored[0].detail).expect("an old detail still reads");
        assert!(detail.legs[0].active.is_none() && detail.legs[0].air.is_none());

        // A new trip counts its co-benefits; deleting the old one leaves exact sums.
        let new = store
            .log_trips(batch(
                "a",
                vec![trip("p", date(2026, 6, 3), Direction::ToWork, "walk", 2.0)],
            ))
            .await
            .unwrap();
        assert_eq!(new[0].co_benefits.active_minutes, 25);
        store
            .delete_trip("c", stored[0].id, &TripScope::Campaign)
            .await
            .unwrap();
        let after = store.standing("c", "a").await.unwrap().unwrap().totals;
        assert_eq!(after.trips, 1);
        assert_eq!(after.active_minutes, 25);
        assert_eq!(after.air_saved, new[0].co_benefits.air_saved);
        assert_eq!(after.air_incomplete_trips, 0);
        let modes = store.mode_totals("c", None).await.unwrap();
        assert_eq!(modes.len(), 1);
        assert_eq!(modes[0].totals.air_incomplete_trips, 0);
    });
}

#[test]
fn a_campaigns_calculation_is_locked_once_it_has_trips() {
    let (_db, url) = TestDatabase::create();
    run(async {
        let store = setup(&url).await;
        let mut changed = campaign("c");
        changed.baseline_mode = "car_petrol".into();
        changed.revision = 2;
        store
            .update_campaign(&CampaignUpdate {
                campaign: changed.clone(),
                snapshot: None,
                expected_revision: 1,
            })
            .await
            .unwrap();
        store
            .log_trips(batch(
                "a",
                vec![trip("p", date(2026, 6, 2), Direction::ToWork, "bus", 5.0)],
            ))
            .await
            .unwrap();
        changed.baseline_mode = "car".into();
        let refused = store
            .update_campaign(&CampaignUpdate {
                campaign: changed.clone(),
                snapshot: None,
                expected_revision: 2,
            })
            .await;
        assert!(matches!(refused, Err(StoreError::Conflict(_))));
        let stale = store
            .update_campaign(&CampaignUpdate {
                campaign: changed,
                snapshot: None,
                expected_revision: 1,
            })
            .await;
        assert!(matches!(stale, Err(StoreError::Conflict(_))));
        assert!(matches!(
            store.create_campaign(&campaign("c"), "{}").await,
            Err(StoreError::Conflict(_))
        ));
    });
}

#[test]
fn revoked_keys_are_not_found() {
    let (_db, url) = TestDatabase::create();
    run(async {
        let store = setup(&url).await;
        let key = ApiKeyRecord {
            id: "key_1".into(),
            organization_id: "a".into(),
            key_hash: "h1".into(),
            created_at: "t".into(),
        };
        store.create_key(&key).await.unwrap();
        assert_eq!(
            store.find_key("h1").await.unwrap().unwrap().organization_id,
            "a"
        );
        assert!(matches!(
            store.revoke_key("b", "key_1", "t").await,
            Err(StoreError::NotFound(_))
        ));
        store.revoke_key("a", "key_1", "t").await.unwrap();
        assert_eq!(store.find_key("h1").await.unwrap(), None);
    });
}

#[test]
fn two_stores_writing_the_same_trips_at_once_count_each_trip_once() {
    let (_db, url) = TestDatabase::create();
    run(async {
        let first = setup(&url).await;
        // A second pool of connections on the same database: what a second process has.
        let second = AnyStore::open(&DatabaseUrl::new(url.as_str())).unwrap();
        let trips_of = |organization: &str, offset: usize| {
            (0..400)
                .map(|i| {
                    let day = date(2026, 6, 1 + ((i + offset) % 20) as i8);
                    let direction = match (i + offset) % 3 {
                        0 => Direction::ToWork,
                        1 => Direction::FromWork,
                        _ => Direction::RoundTrip,
                    };
                    trip(
                        &format!("{organization}-{}", i % 37),
                        day,
                        direction,
                        if i % 2 == 0 { "bus" } else { "metro" },
                        3.0 + (i % 11) as f64,
                    )
                })
                .collect::<Vec<_>>()
        };
        let mut tasks = Vec::new();
        for (round, store) in [first.clone(), second.clone(), first.clone(), second.clone()]
            .into_iter()
            .enumerate()
        {
            for organization in ["a", "b"] {
                let mut trips = trips_of(organization, round % 2);
                if round >= 2 {
                    trips.reverse();
                }
                let store = store.clone();
                let organization = organization.to_owned();
                tasks.push(actix_web::rt::spawn(async move {
                    let mut outcomes = Vec::new();
                    for chunk in trips.chunks(50) {
                        outcomes.extend(
                            store
                                .log_trips(batch(&organization, chunk.to_vec()))
                                .await
                                .unwrap(),
                        );
                    }
                    outcomes
                }));
            }
        }
        let mut acknowledged = BTreeSet::new();
        for task in tasks {
            for outcome in task.await.unwrap() {
                acknowledged.insert(outcome.id);
            }
        }
        // Every acknowledged id (new or duplicate) is a stored trip, and nothing else is stored.
        let mut stored = Vec::new();
        let mut after_id = 0;
        loop {
            let page = second
                .list_trips(&TripQuery {
                    campaign_id: "c".into(),
                    scope: TripScope::Campaign,
                    after_id,
                    limit: 500,
                })
                .await
                .unwrap();
            let Some(last) = page.last() else { break };
            after_id = last.id;
            stored.extend(page);
        }
        let stored_ids: BTreeSet<i64> = stored.iter().map(|t| t.id).collect();
        assert_eq!(stored_ids, acknowledged);
        // No participant-day holds overlapping directions.
        for (i, a) in stored.iter().enumerate() {
            for b in &stored[i + 1..] {
                let same_day = a.organization_id == b.organization_id
                    && a.participant == b.participant
                    && a.date == b.date;
                assert!(
                    !(same_day && a.direction.overlaps(b.direction)),
                    "{a:?} and {b:?} overlap"
                );
            }
        }
        // Rollups equal the sums over the stored trips.
        for standing in first.standings("c").await.unwrap() {
            let own: Vec<&StoredTrip> = stored
                .iter()
                .filter(|t| t.organization_id == standing.organization_id)
                .collect();
            let participants: BTreeSet<&str> = own.iter().map(|t| t.participant.as_str()).collect();
            assert_eq!(standing.totals.trips, own.len() as i64);
            assert_eq!(standing.totals.participants, participants.len() as i64);
            assert_eq!(
                standing.totals.co2e_g,
                own.iter().map(|t| t.figures.co2e_g).sum::<i64>()
            );
            assert_eq!(
                standing.totals.savings_g,
                own.iter().map(|t| t.figures.savings_g).sum::<i64>()
            );
            assert_eq!(
                standing.totals.distance_m,
                own.iter().map(|t| t.figures.distance_m).sum::<i64>()
            );
        }
        let day_total: i64 = first
            .day_totals("c", None)
            .await
            .unwrap()
            .iter()
            .map(|d| d.totals.trips)
            .sum();
        assert_eq!(day_total, stored.len() as i64);
    });
}

/// Sums of the trips' figures, to hold the rollups against.
fn sums(trips: &[StoredTrip]) -> Totals {
    let mut totals = Totals::default();
    for trip in trips {
        totals.add(&Totals::of_trip(&trip.figures, 1));
    }
    totals
}

async fn all_trips(store: &AnyStore) -> Vec<StoredTrip> {
    store
        .list_trips(&TripQuery {
            campaign_id: "c".into(),
            scope: TripScope::Campaign,
            after_id: 0,
            limit: 10_000,
        })
        .await
        .unwrap()
}

fn rebase_onto(recompute: Recompute, expected_revision: i64) -> Rebase {
    Rebase {
        campaign_id: "c".into(),
        expected_revision,
        to: SetVersion {
            id: "uk-desnz-2025-wtw".into(),
            version: "2025.3".into(),
        },
        snapshot: "{}".into(),
        updated_at: "2026-06-20T00:00:00Z".into(),
        recompute,
        list_at_most: 2,
        audit: Box::new(|before, after| AuditEntry {
            seq: 0,
            at: "2026-06-20T00:00:00Z".into(),
            actor: "admin".into(),
            actor_id: None,
            key_id: None,
            action: "campaign.rebase".into(),
            campaign_id: Some("c".into()),
            subject: "c".into(),
            detail: format!("{} {}", before.savings_g, after.savings_g),
        }),
    }
}

#[test]
fn a_rebase_is_all_or_nothing_and_a_batch_computed_before_it_is_refused() {
    let (_db, url) = TestDatabase::create();
    run(async {
        // Arrange: trips of two organizations on several days and modes.
        let store = setup(&url).await;
        for (organization, participants) in [("a", ["p", "q", "r"]), ("b", ["p", "s", "t"])] {
            let trips = participants
                .iter()
                .enumerate()
                .flat_map(|(i, p)| {
                    [
                        trip(p, date(2026, 6, 1 + i as i8), Direction::ToWork, "bus", 5.0),
                        trip(
                            p,
                            date(2026, 6, 2 + i as i8),
                            Direction::RoundTrip,
                            "rail",
                            9.0,
                        ),
                        trip(p, date(2026, 6, 8), Direction::FromWork, "walk", 1.2),
                    ]
                })
                .collect();
            store.log_trips(batch(organization, trips)).await.unwrap();
        }
        let before = all_trips(&store).await;
        let standings_before = store.standings("c").await.unwrap();
        let wtw = Catalogue::bundled()
            .unwrap()
            .get("uk-desnz-2025-wtw")
            .unwrap()
            .clone();
        let recalculator = green_commute::service::Recalculator::new(wtw, None);

        // A set that cannot compute b's trips: refused, nothing changes, nothing recorded.
        let picky = recalculator.clone();
        let refused = store
            .rebase_campaign(rebase_onto(
                Box::new(move |t| match t.organization_id.as_str() {
                    "b" => Err("no factor for b".into()),
                    _ => picky.trip(t),
                }),
                1,
            ))
            .await
            .unwrap();
        let RebaseOutcome::Refused {
            listed,
            refused,
            by_reason,
        } = refused
        else {
            panic!("not refused: {refused:?}");
        };
        assert_eq!((listed.len(), refused), (2, 9));
        assert_eq!(by_reason, vec![("no factor for b".to_owned(), 9)]);
        let unchanged = all_trips(&store).await;
        assert_eq!(
            unchanged
                .iter()
                .map(|t| (&t.figures, &t.detail))
                .collect::<Vec<_>>(),
            before
                .iter()
                .map(|t| (&t.figures, &t.detail))
                .collect::<Vec<_>>()
        );
        assert_eq!(store.get_campaign("c").await.unwrap().revision, 1);
        let query = AuditQuery {
            campaign_id: Some("c".into()),
            action: Some("campaign.rebase".into()),
            after_seq: 0,
            limit: 10,
        };
        assert!(store.audit(&query).await.unwrap().is_empty());
        // A stale revision is a conflict.
        let again = recalculator.clone();
        let stale = store
            .rebase_campaign(rebase_onto(Box::new(move |t| again.trip(t)), 7))
            .await;
        assert!(matches!(stale, Err(StoreError::Conflict(_))), "{stale:?}");

        // Act
        let again = recalculator.clone();
        let outcome = store
            .rebase_campaign(rebase_onto(Box::new(move |t| again.trip(t)), 1))
            .await
            .unwrap();

        // Assert: every trip rewritten, every rollup the sums over the trips.
        let after = all_trips(&store).await;
        for (old, new) in before.iter().zip(&after) {
            assert_eq!(new.figures, recalculator.trip(old).unwrap().figures);
            assert_ne!(new.figures.baseline_co2e_g, old.figures.baseline_co2e_g);
        }
        let mut totals = Totals::default();
        for standing in store.standings("c").await.unwrap() {
            let own: Vec<StoredTrip> = after
                .iter()
                .filter(|t| t.organization_id == standing.organization_id)
                .cloned()
                .collect();
            let mut expected = sums(&own);
            expected.participants = standing.totals.participants;
            assert_eq!(standing.totals, expected, "{}", standing.organization_id);
            totals.add(&standing.totals);
        }
        let standings_participants: Vec<i64> = standings_before
            .iter()
            .map(|s| s.totals.participants)
            .collect();
        let participants_now: Vec<i64> = store
            .standings("c")
            .await
            .unwrap()
            .iter()
            .map(|s| s.totals.participants)
            .collect();
        assert_eq!(participants_now, standings_participants);
        assert_eq!(
            outcome,
            RebaseOutcome::Rebased {
                before: standings_before.iter().fold(Totals::default(), |mut t, s| {
                    t.add(&s.totals);
                    t
                }),
                after: totals,
            }
        );
        for mode in store.mode_totals("c", None).await.unwrap() {
            let own: Vec<StoredTrip> = after
                .iter()
                .filter(|t| t.figures.main_mode == mode.mode)
                .cloned()
                .collect();
            let mut expected = sums(&own);
            expected.participants = 0;
            assert_eq!(mode.totals, expected, "{}", mode.mode);
        }
        for day in store.day_totals("c", None).await.unwrap() {
            let own: Vec<StoredTrip> = after
                .iter()
                .filter(|t| t.date == day.date)
                .cloned()
                .collect();
            let mut expected = sums(&own);
            expected.participants = 0;
            assert_eq!(day.totals, expected, "{}", day.date);
        }
        let campaign = store.get_campaign("c").await.unwrap();
        assert_eq!(
            (campaign.factor_set_id.as_str(), campaign.revision),
            ("uk-desnz-2025-wtw", 2)
        );
        assert_eq!(store.audit(&query).await.unwrap().len(), 1);

        // A batch computed with the set the campaign left is refused; with the new one, stored.
        let late = batch(
            "a",
            vec![trip(
                "late",
                date(2026, 6, 9),
                Direction::ToWork,
                "bus",
                3.0,
            )],
        );
        let refused = store.log_trips(late.clone()).await;
        assert!(
            matches!(refused, Err(StoreError::Conflict(_))),
            "{refused:?}"
        );
        let mut current = late;
        current.computed_with.id = "uk-desnz-2025-wtw".into();
        current.computed_with.version = "2025.3".into();
        store.log_trips(current).await.unwrap();
        assert_eq!(all_trips(&store).await.len(), after.len() + 1);
    });
}
