//! Green Commute: a carbon calculator service for green-commuting campaigns.
//!
//! Layers point one way: `http` → `service` → `store`, `calculator` → `factors` → `domain`.

/// The arithmetic of a trip's CO2e, baseline and saving (and its co-benefits) under one factor set.
pub mod calculator;
/// Flags, environment and their defaults.
pub mod config;
/// The demo campaign behind `serve --demo`, seeded through the service.
pub mod demo;
/// Pure domain types and rules.
pub mod domain;
/// Emission-factor sets: files to a validated catalogue.
pub mod factors;
/// HTTP: routes, middleware, extractors, the OpenAPI document.
pub mod http;
/// Trip uploads in the formats organizations have.
pub mod import;
/// Prometheus metrics.
pub mod metrics;
/// What the service does for a caller with given rights.
pub mod service;
/// Wiring of the running application.
pub mod startup;
/// The storage contract and its backends.
pub mod store;
/// Logging.
pub mod telemetry;
