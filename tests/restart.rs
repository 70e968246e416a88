//! Restart: the real binary, stopped and started again on the same database, shows exactly the
//! same results, byte for byte (`design.md`: "Nothing lost, nothing counted twice").
//!
//! The database is a SQLite file, or with `GREEN_COMMUTE_TEST_BACKEND=postgres` a PostgreSQL
//! database (see `api/helpers.rs`). Runs the binary cargo built for the tests;
//! `GREEN_COMMUTE_BIN` selects another (see `common/process.rs`).

mod common;

use serde_json::{json, Value};

use common::process::Server;
use common::{
    create_campaign, create_organization, enroll, issue_key, send, Response, TestDatabase,
    ADMIN_TOKEN,
};

const CAMPAIGN: &str = "restart-week-2026";
const ORGANIZATIONS: [(&str, &str); 3] = [
    ("north-bank", "enterprise"),
    ("city-hospital", "institution"),
    ("lakeside-community", "community"),
];

#[test]
fn results_are_byte_identical_after_a_restart_on_the_same_file() {
    // Arrange: trips of every shape logged, one deleted.
    let (_database, database_url) = TestDatabase::create();
    let logs = tempfile::tempdir().expect("a folder for the server's output");
    let server = Server::start(&database_url, logs.path());
    let keys = set_up(&server.address);
    let first_batch = log_trips(&server.address, &keys);
    let before = results(&server.address);
    let summary: Value = serde_json::from_slice(&before[0].1).unwrap();
    assert!(summary["trips"].as_i64().unwrap() > 0, "{summary}");

    // Act: a graceful stop (SIGTERM) and a start on the same file.
    let status = server.terminate();
    let server = Server::start(&database_url, logs.path());
    let after = results(&server.address);

    // Assert
    assert!(
        status.success(),
        "SIGTERM ends the service cleanly: {status}"
    );
    assert_identical(&before, &after, "after SIGTERM and a restart");

    // A retried request after the restart changes nothing either.
    let retried = post_trips(&server.address, &keys[0], "application/json", &first_batch);
    retried.assert_status(201);
    let retried = retried.json();
    assert_eq!(
        (&retried["accepted"], &retried["duplicates"]),
        (&json!(0), &json!(300)),
        "a re-sent batch is all duplicates"
    );
    assert_identical(&before, &results(&server.address), "after a retry");

    // And after SIGKILL and another start.
    server.kill();
    let server = Server::start(&database_url, logs.path());
    assert_identical(
        &before,
        &results(&server.address),
        "after SIGKILL and a restart",
    );
}

/// Creates the campaign and organizations (all enrolled); returns their keys.
fn set_up(address: &str) -> Vec<String> {
    create_campaign(
        &address,
        CAMPAIGN,
        json!({ "name": "Restart Week", "factor_set": "cn-2022" }),
    );
    ORGANIZATIONS
        .iter()
        .map(|(id, kind)| {
            create_organization(&address, id, kind);
            enroll(&address, CAMPAIGN, id);
            issue_key(&address, id).1
        })
        .collect()
}

fn post_trips(address: &str, key: &str, content_type: &str, body: &[u8]) -> Response {
    let auth = format!("Bearer {key}");
    send(
        address,
        "POST",
        &format!("/v1/campaigns/{CAMPAIGN}/trips"),
        &[("Content-Type", content_type), ("Authorization", &auth)],
        body,
    )
}

/// Logs single- and multi-leg trips, car-pools, round trips, explicit baselines and a CSV batch
/// from the first two organizations (the third has none), and deletes one trip of the second;
/// returns the first organization's JSON body.
fn log_trips(address: &str, keys: &[String]) -> Vec<u8> {
    let modes = [
        "metro",
        "bus",
        "bicycle",
        "car",
        "e_bike",
        "walk",
        "car_electric",
        "rail",
    ];
    let mut first = Vec::new();
    for (o, key) in keys.iter().enumerate().take(2) {
        let trips: Vec<Value> = (0..300)
            .map(|i| {
                let mode = modes[(i * 7 + o) % modes.len()];
                let direction = ["to_work", "from_work", "round_trip"][i % 3];
                let participant = format!("emp-{:03}", i % 97);
                let date = format!("2026-06-{:02}", 1 + (i * 5) % 14);
                let km = 1.0 + ((i * 37) % 400) as f64 / 10.0;
                let mut trip = if i % 4 == 0 {
                    json!({ "legs": [
                        { "mode": "walk", "distance_km": 0.6 },
                        { "mode": mode, "distance_km": km },
                    ]})
                } else {
                    json!({ "mode": mode, "distance_km": km })
                };
                trip["participant"] = json!(participant);
                trip["date"] = json!(date);
                trip["direction"] = json!(direction);
                if mode.starts_with("car") && i % 2 == 0 && i % 4 != 0 {
                    trip["passengers"] = json!(2 + i % 3);
                }
                if i % 5 == 0 {
                    trip["baseline"] = json!({ "mode": "car_petrol" });
                }
                trip
            })
            .collect();
        let body = serde_json::to_vec(&json!({ "trips": trips })).unwrap();
        post_trips(address, key, "application/json", &body).assert_status(201);
        if first.is_empty() {
            first = body;
        }
    }
    let csv = "participant,date,direction,mode,distance_km,passengers,baseline_mode\n\
               csv-1,2026-06-03,to_work,car,18.25,3,\n\
               csv-2,2026-06-03,round_trip,metro,11.5,,car_diesel\n\
               csv-3,2026-06-04,from_work,bus,6.75,,\n";
    post_trips(address, &keys[1], "text/csv", csv.as_bytes()).assert_status(201);

    let listed = send(
        address,
        "GET",
        &format!("/v1/campaigns/{CAMPAIGN}/trips?limit=1"),
        &[("Authorization", &format!("Bearer {}", keys[1]))],
        b"",
    );
    listed.assert_status(200);
    let id = listed.json()["trips"][0]["id"].as_i64().unwrap();
    send(
        address,
        "DELETE",
        &format!("/v1/campaigns/{CAMPAIGN}/trips/{id}"),
        &[("Authorization", &format!("Bearer {}", keys[1]))],
        b"",
    )
    .assert_status(204);
    first
}

/// Every result and the full trip list, as raw bodies, by path.
fn results(address: &str) -> Vec<(String, Vec<u8>)> {
    let mut paths = vec![
        format!("/v1/campaigns/{CAMPAIGN}/summary"),
        format!("/v1/campaigns/{CAMPAIGN}/leaderboard"),
        format!("/v1/campaigns/{CAMPAIGN}/leaderboard?sort=savings_per_participant"),
        format!("/v1/campaigns/{CAMPAIGN}/leaderboard?kind=institution"),
        format!("/v1/campaigns/{CAMPAIGN}/leaderboard.csv"),
        format!("/v1/campaigns/{CAMPAIGN}"),
    ];
    for (id, _) in ORGANIZATIONS {
        paths.push(format!(
            "/v1/campaigns/{CAMPAIGN}/organizations/{id}/summary"
        ));
    }
    let mut bodies: Vec<(String, Vec<u8>)> = paths
        .into_iter()
        .map(|path| {
            let response = send(address, "GET", &path, &[], b"");
            response.assert_status(200);
            (path, response.body)
        })
        .collect();
    let auth = format!("Bearer {ADMIN_TOKEN}");
    let mut cursor: Option<String> = None;
    loop {
        let mut path = format!("/v1/campaigns/{CAMPAIGN}/trips?limit=250");
        if let Some(c) = &cursor {
            path.push_str(&format!("&cursor={c}"));
        }
        let response = send(address, "GET", &path, &[("Authorization", &auth)], b"");
        response.assert_status(200);
        let next = response.json()["next_cursor"].as_str().map(str::to_owned);
        bodies.push((path, response.body));
        match next {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    bodies
}

#[track_caller]
fn assert_identical(before: &[(String, Vec<u8>)], after: &[(String, Vec<u8>)], when: &str) {
    let paths = |r: &[(String, Vec<u8>)]| r.iter().map(|(p, _)| p.clone()).collect::<Vec<_>>();
    assert_eq!(paths(before), paths(after), "{when}: the same pages");
    for ((path, a), (_, b)) in before.iter().zip(after) {
        assert!(
            a == b,
            "{when}: {path} differs\nbefore: {}\nafter:  {}",
            String::from_utf8_lossy(a),
            String::from_utf8_lossy(b)
        );
    }
}
