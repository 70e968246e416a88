//! The PostgreSQL store, for several service processes sharing one database. SQL and driver
//! calls only: row mapping and rules are shared with SQLite (`rows`, `rules`, `rollup`).
//!
//! Writes to one organization's trips and rollups take a transaction-scoped advisory lock on
//! (campaign, organization): batches of the same organization serialize across processes, so the
//! duplicate check and the rollup updates see each other's commits, while different organizations
//! write in parallel. Rollup rows are per organization, so no two transactions ever lock the same
//! rows in different orders, and deadlocks cannot arise; serialization failures and deadlocks are
//! still retried as a safety net.

use std::collections::HashMap;
use std::time::Duration;

use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod};
use tokio_postgres::error::SqlState;
use tokio_postgres::types::ToSql;
use tokio_postgres::{Row, Transaction};

use super::dedup::{decide, outcomes, participant_days, Decision};
use super::model::*;
use super::rebase::{self, Progress};
use super::rollup::{participant_transition, RollupDelta};
use super::rows::{self, Columns};
use super::rules::{self, check_campaign_update, StoredCalculation};
use super::tls::{Connector, PostgresTarget};
use super::{DatabaseUrl, Store, StoreError};

/// Migrations, applied in order once each, by version.
const MIGRATIONS: [(i64, &str); 4] = [
    (1, include_str!("../../migrations/postgres/0001_init.sql")),
    (
        2,
        include_str!("../../migrations/postgres/0002_participants.sql"),
    ),
    (
        3,
        include_str!("../../migrations/postgres/0003_cobenefits.sql"),
    ),
    (
        4,
        include_str!("../../migrations/postgres/0004_organizers.sql"),
    ),
];

/// Connections per process.
const POOL_SIZE: usize = 16;

/// How long a request waits for a free connection before it is answered 503.
const POOL_WAIT: Duration = Duration::from_secs(10);

/// How long opening a new connection, or checking an idle one, may take before the request is
/// answered 503 (the URL's `connect_timeout`, 5 s by default, bounds the connection itself).
const POOL_CREATE_OR_RECYCLE: Duration = Duration::from_secs(10);

/// Attempts of a transaction that failed with a serialization failure or deadlock.
const ATTEMPTS: u32 = 5;

/// Key of the session lock that serializes migrations between processes starting together.
const MIGRATION_LOCK: i64 = 0x6772_6565_6e63_6d74;

/// The PostgreSQL store.
pub struct PostgresStore {
    pool: Pool,
}

impl From<tokio_postgres::Error> for StoreError {
    fn from(error: tokio_postgres::Error) -> Self {
        let io = std::error::Error::source(&error).is_some_and(|s| s.is::<std::io::Error>());
        if error.is_closed() || io || error.code().is_some_and(is_transient) {
            StoreError::Unavailable(error.to_string())
        } else if error.code() == Some(&SqlState::CHARACTER_NOT_IN_REPERTOIRE) {
            // Text PostgreSQL cannot hold (U+0000) was never stored, so nothing matches it.
            StoreError::NotFound("no such record".into())
        } else {
            StoreError::Internal(Box::new(error))
        }
    }
}

/// Errors of the server's state, not of the request, that pass: the connection was lost or is
/// refused (class 08), the server is shutting down, restarting or starting up (57P01–57P03), or
/// out of connections, memory or disk (class 53). A later attempt may succeed: 503.
fn is_transient(code: &SqlState) -> bool {
    let code = code.code();
    code.starts_with("08") || code.starts_with("53") || matches!(code, "57P01" | "57P02" | "57P03")
}

impl From<deadpool_postgres::PoolError> for StoreError {
    fn from(error: deadpool_postgres::PoolError) -> Self {
        StoreError::Unavailable(error.to_string())
    }
}

impl Columns for Row {
    fn text(&self, index: usize) -> Result<String, StoreError> {
        Ok(self.try_get(index)?)
    }

    fn opt_text(&self, index: usize) -> Result<Option<String>, StoreError> {
        Ok(self.try_get(index)?)
    }

    fn int(&self, index: usize) -> Result<i64, StoreError> {
        Ok(self.try_get(index)?)
    }

    fn opt_int(&self, index: usize) -> Result<Option<i64>, StoreError> {
        Ok(self.try_get(index)?)
    }

    fn boolean(&self, index: usize) -> Result<bool, StoreError> {
        Ok(self.try_get(index)?)
    }
}

fn is_retryable(error: &StoreError) -> bool {
    match error {
        StoreError::Internal(cause) => cause
            .downcast_ref::<tokio_postgres::Error>()
            .and_then(|e| e.code())
            .is_some_and(|code| {
                *code == SqlState::T_R_SERIALIZATION_FAILURE
                    || *code == SqlState::T_R_DEADLOCK_DETECTED
            }),
        _ => false,
    }
}

fn is_unique_violation(error: &tokio_postgres::Error) -> bool {
    error.code() == Some(&SqlState::UNIQUE_VIOLATION)
}

/// An insert's outcome, with a taken key reported as a conflict described by `message`.
fn conflict_if_taken(
    inserted: Result<u64, tokio_postgres::Error>,
    message: impl FnOnce() -> String,
) -> Result<(), StoreError> {
    match inserted {
        Ok(_) => Ok(()),
        Err(e) if is_unique_violation(&e) => Err(StoreError::Conflict(message())),
        Err(e) => Err(e.into()),
    }
}

impl PostgresStore {
    /// Connects, runs pending migrations (on a runtime of its own, so that opening works from
    /// synchronous start-up code) and returns a pool for serving. Both use the TLS settings of
    /// the URL (`sslmode`, `sslrootcert`: see `tls.rs`).
    pub fn open(url: &DatabaseUrl) -> Result<Self, StoreError> {
        let PostgresTarget { config, connector } =
            PostgresTarget::parse(url).map_err(StoreError::Unavailable)?;
        let (migrate_config, migrate_connector) = (config.clone(), connector.clone());
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| StoreError::Internal(Box::new(e)))?;
            runtime.block_on(migrate(migrate_config, migrate_connector))
        })
        .join()
        .map_err(|_| StoreError::internal("the migration thread panicked"))??;
        // Fast recycling checks only that the connection is open: a connection the server closed
        // (a restart) is found closed and replaced; one that breaks under a query answers 503
        // once (see `From<tokio_postgres::Error>`) and is dropped on its return.
        let manager = Manager::from_connect(
            config,
            connector,
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(POOL_SIZE)
            .wait_timeout(Some(POOL_WAIT))
            .create_timeout(Some(POOL_CREATE_OR_RECYCLE))
            .recycle_timeout(Some(POOL_CREATE_OR_RECYCLE))
            .runtime(deadpool_postgres::Runtime::Tokio1)
            .build()
            .map_err(|e| StoreError::internal(format!("cannot build the connection pool: {e}")))?;
        Ok(Self { pool })
    }

    async fn client(&self) -> Result<deadpool_postgres::Object, StoreError> {
        Ok(self.pool.get().await?)
    }

    /// Every row of a (prepared, cached) query, mapped with a shared mapper.
    async fn query<T>(
        &self,
        sql: &str,
        params: &[&(dyn ToSql + Sync)],
        map: impl Fn(&Row) -> Result<T, StoreError>,
    ) -> Result<Vec<T>, StoreError> {
        let client = self.client().await?;
        let statement = client.prepare_cached(sql).await?;
        client
            .query(&statement, params)
            .await?
            .iter()
            .map(map)
            .collect()
    }

    /// The one row of a (prepared, cached) query, if any, mapped with a shared mapper.
    async fn query_opt<T>(
        &self,
        sql: &str,
        params: &[&(dyn ToSql + Sync)],
        map: impl Fn(&Row) -> Result<T, StoreError>,
    ) -> Result<Option<T>, StoreError> {
        let client = self.client().await?;
        let statement = client.prepare_cached(sql).await?;
        client
            .query_opt(&statement, params)
            .await?
            .as_ref()
            .map(map)
            .transpose()
    }

    /// The record with that id in `table`, or `NotFound` naming its `kind`.
    async fn by_id<T>(
        &self,
        (table, columns, kind): rows::Table,
        id: &str,
        map: impl Fn(&Row) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let sql = rows::select((table, columns, kind), Some("$1"));
        self.query_opt(&sql, &[&id], map)
            .await?
            .ok_or_else(|| rows::not_found(kind, id))
    }

    /// Runs one statement; the number of rows it changed.
    async fn execute(&self, sql: &str, params: &[&(dyn ToSql + Sync)]) -> Result<u64, StoreError> {
        Ok(self.client().await?.execute(sql, params).await?)
    }

    /// Inserts one record; a taken key is a conflict described by `taken`.
    async fn insert(
        &self,
        sql: &str,
        params: &[&(dyn ToSql + Sync)],
        taken: impl FnOnce() -> String,
    ) -> Result<(), StoreError> {
        let client = self.client().await?;
        conflict_if_taken(client.execute(sql, params).await, taken)
    }

    /// A breakdown of a rollup table (see [`rows::breakdown_query`]).
    async fn breakdown(
        &self,
        table: &str,
        column: &str,
        campaign_id: &str,
        organization_id: Option<&str>,
    ) -> Result<Vec<(String, Totals)>, StoreError> {
        let sql = rows::breakdown_query(table, column, ("$1", "$2::text"));
        self.query(&sql, &[&campaign_id, &organization_id], rows::breakdown)
            .await
    }
}

impl Store for PostgresStore {
    async fn ping(&self) -> Result<(), StoreError> {
        self.client().await?.query_one("SELECT 1", &[]).await?;
        Ok(())
    }

    async fn create_campaign(&self, c: &CampaignRecord, snapshot: &str) -> Result<(), StoreError> {
        self.insert(
            "INSERT INTO campaigns (id, name, description, region, time_zone, starts_on, ends_on,
                 factor_set_id, factor_set_version, factor_set_json, baseline_mode, public,
                 created_at, updated_at, revision, organizer_id, workdays)
             VALUES ($1, $2, $3, $4, $5, $6::text::date, $7::text::date, $8, $9, $10, $11, $12, $13, $14, 1,
                 $15, $16)",
            &[
                &c.id,
                &c.name,
                &c.description,
                &c.region,
                &c.time_zone,
                &c.starts_on.to_string(),
                &c.ends_on.to_string(),
                &c.factor_set_id,
                &c.factor_set_version,
                &snapshot,
                &c.baseline_mode,
                &c.public,
                &c.created_at,
                &c.updated_at,
                &c.organizer_id,
                &c.workdays.to_stored(),
            ],
            || format!("a campaign with id `{}` already exists", c.id),
        )
        .await
    }

    async fn list_campaigns(&self) -> Result<Vec<CampaignRecord>, StoreError> {
        let sql = rows::select(rows::CAMPAIGNS, None);
        self.query(&sql, &[], rows::campaign).await
    }

    async fn get_campaign(&self, id: &str) -> Result<CampaignRecord, StoreError> {
        self.by_id(rows::CAMPAIGNS, id, rows::campaign).await
    }

    async fn campaign_snapshot(&self, id: &str) -> Result<String, StoreError> {
        let (table, _, kind) = rows::CAMPAIGNS;
        self.by_id((table, "factor_set_json", kind), id, |r| r.text(0))
            .await
    }

    async fn update_campaign(&self, update: &CampaignUpdate) -> Result<(), StoreError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let c = &update.campaign;
        let stored = tx
            .query_opt(
                "SELECT revision, factor_set_id, factor_set_version, baseline_mode
                 FROM campaigns WHERE id = $1 FOR UPDATE",
                &[&c.id],
            )
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("no campaign `{}`", c.id)))?;
        let stored = StoredCalculation {
            revision: stored.int(0)?,
            factor_set_id: stored.text(1)?,
            factor_set_version: stored.text(2)?,
            baseline_mode: stored.text(3)?,
        };
        let has_trips = tx
            .query_one(
                "SELECT EXISTS (SELECT 1 FROM org_totals WHERE campaign_id = $1 AND trips > 0)",
                &[&c.id],
            )
            .await?
            .boolean(0)?;
        let outside = tx
            .query_one(
                "SELECT EXISTS (SELECT 1 FROM org_day_totals
                   WHERE campaign_id = $1 AND trips > 0 AND (date < $2::text::date OR date > $3::text::date))",
                &[&c.id, &c.starts_on.to_string(), &c.ends_on.to_string()],
            )
            .await?
            .boolean(0)?;
        check_campaign_update(&stored, update, has_trips, outside)?;
        tx.execute(
            "UPDATE campaigns SET name = $2, description = $3, region = $4, time_zone = $5,
                 starts_on = $6::text::date, ends_on = $7::text::date, factor_set_id = $8,
                 factor_set_version = $9, factor_set_json = COALESCE($10, factor_set_json),
                 baseline_mode = $11, public = $12, updated_at = $13, revision = revision + 1,
                 workdays = $14
             WHERE id = $1",
            &[
                &c.id,
                &c.name,
                &c.description,
                &c.region,
                &c.time_zone,
                &c.starts_on.to_string(),
                &c.ends_on.to_string(),
                &c.factor_set_id,
                &c.factor_set_version,
                &update.snapshot,
                &c.baseline_mode,
                &c.public,
                &c.updated_at,
                &c.workdays.to_stored(),
            ],
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn create_organization(&self, o: &OrganizationRecord) -> Result<(), StoreError> {
        self.insert(
            "INSERT INTO organizations (id, name, kind, city, headcount, created_at, created_by)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
            &[
                &o.id,
                &o.name,
                &o.kind.as_str(),
                &o.city,
                &o.headcount,
                &o.created_at,
                &o.created_by,
            ],
            || format!("an organization with id `{}` already exists", o.id),
        )
        .await
    }

    async fn get_organization(&self, id: &str) -> Result<OrganizationRecord, StoreError> {
        self.by_id(rows::ORGANIZATIONS, id, rows::organization)
            .await
    }

    async fn list_organizations(&self) -> Result<Vec<OrganizationRecord>, StoreError> {
        let sql = rows::select(rows::ORGANIZATIONS, None);
        self.query(&sql, &[], rows::organization).await
    }

    async fn enroll(
        &self,
        campaign_id: &str,
        organization_id: &str,
        at: &str,
    ) -> Result<(), StoreError> {
        self.execute(
            "INSERT INTO enrollments (campaign_id, organization_id, enrolled_at) VALUES ($1, $2, $3)
             ON CONFLICT DO NOTHING",
            &[&campaign_id, &organization_id, &at],
        )
        .await?;
        Ok(())
    }

    async fn is_enrolled(
        &self,
        campaign_id: &str,
        organization_id: &str,
    ) -> Result<bool, StoreError> {
        let found = self
            .query_opt(
                "SELECT EXISTS (SELECT 1 FROM enrollments WHERE campaign_id = $1 AND organization_id = $2)",
                &[&campaign_id, &organization_id],
                |row| row.boolean(0),
            )
            .await?;
        Ok(found.unwrap_or(false))
    }

    async fn enrolled_campaigns(&self, organization_id: &str) -> Result<Vec<String>, StoreError> {
        self.query(
            "SELECT campaign_id FROM enrollments WHERE organization_id = $1 ORDER BY campaign_id",
            &[&organization_id],
            |row| row.text(0),
        )
        .await
    }

    async fn create_key(&self, key: &ApiKeyRecord) -> Result<(), StoreError> {
        self.execute(
            "INSERT INTO api_keys (id, organization_id, key_hash, created_at) VALUES ($1, $2, $3, $4)",
            &[&key.id, &key.organization_id, &key.key_hash, &key.created_at],
        )
        .await?;
        Ok(())
    }

    async fn revoke_key(
        &self,
        organization_id: &str,
        key_id: &str,
        at: &str,
    ) -> Result<(), StoreError> {
        let changed = self
            .execute(
                "UPDATE api_keys SET revoked_at = COALESCE(revoked_at, $3) WHERE id = $1 AND organization_id = $2",
                &[&key_id, &organization_id, &at],
            )
            .await?;
        if changed == 0 {
            return Err(StoreError::NotFound(format!(
                "organization `{organization_id}` has no key `{key_id}`"
            )));
        }
        Ok(())
    }

    async fn find_key(&self, key_hash: &str) -> Result<Option<KeyOwner>, StoreError> {
        self.query_opt(
            "SELECT id, organization_id FROM api_keys WHERE key_hash = $1 AND revoked_at IS NULL",
            &[&key_hash],
            |row| {
                Ok(KeyOwner {
                    key_id: row.text(0)?,
                    organization_id: row.text(1)?,
                })
            },
        )
        .await
    }

    async fn log_trips(&self, batch: TripBatch) -> Result<Vec<LoggedTrip>, StoreError> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            let mut client = self.client().await?;
            match log_trips(&mut client, &batch).await {
                Err(error) if attempt < ATTEMPTS && is_retryable(&error) => {
                    tracing::warn!(attempt, "retrying a trip batch after a transient conflict");
                }
                other => break other,
            }
        }
    }

    async fn list_trips(&self, query: &TripQuery) -> Result<Vec<StoredTrip>, StoreError> {
        let sql = format!(
            "SELECT {} FROM trips WHERE campaign_id = $1 AND ($2::text IS NULL OR organization_id = $2)
                 AND ($5::text IS NULL OR participant = $5) AND id > $3
             ORDER BY id LIMIT $4",
            rows::TRIP_COLUMNS
        );
        let (organization_id, participant) = query.scope.filters();
        self.query(
            &sql,
            &[
                &query.campaign_id,
                &organization_id,
                &query.after_id,
                &i64::from(query.limit),
                &participant,
            ],
            rows::trip,
        )
        .await
    }

    async fn delete_trip(
        &self,
        campaign_id: &str,
        trip_id: i64,
        scope: &TripScope,
    ) -> Result<(), StoreError> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            let mut client = self.client().await?;
            match delete_trip(&mut client, campaign_id, trip_id, scope).await {
                Err(error) if attempt < ATTEMPTS && is_retryable(&error) => {}
                other => break other,
            }
        }
    }

    async fn rebase_campaign(&self, rebase: Rebase) -> Result<RebaseOutcome, StoreError> {
        let mut client = self.client().await?;
        rebase_campaign(&mut client, rebase).await
    }

    async fn create_invite(&self, invite: &InviteRecord) -> Result<(), StoreError> {
        self.insert(
            &format!(
                "INSERT INTO invites ({}, seq) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9,
                     (SELECT COALESCE(MAX(seq), 0) + 1 FROM invites))",
                rows::INVITE_COLUMNS
            ),
            &[
                &invite.id,
                &invite.campaign_id,
                &invite.organization_id,
                &invite.code_hash,
                &invite.code_hint,
                &invite.created_at,
                &invite.expires_at,
                &invite.max_participants,
                &invite.revoked_at,
            ],
            || format!("invite `{}` exists", invite.id),
        )
        .await
    }

    async fn invites(
        &self,
        campaign_id: &str,
        organization_id: &str,
    ) -> Result<Vec<InviteListing>, StoreError> {
        self.query(
            &rows::invite_listing_query("$1", "$2"),
            &[&campaign_id, &organization_id],
            rows::invite_listing,
        )
        .await
    }

    async fn find_invite(&self, code_hash: &str) -> Result<Option<InviteRecord>, StoreError> {
        let sql = format!(
            "SELECT {} FROM invites WHERE code_hash = $1",
            rows::INVITE_COLUMNS
        );
        self.query_opt(&sql, &[&code_hash], rows::invite).await
    }

    async fn revoke_invite(
        &self,
        campaign_id: &str,
        organization_id: &str,
        reference: &str,
        at: &str,
    ) -> Result<(), StoreError> {
        let changed = self
            .execute(
                "UPDATE invites SET revoked_at = COALESCE(revoked_at, $4)
                 WHERE campaign_id = $1 AND organization_id = $2 AND (id = $3 OR code_hash = $3)",
                &[&campaign_id, &organization_id, &reference, &at],
            )
            .await?;
        if changed == 0 {
            return Err(rows::no_invite(organization_id, campaign_id));
        }
        Ok(())
    }

    async fn join(
        &self,
        code_hash: &str,
        participant: &NewParticipant,
        now: &str,
    ) -> Result<JoinOutcome, StoreError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        // The invite's row lock serializes joins on it across processes, so its maximum holds.
        let sql = format!(
            "SELECT {} FROM invites WHERE code_hash = $1 FOR UPDATE",
            rows::INVITE_COLUMNS
        );
        let Some(row) = tx.query_opt(&sql, &[&code_hash]).await? else {
            return Ok(JoinOutcome::Unknown);
        };
        let invite = rows::invite(&row)?;
        let joined: i64 = tx
            .query_one(
                "SELECT COUNT(*) FROM joined_participants WHERE invite_id = $1",
                &[&invite.id],
            )
            .await?
            .try_get(0)?;
        if let Some(refusal) = rules::join_refusal(&invite, joined, now) {
            return Ok(refusal);
        }
        let inserted = tx
            .execute(
                "INSERT INTO joined_participants (id, campaign_id, organization_id, invite_id, token_hash, nickname, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
                &[
                    &participant.id,
                    &invite.campaign_id,
                    &invite.organization_id,
                    &invite.id,
                    &participant.token_hash,
                    &participant.nickname,
                    &participant.created_at,
                ],
            )
            .await;
        conflict_if_taken(inserted, || {
            format!("participant `{}` exists", participant.id)
        })?;
        tx.commit().await?;
        Ok(JoinOutcome::Joined(Box::new(invite)))
    }

    async fn find_participant(
        &self,
        token_hash: &str,
    ) -> Result<Option<ParticipantRecord>, StoreError> {
        let sql = format!(
            "SELECT {} FROM joined_participants WHERE token_hash = $1 AND revoked_at IS NULL",
            rows::PARTICIPANT_COLUMNS
        );
        self.query_opt(&sql, &[&token_hash], rows::participant)
            .await
    }

    async fn revoke_participant(
        &self,
        campaign_id: &str,
        organization_id: &str,
        participant_id: &str,
        at: &str,
    ) -> Result<(), StoreError> {
        let changed = self
            .execute(
                "UPDATE joined_participants SET revoked_at = COALESCE(revoked_at, $4)
                 WHERE campaign_id = $1 AND organization_id = $2 AND id = $3",
                &[&campaign_id, &organization_id, &participant_id, &at],
            )
            .await?;
        if changed == 0 {
            return Err(rows::no_participant(organization_id, participant_id));
        }
        Ok(())
    }

    async fn joined_by_invite(
        &self,
        campaign_id: &str,
        organization_id: &str,
    ) -> Result<i64, StoreError> {
        let counted = self
            .query_opt(
                "SELECT COUNT(*) FROM joined_participants WHERE campaign_id = $1 AND organization_id = $2",
                &[&campaign_id, &organization_id],
                |row| row.int(0),
            )
            .await?;
        Ok(counted.unwrap_or(0))
    }

    async fn update_organization(&self, o: &OrganizationRecord) -> Result<(), StoreError> {
        let changed = self
            .execute(
                "UPDATE organizations SET name = $2, kind = $3, city = $4, headcount = $5 WHERE id = $1",
                &[&o.id, &o.name, &o.kind.as_str(), &o.city, &o.headcount],
            )
            .await?;
        if changed == 0 {
            return Err(rows::not_found("organization", &o.id));
        }
        Ok(())
    }

    async fn create_organizer(&self, o: &OrganizerRecord) -> Result<(), StoreError> {
        self.insert(
            "INSERT INTO organizers (id, name, city, created_at) VALUES ($1, $2, $3, $4)",
            &[&o.id, &o.name, &o.city, &o.created_at],
            || format!("an organizer with id `{}` already exists", o.id),
        )
        .await
    }

    async fn get_organizer(&self, id: &str) -> Result<OrganizerRecord, StoreError> {
        self.by_id(rows::ORGANIZERS, id, rows::organizer).await
    }

    async fn list_organizers(&self) -> Result<Vec<OrganizerRecord>, StoreError> {
        let sql = rows::select(rows::ORGANIZERS, None);
        self.query(&sql, &[], rows::organizer).await
    }

    async fn create_organizer_key(&self, key: &OrganizerKeyRecord) -> Result<(), StoreError> {
        self.execute(
            "INSERT INTO organizer_keys (id, organizer_id, key_hash, created_at) VALUES ($1, $2, $3, $4)",
            &[&key.id, &key.organizer_id, &key.key_hash, &key.created_at],
        )
        .await?;
        Ok(())
    }

    async fn revoke_organizer_key(
        &self,
        organizer_id: &str,
        key_id: &str,
        at: &str,
    ) -> Result<(), StoreError> {
        let changed = self
            .execute(
                "UPDATE organizer_keys SET revoked_at = COALESCE(revoked_at, $3) WHERE id = $1 AND organizer_id = $2",
                &[&key_id, &organizer_id, &at],
            )
            .await?;
        if changed == 0 {
            return Err(StoreError::NotFound(format!(
                "organizer `{organizer_id}` has no key `{key_id}`"
            )));
        }
        Ok(())
    }

    async fn find_organizer_key(
        &self,
        key_hash: &str,
    ) -> Result<Option<OrganizerKeyOwner>, StoreError> {
        self.query_opt(
            "SELECT id, organizer_id FROM organizer_keys WHERE key_hash = $1 AND revoked_at IS NULL",
            &[&key_hash],
            |row| {
                Ok(OrganizerKeyOwner {
                    key_id: row.text(0)?,
                    organizer_id: row.text(1)?,
                })
            },
        )
        .await
    }

    async fn record_audit(&self, e: &AuditEntry) -> Result<(), StoreError> {
        self.execute(INSERT_AUDIT, &audit_params(e)).await?;
        Ok(())
    }

    async fn audit(&self, query: &AuditQuery) -> Result<Vec<AuditEntry>, StoreError> {
        let sql = format!(
            "SELECT {} FROM audit_log WHERE ($1::text IS NULL OR campaign_id = $1) AND seq > $2
                 AND ($4::text IS NULL OR action = $4)
             ORDER BY seq LIMIT $3",
            rows::AUDIT_COLUMNS
        );
        self.query(
            &sql,
            &[
                &query.campaign_id,
                &query.after_seq,
                &i64::from(query.limit),
                &query.action,
            ],
            rows::audit_entry,
        )
        .await
    }

    async fn weekday_green_days(
        &self,
        campaign_id: &str,
    ) -> Result<Vec<WeekdayGreenDays>, StoreError> {
        self.query(
            &rows::weekday_green_days_query("$1"),
            &[&campaign_id],
            rows::weekday_green_days,
        )
        .await
    }

    async fn campaign_totals(&self) -> Result<Vec<CampaignTotals>, StoreError> {
        self.query(rows::CAMPAIGN_TOTALS_QUERY, &[], rows::campaign_totals)
            .await
    }

    async fn public_participants(&self) -> Result<i64, StoreError> {
        let client = self.client().await?;
        let statement = client
            .prepare_cached(rows::PUBLIC_PARTICIPANTS_QUERY)
            .await?;
        Ok(client.query_one(&statement, &[]).await?.try_get(0)?)
    }

    async fn standings(&self, campaign_id: &str) -> Result<Vec<Standing>, StoreError> {
        let sql = format!(
            "{} WHERE e.campaign_id = $1 ORDER BY o.id",
            rows::STANDINGS_SELECT
        );
        self.query(&sql, &[&campaign_id], rows::standing).await
    }

    async fn standing(
        &self,
        campaign_id: &str,
        organization_id: &str,
    ) -> Result<Option<Standing>, StoreError> {
        let sql = format!(
            "{} WHERE e.campaign_id = $1 AND e.organization_id = $2",
            rows::STANDINGS_SELECT
        );
        self.query_opt(&sql, &[&campaign_id, &organization_id], rows::standing)
            .await
    }

    async fn mode_totals(
        &self,
        campaign_id: &str,
        organization_id: Option<&str>,
    ) -> Result<Vec<ModeTotals>, StoreError> {
        let rows = self
            .breakdown("org_mode_totals", "mode", campaign_id, organization_id)
            .await?;
        Ok(rows::mode_totals(rows))
    }

    async fn day_totals(
        &self,
        campaign_id: &str,
        organization_id: Option<&str>,
    ) -> Result<Vec<DayTotals>, StoreError> {
        let rows = self
            .breakdown("org_day_totals", "date", campaign_id, organization_id)
            .await?;
        rows::day_totals(rows)
    }
}

async fn migrate(config: tokio_postgres::Config, connector: Connector) -> Result<(), StoreError> {
    // Whatever keeps the first connection from being made is said in full at start-up: a
    // refused certificate, a pg_hba.conf that wants TLS, a wrong password.
    let (mut client, driver) = connector.connect(&config).await.map_err(|e| {
        StoreError::Unavailable(format!(
            "cannot connect (sslmode={}): {}",
            connector.mode(),
            super::error_chain(&e)
        ))
    })?;
    client
        .batch_execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, applied_at TEXT NOT NULL)",
        )
        .await
        .or_else(|e| if is_unique_violation(&e) { Ok(()) } else { Err(e) })?;
    client
        .execute("SELECT pg_advisory_lock($1)", &[&MIGRATION_LOCK])
        .await?;
    let result = async {
        for (version, sql) in MIGRATIONS {
            let tx = client.transaction().await?;
            let applied: bool = tx
                .query_one(
                    "SELECT EXISTS (SELECT 1 FROM schema_migrations WHERE version = $1)",
                    &[&version],
                )
                .await?
                .get(0);
            if !applied {
                tx.batch_execute(sql).await?;
                tx.execute(
                    "INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)",
                    &[&version, &jiff::Timestamp::now().to_string()],
                )
                .await?;
            }
            tx.commit().await?;
        }
        Ok::<(), StoreError>(())
    }
    .await;
    client
        .execute("SELECT pg_advisory_unlock($1)", &[&MIGRATION_LOCK])
        .await?;
    drop(client);
    let _ = driver.await;
    result
}

/// Appends an audit entry, with the parameters of [`audit_params`].
const INSERT_AUDIT: &str =
    "INSERT INTO audit_log (at, actor, actor_id, key_id, action, campaign_id, subject, detail)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";

fn audit_params(e: &AuditEntry) -> [&(dyn ToSql + Sync); 8] {
    [
        &e.at,
        &e.actor,
        &e.actor_id,
        &e.key_id,
        &e.action,
        &e.campaign_id,
        &e.subject,
        &e.detail,
    ]
}

/// Holds the campaign's row against a rebase for the rest of the transaction (a rebase takes it
/// `FOR UPDATE`, which waits for every holder), and reads the set its trips are computed with.
/// Taken before any other lock, so that it never waits while holding one.
async fn hold_campaign(tx: &Transaction<'_>, campaign_id: &str) -> Result<SetVersion, StoreError> {
    let row = tx
        .query_opt(
            "SELECT factor_set_id, factor_set_version FROM campaigns WHERE id = $1 FOR KEY SHARE",
            &[&campaign_id],
        )
        .await?
        .ok_or_else(|| rows::not_found("campaign", campaign_id))?;
    Ok(SetVersion {
        id: row.text(0)?,
        version: row.text(1)?,
    })
}

/// The whole rebase holds the campaign's row `FOR UPDATE`: trip writes of the campaign (which
/// hold it `FOR KEY SHARE`) wait for it and then find the new set, and it waits for those in
/// flight, whose trips it then reads.
async fn rebase_campaign(
    client: &mut deadpool_postgres::Object,
    rebase: Rebase,
) -> Result<RebaseOutcome, StoreError> {
    let tx = client.transaction().await?;
    let campaign_id = rebase.campaign_id.as_str();
    let revision = tx
        .query_opt(
            "SELECT revision FROM campaigns WHERE id = $1 FOR UPDATE",
            &[&campaign_id],
        )
        .await?
        .ok_or_else(|| rows::not_found("campaign", campaign_id))?
        .int(0)?;
    rules::check_rebase_revision(revision, rebase.expected_revision)?;
    let totals_sql = rebase::totals_query("$1");
    let before = rows::totals(&tx.query_one(&totals_sql, &[&campaign_id]).await?, 0)?;
    let page = tx.prepare(&rebase::page_query("$1", "$2", "$3")).await?;
    let mut progress = Progress::new(rebase.list_at_most);
    let mut after_id = 0i64;
    loop {
        let trips = tx
            .query(&page, &[&campaign_id, &after_id, &rebase::PAGE])
            .await?
            .iter()
            .map(rows::trip)
            .collect::<Result<Vec<_>, StoreError>>()?;
        let Some(last) = trips.last() else { break };
        after_id = last.id;
        let rewritten = progress.page(&rebase.recompute, &trips);
        if rewritten.is_empty() {
            continue;
        }
        let mut ids = Vec::with_capacity(rewritten.len());
        let mut columns = NewTripColumns::default();
        for (id, trip) in &rewritten {
            ids.push(*id);
            columns.push(trip, String::new());
        }
        tx.execute(
            "UPDATE trips t SET main_mode = u.m, distance_m = u.dist, co2e_g = u.c,
                 baseline_co2e_g = u.b, savings_g = u.s, detail = u.det, active_minutes = u.am,
                 nox_mg = u.nox, pm25_mg = u.pm, baseline_nox_mg = u.bnox,
                 baseline_pm25_mg = u.bpm, nox_saved_mg = u.snox, pm25_saved_mg = u.spm,
                 air_complete = u.complete
             FROM UNNEST($1::int8[], $2::text[], $3::int8[], $4::int8[], $5::int8[], $6::int8[],
                         $7::text[], $8::int8[], $9::int8[], $10::int8[], $11::int8[],
                         $12::int8[], $13::int8[], $14::int8[], $15::bool[])
                  AS u(id, m, dist, c, b, s, det, am, nox, pm, bnox, bpm, snox, spm, complete)
             WHERE t.id = u.id",
            &[
                &ids,
                &columns.main_mode,
                &columns.distance_m,
                &columns.co2e_g,
                &columns.baseline_co2e_g,
                &columns.savings_g,
                &columns.detail,
                &columns.active_minutes,
                &columns.nox_mg,
                &columns.pm25_mg,
                &columns.baseline_nox_mg,
                &columns.baseline_pm25_mg,
                &columns.nox_saved_mg,
                &columns.pm25_saved_mg,
                &columns.air_complete,
            ],
        )
        .await?;
    }
    if let Some(refusal) = progress.refusal() {
        tx.rollback().await?;
        return Ok(refusal);
    }
    let weekday = |date: &str| format!("CAST(EXTRACT(ISODOW FROM {date}) AS BIGINT)");
    for statement in rebase::rebuild_statements("$1", weekday) {
        tx.execute(&statement, &[&campaign_id]).await?;
    }
    tx.execute(
        "UPDATE campaigns SET factor_set_id = $2, factor_set_version = $3, factor_set_json = $4,
             updated_at = $5, revision = revision + 1
         WHERE id = $1",
        &[
            &campaign_id,
            &rebase.to.id,
            &rebase.to.version,
            &rebase.snapshot,
            &rebase.updated_at,
        ],
    )
    .await?;
    let after = rows::totals(&tx.query_one(&totals_sql, &[&campaign_id]).await?, 0)?;
    let entry = (rebase.audit)(&before, &after);
    tx.execute(INSERT_AUDIT, &audit_params(&entry)).await?;
    tx.commit().await?;
    Ok(RebaseOutcome::Rebased { before, after })
}

/// Serializes writers of one organization's trips in one campaign, across processes.
async fn lock_organization(
    tx: &Transaction<'_>,
    campaign_id: &str,
    organization_id: &str,
) -> Result<(), StoreError> {
    tx.execute(
        "SELECT pg_advisory_xact_lock(hashtext($1), hashtext($2))",
        &[&campaign_id, &organization_id],
    )
    .await?;
    Ok(())
}

async fn log_trips(
    client: &mut deadpool_postgres::Object,
    batch: &TripBatch,
) -> Result<Vec<LoggedTrip>, StoreError> {
    let tx = client.transaction().await?;
    let current = hold_campaign(&tx, &batch.campaign_id).await?;
    rules::check_computed_with(batch, &current)?;
    lock_organization(&tx, &batch.campaign_id, &batch.organization_id).await?;

    let keys = participant_days(&batch.trips);
    let (key_participants, key_dates): (Vec<String>, Vec<String>) =
        keys.into_iter().map(|(p, d)| (p, d.to_string())).unzip();
    let sql = format!(
        "SELECT {} FROM trips
         JOIN UNNEST($3::text[], $4::text[]) AS k(p, d) ON participant = k.p AND date = k.d::date
         WHERE campaign_id = $1 AND organization_id = $2",
        rows::OCCUPANT_COLUMNS
    );
    let stored = tx
        .query(
            &sql,
            &[
                &batch.campaign_id,
                &batch.organization_id,
                &key_participants,
                &key_dates,
            ],
        )
        .await?
        .iter()
        .map(rows::occupant)
        .collect::<Result<Vec<_>, StoreError>>()?;
    let decisions = decide(&batch.trips, stored);

    let mut columns = NewTripColumns::default();
    let mut delta = RollupDelta::default();
    let mut index_of: HashMap<(String, String, &'static str), usize> = HashMap::new();
    for (index, trip) in batch.trips.iter().enumerate() {
        if decisions[index] != Decision::New {
            continue;
        }
        let date = trip.date.to_string();
        delta.apply(trip.participant.as_str(), &date, &trip.figures, 1);
        index_of.insert(
            (
                trip.participant.as_str().to_owned(),
                date.clone(),
                trip.direction.as_str(),
            ),
            index,
        );
        columns.push(trip, date);
    }
    let mut new_ids = HashMap::new();
    if !columns.participant.is_empty() {
        let rows = tx
            .query(
                "INSERT INTO trips (campaign_id, organization_id, participant, date, direction, main_mode,
                     distance_m, co2e_g, baseline_co2e_g, savings_g, detail, created_at,
                     active_minutes, nox_mg, pm25_mg, baseline_nox_mg, baseline_pm25_mg,
                     nox_saved_mg, pm25_saved_mg, air_complete)
                 SELECT $1, $2, u.p, u.d::date, u.dir, u.m, u.dist, u.c, u.b, u.s, u.det, $12,
                     u.am, u.nox, u.pm, u.bnox, u.bpm, u.snox, u.spm, u.complete
                 FROM UNNEST($3::text[], $4::text[], $5::text[], $6::text[], $7::int8[], $8::int8[],
                             $9::int8[], $10::int8[], $11::text[], $13::int8[], $14::int8[],
                             $15::int8[], $16::int8[], $17::int8[], $18::int8[], $19::int8[],
                             $20::bool[])
                      AS u(p, d, dir, m, dist, c, b, s, det, am, nox, pm, bnox, bpm, snox, spm, complete)
                 RETURNING id, participant, date::text, direction",
                &[
                    &batch.campaign_id,
                    &batch.organization_id,
                    &columns.participant,
                    &columns.date,
                    &columns.direction,
                    &columns.main_mode,
                    &columns.distance_m,
                    &columns.co2e_g,
                    &columns.baseline_co2e_g,
                    &columns.savings_g,
                    &columns.detail,
                    &batch.created_at,
                    &columns.active_minutes,
                    &columns.nox_mg,
                    &columns.pm25_mg,
                    &columns.baseline_nox_mg,
                    &columns.baseline_pm25_mg,
                    &columns.nox_saved_mg,
                    &columns.pm25_saved_mg,
                    &columns.air_complete,
                ],
            )
            .await?;
        for row in &rows {
            let key = (row.text(1)?, row.text(2)?, row.direction(3)?.as_str());
            let index = index_of
                .get(&key)
                .ok_or_else(|| StoreError::internal("an inserted trip does not match the batch"))?;
            new_ids.insert(*index, row.int(0)?);
        }
    }
    apply_rollups(&tx, &batch.campaign_id, &batch.organization_id, &delta).await?;
    if batch.dry_run {
        // Everything ran, as a real batch would; rolling back undoes it.
        tx.rollback().await?;
        return Ok(outcomes(&batch.trips, decisions, &HashMap::new()));
    }
    tx.commit().await?;
    Ok(outcomes(&batch.trips, decisions, &new_ids))
}

/// The new trips of a batch as column arrays, for one `INSERT … SELECT FROM UNNEST`.
#[derive(Default)]
struct NewTripColumns {
    participant: Vec<String>,
    date: Vec<String>,
    direction: Vec<&'static str>,
    main_mode: Vec<String>,
    distance_m: Vec<i64>,
    co2e_g: Vec<i64>,
    baseline_co2e_g: Vec<i64>,
    savings_g: Vec<i64>,
    detail: Vec<String>,
    active_minutes: Vec<i64>,
    nox_mg: Vec<i64>,
    pm25_mg: Vec<i64>,
    baseline_nox_mg: Vec<i64>,
    baseline_pm25_mg: Vec<i64>,
    nox_saved_mg: Vec<i64>,
    pm25_saved_mg: Vec<i64>,
    air_complete: Vec<bool>,
}

impl NewTripColumns {
    fn push(&mut self, trip: &crate::domain::trip::ComputedTrip, date: String) {
        self.participant.push(trip.participant.as_str().to_owned());
        self.date.push(date);
        self.direction.push(trip.direction.as_str());
        let figures = &trip.figures;
        self.main_mode.push(figures.main_mode.clone());
        self.distance_m.push(figures.distance_m);
        self.co2e_g.push(figures.co2e_g);
        self.baseline_co2e_g.push(figures.baseline_co2e_g);
        self.savings_g.push(figures.savings_g);
        self.detail.push(trip.detail.clone());
        let co = &figures.co_benefits;
        self.active_minutes.push(co.active_minutes);
        self.nox_mg.push(co.air.nox_mg);
        self.pm25_mg.push(co.air.pm25_mg);
        self.baseline_nox_mg.push(co.baseline_air.nox_mg);
        self.baseline_pm25_mg.push(co.baseline_air.pm25_mg);
        self.nox_saved_mg.push(co.air_saved.nox_mg);
        self.pm25_saved_mg.push(co.air_saved.pm25_mg);
        self.air_complete.push(co.air_complete);
    }
}

async fn delete_trip(
    client: &mut deadpool_postgres::Object,
    campaign_id: &str,
    trip_id: i64,
    scope: &TripScope,
) -> Result<(), StoreError> {
    let tx = client.transaction().await?;
    hold_campaign(&tx, campaign_id).await?;
    let (organization_id, participant) = scope.filters();
    let owner = tx
        .query_opt(
            "SELECT organization_id FROM trips WHERE id = $1 AND campaign_id = $2
                 AND ($3::text IS NULL OR organization_id = $3) AND ($4::text IS NULL OR participant = $4)",
            &[&trip_id, &campaign_id, &organization_id, &participant],
        )
        .await?;
    let Some(owner) = owner else {
        return Err(StoreError::NotFound(format!(
            "no trip {trip_id} in campaign `{campaign_id}`"
        )));
    };
    let owner = owner.text(0)?;
    lock_organization(&tx, campaign_id, &owner).await?;
    let deleted = tx
        .query_opt(
            &format!(
                "DELETE FROM trips WHERE id = $1 AND campaign_id = $2 RETURNING {}",
                rows::TRIP_COLUMNS
            ),
            &[&trip_id, &campaign_id],
        )
        .await?;
    // Deleted meanwhile by another request: nothing left to do.
    let Some(row) = deleted else {
        return Err(StoreError::NotFound(format!(
            "no trip {trip_id} in campaign `{campaign_id}`"
        )));
    };
    let trip = rows::trip(&row)?;
    let date = trip.date.to_string();
    let mut delta = RollupDelta::default();
    delta.apply(&trip.participant, &date, &trip.figures, -1);
    apply_rollups(&tx, campaign_id, &owner, &delta).await?;
    tx.commit().await?;
    Ok(())
}

/// Applies one organization's rollup changes inside the caller's transaction (which holds the
/// organization's lock).
/// Green trips per participant and day, and green (participant, day) pairs per weekday.
async fn apply_regularity(
    tx: &Transaction<'_>,
    campaign_id: &str,
    organization_id: &str,
    delta: &RollupDelta,
) -> Result<(), StoreError> {
    let changed = delta.changed_green_days();
    if changed.is_empty() {
        return Ok(());
    }
    let participants: Vec<&str> = changed.iter().map(|(k, _)| k.0.as_str()).collect();
    let dates: Vec<&str> = changed.iter().map(|(k, _)| k.1.as_str()).collect();
    let changes: Vec<i64> = changed.iter().map(|(_, c)| *c).collect();
    let rows = tx
        .query(
            "INSERT INTO participant_days (campaign_id, organization_id, participant, date, green_trips)
             SELECT $1, $2, u.p, u.d::date, u.n FROM UNNEST($3::text[], $4::text[], $5::int8[]) AS u(p, d, n)
             ON CONFLICT (campaign_id, organization_id, participant, date)
             DO UPDATE SET green_trips = participant_days.green_trips + EXCLUDED.green_trips
             RETURNING participant, CAST(date AS TEXT), green_trips",
            &[&campaign_id, &organization_id, &participants, &dates, &changes],
        )
        .await?;
    let mut after = std::collections::BTreeMap::new();
    for row in &rows {
        after.insert((row.text(0)?, row.text(1)?), row.int(2)?);
    }
    tx.execute(
        "DELETE FROM participant_days WHERE campaign_id = $1 AND organization_id = $2
             AND (participant, date) IN (SELECT u.p, u.d::date FROM UNNEST($3::text[], $4::text[]) AS u(p, d))
             AND green_trips <= 0",
        &[&campaign_id, &organization_id, &participants, &dates],
    )
    .await?;
    let by_weekday =
        delta.green_days_by_weekday(|key| after.get(key).copied().unwrap_or_default())?;
    for (index, change) in by_weekday.iter().enumerate().filter(|(_, c)| **c != 0) {
        tx.execute(
            "INSERT INTO org_weekday_days (campaign_id, organization_id, weekday, green_days) VALUES ($1, $2, $3, $4)
             ON CONFLICT (campaign_id, organization_id, weekday)
             DO UPDATE SET green_days = org_weekday_days.green_days + EXCLUDED.green_days",
            &[&campaign_id, &organization_id, &(index as i64 + 1), change],
        )
        .await?;
    }
    Ok(())
}

async fn apply_rollups(
    tx: &Transaction<'_>,
    campaign_id: &str,
    organization_id: &str,
    delta: &RollupDelta,
) -> Result<(), StoreError> {
    if delta.is_empty() {
        return Ok(());
    }
    let (participants, changes): (Vec<&str>, Vec<i64>) = delta
        .by_participant
        .iter()
        .filter(|(_, change)| **change != 0)
        .map(|(p, change)| (p.as_str(), *change))
        .unzip();
    let rows = tx
        .query(
            "INSERT INTO participants (campaign_id, organization_id, participant, trips)
             SELECT $1, $2, u.p, u.n FROM UNNEST($3::text[], $4::int8[]) AS u(p, n)
             ON CONFLICT (campaign_id, organization_id, participant)
             DO UPDATE SET trips = participants.trips + EXCLUDED.trips
             RETURNING participant, trips",
            &[&campaign_id, &organization_id, &participants, &changes],
        )
        .await?;
    let mut participants_change = 0i64;
    for row in &rows {
        let participant = row.text(0)?;
        let change = delta.by_participant.get(&participant).copied().unwrap_or(0);
        participants_change += participant_transition(change, row.int(1)?);
    }
    tx.execute(
        "DELETE FROM participants WHERE campaign_id = $1 AND organization_id = $2 AND participant = ANY($3) AND trips <= 0",
        &[&campaign_id, &organization_id, &participants],
    )
    .await?;
    apply_regularity(tx, campaign_id, organization_id, delta).await?;
    let o = &delta.organization;
    tx.execute(
        "INSERT INTO org_totals (campaign_id, organization_id, trips, participants, distance_m, co2e_g, baseline_co2e_g, savings_g,
             active_minutes, nox_saved_mg, pm25_saved_mg, air_incomplete_trips)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
         ON CONFLICT (campaign_id, organization_id) DO UPDATE SET
             trips = org_totals.trips + EXCLUDED.trips,
             participants = org_totals.participants + EXCLUDED.participants,
             distance_m = org_totals.distance_m + EXCLUDED.distance_m,
             co2e_g = org_totals.co2e_g + EXCLUDED.co2e_g,
             baseline_co2e_g = org_totals.baseline_co2e_g + EXCLUDED.baseline_co2e_g,
             savings_g = org_totals.savings_g + EXCLUDED.savings_g,
             active_minutes = org_totals.active_minutes + EXCLUDED.active_minutes,
             nox_saved_mg = org_totals.nox_saved_mg + EXCLUDED.nox_saved_mg,
             pm25_saved_mg = org_totals.pm25_saved_mg + EXCLUDED.pm25_saved_mg,
             air_incomplete_trips = org_totals.air_incomplete_trips + EXCLUDED.air_incomplete_trips",
        &[
            &campaign_id,
            &organization_id,
            &o.trips,
            &participants_change,
            &o.distance_m,
            &o.co2e_g,
            &o.baseline_co2e_g,
            &o.savings_g,
            &o.active_minutes,
            &o.air_saved.nox_mg,
            &o.air_saved.pm25_mg,
            &o.air_incomplete_trips,
        ],
    )
    .await?;
    for (table, column, cast, breakdown) in [
        ("org_mode_totals", "mode", "", &delta.by_mode),
        ("org_day_totals", "date", "::date", &delta.by_day),
    ] {
        let keys: Vec<&str> = breakdown.keys().map(String::as_str).collect();
        let pick = |f: fn(&Totals) -> i64| breakdown.values().map(f).collect::<Vec<i64>>();
        let (trips, distance, co2e, baseline, savings) = (
            pick(|t| t.trips),
            pick(|t| t.distance_m),
            pick(|t| t.co2e_g),
            pick(|t| t.baseline_co2e_g),
            pick(|t| t.savings_g),
        );
        let (minutes, nox_saved, pm25_saved, incomplete) = (
            pick(|t| t.active_minutes),
            pick(|t| t.air_saved.nox_mg),
            pick(|t| t.air_saved.pm25_mg),
            pick(|t| t.air_incomplete_trips),
        );
        tx.execute(
            &format!(
                "INSERT INTO {table} (campaign_id, organization_id, {column}, trips, distance_m, co2e_g, baseline_co2e_g, savings_g,
                     active_minutes, nox_saved_mg, pm25_saved_mg, air_incomplete_trips)
                 SELECT $1, $2, u.k{cast}, u.t, u.d, u.c, u.b, u.s, u.am, u.nox, u.pm, u.inc
                 FROM UNNEST($3::text[], $4::int8[], $5::int8[], $6::int8[], $7::int8[], $8::int8[],
                             $9::int8[], $10::int8[], $11::int8[], $12::int8[])
                      AS u(k, t, d, c, b, s, am, nox, pm, inc)
                 ON CONFLICT (campaign_id, organization_id, {column}) DO UPDATE SET
                     trips = {table}.trips + EXCLUDED.trips,
                     distance_m = {table}.distance_m + EXCLUDED.distance_m,
                     co2e_g = {table}.co2e_g + EXCLUDED.co2e_g,
                     baseline_co2e_g = {table}.baseline_co2e_g + EXCLUDED.baseline_co2e_g,
                     savings_g = {table}.savings_g + EXCLUDED.savings_g,
                     active_minutes = {table}.active_minutes + EXCLUDED.active_minutes,
                     nox_saved_mg = {table}.nox_saved_mg + EXCLUDED.nox_saved_mg,
                     pm25_saved_mg = {table}.pm25_saved_mg + EXCLUDED.pm25_saved_mg,
                     air_incomplete_trips = {table}.air_incomplete_trips + EXCLUDED.air_incomplete_trips"
            ),
            &[
                &campaign_id,
                &organization_id,
                &keys,
                &trips,
                &distance,
                &co2e,
                &baseline,
                &savings,
                &minutes,
                &nox_saved,
                &pm25_saved,
                &incomplete,
            ],
        )
        .await?;
        tx.execute(
            &format!("DELETE FROM {table} WHERE campaign_id = $1 AND organization_id = $2 AND trips <= 0"),
            &[&campaign_id, &organization_id],
        )
        .await?;
    }
    Ok(())
}
