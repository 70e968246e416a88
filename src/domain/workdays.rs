//! The weekdays a campaign counts as workdays, for regularity: how many of them a participant
//! commuted greenly on.

use jiff::civil::Date;

/// Day names as the API writes them, Monday first.
const NAMES: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

/// A set of weekdays (bit 0 is Monday).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Workdays(u8);

impl Default for Workdays {
    /// Monday to Friday.
    fn default() -> Self {
        Self(0b001_1111)
    }
}

impl Workdays {
    /// The set named by `names` (`mon` … `sun`, any order, no repeats), at least one day.
    pub fn parse<S: AsRef<str>>(names: &[S]) -> Result<Self, String> {
        let mut bits = 0u8;
        for name in names {
            let name = name.as_ref().trim().to_ascii_lowercase();
            let index = NAMES.iter().position(|n| *n == name).ok_or_else(|| {
                format!(
                    "`{}` is not a weekday: use {}",
                    crate::domain::mode::truncate_for_message(&name),
                    NAMES.join(", ")
                )
            })?;
            if bits & (1 << index) != 0 {
                return Err(format!("`{name}` is listed twice"));
            }
            bits |= 1 << index;
        }
        if bits == 0 {
            return Err("name at least one weekday".into());
        }
        Ok(Self(bits))
    }

    /// The set as stored: names joined by commas, Monday first.
    pub fn to_stored(self) -> String {
        self.names().join(",")
    }

    /// The set from its stored form.
    pub fn from_stored(text: &str) -> Result<Self, String> {
        let names: Vec<&str> = text.split(',').filter(|n| !n.is_empty()).collect();
        Self::parse(&names)
    }

    /// The day names, Monday first.
    pub fn names(self) -> Vec<&'static str> {
        NAMES
            .iter()
            .enumerate()
            .filter(|(i, _)| self.0 & (1 << i) != 0)
            .map(|(_, n)| *n)
            .collect()
    }

    /// Whether the ISO weekday number (1 = Monday … 7 = Sunday) is a workday.
    pub fn has_iso_weekday(self, weekday: i8) -> bool {
        (1..=7).contains(&weekday) && self.0 & (1 << (weekday - 1)) != 0
    }

    /// Whether `date` falls on a workday.
    pub fn contains(self, date: Date) -> bool {
        self.has_iso_weekday(date.weekday().to_monday_one_offset())
    }

    /// How many workdays lie between `first` and `last`, both included.
    pub fn count_between(self, first: Date, last: Date) -> i64 {
        if last < first {
            return 0;
        }
        let days = i64::from((last - first).get_days()) + 1;
        let (weeks, rest) = (days / 7, days % 7);
        let per_week = i64::from(self.0.count_ones());
        let start = first.weekday().to_monday_zero_offset();
        let partial = (0..rest)
            .filter(|offset| {
                let weekday = (i64::from(start) + offset) % 7;
                self.0 & (1 << weekday) != 0
            })
            .count() as i64;
        weeks * per_week + partial
    }
}

/// The ISO weekday number of a date (1 = Monday).
pub fn iso_weekday(date: Date) -> i8 {
    date.weekday().to_monday_one_offset()
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn workdays_parse_and_round_trip() {
        let weekdays = Workdays::default();
        assert_eq!(weekdays.names(), ["mon", "tue", "wed", "thu", "fri"]);
        assert_eq!(Workdays::from_stored(&weekdays.to_stored()), Ok(weekdays));
        let shifts = Workdays::parse(&["Sun", "sat"]).unwrap();
        assert_eq!(shifts.to_stored(), "sat,sun");
        assert!(Workdays::parse(&["mon", "mon"]).is_err());
        assert!(Workdays::parse(&["funday"]).is_err());
        assert!(Workdays::parse::<&str>(&[]).is_err());
    }

    #[test]
    fn workdays_are_counted_over_any_span() {
        let weekdays = Workdays::default();
        // 2026-06-01 is a Monday.
        assert_eq!(
            weekdays.count_between(date(2026, 6, 1), date(2026, 6, 14)),
            10
        );
        assert_eq!(
            weekdays.count_between(date(2026, 6, 6), date(2026, 6, 7)),
            0
        );
        assert_eq!(
            weekdays.count_between(date(2026, 6, 5), date(2026, 6, 8)),
            2
        );
        assert_eq!(
            weekdays.count_between(date(2026, 6, 8), date(2026, 6, 1)),
            0
        );
        assert!(weekdays.contains(date(2026, 6, 5)));
        assert!(!weekdays.contains(date(2026, 6, 6)));
        // Brute force over every span of a year.
        let all = Workdays::parse(&["tue", "sat"]).unwrap();
        let start = date(2026, 1, 1);
        for length in 0..400 {
            let end = start.checked_add(jiff::Span::new().days(length)).unwrap();
            let mut day = start;
            let mut counted = 0;
            while day <= end {
                counted += i64::from(all.contains(day));
                day = day.tomorrow().unwrap();
            }
            assert_eq!(all.count_between(start, end), counted, "{length}");
        }
    }
}
