//! Health, readiness and metrics.

use actix_web::{web, HttpResponse};
use serde::Serialize;
use utoipa::ToSchema;

use super::error::{ApiError, Problem};
use super::{AppState, TAG_OPERATIONS};
use crate::metrics::METRICS;

/// Routes of this resource.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/healthz")
            .route(super::read().to(healthz))
            .default_service(web::to(super::method_not_allowed("GET, HEAD"))),
    )
    .service(
        web::resource("/readyz")
            .route(super::read().to(readyz))
            .default_service(web::to(super::method_not_allowed("GET, HEAD"))),
    )
    .service(
        web::resource("/metrics")
            .route(super::read().to(metrics))
            .default_service(web::to(super::method_not_allowed("GET, HEAD"))),
    );
}

/// Health or readiness.
#[derive(Debug, Serialize, ToSchema)]
pub struct Status {
    /// `ok` when healthy or ready.
    #[schema(example = "ok")]
    pub status: &'static str,
}

/// Liveness
///
/// Answers 200 while the process is up.
#[utoipa::path(get, path = "/healthz", tag = TAG_OPERATIONS,
    responses((status = 200, description = "The process is up", body = Status)))]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(Status { status: "ok" })
}

/// Readiness
///
/// Answers 200 when the store answers a query, 503 otherwise.
#[utoipa::path(get, path = "/readyz", tag = TAG_OPERATIONS,
    responses(
        (status = 200, description = "Ready to serve", body = Status),
        (status = 503, description = "The store is unreachable", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn readyz(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    state
        .store
        .ping()
        .await
        .map_err(|e| ApiError::Unavailable(format!("the store does not answer: {e}")))?;
    Ok(HttpResponse::Ok().json(Status { status: "ok" }))
}

/// Prometheus metrics
///
/// Request counts and latency by route, store latency by operation, and trips logged, in the
/// Prometheus text format.
#[utoipa::path(get, path = "/metrics", tag = TAG_OPERATIONS,
    responses((status = 200, description = "Prometheus text exposition", body = String, content_type = "text/plain; version=0.0.4")))]
pub async fn metrics() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(METRICS.render())
}
