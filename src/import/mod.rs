//! Trip uploads in the formats organizations have (CSV today), read into located rows for the
//! service. Knows the file formats; knows nothing of HTTP or storage.

mod delimited;

pub use delimited::csv_rows;

use crate::domain::{FieldError, FieldErrors};

/// Why an upload could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The file itself is not well-formed.
    #[error("{detail}")]
    Malformed {
        /// What is wrong.
        detail: String,
        /// Where.
        errors: Vec<FieldError>,
    },
    /// Well-formed, but the header or rows are not trips.
    #[error("{0}")]
    Invalid(FieldErrors),
}
