//! Grid regions: the hierarchy national → regional → provincial and each region's factor.

use std::collections::HashMap;

use fnv::FnvHashMap as FastMap;

use super::super::file::FactorSetFile;
use super::super::file::GridLevel;
use super::super::set::GridRegion;
use super::Problem;

/// Largest grid factor accepted, in g per kWh.
const MAX_G_PER_KWH: f64 = 2_000.0;

/// Grid regions resolved to their factors, the index of every id and alias (lowercased), and the
/// default region.
type Grid = (Vec<GridRegion>, FastMap<String, usize>, Option<usize>);

pub(super) fn validate_grid(
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
