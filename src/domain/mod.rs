//! Pure domain types and rules: validated values, trips as requested and stored, campaign rules.
//! Nothing here performs I/O or knows about factor files, storage or HTTP.

pub mod campaign;
pub mod cobenefit;
pub mod distance;
pub mod errors;
pub mod grams;
pub mod mode;
pub mod passengers;
pub mod plan;
pub mod slug;
pub mod text;
pub mod trip;
pub mod workdays;

pub use distance::Distance;
pub use errors::{FieldError, FieldErrors};
pub use mode::ModeId;
pub use passengers::Passengers;
pub use slug::Slug;
