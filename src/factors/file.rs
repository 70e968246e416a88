//! The on-disk shape of a factor-set file (documented in `emission_factors/README.md`).

use serde::{Deserialize, Serialize};

use crate::domain::mode::Basis;

/// One factor-set file, exactly as written.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FactorSetFile {
    pub id: String,
    pub version: String,
    pub title: String,
    pub region: String,
    pub boundary: Boundary,
    pub gwp_basis: String,
    pub default_baseline_mode: String,
    pub description: String,
    pub sources: Vec<SourceFile>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grid_regions: Option<Vec<GridRegionFile>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_grid_region: Option<String>,
    pub modes: Vec<ModeFile>,
}

/// Which part of the fuel and energy chain a set counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Boundary {
    /// Tailpipe emissions, and generation emissions for electricity.
    TankToWheel,
    /// Tank-to-wheel plus fuel production and electricity transmission losses.
    WellToWheel,
}

/// A publication that factors cite.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceFile {
    pub id: String,
    pub title: String,
    pub publisher: String,
    pub year: i32,
    pub url: Option<String>,
}

/// A grid whose electricity factor electric modes use.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GridRegionFile {
    pub id: String,
    pub name: LabelFile,
    pub level: GridLevel,
    pub parent: Option<String>,
    #[serde(default)]
    pub aliases: Vec<String>,
    pub co2e_g_per_kwh: Option<f64>,
    pub source: Option<String>,
    pub note: Option<String>,
}

/// Where a grid region sits in the province → regional grid → national hierarchy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum GridLevel {
    National,
    Regional,
    Provincial,
}

/// A name in English and Chinese.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LabelFile {
    /// English.
    pub en: String,
    /// Chinese.
    pub zh: String,
}

/// One mode's factor.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModeFile {
    pub mode: String,
    pub label: LabelFile,
    /// Other names people write for the mode (`地铁`, `subway`), matched like the id and labels
    /// through [`super::normalize_name`]. Absent in campaign snapshots stored before aliases
    /// existed, and left out of a snapshot when empty.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    pub basis: Basis,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub co2e_g_per_km: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grid_kwh_per_km: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fixed_g_per_km: Option<f64>,
    pub source: String,
    pub quality: Quality,
    pub derivation: Option<DerivationFile>,
    pub max_distance_km: f64,
    pub note: Option<String>,
    /// Speed and intensity of an active mode (walking, cycling, e-bike), for active minutes.
    /// Absent in sets (and campaign snapshots) without co-benefit parameters, and left out of a
    /// snapshot when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub active: Option<ActiveFile>,
    /// Tailpipe NOx and PM2.5 per km of the mode's basis. Absent where nothing could be sourced,
    /// in older sets and snapshots; left out of a snapshot when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub air: Option<AirFile>,
}

/// The physical activity of one km in an active mode.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActiveFile {
    /// Default travel speed, km/h (e.g. WHO HEAT: 4.8 walking, 14 cycling).
    pub speed_kmh: f64,
    /// Intensity in METs (e.g. Compendium code 17270, walking to work: 4.0).
    pub met: f64,
    /// Id of the source of the speed and MET value.
    pub source: String,
    /// Remarks: the Compendium code, where each number was read.
    #[serde(default)]
    pub note: Option<String>,
}

/// Tailpipe (exhaust) NOx and PM2.5 of one km of the mode's basis, in milligrams.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AirFile {
    /// Must equal the mode's basis: per-vehicle values are divided by the travellers like CO2e.
    pub basis: Basis,
    /// Milligrams NOx (as NO2) per km of the basis.
    pub nox_mg_per_km: f64,
    /// Milligrams exhaust PM2.5 per km of the basis.
    pub pm25_mg_per_km: f64,
    /// Id of the main source.
    pub source: String,
    /// How directly the values come from their source (same rules as the CO2e factor).
    pub quality: Quality,
    /// `null` for published values; required for derived and proxy ones.
    pub derivation: Option<AirDerivationFile>,
    /// The table or row read; required for a proxy (reason, assumptions).
    #[serde(default)]
    pub note: Option<String>,
}

/// How derived or proxy air values were computed.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AirDerivationFile {
    /// The formula with its numbers.
    pub formula: String,
    /// Each input with its unit, source and status (occupancy included for per-passenger values).
    pub inputs: Vec<DerivationInput>,
    /// Arithmetic over the input names giving `nox_mg_per_km` (checked by `emission_factors/check.py`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nox_expression: Option<String>,
    /// Arithmetic over the input names giving `pm25_mg_per_km` (checked by `emission_factors/check.py`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pm25_expression: Option<String>,
}

/// How directly a factor comes from its source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Quality {
    /// Read directly from the source.
    Published,
    /// Computed from sourced inputs.
    Derived,
    /// An analogous value or an estimate resting on assumptions.
    Proxy,
}

impl Quality {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Published => "published",
            Self::Derived => "derived",
            Self::Proxy => "proxy",
        }
    }
}

/// How a derived or proxy factor was computed.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DerivationFile {
    /// The formula with its numbers.
    pub formula: String,
    /// Each input with its unit, source and status.
    pub inputs: Vec<DerivationInput>,
    /// The formula as an arithmetic expression over the input names (checked by `emission_factors/check.py`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expression: Option<String>,
}

/// One input of a derivation.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DerivationInput {
    /// Name used in the formula.
    pub name: String,
    /// The value.
    pub value: f64,
    /// Its unit.
    pub unit: String,
    /// Id of the source it comes from, if any.
    pub source: Option<String>,
    /// `verified`, `secondary` or `assumption`.
    pub status: InputStatus,
    /// Remarks.
    #[serde(default)]
    pub note: Option<String>,
}

/// How well an input is established.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum InputStatus {
    /// Seen in the source or a faithful copy of it.
    Verified,
    /// Quoted by a third party.
    Secondary,
    /// An assumption, flagged as such.
    Assumption,
}
