//! Crash: the real binary is killed with SIGKILL in the middle of bulk logging and started again on
//! the same database: a SQLite file, or with `GREEN_COMMUTE_TEST_BACKEND=postgres` a PostgreSQL
//! database (see `api/helpers.rs`). Every acknowledged trip must be there and no batch may be
//! half there (`api.md`: a 201 means the trips are durably stored; batches are atomic).
//!
//! Each batch gets a participant prefix of its own (`r1-b00042-`), so the stored trips say which
//! batches are whole, absent or (a failure) partly there. The time of the kill is random; the seed
//! is printed and `CRASH_SEED` replays it.
//!
//! The binary is the debug build cargo makes for integration tests. The issue asks for the release
//! binary: CI and benchmarks pass it with `GREEN_COMMUTE_BIN` (see `common/process.rs`):
//! `GREEN_COMMUTE_BIN=$PWD/target/release/green-commute cargo test --test crash`.

mod common;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use common::process::{try_send, Server};
use common::rng::{seed_from_env_or_clock, Rng};
use common::{
    create_campaign, create_organization, enroll, issue_key, send, Response, TestDatabase,
    ADMIN_TOKEN,
};

const ORGANIZATIONS: [(&str, &str); 2] =
    [("night-shift", "enterprise"), ("day-shift", "community")];
/// Client threads logging at once.
const CLIENTS: usize = 4;
/// Kill and restart this many times.
const ROUNDS: usize = 3;
/// How long a round waits for its first acknowledged batch before the kill timer starts.
const FIRST_ACK_WAIT: Duration = Duration::from_secs(60);

/// Each round logs into a campaign of its own on the same database, so that its check lists only
/// its own trips; the results of earlier rounds must stay byte-identical.
fn campaign(round: usize) -> String {
    format!("crash-week-{round}")
}

#[test]
fn every_acknowledged_trip_survives_a_sigkill_during_bulk_logging_and_no_batch_is_half_stored() {
    let seed = seed_from_env_or_clock("CRASH_SEED");
    let mut rng = Rng(seed);

    // Arrange
    let (_database, database_url) = TestDatabase::create();
    let logs = tempfile::tempdir().expect("a folder for the server's output");
    let mut server = Server::start(&database_url, logs.path());
    let keys = set_up(&server.address);
    let mut ledger: Vec<Sent> = Vec::new();
    let mut earlier_results: Vec<(String, Vec<u8>)> = Vec::new();

    for round in 0..ROUNDS {
        // Act: clients log continuously; SIGKILL after 1–3 s; start again on the same database.
        open_campaign(&server.address, round);
        let kill_after = Duration::from_millis(rng.between(1_000, 3_000));
        let sent = log_until_killed(server, &keys, round, kill_after, rng.next_u64());
        report(round, kill_after, &sent);
        server = Server::start(&database_url, logs.path());

        // Assert
        let when = format!("after kill {}", round + 1);
        check(&server.address, &campaign(round), &sent, &when);
        for (path, before) in &earlier_results {
            let now = send(&server.address, "GET", path, &[], b"");
            assert!(
                &now.body == before,
                "{when}: {path} changed\nbefore: {}\nnow:    {}",
                String::from_utf8_lossy(before),
                now.text()
            );
        }
        earlier_results.extend(results(&server.address, &campaign(round)));
        ledger.extend(sent);
    }

    let acknowledged = ledger.iter().filter(|s| s.acknowledged.is_some()).count();
    let in_flight = ledger.iter().filter(|s| s.acknowledged.is_none()).count();
    assert!(
        acknowledged > 0,
        "no batch was acknowledged before a kill: nothing was tested"
    );
    assert!(
        in_flight > 0,
        "no batch was in flight at a kill: the kills missed the logging"
    );

    // The store takes writes again after the crashes.
    let mut rng = Rng(seed ^ 0xFFFF);
    let body = batch_body(&mut rng, "after-crashes-", 10);
    let response = post_trips(&server.address, &campaign(ROUNDS - 1), &keys[0], &body);
    response.assert_status(201);
    assert_eq!(response.json()["accepted"], 10);
}

// ---------------------------------------------------------------------------------------------
// Logging until the kill
// ---------------------------------------------------------------------------------------------

/// A batch as a client sent it.
struct Sent {
    /// Participant prefix shared by the batch's trips and no other.
    prefix: String,
    organization: usize,
    size: usize,
    /// The 201's entries, when it arrived before the kill.
    acknowledged: Option<Vec<Logged>>,
}

/// One entry of a 201.
#[derive(Debug, Clone, PartialEq)]
struct Logged {
    id: i64,
    participant: String,
    co2e_g: i64,
    baseline_co2e_g: i64,
    savings_g: i64,
}

/// Runs the clients, kills the server after `kill_after` and returns what the clients sent.
fn log_until_killed(
    server: Server,
    keys: &[String],
    round: usize,
    kill_after: Duration,
    seed: u64,
) -> Vec<Sent> {
    let killed = Arc::new(AtomicBool::new(false));
    let next_batch = Arc::new(AtomicUsize::new(0));
    let acknowledgements = Arc::new(AtomicUsize::new(0));
    let clients: Vec<_> = (0..CLIENTS)
        .map(|c| {
            let client = Client {
                address: server.address.clone(),
                campaign: campaign(round),
                organization: c % keys.len(),
                key: keys[c % keys.len()].clone(),
                round,
                killed: killed.clone(),
                next_batch: next_batch.clone(),
                acknowledgements: acknowledgements.clone(),
            };
            let seed = seed ^ (c as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
            std::thread::spawn(move || client.run(Rng(seed)))
        })
        .collect();
    // The kill must fall among acknowledged and in-flight batches: on a loaded machine the first
    // acknowledgement can take longer than the delay, so the delay counts from it.
    let started = Instant::now();
    while acknowledgements.load(Ordering::SeqCst) == 0 && started.elapsed() < FIRST_ACK_WAIT {
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(kill_after);
    killed.store(true, Ordering::SeqCst);
    server.kill();
    let mut sent = Vec::new();
    let mut failures = Vec::new();
    for client in clients {
        let (batches, failure) = client.join().expect("a client thread ends");
        sent.extend(batches);
        failures.extend(failure);
    }
    assert!(
        failures.is_empty(),
        "round {round}: {}",
        failures.join("\n")
    );
    sent
}

struct Client {
    address: String,
    campaign: String,
    organization: usize,
    key: String,
    round: usize,
    killed: Arc<AtomicBool>,
    next_batch: Arc<AtomicUsize>,
    acknowledgements: Arc<AtomicUsize>,
}

impl Client {
    /// Logs batches of 500–2000 new trips until the server dies; what was sent, and what went
    /// wrong before the kill, if anything.
    fn run(self, mut rng: Rng) -> (Vec<Sent>, Option<String>) {
        let mut sent = Vec::new();
        let auth = format!("Bearer {}", self.key);
        let path = format!("/v1/campaigns/{}/trips", self.campaign);
        while !self.killed.load(Ordering::SeqCst) {
            let number = self.next_batch.fetch_add(1, Ordering::SeqCst);
            let prefix = format!("r{}-b{number:05}-", self.round);
            let size = rng.between(500, 2_000) as usize;
            let body = batch_body(&mut rng, &prefix, size);
            let headers = [
                ("Content-Type", "application/json"),
                ("Authorization", auth.as_str()),
            ];
            let outcome = try_send(&self.address, "POST", &path, &headers, &body);
            let mut batch = Sent {
                prefix,
                organization: self.organization,
                size,
                acknowledged: None,
            };
            match outcome {
                Some((201, response)) => match acknowledged(&response, size) {
                    Ok(logged) => {
                        batch.acknowledged = Some(logged);
                        self.acknowledgements.fetch_add(1, Ordering::SeqCst);
                    }
                    Err(failure) => return (sent, Some(format!("{}: {failure}", batch.prefix))),
                },
                Some((status, response)) => {
                    let failure = format!(
                        "{}: {status} {}",
                        batch.prefix,
                        String::from_utf8_lossy(&response)
                    );
                    sent.push(batch);
                    return (sent, Some(failure));
                }
                None if self.killed.load(Ordering::SeqCst) => {
                    sent.push(batch);
                    break;
                }
                None => {
                    let failure = format!("{}: the request failed before the kill", batch.prefix);
                    sent.push(batch);
                    return (sent, Some(failure));
                }
            }
            sent.push(batch);
        }
        (sent, None)
    }
}

/// The entries of a 201 for `size` new trips.
fn acknowledged(body: &[u8], size: usize) -> Result<Vec<Logged>, String> {
    let body: Value = serde_json::from_slice(body).map_err(|e| format!("201 body: {e}"))?;
    if body["accepted"] != size || body["duplicates"] != 0 {
        return Err(format!(
            "{size} new trips gave accepted {} and duplicates {}",
            body["accepted"], body["duplicates"]
        ));
    }
    body["trips"]
        .as_array()
        .ok_or("no trips[]")?
        .iter()
        .map(|t| {
            Ok(Logged {
                id: t["id"].as_i64().ok_or("id")?,
                participant: t["participant"].as_str().ok_or("participant")?.to_owned(),
                co2e_g: t["co2e_g"].as_i64().ok_or("co2e_g")?,
                baseline_co2e_g: t["baseline_co2e_g"].as_i64().ok_or("baseline_co2e_g")?,
                savings_g: t["savings_g"].as_i64().ok_or("savings_g")?,
            })
        })
        .collect::<Result<Vec<_>, &str>>()
        .map_err(str::to_owned)
}

/// `size` trips, each of its own participant `{prefix}{i}`.
fn batch_body(rng: &mut Rng, prefix: &str, size: usize) -> Vec<u8> {
    const MODES: [&str; 8] = [
        "walk",
        "bicycle",
        "e_bike",
        "bus",
        "metro",
        "car",
        "car_electric",
        "rail",
    ];
    let trips: Vec<Value> = (0..size)
        .map(|i| {
            let mode = *rng.pick(&MODES);
            let mut trip = json!({
                "participant": format!("{prefix}{i:04}"),
                "date": format!("2026-06-{:02}", rng.between(1, 14)),
                "direction": rng.pick(&["to_work", "from_work", "round_trip"]),
                "mode": mode,
                "distance_km": rng.between(500, 30_000) as f64 / 1000.0,
            });
            if mode.starts_with("car") {
                trip["passengers"] = json!(rng.between(1, 4));
            }
            trip
        })
        .collect();
    serde_json::to_vec(&json!({ "trips": trips })).unwrap()
}

fn report(round: usize, kill_after: Duration, sent: &[Sent]) {
    let acknowledged: Vec<&Sent> = sent.iter().filter(|s| s.acknowledged.is_some()).collect();
    eprintln!(
        "kill {} after {kill_after:?}: {} batches sent, {} acknowledged ({} trips), {} in flight",
        round + 1,
        sent.len(),
        acknowledged.len(),
        acknowledged.iter().map(|s| s.size).sum::<usize>(),
        sent.len() - acknowledged.len()
    );
}

// ---------------------------------------------------------------------------------------------
// Checking after the restart
// ---------------------------------------------------------------------------------------------

/// Every acknowledged batch whole, with the acknowledged ids and values; every other batch whole
/// or absent; nothing else stored; and the results equal to the sums over the stored trips.
fn check(address: &str, campaign: &str, ledger: &[Sent], when: &str) {
    let started = Instant::now();
    let trips = list_trips(address, campaign);
    let mut by_prefix: HashMap<&str, Vec<&Value>> = HashMap::new();
    for trip in &trips {
        let participant = trip["participant"].as_str().expect("a participant");
        let cut = participant.rfind('-').map_or(0, |i| i + 1);
        by_prefix.entry(&participant[..cut]).or_default().push(trip);
    }
    let known: HashSet<&str> = ledger.iter().map(|s| s.prefix.as_str()).collect();
    let strays: Vec<&&str> = by_prefix.keys().filter(|p| !known.contains(**p)).collect();
    assert!(
        strays.is_empty(),
        "{when}: trips of batches never sent: {strays:?}"
    );

    let (mut whole, mut committed_unacknowledged, mut absent) = (0, 0, 0);
    for sent in ledger {
        let stored = by_prefix
            .get(sent.prefix.as_str())
            .map_or(&[][..], |v| v.as_slice());
        assert!(
            stored.is_empty() || stored.len() == sent.size,
            "{when}: batch {} is half there: {} of its {} trips are stored",
            sent.prefix,
            stored.len(),
            sent.size
        );
        let organization = ORGANIZATIONS[sent.organization].0;
        assert!(stored.iter().all(|t| t["organization_id"] == organization));
        match &sent.acknowledged {
            Some(logged) => {
                assert_eq!(
                    stored.len(),
                    sent.size,
                    "{when}: batch {} was acknowledged with a 201 but {} of its {} trips are stored",
                    sent.prefix,
                    stored.len(),
                    sent.size
                );
                let by_id: HashMap<i64, &&Value> = stored
                    .iter()
                    .map(|t| (t["id"].as_i64().unwrap(), t))
                    .collect();
                for l in logged {
                    let t = by_id.get(&l.id).unwrap_or_else(|| {
                        panic!(
                            "{when}: acknowledged trip {} ({}) is missing",
                            l.id, l.participant
                        )
                    });
                    let found = Logged {
                        id: l.id,
                        participant: t["participant"].as_str().unwrap().to_owned(),
                        co2e_g: t["co2e_g"].as_i64().unwrap(),
                        baseline_co2e_g: t["baseline_co2e_g"].as_i64().unwrap(),
                        savings_g: t["savings_g"].as_i64().unwrap(),
                    };
                    assert_eq!(&found, l, "{when}: a trip as stored and as acknowledged");
                }
                whole += 1;
            }
            None if stored.is_empty() => absent += 1,
            None => committed_unacknowledged += 1,
        }
    }
    check_results(address, campaign, &trips, when);
    eprintln!(
        "{when}: {} trips stored; {whole} acknowledged batches whole, {committed_unacknowledged} \
         unacknowledged batches whole, {absent} absent; checked in {:?}",
        trips.len(),
        started.elapsed()
    );
}

/// Sums over some stored trips.
#[derive(Debug, Default, PartialEq, Eq)]
struct Sums {
    trips: i64,
    participants: i64,
    distance_m: i64,
    co2e_g: i64,
    baseline_co2e_g: i64,
    savings_g: i64,
}

impl Sums {
    fn over<'a>(trips: impl IntoIterator<Item = &'a Value>) -> Self {
        let mut sums = Self::default();
        let mut participants = HashSet::new();
        for t in trips {
            sums.trips += 1;
            participants.insert((
                t["organization_id"].as_str().unwrap().to_owned(),
                t["participant"].as_str().unwrap().to_owned(),
            ));
            sums.distance_m += metres(&t["distance_km"]);
            sums.co2e_g += t["co2e_g"].as_i64().unwrap();
            sums.baseline_co2e_g += t["baseline_co2e_g"].as_i64().unwrap();
            sums.savings_g += t["savings_g"].as_i64().unwrap();
        }
        sums.participants = participants.len() as i64;
        sums
    }

    /// The same figures as a results response shows them.
    fn of_figures(figures: &Value) -> Self {
        Self {
            trips: figures["trips"].as_i64().unwrap(),
            participants: figures["participants"].as_i64().unwrap_or(0),
            distance_m: metres(&figures["distance_km"]),
            co2e_g: figures["co2e_g"].as_i64().unwrap(),
            baseline_co2e_g: figures["baseline_co2e_g"].as_i64().unwrap(),
            savings_g: figures["savings_g"].as_i64().unwrap(),
        }
    }
}

fn metres(km: &Value) -> i64 {
    (km.as_f64().expect("a distance") * 1000.0).round() as i64
}

/// Summary, leaderboard and organization summaries (with `by_day`) equal the sums over the
/// stored trips.
fn check_results(address: &str, campaign: &str, trips: &[Value], when: &str) {
    let summary = get(address, &format!("/v1/campaigns/{campaign}/summary"));
    assert_eq!(
        Sums::of_figures(&summary),
        Sums::over(trips),
        "{when}: the campaign summary against the stored trips: {summary}"
    );
    let leaderboard = get(address, &format!("/v1/campaigns/{campaign}/leaderboard"));
    let entries = leaderboard["entries"].as_array().expect("entries[]");
    assert_eq!(entries.len(), ORGANIZATIONS.len(), "{when}: {leaderboard}");
    for entry in entries {
        let id = entry["organization"]["id"].as_str().unwrap();
        let own: Vec<&Value> = trips
            .iter()
            .filter(|t| t["organization_id"] == id)
            .collect();
        assert_eq!(
            Sums::of_figures(entry),
            Sums::over(own.iter().copied()),
            "{when}: the leaderboard entry of {id}"
        );
        let organization = get(
            address,
            &format!("/v1/campaigns/{campaign}/organizations/{id}/summary"),
        );
        assert_eq!(
            Sums::of_figures(&organization),
            Sums::over(own.iter().copied()),
            "{when}: the summary of {id}"
        );
        let mut days: BTreeMap<&str, Vec<&Value>> = BTreeMap::new();
        for t in &own {
            days.entry(t["date"].as_str().unwrap()).or_default().push(t);
        }
        let by_day = organization["by_day"].as_array().expect("by_day[]");
        assert_eq!(by_day.len(), days.len(), "{when}: by_day of {id}");
        for (day, (date, members)) in by_day.iter().zip(&days) {
            let sums = Sums::over(members.iter().copied());
            assert_eq!(day["date"], *date, "{when}: by_day of {id}");
            assert_eq!(
                (day["trips"].as_i64(), day["savings_g"].as_i64()),
                (Some(sums.trips), Some(sums.savings_g)),
                "{when}: by_day {date} of {id}"
            );
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Requests
// ---------------------------------------------------------------------------------------------

fn get(address: &str, path: &str) -> Value {
    let auth = format!("Bearer {ADMIN_TOKEN}");
    let response = send(address, "GET", path, &[("Authorization", &auth)], b"");
    response.assert_status(200);
    response.json()
}

fn post_trips(address: &str, campaign: &str, key: &str, body: &[u8]) -> Response {
    let auth = format!("Bearer {key}");
    send(
        address,
        "POST",
        &format!("/v1/campaigns/{campaign}/trips"),
        &[
            ("Content-Type", "application/json"),
            ("Authorization", &auth),
        ],
        body,
    )
}

/// Creates the organizations; their keys.
fn set_up(address: &str) -> Vec<String> {
    ORGANIZATIONS
        .iter()
        .map(|(id, kind)| {
            create_organization(&address, id, kind);
            issue_key(&address, id).1
        })
        .collect()
}

/// Creates the round's campaign and enrolls every organization.
fn open_campaign(address: &str, round: usize) {
    let campaign = campaign(round);
    create_campaign(
        &address,
        &campaign,
        json!({ "name": format!("Crash Week {round}"), "factor_set": "cn-2022" }),
    );
    for (id, _) in ORGANIZATIONS {
        enroll(&address, &campaign, id);
    }
}

/// The campaign's results as raw bodies, by path.
fn results(address: &str, campaign: &str) -> Vec<(String, Vec<u8>)> {
    let mut paths = vec![
        format!("/v1/campaigns/{campaign}/summary"),
        format!("/v1/campaigns/{campaign}/leaderboard"),
    ];
    for (id, _) in ORGANIZATIONS {
        paths.push(format!(
            "/v1/campaigns/{campaign}/organizations/{id}/summary"
        ));
    }
    paths
        .into_iter()
        .map(|path| {
            let response = send(address, "GET", &path, &[], b"");
            response.assert_status(200);
            (path, response.body)
        })
        .collect()
}

/// Every stored trip, as the admin lists them, page by page.
fn list_trips(address: &str, campaign: &str) -> Vec<Value> {
    let mut trips = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut path = format!("/v1/campaigns/{campaign}/trips?limit=1000");
        if let Some(c) = &cursor {
            path.push_str(&format!("&cursor={c}"));
        }
        let mut page = get(address, &path);
        trips.append(page["trips"].as_array_mut().expect("trips[]"));
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    let ids: HashSet<i64> = trips.iter().map(|t| t["id"].as_i64().unwrap()).collect();
    assert_eq!(ids.len(), trips.len(), "no trip is listed twice");
    trips
}
