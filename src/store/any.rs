//! The backend in use behind one type: [`AnyStore`] opens the backend a URL names and forwards
//! every [`Store`] call to it, timing each into the store metrics once for both backends.

use std::future::Future;
use std::sync::Arc;
use std::time::Instant;

use super::*;
use crate::metrics::METRICS;

/// The backend in use, chosen by the URL's scheme at start-up. Every call is timed into the
/// store metrics here, once for both backends.
#[derive(Clone)]
pub enum AnyStore {
    /// The embedded SQLite file.
    Sqlite(Arc<SqliteStore>),
    /// A PostgreSQL server shared by any number of service processes.
    Postgres(Arc<PostgresStore>),
}

impl AnyStore {
    /// Opens the store the URL names and runs its migrations.
    pub fn open(url: &DatabaseUrl) -> Result<Self, OpenError> {
        let failed = |source| OpenError::Open {
            url: url.clone(),
            source,
        };
        if let Some(path) = url.sqlite_path() {
            let store = SqliteStore::open(&path).map_err(failed)?;
            return Ok(Self::Sqlite(Arc::new(store)));
        }
        if url.is_postgres() {
            let store = PostgresStore::open(url).map_err(failed)?;
            return Ok(Self::Postgres(Arc::new(store)));
        }
        Err(OpenError::UnsupportedUrl(url.clone()))
    }
}

/// Awaits a store call and records its latency under `operation`.
async fn timed<T>(
    operation: &'static str,
    call: impl Future<Output = Result<T, StoreError>>,
) -> Result<T, StoreError> {
    let started = Instant::now();
    let result = call.await;
    METRICS.record_store(operation, started.elapsed());
    result
}

/// Calls the same method on whichever backend is in use, timed under the method's name.
macro_rules! dispatch {
    ($self:ident . $method:ident ( $($arg:expr),* )) => {
        timed(
            stringify!($method),
            async {
                match $self {
                    AnyStore::Sqlite(store) => store.$method($($arg),*).await,
                    AnyStore::Postgres(store) => store.$method($($arg),*).await,
                }
            },
        )
        .await
    };
}

impl Store for AnyStore {
    async fn ping(&self) -> Result<(), StoreError> {
        dispatch!(self.ping())
    }

    async fn create_campaign(
        &self,
        campaign: &CampaignRecord,
        snapshot: &str,
    ) -> Result<(), StoreError> {
        dispatch!(self.create_campaign(campaign, snapshot))
    }

    async fn list_campaigns(&self) -> Result<Vec<CampaignRecord>, StoreError> {
        dispatch!(self.list_campaigns())
    }

    async fn get_campaign(&self, id: &str) -> Result<CampaignRecord, StoreError> {
        dispatch!(self.get_campaign(id))
    }

    async fn campaign_snapshot(&self, id: &str) -> Result<String, StoreError> {
        dispatch!(self.campaign_snapshot(id))
    }

    async fn update_campaign(&self, update: &CampaignUpdate) -> Result<(), StoreError> {
        dispatch!(self.update_campaign(update))
    }

    async fn create_organization(
        &self,
        organization: &OrganizationRecord,
    ) -> Result<(), StoreError> {
        dispatch!(self.create_organization(organization))
    }

    async fn get_organization(&self, id: &str) -> Result<OrganizationRecord, StoreError> {
        dispatch!(self.get_organization(id))
    }

    async fn list_organizations(&self) -> Result<Vec<OrganizationRecord>, StoreError> {
        dispatch!(self.list_organizations())
    }

    async fn enroll(
        &self,
        campaign_id: &str,
        organization_id: &str,
        at: &str,
    ) -> Result<(), StoreError> {
        dispatch!(self.enroll(campaign_id, organization_id, at))
    }

    async fn is_enrolled(
        &self,
        campaign_id: &str,
        organization_id: &str,
    ) -> Result<bool, StoreError> {
        dispatch!(self.is_enrolled(campaign_id, organization_id))
    }

    async fn enrolled_campaigns(&self, organization_id: &str) -> Result<Vec<String>, StoreError> {
        dispatch!(self.enrolled_campaigns(organization_id))
    }

    async fn create_key(&self, key: &ApiKeyRecord) -> Result<(), StoreError> {
        dispatch!(self.create_key(key))
    }

    async fn revoke_key(
        &self,
        organization_id: &str,
        key_id: &str,
        at: &str,
    ) -> Result<(), StoreError> {
        dispatch!(self.revoke_key(organization_id, key_id, at))
    }

    async fn find_key(&self, key_hash: &str) -> Result<Option<KeyOwner>, StoreError> {
        dispatch!(self.find_key(key_hash))
    }

    async fn log_trips(&self, batch: TripBatch) -> Result<Vec<LoggedTrip>, StoreError> {
        let dry_run = batch.dry_run;
        let logged = dispatch!(self.log_trips(batch))?;
        if !dry_run {
            METRICS.add_trips_logged(logged.iter().filter(|t| !t.duplicate).count() as u64);
        }
        Ok(logged)
    }

    async fn list_trips(&self, query: &TripQuery) -> Result<Vec<StoredTrip>, StoreError> {
        dispatch!(self.list_trips(query))
    }

    async fn delete_trip(
        &self,
        campaign_id: &str,
        trip_id: i64,
        scope: &TripScope,
    ) -> Result<(), StoreError> {
        dispatch!(self.delete_trip(campaign_id, trip_id, scope))
    }

    async fn rebase_campaign(&self, rebase: Rebase) -> Result<RebaseOutcome, StoreError> {
        dispatch!(self.rebase_campaign(rebase))
    }

    async fn create_invite(&self, invite: &InviteRecord) -> Result<(), StoreError> {
        dispatch!(self.create_invite(invite))
    }

    async fn invites(
        &self,
        campaign_id: &str,
        organization_id: &str,
    ) -> Result<Vec<InviteListing>, StoreError> {
        dispatch!(self.invites(campaign_id, organization_id))
    }

    async fn find_invite(&self, code_hash: &str) -> Result<Option<InviteRecord>, StoreError> {
        dispatch!(self.find_invite(code_hash))
    }

    async fn revoke_invite(
        &self,
        campaign_id: &str,
        organization_id: &str,
        reference: &str,
        at: &str,
    ) -> Result<(), StoreError> {
        dispatch!(self.revoke_invite(campaign_id, organization_id, reference, at))
    }

    async fn join(
        &self,
        code_hash: &str,
        participant: &NewParticipant,
        now: &str,
    ) -> Result<JoinOutcome, StoreError> {
        dispatch!(self.join(code_hash, participant, now))
    }

    async fn find_participant(
        &self,
        token_hash: &str,
    ) -> Result<Option<ParticipantRecord>, StoreError> {
        dispatch!(self.find_participant(token_hash))
    }

    async fn revoke_participant(
        &self,
        campaign_id: &str,
        organization_id: &str,
        participant_id: &str,
        at: &str,
    ) -> Result<(), StoreError> {
        dispatch!(self.revoke_participant(campaign_id, organization_id, participant_id, at))
    }

    async fn joined_by_invite(
        &self,
        campaign_id: &str,
        organization_id: &str,
    ) -> Result<i64, StoreError> {
        dispatch!(self.joined_by_invite(campaign_id, organization_id))
    }

    async fn update_organization(
        &self,
        organization: &OrganizationRecord,
    ) -> Result<(), StoreError> {
        dispatch!(self.update_organization(organization))
    }

    async fn create_organizer(&self, organizer: &OrganizerRecord) -> Result<(), StoreError> {
        dispatch!(self.create_organizer(organizer))
    }

    async fn get_organizer(&self, id: &str) -> Result<OrganizerRecord, StoreError> {
        dispatch!(self.get_organizer(id))
    }

    async fn list_organizers(&self) -> Result<Vec<OrganizerRecord>, StoreError> {
        dispatch!(self.list_organizers())
    }

    async fn create_organizer_key(&self, key: &OrganizerKeyRecord) -> Result<(), StoreError> {
        dispatch!(self.create_organizer_key(key))
    }

    async fn revoke_organizer_key(
        &self,
        organizer_id: &str,
        key_id: &str,
        at: &str,
    ) -> Result<(), StoreError> {
        dispatch!(self.revoke_organizer_key(organizer_id, key_id, at))
    }

    async fn find_organizer_key(
        &self,
        key_hash: &str,
    ) -> Result<Option<OrganizerKeyOwner>, StoreError> {
        dispatch!(self.find_organizer_key(key_hash))
    }

    async fn record_audit(&self, entry: &AuditEntry) -> Result<(), StoreError> {
        dispatch!(self.record_audit(entry))
    }

    async fn audit(&self, query: &AuditQuery) -> Result<Vec<AuditEntry>, StoreError> {
        dispatch!(self.audit(query))
    }

    async fn campaign_totals(&self) -> Result<Vec<CampaignTotals>, StoreError> {
        dispatch!(self.campaign_totals())
    }

    async fn public_participants(&self) -> Result<i64, StoreError> {
        dispatch!(self.public_participants())
    }

    async fn weekday_green_days(
        &self,
        campaign_id: &str,
    ) -> Result<Vec<WeekdayGreenDays>, StoreError> {
        dispatch!(self.weekday_green_days(campaign_id))
    }

    async fn standings(&self, campaign_id: &str) -> Result<Vec<Standing>, StoreError> {
        dispatch!(self.standings(campaign_id))
    }

    async fn standing(
        &self,
        campaign_id: &str,
        organization_id: &str,
    ) -> Result<Option<Standing>, StoreError> {
        dispatch!(self.standing(campaign_id, organization_id))
    }

    async fn mode_totals(
        &self,
        campaign_id: &str,
        organization_id: Option<&str>,
    ) -> Result<Vec<ModeTotals>, StoreError> {
        dispatch!(self.mode_totals(campaign_id, organization_id))
    }

    async fn day_totals(
        &self,
        campaign_id: &str,
        organization_id: Option<&str>,
    ) -> Result<Vec<DayTotals>, StoreError> {
        dispatch!(self.day_totals(campaign_id, organization_id))
    }
}
