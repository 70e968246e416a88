//! Estimates: a trip's CO2e and saving under any set of the catalogue; no account needed.

use super::Service;
use crate::calculator::{estimate, resolve_grid, Estimate};
use crate::domain::plan::TripPlan;
use crate::domain::FieldErrors;
use crate::factors::FactorSet;

impl Service {
    /// Computes a trip under the named set (the default when `None`) on the named grid region
    /// (the set's default when `None`). Problems with the set, the region and the trip are
    /// reported together, so that one answer names every field.
    pub fn estimate(
        &self,
        factor_set: Option<&str>,
        region: Option<&str>,
        plan: Result<TripPlan, FieldErrors>,
    ) -> Result<(&FactorSet, Estimate<'_>), FieldErrors> {
        let mut errors = FieldErrors::default();
        let set = self
            .factor_set(factor_set, "factor_set")
            .map_err(|e| errors.0.extend(e.0))
            .ok();
        let grid = set.and_then(|set| {
            resolve_grid(set, region)
                .map_err(|message| errors.push("region", message))
                .ok()
        });
        let plan = plan.map_err(|e| errors.0.extend(e.0)).ok();
        let (Some(set), Some(grid), Some(plan)) = (set, grid, plan) else {
            return Err(errors);
        };
        Ok((set, estimate(set, grid, &plan, None)?))
    }
}
