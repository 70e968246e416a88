//! Campaigns, organizations and the rules that bind them.

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

/// What kind of body an organization is.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum OrganizationKind {
    /// A company (企业).
    Enterprise,
    /// A public institution (事业单位、机关).
    Institution,
    /// A social organization (社会组织).
    SocialOrganization,
    /// A residential community (社区).
    Community,
    /// Anything else.
    Other,
}

impl OrganizationKind {
    /// The wire and storage spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Enterprise => "enterprise",
            Self::Institution => "institution",
            Self::SocialOrganization => "social_organization",
            Self::Community => "community",
            Self::Other => "other",
        }
    }

    /// Parses the storage spelling.
    pub fn parse(text: &str) -> Option<Self> {
        [
            Self::Enterprise,
            Self::Institution,
            Self::SocialOrganization,
            Self::Community,
            Self::Other,
        ]
        .into_iter()
        .find(|kind| kind.as_str() == text)
    }
}

/// Which commute a trip is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// Home to work.
    ToWork,
    /// Work to home.
    FromWork,
    /// Both ways: takes both directions and doubles the distance.
    RoundTrip,
}

impl Direction {
    /// The wire and storage spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ToWork => "to_work",
            Self::FromWork => "from_work",
            Self::RoundTrip => "round_trip",
        }
    }

    /// Parses the storage spelling.
    pub fn parse(text: &str) -> Option<Self> {
        [Self::ToWork, Self::FromWork, Self::RoundTrip]
            .into_iter()
            .find(|d| d.as_str() == text)
    }

    /// Whether two trips of the same participant and day would count the same commute twice.
    pub fn overlaps(self, other: Direction) -> bool {
        self == other || self == Self::RoundTrip || other == Self::RoundTrip
    }
}

/// An organization's pseudonymous id for one of its members: 1–64 characters, no control characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Participant(String);

impl Participant {
    /// The id.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<&str> for Participant {
    type Error = String;

    fn try_from(id: &str) -> Result<Self, Self::Error> {
        let length = id.chars().count();
        if !(1..=64).contains(&length) {
            return Err(format!("must be 1 to 64 characters, got {length}"));
        }
        if id.chars().any(char::is_control) || id.trim() != id {
            return Err("must not contain control characters or surrounding spaces".into());
        }
        Ok(Self(id.to_owned()))
    }
}

/// Parses a `YYYY-MM-DD` date strictly.
pub fn parse_date(text: &str) -> Result<Date, String> {
    let well_formed = text.len() == 10
        && text.bytes().enumerate().all(|(i, b)| match i {
            4 | 7 => b == b'-',
            _ => b.is_ascii_digit(),
        });
    if !well_formed {
        return Err(format!(
            "`{}` is not a date in YYYY-MM-DD form",
            super::mode::truncate_for_message(text)
        ));
    }
    text.parse::<Date>()
        .map_err(|_| format!("`{text}` is not a calendar date"))
}

/// Whether `name` is an IANA time-zone name known to this build.
pub fn is_time_zone(name: &str) -> bool {
    !name.is_empty() && jiff::tz::TimeZone::get(name).is_ok()
}

/// The longest campaign accepted, in days (a year-long challenge fits).
pub const MAX_CAMPAIGN_DAYS: i32 = 400;

/// Days from `starts_on` to `ends_on`, both included (a period that [`check_period`] accepts).
pub fn period_days(starts_on: Date, ends_on: Date) -> i64 {
    i64::from((ends_on - starts_on).get_days()) + 1
}

/// Checks a campaign's date range.
pub fn check_period(starts_on: Date, ends_on: Date) -> Result<(), String> {
    if ends_on < starts_on {
        return Err("must not be before `starts_on`".into());
    }
    let days = (ends_on - starts_on).get_days();
    if days >= MAX_CAMPAIGN_DAYS {
        return Err(format!("a campaign lasts at most {MAX_CAMPAIGN_DAYS} days"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_overlap_both_directions() {
        assert!(Direction::RoundTrip.overlaps(Direction::ToWork));
        assert!(Direction::FromWork.overlaps(Direction::RoundTrip));
        assert!(Direction::ToWork.overlaps(Direction::ToWork));
        assert!(!Direction::ToWork.overlaps(Direction::FromWork));
    }

    #[test]
    fn dates_are_strict() {
        assert!(parse_date("2026-06-01").is_ok());
        for bad in ["2026-6-1", "2026-02-30", "20260601", "2026-06-01T00:00", ""] {
            assert!(parse_date(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn participants_are_bounded() {
        assert!(Participant::try_from("emp-0042").is_ok());
        assert!(Participant::try_from("").is_err());
        assert!(Participant::try_from(&"x".repeat(65)[..]).is_err());
        assert!(Participant::try_from("a\nb").is_err());
    }

    #[test]
    fn time_zones_are_checked() {
        assert!(is_time_zone("Asia/Shanghai"));
        assert!(!is_time_zone("Mars/Olympus"));
    }
}
