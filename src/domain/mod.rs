//! Pure domain types and rules: validated values, the estimate calculation and campaign rules.
//! Nothing here performs I/O.

pub mod distance;
pub mod errors;
pub mod estimate;
pub mod grams;
pub mod mode;
pub mod passengers;

pub use distance::Distance;
pub use errors::{FieldError, FieldErrors};
pub use mode::ModeId;
pub use passengers::Passengers;
pub mod campaign;
pub mod trip;
