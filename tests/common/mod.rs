//! What every test binary shares: the application on port 0 with a database of its own, a raw
//! HTTP client, campaign fixtures built through the API, service processes, and a seeded
//! random generator. Each binary uses part of it.
#![allow(dead_code, unused_imports)]

pub mod app;
pub mod cluster;
pub mod fixtures;
pub mod process;
pub mod rng;

pub use app::*;
pub use fixtures::*;
