//! The network's own totals: every public campaign, by campaign and by region, from the
//! rollups.

use std::collections::{BTreeMap, BTreeSet};

use super::{Caller, Service, ServiceError};
use crate::store::{CampaignRecord, Store, Totals};

/// One public campaign's figures.
#[derive(Debug, Clone)]
pub struct NetworkCampaign {
    pub campaign: CampaignRecord,
    pub organizations: i64,
    pub totals: Totals,
}

/// One region's figures (`None`: campaigns without a region).
#[derive(Debug, Clone)]
pub struct NetworkRegion {
    pub region: Option<String>,
    pub campaigns: i64,
    pub totals: Totals,
}

/// The network's totals.
#[derive(Debug, Clone)]
pub struct NetworkSummary {
    pub campaigns: i64,
    /// Distinct organizations enrolled in a public campaign.
    pub organizations: i64,
    pub totals: Totals,
    /// By start date, then id.
    pub by_campaign: Vec<NetworkCampaign>,
    /// By region id, campaigns without a region last.
    pub by_region: Vec<NetworkRegion>,
}

impl Service {
    /// Totals over every public campaign; anyone may read them.
    pub async fn network_summary(&self, _caller: &Caller) -> Result<NetworkSummary, ServiceError> {
        let campaigns = self.store.list_campaigns().await?;
        let totals: BTreeMap<String, (i64, Totals)> = self
            .store
            .campaign_totals()
            .await?
            .into_iter()
            .map(|t| (t.campaign_id, (t.organizations, t.totals)))
            .collect();
        let mut by_campaign: Vec<NetworkCampaign> = campaigns
            .into_iter()
            .filter(|c| c.public)
            .map(|campaign| {
                let (organizations, totals) = totals.get(&campaign.id).copied().unwrap_or_default();
                NetworkCampaign {
                    campaign,
                    organizations,
                    totals,
                }
            })
            .collect();
        by_campaign.sort_by(|a, b| {
            (a.campaign.starts_on, &a.campaign.id).cmp(&(b.campaign.starts_on, &b.campaign.id))
        });
        let mut overall = Totals::default();
        let mut regions: BTreeMap<(bool, Option<String>), (i64, Totals)> = BTreeMap::new();
        for entry in &by_campaign {
            overall.add(&entry.totals);
            let region = entry.campaign.region.clone();
            let slot = regions.entry((region.is_none(), region)).or_default();
            slot.0 += 1;
            slot.1.add(&entry.totals);
        }
        // Summed, each campaign's participants would count a person once per campaign.
        overall.participants = self.store.public_participants().await?;
        let mut enrolled = BTreeSet::new();
        for entry in &by_campaign {
            for standing in self.store.standings(&entry.campaign.id).await? {
                enrolled.insert(standing.organization_id);
            }
        }
        Ok(NetworkSummary {
            campaigns: by_campaign.len() as i64,
            organizations: enrolled.len() as i64,
            totals: overall,
            by_campaign,
            by_region: regions
                .into_iter()
                .map(|((_, region), (campaigns, totals))| NetworkRegion {
                    region,
                    campaigns,
                    totals,
                })
                .collect(),
        })
    }
}
