//! Same-run A/B of CORS: the service's own policy (applied inside its one middleware layer)
//! against `actix-cors` (a middleware layer of its own), each in front of the same trivial
//! handler behind one `from_fn` layer standing for the service's `observe`. Requests are made
//! in process (no network), with and without an `Origin`, in alternating rounds. Prints µs per
//! request for each.
//!
//!     cargo run --release --example cors_ab

use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::{from_fn, Next};
use actix_web::test::{call_service, init_service, TestRequest};
use actix_web::{web, App, Error, HttpResponse};
use green_commute::http::middleware::cors::{Cors, CorsOrigins};

const ROUNDS: usize = 5;
const REQUESTS: usize = 100_000;

/// The service's layer with its CORS inside, as `observe` applies it.
async fn own_cors(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    Ok(match Cors::of(&req) {
        Cors::Preflight(answer) => req.into_response(answer).map_into_boxed_body(),
        cors => {
            let mut response = next.call(req).await?.map_into_boxed_body();
            cors.decorate(response.headers_mut());
            response
        }
    })
}

/// The same layer without CORS (what `observe` would be with `actix-cors` outside it).
async fn plain(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    next.call(req).await
}

/// µs per request of `REQUESTS` calls to `app`, with `origin` if given.
async fn time<S, B>(app: &S, origin: Option<&str>) -> f64
where
    S: actix_web::dev::Service<actix_http::Request, Response = ServiceResponse<B>, Error = Error>,
    B: MessageBody,
{
    let started = Instant::now();
    for _ in 0..REQUESTS {
        let mut request = TestRequest::post().uri("/v1/estimate");
        if let Some(origin) = origin {
            request = request.insert_header(("Origin", origin));
        }
        let response = call_service(app, request.to_request()).await;
        assert!(response.status().is_success());
    }
    started.elapsed().as_secs_f64() * 1e6 / REQUESTS as f64
}

async fn estimate() -> HttpResponse {
    HttpResponse::Ok().body("{}")
}

#[actix_web::main]
async fn main() {
    let own = init_service(
        App::new()
            .app_data(web::Data::new(CorsOrigins::default()))
            .wrap(from_fn(own_cors))
            .route("/v1/estimate", web::post().to(estimate)),
    )
    .await;
    let crate_app = init_service(
        App::new()
            .wrap(from_fn(plain))
            .wrap(
                actix_cors::Cors::default()
                    .allow_any_origin()
                    .allowed_methods(["POST"])
                    .expose_headers(["x-request-id", "retry-after", "location"]),
            )
            .route("/v1/estimate", web::post().to(estimate)),
    )
    .await;
    for origin in [None, Some("https://campaign.example.org")] {
        let mut totals = [0.0f64; 2];
        for round in 0..ROUNDS {
            let per_request = [time(&own, origin).await, time(&crate_app, origin).await];
            println!(
                "Origin {origin:?}, round {round}: own {:.2} µs, actix-cors {:.2} µs per request",
                per_request[0], per_request[1]
            );
            totals[0] += per_request[0];
            totals[1] += per_request[1];
        }
        let (own_us, crate_us) = (totals[0] / ROUNDS as f64, totals[1] / ROUNDS as f64);
        println!(
            "Origin {origin:?}, mean: own {own_us:.2} µs, actix-cors {crate_us:.2} µs; difference {:.2} µs per request",
            crate_us - own_us
        );
    }
}
