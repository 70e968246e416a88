//! Prometheus metrics: request counts and latency by route, and the store's work.

use std::collections::HashMap;
use std::fmt::Write;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::Mutex;
use std::time::Duration;

use once_cell::sync::Lazy;

/// The process-wide registry.
pub static METRICS: Lazy<Metrics> = Lazy::new(Metrics::default);

/// Upper bounds of the latency buckets, in seconds.
const BUCKETS_S: [f64; 12] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0,
];

/// FNV-1a: route and method names are short and not attacker-chosen (they are route patterns),
/// so a fast non-keyed hash suits the per-request lookups.
#[derive(Default)]
struct Fnv(u64);

impl Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        let mut hash = if self.0 == 0 {
            0xcbf2_9ce4_8422_2325
        } else {
            self.0
        };
        for byte in bytes {
            hash ^= u64::from(*byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
        self.0 = hash;
    }
}

type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<Fnv>>;

/// Counters and histograms, rendered in the Prometheus text format.
#[derive(Debug, Default)]
pub struct Metrics {
    requests: Mutex<FastMap<String, FastMap<String, RouteStats>>>,
    store: Mutex<HashMap<&'static str, OperationStats>>,
    trips_logged: std::sync::atomic::AtomicU64,
}

#[derive(Debug, Default)]
struct RouteStats {
    by_status: HashMap<u16, u64>,
    buckets: [u64; BUCKETS_S.len()],
    count: u64,
    sum_s: f64,
}

#[derive(Debug, Default)]
struct OperationStats {
    buckets: [u64; BUCKETS_S.len()],
    count: u64,
    sum_s: f64,
}

fn bucket_counts(buckets: &mut [u64; BUCKETS_S.len()], seconds: f64) {
    for (bound, count) in BUCKETS_S.iter().zip(buckets.iter_mut()) {
        if seconds <= *bound {
            *count += 1;
        }
    }
}

impl Metrics {
    /// Records one answered request.
    pub fn record_request(&self, method: &str, route: &str, status: u16, elapsed: Duration) {
        let seconds = elapsed.as_secs_f64();
        let mut requests = self.requests.lock().unwrap_or_else(|p| p.into_inner());
        // Look up without allocating on the hot path; allocate only for a new route.
        if !requests.contains_key(route) {
            requests.insert(route.to_owned(), FastMap::default());
        }
        let by_method = requests.get_mut(route).expect("inserted above");
        if !by_method.contains_key(method) {
            by_method.insert(method.to_owned(), RouteStats::default());
        }
        let stats = by_method.get_mut(method).expect("inserted above");
        *stats.by_status.entry(status).or_default() += 1;
        bucket_counts(&mut stats.buckets, seconds);
        stats.count += 1;
        stats.sum_s += seconds;
    }

    /// Records one store operation's latency.
    pub fn record_store(&self, operation: &'static str, elapsed: Duration) {
        let seconds = elapsed.as_secs_f64();
        let mut store = self.store.lock().unwrap_or_else(|p| p.into_inner());
        let stats = store.entry(operation).or_default();
        bucket_counts(&mut stats.buckets, seconds);
        stats.count += 1;
        stats.sum_s += seconds;
    }

    /// Counts trips newly stored (not duplicates).
    pub fn add_trips_logged(&self, count: u64) {
        self.trips_logged
            .fetch_add(count, std::sync::atomic::Ordering::Relaxed);
    }

    /// The Prometheus text exposition.
    pub fn render(&self) -> String {
        let mut out = String::new();
        {
            let requests = self.requests.lock().unwrap_or_else(|p| p.into_inner());
            let mut routes: Vec<((&String, &String), &RouteStats)> = requests
                .iter()
                .flat_map(|(route, by_method)| {
                    by_method
                        .iter()
                        .map(move |(method, stats)| ((method, route), stats))
                })
                .collect();
            routes.sort_by(|a, b| (a.0 .1, a.0 .0).cmp(&(b.0 .1, b.0 .0)));
            out.push_str(
                "# HELP http_requests_total HTTP requests answered, by method, route and status.\n",
            );
            out.push_str("# TYPE http_requests_total counter\n");
            for ((method, route), stats) in &routes {
                let mut statuses: Vec<_> = stats.by_status.iter().collect();
                statuses.sort();
                for (status, count) in statuses {
                    let _ = writeln!(
                        out,
                        "http_requests_total{{method=\"{method}\",route=\"{}\",status=\"{status}\"}} {count}",
                        escape(route)
                    );
                }
            }
            out.push_str(
                "# HELP http_request_duration_seconds Time to answer, by method and route.\n",
            );
            out.push_str("# TYPE http_request_duration_seconds histogram\n");
            for ((method, route), stats) in &routes {
                let labels = format!("method=\"{method}\",route=\"{}\"", escape(route));
                write_histogram(
                    &mut out,
                    "http_request_duration_seconds",
                    &labels,
                    &stats.buckets,
                    stats.count,
                    stats.sum_s,
                );
            }
        }
        {
            let store = self.store.lock().unwrap_or_else(|p| p.into_inner());
            let mut operations: Vec<_> = store.iter().collect();
            operations.sort_by_key(|(name, _)| **name);
            out.push_str(
                "# HELP store_operation_duration_seconds Time spent in the store, by operation.\n",
            );
            out.push_str("# TYPE store_operation_duration_seconds histogram\n");
            for (operation, stats) in operations {
                let labels = format!("operation=\"{operation}\"");
                write_histogram(
                    &mut out,
                    "store_operation_duration_seconds",
                    &labels,
                    &stats.buckets,
                    stats.count,
                    stats.sum_s,
                );
            }
        }
        out.push_str("# HELP trips_logged_total Trips newly stored (duplicates excluded).\n");
        out.push_str("# TYPE trips_logged_total counter\n");
        let _ = writeln!(
            out,
            "trips_logged_total {}",
            self.trips_logged.load(std::sync::atomic::Ordering::Relaxed)
        );
        out
    }
}

fn write_histogram(
    out: &mut String,
    name: &str,
    labels: &str,
    buckets: &[u64],
    count: u64,
    sum_s: f64,
) {
    for (bound, cumulative) in BUCKETS_S.iter().zip(buckets) {
        let _ = writeln!(out, "{name}_bucket{{{labels},le=\"{bound}\"}} {cumulative}");
    }
    let _ = writeln!(out, "{name}_bucket{{{labels},le=\"+Inf\"}} {count}");
    let _ = writeln!(out, "{name}_sum{{{labels}}} {sum_s}");
    let _ = writeln!(out, "{name}_count{{{labels}}} {count}");
}

fn escape(label: &str) -> String {
    label.replace('\\', "\\\\").replace('"', "\\\"")
}
