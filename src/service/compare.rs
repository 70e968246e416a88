//! What-if: a campaign's stored results beside the same trips recomputed under another factor
//! set. Trips are streamed from the store a page at a time, so a campaign of any size is
//! compared in memory that grows with its organizations and modes only. Nothing is written.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::recompute::Recalculator;
use super::{Caller, Service, ServiceError};
use crate::calculator::resolve_grid;
use crate::domain::campaign::OrganizationKind;
use crate::factors::FactorSet;
use crate::store::{CampaignRecord, Store, StoredTrip, TripQuery, TripScope};

/// Trips read from the store at a time.
const PAGE: u32 = 1_000;

/// Exact sums over trips, on one side of a comparison.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Side {
    /// Trips summed.
    pub trips: i64,
    /// Grams CO2e.
    pub co2e_g: i64,
    /// Baseline grams.
    pub baseline_co2e_g: i64,
    /// Saving, grams.
    pub savings_g: i64,
}

impl Side {
    fn add(&mut self, co2e_g: i64, baseline_co2e_g: i64, savings_g: i64) {
        self.trips += 1;
        self.co2e_g += co2e_g;
        self.baseline_co2e_g += baseline_co2e_g;
        self.savings_g += savings_g;
    }
}

/// A group of trips (all, an organization's, a main mode's) as stored and as recomputed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Pair {
    /// Under the campaign's set.
    pub stored: Side,
    /// Under the other set.
    pub recomputed: Side,
}

/// An organization's pair.
#[derive(Debug, Clone)]
pub struct OrganizationPair {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Kind.
    pub kind: OrganizationKind,
    /// Its computable trips, both ways.
    pub pair: Pair,
}

/// The result of a comparison.
#[derive(Debug, Clone)]
pub struct Comparison {
    /// The campaign, with the set its results are stored under.
    pub campaign: CampaignRecord,
    /// The other set.
    pub other: Arc<FactorSet>,
    /// The grid region the other set's electric modes used, if it has grids.
    pub other_region: Option<String>,
    /// Every computable trip.
    pub total: Pair,
    /// Every enrolled organization (zeros without computable trips), by id.
    pub by_organization: Vec<OrganizationPair>,
    /// Main modes with computable trips, by mode.
    pub by_mode: Vec<(String, Pair)>,
    /// Trips the other set cannot compute.
    pub not_computable: i64,
    /// Those trips by reason, most first (ties by reason).
    pub reasons: Vec<(String, i64)>,
}

/// What a comparison adds up while the trips stream by.
#[derive(Default)]
struct Tally {
    total: Pair,
    by_organization: BTreeMap<String, Pair>,
    by_mode: BTreeMap<String, Pair>,
    not_computable: i64,
    reasons: BTreeMap<String, i64>,
}

impl Tally {
    fn add(&mut self, recalculator: &Recalculator, trip: &StoredTrip) {
        let recomputed = match recalculator.trip(trip) {
            Ok(recomputed) => recomputed.figures,
            Err(reason) => {
                self.not_computable += 1;
                *self.reasons.entry(reason).or_default() += 1;
                return;
            }
        };
        let stored = &trip.figures;
        let groups = [
            &mut self.total,
            self.by_organization
                .entry(trip.organization_id.clone())
                .or_default(),
            self.by_mode.entry(stored.main_mode.clone()).or_default(),
        ];
        for pair in groups {
            pair.stored
                .add(stored.co2e_g, stored.baseline_co2e_g, stored.savings_g);
            pair.recomputed.add(
                recomputed.co2e_g,
                recomputed.baseline_co2e_g,
                recomputed.savings_g,
            );
        }
    }
}

impl Service {
    /// The campaign's stored results beside its trips recomputed under `factor_set` (whoever
    /// may read the campaign's results; a private campaign is a 404 to anyone else). Electric
    /// modes use the campaign's region where the other set has it, else that set's default.
    pub async fn compare(
        &self,
        caller: &Caller,
        campaign_id: &str,
        factor_set: Option<&str>,
    ) -> Result<Comparison, ServiceError> {
        let campaign = self.readable_campaign(caller, campaign_id).await?;
        let Some(factor_set) = factor_set else {
            return Err(ServiceError::invalid(
                "factor_set",
                "is required: the id of the set to recompute the campaign under (see GET /v1/factor-sets)",
            ));
        };
        let other = self.factor_set(Some(factor_set), "factor_set")?.clone();
        let grid = resolve_grid(&other, campaign.region.as_deref())
            .unwrap_or_else(|_| other.default_grid_region())
            .cloned();
        let other_region = grid.as_ref().map(|g| g.id.clone());
        let recalculator = Recalculator::new(other.clone(), grid);
        let mut tally = Tally::default();
        let mut after_id = 0;
        loop {
            let page = self
                .store
                .list_trips(&TripQuery {
                    campaign_id: campaign.id.clone(),
                    scope: TripScope::Campaign,
                    after_id,
                    limit: PAGE,
                })
                .await?;
            let Some(last) = page.last() else { break };
            after_id = last.id;
            for trip in &page {
                tally.add(&recalculator, trip);
            }
        }
        let standings = self.store.standings(&campaign.id).await?;
        let mut by_organization: Vec<OrganizationPair> = standings
            .into_iter()
            .map(|s| OrganizationPair {
                pair: tally
                    .by_organization
                    .remove(&s.organization_id)
                    .unwrap_or_default(),
                id: s.organization_id,
                name: s.name,
                kind: s.kind,
            })
            .collect();
        // Enrollment is never withdrawn, so this is for completeness: trips of an organization
        // that is not enrolled still count, and show under its own name.
        for (id, pair) in std::mem::take(&mut tally.by_organization) {
            let organization = self.store.get_organization(&id).await?;
            by_organization.push(OrganizationPair {
                id,
                name: organization.name,
                kind: organization.kind,
                pair,
            });
        }
        by_organization.sort_by(|a, b| a.id.cmp(&b.id));
        let mut reasons: Vec<(String, i64)> = tally.reasons.into_iter().collect();
        reasons.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        Ok(Comparison {
            campaign,
            other,
            other_region,
            total: tally.total,
            by_organization,
            by_mode: tally.by_mode.into_iter().collect(),
            not_computable: tally.not_computable,
            reasons,
        })
    }
}
