//! Health, readiness and metrics.

use actix_web::{route, web, HttpResponse};
use serde::Serialize;
use utoipa::ToSchema;

use crate::http::error::ApiError;
use crate::http::problems::problems;
use crate::http::{AppState, TAG_OPERATIONS};
use crate::metrics::METRICS;

/// Health or readiness.
#[derive(Debug, Serialize, ToSchema)]
pub struct Status {
    /// `ok` when healthy or ready.
    #[schema(example = "ok")]
    pub status: &'static str,
}

problems! {
    ReadyProblems { 503 => "The store is unreachable" }
}

/// Liveness
///
/// Answers 200 while the process is up.
#[utoipa::path(get, tag = TAG_OPERATIONS,
    responses((status = 200, description = "The process is up", body = Status)))]
#[route("/healthz", method = "GET", method = "HEAD")]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(Status { status: "ok" })
}

/// Readiness
///
/// Answers 200 when the store answers a query, 503 otherwise.
#[utoipa::path(get, tag = TAG_OPERATIONS,
    responses((status = 200, description = "Ready to serve", body = Status), ReadyProblems))]
#[route("/readyz", method = "GET", method = "HEAD")]
pub async fn readyz(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    state.service.ready().await?;
    Ok(HttpResponse::Ok().json(Status { status: "ok" }))
}

/// Prometheus metrics
///
/// Request counts and latency by route, store latency by operation, and trips logged, in the
/// Prometheus text format.
#[utoipa::path(get, tag = TAG_OPERATIONS,
    responses((status = 200, description = "Prometheus text exposition", body = String, content_type = "text/plain; version=0.0.4")))]
#[route("/metrics", method = "GET", method = "HEAD")]
pub async fn metrics() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(METRICS.render())
}
