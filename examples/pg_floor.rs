//! The PostgreSQL floor for logging trips (issue 4): the rows the service stored, copied into a
//! fresh database made by the service's own migration (same columns, unique trip key and indexes)
//! with plain multi-row inserts: `INSERT … SELECT FROM UNNEST(…)`, 10,000 rows per statement and
//! per transaction, the fastest form of multi-row INSERT through the driver.
//!
//! No duplicate checks, no locks, no rollups, no JSON, no HTTP: what PostgreSQL alone costs.
//! The rows are read into memory before the clock starts. Prints one line:
//! `pg_floor rows=N seconds=S rows_per_s=R`.
//!
//!     target/release/examples/pg_floor --source postgres://…/service --target postgres://…/floor

use std::time::Instant;

use clap::Parser;
use tokio_postgres::{Client, NoTls};

const MIGRATION: &str = include_str!("../migrations/postgres/0001_init.sql");
const ROWS_PER_STATEMENT: usize = 10_000;

#[derive(Parser)]
struct Args {
    /// The service's database, whose `trips` are copied (in id order).
    #[arg(long)]
    source: String,
    /// An empty database to create the schema in and insert into.
    #[arg(long)]
    target: String,
}

/// The trips, column by column.
#[derive(Default)]
struct Columns {
    campaign: Vec<String>,
    organization: Vec<String>,
    participant: Vec<String>,
    date: Vec<String>,
    direction: Vec<String>,
    main_mode: Vec<String>,
    distance_m: Vec<i64>,
    co2e_g: Vec<i64>,
    baseline_co2e_g: Vec<i64>,
    savings_g: Vec<i64>,
    detail: Vec<String>,
    created_at: Vec<String>,
}

async fn connect(url: &str) -> Client {
    let (client, connection) = tokio_postgres::connect(url, NoTls)
        .await
        .unwrap_or_else(|e| panic!("cannot connect to {url}: {e}"));
    tokio::spawn(connection);
    client
}

async fn read(source: &Client) -> Columns {
    let rows = source
        .query(
            "SELECT campaign_id, organization_id, participant, date::text, direction, main_mode,
                    distance_m, co2e_g, baseline_co2e_g, savings_g, detail, created_at
             FROM trips ORDER BY id",
            &[],
        )
        .await
        .expect("read the service's trips");
    let mut c = Columns::default();
    for row in rows {
        c.campaign.push(row.get(0));
        c.organization.push(row.get(1));
        c.participant.push(row.get(2));
        c.date.push(row.get(3));
        c.direction.push(row.get(4));
        c.main_mode.push(row.get(5));
        c.distance_m.push(row.get(6));
        c.co2e_g.push(row.get(7));
        c.baseline_co2e_g.push(row.get(8));
        c.savings_g.push(row.get(9));
        c.detail.push(row.get(10));
        c.created_at.push(row.get(11));
    }
    c
}

async fn insert(target: &mut Client, c: &Columns) -> usize {
    let statement = target
        .prepare(
            "INSERT INTO trips (campaign_id, organization_id, participant, date, direction, main_mode,
                 distance_m, co2e_g, baseline_co2e_g, savings_g, detail, created_at)
             SELECT u.c, u.o, u.p, u.d::date, u.dir, u.m, u.dist, u.e, u.b, u.s, u.det, u.t
             FROM UNNEST($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[],
                         $7::int8[], $8::int8[], $9::int8[], $10::int8[], $11::text[], $12::text[])
                  AS u(c, o, p, d, dir, m, dist, e, b, s, det, t)",
        )
        .await
        .expect("prepare the insert");
    let total = c.participant.len();
    let mut start = 0;
    while start < total {
        let end = (start + ROWS_PER_STATEMENT).min(total);
        let tx = target.transaction().await.expect("begin");
        tx.execute(
            &statement,
            &[
                &&c.campaign[start..end],
                &&c.organization[start..end],
                &&c.participant[start..end],
                &&c.date[start..end],
                &&c.direction[start..end],
                &&c.main_mode[start..end],
                &&c.distance_m[start..end],
                &&c.co2e_g[start..end],
                &&c.baseline_co2e_g[start..end],
                &&c.savings_g[start..end],
                &&c.detail[start..end],
                &&c.created_at[start..end],
            ],
        )
        .await
        .expect("insert a chunk");
        tx.commit().await.expect("commit");
        start = end;
    }
    total
}

fn main() {
    let args = Args::parse();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    runtime.block_on(async {
        let source = connect(&args.source).await;
        let columns = read(&source).await;
        let mut target = connect(&args.target).await;
        target
            .batch_execute(MIGRATION)
            .await
            .expect("create the schema");
        let started = Instant::now();
        let rows = insert(&mut target, &columns).await;
        let seconds = started.elapsed().as_secs_f64();
        println!(
            "pg_floor rows={rows} seconds={seconds:.3} rows_per_s={:.0}",
            rows as f64 / seconds
        );
    });
}
