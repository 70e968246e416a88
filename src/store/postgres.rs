//! The PostgreSQL store, for several service processes sharing one database.
//!
//! Writes to one organization's trips and rollups take a transaction-scoped advisory lock on
//! (campaign, organization): batches of the same organization serialize across processes, so the
//! duplicate check and the rollup updates see each other's commits, while different organizations
//! write in parallel. Rollup rows are per organization, so no two transactions ever lock the same
//! rows in different orders, and deadlocks cannot arise; serialization failures and deadlocks are
//! still retried as a safety net.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod};
use tokio_postgres::error::SqlState;
use tokio_postgres::{NoTls, Row, Transaction};

use super::dedup::{decide, outcomes, participant_days, Decision, Occupant};
use super::model::*;
use super::rollup::{RollupDelta, TripFigures};
use super::StoreError;
use crate::domain::campaign::{parse_date, Direction, OrganizationKind};
use crate::metrics::METRICS;

/// Migrations, applied in order once each.
const MIGRATIONS: [(i64, &str); 1] = [(1, include_str!("../../migrations/postgres/0001_init.sql"))];

/// Connections per process.
const POOL_SIZE: usize = 16;

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
        if error.is_closed() || io {
            StoreError::Unavailable(error.to_string())
        } else {
            StoreError::Internal(Box::new(error))
        }
    }
}

impl From<deadpool_postgres::PoolError> for StoreError {
    fn from(error: deadpool_postgres::PoolError) -> Self {
        StoreError::Unavailable(error.to_string())
    }
}

fn internal(message: String) -> StoreError {
    StoreError::Internal(message.into())
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
    /// synchronous start-up code) and returns a pool for serving.
    pub fn open(url: &str) -> Result<Self, StoreError> {
        let config: tokio_postgres::Config = url
            .parse()
            .map_err(|e: tokio_postgres::Error| internal(format!("invalid PostgreSQL URL: {e}")))?;
        let migrate_config = config.clone();
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| StoreError::Internal(Box::new(e)))?;
            runtime.block_on(migrate(migrate_config))
        })
        .join()
        .map_err(|_| internal("the migration thread panicked".into()))??;
        let manager = Manager::from_config(
            config,
            NoTls,
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(POOL_SIZE)
            .wait_timeout(Some(Duration::from_secs(30)))
            .runtime(deadpool_postgres::Runtime::Tokio1)
            .build()
            .map_err(|e| internal(format!("cannot build the connection pool: {e}")))?;
        Ok(Self { pool })
    }

    async fn client(&self) -> Result<deadpool_postgres::Object, StoreError> {
        Ok(self.pool.get().await?)
    }

    pub async fn ping(&self) -> Result<(), StoreError> {
        timed("ping", async {
            self.client().await?.query_one("SELECT 1", &[]).await?;
            Ok(())
        })
        .await
    }

    pub async fn create_campaign(
        &self,
        c: CampaignRecord,
        snapshot: String,
    ) -> Result<(), StoreError> {
        timed("create_campaign", async {
            let client = self.client().await?;
            let inserted = client
                .execute(
                    "INSERT INTO campaigns (id, name, description, region, time_zone, starts_on, ends_on,
                         factor_set_id, factor_set_version, factor_set_json, baseline_mode, public,
                         created_at, updated_at, revision)
                     VALUES ($1, $2, $3, $4, $5, $6::text::date, $7::text::date, $8, $9, $10, $11, $12, $13, $14, 1)",
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
                    ],
                )
                .await;
            conflict_if_taken(inserted, || {
                format!("a campaign with id `{}` already exists", c.id)
            })
        })
        .await
    }

    pub async fn list_campaigns(&self) -> Result<Vec<CampaignRecord>, StoreError> {
        timed("list_campaigns", async {
            let client = self.client().await?;
            let rows = client
                .query(&format!("{CAMPAIGN_COLUMNS} ORDER BY id"), &[])
                .await?;
            rows.iter().map(campaign_from_row).collect()
        })
        .await
    }

    pub async fn get_campaign(&self, id: String) -> Result<CampaignRecord, StoreError> {
        timed("get_campaign", async {
            let client = self.client().await?;
            let statement = client
                .prepare_cached(&format!("{CAMPAIGN_COLUMNS} WHERE id = $1"))
                .await?;
            match client.query_opt(&statement, &[&id]).await? {
                Some(row) => campaign_from_row(&row),
                None => Err(StoreError::NotFound(format!("no campaign `{id}`"))),
            }
        })
        .await
    }

    pub async fn campaign_snapshot(&self, id: String) -> Result<String, StoreError> {
        timed("campaign_snapshot", async {
            let client = self.client().await?;
            let row = client
                .query_opt(
                    "SELECT factor_set_json FROM campaigns WHERE id = $1",
                    &[&id],
                )
                .await?;
            row.map(|r| r.get(0))
                .ok_or_else(|| StoreError::NotFound(format!("no campaign `{id}`")))
        })
        .await
    }

    pub async fn update_campaign(&self, update: CampaignUpdate) -> Result<(), StoreError> {
        timed("update_campaign", async {
            let mut client = self.client().await?;
            let tx = client.transaction().await?;
            let c = &update.campaign;
            let current = tx
                .query_opt(
                    "SELECT revision, factor_set_id, factor_set_version, baseline_mode
                     FROM campaigns WHERE id = $1 FOR UPDATE",
                    &[&c.id],
                )
                .await?;
            let Some(current) = current else {
                return Err(StoreError::NotFound(format!("no campaign `{}`", c.id)));
            };
            let (revision, set_id, set_version, baseline_mode): (i64, String, String, String) =
                (current.get(0), current.get(1), current.get(2), current.get(3));
            if revision != update.expected_revision {
                return Err(StoreError::Conflict(
                    "the campaign changed while this update was prepared; read it again and retry".into(),
                ));
            }
            let has_trips: bool = tx
                .query_one(
                    "SELECT EXISTS (SELECT 1 FROM org_totals WHERE campaign_id = $1 AND trips > 0)",
                    &[&c.id],
                )
                .await?
                .get(0);
            let calculation_changes = update.snapshot.is_some()
                || set_id != c.factor_set_id
                || set_version != c.factor_set_version
                || baseline_mode != c.baseline_mode;
            if has_trips && calculation_changes {
                return Err(StoreError::Conflict(
                    "the factor set and baseline cannot change once trips are stored".into(),
                ));
            }
            let outside: bool = tx
                .query_one(
                    "SELECT EXISTS (SELECT 1 FROM org_day_totals
                       WHERE campaign_id = $1 AND trips > 0 AND (date < $2::text::date OR date > $3::text::date))",
                    &[&c.id, &c.starts_on.to_string(), &c.ends_on.to_string()],
                )
                .await?
                .get(0);
            if outside {
                return Err(StoreError::Conflict(
                    "stored trips fall outside the new period; delete them first".into(),
                ));
            }
            tx.execute(
                "UPDATE campaigns SET name = $2, description = $3, region = $4, time_zone = $5,
                     starts_on = $6::text::date, ends_on = $7::text::date, factor_set_id = $8,
                     factor_set_version = $9, factor_set_json = COALESCE($10, factor_set_json),
                     baseline_mode = $11, public = $12, updated_at = $13, revision = revision + 1
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
                ],
            )
            .await?;
            tx.commit().await?;
            Ok(())
        })
        .await
    }

    pub async fn create_organization(&self, o: OrganizationRecord) -> Result<(), StoreError> {
        timed("create_organization", async {
            let client = self.client().await?;
            let inserted = client
                .execute(
                    "INSERT INTO organizations (id, name, kind, city, headcount, created_at)
                     VALUES ($1, $2, $3, $4, $5, $6)",
                    &[
                        &o.id,
                        &o.name,
                        &o.kind.as_str(),
                        &o.city,
                        &o.headcount,
                        &o.created_at,
                    ],
                )
                .await;
            conflict_if_taken(inserted, || {
                format!("an organization with id `{}` already exists", o.id)
            })
        })
        .await
    }

    pub async fn get_organization(&self, id: String) -> Result<OrganizationRecord, StoreError> {
        timed("get_organization", async {
            let client = self.client().await?;
            let statement = client
                .prepare_cached(&format!("{ORGANIZATION_COLUMNS} WHERE id = $1"))
                .await?;
            match client.query_opt(&statement, &[&id]).await? {
                Some(row) => organization_from_row(&row),
                None => Err(StoreError::NotFound(format!("no organization `{id}`"))),
            }
        })
        .await
    }

    pub async fn list_organizations(&self) -> Result<Vec<OrganizationRecord>, StoreError> {
        timed("list_organizations", async {
            let client = self.client().await?;
            let rows = client
                .query(&format!("{ORGANIZATION_COLUMNS} ORDER BY id"), &[])
                .await?;
            rows.iter().map(organization_from_row).collect()
        })
        .await
    }

    pub async fn enroll(
        &self,
        campaign_id: String,
        organization_id: String,
        at: String,
    ) -> Result<(), StoreError> {
        timed("enroll", async {
            let client = self.client().await?;
            client
                .execute(
                    "INSERT INTO enrollments (campaign_id, organization_id, enrolled_at) VALUES ($1, $2, $3)
                     ON CONFLICT DO NOTHING",
                    &[&campaign_id, &organization_id, &at],
                )
                .await?;
            Ok(())
        })
        .await
    }

    pub async fn is_enrolled(
        &self,
        campaign_id: String,
        organization_id: String,
    ) -> Result<bool, StoreError> {
        timed("is_enrolled", async {
            let client = self.client().await?;
            let statement = client
                .prepare_cached(
                    "SELECT EXISTS (SELECT 1 FROM enrollments WHERE campaign_id = $1 AND organization_id = $2)",
                )
                .await?;
            Ok(client
                .query_one(&statement, &[&campaign_id, &organization_id])
                .await?
                .get(0))
        })
        .await
    }

    pub async fn enrolled_campaigns(
        &self,
        organization_id: String,
    ) -> Result<Vec<String>, StoreError> {
        timed("enrolled_campaigns", async {
            let client = self.client().await?;
            let rows = client
                .query(
                    "SELECT campaign_id FROM enrollments WHERE organization_id = $1 ORDER BY campaign_id",
                    &[&organization_id],
                )
                .await?;
            Ok(rows.iter().map(|r| r.get(0)).collect())
        })
        .await
    }

    pub async fn create_key(&self, key: ApiKeyRecord) -> Result<(), StoreError> {
        timed("create_key", async {
            let client = self.client().await?;
            client
                .execute(
                    "INSERT INTO api_keys (id, organization_id, key_hash, created_at) VALUES ($1, $2, $3, $4)",
                    &[&key.id, &key.organization_id, &key.key_hash, &key.created_at],
                )
                .await?;
            Ok(())
        })
        .await
    }

    pub async fn revoke_key(
        &self,
        organization_id: String,
        key_id: String,
        at: String,
    ) -> Result<(), StoreError> {
        timed("revoke_key", async {
            let client = self.client().await?;
            let changed = client
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
        })
        .await
    }

    pub async fn find_key(&self, key_hash: String) -> Result<Option<KeyOwner>, StoreError> {
        timed("find_key", async {
            let client = self.client().await?;
            let statement = client
                .prepare_cached(
                    "SELECT id, organization_id FROM api_keys WHERE key_hash = $1 AND revoked_at IS NULL",
                )
                .await?;
            Ok(client
                .query_opt(&statement, &[&key_hash])
                .await?
                .map(|row| KeyOwner {
                    key_id: row.get(0),
                    organization_id: row.get(1),
                }))
        })
        .await
    }

    pub async fn log_trips(&self, batch: TripBatch) -> Result<Vec<LoggedTrip>, StoreError> {
        let logged = timed("log_trips", async {
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
        })
        .await?;
        METRICS.add_trips_logged(logged.iter().filter(|t| !t.duplicate).count() as u64);
        Ok(logged)
    }

    pub async fn list_trips(&self, query: TripQuery) -> Result<Vec<StoredTrip>, StoreError> {
        timed("list_trips", async {
            let client = self.client().await?;
            let statement = client
                .prepare_cached(&format!(
                    "SELECT {TRIP_FIELDS} FROM trips WHERE campaign_id = $1 AND ($2::text IS NULL OR organization_id = $2) AND id > $3
                     ORDER BY id LIMIT $4"
                ))
                .await?;
            let rows = client
                .query(
                    &statement,
                    &[&query.campaign_id, &query.organization_id, &query.after_id, &i64::from(query.limit)],
                )
                .await?;
            rows.iter().map(trip_from_row).collect()
        })
        .await
    }

    pub async fn delete_trip(
        &self,
        campaign_id: String,
        trip_id: i64,
        organization_id: Option<String>,
    ) -> Result<(), StoreError> {
        timed("delete_trip", async {
            let mut attempt = 0;
            loop {
                attempt += 1;
                let mut client = self.client().await?;
                match delete_trip(
                    &mut client,
                    &campaign_id,
                    trip_id,
                    organization_id.as_deref(),
                )
                .await
                {
                    Err(error) if attempt < ATTEMPTS && is_retryable(&error) => {}
                    other => break other,
                }
            }
        })
        .await
    }

    pub async fn standings(&self, campaign_id: String) -> Result<Vec<Standing>, StoreError> {
        timed("standings", async {
            let client = self.client().await?;
            let statement = client
                .prepare_cached(
                    "SELECT o.id, o.name, o.kind,
                            COALESCE(t.trips, 0), COALESCE(t.participants, 0), COALESCE(t.distance_m, 0),
                            COALESCE(t.co2e_g, 0), COALESCE(t.baseline_co2e_g, 0), COALESCE(t.savings_g, 0)
                     FROM enrollments e
                     JOIN organizations o ON o.id = e.organization_id
                     LEFT JOIN org_totals t
                            ON t.campaign_id = e.campaign_id AND t.organization_id = e.organization_id
                     WHERE e.campaign_id = $1
                     ORDER BY o.id",
                )
                .await?;
            let rows = client.query(&statement, &[&campaign_id]).await?;
            rows.iter()
                .map(|row| {
                    let kind: String = row.get(2);
                    Ok(Standing {
                        organization_id: row.get(0),
                        name: row.get(1),
                        kind: OrganizationKind::parse(&kind)
                            .ok_or_else(|| internal(format!("stored organization kind `{kind}`")))?,
                        totals: totals_from_row(row, 3),
                    })
                })
                .collect()
        })
        .await
    }

    pub async fn mode_totals(
        &self,
        campaign_id: String,
        organization_id: Option<String>,
    ) -> Result<Vec<ModeTotals>, StoreError> {
        timed("mode_totals", async {
            let rows = self
                .breakdown(
                    "org_mode_totals",
                    "mode",
                    &campaign_id,
                    organization_id.as_deref(),
                )
                .await?;
            Ok(rows
                .into_iter()
                .map(|(mode, totals)| ModeTotals { mode, totals })
                .collect())
        })
        .await
    }

    pub async fn day_totals(
        &self,
        campaign_id: String,
        organization_id: Option<String>,
    ) -> Result<Vec<DayTotals>, StoreError> {
        timed("day_totals", async {
            let rows = self
                .breakdown(
                    "org_day_totals",
                    "date",
                    &campaign_id,
                    organization_id.as_deref(),
                )
                .await?;
            rows.into_iter()
                .map(|(date, totals)| {
                    Ok(DayTotals {
                        date: parse_date(&date).map_err(internal)?,
                        totals,
                    })
                })
                .collect()
        })
        .await
    }

    /// Sums a rollup table by its key column (`mode` or `date`) for the campaign or one
    /// organization, leaving out keys without trips; ordered by the key.
    async fn breakdown(
        &self,
        table: &str,
        column: &str,
        campaign_id: &str,
        organization_id: Option<&str>,
    ) -> Result<Vec<(String, Totals)>, StoreError> {
        let client = self.client().await?;
        let statement = client
            .prepare_cached(&format!(
                "SELECT {column}::text, SUM(trips)::int8, 0::int8, SUM(distance_m)::int8, SUM(co2e_g)::int8,
                        SUM(baseline_co2e_g)::int8, SUM(savings_g)::int8
                 FROM {table}
                 WHERE campaign_id = $1 AND ($2::text IS NULL OR organization_id = $2)
                 GROUP BY {column} HAVING SUM(trips) > 0 ORDER BY {column}"
            ))
            .await?;
        let rows = client
            .query(&statement, &[&campaign_id, &organization_id])
            .await?;
        Ok(rows
            .iter()
            .map(|row| (row.get(0), totals_from_row(row, 1)))
            .collect())
    }
}

async fn timed<T>(
    operation: &'static str,
    work: impl std::future::Future<Output = Result<T, StoreError>>,
) -> Result<T, StoreError> {
    let started = Instant::now();
    let result = work.await;
    METRICS.record_store(operation, started.elapsed());
    result
}

async fn migrate(config: tokio_postgres::Config) -> Result<(), StoreError> {
    let (mut client, connection) = config.connect(NoTls).await?;
    let driver = tokio::spawn(connection);
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
    lock_organization(&tx, &batch.campaign_id, &batch.organization_id).await?;

    let keys = participant_days(&batch.trips);
    let (key_participants, key_dates): (Vec<String>, Vec<String>) =
        keys.into_iter().map(|(p, d)| (p, d.to_string())).unzip();
    let rows = tx
        .query(
            "SELECT t.participant, t.date::text, t.direction, t.id, t.co2e_g, t.baseline_co2e_g, t.savings_g
             FROM trips t
             JOIN UNNEST($3::text[], $4::text[]) AS k(participant, date)
               ON t.participant = k.participant AND t.date = k.date::date
             WHERE t.campaign_id = $1 AND t.organization_id = $2",
            &[&batch.campaign_id, &batch.organization_id, &key_participants, &key_dates],
        )
        .await?;
    let stored = rows
        .iter()
        .map(|row| {
            let date: String = row.get(1);
            let direction: String = row.get(2);
            Ok(Occupant {
                participant: row.get(0),
                date: parse_date(&date).map_err(internal)?,
                direction: Direction::parse(&direction)
                    .ok_or_else(|| internal(format!("stored direction `{direction}`")))?,
                id: row.get(3),
                co2e_g: row.get(4),
                baseline_co2e_g: row.get(5),
                savings_g: row.get(6),
            })
        })
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
        delta.apply(&TripFigures::of(trip, &date), 1);
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
                     distance_m, co2e_g, baseline_co2e_g, savings_g, detail, created_at)
                 SELECT $1, $2, u.p, u.d::date, u.dir, u.m, u.dist, u.c, u.b, u.s, u.det, $12
                 FROM UNNEST($3::text[], $4::text[], $5::text[], $6::text[], $7::int8[], $8::int8[],
                             $9::int8[], $10::int8[], $11::text[]) AS u(p, d, dir, m, dist, c, b, s, det)
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
                ],
            )
            .await?;
        for row in &rows {
            let direction: String = row.get(3);
            let direction = Direction::parse(&direction)
                .ok_or_else(|| internal(format!("stored direction `{direction}`")))?;
            let key = (
                row.get::<_, String>(1),
                row.get::<_, String>(2),
                direction.as_str(),
            );
            let index = index_of
                .get(&key)
                .ok_or_else(|| internal("an inserted trip does not match the batch".into()))?;
            new_ids.insert(*index, row.get::<_, i64>(0));
        }
    }
    apply_rollups(&tx, &batch.campaign_id, &batch.organization_id, &delta).await?;
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
}

impl NewTripColumns {
    fn push(&mut self, trip: &crate::domain::trip::ComputedTrip, date: String) {
        self.participant.push(trip.participant.as_str().to_owned());
        self.date.push(date);
        self.direction.push(trip.direction.as_str());
        self.main_mode.push(trip.main_mode.clone());
        self.distance_m.push(trip.distance_m);
        self.co2e_g.push(trip.co2e_g);
        self.baseline_co2e_g.push(trip.baseline_co2e_g);
        self.savings_g.push(trip.savings_g);
        self.detail.push(trip.detail.clone());
    }
}

async fn delete_trip(
    client: &mut deadpool_postgres::Object,
    campaign_id: &str,
    trip_id: i64,
    organization_id: Option<&str>,
) -> Result<(), StoreError> {
    let tx = client.transaction().await?;
    let owner = tx
        .query_opt(
            "SELECT organization_id FROM trips WHERE id = $1 AND campaign_id = $2 AND ($3::text IS NULL OR organization_id = $3)",
            &[&trip_id, &campaign_id, &organization_id],
        )
        .await?;
    let Some(owner) = owner else {
        return Err(StoreError::NotFound(format!(
            "no trip {trip_id} in campaign `{campaign_id}`"
        )));
    };
    let owner: String = owner.get(0);
    lock_organization(&tx, campaign_id, &owner).await?;
    let deleted = tx
        .query_opt(
            &format!(
                "DELETE FROM trips WHERE id = $1 AND campaign_id = $2 RETURNING {TRIP_FIELDS}"
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
    let trip = trip_from_row(&row)?;
    let date = trip.date.to_string();
    let mut delta = RollupDelta::default();
    delta.apply(&TripFigures::of_stored(&trip, &date), -1);
    apply_rollups(&tx, campaign_id, &owner, &delta).await?;
    tx.commit().await?;
    Ok(())
}

/// Applies one organization's rollup changes inside the caller's transaction (which holds the
/// organization's lock).
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
        let participant: String = row.get(0);
        let after: i64 = row.get(1);
        let change = delta.by_participant.get(&participant).copied().unwrap_or(0);
        let before = after - change;
        if before <= 0 && after > 0 {
            participants_change += 1;
        } else if before > 0 && after <= 0 {
            participants_change -= 1;
        }
    }
    tx.execute(
        "DELETE FROM participants WHERE campaign_id = $1 AND organization_id = $2 AND participant = ANY($3) AND trips <= 0",
        &[&campaign_id, &organization_id, &participants],
    )
    .await?;
    let o = &delta.organization;
    tx.execute(
        "INSERT INTO org_totals (campaign_id, organization_id, trips, participants, distance_m, co2e_g, baseline_co2e_g, savings_g)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
         ON CONFLICT (campaign_id, organization_id) DO UPDATE SET
             trips = org_totals.trips + EXCLUDED.trips,
             participants = org_totals.participants + EXCLUDED.participants,
             distance_m = org_totals.distance_m + EXCLUDED.distance_m,
             co2e_g = org_totals.co2e_g + EXCLUDED.co2e_g,
             baseline_co2e_g = org_totals.baseline_co2e_g + EXCLUDED.baseline_co2e_g,
             savings_g = org_totals.savings_g + EXCLUDED.savings_g",
        &[
            &campaign_id,
            &organization_id,
            &o.trips,
            &participants_change,
            &o.distance_m,
            &o.co2e_g,
            &o.baseline_co2e_g,
            &o.savings_g,
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
        tx.execute(
            &format!(
                "INSERT INTO {table} (campaign_id, organization_id, {column}, trips, distance_m, co2e_g, baseline_co2e_g, savings_g)
                 SELECT $1, $2, u.k{cast}, u.t, u.d, u.c, u.b, u.s
                 FROM UNNEST($3::text[], $4::int8[], $5::int8[], $6::int8[], $7::int8[], $8::int8[]) AS u(k, t, d, c, b, s)
                 ON CONFLICT (campaign_id, organization_id, {column}) DO UPDATE SET
                     trips = {table}.trips + EXCLUDED.trips,
                     distance_m = {table}.distance_m + EXCLUDED.distance_m,
                     co2e_g = {table}.co2e_g + EXCLUDED.co2e_g,
                     baseline_co2e_g = {table}.baseline_co2e_g + EXCLUDED.baseline_co2e_g,
                     savings_g = {table}.savings_g + EXCLUDED.savings_g"
            ),
            &[&campaign_id, &organization_id, &keys, &trips, &distance, &co2e, &baseline, &savings],
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

const CAMPAIGN_COLUMNS: &str = "SELECT id, name, description, region, time_zone, starts_on::text, ends_on::text,
    factor_set_id, factor_set_version, baseline_mode, public, created_at, updated_at, revision FROM campaigns";

fn campaign_from_row(row: &Row) -> Result<CampaignRecord, StoreError> {
    let starts_on: String = row.get(5);
    let ends_on: String = row.get(6);
    Ok(CampaignRecord {
        id: row.get(0),
        name: row.get(1),
        description: row.get(2),
        region: row.get(3),
        time_zone: row.get(4),
        starts_on: parse_date(&starts_on).map_err(internal)?,
        ends_on: parse_date(&ends_on).map_err(internal)?,
        factor_set_id: row.get(7),
        factor_set_version: row.get(8),
        baseline_mode: row.get(9),
        public: row.get(10),
        created_at: row.get(11),
        updated_at: row.get(12),
        revision: row.get(13),
    })
}

const ORGANIZATION_COLUMNS: &str =
    "SELECT id, name, kind, city, headcount, created_at FROM organizations";

fn organization_from_row(row: &Row) -> Result<OrganizationRecord, StoreError> {
    let kind: String = row.get(2);
    Ok(OrganizationRecord {
        id: row.get(0),
        name: row.get(1),
        kind: OrganizationKind::parse(&kind)
            .ok_or_else(|| internal(format!("stored organization kind `{kind}`")))?,
        city: row.get(3),
        headcount: row.get(4),
        created_at: row.get(5),
    })
}

const TRIP_FIELDS: &str = "id, organization_id, participant, date::text, direction, main_mode,
    distance_m, co2e_g, baseline_co2e_g, savings_g, detail, created_at";

fn trip_from_row(row: &Row) -> Result<StoredTrip, StoreError> {
    let date: String = row.get(3);
    let direction: String = row.get(4);
    Ok(StoredTrip {
        id: row.get(0),
        organization_id: row.get(1),
        participant: row.get(2),
        date: parse_date(&date).map_err(internal)?,
        direction: Direction::parse(&direction)
            .ok_or_else(|| internal(format!("stored direction `{direction}`")))?,
        main_mode: row.get(5),
        distance_m: row.get(6),
        co2e_g: row.get(7),
        baseline_co2e_g: row.get(8),
        savings_g: row.get(9),
        detail: row.get(10),
        created_at: row.get(11),
    })
}

fn totals_from_row(row: &Row, first: usize) -> Totals {
    Totals {
        trips: row.get(first),
        participants: row.get(first + 1),
        distance_m: row.get(first + 2),
        co2e_g: row.get(first + 3),
        baseline_co2e_g: row.get(first + 4),
        savings_g: row.get(first + 5),
    }
}
