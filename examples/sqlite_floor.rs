//! The native floor for logging trips (issue 3): trip rows inserted straight into SQLite with a
//! prepared statement, one transaction per 10,000 rows, on a table created by the service's own
//! migration (same 12 columns, same UNIQUE(campaign_id, organization_id, participant, date,
//! direction) key, same `trips_by_organization` index), WAL and `synchronous=FULL` like the store.
//!
//! No duplicate checks, no rollups, no JSON, no HTTP: this is what the disk and SQLite alone cost.
//!
//! Two sources of rows:
//! - `--copy-from SERVICE.db`: the exact rows (in id order) the service stored, loaded into memory
//!   before the clock starts, so both sides insert byte-identical rows in the same order;
//! - otherwise synthetic rows of the same shape (realistic participants, dates, directions, modes
//!   and a `detail` JSON of the service's size).
//!
//! Prints one line: `sqlite_floor rows=N seconds=S rows_per_s=R`.
//!
//!     target/release/examples/sqlite_floor --rows 1000000 --db /tmp/floor.db [--copy-from svc.db]

use std::path::{Path, PathBuf};
use std::time::Instant;

use clap::Parser;
use rusqlite::{params, Connection, TransactionBehavior};

const MIGRATION: &str = include_str!("../migrations/sqlite/0001_init.sql");
const ROWS_PER_TRANSACTION: usize = 10_000;

#[derive(Parser)]
struct Args {
    /// Rows to insert.
    #[arg(long, default_value_t = 1_000_000)]
    rows: usize,
    /// Database file to create (replaced if it exists).
    #[arg(long, default_value = "/tmp/green-commute-sqlite-floor.db")]
    db: PathBuf,
    /// Copy the rows of this service database (`trips` in id order) instead of generating them.
    #[arg(long)]
    copy_from: Option<PathBuf>,
    /// Organizations (synthetic rows only).
    #[arg(long, default_value_t = 5)]
    organizations: usize,
}

/// One trip row, every column but the id.
struct Row {
    campaign_id: String,
    organization_id: String,
    participant: String,
    date: String,
    direction: &'static str,
    main_mode: String,
    distance_m: i64,
    co2e_g: i64,
    baseline_co2e_g: i64,
    savings_g: i64,
    detail: String,
    created_at: String,
}

fn remove_db(path: &Path) {
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let mut name = path.as_os_str().to_owned();
        name.push(suffix);
        let _ = std::fs::remove_file(PathBuf::from(name));
    }
}

fn intern_direction(text: &str) -> &'static str {
    match text {
        "to_work" => "to_work",
        "from_work" => "from_work",
        "round_trip" => "round_trip",
        other => panic!("unexpected direction {other}"),
    }
}

fn copy_rows(source: &Path, limit: usize) -> rusqlite::Result<Vec<Row>> {
    let conn = Connection::open_with_flags(source, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    let mut statement = conn.prepare(
        "SELECT campaign_id, organization_id, participant, date, direction, main_mode, distance_m,
                co2e_g, baseline_co2e_g, savings_g, detail, created_at
         FROM trips ORDER BY id LIMIT ?1",
    )?;
    let rows = statement.query_map([limit as i64], |r| {
        let direction: String = r.get(4)?;
        Ok(Row {
            campaign_id: r.get(0)?,
            organization_id: r.get(1)?,
            participant: r.get(2)?,
            date: r.get(3)?,
            direction: intern_direction(&direction),
            main_mode: r.get(5)?,
            distance_m: r.get(6)?,
            co2e_g: r.get(7)?,
            baseline_co2e_g: r.get(8)?,
            savings_g: r.get(9)?,
            detail: r.get(10)?,
            created_at: r.get(11)?,
        })
    })?;
    rows.collect()
}

/// A small deterministic generator (SplitMix64), so that runs are repeatable without extra crates.
struct Mix(u64);

impl Mix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// Synthetic rows shaped like `benches/gen_trips.py`: organizations take turns sending
/// 10,000-trip batches; each organization's stream runs day by day over 60 days and, within a
/// day, participant by participant (to_work + from_work, a round trip, or to_work only).
fn synthetic_rows(count: usize, organizations: usize) -> Vec<Row> {
    const MODES: [(&str, f64, &str); 10] = [
        ("metro", 30.258, "mee-nbs-2022-grid"),
        ("bus", 61.0, "cn-bus-2022"),
        ("bicycle", 0.0, "zero-tailpipe"),
        ("walk", 0.0, "zero-tailpipe"),
        ("e_bike", 8.9, "mee-nbs-2022-grid"),
        ("car", 172.0, "cn-car-2022"),
        ("car_electric", 82.5, "mee-nbs-2022-grid"),
        ("rail", 40.1, "cn-rail-2022"),
        ("light_rail", 28.4, "mee-nbs-2022-grid"),
        ("taxi", 160.0, "cn-taxi-2022"),
    ];
    let days = 60usize;
    let per_org = count.div_ceil(organizations);
    let participants = (per_org as f64 / (days as f64 * 1.5)).ceil() as usize + 1;
    let start = jiff::civil::date(2026, 5, 1);
    let mut rng = Mix(42);
    // Each organization's stream.
    let mut streams: Vec<Vec<Row>> = Vec::with_capacity(organizations);
    for o in 0..organizations {
        let mut stream = Vec::with_capacity(per_org + 2);
        'days: for d in 0..days {
            let date = start
                .checked_add(jiff::Span::new().days(d as i64))
                .expect("date")
                .to_string();
            for p in 0..participants {
                let directions: &[&'static str] = match rng.below(10) {
                    0 | 1 => &["round_trip"],
                    9 => &["to_work"],
                    _ => &["to_work", "from_work"],
                };
                for direction in directions {
                    if stream.len() == per_org {
                        break 'days;
                    }
                    let (mode, factor, source) = MODES[rng.below(MODES.len() as u64) as usize];
                    let km = 1.0 + rng.below(300) as f64 / 10.0;
                    let km = if *direction == "round_trip" {
                        km * 2.0
                    } else {
                        km
                    };
                    let co2e = (km * factor).round() as i64;
                    let baseline = (km * 172.0).round() as i64;
                    let detail = format!(
                        "{{\"factor_set\":{{\"id\":\"cn-2022\",\"version\":\"2022.1\"}},\"grid_region\":\"CN-BJ\",\
                         \"grid_co2e_g_per_kwh\":558.0,\"legs\":[{{\"mode\":\"{mode}\",\"distance_km\":{km},\
                         \"passengers\":null,\"co2e_g_per_km\":{factor},\"co2e_g\":{co2e},\"source\":\"{source}\"}}],\
                         \"baseline\":{{\"mode\":\"car\",\"distance_km\":{km},\"passengers\":1,\
                         \"co2e_g_per_km\":172.0,\"co2e_g\":{baseline},\"source\":\"cn-car-2022\"}}}}"
                    );
                    stream.push(Row {
                        campaign_id: "bench-campaign".into(),
                        organization_id: format!("org-{o}"),
                        participant: format!("p{p}"),
                        date: date.clone(),
                        direction,
                        main_mode: mode.into(),
                        distance_m: (km * 1000.0) as i64,
                        co2e_g: co2e,
                        baseline_co2e_g: baseline,
                        savings_g: baseline - co2e,
                        detail,
                        created_at: "2026-05-01T08:00:00Z".into(),
                    });
                }
            }
        }
        streams.push(stream);
    }
    // Organizations take turns, one 10,000-row batch each.
    let mut rows = Vec::with_capacity(count);
    let mut iters: Vec<_> = streams.into_iter().map(Vec::into_iter).collect();
    'outer: loop {
        let mut any = false;
        for it in &mut iters {
            for row in it.by_ref().take(ROWS_PER_TRANSACTION) {
                any = true;
                rows.push(row);
                if rows.len() == count {
                    break 'outer;
                }
            }
        }
        if !any {
            break;
        }
    }
    rows
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = Args::parse();
    let rows = match &args.copy_from {
        Some(source) => copy_rows(source, args.rows)?,
        None => synthetic_rows(args.rows, args.organizations),
    };
    if rows.len() < args.rows {
        eprintln!("sqlite_floor: only {} rows available", rows.len());
    }

    remove_db(&args.db);
    let mut conn = Connection::open(&args.db)?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.execute_batch(MIGRATION)?;

    let started = Instant::now();
    for chunk in rows.chunks(ROWS_PER_TRANSACTION) {
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        {
            let mut insert = tx.prepare_cached(
                "INSERT INTO trips (campaign_id, organization_id, participant, date, direction, main_mode,
                     distance_m, co2e_g, baseline_co2e_g, savings_g, detail, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
            )?;
            for r in chunk {
                insert.execute(params![
                    r.campaign_id,
                    r.organization_id,
                    r.participant,
                    r.date,
                    r.direction,
                    r.main_mode,
                    r.distance_m,
                    r.co2e_g,
                    r.baseline_co2e_g,
                    r.savings_g,
                    r.detail,
                    r.created_at
                ])?;
            }
        }
        tx.commit()?;
    }
    let seconds = started.elapsed().as_secs_f64();
    let stored: i64 = conn.query_row("SELECT COUNT(*) FROM trips", [], |r| r.get(0))?;
    assert_eq!(stored as usize, rows.len(), "every row stored");
    println!(
        "sqlite_floor rows={} seconds={:.3} rows_per_s={:.0}",
        rows.len(),
        seconds,
        rows.len() as f64 / seconds
    );
    drop(conn);
    remove_db(&args.db);
    Ok(())
}
