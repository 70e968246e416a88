//! What the service does for a caller with given rights: campaigns, enrollment, organizations
//! and keys, trip logging, results. Rights are checked here. Uses the store, the factor
//! catalogue and the calculator; knows nothing of HTTP, so the handlers, the demo seeder and any
//! command-line import share this one code path.

mod audit;
mod caller;
mod campaigns;
mod compare;
mod error;
mod estimates;
mod limits;
mod logging;
mod me;
mod network;
mod organizations;
mod organizers;
mod participants;
mod rebase;
mod recompute;
mod results;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

pub use caller::{hash_key, new_key, random_hex, Caller, KEY_PREFIX};
pub use campaigns::{CampaignChanges, NewCampaign, DEFAULT_TIME_ZONE};
pub use compare::{Comparison, OrganizationPair, Pair, Side};
pub use error::{ServiceError, MAX_LISTED_ERRORS};
pub use logging::{
    check_row_count, LoggingTarget, Place, TripLog, TripRow, MAX_SPREADSHEET_ROWS,
    MAX_TRIPS_PER_REQUEST,
};
pub use me::Identity;
pub use network::{NetworkCampaign, NetworkRegion, NetworkSummary};
pub use organizations::{IssuedKey, NewOrganization, OrganizationChanges};
pub use organizers::{IssuedOrganizerKey, NewOrganizer};
pub use participants::{
    own_figures, InviteTarget, IssuedInvite, Joined, NewInvite, ParticipantView,
};
pub use rebase::{RebaseDetail, RebaseRecord, Rebased, SetRecord, TotalsRecord, REBASE_ACTION};
pub use recompute::Recalculator;
pub use results::{
    own_fairness, CampaignResults, Fairness, KindTotals, LeaderboardPage, LeaderboardQuery,
    OrganizationResults, Ranked, SizeBand, SortKey,
};

use crate::domain::mode::truncate_for_message;
use crate::domain::slug::is_slug;
use crate::factors::{Catalogue, FactorSet};
use crate::store::{AnyStore, CampaignRecord, OrganizationRecord, Store};
pub use limits::RateLimiter;

/// Settings of the service itself (the rest of the configuration is for the server).
#[derive(Clone)]
pub struct ServiceOptions {
    /// The admin token (never logged).
    pub admin_token: Arc<str>,
    /// Trip writes allowed per key per second, on average; 0 turns the limit off.
    pub write_rate: f64,
    /// Trip writes one key may make at once.
    pub write_burst: u32,
    /// Joins allowed per invite code per second, on average; 0 turns the limit off.
    pub join_code_rate: f64,
    /// Joins one invite code may admit at once.
    pub join_code_burst: u32,
}

/// The service: shared by every worker thread.
pub struct Service {
    store: AnyStore,
    catalogue: Arc<Catalogue>,
    admin_token: Arc<str>,
    write_limits: RateLimiter,
    join_limits: RateLimiter,
    /// Parsed factor-set snapshots by campaign id, with the campaign revision they belong to.
    snapshots: Mutex<HashMap<String, (i64, Arc<FactorSet>)>>,
}

impl Service {
    /// A service over `store` offering the sets of `catalogue`.
    pub fn new(store: AnyStore, catalogue: Arc<Catalogue>, options: ServiceOptions) -> Self {
        Self {
            store,
            catalogue,
            admin_token: options.admin_token,
            write_limits: RateLimiter::new(options.write_rate, options.write_burst),
            join_limits: RateLimiter::new(options.join_code_rate, options.join_code_burst),
            snapshots: Mutex::default(),
        }
    }

    /// The factor sets on offer.
    pub fn catalogue(&self) -> &Arc<Catalogue> {
        &self.catalogue
    }

    /// Answers when the store does.
    pub async fn ready(&self) -> Result<(), ServiceError> {
        self.store
            .ping()
            .await
            .map_err(|e| ServiceError::Unavailable(format!("the store does not answer: {e}")))
    }

    /// The stored campaign with that id. An id that is not a slug cannot have been stored, and
    /// is not sent to the store (PostgreSQL refuses some such text, such as U+0000, outright).
    async fn campaign(&self, id: &str) -> Result<CampaignRecord, ServiceError> {
        if !is_slug(id) {
            return Err(campaigns::unknown_campaign(id));
        }
        Ok(self.store.get_campaign(id).await?)
    }

    /// The stored organization with that id (see [`Service::campaign`] for ids that are not slugs).
    async fn organization_record(&self, id: &str) -> Result<OrganizationRecord, ServiceError> {
        if !is_slug(id) {
            return Err(ServiceError::NotFound(format!(
                "no organization `{}`",
                truncate_for_message(id)
            )));
        }
        Ok(self.store.get_organization(id).await?)
    }

    /// The campaign's factor-set snapshot, parsed once per campaign revision.
    async fn snapshot(&self, campaign: &CampaignRecord) -> Result<Arc<FactorSet>, ServiceError> {
        if let Some((revision, set)) = self.lock_snapshots().get(&campaign.id) {
            if *revision == campaign.revision {
                return Ok(set.clone());
            }
        }
        let json = self.store.campaign_snapshot(&campaign.id).await?;
        let origin = format!("snapshot of campaign `{}`", campaign.id);
        let set = Arc::new(crate::factors::parse(&origin, &json).map_err(ServiceError::internal)?);
        self.lock_snapshots()
            .insert(campaign.id.clone(), (campaign.revision, set.clone()));
        Ok(set)
    }

    fn lock_snapshots(&self) -> MutexGuard<'_, HashMap<String, (i64, Arc<FactorSet>)>> {
        self.snapshots.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// The current time, RFC 3339 in UTC, to the second: the timestamp of every stored change.
pub fn now() -> String {
    let now = jiff::Timestamp::now();
    jiff::Timestamp::from_second(now.as_second())
        .unwrap_or(now)
        .to_string()
}
