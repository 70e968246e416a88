//! Black-box API tests: the real application on port 0, spoken to over HTTP.

#[path = "../common/mod.rs"]
mod common;

mod authorization;
mod campaigns;
mod cobenefits;
mod compare;
mod cors;
mod errors;
mod estimate;
mod factor_sets;
mod hardening;
mod me;
mod openapi_spec;
mod operations;
mod organizers;
mod participants;
mod rebase;
mod site;
mod spreadsheets;
mod trips;
