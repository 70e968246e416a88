//! A validated, immutable factor set.

use crate::domain::grams::ug_per_km_from_g;
use crate::domain::mode::Basis;
use crate::domain::ModeId;
use fnv::FnvHashMap as FastMap;

use super::file::{FactorSetFile, GridLevel, LabelFile, ModeFile, Quality};
use super::name::normalize_name;

/// A factor set ready for calculations. Built only by [`super::load`].
#[derive(Debug, Clone)]
pub struct FactorSet {
    pub(super) file: FactorSetFile,
    pub(super) modes: Vec<ModeFactor>,
    pub(super) mode_index: FastMap<String, usize>,
    /// Mode index by every name a person may write for it, normalized by [`normalize_name`]:
    /// ids, `label.en`, `label.zh` and aliases.
    pub(super) mode_names: FastMap<String, usize>,
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
    /// Speed and intensity, for modes whose trips count as physical activity.
    pub active: Option<Active>,
    /// Tailpipe NOx and PM2.5, where the set gives them.
    pub air: Option<Air>,
}

/// An active mode's default speed and intensity, in the units calculations use.
///
/// A leg of `distance_m` metres takes `distance_m × 60 / speed_m_per_h` minutes, an exact
/// rational number: round it once per leg, half away from zero, to whole active minutes
/// (`crate::domain::grams::div_round_half_away`); a round trip doubles the distance first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Active {
    /// Default speed in whole metres per hour (`speed_kmh × 1000`, rounded once at load:
    /// 4.8 km/h → 4 800).
    pub speed_m_per_h: i64,
    /// Intensity in tenths of a MET (4.0 → 40, 6.8 → 68); the loader accepts only values with
    /// at most one decimal, as the Compendium of Physical Activities publishes them.
    pub met_x10: i64,
}

/// Tailpipe pollutants of one km of the mode's basis, in the units calculations use.
///
/// A leg emits `distance_m × ug_per_km / (1 000 m/km × 1 000 µg/mg × sharers)` milligrams, with
/// `sharers` the travellers sharing a `vehicle_km` mode (1 for `passenger_km`), exactly as
/// [`crate::domain::grams::leg_grams`] does for CO2e: round once per leg, half away from zero,
/// to whole milligrams; totals are exact sums of the legs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Air {
    /// NOx (as NO2) in whole µg per km of the basis (`nox_mg_per_km × 1000`, rounded once at load).
    pub nox_ug_per_km: i64,
    /// Exhaust PM2.5 in whole µg per km of the basis (`pm25_mg_per_km × 1000`, rounded once at load).
    pub pm25_ug_per_km: i64,
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

    /// The mode a person means by `text`: its id, its `label.en`, its `label.zh` or one of its
    /// `aliases`, compared through [`normalize_name`] (without case, spaces or brackets), so
    /// `Metro`, `地铁`, `subway` and `（地铁）` all find `metro`. An exact id is found without
    /// normalizing. Ids come first; a label two modes share (which the loader tolerates for
    /// old snapshots) finds the earlier mode; aliases are unambiguous by validation.
    pub fn mode_by_name(&self, text: &str) -> Option<&ModeFactor> {
        if let Some(mode) = self.mode(text) {
            return Some(mode);
        }
        self.mode_names
            .get(normalize_name(text).as_str())
            .map(|&i| &self.modes[i])
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

#[cfg(test)]
mod tests {
    use super::FactorSet;
    use crate::factors::parse;

    const CN: &str = include_str!("../../emission_factors/cn-2022.json");
    const UK: &str = include_str!("../../emission_factors/uk-desnz-2025.json");

    fn set(json: &str) -> FactorSet {
        parse("test.json", json).expect("a bundled set loads")
    }

    /// The id of the mode `text` names, if any.
    fn found<'a>(set: &'a FactorSet, text: &str) -> Option<&'a str> {
        set.mode_by_name(text).map(|mode| mode.mode.as_str())
    }

    #[test]
    fn ids_are_found_as_written_and_in_any_case() {
        let cn = set(CN);
        for mode in cn.modes() {
            let id = mode.mode.as_str();
            assert_eq!(found(&cn, id), Some(id));
            assert_eq!(found(&cn, &id.to_uppercase()), Some(id));
            assert_eq!(found(&cn, &format!("  {id} ")), Some(id));
        }
    }

    #[test]
    fn english_labels_are_found_in_any_case_with_or_without_spaces_and_brackets() {
        let uk = set(UK);
        for (text, mode) in [
            ("Walking", "walk"),
            ("WALKING", "walk"),
            ("e-bike", "e_bike"),
            ("Light rail / tram", "light_rail"),
            ("light rail/TRAM", "light_rail"),
            ("Car (fuel unknown)", "car"),
            ("car fuel unknown", "car"),
            ("Plug-in hybrid car [PHEV]", "car_plugin_hybrid"),
            ("Battery electric car （BEV）", "car_electric"),
            ("telework", "telework"),
        ] {
            assert_eq!(found(&uk, text), Some(mode), "{text:?}");
        }
    }

    #[test]
    fn chinese_labels_are_found_with_half_or_full_width_brackets_and_spaces() {
        let cn = set(CN);
        for (text, mode) in [
            ("步行", "walk"),
            ("电动自行车", "e_bike"),
            ("地铁", "metro"),
            ("公交车", "bus"),
            ("大巴/班车", "coach"),
            ("出租车/网约车", "taxi"),
            ("小汽车（燃料未知）", "car"),
            ("小汽车(燃料未知)", "car"),
            ("小汽车 【燃料未知】", "car"),
            ("居家办公", "telework"),
            ("\u{3000}纯电动车\u{3000}", "car_electric"),
        ] {
            assert_eq!(found(&cn, text), Some(mode), "{text:?}");
        }
    }

    #[test]
    fn the_contract_words_are_aliases_of_their_modes_in_every_bundled_set() {
        // api.md: 地铁, 轨道交通 → metro; 公交, 公交车 → bus; 单车, 共享单车 → bicycle; 电动车,
        // 电瓶车 → e_bike; 网约车 → taxi; 班车, 通勤班车 → the shuttle mode (coach in these sets);
        // 私家车, 自驾 → car; 居家办公, 在家办公 → telework.
        for json in [CN, UK] {
            let set = set(json);
            for (text, mode) in [
                ("地铁", "metro"),
                ("轨道交通", "metro"),
                ("公交", "bus"),
                ("公交车", "bus"),
                ("单车", "bicycle"),
                ("共享单车", "bicycle"),
                ("电动车", "e_bike"),
                ("电瓶车", "e_bike"),
                ("网约车", "taxi"),
                ("班车", "coach"),
                ("通勤班车", "coach"),
                ("私家车", "car"),
                ("自驾", "car"),
                ("居家办公", "telework"),
                ("在家办公", "telework"),
            ] {
                assert_eq!(found(&set, text), Some(mode), "{}: {text:?}", set.id());
            }
        }
    }

    #[test]
    fn aliases_are_found_without_case_spaces_or_brackets() {
        let uk = set(UK);
        for (text, mode) in [
            ("（地铁）", "metro"),
            ("【通勤班车】", "coach"),
            ("[班车]", "coach"),
            (" 共享 单车 ", "bicycle"),
            ("Tube", "metro"),
            ("UNDERGROUND", "metro"),
            ("Work From Home", "telework"),
            ("wfh", "telework"),
            ("Electric Bike", "e_bike"),
            ("e bike", "e_bike"),
            ("Mini cab", "taxi"),
            ("plug-in hybrid", "car_plugin_hybrid"),
            ("On foot", "walk"),
        ] {
            assert_eq!(found(&uk, text), Some(mode), "{text:?}");
        }
    }

    #[test]
    fn every_label_and_alias_of_every_bundled_set_finds_its_own_mode() {
        for json in [
            CN,
            UK,
            include_str!("../../emission_factors/uk-desnz-2025-wtw.json"),
        ] {
            let set = set(json);
            for mode in set.modes() {
                let file = set.mode_file(mode);
                assert!(!file.aliases.is_empty(), "{}: {}", set.id(), mode.mode);
                for name in [&file.label.en, &file.label.zh]
                    .into_iter()
                    .chain(&file.aliases)
                {
                    assert_eq!(
                        found(&set, name),
                        Some(mode.mode.as_str()),
                        "{}: {name:?}",
                        set.id()
                    );
                }
            }
        }
    }

    #[test]
    fn unknown_names_find_nothing() {
        let cn = set(CN);
        for text in [
            "",
            "   ",
            "（）",
            "horse",
            "飞机",
            "metro line 2",
            "地铁2号线",
            // Deliberately not aliases: each could mean more than one mode.
            "新能源车",
            "电车",
            "燃油车",
            "混动",
            "EV",
            "moped",
            "滴滴",
            "Uber",
        ] {
            assert_eq!(found(&cn, text), None, "{text:?}");
        }
    }
}
