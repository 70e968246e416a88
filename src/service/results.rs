//! Campaign results: summary, leaderboard and one organization's figures, all from the rollups,
//! so reads grow with organizations, modes and days, never with trips.

use std::collections::{BTreeMap, BTreeSet};

use jiff::civil::Date;

use super::{Caller, Service, ServiceError};
use crate::domain::campaign::{period_days, OrganizationKind};
use crate::domain::cobenefit::minutes_per_participant_week_x10;
use crate::domain::grams::{div_round_half_away, per_capita};
use crate::domain::mode::truncate_for_message;
use crate::store::{CampaignRecord, DayTotals, ModeTotals, Standing, Store, StoredTrip, Totals};

/// What the leaderboard ranks by.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum SortKey {
    /// Total saving.
    #[default]
    Savings,
    /// Saving per participant.
    SavingsPerParticipant,
    /// Participants ÷ headcount (organizations without a headcount last).
    ParticipationRate,
    /// Mean share of workdays with a green commute.
    Regularity,
}

/// Organizations by headcount, so that like is ranked with like.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SizeBand {
    /// 1–49 members.
    Small,
    /// 50–249.
    Medium,
    /// 250–999.
    Large,
    /// 1,000 and more.
    VeryLarge,
}

impl SizeBand {
    /// Whether an organization of this headcount is in the band (none without a headcount).
    pub fn contains(self, headcount: Option<i64>) -> bool {
        let Some(headcount) = headcount else {
            return false;
        };
        match self {
            Self::Small => (1..=49).contains(&headcount),
            Self::Medium => (50..=249).contains(&headcount),
            Self::Large => (250..=999).contains(&headcount),
            Self::VeryLarge => headcount >= 1000,
        }
    }
}

/// Leaderboard options.
#[derive(Debug, Clone, Copy, Default)]
pub struct LeaderboardQuery {
    /// Only organizations of this kind.
    pub kind: Option<OrganizationKind>,
    /// Only organizations in this headcount band.
    pub size: Option<SizeBand>,
    /// The ranking key.
    pub sort: SortKey,
    /// At most this many entries.
    pub limit: Option<usize>,
    /// How many entries of the ranking come before the page (a page's cursor).
    pub offset: usize,
}

/// A page of the ranking: its entries, and whether more follow.
#[derive(Debug, Clone)]
pub struct LeaderboardPage {
    /// The entries, numbered by their place in the whole ranking.
    pub entries: Vec<Ranked>,
    /// Whether entries follow the page.
    pub more: bool,
}

/// Fair-ranking figures, in ten-thousandths (4 decimals), rounded half away from zero.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Fairness {
    /// Participants ÷ headcount; `None` without a (positive) headcount.
    pub participation_rate_x10000: Option<i64>,
    /// Green workdays ÷ (workdays × participants); 0 without participants.
    pub regularity_x10000: i64,
}

/// `numerator ÷ denominator` in ten-thousandths, rounded half away from zero.
fn ten_thousandths(numerator: i64, denominator: i64) -> i64 {
    div_round_half_away(i128::from(numerator) * 10_000, i128::from(denominator)) as i64
}

/// An organization's (or a campaign's) fairness figures from its participants, headcount and
/// green (participant, workday) pairs.
fn fairness(
    participants: i64,
    headcount: Option<i64>,
    green_workdays: i64,
    workdays: i64,
) -> Fairness {
    Fairness {
        participation_rate_x10000: headcount
            .filter(|h| *h > 0)
            .map(|h| ten_thousandths(participants, h)),
        regularity_x10000: if participants > 0 && workdays > 0 {
            ten_thousandths(green_workdays, workdays * participants)
        } else {
            0
        },
    }
}

/// One participant's regularity (their green workdays ÷ the campaign's workdays) and weekly
/// active minutes (in tenths), from their trips and the totals over them ([`own_figures`]), by
/// the same rules as an organization's: a workday is green when one of their trips that day
/// saved something.
///
/// [`own_figures`]: super::own_figures
pub fn own_fairness(
    campaign: &CampaignRecord,
    trips: &[StoredTrip],
    totals: &Totals,
) -> (Fairness, i64) {
    let green_days: BTreeSet<Date> = trips
        .iter()
        .filter(|trip| trip.figures.savings_g > 0 && campaign.workdays.contains(trip.date))
        .map(|trip| trip.date)
        .collect();
    (
        fairness(
            totals.participants,
            None,
            green_days.len() as i64,
            workdays_of(campaign),
        ),
        weekly_minutes_x10(campaign, totals),
    )
}

/// Each organization's green (participant, day) pairs on the campaign's workdays.
async fn green_workdays(
    store: &impl Store,
    campaign: &CampaignRecord,
) -> Result<BTreeMap<String, i64>, ServiceError> {
    let mut by_organization: BTreeMap<String, i64> = BTreeMap::new();
    for row in store.weekday_green_days(&campaign.id).await? {
        let weekday = i8::try_from(row.weekday).unwrap_or(0);
        if campaign.workdays.has_iso_weekday(weekday) {
            *by_organization.entry(row.organization_id).or_default() += row.green_days;
        }
    }
    Ok(by_organization)
}

/// The campaign's workdays between its first and last day.
fn workdays_of(campaign: &CampaignRecord) -> i64 {
    campaign
        .workdays
        .count_between(campaign.starts_on, campaign.ends_on)
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
    /// The campaign's regularity: the mean over every participant.
    pub regularity_x10000: i64,
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
    /// Participation rate and regularity.
    pub fairness: Fairness,
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
    /// Participation rate and regularity.
    pub fairness: Fairness,
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
        let green: i64 = green_workdays(&self.store, &campaign).await?.values().sum();
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
            regularity_x10000: fairness(totals.participants, None, green, workdays_of(&campaign))
                .regularity_x10000,
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
    ) -> Result<LeaderboardPage, ServiceError> {
        if query.limit.is_some_and(|l| !(1..=1000).contains(&l)) {
            return Err(ServiceError::invalid("limit", "must be 1 to 1000"));
        }
        let campaign = self.readable_campaign(caller, campaign_id).await?;
        let standings = self.store.standings(&campaign.id).await?;
        let green = green_workdays(&self.store, &campaign).await?;
        let workdays = workdays_of(&campaign);
        let rows = standings
            .into_iter()
            .map(|s| {
                let figures = fairness(
                    s.totals.participants,
                    s.headcount,
                    green.get(&s.organization_id).copied().unwrap_or(0),
                    workdays,
                );
                (s, figures)
            })
            .collect();
        let mut entries = rank(rows, query);
        let limit = query.limit.unwrap_or(usize::MAX);
        let more = entries.len() > limit;
        entries.truncate(limit);
        Ok(LeaderboardPage { entries, more })
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
        let green = green_workdays(&self.store, &campaign).await?;
        let fairness = fairness(
            standing.totals.participants,
            standing.headcount,
            green.get(organization_id).copied().unwrap_or(0),
            workdays_of(&campaign),
        );
        Ok(OrganizationResults {
            fairness,
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

/// Filters, orders and numbers the standings: by the sort key descending (organizations
/// without a participation rate last), ties by organization id ascending; those from
/// `query.offset` on.
fn rank(standings: Vec<(Standing, Fairness)>, query: LeaderboardQuery) -> Vec<Ranked> {
    let mut rows: Vec<(Standing, Fairness, i64)> = standings
        .into_iter()
        .filter(|(s, _)| query.kind.is_none_or(|kind| s.kind == kind))
        .filter(|(s, _)| query.size.is_none_or(|band| band.contains(s.headcount)))
        .map(|(s, fairness)| {
            let per_participant = per_capita(s.totals.savings_g, s.totals.participants);
            (s, fairness, per_participant)
        })
        .collect();
    // `None` sorts below every value, so descending order puts it last.
    let key = |(s, f, per_participant): &(Standing, Fairness, i64)| match query.sort {
        SortKey::Savings => Some(s.totals.savings_g),
        SortKey::SavingsPerParticipant => Some(*per_participant),
        SortKey::ParticipationRate => f.participation_rate_x10000,
        SortKey::Regularity => Some(f.regularity_x10000),
    };
    rows.sort_by(|a, b| {
        key(b)
            .cmp(&key(a))
            .then_with(|| a.0.organization_id.cmp(&b.0.organization_id))
    });
    rows.into_iter()
        .enumerate()
        .skip(query.offset)
        .map(
            |(i, (standing, fairness, savings_per_participant_g))| Ranked {
                rank: i + 1,
                standing,
                savings_per_participant_g,
                fairness,
            },
        )
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fairness_is_rounded_to_four_decimals_and_absent_without_a_headcount() {
        let f = fairness(1, Some(3), 2, 10);
        assert_eq!(f.participation_rate_x10000, Some(3333));
        assert_eq!(f.regularity_x10000, 2000);
        assert_eq!(
            fairness(2, Some(3), 1, 3).participation_rate_x10000,
            Some(6667)
        );
        assert_eq!(fairness(5, None, 0, 10).participation_rate_x10000, None);
        assert_eq!(fairness(5, Some(0), 0, 10).participation_rate_x10000, None);
        assert_eq!(fairness(0, Some(10), 0, 10).regularity_x10000, 0);
        assert_eq!(fairness(3, Some(10), 4, 0).regularity_x10000, 0);
    }

    #[test]
    fn size_bands_cover_every_headcount_once() {
        let bands = [
            SizeBand::Small,
            SizeBand::Medium,
            SizeBand::Large,
            SizeBand::VeryLarge,
        ];
        for headcount in 1..3000 {
            let matching = bands.iter().filter(|b| b.contains(Some(headcount))).count();
            assert_eq!(matching, 1, "{headcount}");
        }
        assert!(bands
            .iter()
            .all(|b| !b.contains(None) && !b.contains(Some(0))));
    }
}
