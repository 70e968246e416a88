//! Faults of the database under a running service process (the real binary, `common/process.rs`):
//!
//! - PostgreSQL: a private cluster (`common/cluster.rs`) is stopped in the middle of a logging
//!   run, once with `pg_ctl stop -m fast` and once with `-m immediate`. Meanwhile writes and reads
//!   answer 503 problem+json with `Retry-After` and `/readyz` 503; started again, the service
//!   recovers by itself within seconds, and every acknowledged trip is stored exactly once.
//! - SQLite, disk full: the database lives on a 2 MiB tmpfs (`mount -t tmpfs -o size=2m`) that a
//!   filler file then fills: a real ENOSPC, SQLITE_FULL. Writes answer 503, a batch is stored
//!   whole or not at all, reads keep working, and when the filler is removed writes succeed again
//!   without a restart.
//! - SQLite, read-only: the database lives on a small ext4 image (loop device, no journal,
//!   `errors=remount-ro`) whose file system the test turns read-only under the running service
//!   through ext4's `trigger_fs_error` (the kernel's own remount after a disk error). Root cannot
//!   make an open file read-only any other way: chmod does not apply to root, and a read-only
//!   remount is refused (EBUSY) while the service holds its files open for writing. Writes answer
//!   503, nothing is half written, reads keep working. A file system the kernel made read-only
//!   this way stays so until it is unmounted, so recovery is shown by the disk-full test only.
//!
//! Each test prints a reason and returns where the machine cannot do what it needs (not root, no
//! PostgreSQL server, no tmpfs or loop mounts); CI runs as root on a machine that can.

mod common;

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use common::cluster::{wait_for, Cluster, Transport};
use common::process::{try_exchange, Server};
use common::rng::Rng;
use common::{world, Response, World, ADMIN_TOKEN};

// ---------------------------------------------------------------------------------------------
// PostgreSQL
// ---------------------------------------------------------------------------------------------

/// Client threads logging at once (two per organization).
const CLIENTS: usize = 4;

#[test]
fn postgres_stopped_during_logging_answers_503_recovers_without_a_restart_and_keeps_every_acknowledged_trip_once(
) {
    let mut cluster = match Cluster::start(Transport::Plain) {
        Ok(cluster) => cluster,
        Err(reason) => return eprintln!("skipped: {reason}"),
    };
    let logs = tempfile::tempdir().unwrap();
    let server = Server::start_with(
        &cluster.url("sslmode=disable"),
        logs.path(),
        &["--write-rate", "0"],
    );
    let address = server.address.clone();
    let world = world(
        &address,
        "outage-week",
        &["enterprise", "community"],
        json!({ "factor_set": "cn-2022" }),
    );
    let run = LoggingRun::start(&address, &world, CLIENTS);
    assert!(
        wait_for(Duration::from_secs(20), || run.acknowledged() >= 10),
        "the clients log before the outage"
    );

    for (round, mode) in ["fast", "immediate"].into_iter().enumerate() {
        // Act: the database goes away in the middle of the run.
        let before = run.statuses();
        cluster.stop(mode);

        // Assert: meanwhile, writes, reads and readiness answer 503 with Retry-After.
        let probe = Batch::new(&mut Rng(round as u64), &format!("probe{round}-"), 0, 25);
        assert_unavailable(&probe.send(&address, &world));
        for path in [
            format!("/v1/campaigns/{}/summary", world.campaign),
            format!("/v1/campaigns/{}/leaderboard", world.campaign),
            format!("/v1/campaigns/{}/trips?limit=10", world.campaign),
        ] {
            assert_unavailable(&admin_get(&address, &path));
        }
        let ready = try_exchange(&address, "GET", "/readyz", &[], b"").expect("an answer");
        assert_eq!(ready.status, 503, "/readyz while the database is down");
        assert!(
            wait_for(Duration::from_secs(10), || run.statuses().unavailable
                > before.unavailable),
            "the logging clients are answered 503 during the outage"
        );
        std::thread::sleep(Duration::from_millis(1_500));

        // Act: the database comes back; the service is not restarted.
        cluster.start_again().expect("the cluster starts again");
        let back = Instant::now();

        // Assert: reads and writes succeed again within seconds.
        let recovered = wait_for(Duration::from_secs(10), || {
            admin_get(
                &address,
                &format!("/v1/campaigns/{}/summary", world.campaign),
            )
            .is_some_and(|r| r.status == 200)
        });
        assert!(recovered, "reads succeed again within 10 s of the restart");
        let acknowledged = run.acknowledged();
        assert!(
            wait_for(Duration::from_secs(10), || run.acknowledged()
                > acknowledged + CLIENTS),
            "writes succeed again within 10 s of the restart"
        );
        eprintln!(
            "stop -m {mode}: reads and writes back {:?} after the start; {:?}",
            back.elapsed(),
            run.statuses()
        );
    }

    // Assert: every acknowledged trip is stored once, and the results add up.
    let ledger = run.finish();
    check_ledger(&address, &world, &ledger);
    assert!(
        !server.log_text().contains("panicked"),
        "{}",
        server.log_text()
    );
}

/// Asserts a 503 problem with `Retry-After`.
#[track_caller]
fn assert_unavailable(response: &Option<Response>) {
    let response = response
        .as_ref()
        .expect("an answer, not a broken connection");
    response.problem(503);
    assert!(
        response
            .header("retry-after")
            .and_then(|s| s.parse::<u64>().ok())
            .is_some_and(|s| s > 0),
        "a 503 carries Retry-After: {:?}",
        response.headers
    );
}

// ---------------------------------------------------------------------------------------------
// SQLite
// ---------------------------------------------------------------------------------------------

#[test]
fn sqlite_on_a_full_disk_answers_503_stores_batches_whole_or_not_keeps_reading_and_writes_again_when_space_returns(
) {
    let folder = tempfile::tempdir().unwrap();
    let mount = match Mounted::tmpfs(&folder.path().join("disk"), "2m") {
        Ok(mount) => mount,
        Err(reason) => return eprintln!("skipped: {reason}"),
    };
    let url = format!("sqlite://{}", mount.dir.join("gc.db").display());
    let server = Server::start_with(&url, folder.path(), &["--write-rate", "0"]);
    let world = world(
        &server.address,
        "full-week",
        &["enterprise"],
        json!({ "factor_set": "cn-2022" }),
    );
    let mut rng = Rng(7);
    let mut ledger = Vec::new();
    for b in 0..3 {
        let mut batch = Batch::new(&mut rng, &format!("before{b}-"), 0, 100);
        batch.send_until_acknowledged(&server.address, &world);
        ledger.push(batch);
    }

    // Act: the disk fills up.
    let filler = mount.dir.join("filler");
    fill(&filler);

    // Assert: a batch that needs room is refused with 503 and stored not at all; its retry too.
    let mut refused = None;
    for b in 0..8 {
        let mut batch = Batch::new(&mut rng, &format!("full{b}-"), 0, 1_500);
        let response = batch.send(&server.address, &world);
        if response.as_ref().is_some_and(|r| r.status == 201) {
            batch.acknowledge(response.as_ref().unwrap());
            ledger.push(batch);
            continue;
        }
        assert_unavailable(&response);
        refused = Some(batch);
        break;
    }
    let mut refused = refused.expect("a write on the full disk is refused");
    assert_unavailable(&refused.send(&server.address, &world));
    assert_eq!(
        stored_with_prefix(&server.address, &world, &refused.prefix),
        0
    );
    // Reads keep working.
    for path in ["summary", "leaderboard", "trips?limit=5"] {
        let read = admin_get(
            &server.address,
            &format!("/v1/campaigns/{}/{path}", world.campaign),
        );
        assert_eq!(
            read.map(|r| r.status),
            Some(200),
            "GET {path} on a full disk"
        );
    }
    check_ledger(&server.address, &world, &ledger);

    // Act: space returns; the service is not restarted.
    std::fs::remove_file(&filler).unwrap();

    // Assert: the same batch is stored now, whole, and the results add up.
    let response = refused.send(&server.address, &world);
    let response = response.expect("an answer");
    response.assert_status(201);
    refused.acknowledge(&response);
    ledger.push(refused);
    check_ledger(&server.address, &world, &ledger);
    assert!(!server.log_text().contains("panicked"));
}

#[test]
fn sqlite_on_a_file_system_turned_read_only_answers_503_stores_nothing_of_the_batch_and_keeps_reading(
) {
    let folder = tempfile::tempdir().unwrap();
    let mount = match Mounted::ext4_image(&folder.path().join("disk"), 16) {
        Ok(mount) => mount,
        Err(reason) => return eprintln!("skipped: {reason}"),
    };
    let url = format!("sqlite://{}", mount.dir.join("gc.db").display());
    let server = Server::start_with(&url, folder.path(), &["--write-rate", "0"]);
    let world = world(
        &server.address,
        "read-only-week",
        &["enterprise"],
        json!({ "factor_set": "cn-2022" }),
    );
    let mut rng = Rng(11);
    let mut ledger = Vec::new();
    for b in 0..3 {
        let mut batch = Batch::new(&mut rng, &format!("before{b}-"), 0, 100);
        batch.send_until_acknowledged(&server.address, &world);
        ledger.push(batch);
    }

    // Act: the kernel turns the file system read-only, as after a disk error.
    mount.make_read_only().expect("ext4 turns read-only");

    // Assert
    let refused = Batch::new(&mut rng, "read-only-", 0, 200);
    for _ in 0..2 {
        assert_unavailable(&refused.send(&server.address, &world));
    }
    assert_eq!(
        stored_with_prefix(&server.address, &world, &refused.prefix),
        0
    );
    for path in ["summary", "leaderboard", "trips?limit=5"] {
        let read = admin_get(
            &server.address,
            &format!("/v1/campaigns/{}/{path}", world.campaign),
        );
        assert_eq!(
            read.map(|r| r.status),
            Some(200),
            "GET {path} when read-only"
        );
    }
    check_ledger(&server.address, &world, &ledger);
    assert!(!server.log_text().contains("panicked"));
    drop(server);
}

/// Writes to `path` until the disk is full.
fn fill(path: &Path) {
    use std::io::Write;
    let mut file = std::fs::File::create(path).unwrap();
    let block = vec![0x5a_u8; 16 * 1024];
    while file.write_all(&block).is_ok() {}
    let _ = file.sync_all();
}

/// A file system mounted for one test; unmounted (and its image removed) when dropped.
struct Mounted {
    dir: PathBuf,
    image: Option<PathBuf>,
}

impl Mounted {
    /// A tmpfs of `size` (e.g. `2m`) at `dir`.
    fn tmpfs(dir: &Path, size: &str) -> Result<Self, String> {
        std::fs::create_dir_all(dir).unwrap();
        run(
            "mount",
            &[
                "-t",
                "tmpfs",
                "-o",
                &format!("size={size}"),
                "tmpfs",
                path_str(dir),
            ],
        )
        .map_err(|e| format!("cannot mount a tmpfs (root is needed): {e}"))?;
        Ok(Self {
            dir: dir.to_owned(),
            image: None,
        })
    }

    /// An ext4 file system without a journal, of `megabytes`, on a loop device at `dir`, that
    /// turns read-only on an error.
    fn ext4_image(dir: &Path, megabytes: u64) -> Result<Self, String> {
        std::fs::create_dir_all(dir).unwrap();
        let image = dir.with_extension("img");
        std::fs::File::create(&image)
            .and_then(|f| f.set_len(megabytes << 20))
            .map_err(|e| e.to_string())?;
        let unmade = |e: String| {
            let _ = std::fs::remove_file(&image);
            format!("cannot make an ext4 image on a loop device (root, e2fsprogs): {e}")
        };
        run(
            "mkfs.ext4",
            &["-q", "-F", "-O", "^has_journal", path_str(&image)],
        )
        .map_err(unmade)?;
        run(
            "mount",
            &[
                "-o",
                "loop,errors=remount-ro",
                path_str(&image),
                path_str(dir),
            ],
        )
        .map_err(unmade)?;
        Ok(Self {
            dir: dir.to_owned(),
            image: Some(image),
        })
    }

    /// Makes the kernel record an ext4 error, which remounts the file system read-only.
    fn make_read_only(&self) -> Result<(), String> {
        let source = Command::new("findmnt")
            .args(["-n", "-o", "SOURCE", "--target", path_str(&self.dir)])
            .output()
            .map_err(|e| e.to_string())?;
        let device = String::from_utf8_lossy(&source.stdout).trim().to_owned();
        let name = device.rsplit('/').next().unwrap_or_default();
        let trigger = format!("/sys/fs/ext4/{name}/trigger_fs_error");
        std::fs::write(&trigger, "green-commute fault test\n")
            .map_err(|e| format!("{trigger}: {e}"))?;
        let probe = self.dir.join("probe");
        match std::fs::write(&probe, b"x") {
            Err(e) if e.raw_os_error() == Some(30) => Ok(()),
            other => Err(format!("still writable after the error: {other:?}")),
        }
    }
}

impl Drop for Mounted {
    fn drop(&mut self) {
        let dir = path_str(&self.dir).to_owned();
        let unmounted = wait_for(Duration::from_secs(5), || run("umount", &[&dir]).is_ok());
        if !unmounted {
            let _ = run("umount", &["-l", &dir]);
        }
        if let Some(image) = &self.image {
            let _ = std::fs::remove_file(image);
        }
    }
}

fn run(program: &str, args: &[&str]) -> Result<(), String> {
    let output = Command::new(program)
        .args(args)
        .output()
        .map_err(|e| format!("{program}: {e}"))?;
    if output.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{program} {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&output.stderr).trim()
        ))
    }
}

fn path_str(path: &Path) -> &str {
    path.to_str().expect("a UTF-8 path")
}

// ---------------------------------------------------------------------------------------------
// Batches, clients and the ledger
// ---------------------------------------------------------------------------------------------

/// One trip as a 201 acknowledged it (new or duplicate: the stored trip's values).
#[derive(Debug, Clone, PartialEq)]
struct Acknowledged {
    co2e_g: i64,
    baseline_co2e_g: i64,
    savings_g: i64,
}

/// A batch of trips, each of its own participant `{prefix}{i}`, sent until acknowledged.
struct Batch {
    prefix: String,
    organization: usize,
    size: usize,
    body: Vec<u8>,
    /// By participant, once a 201 came.
    acknowledged: Option<HashMap<String, Acknowledged>>,
    /// 201s that reported duplicates: a retry of a batch stored before its answer was lost.
    duplicates: usize,
}

impl Batch {
    fn new(rng: &mut Rng, prefix: &str, organization: usize, size: usize) -> Self {
        const MODES: [&str; 6] = ["walk", "bicycle", "bus", "metro", "car", "rail"];
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
                if mode == "car" {
                    trip["passengers"] = json!(rng.between(1, 4));
                }
                trip
            })
            .collect();
        Self {
            prefix: prefix.to_owned(),
            organization,
            size,
            body: serde_json::to_vec(&json!({ "trips": trips })).unwrap(),
            acknowledged: None,
            duplicates: 0,
        }
    }

    fn send(&self, address: &str, world: &World) -> Option<Response> {
        let auth = format!("Bearer {}", world.key(self.organization));
        try_exchange(
            address,
            "POST",
            &format!("/v1/campaigns/{}/trips", world.campaign),
            &[
                ("Content-Type", "application/json"),
                ("Authorization", &auth),
            ],
            &self.body,
        )
    }

    /// Records a 201's entries; every trip is new or a duplicate of itself.
    fn acknowledge(&mut self, response: &Response) {
        let body = response.json();
        let (accepted, duplicates) = (
            body["accepted"].as_u64().unwrap() as usize,
            body["duplicates"].as_u64().unwrap() as usize,
        );
        assert_eq!(accepted + duplicates, self.size, "{}: {body}", self.prefix);
        let entries: HashMap<String, Acknowledged> = body["trips"]
            .as_array()
            .expect("trips[]")
            .iter()
            .map(|t| {
                (
                    t["participant"].as_str().unwrap().to_owned(),
                    Acknowledged {
                        co2e_g: t["co2e_g"].as_i64().unwrap(),
                        baseline_co2e_g: t["baseline_co2e_g"].as_i64().unwrap(),
                        savings_g: t["savings_g"].as_i64().unwrap(),
                    },
                )
            })
            .collect();
        assert_eq!(
            entries.len(),
            self.size,
            "{}: one entry per trip",
            self.prefix
        );
        if duplicates > 0 {
            self.duplicates += 1;
        }
        self.acknowledged = Some(entries);
    }

    /// Sends until a 201 (for the set-up batches, on a healthy service).
    fn send_until_acknowledged(&mut self, address: &str, world: &World) {
        let response = self.send(address, world).expect("an answer");
        response.assert_status(201);
        self.acknowledge(&response);
    }
}

/// Counts of the answers the logging clients got.
#[derive(Debug, Default, Clone)]
struct Statuses {
    created: usize,
    unavailable: usize,
    broken: usize,
}

/// Clients logging batches until told to stop; each retries a batch that was not acknowledged.
struct LoggingRun {
    stop: Arc<AtomicBool>,
    statuses: Arc<Mutex<Statuses>>,
    threads: Vec<std::thread::JoinHandle<(Vec<Batch>, Vec<String>)>>,
}

impl LoggingRun {
    fn start(address: &str, world: &World, clients: usize) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let statuses = Arc::new(Mutex::new(Statuses::default()));
        let threads = (0..clients)
            .map(|c| {
                let (address, stop, statuses) =
                    (address.to_owned(), stop.clone(), statuses.clone());
                let world = World {
                    campaign: world.campaign.clone(),
                    organizations: world.organizations.clone(),
                };
                std::thread::spawn(move || {
                    client(&address, &world, c, &stop, &statuses, Rng(c as u64 + 1))
                })
            })
            .collect();
        Self {
            stop,
            statuses,
            threads,
        }
    }

    fn statuses(&self) -> Statuses {
        self.statuses.lock().unwrap().clone()
    }

    fn acknowledged(&self) -> usize {
        self.statuses().created
    }

    /// Stops the clients (each finishes its batch) and returns every batch.
    fn finish(mut self) -> Vec<Batch> {
        self.stop.store(true, Ordering::SeqCst);
        let mut ledger = Vec::new();
        let mut failures = Vec::new();
        for thread in std::mem::take(&mut self.threads) {
            let (batches, failed) = thread.join().expect("a client ends");
            ledger.extend(batches);
            failures.extend(failed);
        }
        let statuses = self.statuses.lock().unwrap().clone();
        eprintln!(
            "{} batches acknowledged, {} of them after a retry found them stored; {statuses:?}",
            ledger.len(),
            ledger.iter().filter(|b| b.duplicates > 0).count()
        );
        assert!(
            failures.is_empty(),
            "answers other than 201 and 503:\n{}",
            failures.join("\n")
        );
        ledger
    }
}

impl Drop for LoggingRun {
    /// A failed test lets its clients go (they stop after their current batch).
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
    }
}

/// One client: batches of 20–80 trips of its organization; a 503 or a broken connection is
/// retried with the same batch (after a pause shorter than Retry-After, to keep the test short);
/// anything else but a 201 is a failure. Ends when told to, with its last batch acknowledged.
fn client(
    address: &str,
    world: &World,
    number: usize,
    stop: &AtomicBool,
    statuses: &Mutex<Statuses>,
    mut rng: Rng,
) -> (Vec<Batch>, Vec<String>) {
    let organization = number % world.organizations.len();
    let mut batches = Vec::new();
    let mut failures = Vec::new();
    let deadline_after_stop = Duration::from_secs(30);
    let mut stopped_at: Option<Instant> = None;
    for n in 0.. {
        if stop.load(Ordering::SeqCst) {
            break;
        }
        let size = rng.between(20, 80) as usize;
        let mut batch = Batch::new(&mut rng, &format!("c{number}-b{n:05}-"), organization, size);
        loop {
            if stop.load(Ordering::SeqCst) {
                let since = *stopped_at.get_or_insert_with(Instant::now);
                if since.elapsed() > deadline_after_stop {
                    failures.push(format!("{}: never acknowledged", batch.prefix));
                    break;
                }
            }
            match batch.send(address, world) {
                Some(response) if response.status == 201 => {
                    batch.acknowledge(&response);
                    statuses.lock().unwrap().created += 1;
                    break;
                }
                Some(response) if response.status == 503 => {
                    let retry_after = response.header("retry-after").map(str::to_owned);
                    if retry_after.is_none()
                        || response.header("content-type") != Some("application/problem+json")
                    {
                        failures.push(format!("{}: a 503 without Retry-After", batch.prefix));
                    }
                    statuses.lock().unwrap().unavailable += 1;
                    std::thread::sleep(Duration::from_millis(100));
                }
                Some(response) => {
                    failures.push(format!(
                        "{}: {} {}",
                        batch.prefix,
                        response.status,
                        response.text()
                    ));
                    std::thread::sleep(Duration::from_millis(100));
                }
                None => {
                    statuses.lock().unwrap().broken += 1;
                    std::thread::sleep(Duration::from_millis(100));
                }
            }
        }
        batches.push(batch);
    }
    (batches, failures)
}

/// GET as the admin; `None` when the connection breaks.
fn admin_get(address: &str, path: &str) -> Option<Response> {
    let auth = format!("Bearer {ADMIN_TOKEN}");
    try_exchange(address, "GET", path, &[("Authorization", &auth)], b"")
}

/// Every stored trip of the campaign, page by page.
fn stored_trips(address: &str, world: &World) -> Vec<Value> {
    let mut trips = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut path = format!("/v1/campaigns/{}/trips?limit=1000", world.campaign);
        if let Some(c) = &cursor {
            path.push_str(&format!("&cursor={c}"));
        }
        let page = admin_get(address, &path).expect("an answer");
        let mut page = page.assert_status(200).json();
        trips.append(page["trips"].as_array_mut().expect("trips[]"));
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    trips
}

fn stored_with_prefix(address: &str, world: &World, prefix: &str) -> usize {
    stored_trips(address, world)
        .iter()
        .filter(|t| t["participant"].as_str().unwrap().starts_with(prefix))
        .count()
}

/// Every acknowledged batch stored whole and once, with the acknowledged values; nothing else
/// stored; the campaign summary equal to the sums over the acknowledged trips, computed here.
fn check_ledger(address: &str, world: &World, ledger: &[Batch]) {
    let trips = stored_trips(address, world);
    let mut stored: HashMap<&str, Vec<&Value>> = HashMap::new();
    for trip in &trips {
        let participant = trip["participant"].as_str().unwrap();
        stored.entry(participant).or_default().push(trip);
    }
    let mut expected = HashMap::new();
    let mut sums = (0_i64, 0_i64, 0_i64, 0_i64);
    for batch in ledger {
        let acknowledged = batch
            .acknowledged
            .as_ref()
            .unwrap_or_else(|| panic!("{} was never acknowledged", batch.prefix));
        for (participant, values) in acknowledged {
            let copies = stored.get(participant.as_str()).map_or(0, Vec::len);
            assert_eq!(copies, 1, "{participant} is stored {copies} times");
            let trip = stored[participant.as_str()][0];
            assert_eq!(
                trip["organization_id"], world.organizations[batch.organization].0,
                "{participant}"
            );
            let found = Acknowledged {
                co2e_g: trip["co2e_g"].as_i64().unwrap(),
                baseline_co2e_g: trip["baseline_co2e_g"].as_i64().unwrap(),
                savings_g: trip["savings_g"].as_i64().unwrap(),
            };
            assert_eq!(
                &found, values,
                "{participant} as stored and as acknowledged"
            );
            sums.0 += 1;
            sums.1 += values.co2e_g;
            sums.2 += values.baseline_co2e_g;
            sums.3 += values.savings_g;
            expected.insert(participant.as_str(), ());
        }
    }
    let strays: HashSet<&&str> = stored
        .keys()
        .filter(|p| !expected.contains_key(**p))
        .collect();
    assert!(strays.is_empty(), "trips never acknowledged: {strays:?}");
    let summary = admin_get(
        address,
        &format!("/v1/campaigns/{}/summary", world.campaign),
    )
    .expect("an answer");
    let summary = summary.assert_status(200).json();
    assert_eq!(
        (
            summary["trips"].as_i64().unwrap(),
            summary["co2e_g"].as_i64().unwrap(),
            summary["baseline_co2e_g"].as_i64().unwrap(),
            summary["savings_g"].as_i64().unwrap()
        ),
        sums,
        "the summary against the sum over the acknowledged trips: {summary}"
    );
    eprintln!(
        "{} trips stored, each acknowledged once; totals agree",
        trips.len()
    );
}
