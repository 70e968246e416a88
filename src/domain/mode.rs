//! Transport modes and how their factors are expressed.

use std::fmt;

/// Mode ids every bundled factor set defines (clients rely on these spellings).
pub const FIXED_MODES: [&str; 18] = [
    "walk",
    "bicycle",
    "e_bike",
    "e_scooter",
    "motorcycle",
    "bus",
    "coach",
    "metro",
    "light_rail",
    "rail",
    "taxi",
    "car",
    "car_petrol",
    "car_diesel",
    "car_hybrid",
    "car_plugin_hybrid",
    "car_electric",
    "telework",
];

/// The mode that stands for "no trip was made".
pub const TELEWORK: &str = "telework";

/// A mode id: lowercase ASCII letters, digits and `_`, starting with a letter, at most 32 bytes.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ModeId(String);

impl ModeId {
    /// The id as written.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether this mode means working from home (no trip).
    pub fn is_telework(&self) -> bool {
        self.0 == TELEWORK
    }
}

impl TryFrom<&str> for ModeId {
    type Error = String;

    fn try_from(id: &str) -> Result<Self, Self::Error> {
        let mut chars = id.chars();
        let starts_with_letter = chars.next().is_some_and(|c| c.is_ascii_lowercase());
        let rest_ok = chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if starts_with_letter && rest_ok && id.len() <= 32 {
            Ok(Self(id.to_owned()))
        } else {
            Err(format!(
                "`{}` is not a mode id (lowercase letters, digits and `_`, starting with a letter)",
                truncate_for_message(id)
            ))
        }
    }
}

impl fmt::Display for ModeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// What one km of a factor measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Basis {
    /// Per traveller: already shared over the vehicle's average load.
    PassengerKm,
    /// Per vehicle: divided by the travellers sharing it.
    VehicleKm,
}

impl Basis {
    /// The wire spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::PassengerKm => "passenger_km",
            Self::VehicleKm => "vehicle_km",
        }
    }
}

/// Shortens a client-supplied string before echoing it in an error.
pub fn truncate_for_message(text: &str) -> String {
    const LIMIT: usize = 40;
    if text.chars().count() <= LIMIT {
        text.to_owned()
    } else {
        let head: String = text.chars().take(LIMIT).collect();
        format!("{head}…")
    }
}
