//! The audit trail: who (the admin, which organizer, organization or participant, with which
//! key) created, changed, enrolled, issued or revoked what, and when.

use super::{now, Caller, Service, ServiceError};
use crate::store::{AuditEntry, AuditQuery, Store};

impl Service {
    /// Appends what `caller` just did. The change itself has already succeeded, so a failure to
    /// record it is logged rather than reported to the caller as a failed change.
    pub(super) async fn record(
        &self,
        caller: &Caller,
        action: &str,
        campaign_id: Option<&str>,
        subject: &str,
        detail: serde_json::Value,
    ) {
        let entry = audit_entry(caller, action, campaign_id, subject, detail);
        if let Err(error) = self.store.record_audit(&entry).await {
            tracing::error!(%error, action, subject, "the audit trail missed an entry");
        }
    }

    /// A page of the whole trail (the admin) or of one campaign's (the admin or its organizer),
    /// in order after `after_seq`.
    pub async fn audit_trail(
        &self,
        caller: &Caller,
        campaign_id: Option<&str>,
        after_seq: i64,
        limit: u32,
    ) -> Result<Vec<AuditEntry>, ServiceError> {
        let campaign_id = match campaign_id {
            Some(id) => Some(self.runnable_campaign(caller, id).await?.id),
            None => {
                caller.require_admin()?;
                None
            }
        };
        Ok(self
            .store
            .audit(&AuditQuery {
                campaign_id,
                action: None,
                after_seq,
                limit,
            })
            .await?)
    }
}

/// The entry recording that `caller` did `action` to `subject`, now.
pub(super) fn audit_entry(
    caller: &Caller,
    action: &str,
    campaign_id: Option<&str>,
    subject: &str,
    detail: serde_json::Value,
) -> AuditEntry {
    let (actor, actor_id, key_id) = actor(caller);
    AuditEntry {
        seq: 0,
        at: now(),
        actor: actor.to_owned(),
        actor_id,
        key_id,
        action: action.to_owned(),
        campaign_id: campaign_id.map(str::to_owned),
        subject: subject.to_owned(),
        detail: detail.to_string(),
    }
}

/// Who the caller is in the trail: the role, its id (none for the admin) and the key used.
pub(super) fn actor(caller: &Caller) -> (&'static str, Option<String>, Option<String>) {
    match caller {
        Caller::Anonymous => ("anonymous", None, None),
        Caller::Admin => ("admin", None, None),
        Caller::Organizer {
            organizer_id,
            key_id,
        } => (
            "organizer",
            Some(organizer_id.clone()),
            Some(key_id.clone()),
        ),
        Caller::Organization {
            organization_id,
            key_id,
        } => (
            "organization",
            Some(organization_id.clone()),
            Some(key_id.clone()),
        ),
        Caller::Participant { participant_id, .. } => {
            ("participant", Some(participant_id.clone()), None)
        }
    }
}
