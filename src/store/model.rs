//! Records the store reads and writes.

use jiff::civil::Date;

use crate::domain::campaign::{Direction, OrganizationKind};
use crate::domain::cobenefit::{AirMg, TripCoBenefits};
use crate::domain::trip::{ComputedTrip, TripFigures};
use crate::domain::workdays::Workdays;

/// A stored campaign (its factor-set snapshot is read separately: it is large).
#[derive(Debug, Clone)]
pub struct CampaignRecord {
    pub id: String,
    pub name: String,
    pub description: String,
    pub region: Option<String>,
    pub time_zone: String,
    pub starts_on: Date,
    pub ends_on: Date,
    pub factor_set_id: String,
    pub factor_set_version: String,
    pub baseline_mode: String,
    pub public: bool,
    pub created_at: String,
    pub updated_at: String,
    /// Increases on every change, so cached snapshots can be checked.
    pub revision: i64,
    /// The organizer that runs it; `None` for the admin's campaigns.
    pub organizer_id: Option<String>,
    /// That organizer's name (read with the campaign; not stored with it).
    pub organizer_name: Option<String>,
    /// The weekdays regularity counts.
    pub workdays: Workdays,
}

/// A campaign's new state, with a new snapshot when the factor set changes.
#[derive(Debug, Clone)]
pub struct CampaignUpdate {
    /// The new state (same id).
    pub campaign: CampaignRecord,
    /// The new snapshot, when the factor set changes.
    pub snapshot: Option<String>,
    /// The state the caller read: the update is refused if the campaign changed since.
    pub expected_revision: i64,
}

/// A stored organization.
#[derive(Debug, Clone)]
pub struct OrganizationRecord {
    pub id: String,
    pub name: String,
    pub kind: OrganizationKind,
    pub city: Option<String>,
    pub headcount: Option<i64>,
    pub created_at: String,
    /// The organizer that created it; `None` when the admin did.
    pub created_by: Option<String>,
}

/// A stored organization key (hash only).
#[derive(Debug, Clone)]
pub struct ApiKeyRecord {
    pub id: String,
    pub organization_id: String,
    pub key_hash: String,
    pub created_at: String,
}

/// The organization and key id an unrevoked key belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyOwner {
    pub key_id: String,
    pub organization_id: String,
}

/// A factor set named by id and version, as a campaign records the one its trips are computed
/// with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetVersion {
    pub id: String,
    pub version: String,
}

impl SetVersion {
    /// The set a campaign's trips are computed with.
    pub fn of_campaign(campaign: &CampaignRecord) -> Self {
        Self {
            id: campaign.factor_set_id.clone(),
            version: campaign.factor_set_version.clone(),
        }
    }
}

/// Trips one organization logs into one campaign in one request.
#[derive(Debug, Clone)]
pub struct TripBatch {
    pub campaign_id: String,
    pub organization_id: String,
    pub trips: Vec<ComputedTrip>,
    /// The set the trips were computed with: the batch is refused (`Conflict`) when the
    /// campaign was rebased onto another set since, so that no trip is stored with old figures.
    pub computed_with: SetVersion,
    pub created_at: String,
    /// Check and compute everything, then roll back: nothing is stored (new trips get id 0).
    pub dry_run: bool,
}

/// The outcome for one trip of a batch, in request order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoggedTrip {
    pub id: i64,
    pub participant: String,
    pub date: Date,
    pub direction: Direction,
    pub co2e_g: i64,
    pub baseline_co2e_g: i64,
    pub savings_g: i64,
    pub co_benefits: TripCoBenefits,
    /// True when the trip was already stored (its stored values are shown and nothing is counted).
    pub duplicate: bool,
}

/// Whose trips an operation covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TripScope {
    /// Every trip of the campaign (the admin).
    Campaign,
    /// One organization's trips, its participants' included.
    Organization(String),
    /// One participant's trips.
    Participant {
        organization_id: String,
        participant: String,
    },
}

impl TripScope {
    /// The (organization, participant) filters the scope sets, as SQL parameters that match
    /// anything when null.
    pub fn filters(&self) -> (Option<String>, Option<String>) {
        match self {
            Self::Campaign => (None, None),
            Self::Organization(organization_id) => (Some(organization_id.clone()), None),
            Self::Participant {
                organization_id,
                participant,
            } => (Some(organization_id.clone()), Some(participant.clone())),
        }
    }
}

/// Which trips to list.
#[derive(Debug, Clone)]
pub struct TripQuery {
    pub campaign_id: String,
    pub scope: TripScope,
    pub after_id: i64,
    pub limit: u32,
}

/// A join code of an organization in a campaign (its hash only).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InviteRecord {
    pub id: String,
    pub campaign_id: String,
    pub organization_id: String,
    pub code_hash: String,
    /// The code's first characters, to tell invites apart in a list.
    pub code_hint: String,
    pub created_at: String,
    /// RFC 3339, UTC, whole seconds (compared as text with the store's clock strings).
    pub expires_at: Option<String>,
    pub max_participants: Option<i64>,
    pub revoked_at: Option<String>,
}

/// An invite and how many participants joined with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InviteListing {
    pub invite: InviteRecord,
    pub participants: i64,
}

/// A participant to create when a code is used.
#[derive(Debug, Clone)]
pub struct NewParticipant {
    pub id: String,
    pub token_hash: String,
    pub nickname: Option<String>,
    pub created_at: String,
}

/// What using a join code did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JoinOutcome {
    /// The participant was created in the invite's campaign and organization.
    Joined(Box<InviteRecord>),
    /// No invite has that code.
    Unknown,
    /// The invite was revoked.
    Revoked,
    /// The invite expired.
    Expired,
    /// The invite reached its maximum of participants.
    Full,
}

/// A participant as stored (no token hash).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParticipantRecord {
    pub id: String,
    pub campaign_id: String,
    pub organization_id: String,
    pub invite_id: String,
    pub nickname: Option<String>,
    pub created_at: String,
}

/// A stored trip.
#[derive(Debug, Clone)]
pub struct StoredTrip {
    pub id: i64,
    pub organization_id: String,
    pub participant: String,
    pub date: Date,
    pub direction: Direction,
    pub figures: TripFigures,
    pub detail: String,
    pub created_at: String,
}

/// Exact integer sums over trips.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Totals {
    pub trips: i64,
    pub participants: i64,
    pub distance_m: i64,
    pub co2e_g: i64,
    pub baseline_co2e_g: i64,
    pub savings_g: i64,
    /// Active minutes.
    pub active_minutes: i64,
    /// Tailpipe pollutants saved (baseline − trip), mg.
    pub air_saved: AirMg,
    /// Trips whose air figures count 0 for a leg or baseline without `air` factors.
    pub air_incomplete_trips: i64,
}

impl Totals {
    /// One trip's figures as totals, counted `sign` times (−1 takes a trip out); `participants`
    /// is left to the caller, who knows whether the trip is a participant's first.
    pub fn of_trip(trip: &TripFigures, sign: i64) -> Self {
        Self {
            trips: sign,
            participants: 0,
            distance_m: sign * trip.distance_m,
            co2e_g: sign * trip.co2e_g,
            baseline_co2e_g: sign * trip.baseline_co2e_g,
            savings_g: sign * trip.savings_g,
            active_minutes: sign * trip.co_benefits.active_minutes,
            air_saved: trip.co_benefits.air_saved.times(sign),
            air_incomplete_trips: if trip.co_benefits.air_complete {
                0
            } else {
                sign
            },
        }
    }

    /// Adds another total.
    pub fn add(&mut self, other: &Totals) {
        self.trips += other.trips;
        self.participants += other.participants;
        self.distance_m += other.distance_m;
        self.co2e_g += other.co2e_g;
        self.baseline_co2e_g += other.baseline_co2e_g;
        self.savings_g += other.savings_g;
        self.active_minutes += other.active_minutes;
        self.air_saved = self.air_saved.plus(other.air_saved);
        self.air_incomplete_trips += other.air_incomplete_trips;
    }
}

/// An enrolled organization and its totals.
#[derive(Debug, Clone)]
pub struct Standing {
    pub organization_id: String,
    pub name: String,
    pub kind: OrganizationKind,
    pub totals: Totals,
    /// Members, for participation rates.
    pub headcount: Option<i64>,
}

/// Totals of trips with one main mode (`participants` unused).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModeTotals {
    pub mode: String,
    pub totals: Totals,
}

/// Totals of trips on one day (`participants` unused).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DayTotals {
    pub date: Date,
    pub totals: Totals,
}

/// An organizer: a partner NGO or a city office running its own campaigns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrganizerRecord {
    pub id: String,
    pub name: String,
    pub city: Option<String>,
    pub created_at: String,
}

/// An organizer key (hash only).
#[derive(Debug, Clone)]
pub struct OrganizerKeyRecord {
    pub id: String,
    pub organizer_id: String,
    pub key_hash: String,
    pub created_at: String,
}

/// The organizer and key id an unrevoked organizer key belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrganizerKeyOwner {
    pub key_id: String,
    pub organizer_id: String,
}

/// One entry of the audit trail: who did what, to what, when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    /// Position in the trail (0 for an entry not yet stored).
    pub seq: i64,
    /// RFC 3339, UTC.
    pub at: String,
    /// `admin`, `organizer`, `organization` or `participant`.
    pub actor: String,
    /// The organizer, organization or participant id; `None` for the admin.
    pub actor_id: Option<String>,
    /// The key used, when a key was.
    pub key_id: Option<String>,
    /// What was done, such as `campaign.create` or `organization_key.revoke`.
    pub action: String,
    /// The campaign concerned, if any.
    pub campaign_id: Option<String>,
    /// What it was done to (an id).
    pub subject: String,
    /// The changed values, as JSON (never a secret).
    pub detail: String,
}

/// Which audit entries to read.
#[derive(Debug, Clone)]
pub struct AuditQuery {
    /// Only this campaign's entries.
    pub campaign_id: Option<String>,
    /// Only entries of this action (such as `campaign.rebase`).
    pub action: Option<String>,
    /// Entries after this position.
    pub after_seq: i64,
    pub limit: u32,
}

/// A campaign's totals over its organizations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CampaignTotals {
    pub campaign_id: String,
    /// Enrolled organizations.
    pub organizations: i64,
    pub totals: Totals,
}

/// An organization's green (participant, day) pairs on one ISO weekday (1 = Monday).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WeekdayGreenDays {
    pub organization_id: String,
    pub weekday: i64,
    pub green_days: i64,
}

/// How a rebase recomputes one stored trip under the new set: its new figures and detail, or
/// why the set cannot compute it. Called inside the rebase's transaction, on the store's thread.
pub type Recompute = Box<dyn Fn(&StoredTrip) -> Result<ComputedTrip, String> + Send>;

/// The audit entry of a rebase, made from the campaign's totals before and after it, and written
/// in the rebase's transaction.
pub type RebaseAudit = Box<dyn FnOnce(&Totals, &Totals) -> AuditEntry + Send>;

/// A campaign to move onto another factor set, every trip recomputed.
pub struct Rebase {
    pub campaign_id: String,
    /// The revision the caller read: the rebase is refused (`Conflict`) if the campaign changed
    /// since.
    pub expected_revision: i64,
    /// The new set.
    pub to: SetVersion,
    /// The new set's snapshot (the set file's JSON).
    pub snapshot: String,
    pub updated_at: String,
    /// Each trip's figures under the new set.
    pub recompute: Recompute,
    /// At most this many refused trips are listed in [`RebaseOutcome::Refused`].
    pub list_at_most: usize,
    /// The history entry.
    pub audit: RebaseAudit,
}

impl std::fmt::Debug for Rebase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Rebase")
            .field("campaign_id", &self.campaign_id)
            .field("expected_revision", &self.expected_revision)
            .field("to", &self.to)
            .finish_non_exhaustive()
    }
}

/// What a rebase did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RebaseOutcome {
    /// Every trip was recomputed; the campaign's totals before and after.
    Rebased { before: Totals, after: Totals },
    /// Some trips cannot be computed under the new set: nothing changed.
    Refused {
        /// The first refused trips (id, reason), in id order.
        listed: Vec<(i64, String)>,
        /// How many trips were refused in all.
        refused: i64,
        /// Refused trips by reason, by reason.
        by_reason: Vec<(String, i64)>,
    },
}
