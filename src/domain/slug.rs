//! Ids people choose for campaigns, organizations and factor sets: `[a-z0-9-]{2,64}`.

use std::fmt;

/// Whether `id` is a slug: `[a-z0-9-]{2,64}`.
pub fn is_slug(id: &str) -> bool {
    (2..=64).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// A campaign or organization id: `[a-z0-9-]{2,64}`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Slug(String);

impl Slug {
    /// The id.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<&str> for Slug {
    type Error = String;

    fn try_from(id: &str) -> Result<Self, Self::Error> {
        if is_slug(id) {
            Ok(Self(id.to_owned()))
        } else {
            Err(format!(
                "`{}` must be 2–64 characters of a-z, 0-9 and `-`",
                super::mode::truncate_for_message(id)
            ))
        }
    }
}

impl fmt::Display for Slug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}
