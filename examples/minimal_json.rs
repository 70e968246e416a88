//! The throughput floor for `POST /v1/estimate`: a bare actix-web 4 JSON POST endpoint with no
//! middleware, the same worker count as the service under test, and the same request body shape
//! (so both sides read the same bytes). It deserializes a small struct and answers a small JSON.
//! `POST /v1/estimate/batch` does the same for `{"trips": [...]}` (one small result per trip): the
//! floor of the batch endpoint, to put its trips/s in proportion.
//!
//! Used by `benches/http_bench.sh`:
//!     target/release/examples/minimal_json --bind 127.0.0.1:18181 --workers 2

use actix_web::{web, App, HttpResponse, HttpServer};
use clap::Parser;
use serde::{Deserialize, Serialize};

#[derive(Parser)]
struct Args {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:18181")]
    bind: std::net::SocketAddr,
    /// HTTP worker threads.
    #[arg(long, default_value_t = 2)]
    workers: usize,
}

#[derive(Deserialize)]
struct Leg {
    mode: String,
    distance_km: f64,
    #[serde(default)]
    passengers: Option<u8>,
}

#[derive(Deserialize)]
struct Baseline {
    mode: String,
}

/// The same shape as an estimate request.
#[derive(Deserialize)]
struct Request {
    #[serde(default)]
    factor_set: Option<String>,
    #[serde(default)]
    region: Option<String>,
    #[serde(default)]
    mode: Option<String>,
    #[serde(default)]
    distance_km: Option<f64>,
    #[serde(default)]
    passengers: Option<u8>,
    #[serde(default)]
    legs: Vec<Leg>,
    #[serde(default)]
    round_trip: bool,
    #[serde(default)]
    baseline: Option<Baseline>,
}

#[derive(Serialize)]
struct Response<'a> {
    factor_set: &'a str,
    region: Option<&'a str>,
    baseline: &'a str,
    legs: usize,
    passengers: u32,
    distance_km: f64,
}

#[derive(Deserialize)]
struct Batch {
    trips: Vec<Request>,
}

#[derive(Serialize)]
struct BatchResponse<'a> {
    results: Vec<Response<'a>>,
}

fn respond(request: &Request) -> Response<'_> {
    let factor = if request.round_trip { 2.0 } else { 1.0 };
    let single = request.distance_km.unwrap_or(0.0);
    let distance_km = (request.legs.iter().map(|l| l.distance_km).sum::<f64>() + single) * factor;
    let passengers = request
        .legs
        .iter()
        .map(|l| u32::from(l.passengers.unwrap_or(1)))
        .sum::<u32>()
        + u32::from(request.passengers.unwrap_or(0));
    Response {
        factor_set: request.factor_set.as_deref().unwrap_or("default"),
        region: request.region.as_deref(),
        baseline: request.baseline.as_ref().map_or("car", |b| b.mode.as_str()),
        legs: request.legs.iter().filter(|l| !l.mode.is_empty()).count()
            + usize::from(request.mode.is_some()),
        passengers,
        distance_km,
    }
}

async fn estimate(request: web::Json<Request>) -> HttpResponse {
    HttpResponse::Ok().json(respond(&request))
}

async fn estimate_batch(batch: web::Json<Batch>) -> HttpResponse {
    HttpResponse::Ok().json(BatchResponse {
        results: batch.trips.iter().map(respond).collect(),
    })
}

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let args = Args::parse();
    HttpServer::new(|| {
        App::new()
            // Same body limit as the service (16 MiB) so that a 10,000-trip batch fits.
            .app_data(web::JsonConfig::default().limit(16 * 1024 * 1024))
            .route("/v1/estimate", web::post().to(estimate))
            .route("/v1/estimate/batch", web::post().to(estimate_batch))
    })
    .workers(args.workers)
    .bind(args.bind)?
    .run()
    .await
}
