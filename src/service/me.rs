//! Who a caller is: what a page shows after someone pastes a key.

use super::{Caller, Service, ServiceError};
use crate::store::{CampaignRecord, OrganizationRecord, Store};

/// The caller as they may see themselves.
#[derive(Debug)]
pub enum Identity {
    /// The admin token.
    Admin,
    /// An organization key: the organization and the campaigns it is enrolled in, public or
    /// private, by id.
    Organization {
        organization: OrganizationRecord,
        campaigns: Vec<CampaignRecord>,
    },
}

impl Service {
    /// The caller's identity; 401 without credentials.
    pub async fn identity(&self, caller: &Caller) -> Result<Identity, ServiceError> {
        caller.require_any()?;
        let Some(organization_id) = caller.organization_id() else {
            return Ok(Identity::Admin);
        };
        let organization = self.organization_record(organization_id).await?;
        let enrolled = self.store.enrolled_campaigns(organization_id).await?;
        let campaigns = self
            .store
            .list_campaigns()
            .await?
            .into_iter()
            .filter(|c| enrolled.contains(&c.id))
            .collect();
        Ok(Identity::Organization {
            organization,
            campaigns,
        })
    }
}
