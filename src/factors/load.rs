//! Parsing and validating factor-set files. Errors name the file, the mode and the field.

use std::collections::{HashMap, HashSet};
use std::fmt;

use crate::domain::grams::ug_per_km_from_g;
use crate::domain::mode::{truncate_for_message, Basis, FIXED_MODES};
use crate::domain::slug::is_slug;
use crate::domain::ModeId;
use fnv::FnvHashMap as FastMap;

use super::file::{
    ActiveFile, AirFile, DerivationInput, FactorSetFile, GridLevel, ModeFile, Quality,
};
use super::name::normalize_name;
use super::set::{Active, Air, FactorSet, GridRegion, ModeFactor};

/// Largest factor accepted, in g per km (a large car is about 300; this catches unit slips).
const MAX_G_PER_KM: f64 = 10_000.0;
/// Largest grid factor accepted, in g per kWh.
const MAX_G_PER_KWH: f64 = 2_000.0;
/// Largest leg limit a set may declare, in km.
const MAX_LEG_LIMIT_KM: f64 = 5_000.0;
/// Longest mode alias, in characters.
pub const MAX_ALIAS_CHARS: usize = 32;
/// Accepted default speeds of an active mode, km/h (walking is about 5, an e-bike about 25).
const ACTIVE_SPEED_KMH: std::ops::RangeInclusive<f64> = 1.0..=40.0;
/// Accepted intensities of an active mode, METs.
const ACTIVE_MET: std::ops::RangeInclusive<f64> = 1.0..=15.0;
/// Largest tailpipe NOx accepted, mg per km (an old diesel bus emits about 12 000 per vehicle-km).
const MAX_NOX_MG_PER_KM: f64 = 20_000.0;
/// Largest exhaust PM2.5 accepted, mg per km.
const MAX_PM25_MG_PER_KM: f64 = 2_000.0;

/// A factor-set file that cannot be used, and exactly where it is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadError {
    /// The file (or snapshot) the set came from.
    pub origin: String,
    /// Where in it: `modes[4] (metro).co2e_g_per_km`, `grid_regions[2].parent`, or a JSON position.
    pub location: String,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.location.is_empty() {
            write!(f, "{}: {}", self.origin, self.message)
        } else {
            write!(f, "{}: {}: {}", self.origin, self.location, self.message)
        }
    }
}

impl std::error::Error for LoadError {}

/// Parses and validates one factor set; `origin` names it in errors (usually the file path).
pub fn parse(origin: &str, json: &str) -> Result<FactorSet, LoadError> {
    let file: FactorSetFile = serde_json::from_str(json).map_err(|e| LoadError {
        origin: origin.to_owned(),
        location: format!("line {} column {}", e.line(), e.column()),
        message: e.to_string(),
    })?;
    validate(origin, file)
}

/// Validates a parsed file and builds the set.
pub fn validate(origin: &str, file: FactorSetFile) -> Result<FactorSet, LoadError> {
    let fail = |location: String, message: String| LoadError {
        origin: origin.to_owned(),
        location,
        message,
    };

    if !is_slug(&file.id) {
        return Err(fail(
            "id".into(),
            format!("`{}` must match [a-z0-9-]{{2,64}}", file.id),
        ));
    }
    for (field, value) in [
        ("version", &file.version),
        ("title", &file.title),
        ("region", &file.region),
        ("gwp_basis", &file.gwp_basis),
        ("description", &file.description),
    ] {
        if value.trim().is_empty() {
            return Err(fail(field.into(), "must not be empty".into()));
        }
    }

    let mut source_ids = HashSet::new();
    for (i, source) in file.sources.iter().enumerate() {
        if source.id.trim().is_empty() || !source_ids.insert(source.id.as_str()) {
            return Err(fail(
                format!("sources[{i}].id"),
                format!("`{}` must be non-empty and unique", source.id),
            ));
        }
    }
    let known_source = |id: &str| source_ids.contains(id);

    let (grid_regions, region_index, default_grid) = validate_grid(&file, &known_source)
        .map_err(|(location, message)| fail(location, message))?;

    let mut modes = Vec::with_capacity(file.modes.len());
    let mut mode_index = FastMap::default();
    for (i, mode_file) in file.modes.iter().enumerate() {
        let at = |field: &str| format!("modes[{i}] ({}).{field}", mode_file.mode);
        let mode = validate_mode(i, mode_file, !grid_regions.is_empty(), &known_source)
            .map_err(|(field, message)| fail(at(&field), message))?;
        if mode_index.insert(mode_file.mode.clone(), i).is_some() {
            return Err(fail(at("mode"), "is defined twice".into()));
        }
        modes.push(mode);
    }
    for fixed in FIXED_MODES {
        if !mode_index.contains_key(fixed) {
            return Err(fail(
                "modes".into(),
                format!("must define the fixed mode `{fixed}`"),
            ));
        }
    }
    let mode_names =
        index_mode_names(&file.modes).map_err(|(location, message)| fail(location, message))?;
    if !mode_index.contains_key(&file.default_baseline_mode) {
        return Err(fail(
            "default_baseline_mode".into(),
            format!(
                "`{}` is not one of the set's modes",
                file.default_baseline_mode
            ),
        ));
    }

    Ok(FactorSet {
        file,
        modes,
        mode_index,
        mode_names,
        grid_regions,
        region_index,
        default_grid,
    })
}

type Problem = (String, String);

fn validate_mode(
    index: usize,
    mode: &ModeFile,
    set_has_grid: bool,
    known_source: &dyn Fn(&str) -> bool,
) -> Result<ModeFactor, Problem> {
    let problem = |field: &str, message: String| (field.to_owned(), message);
    let id = ModeId::try_from(mode.mode.as_str()).map_err(|m| problem("mode", m))?;
    if mode.label.en.trim().is_empty() || mode.label.zh.trim().is_empty() {
        return Err(problem("label", "needs both `en` and `zh`".into()));
    }
    for (j, alias) in mode.aliases.iter().enumerate() {
        check_alias(alias).map_err(|message| problem(&format!("aliases[{j}]"), message))?;
    }
    if !known_source(&mode.source) {
        return Err(problem(
            "source",
            format!("`{}` is not listed in sources", mode.source),
        ));
    }
    check_provenance(
        "",
        mode.quality,
        mode.derivation.as_ref().map(|d| d.inputs.as_slice()),
        mode.note.as_deref(),
        known_source,
    )?;
    if !(mode.max_distance_km.is_finite()
        && mode.max_distance_km > 0.0
        && mode.max_distance_km <= MAX_LEG_LIMIT_KM)
    {
        return Err(problem(
            "max_distance_km",
            format!("must be > 0 and ≤ {MAX_LEG_LIMIT_KM}"),
        ));
    }

    let check_g = |field: &str, value: f64| {
        if value.is_finite() && (0.0..=MAX_G_PER_KM).contains(&value) {
            Ok(())
        } else {
            Err(problem(
                field,
                format!("must be ≥ 0 and ≤ {MAX_G_PER_KM} g per km, got {value}"),
            ))
        }
    };
    let fixed_g_per_km = match (
        mode.co2e_g_per_km,
        mode.grid_kwh_per_km,
        mode.fixed_g_per_km,
    ) {
        (Some(g), None, None) => {
            check_g("co2e_g_per_km", g)?;
            g
        }
        (None, Some(kwh), fixed) => {
            if !set_has_grid {
                return Err(problem(
                    "grid_kwh_per_km",
                    "needs the set to define grid_regions".into(),
                ));
            }
            if !(kwh.is_finite() && (0.0..=10.0).contains(&kwh)) {
                return Err(problem(
                    "grid_kwh_per_km",
                    format!("must be ≥ 0 and ≤ 10 kWh per km, got {kwh}"),
                ));
            }
            let fixed = fixed.unwrap_or(0.0);
            check_g("fixed_g_per_km", fixed)?;
            fixed
        }
        (Some(_), Some(_), _) => {
            return Err(problem(
                "co2e_g_per_km",
                "must be absent when grid_kwh_per_km is given (it is computed per grid region)"
                    .into(),
            ))
        }
        (None, None, _) => {
            return Err(problem(
                "co2e_g_per_km",
                "is required (or grid_kwh_per_km for a grid-derived mode)".into(),
            ))
        }
        (Some(_), None, Some(_)) => {
            return Err(problem(
                "fixed_g_per_km",
                "is only used together with grid_kwh_per_km".into(),
            ))
        }
    };
    if id.is_telework() && (fixed_g_per_km != 0.0 || mode.grid_kwh_per_km.is_some()) {
        return Err(problem(
            "co2e_g_per_km",
            "must be 0 for telework (no trip is made)".into(),
        ));
    }
    if id.as_str().starts_with("car") && mode.basis != Basis::VehicleKm {
        return Err(problem(
            "basis",
            "must be vehicle_km for cars, so that car-pools divide".into(),
        ));
    }

    let active = mode
        .active
        .as_ref()
        .map(|active| validate_active(active, known_source))
        .transpose()?;
    let air = mode
        .air
        .as_ref()
        .map(|air| validate_air(air, mode.basis, known_source))
        .transpose()?;

    Ok(ModeFactor {
        mode: id,
        basis: mode.basis,
        fixed_ug_per_km: ug_per_km_from_g(fixed_g_per_km),
        grid_kwh_per_km: mode.grid_kwh_per_km,
        max_distance_m: (mode.max_distance_km * 1000.0).round() as i64,
        index,
        active,
        air,
    })
}

/// The rules a value's provenance follows, for a mode's CO2e factor and for its air values
/// alike: a published value has no derivation, a derived or proxy one has; every input names a
/// listed source; a proxy says why in its note. `prefix` goes before the field names (`air.`).
fn check_provenance(
    prefix: &str,
    quality: Quality,
    inputs: Option<&[DerivationInput]>,
    note: Option<&str>,
    known_source: &dyn Fn(&str) -> bool,
) -> Result<(), Problem> {
    let problem = |field: &str, message: String| (format!("{prefix}{field}"), message);
    match (quality, inputs) {
        (Quality::Published, Some(_)) => {
            return Err(problem(
                "derivation",
                "must be null for a published factor".into(),
            ))
        }
        (Quality::Derived | Quality::Proxy, None) => {
            return Err(problem(
                "derivation",
                "is required for a derived or proxy factor".into(),
            ))
        }
        _ => {}
    }
    for (j, input) in inputs.unwrap_or_default().iter().enumerate() {
        if let Some(source) = &input.source {
            if !known_source(source) {
                return Err(problem(
                    &format!("derivation.inputs[{j}].source"),
                    format!("`{source}` is not listed in sources"),
                ));
            }
        }
    }
    if quality == Quality::Proxy && note.is_none_or(|n| n.trim().is_empty()) {
        return Err(problem(
            "note",
            "must explain why a proxy factor is used".into(),
        ));
    }
    Ok(())
}

/// An active mode's speed and MET value, checked and converted to whole metres per hour and
/// tenths of a MET.
fn validate_active(
    active: &ActiveFile,
    known_source: &dyn Fn(&str) -> bool,
) -> Result<Active, Problem> {
    let problem = |field: &str, message: String| (format!("active.{field}"), message);
    let speed = active.speed_kmh;
    if !(speed.is_finite() && ACTIVE_SPEED_KMH.contains(&speed)) {
        return Err(problem(
            "speed_kmh",
            format!(
                "must be ≥ {} and ≤ {} km/h, got {speed}",
                ACTIVE_SPEED_KMH.start(),
                ACTIVE_SPEED_KMH.end()
            ),
        ));
    }
    let met = active.met;
    if !(met.is_finite() && ACTIVE_MET.contains(&met)) {
        return Err(problem(
            "met",
            format!(
                "must be ≥ {} and ≤ {} METs, got {met}",
                ACTIVE_MET.start(),
                ACTIVE_MET.end()
            ),
        ));
    }
    let met_x10 = (met * 10.0).round();
    if (met * 10.0 - met_x10).abs() > 1e-6 {
        return Err(problem(
            "met",
            format!("must have at most one decimal (it is held in tenths of a MET), got {met}"),
        ));
    }
    if !known_source(&active.source) {
        return Err(problem(
            "source",
            format!("`{}` is not listed in sources", active.source),
        ));
    }
    Ok(Active {
        speed_m_per_h: (speed * 1000.0).round() as i64,
        met_x10: met_x10 as i64,
    })
}

/// A mode's tailpipe NOx and PM2.5, checked and converted to whole µg per km of the basis.
fn validate_air(
    air: &AirFile,
    mode_basis: Basis,
    known_source: &dyn Fn(&str) -> bool,
) -> Result<Air, Problem> {
    let problem = |field: &str, message: String| (format!("air.{field}"), message);
    if air.basis != mode_basis {
        return Err(problem(
            "basis",
            format!(
                "must be the mode's basis `{}`, got `{}`",
                mode_basis.as_str(),
                air.basis.as_str()
            ),
        ));
    }
    for (field, value, max) in [
        ("nox_mg_per_km", air.nox_mg_per_km, MAX_NOX_MG_PER_KM),
        ("pm25_mg_per_km", air.pm25_mg_per_km, MAX_PM25_MG_PER_KM),
    ] {
        if !(value.is_finite() && (0.0..=max).contains(&value)) {
            return Err(problem(
                field,
                format!("must be ≥ 0 and ≤ {max} mg per km, got {value}"),
            ));
        }
    }
    if !known_source(&air.source) {
        return Err(problem(
            "source",
            format!("`{}` is not listed in sources", air.source),
        ));
    }
    check_provenance(
        "air.",
        air.quality,
        air.derivation.as_ref().map(|d| d.inputs.as_slice()),
        air.note.as_deref(),
        known_source,
    )?;
    Ok(Air {
        nox_ug_per_km: ug_per_km_from_mg(air.nox_mg_per_km),
        pm25_ug_per_km: ug_per_km_from_mg(air.pm25_mg_per_km),
    })
}

/// Milligrams per km to whole micrograms per km, rounded once (as CO2e factors are held).
fn ug_per_km_from_mg(mg_per_km: f64) -> i64 {
    (mg_per_km * 1000.0).round() as i64
}

/// Whether one alias is written acceptably on its own (uniqueness is checked across the set).
fn check_alias(alias: &str) -> Result<(), String> {
    let shown = truncate_for_message(alias);
    if alias.trim().is_empty() {
        return Err("must not be empty".into());
    }
    if alias.trim() != alias {
        return Err(format!("`{shown}` must not start or end with spaces"));
    }
    if alias.chars().count() > MAX_ALIAS_CHARS {
        return Err(format!(
            "`{shown}` is longer than {MAX_ALIAS_CHARS} characters"
        ));
    }
    if alias.chars().any(char::is_control) {
        return Err(format!(
            "`{}` contains a control character",
            alias.escape_debug()
        ));
    }
    if normalize_name(alias).is_empty() {
        return Err(format!("`{shown}` has nothing but spaces and brackets"));
    }
    Ok(())
}

/// Every name of every mode (id, `label.en`, `label.zh`, aliases), normalized, → mode index.
///
/// An alias must name one mode only: it may not repeat another alias (of any mode, after
/// normalization) nor another mode's id or labels. Ids win over labels, and a label two modes
/// share finds the earlier one: labels were never checked for that, and a campaign snapshot
/// that loaded before must still load.
fn index_mode_names(modes: &[ModeFile]) -> Result<FastMap<String, usize>, Problem> {
    let fixed_names: Vec<[(&str, String); 3]> = modes
        .iter()
        .map(|mode| {
            [
                ("id", normalize_name(&mode.mode)),
                ("label.en", normalize_name(&mode.label.en)),
                ("label.zh", normalize_name(&mode.label.zh)),
            ]
        })
        .collect();
    let mut names = FastMap::default();
    for (i, [(_, id), ..]) in fixed_names.iter().enumerate() {
        names.insert(id.clone(), i);
    }
    for (i, [_, (_, en), (_, zh)]) in fixed_names.iter().enumerate() {
        names.entry(en.clone()).or_insert(i);
        names.entry(zh.clone()).or_insert(i);
    }
    let mut alias_of: FastMap<String, (usize, usize)> = FastMap::default();
    for (i, mode) in modes.iter().enumerate() {
        for (j, alias) in mode.aliases.iter().enumerate() {
            let at = format!("modes[{i}] ({}).aliases[{j}]", mode.mode);
            let key = normalize_name(alias);
            for (k, other) in modes.iter().enumerate().filter(|&(k, _)| k != i) {
                if let Some((field, _)) = fixed_names[k].iter().find(|(_, name)| *name == key) {
                    return Err((
                        at,
                        format!(
                            "`{alias}` is the {field} of mode `{}`; an alias must name one mode only",
                            other.mode
                        ),
                    ));
                }
            }
            if let Some((k, first)) = alias_of.insert(key.clone(), (i, j)) {
                let message = if k == i {
                    format!(
                        "`{alias}` repeats aliases[{first}] `{}` (names are compared without case, spaces or brackets)",
                        modes[i].aliases[first]
                    )
                } else {
                    format!(
                        "`{alias}` is also an alias of mode `{}` (`{}`); an alias must name one mode only",
                        modes[k].mode, modes[k].aliases[first]
                    )
                };
                return Err((at, message));
            }
            names.entry(key).or_insert(i);
        }
    }
    Ok(names)
}

/// Grid regions resolved to their factors, the index of every id and alias (lowercased), and the
/// default region.
type Grid = (Vec<GridRegion>, FastMap<String, usize>, Option<usize>);

fn validate_grid(
    file: &FactorSetFile,
    known_source: &dyn Fn(&str) -> bool,
) -> Result<Grid, Problem> {
    let Some(regions) = file.grid_regions.as_deref() else {
        return match &file.default_grid_region {
            Some(_) => Err((
                "default_grid_region".into(),
                "is only allowed with grid_regions".into(),
            )),
            None => Ok((Vec::new(), FastMap::default(), None)),
        };
    };
    let mut index_of = HashMap::new();
    let mut names = FastMap::default();
    for (i, region) in regions.iter().enumerate() {
        let at = |field: &str| format!("grid_regions[{i}] ({}).{field}", region.id);
        if region.id.trim().is_empty() {
            return Err((at("id"), "must not be empty".into()));
        }
        index_of.insert(region.id.as_str(), i);
        for name in std::iter::once(&region.id).chain(&region.aliases) {
            if names.insert(name.to_lowercase(), i).is_some() {
                return Err((
                    at("aliases"),
                    format!("`{name}` names more than one region"),
                ));
            }
        }
        if let Some(g) = region.co2e_g_per_kwh {
            if !(g.is_finite() && (0.0..=MAX_G_PER_KWH).contains(&g)) {
                return Err((
                    at("co2e_g_per_kwh"),
                    format!("must be ≥ 0 and ≤ {MAX_G_PER_KWH}, got {g}"),
                ));
            }
            match &region.source {
                Some(source) if known_source(source) => {}
                _ => {
                    return Err((
                        at("source"),
                        "must name a listed source when a factor is given".into(),
                    ))
                }
            }
        }
    }
    let mut resolved = Vec::with_capacity(regions.len());
    for (i, region) in regions.iter().enumerate() {
        let at = |field: &str| format!("grid_regions[{i}] ({}).{field}", region.id);
        if let Some(parent) = &region.parent {
            if !index_of.contains_key(parent.as_str()) {
                return Err((at("parent"), format!("`{parent}` is not a grid region")));
            }
        } else if region.level != GridLevel::National {
            return Err((at("parent"), "is required below the national level".into()));
        }
        // Walk up until a region with a published factor; the depth bound catches cycles.
        let mut current = i;
        let mut depth = 0;
        while regions[current].co2e_g_per_kwh.is_none() {
            let Some(parent) = &regions[current].parent else {
                return Err((
                    at("co2e_g_per_kwh"),
                    "is null and no ancestor has a factor".into(),
                ));
            };
            current = index_of[parent.as_str()];
            depth += 1;
            if depth > regions.len() {
                return Err((at("parent"), "forms a cycle".into()));
            }
        }
        resolved.push(GridRegion {
            id: region.id.clone(),
            name: region.name.clone(),
            level: region.level,
            factor_from: current,
            co2e_g_per_kwh: regions[current].co2e_g_per_kwh.unwrap_or_default(),
        });
    }
    let default = match &file.default_grid_region {
        Some(id) => match index_of.get(id.as_str()) {
            Some(&i) if regions[i].co2e_g_per_kwh.is_some() => i,
            _ => {
                return Err((
                    "default_grid_region".into(),
                    format!("`{id}` must be a grid region with its own factor"),
                ))
            }
        },
        None => {
            return Err((
                "default_grid_region".into(),
                "is required with grid_regions".into(),
            ))
        }
    };
    Ok((resolved, names, Some(default)))
}

#[cfg(test)]
mod tests {
    use serde_json::{json, Value};

    use super::{parse, MAX_ALIAS_CHARS};
    use crate::factors::{Active, Air};

    const UK: &str = include_str!("../../emission_factors/uk-desnz-2025.json");

    fn uk() -> Value {
        serde_json::from_str(UK).expect("a bundled file is JSON")
    }

    /// The mode entry `id` of a set file.
    fn mode<'a>(set: &'a mut Value, id: &str) -> &'a mut Value {
        set["modes"]
            .as_array_mut()
            .unwrap()
            .iter_mut()
            .find(|m| m["mode"] == id)
            .unwrap_or_else(|| panic!("no mode {id}"))
    }

    /// The aliases of mode `id` in a set file.
    fn aliases<'a>(set: &'a mut Value, id: &str) -> &'a mut Vec<Value> {
        mode(set, id)["aliases"]
            .as_array_mut()
            .expect("every bundled mode has aliases")
    }

    /// Adds `alias` to mode `id`; returns its index in the list.
    fn add_alias(set: &mut Value, id: &str, alias: &str) -> usize {
        let list = aliases(set, id);
        list.push(json!(alias));
        list.len() - 1
    }

    /// The loader's message for `set`, which must be refused.
    #[track_caller]
    fn refusal(set: &Value) -> String {
        match parse("x.json", &set.to_string()) {
            Ok(_) => panic!("the broken set was accepted"),
            Err(error) => error.to_string(),
        }
    }

    #[test]
    fn an_alias_that_is_another_modes_label_names_file_mode_and_field() {
        // Arrange: metro is modes[7]; 公交车 is the Chinese label of bus.
        let mut set = uk();
        let j = add_alias(&mut set, "metro", "公交车");

        // Act
        let message = refusal(&set);

        // Assert
        assert_eq!(
            message,
            format!(
                "x.json: modes[7] (metro).aliases[{j}]: `公交车` is the label.zh of mode `bus`; \
                 an alias must name one mode only"
            )
        );
    }

    #[test]
    fn an_alias_that_is_another_modes_english_label_or_id_after_normalization_is_refused() {
        for (mode, alias, expected) in [
            (
                "taxi",
                "car （FUEL unknown）",
                "is the label.en of mode `car`",
            ),
            ("coach", "Bus", "is the id of mode `bus`"),
            ("light_rail", "地铁", "is the label.zh of mode `metro`"),
        ] {
            // Arrange
            let mut set = uk();
            let j = add_alias(&mut set, mode, alias);

            // Act
            let message = refusal(&set);

            // Assert
            assert!(message.starts_with("x.json: modes["), "{message}");
            assert!(
                message.contains(&format!("({mode}).aliases[{j}]: `{alias}` {expected}")),
                "{message}"
            );
        }
    }

    #[test]
    fn an_alias_of_two_modes_is_refused_at_the_second() {
        // Arrange: tube is an alias of metro (modes[7]); light_rail is modes[8].
        let mut set = uk();
        let j = add_alias(&mut set, "light_rail", "[T U B E]");

        // Act
        let message = refusal(&set);

        // Assert
        assert!(
            message.starts_with(&format!("x.json: modes[8] (light_rail).aliases[{j}]: ")),
            "{message}"
        );
        assert!(
            message.contains("is also an alias of mode `metro` (`tube`)"),
            "{message}"
        );
    }

    #[test]
    fn an_alias_listed_twice_in_one_mode_is_refused() {
        // Arrange
        let mut set = uk();
        let first = aliases(&mut set, "metro")
            .iter()
            .position(|a| a == "subway")
            .expect("subway is an alias of metro");
        let j = add_alias(&mut set, "metro", "SUB WAY");

        // Act
        let message = refusal(&set);

        // Assert
        assert!(
            message.starts_with(&format!("x.json: modes[7] (metro).aliases[{j}]: ")),
            "{message}"
        );
        assert!(
            message.contains(&format!("repeats aliases[{first}] `subway`")),
            "{message}"
        );
    }

    #[test]
    fn a_badly_written_alias_is_refused_naming_it() {
        let too_long = "长".repeat(MAX_ALIAS_CHARS + 1);
        for (alias, expected) in [
            ("", "must not be empty"),
            ("   ", "must not be empty"),
            (" 地铁", "must not start or end with spaces"),
            ("地铁\u{3000}", "must not start or end with spaces"),
            (too_long.as_str(), "is longer than 32 characters"),
            ("sub\u{7}way", "contains a control character"),
            ("（ ）", "has nothing but spaces and brackets"),
        ] {
            // Arrange
            let mut set = uk();
            let j = add_alias(&mut set, "metro", alias);

            // Act
            let message = refusal(&set);

            // Assert
            assert!(
                message.starts_with(&format!("x.json: modes[7] (metro).aliases[{j}]: ")),
                "{alias:?}: {message}"
            );
            assert!(message.contains(expected), "{alias:?}: {message}");
        }
    }

    #[test]
    fn an_alias_of_32_characters_and_one_repeating_its_own_label_are_accepted() {
        // Arrange
        let mut set = uk();
        add_alias(&mut set, "metro", &"长".repeat(MAX_ALIAS_CHARS));
        add_alias(&mut set, "metro", "（地铁）");

        // Act
        let loaded = parse("x.json", &set.to_string());

        // Assert
        let loaded = loaded.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            loaded.mode_by_name("地铁").map(|m| m.mode.as_str()),
            Some("metro")
        );
    }

    #[test]
    fn a_snapshot_stored_before_aliases_existed_still_loads() {
        // Arrange: a campaign snapshot serialized from a set file without the field.
        let mut set = uk();
        for mode in set["modes"].as_array_mut().unwrap() {
            mode.as_object_mut().unwrap().remove("aliases");
        }

        // Act
        let loaded = parse("snapshot of campaign `c1`", &set.to_string());

        // Assert: ids and labels are still found.
        let loaded = loaded.unwrap_or_else(|e| panic!("{e}"));
        assert!(loaded.file().modes.iter().all(|m| m.aliases.is_empty()));
        assert_eq!(
            loaded.mode_by_name("Metro").map(|m| m.mode.as_str()),
            Some("metro")
        );
        assert_eq!(
            loaded.mode_by_name("公交车").map(|m| m.mode.as_str()),
            Some("bus")
        );
        assert!(loaded.mode_by_name("subway").is_none());
        // Serialized again (a new snapshot), empty aliases are left out.
        let snapshot: Value = serde_json::to_value(loaded.file()).unwrap();
        assert!(snapshot["modes"]
            .as_array()
            .unwrap()
            .iter()
            .all(|m| m.get("aliases").is_none()));
    }

    /// An `active` entry citing a source the UK set lists.
    fn active(speed_kmh: f64, met: f64) -> Value {
        json!({ "speed_kmh": speed_kmh, "met": met, "source": "desnz-2025", "note": null })
    }

    /// A derived `air` entry per `basis`, citing a source the UK set lists.
    fn air(basis: &str, nox_mg_per_km: f64, pm25_mg_per_km: f64) -> Value {
        json!({
            "basis": basis,
            "nox_mg_per_km": nox_mg_per_km,
            "pm25_mg_per_km": pm25_mg_per_km,
            "source": "desnz-2025",
            "quality": "derived",
            "derivation": {
                "formula": "test",
                "inputs": [],
                "nox_expression": nox_mg_per_km.to_string(),
                "pm25_expression": pm25_mg_per_km.to_string()
            },
            "note": null
        })
    }

    #[test]
    fn an_out_of_range_met_is_refused_naming_file_mode_and_field() {
        // Arrange: walk is modes[0].
        let mut set = uk();
        mode(&mut set, "walk")["active"] = active(4.8, 40.0);

        // Act
        let message = refusal(&set);

        // Assert
        assert_eq!(
            message,
            "x.json: modes[0] (walk).active.met: must be ≥ 1 and ≤ 15 METs, got 40"
        );
    }

    #[test]
    fn broken_co_benefit_parameters_are_refused_at_the_field_at_fault() {
        // Arrange: (mode, field, value, where, what the message says)
        let cases = [
            (
                "bicycle",
                "active",
                active(0.5, 6.8),
                "modes[1] (bicycle).active.speed_kmh",
                "≥ 1 and ≤ 40 km/h, got 0.5",
            ),
            (
                "bicycle",
                "active",
                active(41.0, 6.8),
                "modes[1] (bicycle).active.speed_kmh",
                "got 41",
            ),
            (
                "bicycle",
                "active",
                active(14.0, 0.9),
                "modes[1] (bicycle).active.met",
                "≥ 1 and ≤ 15 METs, got 0.9",
            ),
            (
                "bicycle",
                "active",
                active(14.0, 6.85),
                "modes[1] (bicycle).active.met",
                "at most one decimal",
            ),
            (
                "e_bike",
                "active",
                json!({ "speed_kmh": 23.1, "met": 6.9, "source": "berntsen-2016", "note": null }),
                "modes[2] (e_bike).active.source",
                "`berntsen-2016` is not listed in sources",
            ),
            (
                "car",
                "air",
                air("passenger_km", 50.0, 1.0),
                "modes[11] (car).air.basis",
                "must be the mode's basis `vehicle_km`, got `passenger_km`",
            ),
            (
                "car",
                "air",
                air("vehicle_km", 20_000.5, 1.0),
                "modes[11] (car).air.nox_mg_per_km",
                "≤ 20000 mg per km, got 20000.5",
            ),
            (
                "car",
                "air",
                air("vehicle_km", -1.0, 1.0),
                "modes[11] (car).air.nox_mg_per_km",
                "got -1",
            ),
            (
                "car",
                "air",
                air("vehicle_km", 50.0, 2_001.0),
                "modes[11] (car).air.pm25_mg_per_km",
                "≤ 2000 mg per km, got 2001",
            ),
        ];
        for (id, field, value, location, expected) in cases {
            let mut set = uk();
            mode(&mut set, id)[field] = value;

            // Act
            let message = refusal(&set);

            // Assert
            assert!(
                message.starts_with(&format!("x.json: {location}: ")),
                "{location}: {message}"
            );
            assert!(message.contains(expected), "{location}: {message}");
        }
    }

    #[test]
    fn air_values_follow_the_quality_rules_of_the_co2e_factor() {
        type Break = fn(&mut Value);
        let cases: [(&str, Break, &str); 5] = [
            (
                "a published value with a derivation",
                |a| a["quality"] = json!("published"),
                "air.derivation: must be null",
            ),
            (
                "a derived value without one",
                |a| a["derivation"] = Value::Null,
                "air.derivation: is required",
            ),
            (
                "a proxy without a note",
                |a| a["quality"] = json!("proxy"),
                "air.note: must explain why",
            ),
            (
                "an input from an unlisted source",
                |a| {
                    a["derivation"]["inputs"] = json!([{
                        "name": "x", "value": 1.0, "unit": "g/km", "source": "emep-2023",
                        "status": "secondary", "note": null
                    }]);
                },
                "air.derivation.inputs[0].source: `emep-2023` is not listed",
            ),
            (
                "an unlisted main source",
                |a| a["source"] = json!("emep-2023"),
                "air.source: `emep-2023` is not listed",
            ),
        ];
        for (what, break_it, expected) in cases {
            // Arrange
            let mut set = uk();
            let mut value = air("vehicle_km", 32.0, 1.2);
            break_it(&mut value);
            mode(&mut set, "car_petrol")["air"] = value;

            // Act
            let message = refusal(&set);

            // Assert
            assert!(
                message.starts_with(&format!("x.json: modes[12] (car_petrol).{expected}")),
                "{what}: {message}"
            );
        }
    }

    #[test]
    fn co_benefit_parameters_are_held_in_whole_micrograms_metres_per_hour_and_tenths_of_a_met() {
        // Arrange
        let mut set = uk();
        mode(&mut set, "walk")["active"] = active(4.8, 4.0);
        mode(&mut set, "e_bike")["active"] = active(23.1, 6.9);
        // 74 mg × 0.14861 / 0.20806 = 52.855618… mg; 0.2 mg × the same = 0.142853… mg.
        mode(&mut set, "taxi")["air"] = air(
            "passenger_km",
            52.855_618_571_565_9,
            0.142_853_023_166_394_3,
        );
        mode(&mut set, "car_diesel")["air"] = air("vehicle_km", 74.0, 0.2);
        mode(&mut set, "metro")["air"] = air("passenger_km", 0.0, 0.0);
        // Half a microgram rounds away from zero, once.
        mode(&mut set, "motorcycle")["air"] = air("vehicle_km", 0.0005, 14.0995);

        // Act
        let loaded = parse("x.json", &set.to_string()).unwrap_or_else(|e| panic!("{e}"));

        // Assert
        let of = |id: &str| loaded.mode(id).unwrap_or_else(|| panic!("no mode {id}"));
        assert_eq!(
            of("walk").active,
            Some(Active {
                speed_m_per_h: 4_800,
                met_x10: 40
            })
        );
        assert_eq!(
            of("e_bike").active,
            Some(Active {
                speed_m_per_h: 23_100,
                met_x10: 69
            })
        );
        assert_eq!(
            of("taxi").air,
            Some(Air {
                nox_ug_per_km: 52_856,
                pm25_ug_per_km: 143
            })
        );
        assert_eq!(
            of("car_diesel").air,
            Some(Air {
                nox_ug_per_km: 74_000,
                pm25_ug_per_km: 200
            })
        );
        assert_eq!(
            of("metro").air,
            Some(Air {
                nox_ug_per_km: 0,
                pm25_ug_per_km: 0
            })
        );
        assert_eq!(
            of("motorcycle").air,
            Some(Air {
                nox_ug_per_km: 1,
                pm25_ug_per_km: 14_100
            })
        );
        assert_eq!(of("bus").active, None);
        assert_eq!(of("bus").air, None);
    }

    #[test]
    fn a_snapshot_without_co_benefit_parameters_loads_and_stays_without_them() {
        // Arrange: a campaign snapshot stored before co-benefits existed.
        let mut set = uk();
        for mode in set["modes"].as_array_mut().unwrap() {
            let mode = mode.as_object_mut().unwrap();
            mode.remove("active");
            mode.remove("air");
        }

        // Act
        let loaded = parse("snapshot of campaign `c1`", &set.to_string());

        // Assert: nothing is added when it is stored again.
        let loaded = loaded.unwrap_or_else(|e| panic!("{e}"));
        assert!(loaded
            .modes()
            .iter()
            .all(|m| m.active.is_none() && m.air.is_none()));
        let snapshot: Value = serde_json::to_value(loaded.file()).unwrap();
        for (stored, original) in snapshot["modes"]
            .as_array()
            .unwrap()
            .iter()
            .zip(set["modes"].as_array().unwrap())
        {
            let keys = |m: &Value| m.as_object().unwrap().keys().cloned().collect::<Vec<_>>();
            assert_eq!(keys(stored), keys(original), "{}", original["mode"]);
        }
    }

    #[test]
    fn a_snapshot_keeps_the_co_benefit_parameters_and_loads_again() {
        // Arrange
        let set = parse("x.json", UK).expect("the bundled set loads");

        // Act
        let snapshot = serde_json::to_string(set.file()).unwrap();
        let again = parse("snapshot of campaign `c1`", &snapshot);

        // Assert
        let again = again.unwrap_or_else(|e| panic!("{e}"));
        assert!(set.modes().iter().any(|m| m.active.is_some()));
        assert!(set.modes().iter().any(|m| m.air.is_some()));
        for (before, after) in set.modes().iter().zip(again.modes()) {
            assert_eq!(before.active, after.active, "{}", before.mode);
            assert_eq!(before.air, after.air, "{}", before.mode);
        }
    }

    #[test]
    fn a_snapshot_keeps_the_aliases_and_loads_again() {
        // Arrange
        let set = parse("x.json", UK).expect("the bundled set loads");

        // Act: what a campaign stores, loaded back.
        let snapshot = serde_json::to_string(set.file()).unwrap();
        let again = parse("snapshot of campaign `c1`", &snapshot);

        // Assert
        let again = again.unwrap_or_else(|e| panic!("{e}"));
        for (before, after) in set.file().modes.iter().zip(&again.file().modes) {
            assert!(!before.aliases.is_empty(), "{}", before.mode);
            assert_eq!(before.aliases, after.aliases, "{}", before.mode);
        }
        assert_eq!(
            again.mode_by_name("tube").map(|m| m.mode.as_str()),
            Some("metro")
        );
    }
}
