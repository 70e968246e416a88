//! Why a service call failed, in terms a caller can act on; the HTTP layer maps each to a status.

use crate::domain::{FieldError, FieldErrors};
use crate::store::StoreError;

/// A failed service call.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// Credentials are missing or not recognised.
    #[error("{0}")]
    Unauthorized(String),
    /// The caller is known but may not do this.
    #[error("{0}")]
    Forbidden(String),
    /// No such resource, or one the caller may not know of.
    #[error("{0}")]
    NotFound(String),
    /// The request conflicts with stored state.
    #[error("{0}")]
    Conflict(String),
    /// The resource existed and was withdrawn (a revoked or expired invite).
    #[error("{0}")]
    Gone(String),
    /// Invalid values, each located by its path in the request.
    #[error("{}", invalid_detail(.0))]
    Invalid(FieldErrors),
    /// Well-formed, but what is stored makes it impossible (a rebase onto a set that cannot
    /// compute some trips): `errors` lists the first cases, `omitted` counts the rest.
    #[error("{detail}")]
    Refused {
        /// What was refused and why, in a sentence.
        detail: String,
        /// The first cases, each located.
        errors: FieldErrors,
        /// How many more cases there were than `errors` lists.
        omitted: usize,
    },
    /// Too many writes with one key; retry after the given seconds.
    #[error("too many requests; retry after {retry_after_s} s")]
    RateLimited {
        /// Seconds until a retry may succeed.
        retry_after_s: u64,
    },
    /// The store is busy or unreachable.
    #[error("{0}")]
    Unavailable(String),
    /// A fault of ours; the cause is for the logs only.
    #[error("internal error")]
    Internal(#[source] Box<dyn std::error::Error + Send + Sync>),
}

/// The most errors one answer lists; `errors_omitted` counts the rest.
pub const MAX_LISTED_ERRORS: usize = 100;

/// `1 field is invalid: …` or `3 fields are invalid: …; …; …`, listing at most
/// [`MAX_LISTED_ERRORS`].
fn invalid_detail(errors: &FieldErrors) -> String {
    match errors.0.as_slice() {
        [one] => format!("1 field is invalid: {one}"),
        many => {
            let listed: Vec<String> = many
                .iter()
                .take(MAX_LISTED_ERRORS)
                .map(ToString::to_string)
                .collect();
            let rest = many.len().saturating_sub(MAX_LISTED_ERRORS);
            let more = if rest > 0 {
                format!("; and {rest} more")
            } else {
                String::new()
            };
            format!(
                "{} fields are invalid: {}{more}",
                many.len(),
                listed.join("; ")
            )
        }
    }
}

impl ServiceError {
    /// One invalid field.
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Invalid(FieldError::new(field, message).into())
    }

    /// An internal failure with its cause.
    pub fn internal(error: impl std::error::Error + Send + Sync + 'static) -> Self {
        Self::Internal(Box::new(error))
    }
}

impl From<FieldErrors> for ServiceError {
    fn from(errors: FieldErrors) -> Self {
        Self::Invalid(errors)
    }
}

impl From<StoreError> for ServiceError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::NotFound(detail) => Self::NotFound(detail),
            StoreError::Conflict(detail) => Self::Conflict(detail),
            StoreError::Unavailable(detail) => {
                tracing::warn!(%detail, "store unavailable");
                Self::Unavailable("the store is busy or unreachable; retry shortly".into())
            }
            StoreError::Internal(cause) => Self::Internal(cause),
        }
    }
}
