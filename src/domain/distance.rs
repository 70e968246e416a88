//! Distances, held as whole metres.

use std::fmt;

/// The longest leg any factor set may accept, in metres; per-mode limits are tighter.
pub const MAX_LEG_METRES: i64 = 5_000_000;

/// A positive distance of at most [`MAX_LEG_METRES`], rounded to the metre.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Distance {
    metres: i64,
}

/// Why a number is not a distance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DistanceError {
    /// NaN or infinite.
    NotFinite,
    /// Zero or negative, or under half a metre.
    NotPositive,
    /// Longer than any trip this service accepts.
    TooLong,
}

impl fmt::Display for DistanceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotFinite => f.write_str("must be a finite number of kilometres"),
            Self::NotPositive => f.write_str("must be at least 0.001 km (one metre)"),
            Self::TooLong => write!(f, "must be at most {} km", MAX_LEG_METRES / 1000),
        }
    }
}

impl std::error::Error for DistanceError {}

impl Distance {
    /// From a whole number of metres.
    pub fn from_metres(metres: i64) -> Result<Self, DistanceError> {
        if metres < 1 {
            Err(DistanceError::NotPositive)
        } else if metres > MAX_LEG_METRES {
            Err(DistanceError::TooLong)
        } else {
            Ok(Self { metres })
        }
    }

    /// Whole metres.
    pub fn metres(self) -> i64 {
        self.metres
    }

    /// Kilometres, exact to the metre.
    pub fn km(self) -> f64 {
        km_from_metres(self.metres)
    }
}

impl TryFrom<f64> for Distance {
    type Error = DistanceError;

    /// Kilometres, rounded half away from zero to the metre.
    fn try_from(km: f64) -> Result<Self, Self::Error> {
        if !km.is_finite() {
            return Err(DistanceError::NotFinite);
        }
        if km <= 0.0 {
            return Err(DistanceError::NotPositive);
        }
        if km > (MAX_LEG_METRES / 1000) as f64 {
            return Err(DistanceError::TooLong);
        }
        Self::from_metres(metres_from_km(km))
    }
}

/// Whole metres from kilometres, rounded half away from zero (`1.2345` → `1235`).
pub fn metres_from_km(km: f64) -> i64 {
    (km * 1000.0).round() as i64
}

/// Kilometres for display from whole metres (`1234` → `1.234`).
pub fn km_from_metres(metres: i64) -> f64 {
    metres as f64 / 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kilometres_round_to_the_metre() {
        assert_eq!(Distance::try_from(1.2345).unwrap().metres(), 1235);
        assert_eq!(Distance::try_from(9.0).unwrap().metres(), 9000);
        assert_eq!(Distance::try_from(0.001).unwrap().km(), 0.001);
    }

    #[test]
    fn rejects_what_is_not_a_distance() {
        let cases = [
            (f64::NAN, DistanceError::NotFinite),
            (f64::INFINITY, DistanceError::NotFinite),
            (0.0, DistanceError::NotPositive),
            (-3.0, DistanceError::NotPositive),
            (0.0004, DistanceError::NotPositive),
            (5000.1, DistanceError::TooLong),
        ];
        for (km, expected) in cases {
            assert_eq!(Distance::try_from(km), Err(expected), "{km} km");
        }
    }
}
