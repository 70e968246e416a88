//! Records the store reads and writes.

use jiff::civil::Date;

use crate::domain::campaign::{Direction, OrganizationKind};
use crate::domain::cobenefit::{AirMg, TripCoBenefits};
use crate::domain::trip::{ComputedTrip, TripFigures};

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

/// Trips one organization logs into one campaign in one request.
#[derive(Debug, Clone)]
pub struct TripBatch {
    pub campaign_id: String,
    pub organization_id: String,
    pub trips: Vec<ComputedTrip>,
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

/// Which trips to list.
#[derive(Debug, Clone)]
pub struct TripQuery {
    pub campaign_id: String,
    pub organization_id: Option<String>,
    pub after_id: i64,
    pub limit: u32,
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
