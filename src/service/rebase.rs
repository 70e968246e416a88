//! Rebasing: moving a campaign's results onto another factor set, explicitly, in one
//! transaction, and on the record. A campaign's results never change because a factor file
//! changed; they change only when the campaign's organizer (or the admin) rebases it, and the
//! campaign's history then says who did it, when, from which set to which, and what the totals
//! were before and after.

use serde::{Deserialize, Serialize};

use super::audit::{actor, audit_entry};
use super::recompute::Recalculator;
use super::{now, Caller, Service, ServiceError, MAX_LISTED_ERRORS};
use crate::calculator::resolve_grid;
use crate::domain::FieldErrors;
use crate::store::{AuditQuery, CampaignRecord, Rebase, RebaseOutcome, SetVersion, Store, Totals};

/// The audit action of a rebase; the campaign's history lists these entries.
pub const REBASE_ACTION: &str = "campaign.rebase";

/// A factor set as the history records it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SetRecord {
    /// Id.
    pub id: String,
    /// Version.
    pub version: String,
}

impl From<SetVersion> for SetRecord {
    fn from(set: SetVersion) -> Self {
        Self {
            id: set.id,
            version: set.version,
        }
    }
}

/// A campaign's totals as the history records them (exact sums; distance in metres).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TotalsRecord {
    /// Trips.
    pub trips: i64,
    /// Distinct participants.
    pub participants: i64,
    /// Distance, metres.
    pub distance_m: i64,
    /// Grams CO2e.
    pub co2e_g: i64,
    /// Baseline grams.
    pub baseline_co2e_g: i64,
    /// Saving, grams.
    pub savings_g: i64,
    /// Active minutes.
    pub active_minutes: i64,
    /// NOx saved, mg.
    pub nox_saved_mg: i64,
    /// Exhaust PM2.5 saved, mg.
    pub pm25_saved_mg: i64,
}

impl From<&Totals> for TotalsRecord {
    fn from(t: &Totals) -> Self {
        Self {
            trips: t.trips,
            participants: t.participants,
            distance_m: t.distance_m,
            co2e_g: t.co2e_g,
            baseline_co2e_g: t.baseline_co2e_g,
            savings_g: t.savings_g,
            active_minutes: t.active_minutes,
            nox_saved_mg: t.air_saved.nox_mg,
            pm25_saved_mg: t.air_saved.pm25_mg,
        }
    }
}

/// What a rebase's audit entry keeps (its `detail`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RebaseDetail {
    /// The set the results were computed with.
    pub from: SetRecord,
    /// The set they are computed with now.
    pub to: SetRecord,
    /// The campaign's totals before.
    pub before: TotalsRecord,
    /// The campaign's totals after.
    pub after: TotalsRecord,
}

/// One rebase of a campaign's history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RebaseRecord {
    /// Position in the audit trail.
    pub seq: i64,
    /// When, RFC 3339 in UTC.
    pub at: String,
    /// `admin` or `organizer`.
    pub actor: String,
    /// The organizer's id; `None` for the admin.
    pub actor_id: Option<String>,
    /// What changed.
    pub detail: RebaseDetail,
}

/// A rebase done.
#[derive(Debug, Clone)]
pub struct Rebased {
    /// The campaign as it is now.
    pub campaign: CampaignRecord,
    /// When, who and what.
    pub record: RebaseRecord,
}

impl Service {
    /// Recomputes every trip of the campaign under `factor_set` and moves the campaign onto
    /// it, in one transaction (the admin or the campaign's organizer). Refused with a 422 if the
    /// set lacks the campaign's baseline mode or region, or cannot compute some trip (the
    /// trips and reasons are listed, and nothing changes).
    pub async fn rebase(
        &self,
        caller: &Caller,
        campaign_id: &str,
        factor_set: &str,
    ) -> Result<Rebased, ServiceError> {
        let campaign = self.runnable_campaign(caller, campaign_id).await?;
        let set = self.factor_set(Some(factor_set), "factor_set")?.clone();
        // New trips must still be loggable afterwards: the campaign's own region and baseline
        // have to exist in the new set (a comparison may fall back; a rebase may not).
        let grid = resolve_grid(&set, campaign.region.as_deref())
            .map_err(|m| {
                ServiceError::invalid(
                    "factor_set",
                    format!(
                        "the campaign's region cannot be resolved by factor set `{}`: {m}",
                        set.id()
                    ),
                )
            })?
            .cloned();
        if set.mode(&campaign.baseline_mode).is_none() {
            return Err(ServiceError::invalid(
                "factor_set",
                format!(
                    "factor set `{}` has no mode `{}`, the campaign's baseline mode",
                    set.id(),
                    campaign.baseline_mode
                ),
            ));
        }
        let recalculator = Recalculator::new(set.clone(), grid);
        let from = SetVersion::of_campaign(&campaign);
        let to = SetVersion {
            id: set.id().to_owned(),
            version: set.version().to_owned(),
        };
        let at = now();
        let audit = {
            let (caller, id, at) = (caller.clone(), campaign.id.clone(), at.clone());
            let (from, to) = (SetRecord::from(from.clone()), SetRecord::from(to.clone()));
            Box::new(move |before: &Totals, after: &Totals| {
                let detail = RebaseDetail {
                    from,
                    to,
                    before: before.into(),
                    after: after.into(),
                };
                let detail = serde_json::to_value(&detail).unwrap_or_default();
                let mut entry = audit_entry(&caller, REBASE_ACTION, Some(&id), &id, detail);
                entry.at = at;
                entry
            })
        };
        let outcome = self
            .store
            .rebase_campaign(Rebase {
                campaign_id: campaign.id.clone(),
                expected_revision: campaign.revision,
                to: to.clone(),
                snapshot: serde_json::to_string(set.file()).map_err(ServiceError::internal)?,
                updated_at: at.clone(),
                recompute: Box::new(move |trip| recalculator.trip(trip)),
                list_at_most: MAX_LISTED_ERRORS,
                audit,
            })
            .await?;
        match outcome {
            RebaseOutcome::Rebased { before, after } => {
                let (role, actor_id, _) = actor(caller);
                Ok(Rebased {
                    campaign: self.campaign(&campaign.id).await?,
                    record: RebaseRecord {
                        seq: 0,
                        at,
                        actor: role.to_owned(),
                        actor_id,
                        detail: RebaseDetail {
                            from: from.into(),
                            to: to.into(),
                            before: (&before).into(),
                            after: (&after).into(),
                        },
                    },
                })
            }
            RebaseOutcome::Refused {
                listed,
                refused,
                by_reason,
            } => Err(refusal(&to, listed, refused, by_reason)),
        }
    }

    /// A page of the campaign's rebases, oldest first, after `after_seq` (readable like the
    /// campaign's results: its figures' provenance is part of them).
    pub async fn rebase_history(
        &self,
        caller: &Caller,
        campaign_id: &str,
        after_seq: i64,
        limit: u32,
    ) -> Result<Vec<RebaseRecord>, ServiceError> {
        let campaign = self.readable_campaign(caller, campaign_id).await?;
        let entries = self
            .store
            .audit(&AuditQuery {
                campaign_id: Some(campaign.id),
                action: Some(REBASE_ACTION.into()),
                after_seq,
                limit,
            })
            .await?;
        entries
            .into_iter()
            .map(|entry| {
                let detail = serde_json::from_str(&entry.detail).map_err(ServiceError::internal)?;
                Ok(RebaseRecord {
                    seq: entry.seq,
                    at: entry.at,
                    actor: entry.actor,
                    actor_id: entry.actor_id,
                    detail,
                })
            })
            .collect()
    }
}

/// The 422 of a refused rebase: every reason with its count in the detail, and the first
/// refused trips as `trips/{id}`.
fn refusal(
    to: &SetVersion,
    listed: Vec<(i64, String)>,
    refused: i64,
    by_reason: Vec<(String, i64)>,
) -> ServiceError {
    let reasons: Vec<String> = by_reason
        .iter()
        .map(|(reason, trips)| format!("{reason} ({trips} trips)"))
        .collect();
    let detail = format!(
        "{refused} of the campaign's trips cannot be computed under factor set `{}` {}, so nothing was changed: {}",
        to.id,
        to.version,
        reasons.join("; ")
    );
    let shown = listed.len();
    let mut errors = FieldErrors::default();
    for (id, reason) in listed {
        errors.push(format!("trips/{id}"), reason);
    }
    ServiceError::Refused {
        detail,
        errors,
        omitted: usize::try_from(refused)
            .unwrap_or(usize::MAX)
            .saturating_sub(shown),
    }
}
