//! Who a caller is: what a page shows after someone pastes a key or opens their own page.

use super::{Caller, ParticipantView, Service, ServiceError};
use crate::store::{CampaignRecord, OrganizationRecord, OrganizerRecord, Store};

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
    /// An organizer key: the organizer and the campaigns it runs.
    Organizer {
        organizer: OrganizerRecord,
        campaigns: Vec<CampaignRecord>,
    },
    /// A participant's token: who they are, where, and their own figures.
    Participant(Box<ParticipantView>),
}

impl Service {
    /// The caller's identity; 401 without credentials.
    pub async fn identity(&self, caller: &Caller) -> Result<Identity, ServiceError> {
        match caller {
            Caller::Anonymous => Err(super::caller::unauthenticated()),
            Caller::Admin => Ok(Identity::Admin),
            Caller::Participant { .. } => Ok(Identity::Participant(Box::new(
                self.participant_view(caller).await?,
            ))),
            Caller::Organizer { organizer_id, .. } => {
                let organizer = self.organizer_record(organizer_id).await?;
                let campaigns = self
                    .store
                    .list_campaigns()
                    .await?
                    .into_iter()
                    .filter(|c| c.organizer_id.as_deref() == Some(organizer_id))
                    .collect();
                Ok(Identity::Organizer {
                    organizer,
                    campaigns,
                })
            }
            Caller::Organization {
                organization_id, ..
            } => {
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
    }
}
