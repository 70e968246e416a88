//! A validated, immutable factor set.

use crate::domain::grams::ug_per_km_from_g;
use crate::domain::mode::Basis;
use crate::domain::ModeId;
use fnv::FnvHashMap as FastMap;

use super::file::{FactorSetFile, GridLevel, LabelFile, ModeFile, Quality};

/// A factor set ready for calculations. Built only by [`super::load`].
#[derive(Debug, Clone)]
pub struct FactorSet {
    pub(super) file: FactorSetFile,
    pub(super) modes: Vec<ModeFactor>,
    pub(super) mode_index: FastMap<String, usize>,
    pub(super) grid_regions: Vec<GridRegion>,
    /// Region index by lowercased id and alias.
    pub(super) region_index: FastMap<String, usize>,
    pub(super) default_grid: Option<usize>,
}

/// One mode's factor, in the units calculations use.
#[derive(Debug, Clone)]
pub struct ModeFactor {
    /// The mode id.
    pub mode: ModeId,
    /// What one km measures.
    pub basis: Basis,
    /// The part that does not depend on the grid, in µg per km.
    pub fixed_ug_per_km: i64,
    /// Electricity per km, multiplied by the grid factor of the trip's region.
    pub grid_kwh_per_km: Option<f64>,
    /// Longest accepted leg, in metres.
    pub max_distance_m: i64,
    /// Index of the mode in the file.
    pub index: usize,
}

/// A grid region with its resolved electricity factor.
#[derive(Debug, Clone)]
pub struct GridRegion {
    /// Region id, e.g. `CN-BJ`.
    pub id: String,
    /// Names.
    pub name: LabelFile,
    /// Level in the hierarchy.
    pub level: GridLevel,
    /// The region whose factor applies (itself when it has one; else its nearest ancestor that does).
    pub factor_from: usize,
    /// Grams CO2e per kWh (the resolved value).
    pub co2e_g_per_kwh: f64,
}

/// The factor one mode has for one trip: resolved against the trip's grid region.
#[derive(Debug, Clone, Copy)]
pub struct ResolvedFactor<'a> {
    /// The mode's factor entry.
    pub mode: &'a ModeFactor,
    /// µg CO2e per km of the basis.
    pub ug_per_km: i64,
}

impl FactorSet {
    /// Set id, e.g. `cn-2022`.
    pub fn id(&self) -> &str {
        &self.file.id
    }

    /// Set version.
    pub fn version(&self) -> &str {
        &self.file.version
    }

    /// The file content as validated (what a campaign snapshots).
    pub fn file(&self) -> &FactorSetFile {
        &self.file
    }

    /// The default baseline mode.
    pub fn default_baseline_mode(&self) -> &ModeFactor {
        self.mode(&self.file.default_baseline_mode)
            .expect("validated at load: the default baseline mode exists")
    }

    /// The mode's factor, if the set defines it.
    pub fn mode(&self, id: &str) -> Option<&ModeFactor> {
        self.mode_index.get(id).map(|&i| &self.modes[i])
    }

    /// Every mode, in file order.
    pub fn modes(&self) -> &[ModeFactor] {
        &self.modes
    }

    /// The file entry of a mode (labels, source, derivation).
    pub fn mode_file(&self, mode: &ModeFactor) -> &ModeFile {
        &self.file.modes[mode.index]
    }

    /// Grid regions, in file order (empty when the set derives nothing from a grid).
    pub fn grid_regions(&self) -> &[GridRegion] {
        &self.grid_regions
    }

    /// The region used when a trip names none.
    pub fn default_grid_region(&self) -> Option<&GridRegion> {
        self.default_grid.map(|i| &self.grid_regions[i])
    }

    /// Finds a region by id or alias, ignoring case and surrounding spaces.
    pub fn find_grid_region(&self, name: &str) -> Option<&GridRegion> {
        let name = name.trim();
        // Ids and most aliases are short ASCII: lowercase them on the stack, not the heap.
        let mut buffer = [0u8; 32];
        let index = if name.is_ascii() && name.len() <= buffer.len() {
            let lower = &mut buffer[..name.len()];
            lower.copy_from_slice(name.as_bytes());
            lower.make_ascii_lowercase();
            let lower = std::str::from_utf8(lower).expect("ASCII stays UTF-8");
            self.region_index.get(lower)
        } else {
            self.region_index.get(&name.to_lowercase())
        };
        index.map(|&i| &self.grid_regions[i])
    }

    /// The mode's factor on `grid` (the set's default grid when `None`).
    pub fn resolve<'a>(
        &'a self,
        mode: &'a ModeFactor,
        grid: Option<&GridRegion>,
    ) -> ResolvedFactor<'a> {
        let grid_ug = match (mode.grid_kwh_per_km, grid.or(self.default_grid_region())) {
            (Some(kwh_per_km), Some(region)) => {
                ug_per_km_from_g(kwh_per_km * region.co2e_g_per_kwh)
            }
            _ => 0,
        };
        ResolvedFactor {
            mode,
            ug_per_km: mode.fixed_ug_per_km + grid_ug,
        }
    }

    /// Quality of a mode's factor.
    pub fn quality(&self, mode: &ModeFactor) -> Quality {
        self.mode_file(mode).quality
    }
}
