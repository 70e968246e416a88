//! Rules both backends apply inside their transactions, written once so that they agree.

use super::model::CampaignUpdate;
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
