//! Parsing and validating factor-set files. Errors name the file, the mode and the field.

use std::collections::{HashMap, HashSet};
use std::fmt;

use crate::domain::grams::ug_per_km_from_g;
use crate::domain::mode::{Basis, FIXED_MODES};
use crate::domain::slug::is_slug;
use crate::domain::ModeId;
use fnv::FnvHashMap as FastMap;

use super::file::{FactorSetFile, GridLevel, ModeFile, Quality};
use super::set::{FactorSet, GridRegion, ModeFactor};

/// Largest factor accepted, in g per km (a large car is about 300; this catches unit slips).
const MAX_G_PER_KM: f64 = 10_000.0;
/// Largest grid factor accepted, in g per kWh.
const MAX_G_PER_KWH: f64 = 2_000.0;
/// Largest leg limit a set may declare, in km.
const MAX_LEG_LIMIT_KM: f64 = 5_000.0;

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
    if !known_source(&mode.source) {
        return Err(problem(
            "source",
            format!("`{}` is not listed in sources", mode.source),
        ));
    }
    match (mode.quality, &mode.derivation) {
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
    if let Some(derivation) = &mode.derivation {
        for (j, input) in derivation.inputs.iter().enumerate() {
            if let Some(source) = &input.source {
                if !known_source(source) {
                    return Err(problem(
                        &format!("derivation.inputs[{j}].source"),
                        format!("`{source}` is not listed in sources"),
                    ));
                }
            }
        }
    }
    if mode.quality == Quality::Proxy && mode.note.as_deref().is_none_or(|n| n.trim().is_empty()) {
        return Err(problem(
            "note",
            "must explain why a proxy factor is used".into(),
        ));
    }
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

    Ok(ModeFactor {
        mode: id,
        basis: mode.basis,
        fixed_ug_per_km: ug_per_km_from_g(fixed_g_per_km),
        grid_kwh_per_km: mode.grid_kwh_per_km,
        max_distance_m: (mode.max_distance_km * 1000.0).round() as i64,
        index,
    })
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
