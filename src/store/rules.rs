//! Rules both backends apply inside their transactions, written once so that they agree.

use super::model::{CampaignUpdate, InviteRecord, JoinOutcome, SetVersion, TripBatch};
use super::StoreError;

/// What a campaign update is checked against, as read inside the update's transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredCalculation {
    /// The stored revision.
    pub revision: i64,
    /// The stored factor-set id.
    pub factor_set_id: String,
    /// The stored factor-set version.
    pub factor_set_version: String,
    /// The stored baseline mode.
    pub baseline_mode: String,
}

/// Whether `update` may replace the stored campaign: the caller read the current revision;
/// the factor set and baseline stay once trips exist (the trips were computed with them); and
/// no stored trip falls outside the new period.
pub fn check_campaign_update(
    stored: &StoredCalculation,
    update: &CampaignUpdate,
    has_trips: bool,
    trips_outside_period: bool,
) -> Result<(), StoreError> {
    if stored.revision != update.expected_revision {
        return Err(StoreError::Conflict(
            "the campaign changed while this update was prepared; read it again and retry".into(),
        ));
    }
    let campaign = &update.campaign;
    let calculation_changes = update.snapshot.is_some()
        || stored.factor_set_id != campaign.factor_set_id
        || stored.factor_set_version != campaign.factor_set_version
        || stored.baseline_mode != campaign.baseline_mode;
    if has_trips && calculation_changes {
        return Err(StoreError::Conflict(
            "the factor set and baseline cannot change once trips are stored".into(),
        ));
    }
    if trips_outside_period {
        return Err(StoreError::Conflict(
            "stored trips fall outside the new period; delete them first".into(),
        ));
    }
    Ok(())
}

/// Whether a batch was computed with the set the campaign now uses: a rebase between the two
/// would otherwise leave trips with the old set's figures among the new.
pub fn check_computed_with(batch: &TripBatch, current: &SetVersion) -> Result<(), StoreError> {
    if batch.computed_with == *current {
        return Ok(());
    }
    Err(StoreError::Conflict(format!(
        "campaign `{}` was rebased onto factor set `{}` {} while these trips were computed with `{}` {}; send them again",
        batch.campaign_id,
        current.id,
        current.version,
        batch.computed_with.id,
        batch.computed_with.version
    )))
}

/// Whether a rebase prepared at `expected` may run on a campaign now at `stored`.
pub fn check_rebase_revision(stored: i64, expected: i64) -> Result<(), StoreError> {
    if stored == expected {
        Ok(())
    } else {
        Err(StoreError::Conflict(
            "the campaign changed while this rebase was prepared; read it again and retry".into(),
        ))
    }
}

/// Why an invite admits nobody more at `now` (RFC 3339 UTC, as the store's clock strings are
/// written), given how many joined with it; `None` when it admits one more.
pub fn join_refusal(invite: &InviteRecord, joined: i64, now: &str) -> Option<JoinOutcome> {
    if invite.revoked_at.is_some() {
        return Some(JoinOutcome::Revoked);
    }
    if invite.expires_at.as_deref().is_some_and(|end| end <= now) {
        return Some(JoinOutcome::Expired);
    }
    if invite.max_participants.is_some_and(|max| joined >= max) {
        return Some(JoinOutcome::Full);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn invite() -> InviteRecord {
        InviteRecord {
            id: "inv_1".into(),
            campaign_id: "c".into(),
            organization_id: "o".into(),
            code_hash: "h".into(),
            code_hint: "abcd".into(),
            created_at: "2026-06-01T00:00:00Z".into(),
            expires_at: None,
            max_participants: None,
            revoked_at: None,
        }
    }

    #[test]
    fn an_invite_admits_until_revoked_expired_or_full() {
        let now = "2026-06-02T08:00:00Z";
        assert_eq!(join_refusal(&invite(), 1_000, now), None);
        let mut expiring = invite();
        expiring.expires_at = Some("2026-06-02T08:00:01Z".into());
        assert_eq!(join_refusal(&expiring, 0, now), None);
        expiring.expires_at = Some(now.into());
        assert_eq!(join_refusal(&expiring, 0, now), Some(JoinOutcome::Expired));
        let mut capped = invite();
        capped.max_participants = Some(2);
        assert_eq!(join_refusal(&capped, 1, now), None);
        assert_eq!(join_refusal(&capped, 2, now), Some(JoinOutcome::Full));
        let mut revoked = capped;
        revoked.revoked_at = Some(now.into());
        assert_eq!(join_refusal(&revoked, 0, now), Some(JoinOutcome::Revoked));
    }
}
