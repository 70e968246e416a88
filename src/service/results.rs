//! Campaign results: summary, leaderboard and one organization's figures, all from the rollups,
//! so reads grow with organizations, modes and days, never with trips.

use std::collections::BTreeMap;

use super::{Caller, Service, ServiceError};
use crate::domain::campaign::{period_days, OrganizationKind};
use crate::domain::cobenefit::minutes_per_participant_week_x10;
use crate::domain::grams::per_capita;
use crate::domain::mode::truncate_for_message;
use crate::store::{CampaignRecord, DayTotals, ModeTotals, Standing, Store, Totals};

/// What the leaderboard ranks by.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum SortKey {
    /// Total saving.
    #[default]
    Savings,
    /// Saving per participant.
    SavingsPerParticipant,
}

/// Leaderboard options.
#[derive(Debug, Clone, Copy, Default)]
pub struct LeaderboardQuery {
    /// Only organizations of this kind.
    pub kind: Option<OrganizationKind>,
    /// The ranking key.
    pub sort: SortKey,
    /// At most this many entries.
    pub limit: Option<usize>,
}

/// Totals of the organizations of one kind.
#[derive(Debug, Clone)]
pub struct KindTotals {
    /// The kind.
    pub kind: OrganizationKind,
    /// Enrolled organizations of that kind.
    pub organizations: i64,
    /// Their totals.
    pub totals: Totals,
}

/// A campaign's results.
#[derive(Debug, Clone)]
pub struct CampaignResults {
    /// The campaign.
    pub campaign: CampaignRecord,
    /// Exact sums over every enrolled organization.
    pub totals: Totals,
    /// Enrolled organizations.
    pub organizations: i64,
    /// By main mode.
    pub by_mode: Vec<ModeTotals>,
    /// By organization kind, kinds without enrolled organizations left out.
    pub by_kind: Vec<KindTotals>,
    /// Active minutes per participant per week of the campaign, in tenths.
    pub active_minutes_per_participant_week_x10: i64,
}

/// One organization's place on the leaderboard.
#[derive(Debug, Clone)]
pub struct Ranked {
    /// 1-based position.
    pub rank: usize,
    /// The organization and its totals.
    pub standing: Standing,
    /// `savings_g ÷ participants`, rounded half away from zero.
    pub savings_per_participant_g: i64,
}

/// One organization's results in a campaign.
#[derive(Debug, Clone)]
pub struct OrganizationResults {
    /// The campaign.
    pub campaign: CampaignRecord,
    /// The organization and its totals.
    pub standing: Standing,
    /// By main mode.
    pub by_mode: Vec<ModeTotals>,
    /// By day, ascending.
    pub by_day: Vec<DayTotals>,
    /// Participants who joined the organization in the campaign by invite.
    pub joined_by_invite: i64,
    /// The organization's active minutes per participant per week of the campaign, in tenths.
    pub active_minutes_per_participant_week_x10: i64,
}

impl Service {
    /// Totals, by main mode and by organization kind (readable like the campaign).
    pub async fn campaign_results(
        &self,
        caller: &Caller,
        campaign_id: &str,
    ) -> Result<CampaignResults, ServiceError> {
        let campaign = self.readable_campaign(caller, campaign_id).await?;
        let standings = self.store.standings(&campaign.id).await?;
        let by_mode = self.store.mode_totals(&campaign.id, None).await?;
        let mut totals = Totals::default();
        let mut kinds: BTreeMap<OrganizationKind, (i64, Totals)> = BTreeMap::new();
        for standing in &standings {
            totals.add(&standing.totals);
            let entry = kinds.entry(standing.kind).or_default();
            entry.0 += 1;
            entry.1.add(&standing.totals);
        }
        Ok(CampaignResults {
            active_minutes_per_participant_week_x10: weekly_minutes_x10(&campaign, &totals),
            campaign,
            totals,
            organizations: standings.len() as i64,
            by_mode,
            by_kind: kinds
                .into_iter()
                .map(|(kind, (organizations, totals))| KindTotals {
                    kind,
                    organizations,
                    totals,
                })
                .collect(),
        })
    }

    /// Every enrolled organization (of the kind asked for), with zeros where it has no trips,
    /// ranked by the sort key descending, ties by organization id ascending.
    pub async fn leaderboard(
        &self,
        caller: &Caller,
        campaign_id: &str,
        query: LeaderboardQuery,
    ) -> Result<Vec<Ranked>, ServiceError> {
        if query.limit.is_some_and(|l| !(1..=1000).contains(&l)) {
            return Err(ServiceError::invalid("limit", "must be 1 to 1000"));
        }
        let campaign = self.readable_campaign(caller, campaign_id).await?;
        let standings = self.store.standings(&campaign.id).await?;
        Ok(rank(standings, query))
    }

    /// One enrolled organization's figures, by mode and by day (readable like the campaign).
    pub async fn organization_results(
        &self,
        caller: &Caller,
        campaign_id: &str,
        organization_id: &str,
    ) -> Result<OrganizationResults, ServiceError> {
        let campaign = self.readable_campaign(caller, campaign_id).await?;
        let standing = self
            .store
            .standing(&campaign.id, organization_id)
            .await?
            .ok_or_else(|| {
                ServiceError::NotFound(format!(
                    "organization `{}` is not enrolled in campaign `{}`",
                    truncate_for_message(organization_id),
                    campaign.id
                ))
            })?;
        let by_mode = self
            .store
            .mode_totals(&campaign.id, Some(organization_id))
            .await?;
        let by_day = self
            .store
            .day_totals(&campaign.id, Some(organization_id))
            .await?;
        let joined_by_invite = self
            .store
            .joined_by_invite(&campaign.id, organization_id)
            .await?;
        Ok(OrganizationResults {
            active_minutes_per_participant_week_x10: weekly_minutes_x10(
                &campaign,
                &standing.totals,
            ),
            campaign,
            standing,
            by_mode,
            by_day,
            joined_by_invite,
        })
    }
}

/// `active_minutes ÷ participants ÷ (campaign days ÷ 7)`, in tenths: what a participant did a
/// week on average, to hold against the WHO's 150 minutes.
fn weekly_minutes_x10(campaign: &CampaignRecord, totals: &Totals) -> i64 {
    minutes_per_participant_week_x10(
        totals.active_minutes,
        totals.participants,
        period_days(campaign.starts_on, campaign.ends_on),
    )
}

/// Filters, orders and numbers the standings.
fn rank(standings: Vec<Standing>, query: LeaderboardQuery) -> Vec<Ranked> {
    let mut rows: Vec<(Standing, i64)> = standings
        .into_iter()
        .filter(|s| query.kind.is_none_or(|kind| s.kind == kind))
        .map(|s| {
            let per_participant = per_capita(s.totals.savings_g, s.totals.participants);
            (s, per_participant)
        })
        .collect();
    rows.sort_by(|(a, a_pp), (b, b_pp)| {
        let (a_key, b_key) = match query.sort {
            SortKey::Savings => (a.totals.savings_g, b.totals.savings_g),
            SortKey::SavingsPerParticipant => (*a_pp, *b_pp),
        };
        b_key
            .cmp(&a_key)
            .then_with(|| a.organization_id.cmp(&b.organization_id))
    });
    rows.into_iter()
        .take(query.limit.unwrap_or(usize::MAX))
        .enumerate()
        .map(|(i, (standing, savings_per_participant_g))| Ranked {
            rank: i + 1,
            standing,
            savings_per_participant_g,
        })
        .collect()
}
