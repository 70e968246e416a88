//! The embedded store: one SQLite file in WAL mode with `synchronous=FULL`, so that a 201 means
//! the trips survive a crash or power loss. Writes go through one connection (SQLite allows one
//! writer at a time anyway); reads use a small pool of their own connections.

use std::collections::HashMap;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use rusqlite::{params, Connection, OptionalExtension, Row, TransactionBehavior};

use super::dedup::{decide, outcomes, participant_days, Decision, Occupant};
use super::model::*;
use super::rollup::{RollupDelta, TripFigures};
use super::StoreError;
use crate::domain::campaign::{parse_date, Direction, OrganizationKind};
use crate::metrics::METRICS;

/// Migrations, applied in order once each.
const MIGRATIONS: [(i64, &str); 1] = [(1, include_str!("../../migrations/sqlite/0001_init.sql"))];

/// Read connections kept open.
const READERS: usize = 2;

/// The SQLite store.
pub struct SqliteStore {
    writer: Arc<Mutex<Connection>>,
    readers: Arc<Vec<Mutex<Connection>>>,
    next_reader: AtomicUsize,
}

impl From<rusqlite::Error> for StoreError {
    fn from(error: rusqlite::Error) -> Self {
        use rusqlite::ErrorCode;
        match error.sqlite_error_code() {
            Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => {
                StoreError::Unavailable(error.to_string())
            }
            _ => StoreError::Internal(Box::new(error)),
        }
    }
}

fn internal(message: String) -> StoreError {
    StoreError::Internal(message.into())
}

fn is_unique_violation(error: &rusqlite::Error) -> bool {
    matches!(
        error,
        rusqlite::Error::SqliteFailure(e, _)
            if e.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY
                || e.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE
    )
}

/// An insert's outcome, with a taken key reported as a conflict described by `message`.
fn conflict_if_taken(
    inserted: rusqlite::Result<usize>,
    message: impl FnOnce() -> String,
) -> Result<(), StoreError> {
    match inserted {
        Ok(_) => Ok(()),
        Err(e) if is_unique_violation(&e) => Err(StoreError::Conflict(message())),
        Err(e) => Err(e.into()),
    }
}

fn connect(path: &Path) -> Result<Connection, StoreError> {
    let conn = Connection::open(path)?;
    conn.busy_timeout(std::time::Duration::from_secs(10))?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    Ok(conn)
}

fn migrate(conn: &mut Connection) -> Result<(), StoreError> {
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)",
    )?;
    for (version, sql) in MIGRATIONS {
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let applied: bool = tx.query_row(
            "SELECT EXISTS (SELECT 1 FROM schema_migrations WHERE version = ?1)",
            [version],
            |row| row.get(0),
        )?;
        if !applied {
            tx.execute_batch(sql)?;
            tx.execute(
                "INSERT INTO schema_migrations (version, applied_at) VALUES (?1, ?2)",
                params![version, jiff::Timestamp::now().to_string()],
            )?;
        }
        tx.commit()?;
    }
    Ok(())
}

impl SqliteStore {
    /// Opens (creating if needed) the file and runs pending migrations.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|e| StoreError::Internal(Box::new(e)))?;
        }
        let mut writer = connect(path)?;
        migrate(&mut writer)?;
        let readers = (0..READERS)
            .map(|_| connect(path).map(Mutex::new))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self {
            writer: Arc::new(Mutex::new(writer)),
            readers: Arc::new(readers),
            next_reader: AtomicUsize::new(0),
        })
    }

    async fn write<T: Send + 'static>(
        &self,
        operation: &'static str,
        work: impl FnOnce(&mut Connection) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let writer = self.writer.clone();
        run_blocking(operation, move || {
            let mut conn = writer.lock().unwrap_or_else(|p| p.into_inner());
            work(&mut conn)
        })
        .await
    }

    async fn read<T: Send + 'static>(
        &self,
        operation: &'static str,
        work: impl FnOnce(&Connection) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let readers = self.readers.clone();
        let start = self.next_reader.fetch_add(1, Ordering::Relaxed);
        run_blocking(operation, move || {
            // Take a free connection if there is one, else wait for ours.
            let conn = (0..readers.len())
                .find_map(|i| readers[(start + i) % readers.len()].try_lock().ok())
                .unwrap_or_else(|| {
                    readers[start % readers.len()]
                        .lock()
                        .unwrap_or_else(|p| p.into_inner())
                });
            work(&conn)
        })
        .await
    }

    pub async fn ping(&self) -> Result<(), StoreError> {
        self.read("ping", |conn| {
            conn.query_row("SELECT 1", [], |_| Ok(()))?;
            Ok(())
        })
        .await
    }

    pub async fn create_campaign(
        &self,
        c: CampaignRecord,
        snapshot: String,
    ) -> Result<(), StoreError> {
        self.write("create_campaign", move |conn| {
            let inserted = conn.execute(
                "INSERT INTO campaigns (id, name, description, region, time_zone, starts_on, ends_on,
                     factor_set_id, factor_set_version, factor_set_json, baseline_mode, public,
                     created_at, updated_at, revision)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, 1)",
                params![
                    c.id,
                    c.name,
                    c.description,
                    c.region,
                    c.time_zone,
                    c.starts_on.to_string(),
                    c.ends_on.to_string(),
                    c.factor_set_id,
                    c.factor_set_version,
                    snapshot,
                    c.baseline_mode,
                    c.public,
                    c.created_at,
                    c.updated_at
                ],
            );
            conflict_if_taken(inserted, || {
                format!("a campaign with id `{}` already exists", c.id)
            })
        })
        .await
    }

    pub async fn list_campaigns(&self) -> Result<Vec<CampaignRecord>, StoreError> {
        self.read("list_campaigns", |conn| {
            let mut statement = conn.prepare_cached(&format!("{CAMPAIGN_COLUMNS} ORDER BY id"))?;
            let rows = statement.query_map([], campaign_from_row)?;
            rows.map(|row| row?).collect()
        })
        .await
    }

    pub async fn get_campaign(&self, id: String) -> Result<CampaignRecord, StoreError> {
        self.read("get_campaign", move |conn| {
            let mut statement =
                conn.prepare_cached(&format!("{CAMPAIGN_COLUMNS} WHERE id = ?1"))?;
            statement
                .query_row([&id], campaign_from_row)
                .optional()?
                .unwrap_or_else(|| Err(StoreError::NotFound(format!("no campaign `{id}`"))))
        })
        .await
    }

    pub async fn campaign_snapshot(&self, id: String) -> Result<String, StoreError> {
        self.read("campaign_snapshot", move |conn| {
            conn.query_row(
                "SELECT factor_set_json FROM campaigns WHERE id = ?1",
                [&id],
                |row| row.get(0),
            )
            .optional()?
            .ok_or_else(|| StoreError::NotFound(format!("no campaign `{id}`")))
        })
        .await
    }

    pub async fn update_campaign(&self, update: CampaignUpdate) -> Result<(), StoreError> {
        self.write("update_campaign", move |conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let c = &update.campaign;
            let current: Option<(i64, String, String, String)> = tx
                .query_row(
                    "SELECT revision, factor_set_id, factor_set_version, baseline_mode FROM campaigns WHERE id = ?1",
                    [&c.id],
                    |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?)),
                )
                .optional()?;
            let Some((revision, set_id, set_version, baseline_mode)) = current else {
                return Err(StoreError::NotFound(format!("no campaign `{}`", c.id)));
            };
            if revision != update.expected_revision {
                return Err(StoreError::Conflict(
                    "the campaign changed while this update was prepared; read it again and retry".into(),
                ));
            }
            let has_trips: bool = tx.query_row(
                "SELECT EXISTS (SELECT 1 FROM org_totals WHERE campaign_id = ?1 AND trips > 0)",
                [&c.id],
                |row| row.get(0),
            )?;
            let calculation_changes = update.snapshot.is_some()
                || set_id != c.factor_set_id
                || set_version != c.factor_set_version
                || baseline_mode != c.baseline_mode;
            if has_trips && calculation_changes {
                return Err(StoreError::Conflict(
                    "the factor set and baseline cannot change once trips are stored".into(),
                ));
            }
            let outside: bool = tx.query_row(
                "SELECT EXISTS (SELECT 1 FROM org_day_totals
                   WHERE campaign_id = ?1 AND trips > 0 AND (date < ?2 OR date > ?3))",
                params![c.id, c.starts_on.to_string(), c.ends_on.to_string()],
                |row| row.get(0),
            )?;
            if outside {
                return Err(StoreError::Conflict(
                    "stored trips fall outside the new period; delete them first".into(),
                ));
            }
            tx.execute(
                "UPDATE campaigns SET name = ?2, description = ?3, region = ?4, time_zone = ?5,
                     starts_on = ?6, ends_on = ?7, factor_set_id = ?8, factor_set_version = ?9,
                     factor_set_json = COALESCE(?10, factor_set_json), baseline_mode = ?11,
                     public = ?12, updated_at = ?13, revision = revision + 1
                 WHERE id = ?1",
                params![
                    c.id,
                    c.name,
                    c.description,
                    c.region,
                    c.time_zone,
                    c.starts_on.to_string(),
                    c.ends_on.to_string(),
                    c.factor_set_id,
                    c.factor_set_version,
                    update.snapshot,
                    c.baseline_mode,
                    c.public,
                    c.updated_at
                ],
            )?;
            tx.commit()?;
            Ok(())
        })
        .await
    }

    pub async fn create_organization(&self, o: OrganizationRecord) -> Result<(), StoreError> {
        self.write("create_organization", move |conn| {
            let inserted = conn.execute(
                "INSERT INTO organizations (id, name, kind, city, headcount, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![
                    o.id,
                    o.name,
                    o.kind.as_str(),
                    o.city,
                    o.headcount,
                    o.created_at
                ],
            );
            conflict_if_taken(inserted, || {
                format!("an organization with id `{}` already exists", o.id)
            })
        })
        .await
    }

    pub async fn get_organization(&self, id: String) -> Result<OrganizationRecord, StoreError> {
        self.read("get_organization", move |conn| {
            let mut statement =
                conn.prepare_cached(&format!("{ORGANIZATION_COLUMNS} WHERE id = ?1"))?;
            statement
                .query_row([&id], organization_from_row)
                .optional()?
                .unwrap_or_else(|| Err(StoreError::NotFound(format!("no organization `{id}`"))))
        })
        .await
    }

    pub async fn list_organizations(&self) -> Result<Vec<OrganizationRecord>, StoreError> {
        self.read("list_organizations", |conn| {
            let mut statement =
                conn.prepare_cached(&format!("{ORGANIZATION_COLUMNS} ORDER BY id"))?;
            let rows = statement.query_map([], organization_from_row)?;
            rows.map(|row| row?).collect()
        })
        .await
    }

    pub async fn enroll(
        &self,
        campaign_id: String,
        organization_id: String,
        at: String,
    ) -> Result<(), StoreError> {
        self.write("enroll", move |conn| {
            conn.execute(
                "INSERT INTO enrollments (campaign_id, organization_id, enrolled_at) VALUES (?1, ?2, ?3)
                 ON CONFLICT DO NOTHING",
                params![campaign_id, organization_id, at],
            )?;
            Ok(())
        })
        .await
    }

    pub async fn is_enrolled(
        &self,
        campaign_id: String,
        organization_id: String,
    ) -> Result<bool, StoreError> {
        self.read("is_enrolled", move |conn| {
            let mut statement = conn.prepare_cached(
                "SELECT EXISTS (SELECT 1 FROM enrollments WHERE campaign_id = ?1 AND organization_id = ?2)",
            )?;
            Ok(statement.query_row([&campaign_id, &organization_id], |row| row.get(0))?)
        })
        .await
    }

    pub async fn enrolled_campaigns(
        &self,
        organization_id: String,
    ) -> Result<Vec<String>, StoreError> {
        self.read("enrolled_campaigns", move |conn| {
            let mut statement = conn.prepare_cached(
                "SELECT campaign_id FROM enrollments WHERE organization_id = ?1 ORDER BY campaign_id",
            )?;
            let rows = statement.query_map([&organization_id], |row| row.get(0))?;
            Ok(rows.collect::<Result<Vec<String>, _>>()?)
        })
        .await
    }

    pub async fn create_key(&self, key: ApiKeyRecord) -> Result<(), StoreError> {
        self.write("create_key", move |conn| {
            conn.execute(
                "INSERT INTO api_keys (id, organization_id, key_hash, created_at) VALUES (?1, ?2, ?3, ?4)",
                params![key.id, key.organization_id, key.key_hash, key.created_at],
            )?;
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
        self.write("revoke_key", move |conn| {
            let changed = conn.execute(
                "UPDATE api_keys SET revoked_at = COALESCE(revoked_at, ?3) WHERE id = ?1 AND organization_id = ?2",
                params![key_id, organization_id, at],
            )?;
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
        self.read("find_key", move |conn| {
            let mut statement = conn.prepare_cached(
                "SELECT id, organization_id FROM api_keys WHERE key_hash = ?1 AND revoked_at IS NULL",
            )?;
            Ok(statement
                .query_row([&key_hash], |row| {
                    Ok(KeyOwner {
                        key_id: row.get(0)?,
                        organization_id: row.get(1)?,
                    })
                })
                .optional()?)
        })
        .await
    }

    pub async fn log_trips(&self, batch: TripBatch) -> Result<Vec<LoggedTrip>, StoreError> {
        let count = batch.trips.len();
        let logged = self
            .write("log_trips", move |conn| log_trips(conn, batch))
            .await?;
        let fresh = logged.iter().filter(|t| !t.duplicate).count();
        debug_assert!(fresh <= count);
        METRICS.add_trips_logged(fresh as u64);
        Ok(logged)
    }

    pub async fn list_trips(&self, query: TripQuery) -> Result<Vec<StoredTrip>, StoreError> {
        self.read("list_trips", move |conn| {
            let sql = format!(
                "{TRIP_COLUMNS} WHERE campaign_id = ?1 AND (?2 IS NULL OR organization_id = ?2) AND id > ?3
                 ORDER BY id LIMIT ?4"
            );
            let mut statement = conn.prepare_cached(&sql)?;
            let rows = statement.query_map(
                params![query.campaign_id, query.organization_id, query.after_id, query.limit],
                trip_from_row,
            )?;
            rows.map(|row| row?).collect()
        })
        .await
    }

    pub async fn delete_trip(
        &self,
        campaign_id: String,
        trip_id: i64,
        organization_id: Option<String>,
    ) -> Result<(), StoreError> {
        self.write("delete_trip", move |conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let trip = {
                let mut statement = tx.prepare_cached(&format!(
                    "{TRIP_COLUMNS} WHERE id = ?1 AND campaign_id = ?2 AND (?3 IS NULL OR organization_id = ?3)"
                ))?;
                statement
                    .query_row(params![trip_id, campaign_id, organization_id], trip_from_row)
                    .optional()?
                    .transpose()?
            };
            let Some(trip) = trip else {
                return Err(StoreError::NotFound(format!(
                    "no trip {trip_id} in campaign `{campaign_id}`"
                )));
            };
            tx.execute("DELETE FROM trips WHERE id = ?1", [trip_id])?;
            let mut delta = RollupDelta::default();
            let date = trip.date.to_string();
            delta.apply(
                &TripFigures::of_stored(&trip, &date),
                -1,
            );
            apply_rollups(&tx, &campaign_id, &trip.organization_id, &delta)?;
            tx.commit()?;
            Ok(())
        })
        .await
    }

    pub async fn standings(&self, campaign_id: String) -> Result<Vec<Standing>, StoreError> {
        self.read("standings", move |conn| {
            let mut statement = conn.prepare_cached(
                "SELECT o.id, o.name, o.kind,
                        COALESCE(t.trips, 0), COALESCE(t.participants, 0), COALESCE(t.distance_m, 0),
                        COALESCE(t.co2e_g, 0), COALESCE(t.baseline_co2e_g, 0), COALESCE(t.savings_g, 0)
                 FROM enrollments e
                 JOIN organizations o ON o.id = e.organization_id
                 LEFT JOIN org_totals t
                        ON t.campaign_id = e.campaign_id AND t.organization_id = e.organization_id
                 WHERE e.campaign_id = ?1
                 ORDER BY o.id",
            )?;
            let rows = statement.query_map([&campaign_id], |row| {
                let kind: String = row.get(2)?;
                Ok((
                    row.get::<_, String>(0)?,
                    row.get::<_, String>(1)?,
                    kind,
                    totals_from_row(row, 3)?,
                ))
            })?;
            rows.map(|row| {
                let (organization_id, name, kind, totals) = row?;
                let kind = OrganizationKind::parse(&kind)
                    .ok_or_else(|| internal(format!("stored organization kind `{kind}`")))?;
                Ok(Standing {
                    organization_id,
                    name,
                    kind,
                    totals,
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
        self.read("mode_totals", move |conn| {
            breakdown(
                conn,
                "org_mode_totals",
                "mode",
                &campaign_id,
                organization_id.as_deref(),
            )?
            .into_iter()
            .map(|(mode, totals)| Ok(ModeTotals { mode, totals }))
            .collect()
        })
        .await
    }

    pub async fn day_totals(
        &self,
        campaign_id: String,
        organization_id: Option<String>,
    ) -> Result<Vec<DayTotals>, StoreError> {
        self.read("day_totals", move |conn| {
            breakdown(
                conn,
                "org_day_totals",
                "date",
                &campaign_id,
                organization_id.as_deref(),
            )?
            .into_iter()
            .map(|(date, totals)| {
                let date = parse_date(&date).map_err(internal)?;
                Ok(DayTotals { date, totals })
            })
            .collect()
        })
        .await
    }
}

/// Sums a rollup table by its key column (`mode` or `date`) for the campaign or one
/// organization, leaving out keys without trips; ordered by the key.
fn breakdown(
    conn: &Connection,
    table: &str,
    column: &str,
    campaign_id: &str,
    organization_id: Option<&str>,
) -> Result<Vec<(String, Totals)>, StoreError> {
    let mut statement = conn.prepare_cached(&format!(
        "SELECT {column}, SUM(trips), 0, SUM(distance_m), SUM(co2e_g), SUM(baseline_co2e_g), SUM(savings_g)
         FROM {table}
         WHERE campaign_id = ?1 AND (?2 IS NULL OR organization_id = ?2)
         GROUP BY {column} HAVING SUM(trips) > 0 ORDER BY {column}"
    ))?;
    let rows = statement.query_map(params![campaign_id, organization_id], |row| {
        Ok((row.get::<_, String>(0)?, totals_from_row(row, 1)?))
    })?;
    Ok(rows.collect::<Result<Vec<_>, _>>()?)
}

async fn run_blocking<T: Send + 'static>(
    operation: &'static str,
    work: impl FnOnce() -> Result<T, StoreError> + Send + 'static,
) -> Result<T, StoreError> {
    let started = Instant::now();
    let result = actix_web::rt::task::spawn_blocking(work)
        .await
        .map_err(|e| internal(format!("store task failed: {e}")))?;
    METRICS.record_store(operation, started.elapsed());
    result
}

fn log_trips(conn: &mut Connection, batch: TripBatch) -> Result<Vec<LoggedTrip>, StoreError> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let mut stored = Vec::new();
    {
        let mut find = tx.prepare_cached(
            "SELECT id, direction, co2e_g, baseline_co2e_g, savings_g FROM trips
             WHERE campaign_id = ?1 AND organization_id = ?2 AND participant = ?3 AND date = ?4",
        )?;
        for (participant, date) in participant_days(&batch.trips) {
            let mut rows = find.query(params![
                batch.campaign_id,
                batch.organization_id,
                participant,
                date.to_string()
            ])?;
            while let Some(row) = rows.next()? {
                let direction: String = row.get(1)?;
                stored.push(Occupant {
                    participant: participant.clone(),
                    date,
                    direction: Direction::parse(&direction)
                        .ok_or_else(|| internal(format!("stored direction `{direction}`")))?,
                    id: row.get(0)?,
                    co2e_g: row.get(2)?,
                    baseline_co2e_g: row.get(3)?,
                    savings_g: row.get(4)?,
                });
            }
        }
    }
    let decisions = decide(&batch.trips, stored);
    let mut new_ids = HashMap::new();
    let mut delta = RollupDelta::default();
    {
        let mut insert = tx.prepare_cached(
            "INSERT INTO trips (campaign_id, organization_id, participant, date, direction, main_mode,
                 distance_m, co2e_g, baseline_co2e_g, savings_g, detail, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
        )?;
        for (index, trip) in batch.trips.iter().enumerate() {
            if decisions[index] != Decision::New {
                continue;
            }
            let date = trip.date.to_string();
            insert.execute(params![
                batch.campaign_id,
                batch.organization_id,
                trip.participant.as_str(),
                date,
                trip.direction.as_str(),
                trip.main_mode,
                trip.distance_m,
                trip.co2e_g,
                trip.baseline_co2e_g,
                trip.savings_g,
                trip.detail,
                batch.created_at
            ])?;
            new_ids.insert(index, tx.last_insert_rowid());
            delta.apply(&TripFigures::of(trip, &date), 1);
        }
    }
    apply_rollups(&tx, &batch.campaign_id, &batch.organization_id, &delta)?;
    tx.commit()?;
    Ok(outcomes(&batch.trips, decisions, &new_ids))
}

/// Applies one organization's rollup changes inside the caller's transaction.
fn apply_rollups(
    tx: &rusqlite::Transaction<'_>,
    campaign_id: &str,
    organization_id: &str,
    delta: &RollupDelta,
) -> Result<(), StoreError> {
    if delta.is_empty() {
        return Ok(());
    }
    let mut participants_change = 0i64;
    {
        let mut upsert = tx.prepare_cached(
            "INSERT INTO participants (campaign_id, organization_id, participant, trips) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT DO UPDATE SET trips = trips + excluded.trips
             RETURNING trips",
        )?;
        let mut remove = tx.prepare_cached(
            "DELETE FROM participants WHERE campaign_id = ?1 AND organization_id = ?2 AND participant = ?3 AND trips <= 0",
        )?;
        for (participant, change) in &delta.by_participant {
            if *change == 0 {
                continue;
            }
            let after: i64 = upsert.query_row(
                params![campaign_id, organization_id, participant, change],
                |row| row.get(0),
            )?;
            let before = after - change;
            if before <= 0 && after > 0 {
                participants_change += 1;
            } else if before > 0 && after <= 0 {
                participants_change -= 1;
                remove.execute(params![campaign_id, organization_id, participant])?;
            }
        }
    }
    let o = &delta.organization;
    tx.prepare_cached(
        "INSERT INTO org_totals (campaign_id, organization_id, trips, participants, distance_m, co2e_g, baseline_co2e_g, savings_g)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
         ON CONFLICT DO UPDATE SET trips = trips + excluded.trips,
             participants = participants + excluded.participants,
             distance_m = distance_m + excluded.distance_m, co2e_g = co2e_g + excluded.co2e_g,
             baseline_co2e_g = baseline_co2e_g + excluded.baseline_co2e_g,
             savings_g = savings_g + excluded.savings_g",
    )?
    .execute(params![
        campaign_id,
        organization_id,
        o.trips,
        participants_change,
        o.distance_m,
        o.co2e_g,
        o.baseline_co2e_g,
        o.savings_g
    ])?;
    for (table, column, breakdown) in [
        ("org_mode_totals", "mode", &delta.by_mode),
        ("org_day_totals", "date", &delta.by_day),
    ] {
        let mut upsert = tx.prepare_cached(&format!(
            "INSERT INTO {table} (campaign_id, organization_id, {column}, trips, distance_m, co2e_g, baseline_co2e_g, savings_g)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
             ON CONFLICT DO UPDATE SET trips = trips + excluded.trips,
                 distance_m = distance_m + excluded.distance_m, co2e_g = co2e_g + excluded.co2e_g,
                 baseline_co2e_g = baseline_co2e_g + excluded.baseline_co2e_g,
                 savings_g = savings_g + excluded.savings_g"
        ))?;
        for (key, t) in breakdown {
            upsert.execute(params![
                campaign_id,
                organization_id,
                key,
                t.trips,
                t.distance_m,
                t.co2e_g,
                t.baseline_co2e_g,
                t.savings_g
            ])?;
        }
        tx.prepare_cached(&format!(
            "DELETE FROM {table} WHERE campaign_id = ?1 AND organization_id = ?2 AND trips <= 0"
        ))?
        .execute(params![campaign_id, organization_id])?;
    }
    Ok(())
}

const CAMPAIGN_COLUMNS: &str = "SELECT id, name, description, region, time_zone, starts_on, ends_on,
    factor_set_id, factor_set_version, baseline_mode, public, created_at, updated_at, revision FROM campaigns";

fn campaign_from_row(row: &Row<'_>) -> rusqlite::Result<Result<CampaignRecord, StoreError>> {
    let starts_on: String = row.get(5)?;
    let ends_on: String = row.get(6)?;
    let record = (|| {
        Ok(CampaignRecord {
            id: row.get(0)?,
            name: row.get(1)?,
            description: row.get(2)?,
            region: row.get(3)?,
            time_zone: row.get(4)?,
            starts_on: parse_date(&starts_on).map_err(internal)?,
            ends_on: parse_date(&ends_on).map_err(internal)?,
            factor_set_id: row.get(7)?,
            factor_set_version: row.get(8)?,
            baseline_mode: row.get(9)?,
            public: row.get(10)?,
            created_at: row.get(11)?,
            updated_at: row.get(12)?,
            revision: row.get(13)?,
        })
    })();
    Ok(record.map_err(|e: StoreError| e))
}

const ORGANIZATION_COLUMNS: &str =
    "SELECT id, name, kind, city, headcount, created_at FROM organizations";

fn organization_from_row(
    row: &Row<'_>,
) -> rusqlite::Result<Result<OrganizationRecord, StoreError>> {
    let kind: String = row.get(2)?;
    let Some(kind) = OrganizationKind::parse(&kind) else {
        return Ok(Err(internal(format!("stored organization kind `{kind}`"))));
    };
    Ok(Ok(OrganizationRecord {
        id: row.get(0)?,
        name: row.get(1)?,
        kind,
        city: row.get(3)?,
        headcount: row.get(4)?,
        created_at: row.get(5)?,
    }))
}

const TRIP_COLUMNS: &str = "SELECT id, organization_id, participant, date, direction, main_mode,
    distance_m, co2e_g, baseline_co2e_g, savings_g, detail, created_at FROM trips";

fn trip_from_row(row: &Row<'_>) -> rusqlite::Result<Result<StoredTrip, StoreError>> {
    let date: String = row.get(3)?;
    let direction: String = row.get(4)?;
    let (Ok(date), Some(direction)) = (parse_date(&date), Direction::parse(&direction)) else {
        return Ok(Err(internal(format!(
            "stored trip date `{date}` or direction `{direction}`"
        ))));
    };
    Ok(Ok(StoredTrip {
        id: row.get(0)?,
        organization_id: row.get(1)?,
        participant: row.get(2)?,
        date,
        direction,
        main_mode: row.get(5)?,
        distance_m: row.get(6)?,
        co2e_g: row.get(7)?,
        baseline_co2e_g: row.get(8)?,
        savings_g: row.get(9)?,
        detail: row.get(10)?,
        created_at: row.get(11)?,
    }))
}

fn totals_from_row(row: &Row<'_>, first: usize) -> rusqlite::Result<Totals> {
    Ok(Totals {
        trips: row.get(first)?,
        participants: row.get(first + 1)?,
        distance_m: row.get(first + 2)?,
        co2e_g: row.get(first + 3)?,
        baseline_co2e_g: row.get(first + 4)?,
        savings_g: row.get(first + 5)?,
    })
}
