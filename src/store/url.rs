//! The database URL, which may carry a password: shown everywhere with the password redacted.

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

/// Stands in for a password wherever a URL is shown.
const REDACTED: &str = "[redacted]";

/// A database URL: `sqlite://PATH`, `sqlite:///ABSOLUTE/PATH`, `postgres://…`,
/// `postgresql://…`, or a libpq `key=value` connection string. `Debug` and `Display` redact
/// every password (in the user info, a `password=` query parameter or a `password=` pair);
/// only [`DatabaseUrl::expose`] gives the secret, to the driver.
#[derive(Clone, PartialEq, Eq)]
pub struct DatabaseUrl(String);

impl DatabaseUrl {
    /// Wraps a URL as configured.
    pub fn new(url: impl Into<String>) -> Self {
        Self(url.into())
    }

    /// The URL with its password, for the database driver only.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The file of a `sqlite:` URL (`sqlite://data/x.db` is relative, `sqlite:///abs/x.db` absolute).
    pub fn sqlite_path(&self) -> Option<PathBuf> {
        let rest = self
            .0
            .strip_prefix("sqlite://")
            .or_else(|| self.0.strip_prefix("sqlite:"))?;
        let path = rest.split('?').next().unwrap_or(rest);
        (!path.is_empty()).then(|| PathBuf::from(path))
    }

    /// Whether the URL names a PostgreSQL server (URL or `key=value` form).
    pub fn is_postgres(&self) -> bool {
        self.0.starts_with("postgres://")
            || self.0.starts_with("postgresql://")
            || (!self.0.contains("://") && self.0.contains('='))
    }

    /// The URL as it may be shown.
    pub fn redacted(&self) -> String {
        match self.0.split_once("://") {
            Some((scheme, rest)) => format!("{scheme}://{}", redact_url_rest(rest)),
            None => redact_pairs(&self.0),
        }
    }
}

/// Redacts the user info's password and any `password` query parameter of `user:pw@host/db?…`.
fn redact_url_rest(rest: &str) -> String {
    let (authority_and_path, query) = match rest.split_once('?') {
        Some((before, query)) => (before, Some(query)),
        None => (rest, None),
    };
    let mut shown = match authority_and_path.rsplit_once('@') {
        Some((userinfo, host)) => match userinfo.split_once(':') {
            Some((user, _)) => format!("{user}:{REDACTED}@{host}"),
            None => format!("{userinfo}@{host}"),
        },
        None => authority_and_path.to_owned(),
    };
    if let Some(query) = query {
        let parameters: Vec<String> = query
            .split('&')
            .map(|parameter| match parameter.split_once('=') {
                Some((key, _)) if is_secret_key(key) => format!("{key}={REDACTED}"),
                _ => parameter.to_owned(),
            })
            .collect();
        shown.push('?');
        shown.push_str(&parameters.join("&"));
    }
    shown
}

/// Redacts the secret values of a libpq `key=value key='quoted value'` string.
fn redact_pairs(text: &str) -> String {
    let mut shown = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(equals) = rest.find('=') {
        let key = &rest[..equals];
        shown.push_str(key);
        shown.push('=');
        let after = &rest[equals + 1..];
        let value_end = value_length(after);
        if is_secret_key(key.trim()) {
            shown.push_str(REDACTED);
        } else {
            shown.push_str(&after[..value_end]);
        }
        rest = &after[value_end..];
    }
    shown.push_str(rest);
    shown
}

/// Length of a libpq value at the start of `text`: a quoted value with `\'` escapes, or up to
/// the next space.
fn value_length(text: &str) -> usize {
    if let Some(quoted) = text.strip_prefix('\'') {
        let mut escaped = false;
        for (i, c) in quoted.char_indices() {
            match c {
                '\\' if !escaped => escaped = true,
                '\'' if !escaped => return i + 2,
                _ => escaped = false,
            }
        }
        text.len()
    } else {
        text.find(char::is_whitespace).unwrap_or(text.len())
    }
}

fn is_secret_key(key: &str) -> bool {
    key.to_ascii_lowercase().ends_with("password")
}

impl FromStr for DatabaseUrl {
    type Err = std::convert::Infallible;

    fn from_str(url: &str) -> Result<Self, Self::Err> {
        Ok(Self::new(url))
    }
}

impl fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.redacted())
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DatabaseUrl({:?})", self.redacted())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_redacted_wherever_they_are_written() {
        for (url, shown) in [
            (
                "postgres://app:s3cret@db:5432/gc",
                "postgres://app:[redacted]@db:5432/gc",
            ),
            (
                "postgresql://app@db/gc?sslmode=require&password=s3cret",
                "postgresql://app@db/gc?sslmode=require&password=[redacted]",
            ),
            (
                "postgres://a:b:c@host/db?PassWord=s3cret",
                "postgres://a:[redacted]@host/db?PassWord=[redacted]",
            ),
            (
                "host=db user=app password=s3cret dbname=gc",
                "host=db user=app password=[redacted] dbname=gc",
            ),
            (
                "host=db password='s3 cr\\'et' dbname=gc",
                "host=db password=[redacted] dbname=gc",
            ),
            (
                "sqlite://data/green-commute.db",
                "sqlite://data/green-commute.db",
            ),
        ] {
            let url = DatabaseUrl::new(url);
            assert_eq!(url.to_string(), shown);
            assert!(!format!("{url:?}").contains("s3"), "{url:?}");
        }
    }

    #[test]
    fn the_scheme_picks_the_backend() {
        assert_eq!(
            DatabaseUrl::new("sqlite://data/x.db").sqlite_path(),
            Some(PathBuf::from("data/x.db"))
        );
        assert_eq!(
            DatabaseUrl::new("sqlite:///tmp/x.db?mode=rwc").sqlite_path(),
            Some(PathBuf::from("/tmp/x.db"))
        );
        assert!(DatabaseUrl::new("postgres://u@h/db").is_postgres());
        assert!(DatabaseUrl::new("host=h dbname=db").is_postgres());
        assert!(!DatabaseUrl::new("mysql://u@h/db").is_postgres());
        assert_eq!(DatabaseUrl::new("mysql://u@h/db").sqlite_path(), None);
    }
}
