//! Green Commute: a carbon calculator service for green-commuting campaigns.

/// Flags and environment.
pub mod config;
/// The demo campaign seeded by `serve --demo`.
pub mod demo;
/// Pure domain types and rules.
pub mod domain;
/// Emission-factor sets.
pub mod factors;
/// A fast hash for maps keyed by the service's own names.
pub mod fast_hash;
/// HTTP handlers, errors and the OpenAPI spec.
pub mod http;
/// Prometheus metrics.
pub mod metrics;
/// Wiring of the running application.
pub mod startup;
/// The storage seam and its backends.
pub mod store;
/// Logging.
pub mod telemetry;
