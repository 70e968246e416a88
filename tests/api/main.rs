//! Black-box API tests: the real application on port 0, spoken to over HTTP.

mod authorization;
mod campaigns;
mod cors;
mod errors;
mod estimate;
mod factor_sets;
mod fixtures;
mod helpers;
mod openapi_spec;
mod operations;
#[allow(dead_code)]
#[path = "../common/rng.rs"]
mod rng;
mod site;
mod trips;
