//! Prometheus metrics: request counts and latency by route, and the store's work. A registry
//! that every layer may record into; it imports nothing of the service.

use std::cell::RefCell;
use std::collections::HashMap;
use std::fmt::Write;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use once_cell::sync::Lazy;

use fnv::FnvHashMap as FastMap;

/// The process-wide registry.
pub static METRICS: Lazy<Metrics> = Lazy::new(Metrics::default);

/// Upper bounds of the latency buckets, in seconds.
const BUCKETS_S: [f64; 12] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0,
];

/// Counters and histograms, rendered in the Prometheus text format.
#[derive(Debug, Default)]
pub struct Metrics {
    /// Request statistics, one shard per thread that answered requests. Each worker records into
    /// its own shard, so the per-request lock is never contended and its cache line stays on one
    /// core; rendering sums the shards. A shard outlives its thread so counters never go back.
    request_shards: Mutex<Vec<Arc<Mutex<RequestStats>>>>,
    store: Mutex<HashMap<&'static str, OperationStats>>,
    trips_logged: std::sync::atomic::AtomicU64,
}

/// Route → method → statistics.
type RequestStats = FastMap<String, FastMap<String, RouteStats>>;

#[derive(Debug, Default, Clone)]
struct RouteStats {
    /// (status, count): a route answers only a handful of statuses, so a list beats hashing.
    by_status: Vec<(u16, u64)>,
    buckets: [u64; BUCKETS_S.len()],
    count: u64,
    sum_s: f64,
}

impl RouteStats {
    fn record(&mut self, status: u16, seconds: f64) {
        self.count_status(status, 1);
        bucket_counts(&mut self.buckets, seconds);
        self.count += 1;
        self.sum_s += seconds;
    }

    fn add(&mut self, other: &RouteStats) {
        for &(status, count) in &other.by_status {
            self.count_status(status, count);
        }
        for (total, count) in self.buckets.iter_mut().zip(other.buckets) {
            *total += count;
        }
        self.count += other.count;
        self.sum_s += other.sum_s;
    }

    fn count_status(&mut self, status: u16, count: u64) {
        match self.by_status.iter_mut().find(|(s, _)| *s == status) {
            Some((_, total)) => *total += count,
            None => self.by_status.push((status, count)),
        }
    }
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
        self.with_own_shard(|requests| {
            // Look up without allocating on the hot path; allocate only for a new route.
            if !requests.contains_key(route) {
                requests.insert(route.to_owned(), FastMap::default());
            }
            let by_method = requests.get_mut(route).expect("inserted above");
            if !by_method.contains_key(method) {
                by_method.insert(method.to_owned(), RouteStats::default());
            }
            by_method
                .get_mut(method)
                .expect("inserted above")
                .record(status, seconds);
        });
    }

    /// Runs `record` on this thread's shard of `self`, registering the shard on first use.
    fn with_own_shard(&self, record: impl FnOnce(&mut RequestStats)) {
        thread_local! {
            /// This thread's shards, by the address of the registry they belong to.
            static SHARDS: RefCell<Vec<(usize, Arc<Mutex<RequestStats>>)>> =
                const { RefCell::new(Vec::new()) };
        }
        let owner = std::ptr::from_ref(self) as usize;
        SHARDS.with(|shards| {
            let mut shards = shards.borrow_mut();
            let index = match shards.iter().position(|(o, _)| *o == owner) {
                Some(index) => index,
                None => {
                    let shard = Arc::new(Mutex::new(RequestStats::default()));
                    lock(&self.request_shards).push(shard.clone());
                    shards.push((owner, shard));
                    shards.len() - 1
                }
            };
            record(&mut lock(&shards[index].1));
        });
    }

    /// The sum of every thread's request statistics.
    fn request_totals(&self) -> RequestStats {
        let mut totals = RequestStats::default();
        for shard in lock(&self.request_shards).iter() {
            for (route, by_method) in lock(shard).iter() {
                let route_totals = totals.entry(route.clone()).or_default();
                for (method, stats) in by_method {
                    route_totals.entry(method.clone()).or_default().add(stats);
                }
            }
        }
        totals
    }

    /// Records one store operation's latency.
    pub fn record_store(&self, operation: &'static str, elapsed: Duration) {
        let seconds = elapsed.as_secs_f64();
        let mut store = lock(&self.store);
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
            let requests = self.request_totals();
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
                let mut statuses = stats.by_status.clone();
                statuses.sort_unstable();
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
            let store = lock(&self.store);
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

/// Locks `mutex`, carrying on after a panic elsewhere: statistics stay usable.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|p| p.into_inner())
}

fn escape(label: &str) -> String {
    label.replace('\\', "\\\\").replace('"', "\\\"")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_recorded_on_many_threads_are_summed() {
        let metrics = Metrics::default();
        std::thread::scope(|scope| {
            for _ in 0..3 {
                scope.spawn(|| {
                    for _ in 0..1000 {
                        metrics.record_request(
                            "POST",
                            "/v1/estimate",
                            200,
                            Duration::from_micros(300),
                        );
                    }
                    metrics.record_request("POST", "/v1/estimate", 422, Duration::from_secs(2));
                });
            }
        });
        metrics.record_request("GET", "/healthz", 200, Duration::from_millis(1));
        let text = metrics.render();
        for line in [
            r#"http_requests_total{method="POST",route="/v1/estimate",status="200"} 3000"#,
            r#"http_requests_total{method="POST",route="/v1/estimate",status="422"} 3"#,
            r#"http_requests_total{method="GET",route="/healthz",status="200"} 1"#,
            r#"http_request_duration_seconds_bucket{method="POST",route="/v1/estimate",le="0.0005"} 3000"#,
            r#"http_request_duration_seconds_bucket{method="POST",route="/v1/estimate",le="5"} 3003"#,
            r#"http_request_duration_seconds_count{method="POST",route="/v1/estimate"} 3003"#,
        ] {
            assert!(text.contains(line), "missing {line} in\n{text}");
        }
    }
}
