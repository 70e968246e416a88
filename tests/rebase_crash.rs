//! A rebase killed part-way: the real binary is killed with SIGKILL while it rebases a big
//! campaign and started again on the same database (a SQLite file, or with
//! `GREEN_COMMUTE_TEST_BACKEND=postgres` a PostgreSQL database). The campaign's old results must
//! all be there, byte for byte; a twin rebased to completion before the kill must stay rebased;
//! and the interrupted rebase, run again, must end where the twin did.
//!
//! The kill comes at a random point between a third and two thirds of the time the twin's
//! rebase took (the seed is printed; `CRASH_SEED` replays it), and the test fails if the rebase
//! answered before it: then it would not have been killed part-way.

mod common;

use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use common::process::{try_send, Server};
use common::rng::{seed_from_env_or_clock, Rng};
use common::{
    create_campaign, create_organization, enroll, issue_key, send, TestDatabase, ADMIN_TOKEN,
};

/// Trips per campaign: enough that a debug build takes a while to rebase them.
const TRIPS: usize = 15_000;
const DAYS: usize = 14;
const CAMPAIGN: &str = "killed-rebase";
const TWIN: &str = "finished-rebase";
const ORGANIZATION: &str = "big-employer";

#[test]
fn a_rebase_killed_part_way_leaves_every_old_result_intact_and_can_be_run_again() {
    let mut rng = Rng(seed_from_env_or_clock("CRASH_SEED"));

    // Arrange: two cn-2022 campaigns with the same 15,000 trips; the twin rebased onto cn-2023.
    let (_database, database_url) = TestDatabase::create();
    let logs = tempfile::tempdir().expect("a folder for the server's output");
    let server = Server::start(&database_url, logs.path());
    let address = server.address.clone();
    create_organization(&address, ORGANIZATION, "enterprise");
    let key = issue_key(&address, ORGANIZATION).1;
    for campaign in [CAMPAIGN, TWIN] {
        create_campaign(
            &address,
            campaign,
            json!({ "factor_set": "cn-2022", "region": "CN-BJ" }),
        );
        enroll(&address, campaign, ORGANIZATION);
        for batch in trips().chunks(10_000) {
            post(
                &address,
                &key,
                &format!("/v1/campaigns/{campaign}/trips"),
                &json!({ "trips": batch }),
            )
            .unwrap_or_else(|| panic!("logging into {campaign} failed"));
        }
    }
    let started = Instant::now();
    let twin = send_rebase(&address, TWIN).expect("the server answers");
    let full_rebase = started.elapsed();
    assert_eq!(twin.0, 200, "{}", String::from_utf8_lossy(&twin.1));
    eprintln!("a full rebase of {TRIPS} trips took {full_rebase:?}");
    let twin_after = results(&address, TWIN);
    let before = results(&address, CAMPAIGN);

    // Act: rebase the campaign and SIGKILL the server part-way; start it again.
    let kill_after = full_rebase.mul_f64(0.33 + rng.below(34) as f64 / 100.0);
    let (answered, answer) = mpsc::channel();
    let rebase_address = address.clone();
    std::thread::spawn(move || {
        let _ = answered.send(try_send(
            &rebase_address,
            "POST",
            &format!("/v1/campaigns/{CAMPAIGN}/rebase"),
            &[
                ("Content-Type", "application/json"),
                ("Authorization", &format!("Bearer {ADMIN_TOKEN}")),
            ],
            br#"{"factor_set":"cn-2023"}"#,
        ));
    });
    std::thread::sleep(kill_after);
    server.kill();
    let interrupted = answer
        .recv_timeout(Duration::from_secs(60))
        .expect("the request ends with the server");
    assert!(
        interrupted.is_none(),
        "the rebase answered before the kill at {kill_after:?}: {:?}",
        interrupted.map(|(status, body)| (status, String::from_utf8_lossy(&body).into_owned()))
    );
    let server = Server::start(&database_url, logs.path());
    let address = server.address.clone();

    // Assert: the old results are all there, the twin's rebase too.
    let after_restart = results(&address, CAMPAIGN);
    assert_eq!(after_restart.len(), before.len());
    for ((path, old), (_, now)) in before.iter().zip(&after_restart) {
        assert!(
            old == now,
            "{path} changed after the kill at {kill_after:?}"
        );
    }
    for ((path, old), (_, now)) in twin_after.iter().zip(&results(&address, TWIN)) {
        assert!(old == now, "{path}: the finished rebase was lost");
    }
    // Run again, the rebase ends where the twin's did.
    let (status, body) = send_rebase(&address, CAMPAIGN).expect("the server answers");
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    let normalized = |campaign: &str, pages: Vec<(String, Vec<u8>)>| -> Vec<Value> {
        pages
            .into_iter()
            .filter(|(path, _)| path.ends_with("summary") || path.ends_with("leaderboard"))
            .map(|(_, body)| {
                let text = String::from_utf8(body)
                    .unwrap()
                    .replace(campaign, "CAMPAIGN");
                serde_json::from_str(&text).unwrap()
            })
            .collect()
    };
    assert_eq!(
        normalized(CAMPAIGN, results(&address, CAMPAIGN)),
        normalized(TWIN, twin_after)
    );
    drop(server);
}

/// The same trips for every campaign: one per participant and day, single- and multi-leg,
/// shared cars, round trips.
fn trips() -> Vec<Value> {
    let participants = TRIPS / DAYS + 1;
    (0..TRIPS)
        .map(|i| {
            let (participant, day) = (i % participants, i / participants + 1);
            let km = 1.0 + (i % 29) as f64;
            let direction = ["to_work", "from_work", "round_trip"][i % 3];
            let mut trip = json!({
                "participant": format!("m{participant:05}"),
                "date": format!("2026-06-{day:02}"),
                "direction": direction,
            });
            match i % 5 {
                0 => trip["mode"] = json!("metro"),
                1 => {
                    trip["legs"] = json!([
                        { "mode": "e_bike", "distance_km": 1.5 },
                        { "mode": "metro", "distance_km": km }
                    ])
                }
                2 => {
                    trip["mode"] = json!("car");
                    trip["passengers"] = json!(1 + i % 3);
                }
                3 => trip["mode"] = json!("bus"),
                _ => trip["mode"] = json!("car_electric"),
            }
            if trip.get("mode").is_some() {
                trip["distance_km"] = json!(km);
            }
            trip
        })
        .collect()
}

fn post(address: &str, key: &str, path: &str, body: &Value) -> Option<(u16, Vec<u8>)> {
    let answer = try_send(
        address,
        "POST",
        path,
        &[
            ("Content-Type", "application/json"),
            ("Authorization", &format!("Bearer {key}")),
        ],
        &serde_json::to_vec(body).unwrap(),
    )?;
    assert!(
        answer.0 == 201 || answer.0 == 200,
        "{path}: {}",
        String::from_utf8_lossy(&answer.1)
    );
    Some(answer)
}

fn send_rebase(address: &str, campaign: &str) -> Option<(u16, Vec<u8>)> {
    try_send(
        address,
        "POST",
        &format!("/v1/campaigns/{campaign}/rebase"),
        &[
            ("Content-Type", "application/json"),
            ("Authorization", &format!("Bearer {ADMIN_TOKEN}")),
        ],
        br#"{"factor_set":"cn-2023"}"#,
    )
}

/// Everything the campaign shows, as raw bodies by path: its record and history, its results,
/// and every trip.
fn results(address: &str, campaign: &str) -> Vec<(String, Vec<u8>)> {
    let auth = format!("Bearer {ADMIN_TOKEN}");
    let get = |path: String| {
        let answer = send(address, "GET", &path, &[("Authorization", &auth)], b"");
        answer.assert_status(200);
        (path, answer)
    };
    let mut pages: Vec<(String, Vec<u8>)> = [
        format!("/v1/campaigns/{campaign}"),
        format!("/v1/campaigns/{campaign}/history"),
        format!("/v1/campaigns/{campaign}/summary"),
        format!("/v1/campaigns/{campaign}/leaderboard"),
        format!("/v1/campaigns/{campaign}/organizations/{ORGANIZATION}/summary"),
    ]
    .into_iter()
    .map(|path| {
        let (path, answer) = get(path);
        (path, answer.body)
    })
    .collect();
    let mut cursor = String::new();
    loop {
        let (path, page) = get(format!("/v1/campaigns/{campaign}/trips?limit=1000{cursor}"));
        let next = page.json()["next_cursor"].as_str().map(str::to_owned);
        pages.push((path, page.body));
        match next {
            Some(next) => cursor = format!("&cursor={next}"),
            None => return pages,
        }
    }
}
