//! Same-run A/B of the estimate answer: `EstimateWriter` (the hand-written writer) against
//! serde_json serializing `EstimateResponse` (the type it must match byte for byte), over the
//! same estimates, in alternating rounds. Prints ns per answer for each and their ratio.
//!
//!     cargo run --release --example estimate_ab

use std::hint::black_box;
use std::time::Instant;

use green_commute::calculator::{estimate, resolve_grid};
use green_commute::domain::plan::{BaselineSpec, LegSpec, TripPlan};
use green_commute::domain::Distance;
use green_commute::factors::Catalogue;
use green_commute::http::routes::estimate::EstimateResponse;
use green_commute::http::routes::estimate_json::EstimateWriter;

const ROUNDS: usize = 7;
const ANSWERS_PER_ROUND: usize = 400_000;

fn leg(mode: &str, km: f64, index: usize) -> LegSpec {
    LegSpec {
        mode: mode.into(),
        distance: Distance::try_from(km).expect("a valid distance"),
        passengers: None,
        index: Some(index),
    }
}

fn main() {
    let catalogue = Catalogue::bundled().expect("the bundled sets load");
    let writer = EstimateWriter::new(&catalogue);
    let set = catalogue.get("cn-2022").expect("cn-2022 is bundled");
    let grid = resolve_grid(set, Some("CN-BJ")).expect("Beijing is a region");
    // The benchmark body of benches/http_bench.sh: bicycle, metro, walk against the car.
    let plan = TripPlan {
        legs: vec![
            leg("bicycle", 2.0, 0),
            leg("metro", 9.0, 1),
            leg("walk", 0.6, 2),
        ],
        round_trip: false,
        baseline: BaselineSpec {
            mode: Some("car".into()),
            ..BaselineSpec::default()
        },
    };
    let answer = estimate(set, grid, &plan, None).expect("a valid trip");
    let mut written = Vec::new();
    writer.write(&mut written, set, &answer);
    let serialized = serde_json::to_vec(&EstimateResponse::new(set, &answer)).expect("serializes");
    assert_eq!(written, serialized, "the two must give the same bytes");

    let mut totals = [0.0f64; 2];
    for round in 0..ROUNDS {
        let mut out = Vec::with_capacity(1024);
        let started = Instant::now();
        for _ in 0..ANSWERS_PER_ROUND {
            out.clear();
            writer.write(&mut out, set, black_box(&answer));
            black_box(&out);
        }
        let writer_ns = started.elapsed().as_nanos() as f64 / ANSWERS_PER_ROUND as f64;
        let started = Instant::now();
        for _ in 0..ANSWERS_PER_ROUND {
            out.clear();
            serde_json::to_writer(&mut out, &EstimateResponse::new(set, black_box(&answer)))
                .expect("serializes");
            black_box(&out);
        }
        let serde_ns = started.elapsed().as_nanos() as f64 / ANSWERS_PER_ROUND as f64;
        println!("round {round}: writer {writer_ns:.0} ns, serde {serde_ns:.0} ns per answer");
        totals[0] += writer_ns;
        totals[1] += serde_ns;
    }
    let (writer_ns, serde_ns) = (totals[0] / ROUNDS as f64, totals[1] / ROUNDS as f64);
    println!(
        "mean: writer {writer_ns:.0} ns, serde {serde_ns:.0} ns per {}-byte answer; serde / writer = {:.2}",
        written.len(),
        serde_ns / writer_ns
    );
}
