//! The storage seam: one interface, chosen by the database URL's scheme. SQL lives only here.

mod dedup;
mod model;
mod postgres;
mod rollup;
mod sqlite;

use std::sync::Arc;

pub use model::*;
pub use postgres::PostgresStore;
pub use sqlite::SqliteStore;

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

/// Why the store could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    /// The URL names no supported backend.
    #[error("unsupported database URL `{0}`: use sqlite://PATH or postgres://…")]
    UnsupportedUrl(String),
    /// The database could not be opened or migrated.
    #[error("cannot open {url}: {source}")]
    Open {
        /// The URL, password redacted.
        url: String,
        /// Why.
        source: StoreError,
    },
}

/// The store in use.
#[derive(Clone)]
pub enum Store {
    /// The embedded SQLite file.
    Sqlite(Arc<SqliteStore>),
    /// A PostgreSQL server shared by any number of service processes.
    Postgres(Arc<PostgresStore>),
}

macro_rules! delegate {
    ($self:ident, $store:ident => $call:expr) => {
        match $self {
            Store::Sqlite($store) => $call,
            Store::Postgres($store) => $call,
        }
    };
}

impl Store {
    /// Opens the store the URL names and runs its migrations.
    pub fn open(url: &str) -> Result<Self, OpenError> {
        let redacted = crate::config::redact_url(url);
        if let Some(path) = sqlite_path(url) {
            let store = SqliteStore::open(&path).map_err(|source| OpenError::Open {
                url: redacted,
                source,
            })?;
            return Ok(Self::Sqlite(Arc::new(store)));
        }
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let store = PostgresStore::open(url).map_err(|source| OpenError::Open {
                url: redacted,
                source,
            })?;
            return Ok(Self::Postgres(Arc::new(store)));
        }
        Err(OpenError::UnsupportedUrl(redacted))
    }

    /// Answers when the database does.
    pub async fn ping(&self) -> Result<(), StoreError> {
        delegate!(self, s => s.ping().await)
    }

    /// Stores a new campaign; `Conflict` if the id is taken.
    pub async fn create_campaign(
        &self,
        campaign: CampaignRecord,
        snapshot: String,
    ) -> Result<(), StoreError> {
        delegate!(self, s => s.create_campaign(campaign, snapshot).await)
    }

    /// Every campaign, by id.
    pub async fn list_campaigns(&self) -> Result<Vec<CampaignRecord>, StoreError> {
        delegate!(self, s => s.list_campaigns().await)
    }

    /// One campaign.
    pub async fn get_campaign(&self, id: &str) -> Result<CampaignRecord, StoreError> {
        delegate!(self, s => s.get_campaign(id.to_owned()).await)
    }

    /// The campaign's factor-set snapshot (JSON of the set file).
    pub async fn campaign_snapshot(&self, id: &str) -> Result<String, StoreError> {
        delegate!(self, s => s.campaign_snapshot(id.to_owned()).await)
    }

    /// Replaces a campaign; `Conflict` if the factor set, baseline or period changes in a way
    /// the stored trips forbid.
    pub async fn update_campaign(&self, update: CampaignUpdate) -> Result<(), StoreError> {
        delegate!(self, s => s.update_campaign(update).await)
    }

    /// Stores a new organization; `Conflict` if the id is taken.
    pub async fn create_organization(
        &self,
        organization: OrganizationRecord,
    ) -> Result<(), StoreError> {
        delegate!(self, s => s.create_organization(organization).await)
    }

    /// One organization.
    pub async fn get_organization(&self, id: &str) -> Result<OrganizationRecord, StoreError> {
        delegate!(self, s => s.get_organization(id.to_owned()).await)
    }

    /// Every organization, by id.
    pub async fn list_organizations(&self) -> Result<Vec<OrganizationRecord>, StoreError> {
        delegate!(self, s => s.list_organizations().await)
    }

    /// Enrolls an organization (idempotent).
    pub async fn enroll(
        &self,
        campaign_id: &str,
        organization_id: &str,
        at: String,
    ) -> Result<(), StoreError> {
        delegate!(self, s => s.enroll(campaign_id.to_owned(), organization_id.to_owned(), at).await)
    }

    /// Whether the organization is enrolled in the campaign.
    pub async fn is_enrolled(
        &self,
        campaign_id: &str,
        organization_id: &str,
    ) -> Result<bool, StoreError> {
        delegate!(self, s => s.is_enrolled(campaign_id.to_owned(), organization_id.to_owned()).await)
    }

    /// Campaigns the organization is enrolled in.
    pub async fn enrolled_campaigns(
        &self,
        organization_id: &str,
    ) -> Result<Vec<String>, StoreError> {
        delegate!(self, s => s.enrolled_campaigns(organization_id.to_owned()).await)
    }

    /// Stores a key hash for an organization.
    pub async fn create_key(&self, key: ApiKeyRecord) -> Result<(), StoreError> {
        delegate!(self, s => s.create_key(key).await)
    }

    /// Revokes a key; `NotFound` unless it belongs to the organization.
    pub async fn revoke_key(
        &self,
        organization_id: &str,
        key_id: &str,
        at: String,
    ) -> Result<(), StoreError> {
        delegate!(self, s => s.revoke_key(organization_id.to_owned(), key_id.to_owned(), at).await)
    }

    /// The organization of an unrevoked key with that hash.
    pub async fn find_key(&self, key_hash: &str) -> Result<Option<KeyOwner>, StoreError> {
        delegate!(self, s => s.find_key(key_hash.to_owned()).await)
    }

    /// Stores a batch atomically, skipping trips whose direction is already taken.
    pub async fn log_trips(&self, batch: TripBatch) -> Result<Vec<LoggedTrip>, StoreError> {
        delegate!(self, s => s.log_trips(batch).await)
    }

    /// A page of trips in id order, after `after_id`, optionally of one organization.
    pub async fn list_trips(&self, query: TripQuery) -> Result<Vec<StoredTrip>, StoreError> {
        delegate!(self, s => s.list_trips(query).await)
    }

    /// Deletes a trip and takes it out of every aggregate; `NotFound` unless visible to `organization_id`.
    pub async fn delete_trip(
        &self,
        campaign_id: &str,
        trip_id: i64,
        organization_id: Option<&str>,
    ) -> Result<(), StoreError> {
        delegate!(self, s => s.delete_trip(campaign_id.to_owned(), trip_id, organization_id.map(str::to_owned)).await)
    }

    /// Every enrolled organization with its totals (zeros without trips).
    pub async fn standings(&self, campaign_id: &str) -> Result<Vec<Standing>, StoreError> {
        delegate!(self, s => s.standings(campaign_id.to_owned()).await)
    }

    /// Totals by main mode, for the campaign or one organization.
    pub async fn mode_totals(
        &self,
        campaign_id: &str,
        organization_id: Option<&str>,
    ) -> Result<Vec<ModeTotals>, StoreError> {
        delegate!(self, s => s.mode_totals(campaign_id.to_owned(), organization_id.map(str::to_owned)).await)
    }

    /// Totals by day, for the campaign or one organization, ascending.
    pub async fn day_totals(
        &self,
        campaign_id: &str,
        organization_id: Option<&str>,
    ) -> Result<Vec<DayTotals>, StoreError> {
        delegate!(self, s => s.day_totals(campaign_id.to_owned(), organization_id.map(str::to_owned)).await)
    }
}

/// The file path of a `sqlite:` URL (`sqlite://data/x.db` is relative, `sqlite:///abs/x.db` absolute).
fn sqlite_path(url: &str) -> Option<std::path::PathBuf> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or(rest);
    (!path.is_empty()).then(|| std::path::PathBuf::from(path))
}
