//! Storage: the [`Store`] contract and its SQLite and PostgreSQL backends, chosen by the database
//! URL's scheme. Owns every SQL statement; knows domain records, never HTTP or the service layer.

mod any;
mod checkpoint;
mod dedup;
mod model;
mod postgres;
mod rebase;
mod rollup;
mod rows;
mod rules;
mod sqlite;
mod tls;
mod url;

pub use any::AnyStore;
pub use model::*;
pub use postgres::PostgresStore;
pub use rules::join_refusal;
pub use sqlite::SqliteStore;
pub use url::DatabaseUrl;

/// Why a store operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The record does not exist (or is not visible to the caller).
    #[error("{0}")]
    NotFound(String),
    /// The change conflicts with stored state.
    #[error("{0}")]
    Conflict(String),
    /// The database cannot be reached or is overloaded.
    #[error("store unavailable: {0}")]
    Unavailable(String),
    /// A fault of ours or of the database.
    #[error("store failure")]
    Internal(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl StoreError {
    /// An internal failure described by `message` (stored data that does not parse, a lost task).
    pub(crate) fn internal(message: impl Into<String>) -> Self {
        Self::Internal(message.into().into())
    }
}

/// Why the store could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    /// The URL names no supported backend.
    #[error("unsupported database URL `{0}`: use sqlite://PATH or postgres://…")]
    UnsupportedUrl(DatabaseUrl),
    /// The database could not be opened or migrated.
    #[error("cannot open {url}: {source}")]
    Open {
        /// The URL (shown with its password redacted).
        url: DatabaseUrl,
        /// Why.
        source: StoreError,
    },
}

/// What every backend guarantees. Each method is one atomic unit: it either happens completely
/// or not at all, and a successful write is durable when the method returns.
///
/// `async fn` in a trait is fine here: the service polls these futures on actix's per-thread
/// runtimes and never needs to name or send them.
#[allow(async_fn_in_trait)]
pub trait Store {
    /// Answers when the database does.
    async fn ping(&self) -> Result<(), StoreError>;

    /// Stores a new campaign with its factor-set snapshot (the set file's JSON);
    /// `Conflict` if the id is taken.
    async fn create_campaign(
        &self,
        campaign: &CampaignRecord,
        snapshot: &str,
    ) -> Result<(), StoreError>;

    /// Every campaign, by id.
    async fn list_campaigns(&self) -> Result<Vec<CampaignRecord>, StoreError>;

    /// One campaign; `NotFound` if there is none.
    async fn get_campaign(&self, id: &str) -> Result<CampaignRecord, StoreError>;

    /// The campaign's factor-set snapshot (JSON of the set file); `NotFound` if there is none.
    async fn campaign_snapshot(&self, id: &str) -> Result<String, StoreError>;

    /// Replaces a campaign in one transaction, after checking [`rules::check_campaign_update`]
    /// against the stored revision and trips: `Conflict` when the campaign changed since it was
    /// read, or when stored trips forbid the change.
    async fn update_campaign(&self, update: &CampaignUpdate) -> Result<(), StoreError>;

    /// Stores a new organization; `Conflict` if the id is taken.
    async fn create_organization(
        &self,
        organization: &OrganizationRecord,
    ) -> Result<(), StoreError>;

    /// One organization; `NotFound` if there is none.
    async fn get_organization(&self, id: &str) -> Result<OrganizationRecord, StoreError>;

    /// Every organization, by id.
    async fn list_organizations(&self) -> Result<Vec<OrganizationRecord>, StoreError>;

    /// Enrolls an organization; enrolling twice changes nothing.
    async fn enroll(
        &self,
        campaign_id: &str,
        organization_id: &str,
        at: &str,
    ) -> Result<(), StoreError>;

    /// Whether the organization is enrolled in the campaign.
    async fn is_enrolled(
        &self,
        campaign_id: &str,
        organization_id: &str,
    ) -> Result<bool, StoreError>;

    /// Ids of the campaigns the organization is enrolled in, sorted.
    async fn enrolled_campaigns(&self, organization_id: &str) -> Result<Vec<String>, StoreError>;

    /// Stores a key's hash for an organization.
    async fn create_key(&self, key: &ApiKeyRecord) -> Result<(), StoreError>;

    /// Revokes a key (revoking again keeps the first time); `NotFound` unless it belongs to the
    /// organization. A revoked key is never found by [`Store::find_key`] again.
    async fn revoke_key(
        &self,
        organization_id: &str,
        key_id: &str,
        at: &str,
    ) -> Result<(), StoreError>;

    /// The owner of the unrevoked key with that hash.
    async fn find_key(&self, key_hash: &str) -> Result<Option<KeyOwner>, StoreError>;

    /// Stores a batch in one transaction. A trip whose (participant, date, direction) is already
    /// taken, by a stored trip or earlier in the batch (a round trip takes both directions), is
    /// not stored and comes back as a duplicate with the occupying trip's values. The rollups
    /// change in the same transaction, so results always equal the sums over stored trips.
    /// Batches of one organization in one campaign are serialized, across processes too. A dry
    /// run does all of this in a transaction that is rolled back; its new trips come back with
    /// id 0.
    async fn log_trips(&self, batch: TripBatch) -> Result<Vec<LoggedTrip>, StoreError>;

    /// A page of trips in id order after `after_id`, within the query's scope.
    async fn list_trips(&self, query: &TripQuery) -> Result<Vec<StoredTrip>, StoreError>;

    /// Deletes a trip and takes it out of every rollup in the same transaction; `NotFound`
    /// unless the trip is in the campaign and within `scope`.
    async fn delete_trip(
        &self,
        campaign_id: &str,
        trip_id: i64,
        scope: &TripScope,
    ) -> Result<(), StoreError>;

    /// Moves a campaign onto another factor set in one transaction: every stored trip is read
    /// page by page (bounded memory, whatever the campaign's size), recomputed with
    /// `rebase.recompute`, and rewritten (figures, co-benefits and factor detail); every rollup
    /// whose figures depend on the trips' amounts (organization totals, by mode, by day, green
    /// days) is rebuilt from the trips; the campaign takes the new set, its snapshot and a new
    /// revision; and the audit entry is appended. No trip is logged or deleted in the campaign
    /// meanwhile, across processes too; a batch computed with the old set before and stored after
    /// is refused (see [`TripBatch::computed_with`]).
    ///
    /// If any trip cannot be recomputed, nothing changes and the refusal lists why. `NotFound`
    /// without the campaign; `Conflict` when its revision is no longer `expected_revision`.
    /// A crash at any point leaves the campaign exactly as it was before, or rebased.
    async fn rebase_campaign(&self, rebase: Rebase) -> Result<RebaseOutcome, StoreError>;

    /// Stores a new invite; `Conflict` if its id or code is taken.
    async fn create_invite(&self, invite: &InviteRecord) -> Result<(), StoreError>;

    /// The organization's invites in the campaign, oldest first, with their participant counts.
    async fn invites(
        &self,
        campaign_id: &str,
        organization_id: &str,
    ) -> Result<Vec<InviteListing>, StoreError>;

    /// The invite with that code hash, revoked or not.
    async fn find_invite(&self, code_hash: &str) -> Result<Option<InviteRecord>, StoreError>;

    /// Revokes the organization's invite in the campaign whose id or code hash is `reference`
    /// (revoking again keeps the first time); `NotFound` if there is none. A revoked code
    /// admits nobody from then on; participants who joined keep working.
    async fn revoke_invite(
        &self,
        campaign_id: &str,
        organization_id: &str,
        reference: &str,
        at: &str,
    ) -> Result<(), StoreError>;

    /// Uses a join code in one transaction: checks the invite is unrevoked, unexpired at `now`
    /// and not full, and creates the participant. Joins on one invite are serialized, across
    /// processes too, so that its maximum holds. `Conflict` if the participant id is taken.
    async fn join(
        &self,
        code_hash: &str,
        participant: &NewParticipant,
        now: &str,
    ) -> Result<JoinOutcome, StoreError>;

    /// The unrevoked participant with that token hash.
    async fn find_participant(
        &self,
        token_hash: &str,
    ) -> Result<Option<ParticipantRecord>, StoreError>;

    /// Revokes a participant's token (their trips stay); `NotFound` unless the participant is
    /// the organization's in the campaign.
    async fn revoke_participant(
        &self,
        campaign_id: &str,
        organization_id: &str,
        participant_id: &str,
        at: &str,
    ) -> Result<(), StoreError>;

    /// How many participants joined the organization in the campaign by invite.
    async fn joined_by_invite(
        &self,
        campaign_id: &str,
        organization_id: &str,
    ) -> Result<i64, StoreError>;

    /// Replaces an organization's name, kind, city and headcount; `NotFound` if there is none.
    async fn update_organization(
        &self,
        organization: &OrganizationRecord,
    ) -> Result<(), StoreError>;

    /// Stores a new organizer; `Conflict` if the id is taken.
    async fn create_organizer(&self, organizer: &OrganizerRecord) -> Result<(), StoreError>;

    /// One organizer; `NotFound` if there is none.
    async fn get_organizer(&self, id: &str) -> Result<OrganizerRecord, StoreError>;

    /// Every organizer, by id.
    async fn list_organizers(&self) -> Result<Vec<OrganizerRecord>, StoreError>;

    /// Stores an organizer key's hash.
    async fn create_organizer_key(&self, key: &OrganizerKeyRecord) -> Result<(), StoreError>;

    /// Revokes an organizer key (revoking again keeps the first time); `NotFound` unless it
    /// belongs to the organizer.
    async fn revoke_organizer_key(
        &self,
        organizer_id: &str,
        key_id: &str,
        at: &str,
    ) -> Result<(), StoreError>;

    /// The owner of the unrevoked organizer key with that hash.
    async fn find_organizer_key(
        &self,
        key_hash: &str,
    ) -> Result<Option<OrganizerKeyOwner>, StoreError>;

    /// Appends an entry to the audit trail.
    async fn record_audit(&self, entry: &AuditEntry) -> Result<(), StoreError>;

    /// A page of the audit trail in order, of one campaign or all, of one action or all.
    async fn audit(&self, query: &AuditQuery) -> Result<Vec<AuditEntry>, StoreError>;

    /// Every campaign's totals and enrolled organizations, by id, from the rollups.
    async fn campaign_totals(&self) -> Result<Vec<CampaignTotals>, StoreError>;

    /// Distinct (organization, participant) pairs with a stored trip in some public campaign:
    /// one person counts once in the network's totals however many campaigns they commuted in.
    async fn public_participants(&self) -> Result<i64, StoreError>;

    /// Each organization's green (participant, day) pairs by weekday in the campaign (pairs
    /// with at least one trip saving CO2e), from the rollups; zero rows left out.
    async fn weekday_green_days(
        &self,
        campaign_id: &str,
    ) -> Result<Vec<WeekdayGreenDays>, StoreError>;

    /// Every enrolled organization with its totals (zeros without trips), by id.
    async fn standings(&self, campaign_id: &str) -> Result<Vec<Standing>, StoreError>;

    /// One enrolled organization with its totals; `None` when it is not enrolled.
    async fn standing(
        &self,
        campaign_id: &str,
        organization_id: &str,
    ) -> Result<Option<Standing>, StoreError>;

    /// Totals by main mode, for the campaign or one organization, by mode; modes without trips
    /// are left out.
    async fn mode_totals(
        &self,
        campaign_id: &str,
        organization_id: Option<&str>,
    ) -> Result<Vec<ModeTotals>, StoreError>;

    /// Totals by day, for the campaign or one organization, ascending; days without trips are
    /// left out.
    async fn day_totals(
        &self,
        campaign_id: &str,
        organization_id: Option<&str>,
    ) -> Result<Vec<DayTotals>, StoreError>;
}

/// An error and its causes, outermost first, joined with `: ` (each cause once, even when an
/// outer message already repeats it).
fn error_chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}
