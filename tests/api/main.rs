//! Black-box API tests: the real application on port 0, spoken to over HTTP.

mod fixtures;
mod helpers;
mod cors;
mod errors;
mod estimate;
mod factor_sets;
mod openapi_spec;
mod operations;
mod authorization;
mod campaigns;
mod trips;
