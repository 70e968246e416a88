//! Same-run A/B of request metrics: the service's per-thread shards (`metrics::Metrics`) against
//! the `prometheus` crate (a counter and a histogram vector with the same labels and buckets),
//! two threads recording at once as two workers do, in alternating rounds. Prints ns per
//! recorded request for each.
//!
//!     cargo run --release --example metrics_ab

use std::hint::black_box;
use std::time::{Duration, Instant};

use green_commute::metrics::Metrics;
use prometheus::{HistogramOpts, HistogramVec, IntCounterVec, Opts, Registry};

const ROUNDS: usize = 7;
const PER_THREAD: usize = 1_000_000;
const THREADS: usize = 2;
const BUCKETS_S: [f64; 12] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0,
];

/// Wall time of `THREADS` threads each running `record` `PER_THREAD` times, per record.
fn timed(record: impl Fn(usize) + Sync) -> f64 {
    let started = Instant::now();
    std::thread::scope(|scope| {
        for _ in 0..THREADS {
            scope.spawn(|| {
                for i in 0..PER_THREAD {
                    record(black_box(i));
                }
            });
        }
    });
    started.elapsed().as_nanos() as f64 / (PER_THREAD * THREADS) as f64
}

fn main() {
    let shards = Metrics::default();
    let registry = Registry::new();
    let requests = IntCounterVec::new(
        Opts::new("http_requests_total", "HTTP requests answered"),
        &["method", "route", "status"],
    )
    .expect("valid");
    let latency = HistogramVec::new(
        HistogramOpts::new("http_request_duration_seconds", "Time to answer")
            .buckets(BUCKETS_S.to_vec()),
        &["method", "route"],
    )
    .expect("valid");
    registry
        .register(Box::new(requests.clone()))
        .expect("registers");
    registry
        .register(Box::new(latency.clone()))
        .expect("registers");
    let elapsed = Duration::from_micros(300);

    let mut totals = [0.0f64; 2];
    for round in 0..ROUNDS {
        let own = timed(|_| shards.record_request("POST", "/v1/estimate", 200, elapsed));
        let crate_ns = timed(|_| {
            requests
                .with_label_values(&["POST", "/v1/estimate", "200"])
                .inc();
            latency
                .with_label_values(&["POST", "/v1/estimate"])
                .observe(elapsed.as_secs_f64());
        });
        println!(
            "round {round}: shards {own:.1} ns, prometheus crate {crate_ns:.1} ns per request"
        );
        totals[0] += own;
        totals[1] += crate_ns;
    }
    let (own, crate_ns) = (totals[0] / ROUNDS as f64, totals[1] / ROUNDS as f64);
    println!("mean: shards {own:.1} ns, prometheus crate {crate_ns:.1} ns per request; crate / shards = {:.2}", crate_ns / own);
    assert!(shards.render().contains("http_requests_total"));
}
