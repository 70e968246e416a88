//! Validation failures that name the offending field of the request.

use std::fmt;

/// One invalid value, located by its path in the request (`legs[1].distance_km`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// Path into the request, e.g. `trips[3].date`; empty for the body as a whole.
    pub field: String,
    /// What is wrong, in words a client can act on.
    pub message: String,
}

impl FieldError {
    /// A failure at `field` described by `message`.
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }

    /// The same failure located under `prefix` (`trips[3]` + `date` → `trips[3].date`).
    pub fn under(mut self, prefix: &str) -> Self {
        self.field = join_path(prefix, &self.field);
        self
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.field.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "{}: {}", self.field, self.message)
        }
    }
}

/// Joins two request paths with a dot unless one is empty or the child is an index.
pub fn join_path(prefix: &str, child: &str) -> String {
    match (prefix.is_empty(), child.is_empty()) {
        (true, _) => child.to_owned(),
        (false, true) => prefix.to_owned(),
        (false, false) if child.starts_with('[') => format!("{prefix}{child}"),
        (false, false) => format!("{prefix}.{child}"),
    }
}

/// Every validation failure found in one request; never empty when returned as an error.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldErrors(pub Vec<FieldError>);

impl FieldErrors {
    /// Records one more failure.
    pub fn push(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.0.push(FieldError::new(field, message));
    }

    /// True when nothing was recorded.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `Ok(value)` when nothing was recorded, otherwise the recorded failures.
    pub fn into_result<T>(self, value: T) -> Result<T, FieldErrors> {
        if self.0.is_empty() {
            Ok(value)
        } else {
            Err(self)
        }
    }

    /// Moves every failure of `other` here, located under `prefix`.
    pub fn extend_under(&mut self, prefix: &str, other: FieldErrors) {
        self.0
            .extend(other.0.into_iter().map(|error| error.under(prefix)));
    }
}

impl From<FieldError> for FieldErrors {
    fn from(error: FieldError) -> Self {
        Self(vec![error])
    }
}

impl fmt::Display for FieldErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, error) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{error}")?;
        }
        Ok(())
    }
}

impl std::error::Error for FieldErrors {}
