//! Parsing and validating factor-set files. Errors name the file, the mode and the field.
//! Each part of a file is checked in its own module; this one checks the set as a whole.

mod cobenefits;
mod grid;
mod mode;
mod names;
#[cfg(test)]
mod tests;

use std::collections::HashSet;
use std::fmt;

use crate::domain::mode::FIXED_MODES;
use crate::domain::slug::is_slug;
use fnv::FnvHashMap as FastMap;

use super::file::FactorSetFile;
use super::set::FactorSet;
use grid::validate_grid;
use mode::validate_mode;
use names::index_mode_names;

pub use names::MAX_ALIAS_CHARS;

/// A field path and what is wrong with it.
type Problem = (String, String);

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
