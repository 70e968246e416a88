//! Travellers sharing one vehicle.

/// The most travellers a shared vehicle may carry (a minibus driven privately).
pub const MAX_PASSENGERS: u8 = 9;

/// Travellers sharing a per-vehicle factor, 1 to [`MAX_PASSENGERS`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Passengers(u8);

impl Passengers {
    /// One traveller: driving alone.
    pub const ONE: Self = Self(1);

    /// The count.
    pub fn get(self) -> u8 {
        self.0
    }
}

impl TryFrom<i64> for Passengers {
    type Error = String;

    fn try_from(count: i64) -> Result<Self, Self::Error> {
        if (1..=i64::from(MAX_PASSENGERS)).contains(&count) {
            Ok(Self(count as u8))
        } else {
            Err(format!(
                "must be a whole number from 1 to {MAX_PASSENGERS}, got {count}"
            ))
        }
    }
}
