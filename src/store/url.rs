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

    /// The URL without the parameters named in `keys` (query parameters of a URL, pairs of a
    /// `key=value` string), and those parameters' values, decoded, by key: the TLS settings that
    /// tokio-postgres does not know (`sslrootcert`, `sslmode=verify-full`) are taken out so that
    /// the rest can go to its parser.
    pub(crate) fn take_parameters(&self, keys: &[&str]) -> (String, Vec<(String, String)>) {
        let wanted = |key: &str| keys.iter().any(|k| k.eq_ignore_ascii_case(key.trim()));
        if !self.0.contains("://") {
            return take_pairs(&self.0, wanted);
        }
        let Some((base, query)) = self.0.split_once('?') else {
            return (self.0.clone(), Vec::new());
        };
        let mut kept = Vec::new();
        let mut taken = Vec::new();
        for parameter in query.split('&').filter(|p| !p.is_empty()) {
            let (key, value) = parameter.split_once('=').unwrap_or((parameter, ""));
            let key = percent_decode(key);
            if wanted(&key) {
                taken.push((key.to_ascii_lowercase(), percent_decode(value)));
            } else {
                kept.push(parameter);
            }
        }
        let rest = if kept.is_empty() {
            base.to_owned()
        } else {
            format!("{base}?{}", kept.join("&"))
        };
        (rest, taken)
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

/// Redacts the secret values of a libpq `key=value key = 'quoted value'` string.
fn redact_pairs(text: &str) -> String {
    let mut shown = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(equals) = rest.find('=') {
        let key = &rest[..equals];
        let after = &rest[equals + 1..];
        let spaces = after.len() - after.trim_start().len();
        shown.push_str(key);
        shown.push('=');
        shown.push_str(&after[..spaces]);
        let value = &after[spaces..];
        let value_end = value_length(value);
        if is_secret_key(key.trim()) {
            shown.push_str(REDACTED);
        } else {
            shown.push_str(&value[..value_end]);
        }
        rest = &value[value_end..];
    }
    shown.push_str(rest);
    shown
}

/// Takes the pairs whose key is `wanted` out of a libpq `key=value` string (spaces may stand
/// around `=`); the rest keeps its own spelling.
fn take_pairs(text: &str, wanted: impl Fn(&str) -> bool) -> (String, Vec<(String, String)>) {
    let mut kept = String::with_capacity(text.len());
    let mut taken = Vec::new();
    let mut rest = text;
    loop {
        let start = rest.len() - rest.trim_start().len();
        let Some(equals) = rest.find('=') else {
            kept.push_str(rest);
            break;
        };
        let key = rest[start..equals].trim();
        let after = &rest[equals + 1..];
        let spaces = after.len() - after.trim_start().len();
        let value_end = equals + 1 + spaces + value_length(&after[spaces..]);
        if wanted(key) {
            let value = &rest[equals + 1 + spaces..value_end];
            taken.push((key.to_ascii_lowercase(), unquote(value)));
        } else {
            if !kept.is_empty() {
                kept.push(' ');
            }
            kept.push_str(rest[start..value_end].trim());
        }
        rest = &rest[value_end..];
    }
    (kept.trim().to_owned(), taken)
}

/// A libpq value without its quotes and escapes.
fn unquote(value: &str) -> String {
    let Some(inner) = value.strip_prefix('\'') else {
        return value.to_owned();
    };
    let inner = inner.strip_suffix('\'').unwrap_or(inner);
    let mut out = String::with_capacity(inner.len());
    let mut escaped = false;
    for c in inner.chars() {
        if c == '\\' && !escaped {
            escaped = true;
        } else {
            out.push(c);
            escaped = false;
        }
    }
    out
}

/// `%XX` escapes decoded (bytes that are not UTF-8 are replaced).
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = || std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok();
        match (bytes[i], hex().and_then(|h| u8::from_str_radix(h, 16).ok())) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
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
                "host=db password = s3cret dbname=gc",
                "host=db password = [redacted] dbname=gc",
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
    fn tls_parameters_are_taken_out_of_both_forms_and_the_rest_is_kept() {
        let keys = ["sslmode", "sslrootcert"];
        let url = DatabaseUrl::new(
            "postgres://app:s3cret@db:5432/gc?sslmode=verify-full&application_name=gc&sslrootcert=%2Fetc%2Fca%20x.pem",
        );
        let (rest, taken) = url.take_parameters(&keys);
        assert_eq!(rest, "postgres://app:s3cret@db:5432/gc?application_name=gc");
        assert_eq!(
            taken,
            [
                ("sslmode".to_owned(), "verify-full".to_owned()),
                ("sslrootcert".to_owned(), "/etc/ca x.pem".to_owned())
            ]
        );
        let (rest, taken) =
            DatabaseUrl::new("postgresql://db/gc?SSLMode=require").take_parameters(&keys);
        assert_eq!(rest, "postgresql://db/gc");
        assert_eq!(taken, [("sslmode".to_owned(), "require".to_owned())]);
        let (rest, taken) = DatabaseUrl::new("postgres://db/gc").take_parameters(&keys);
        assert_eq!((rest.as_str(), taken.len()), ("postgres://db/gc", 0));

        let url = DatabaseUrl::new(
            "host=db sslmode = verify-full password='a b' sslrootcert='/etc/it\\'s ca.pem' dbname=gc",
        );
        let (rest, taken) = url.take_parameters(&keys);
        assert_eq!(rest, "host=db password='a b' dbname=gc");
        assert_eq!(
            taken,
            [
                ("sslmode".to_owned(), "verify-full".to_owned()),
                ("sslrootcert".to_owned(), "/etc/it's ca.pem".to_owned())
            ]
        );
        // What is shown still hides the password, with the TLS settings in it.
        assert_eq!(
            url.to_string(),
            "host=db sslmode = verify-full password=[redacted] sslrootcert='/etc/it\\'s ca.pem' dbname=gc"
        );
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
