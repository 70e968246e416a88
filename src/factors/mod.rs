//! Emission-factor sets: files → validated, immutable catalogue. Owns the file format and its
//! validation; knows domain values only, never storage, the service or HTTP.
//!
//! The bundled sets are compiled into the binary so that it runs from any directory; a
//! `--factors-dir` adds sets or overrides bundled ones by id.

mod catalogue;
pub mod file;
pub mod load;
mod name;
mod set;

pub use catalogue::{Catalogue, CatalogueError, DEFAULT_SET_ID};
pub use file::{
    ActiveFile, AirDerivationFile, AirFile, Boundary, FactorSetFile, GridLevel, LabelFile, Quality,
};
pub use load::{parse, LoadError};
pub use name::normalize_name;
pub use set::{Active, Air, FactorSet, GridRegion, ModeFactor, ResolvedFactor};
