//! The calculator: a trip's CO2e, baseline and saving under one factor set, and its co-benefits
//! (active minutes, tailpipe NOx and PM2.5).
//! Owns the arithmetic rules; reads factor sets and domain values, never storage or HTTP.

pub mod estimate;
pub mod trip;

pub use estimate::{estimate, resolve_grid, Estimate, LegOutcome};
pub use trip::compute;
