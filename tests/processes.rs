//! Several service processes on one database (PostgreSQL with
//! `GREEN_COMMUTE_TEST_BACKEND=postgres`, else one SQLite file): the same trips sent to two
//! processes at the same time are stored once, trips whose directions overlap are stored once
//! whichever process wins, and every total is the exact sum over the stored trips.

mod common;

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{json, Value};

use common::process::Server;
use common::{send, TestDatabase, ADMIN_TOKEN};

fn call(
    address: &str,
    token: &str,
    method: &str,
    path: &str,
    body: Option<&Value>,
) -> (u16, Value) {
    let auth = format!("Bearer {token}");
    let bytes = body
        .map(|b| serde_json::to_vec(b).unwrap())
        .unwrap_or_default();
    let response = send(
        address,
        method,
        path,
        &[
            ("Authorization", &auth),
            ("Content-Type", "application/json"),
        ],
        &bytes,
    );
    let json = serde_json::from_slice(&response.body).unwrap_or(Value::Null);
    (response.status, json)
}

/// Every (participant, day) gets both one-way trips or one round trip: no overlaps among them.
fn distinct_trips(organization: &str) -> Vec<Value> {
    let mut trips = Vec::new();
    for p in 0..40 {
        for day in 1..=10 {
            let date = format!("2026-06-{day:02}");
            let participant = format!("{organization}-{p}");
            let km = 2.0 + f64::from((p * 7 + day) % 23);
            let mode = ["bus", "metro", "bicycle", "car", "e_bike"][(p + day) as usize % 5];
            if (p + day) % 3 == 0 {
                trips.push(json!({ "participant": participant, "date": date, "direction": "round_trip", "mode": mode, "distance_km": km }));
            } else {
                for direction in ["to_work", "from_work"] {
                    trips.push(json!({ "participant": participant, "date": date, "direction": direction, "mode": mode, "distance_km": km }));
                }
            }
        }
    }
    trips
}

/// The same participant-days as `distinct_trips`, with round trips and one-way trips swapped:
/// sent to the other process, every participant-day is contested.
fn contested_trips(organization: &str) -> Vec<Value> {
    distinct_trips(organization)
        .into_iter()
        .map(|mut trip| {
            trip["direction"] = match trip["direction"].as_str().unwrap() {
                "round_trip" => json!("to_work"),
                _ => json!("round_trip"),
            };
            trip
        })
        .collect()
}

fn log_all(
    address: String,
    key: String,
    campaign: &str,
    mut trips: Vec<Value>,
    reverse: bool,
) -> std::thread::JoinHandle<Vec<Value>> {
    let path = format!("/v1/campaigns/{campaign}/trips");
    if reverse {
        trips.reverse();
    }
    std::thread::spawn(move || {
        let mut outcomes = Vec::new();
        for chunk in trips.chunks(97) {
            let (status, body) = call(
                &address,
                &key,
                "POST",
                &path,
                Some(&json!({ "trips": chunk })),
            );
            assert_eq!(status, 201, "{body}");
            outcomes.extend(body["trips"].as_array().unwrap().iter().cloned());
        }
        outcomes
    })
}

#[test]
fn two_processes_logging_the_same_and_overlapping_trips_end_with_exact_totals() {
    // Arrange: two processes on one database.
    let (_database, url) = TestDatabase::create();
    let logs = tempfile::tempdir().unwrap();
    let first = Server::start(&url, logs.path());
    let second = Server::start(&url, logs.path());
    let campaign = "national-week";
    let (status, _) = call(
        &first.address,
        ADMIN_TOKEN,
        "POST",
        "/v1/campaigns",
        Some(&json!({
            "id": campaign, "name": "National week", "starts_on": "2026-06-01", "ends_on": "2026-06-14"
        })),
    );
    assert_eq!(status, 201);
    let mut keys = BTreeMap::new();
    for (organization, kind) in [("same", "enterprise"), ("contested", "community")] {
        call(
            &second.address,
            ADMIN_TOKEN,
            "POST",
            "/v1/organizations",
            Some(&json!({ "id": organization, "name": organization, "kind": kind })),
        );
        call(
            &first.address,
            ADMIN_TOKEN,
            "PUT",
            &format!("/v1/campaigns/{campaign}/organizations/{organization}"),
            None,
        );
        let (_, key) = call(
            &second.address,
            ADMIN_TOKEN,
            "POST",
            &format!("/v1/organizations/{organization}/keys"),
            None,
        );
        keys.insert(organization, key["key"].as_str().unwrap().to_owned());
    }

    // Act: each organization's trips go to both processes at once, in opposite orders.
    let same = distinct_trips("same");
    let workers = vec![
        log_all(
            first.address.clone(),
            keys["same"].clone(),
            campaign,
            same.clone(),
            false,
        ),
        log_all(
            second.address.clone(),
            keys["same"].clone(),
            campaign,
            same.clone(),
            true,
        ),
        log_all(
            first.address.clone(),
            keys["contested"].clone(),
            campaign,
            distinct_trips("contested"),
            false,
        ),
        log_all(
            second.address.clone(),
            keys["contested"].clone(),
            campaign,
            contested_trips("contested"),
            true,
        ),
    ];
    let outcomes: Vec<Vec<Value>> = workers.into_iter().map(|w| w.join().unwrap()).collect();

    // Assert: the stored trips, listed through either process.
    let mut stored = Vec::new();
    let mut path = format!("/v1/campaigns/{campaign}/trips?limit=1000");
    loop {
        let (status, page) = call(&second.address, ADMIN_TOKEN, "GET", &path, None);
        assert_eq!(status, 200);
        stored.extend(page["trips"].as_array().unwrap().iter().cloned());
        match page["next_cursor"].as_str() {
            Some(cursor) => {
                path = format!("/v1/campaigns/{campaign}/trips?limit=1000&cursor={cursor}")
            }
            None => break,
        }
    }
    let stored_ids: BTreeSet<i64> = stored.iter().map(|t| t["id"].as_i64().unwrap()).collect();
    assert_eq!(stored_ids.len(), stored.len());

    // Identical trips: each stored once; both processes report the same id for it.
    let same_stored: Vec<&Value> = stored
        .iter()
        .filter(|t| t["organization_id"] == "same")
        .collect();
    assert_eq!(
        same_stored.len(),
        same.len(),
        "every distinct trip stored exactly once"
    );
    let mut ids_by_trip: BTreeMap<(String, String, String), BTreeSet<i64>> = BTreeMap::new();
    for outcome in outcomes[0].iter().chain(&outcomes[1]) {
        let key = (
            outcome["participant"].to_string(),
            outcome["date"].to_string(),
            outcome["direction"].to_string(),
        );
        ids_by_trip
            .entry(key)
            .or_default()
            .insert(outcome["id"].as_i64().unwrap());
    }
    assert!(
        ids_by_trip.values().all(|ids| ids.len() == 1),
        "both processes agree on each trip's id"
    );
    let new_in_same: usize = outcomes[0]
        .iter()
        .chain(&outcomes[1])
        .filter(|o| o["duplicate"] == false)
        .count();
    assert_eq!(
        new_in_same,
        same.len(),
        "each trip acknowledged as new exactly once"
    );

    // Contested participant-days: exactly the trips of one side, never overlapping directions.
    let mut days: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
    for trip in stored
        .iter()
        .filter(|t| t["organization_id"] == "contested")
    {
        days.entry((trip["participant"].to_string(), trip["date"].to_string()))
            .or_default()
            .push(trip["direction"].as_str().unwrap().to_owned());
    }
    assert_eq!(
        days.len(),
        400,
        "every contested participant-day has a trip"
    );
    for directions in days.values_mut() {
        directions.sort();
        assert!(
            *directions == ["round_trip"]
                || *directions == ["from_work", "to_work"]
                || *directions == ["to_work"],
            "overlapping directions stored: {directions:?}"
        );
    }
    let acknowledged: BTreeSet<i64> = outcomes
        .iter()
        .flatten()
        .map(|o| o["id"].as_i64().unwrap())
        .collect();
    assert_eq!(
        acknowledged, stored_ids,
        "every acknowledged id is a stored trip, and nothing else is stored"
    );

    // Totals are the exact sums over the stored trips, whichever process is asked.
    for address in [&first.address, &second.address] {
        let (_, summary) = call(
            address,
            ADMIN_TOKEN,
            "GET",
            &format!("/v1/campaigns/{campaign}/summary"),
            None,
        );
        let sum = |field: &str| {
            stored
                .iter()
                .map(|t| t[field].as_i64().unwrap())
                .sum::<i64>()
        };
        assert_eq!(summary["trips"], stored.len());
        assert_eq!(summary["co2e_g"], sum("co2e_g"));
        assert_eq!(summary["baseline_co2e_g"], sum("baseline_co2e_g"));
        assert_eq!(summary["savings_g"], sum("savings_g"));
        assert_eq!(summary["participants"], 80);
    }
}
