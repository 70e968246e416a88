//! The embedded store: one SQLite file in WAL mode with `synchronous=FULL`, so that a 201 means
//! the trips survive a crash or power loss. Writes go through one connection (SQLite allows one
//! writer at a time anyway) on one thread; reads use a small pool of their own connections, each
//! with a thread (`StoreThreads`). SQL and driver
//! calls only: row mapping and rules are shared with PostgreSQL (`rows`, `rules`, `rollup`).

use std::collections::HashMap;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, Mutex};

use rusqlite::{params, Connection, OptionalExtension, Row, TransactionBehavior};

use super::checkpoint::Checkpointer;
use super::dedup::{decide, outcomes, participant_days, Decision};
use super::model::*;
use super::rebase::{self, Progress};
use super::rollup::{green_trips_by_day, participant_transition, GreenTripsByDay, RollupDelta};
use super::rows::{self, Columns};
use super::rules::{self, check_campaign_update, StoredCalculation};
use super::{Store, StoreError};

/// Migrations, applied in order once each, by version.
const MIGRATIONS: [(i64, &str); 5] = [
    (1, include_str!("../../migrations/sqlite/0001_init.sql")),
    (
        2,
        include_str!("../../migrations/sqlite/0002_participants.sql"),
    ),
    (
        3,
        include_str!("../../migrations/sqlite/0003_cobenefits.sql"),
    ),
    (
        4,
        include_str!("../../migrations/sqlite/0004_organizers.sql"),
    ),
    (
        5,
        include_str!("../../migrations/sqlite/0005_participant_days_by_date.sql"),
    ),
];

/// Read connections kept open.
const READERS: usize = 2;

/// The SQLite store.
pub struct SqliteStore {
    writer: Arc<Mutex<Connection>>,
    checkpointer: Arc<Checkpointer>,
    readers: Arc<Vec<Mutex<Connection>>>,
    next_reader: AtomicUsize,
    /// The one thread that runs writes.
    write_thread: StoreThreads,
    /// One thread per read connection.
    read_threads: StoreThreads,
}

/// Work for a store thread.
type Job = Box<dyn FnOnce() + Send>;

/// Long-lived threads that run the store's blocking SQLite calls off the async workers, fed by a
/// queue. A fixed set, not the runtime's blocking pool: that pool starts a thread whenever all
/// are busy and ends it after 10 s idle, and every new thread may be given another glibc malloc
/// arena (up to 8 per core), each keeping its own freed memory, so under a soak the process grew
/// by about 0.3 MiB a minute (BENCHMARKS.md, "Soak").
struct StoreThreads {
    queue: mpsc::Sender<Job>,
}

impl StoreThreads {
    /// Starts `count` threads named `name-N`; they end when the store is dropped.
    fn start(name: &str, count: usize) -> Result<Self, StoreError> {
        let (queue, jobs) = mpsc::channel::<Job>();
        let jobs = Arc::new(Mutex::new(jobs));
        for n in 0..count {
            let jobs = jobs.clone();
            std::thread::Builder::new()
                .name(format!("{name}-{n}"))
                .spawn(move || loop {
                    // The lock is held only while waiting for the next job.
                    let job = jobs.lock().unwrap_or_else(|p| p.into_inner()).recv();
                    match job {
                        Ok(job) => job(),
                        Err(_) => break,
                    }
                })
                .map_err(|e| StoreError::Internal(Box::new(e)))?;
        }
        Ok(Self { queue })
    }

    /// Runs `work` on one of the threads and waits for its result without blocking the caller's
    /// thread. A panic in `work` is an internal error, and the thread goes on.
    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let (done, result) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move || {
            let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(work))
                .unwrap_or_else(|_| Err(StoreError::internal("a store task panicked")));
            let _ = done.send(outcome);
        });
        self.queue
            .send(job)
            .map_err(|_| StoreError::internal("the store threads have stopped"))?;
        result
            .await
            .map_err(|_| StoreError::internal("a store task was lost"))?
    }
}

impl From<rusqlite::Error> for StoreError {
    fn from(error: rusqlite::Error) -> Self {
        use rusqlite::ErrorCode;
        // Faults of the file and its disk, not of the request, answered 503 with Retry-After:
        // a locked database, a read-only file or file system, a full disk, an I/O error, a file
        // that cannot be opened. Each rolls the transaction back; a later attempt may succeed.
        match error.sqlite_error_code() {
            Some(
                ErrorCode::DatabaseBusy
                | ErrorCode::DatabaseLocked
                | ErrorCode::ReadOnly
                | ErrorCode::DiskFull
                | ErrorCode::SystemIoFailure
                | ErrorCode::CannotOpen,
            ) => StoreError::Unavailable(error.to_string()),
            _ => StoreError::Internal(Box::new(error)),
        }
    }
}

impl Columns for Row<'_> {
    fn text(&self, index: usize) -> Result<String, StoreError> {
        Ok(self.get(index)?)
    }

    fn opt_text(&self, index: usize) -> Result<Option<String>, StoreError> {
        Ok(self.get(index)?)
    }

    fn int(&self, index: usize) -> Result<i64, StoreError> {
        Ok(self.get(index)?)
    }

    fn opt_int(&self, index: usize) -> Result<Option<i64>, StoreError> {
        Ok(self.get(index)?)
    }

    fn boolean(&self, index: usize) -> Result<bool, StoreError> {
        Ok(self.get(index)?)
    }
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

/// Maps every row of a prepared query with a shared mapper.
fn collect<'s, T>(
    statement: &'s mut rusqlite::Statement<'_>,
    params: impl rusqlite::Params,
    map: impl Fn(&Row<'s>) -> Result<T, StoreError>,
) -> Result<Vec<T>, StoreError> {
    let mut rows = statement.query(params)?;
    let mut out = Vec::new();
    while let Some(row) = rows.next()? {
        out.push(map(row)?);
    }
    Ok(out)
}

/// Maps the one row of a prepared query, if any.
fn first<'s, T>(
    statement: &'s mut rusqlite::Statement<'_>,
    params: impl rusqlite::Params,
    map: impl Fn(&Row<'s>) -> Result<T, StoreError>,
) -> Result<Option<T>, StoreError> {
    let mut rows = statement.query(params)?;
    rows.next()?.map(map).transpose()
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
        let checkpointer = Arc::new(Checkpointer::start(connect(path)?, &writer)?);
        let readers = (0..READERS)
            .map(|_| connect(path).map(Mutex::new))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self {
            writer: Arc::new(Mutex::new(writer)),
            checkpointer,
            readers: Arc::new(readers),
            next_reader: AtomicUsize::new(0),
            write_thread: StoreThreads::start("sqlite-write", 1)?,
            read_threads: StoreThreads::start("sqlite-read", READERS)?,
        })
    }

    /// Runs `work` on the writer connection, off the async threads.
    async fn write<T: Send + 'static>(
        &self,
        work: impl FnOnce(&mut Connection) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let writer = self.writer.clone();
        let checkpointer = self.checkpointer.clone();
        self.write_thread
            .run(move || {
                let mut conn = writer.lock().unwrap_or_else(|p| p.into_inner());
                let outcome = work(&mut conn);
                checkpointer.after_write();
                outcome
            })
            .await
    }

    /// Runs `work` on a free read connection (or waits for one), off the async threads.
    async fn read<T: Send + 'static>(
        &self,
        work: impl FnOnce(&Connection) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let readers = self.readers.clone();
        let start = self.next_reader.fetch_add(1, Ordering::Relaxed);
        self.read_threads
            .run(move || {
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

    /// The record with that id in `table`, or `NotFound` naming its `kind`.
    async fn by_id<T: Send + 'static>(
        &self,
        (table, columns, kind): rows::Table,
        id: &str,
        map: impl Fn(&Row<'_>) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let id = id.to_owned();
        self.read(move |conn| {
            let sql = rows::select((table, columns, kind), Some("?1"));
            first(&mut *conn.prepare_cached(&sql)?, [&id], &map)?
                .ok_or_else(|| rows::not_found(kind, &id))
        })
        .await
    }

    /// Every record of `table`, by id.
    async fn all<T: Send + 'static>(
        &self,
        table: rows::Table,
        map: impl Fn(&Row<'_>) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<Vec<T>, StoreError> {
        self.read(move |conn| {
            let sql = rows::select(table, None);
            collect(&mut *conn.prepare_cached(&sql)?, [], &map)
        })
        .await
    }

    /// A breakdown of a rollup table (see [`rows::breakdown_query`]).
    async fn breakdown(
        &self,
        table: &'static str,
        column: &'static str,
        campaign_id: &str,
        organization_id: Option<&str>,
    ) -> Result<Vec<(String, Totals)>, StoreError> {
        let (campaign_id, organization_id) =
            (campaign_id.to_owned(), organization_id.map(str::to_owned));
        self.read(move |conn| {
            let sql = rows::breakdown_query(table, column, ("?1", "?2"));
            let mut statement = conn.prepare_cached(&sql)?;
            collect(
                &mut statement,
                params![campaign_id, organization_id],
                rows::breakdown,
            )
        })
        .await
    }
}

impl Store for SqliteStore {
    async fn ping(&self) -> Result<(), StoreError> {
        self.read(|conn| {
            conn.query_row("SELECT 1", [], |_| Ok(()))?;
            Ok(())
        })
        .await
    }

    async fn create_campaign(&self, c: &CampaignRecord, snapshot: &str) -> Result<(), StoreError> {
        let (c, snapshot) = (c.clone(), snapshot.to_owned());
        self.write(move |conn| {
            let inserted = conn.execute(
                "INSERT INTO campaigns (id, name, description, region, time_zone, starts_on, ends_on,
                     factor_set_id, factor_set_version, factor_set_json, baseline_mode, public,
                     created_at, updated_at, revision, organizer_id, workdays)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, 1, ?15, ?16)",
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
                    c.updated_at,
                    c.organizer_id,
                    c.workdays.to_stored()
                ],
            );
            conflict_if_taken(inserted, || {
                format!("a campaign with id `{}` already exists", c.id)
            })
        })
        .await
    }

    async fn list_campaigns(&self) -> Result<Vec<CampaignRecord>, StoreError> {
        self.all(rows::CAMPAIGNS, |r| rows::campaign(r)).await
    }

    async fn get_campaign(&self, id: &str) -> Result<CampaignRecord, StoreError> {
        self.by_id(rows::CAMPAIGNS, id, |r| rows::campaign(r)).await
    }

    async fn campaign_snapshot(&self, id: &str) -> Result<String, StoreError> {
        let (table, _, kind) = rows::CAMPAIGNS;
        self.by_id((table, "factor_set_json", kind), id, |r| r.text(0))
            .await
    }

    async fn update_campaign(&self, update: &CampaignUpdate) -> Result<(), StoreError> {
        let update = update.clone();
        self.write(move |conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let c = &update.campaign;
            let stored = tx
                .query_row(
                    "SELECT revision, factor_set_id, factor_set_version, baseline_mode FROM campaigns WHERE id = ?1",
                    [&c.id],
                    |row| {
                        Ok(StoredCalculation {
                            revision: row.get(0)?,
                            factor_set_id: row.get(1)?,
                            factor_set_version: row.get(2)?,
                            baseline_mode: row.get(3)?,
                        })
                    },
                )
                .optional()?
                .ok_or_else(|| StoreError::NotFound(format!("no campaign `{}`", c.id)))?;
            let has_trips: bool = tx.query_row(
                "SELECT EXISTS (SELECT 1 FROM org_totals WHERE campaign_id = ?1 AND trips > 0)",
                [&c.id],
                |row| row.get(0),
            )?;
            let outside: bool = tx.query_row(
                "SELECT EXISTS (SELECT 1 FROM org_day_totals
                   WHERE campaign_id = ?1 AND trips > 0 AND (date < ?2 OR date > ?3))",
                params![c.id, c.starts_on.to_string(), c.ends_on.to_string()],
                |row| row.get(0),
            )?;
            check_campaign_update(&stored, &update, has_trips, outside)?;
            tx.execute(
                "UPDATE campaigns SET name = ?2, description = ?3, region = ?4, time_zone = ?5,
                     starts_on = ?6, ends_on = ?7, factor_set_id = ?8, factor_set_version = ?9,
                     factor_set_json = COALESCE(?10, factor_set_json), baseline_mode = ?11,
                     public = ?12, updated_at = ?13, revision = revision + 1, workdays = ?14
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
                    c.updated_at,
                    c.workdays.to_stored()
                ],
            )?;
            tx.commit()?;
            Ok(())
        })
        .await
    }

    async fn create_organization(&self, o: &OrganizationRecord) -> Result<(), StoreError> {
        let o = o.clone();
        self.write(move |conn| {
            let inserted = conn.execute(
                "INSERT INTO organizations (id, name, kind, city, headcount, created_at, created_by)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![
                    o.id,
                    o.name,
                    o.kind.as_str(),
                    o.city,
                    o.headcount,
                    o.created_at,
                    o.created_by
                ],
            );
            conflict_if_taken(inserted, || {
                format!("an organization with id `{}` already exists", o.id)
            })
        })
        .await
    }

    async fn get_organization(&self, id: &str) -> Result<OrganizationRecord, StoreError> {
        self.by_id(rows::ORGANIZATIONS, id, |r| rows::organization(r))
            .await
    }

    async fn list_organizations(&self) -> Result<Vec<OrganizationRecord>, StoreError> {
        self.all(rows::ORGANIZATIONS, |r| rows::organization(r))
            .await
    }

    async fn enroll(
        &self,
        campaign_id: &str,
        organization_id: &str,
        at: &str,
    ) -> Result<(), StoreError> {
        let values = (
            campaign_id.to_owned(),
            organization_id.to_owned(),
            at.to_owned(),
        );
        self.write(move |conn| {
            conn.execute(
                "INSERT INTO enrollments (campaign_id, organization_id, enrolled_at) VALUES (?1, ?2, ?3)
                 ON CONFLICT DO NOTHING",
                params![values.0, values.1, values.2],
            )?;
            Ok(())
        })
        .await
    }

    async fn is_enrolled(
        &self,
        campaign_id: &str,
        organization_id: &str,
    ) -> Result<bool, StoreError> {
        let (campaign_id, organization_id) = (campaign_id.to_owned(), organization_id.to_owned());
        self.read(move |conn| {
            let mut statement = conn.prepare_cached(
                "SELECT EXISTS (SELECT 1 FROM enrollments WHERE campaign_id = ?1 AND organization_id = ?2)",
            )?;
            Ok(statement.query_row([&campaign_id, &organization_id], |row| row.get(0))?)
        })
        .await
    }

    async fn enrolled_campaigns(&self, organization_id: &str) -> Result<Vec<String>, StoreError> {
        let organization_id = organization_id.to_owned();
        self.read(move |conn| {
            let mut statement = conn.prepare_cached(
                "SELECT campaign_id FROM enrollments WHERE organization_id = ?1 ORDER BY campaign_id",
            )?;
            collect(&mut statement, [&organization_id], |row| row.text(0))
        })
        .await
    }

    async fn create_key(&self, key: &ApiKeyRecord) -> Result<(), StoreError> {
        let key = key.clone();
        self.write(move |conn| {
            conn.execute(
                "INSERT INTO api_keys (id, organization_id, key_hash, created_at) VALUES (?1, ?2, ?3, ?4)",
                params![key.id, key.organization_id, key.key_hash, key.created_at],
            )?;
            Ok(())
        })
        .await
    }

    async fn revoke_key(
        &self,
        organization_id: &str,
        key_id: &str,
        at: &str,
    ) -> Result<(), StoreError> {
        let values = (organization_id.to_owned(), key_id.to_owned(), at.to_owned());
        self.write(move |conn| {
            let (organization_id, key_id, at) = values;
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

    async fn find_key(&self, key_hash: &str) -> Result<Option<KeyOwner>, StoreError> {
        let key_hash = key_hash.to_owned();
        self.read(move |conn| {
            let mut statement = conn.prepare_cached(
                "SELECT id, organization_id FROM api_keys WHERE key_hash = ?1 AND revoked_at IS NULL",
            )?;
            first(&mut statement, [&key_hash], |row| {
                Ok(KeyOwner {
                    key_id: row.text(0)?,
                    organization_id: row.text(1)?,
                })
            })
        })
        .await
    }

    async fn log_trips(&self, batch: TripBatch) -> Result<Vec<LoggedTrip>, StoreError> {
        self.write(move |conn| log_trips(conn, batch)).await
    }

    async fn list_trips(&self, query: &TripQuery) -> Result<Vec<StoredTrip>, StoreError> {
        let query = query.clone();
        self.read(move |conn| {
            let sql = format!(
                "SELECT {} FROM trips WHERE campaign_id = ?1 AND (?2 IS NULL OR organization_id = ?2)
                     AND (?5 IS NULL OR participant = ?5) AND id > ?3
                 ORDER BY id LIMIT ?4",
                rows::TRIP_COLUMNS
            );
            let (organization_id, participant) = query.scope.filters();
            collect(
                &mut *conn.prepare_cached(&sql)?,
                params![
                    query.campaign_id,
                    organization_id,
                    query.after_id,
                    query.limit,
                    participant
                ],
                rows::trip,
            )
        })
        .await
    }

    async fn delete_trip(
        &self,
        campaign_id: &str,
        trip_id: i64,
        scope: &TripScope,
    ) -> Result<(), StoreError> {
        let campaign_id = campaign_id.to_owned();
        let (organization_id, participant) = scope.filters();
        self.write(move |conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let sql = format!(
                "SELECT {} FROM trips WHERE id = ?1 AND campaign_id = ?2 AND (?3 IS NULL OR organization_id = ?3)
                     AND (?4 IS NULL OR participant = ?4)",
                rows::TRIP_COLUMNS
            );
            let trip = first(
                &mut *tx.prepare_cached(&sql)?,
                params![trip_id, campaign_id, organization_id, participant],
                rows::trip,
            )?
            .ok_or_else(|| {
                StoreError::NotFound(format!("no trip {trip_id} in campaign `{campaign_id}`"))
            })?;
            tx.execute("DELETE FROM trips WHERE id = ?1", [trip_id])?;
            let mut delta = RollupDelta::default();
            let date = trip.date.to_string();
            delta.apply(&trip.participant, &date, &trip.figures, -1);
            apply_rollups(&tx, &campaign_id, &trip.organization_id, &delta, None)?;
            tx.commit()?;
            Ok(())
        })
        .await
    }

    async fn rebase_campaign(&self, rebase: Rebase) -> Result<RebaseOutcome, StoreError> {
        self.write(move |conn| rebase_campaign(conn, rebase)).await
    }

    async fn create_invite(&self, invite: &InviteRecord) -> Result<(), StoreError> {
        let invite = invite.clone();
        self.write(move |conn| {
            let inserted = conn.execute(
                &format!(
                    "INSERT INTO invites ({}, seq) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9,
                     (SELECT COALESCE(MAX(seq), 0) + 1 FROM invites))",
                    rows::INVITE_COLUMNS
                ),
                params![
                    invite.id,
                    invite.campaign_id,
                    invite.organization_id,
                    invite.code_hash,
                    invite.code_hint,
                    invite.created_at,
                    invite.expires_at,
                    invite.max_participants,
                    invite.revoked_at
                ],
            );
            conflict_if_taken(inserted, || format!("invite `{}` exists", invite.id))
        })
        .await
    }

    async fn invites(
        &self,
        campaign_id: &str,
        organization_id: &str,
    ) -> Result<Vec<InviteListing>, StoreError> {
        let (campaign_id, organization_id) = (campaign_id.to_owned(), organization_id.to_owned());
        self.read(move |conn| {
            let sql = rows::invite_listing_query("?1", "?2");
            collect(
                &mut *conn.prepare_cached(&sql)?,
                params![campaign_id, organization_id],
                rows::invite_listing,
            )
        })
        .await
    }

    async fn find_invite(&self, code_hash: &str) -> Result<Option<InviteRecord>, StoreError> {
        let code_hash = code_hash.to_owned();
        self.read(move |conn| {
            let sql = format!(
                "SELECT {} FROM invites WHERE code_hash = ?1",
                rows::INVITE_COLUMNS
            );
            first(&mut *conn.prepare_cached(&sql)?, [&code_hash], rows::invite)
        })
        .await
    }

    async fn revoke_invite(
        &self,
        campaign_id: &str,
        organization_id: &str,
        reference: &str,
        at: &str,
    ) -> Result<(), StoreError> {
        let values = (
            campaign_id.to_owned(),
            organization_id.to_owned(),
            reference.to_owned(),
            at.to_owned(),
        );
        self.write(move |conn| {
            let (campaign_id, organization_id, reference, at) = values;
            let changed = conn.execute(
                "UPDATE invites SET revoked_at = COALESCE(revoked_at, ?4)
                 WHERE campaign_id = ?1 AND organization_id = ?2 AND (id = ?3 OR code_hash = ?3)",
                params![campaign_id, organization_id, reference, at],
            )?;
            if changed == 0 {
                return Err(rows::no_invite(&organization_id, &campaign_id));
            }
            Ok(())
        })
        .await
    }

    async fn join(
        &self,
        code_hash: &str,
        participant: &NewParticipant,
        now: &str,
    ) -> Result<JoinOutcome, StoreError> {
        let values = (code_hash.to_owned(), participant.clone(), now.to_owned());
        self.write(move |conn| {
            let (code_hash, participant, now) = values;
            // The one writer connection serializes joins, so the count cannot race.
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let sql = format!(
                "SELECT {} FROM invites WHERE code_hash = ?1",
                rows::INVITE_COLUMNS
            );
            let Some(invite) = first(&mut *tx.prepare_cached(&sql)?, [&code_hash], rows::invite)?
            else {
                return Ok(JoinOutcome::Unknown);
            };
            let joined: i64 = tx.query_row(
                "SELECT COUNT(*) FROM joined_participants WHERE invite_id = ?1",
                [&invite.id],
                |row| row.get(0),
            )?;
            if let Some(refusal) = rules::join_refusal(&invite, joined, &now) {
                return Ok(refusal);
            }
            let inserted = tx.execute(
                "INSERT INTO joined_participants (id, campaign_id, organization_id, invite_id, token_hash, nickname, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![
                    participant.id,
                    invite.campaign_id,
                    invite.organization_id,
                    invite.id,
                    participant.token_hash,
                    participant.nickname,
                    participant.created_at
                ],
            );
            conflict_if_taken(inserted, || format!("participant `{}` exists", participant.id))?;
            tx.commit()?;
            Ok(JoinOutcome::Joined(Box::new(invite)))
        })
        .await
    }

    async fn find_participant(
        &self,
        token_hash: &str,
    ) -> Result<Option<ParticipantRecord>, StoreError> {
        let token_hash = token_hash.to_owned();
        self.read(move |conn| {
            let sql = format!(
                "SELECT {} FROM joined_participants WHERE token_hash = ?1 AND revoked_at IS NULL",
                rows::PARTICIPANT_COLUMNS
            );
            first(
                &mut *conn.prepare_cached(&sql)?,
                [&token_hash],
                rows::participant,
            )
        })
        .await
    }

    async fn revoke_participant(
        &self,
        campaign_id: &str,
        organization_id: &str,
        participant_id: &str,
        at: &str,
    ) -> Result<(), StoreError> {
        let values = (
            campaign_id.to_owned(),
            organization_id.to_owned(),
            participant_id.to_owned(),
            at.to_owned(),
        );
        self.write(move |conn| {
            let (campaign_id, organization_id, participant_id, at) = values;
            let changed = conn.execute(
                "UPDATE joined_participants SET revoked_at = COALESCE(revoked_at, ?4)
                 WHERE campaign_id = ?1 AND organization_id = ?2 AND id = ?3",
                params![campaign_id, organization_id, participant_id, at],
            )?;
            if changed == 0 {
                return Err(rows::no_participant(&organization_id, &participant_id));
            }
            Ok(())
        })
        .await
    }

    async fn joined_by_invite(
        &self,
        campaign_id: &str,
        organization_id: &str,
    ) -> Result<i64, StoreError> {
        let (campaign_id, organization_id) = (campaign_id.to_owned(), organization_id.to_owned());
        self.read(move |conn| {
            Ok(conn.query_row(
                "SELECT COUNT(*) FROM joined_participants WHERE campaign_id = ?1 AND organization_id = ?2",
                params![campaign_id, organization_id],
                |row| row.get(0),
            )?)
        })
        .await
    }

    async fn update_organization(&self, o: &OrganizationRecord) -> Result<(), StoreError> {
        let o = o.clone();
        self.write(move |conn| {
            let changed = conn.execute(
                "UPDATE organizations SET name = ?2, kind = ?3, city = ?4, headcount = ?5 WHERE id = ?1",
                params![o.id, o.name, o.kind.as_str(), o.city, o.headcount],
            )?;
            if changed == 0 {
                return Err(rows::not_found("organization", &o.id));
            }
            Ok(())
        })
        .await
    }

    async fn create_organizer(&self, o: &OrganizerRecord) -> Result<(), StoreError> {
        let o = o.clone();
        self.write(move |conn| {
            let inserted = conn.execute(
                "INSERT INTO organizers (id, name, city, created_at) VALUES (?1, ?2, ?3, ?4)",
                params![o.id, o.name, o.city, o.created_at],
            );
            conflict_if_taken(inserted, || {
                format!("an organizer with id `{}` already exists", o.id)
            })
        })
        .await
    }

    async fn get_organizer(&self, id: &str) -> Result<OrganizerRecord, StoreError> {
        self.by_id(rows::ORGANIZERS, id, |r| rows::organizer(r))
            .await
    }

    async fn list_organizers(&self) -> Result<Vec<OrganizerRecord>, StoreError> {
        self.all(rows::ORGANIZERS, |r| rows::organizer(r)).await
    }

    async fn create_organizer_key(&self, key: &OrganizerKeyRecord) -> Result<(), StoreError> {
        let key = key.clone();
        self.write(move |conn| {
            conn.execute(
                "INSERT INTO organizer_keys (id, organizer_id, key_hash, created_at) VALUES (?1, ?2, ?3, ?4)",
                params![key.id, key.organizer_id, key.key_hash, key.created_at],
            )?;
            Ok(())
        })
        .await
    }

    async fn revoke_organizer_key(
        &self,
        organizer_id: &str,
        key_id: &str,
        at: &str,
    ) -> Result<(), StoreError> {
        let values = (organizer_id.to_owned(), key_id.to_owned(), at.to_owned());
        self.write(move |conn| {
            let (organizer_id, key_id, at) = values;
            let changed = conn.execute(
                "UPDATE organizer_keys SET revoked_at = COALESCE(revoked_at, ?3) WHERE id = ?1 AND organizer_id = ?2",
                params![key_id, organizer_id, at],
            )?;
            if changed == 0 {
                return Err(StoreError::NotFound(format!(
                    "organizer `{organizer_id}` has no key `{key_id}`"
                )));
            }
            Ok(())
        })
        .await
    }

    async fn find_organizer_key(
        &self,
        key_hash: &str,
    ) -> Result<Option<OrganizerKeyOwner>, StoreError> {
        let key_hash = key_hash.to_owned();
        self.read(move |conn| {
            let mut statement = conn.prepare_cached(
                "SELECT id, organizer_id FROM organizer_keys WHERE key_hash = ?1 AND revoked_at IS NULL",
            )?;
            first(&mut statement, [&key_hash], |row| {
                Ok(OrganizerKeyOwner {
                    key_id: row.text(0)?,
                    organizer_id: row.text(1)?,
                })
            })
        })
        .await
    }

    async fn record_audit(&self, entry: &AuditEntry) -> Result<(), StoreError> {
        let e = entry.clone();
        self.write(move |conn| insert_audit(conn, &e)).await
    }

    async fn audit(&self, query: &AuditQuery) -> Result<Vec<AuditEntry>, StoreError> {
        let query = query.clone();
        self.read(move |conn| {
            let sql = format!(
                "SELECT {} FROM audit_log WHERE (?1 IS NULL OR campaign_id = ?1) AND seq > ?2
                     AND (?4 IS NULL OR action = ?4)
                 ORDER BY seq LIMIT ?3",
                rows::AUDIT_COLUMNS
            );
            collect(
                &mut *conn.prepare_cached(&sql)?,
                params![
                    query.campaign_id,
                    query.after_seq,
                    query.limit,
                    query.action
                ],
                rows::audit_entry,
            )
        })
        .await
    }

    async fn weekday_green_days(
        &self,
        campaign_id: &str,
    ) -> Result<Vec<WeekdayGreenDays>, StoreError> {
        let campaign_id = campaign_id.to_owned();
        self.read(move |conn| {
            let sql = rows::weekday_green_days_query("?1");
            collect(
                &mut *conn.prepare_cached(&sql)?,
                [&campaign_id],
                rows::weekday_green_days,
            )
        })
        .await
    }

    async fn campaign_totals(&self) -> Result<Vec<CampaignTotals>, StoreError> {
        self.read(|conn| {
            collect(
                &mut *conn.prepare_cached(rows::CAMPAIGN_TOTALS_QUERY)?,
                [],
                rows::campaign_totals,
            )
        })
        .await
    }

    async fn public_participants(&self) -> Result<i64, StoreError> {
        self.read(|conn| Ok(conn.query_row(rows::PUBLIC_PARTICIPANTS_QUERY, [], |row| row.get(0))?))
            .await
    }

    async fn standings(&self, campaign_id: &str) -> Result<Vec<Standing>, StoreError> {
        let campaign_id = campaign_id.to_owned();
        self.read(move |conn| {
            let sql = format!(
                "{} WHERE e.campaign_id = ?1 ORDER BY o.id",
                rows::STANDINGS_SELECT
            );
            collect(
                &mut *conn.prepare_cached(&sql)?,
                [&campaign_id],
                rows::standing,
            )
        })
        .await
    }

    async fn standing(
        &self,
        campaign_id: &str,
        organization_id: &str,
    ) -> Result<Option<Standing>, StoreError> {
        let (campaign_id, organization_id) = (campaign_id.to_owned(), organization_id.to_owned());
        self.read(move |conn| {
            let sql = format!(
                "{} WHERE e.campaign_id = ?1 AND e.organization_id = ?2",
                rows::STANDINGS_SELECT
            );
            first(
                &mut *conn.prepare_cached(&sql)?,
                [&campaign_id, &organization_id],
                rows::standing,
            )
        })
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

fn log_trips(conn: &mut Connection, batch: TripBatch) -> Result<Vec<LoggedTrip>, StoreError> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let current = tx
        .query_row(
            "SELECT factor_set_id, factor_set_version FROM campaigns WHERE id = ?1",
            [&batch.campaign_id],
            |row| {
                Ok(SetVersion {
                    id: row.get(0)?,
                    version: row.get(1)?,
                })
            },
        )
        .optional()?
        .ok_or_else(|| rows::not_found("campaign", &batch.campaign_id))?;
    rules::check_computed_with(&batch, &current)?;
    let mut stored = Vec::new();
    {
        let mut find = tx.prepare_cached(&format!(
            "SELECT {} FROM trips
             WHERE campaign_id = ?1 AND organization_id = ?2 AND participant = ?3 AND date = ?4",
            rows::OCCUPANT_COLUMNS
        ))?;
        for (participant, date) in participant_days(&batch.trips) {
            stored.extend(collect(
                &mut find,
                params![
                    batch.campaign_id,
                    batch.organization_id,
                    participant,
                    date.to_string()
                ],
                rows::occupant,
            )?);
        }
    }
    let stored_green = green_trips_by_day(&stored);
    let decisions = decide(&batch.trips, stored);
    let mut new_ids = HashMap::new();
    let mut delta = RollupDelta::default();
    {
        let mut insert = tx.prepare_cached(
            "INSERT INTO trips (campaign_id, organization_id, participant, date, direction, main_mode,
                 distance_m, co2e_g, baseline_co2e_g, savings_g, detail, created_at,
                 active_minutes, nox_mg, pm25_mg, baseline_nox_mg, baseline_pm25_mg,
                 nox_saved_mg, pm25_saved_mg, air_complete)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12,
                 ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20)",
        )?;
        for (index, trip) in batch.trips.iter().enumerate() {
            if decisions[index] != Decision::New {
                continue;
            }
            let date = trip.date.to_string();
            let co = &trip.figures.co_benefits;
            insert.execute(params![
                batch.campaign_id,
                batch.organization_id,
                trip.participant.as_str(),
                date,
                trip.direction.as_str(),
                trip.figures.main_mode,
                trip.figures.distance_m,
                trip.figures.co2e_g,
                trip.figures.baseline_co2e_g,
                trip.figures.savings_g,
                trip.detail,
                batch.created_at,
                co.active_minutes,
                co.air.nox_mg,
                co.air.pm25_mg,
                co.baseline_air.nox_mg,
                co.baseline_air.pm25_mg,
                co.air_saved.nox_mg,
                co.air_saved.pm25_mg,
                co.air_complete
            ])?;
            new_ids.insert(index, tx.last_insert_rowid());
            delta.apply(trip.participant.as_str(), &date, &trip.figures, 1);
        }
    }
    apply_rollups(
        &tx,
        &batch.campaign_id,
        &batch.organization_id,
        &delta,
        Some(&stored_green),
    )?;
    if batch.dry_run {
        // Everything ran, as a real batch would; dropping the transaction undoes it.
        drop(tx);
        return Ok(outcomes(&batch.trips, decisions, &HashMap::new()));
    }
    tx.commit()?;
    Ok(outcomes(&batch.trips, decisions, &new_ids))
}

/// The one writer connection runs the whole rebase, so no other write of any campaign can
/// interleave with it; a batch computed before it is refused by `log_trips`.
fn rebase_campaign(conn: &mut Connection, rebase: Rebase) -> Result<RebaseOutcome, StoreError> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let campaign_id = rebase.campaign_id.as_str();
    let revision: i64 = tx
        .query_row(
            "SELECT revision FROM campaigns WHERE id = ?1",
            [campaign_id],
            |row| row.get(0),
        )
        .optional()?
        .ok_or_else(|| rows::not_found("campaign", campaign_id))?;
    rules::check_rebase_revision(revision, rebase.expected_revision)?;
    let totals_sql = rebase::totals_query("?1");
    let before = tx.query_row(&totals_sql, [campaign_id], |row| Ok(rows::totals(row, 0)))??;
    let mut progress = Progress::new(rebase.list_at_most);
    {
        let mut page = tx.prepare(&rebase::page_query("?1", "?2", "?3"))?;
        let mut update = tx.prepare(
            "UPDATE trips SET main_mode = ?2, distance_m = ?3, co2e_g = ?4, baseline_co2e_g = ?5,
                 savings_g = ?6, detail = ?7, active_minutes = ?8, nox_mg = ?9, pm25_mg = ?10,
                 baseline_nox_mg = ?11, baseline_pm25_mg = ?12, nox_saved_mg = ?13,
                 pm25_saved_mg = ?14, air_complete = ?15
             WHERE id = ?1",
        )?;
        let mut after_id = 0;
        loop {
            let trips = collect(
                &mut page,
                params![campaign_id, after_id, rebase::PAGE],
                rows::trip,
            )?;
            let Some(last) = trips.last() else { break };
            after_id = last.id;
            for (id, trip) in progress.page(&rebase.recompute, &trips) {
                let (f, co) = (&trip.figures, &trip.figures.co_benefits);
                update.execute(params![
                    id,
                    f.main_mode,
                    f.distance_m,
                    f.co2e_g,
                    f.baseline_co2e_g,
                    f.savings_g,
                    trip.detail,
                    co.active_minutes,
                    co.air.nox_mg,
                    co.air.pm25_mg,
                    co.baseline_air.nox_mg,
                    co.baseline_air.pm25_mg,
                    co.air_saved.nox_mg,
                    co.air_saved.pm25_mg,
                    co.air_complete
                ])?;
            }
        }
    }
    if let Some(refusal) = progress.refusal() {
        // Dropping the transaction undoes whatever pages were rewritten before the refusal.
        return Ok(refusal);
    }
    let weekday = |date: &str| format!("(CAST(strftime('%w', {date}) AS INTEGER) + 6) % 7 + 1");
    for statement in rebase::rebuild_statements("?1", weekday) {
        tx.execute(&statement, [campaign_id])?;
    }
    tx.execute(
        "UPDATE campaigns SET factor_set_id = ?2, factor_set_version = ?3, factor_set_json = ?4,
             updated_at = ?5, revision = revision + 1
         WHERE id = ?1",
        params![
            campaign_id,
            rebase.to.id,
            rebase.to.version,
            rebase.snapshot,
            rebase.updated_at
        ],
    )?;
    let after = tx.query_row(&totals_sql, [campaign_id], |row| Ok(rows::totals(row, 0)))??;
    insert_audit(&tx, &(rebase.audit)(&before, &after))?;
    tx.commit()?;
    Ok(RebaseOutcome::Rebased { before, after })
}

fn insert_audit(conn: &Connection, e: &AuditEntry) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO audit_log (at, actor, actor_id, key_id, action, campaign_id, subject, detail)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![
            e.at,
            e.actor,
            e.actor_id,
            e.key_id,
            e.action,
            e.campaign_id,
            e.subject,
            e.detail
        ],
    )?;
    Ok(())
}

/// Applies one organization's rollup changes inside the caller's transaction.
/// Green trips per participant and day, and green (participant, day) pairs per weekday.
/// `stored_green` holds the green trips already stored on each changed participant-day when the
/// caller has read them (logging reads every stored trip of its days to find duplicates): the
/// counts are then written many rows per statement and not read back.
fn apply_regularity(
    tx: &rusqlite::Transaction<'_>,
    campaign_id: &str,
    organization_id: &str,
    delta: &RollupDelta,
    stored_green: Option<&GreenTripsByDay>,
) -> Result<(), StoreError> {
    let changed = delta.changed_green_days();
    let after = match stored_green {
        Some(stored) => {
            add_green_trips(tx, campaign_id, organization_id, &changed)?;
            changed
                .iter()
                .map(|&(key, change)| (key, stored.get(key).copied().unwrap_or_default() + change))
                .collect()
        }
        None => add_green_trips_read_back(tx, campaign_id, organization_id, &changed)?,
    };
    let mut remove = tx.prepare_cached(
        "DELETE FROM participant_days WHERE campaign_id = ?1 AND organization_id = ?2
             AND participant = ?3 AND date = ?4 AND green_trips <= 0",
    )?;
    for ((participant, date), _) in after.iter().filter(|(_, count)| **count <= 0) {
        remove.execute(params![campaign_id, organization_id, participant, date])?;
    }
    let by_weekday =
        delta.green_days_by_weekday(|key| after.get(key).copied().unwrap_or_default())?;
    let mut upsert = tx.prepare_cached(
        "INSERT INTO org_weekday_days (campaign_id, organization_id, weekday, green_days) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT DO UPDATE SET green_days = green_days + excluded.green_days",
    )?;
    for (index, change) in by_weekday.iter().enumerate().filter(|(_, c)| **c != 0) {
        upsert.execute(params![
            campaign_id,
            organization_id,
            index as i64 + 1,
            change
        ])?;
    }
    Ok(())
}

/// Participant-days written per statement: one statement's fixed cost (binding, opening the
/// table, resetting) is shared by this many rows.
const GREEN_DAYS_PER_STATEMENT: usize = 128;

/// The statement adding the green trips of `rows` participant-days.
fn green_days_upsert(rows: usize) -> String {
    let values: Vec<String> = (0..rows)
        .map(|i| format!("(?1, ?2, ?{}, ?{}, ?{})", 3 + 3 * i, 4 + 3 * i, 5 + 3 * i))
        .collect();
    format!(
        "INSERT INTO participant_days (campaign_id, organization_id, participant, date, green_trips)
         VALUES {}
         ON CONFLICT DO UPDATE SET green_trips = green_trips + excluded.green_trips",
        values.join(", ")
    )
}

/// The full-size statement's text, written once: it is the key of the statement cache.
static FULL_GREEN_DAYS_UPSERT: std::sync::LazyLock<String> =
    std::sync::LazyLock::new(|| green_days_upsert(GREEN_DAYS_PER_STATEMENT));

/// Adds each change to its participant-day's green trips, many rows per statement.
fn add_green_trips(
    tx: &rusqlite::Transaction<'_>,
    campaign_id: &str,
    organization_id: &str,
    changed: &[(&(String, String), i64)],
) -> Result<(), StoreError> {
    for chunk in changed.chunks(GREEN_DAYS_PER_STATEMENT) {
        // Only the full-size statement is kept: the last chunk's size differs from batch to
        // batch, and caching each would push the hot statements out of the cache.
        let (mut cached, mut uncached);
        let upsert: &mut rusqlite::Statement<'_> = if chunk.len() == GREEN_DAYS_PER_STATEMENT {
            cached = tx.prepare_cached(&FULL_GREEN_DAYS_UPSERT)?;
            &mut cached
        } else {
            uncached = tx.prepare(&green_days_upsert(chunk.len()))?;
            &mut uncached
        };
        let mut values: Vec<&dyn rusqlite::ToSql> = vec![&campaign_id, &organization_id];
        for ((participant, date), change) in chunk {
            values.extend([participant as &dyn rusqlite::ToSql, date, change]);
        }
        upsert.execute(values.as_slice())?;
    }
    Ok(())
}

/// Adds each change to its participant-day's green trips and reads back the counts after it.
fn add_green_trips_read_back<'k>(
    tx: &rusqlite::Transaction<'_>,
    campaign_id: &str,
    organization_id: &str,
    changed: &[(&'k (String, String), i64)],
) -> Result<std::collections::BTreeMap<&'k (String, String), i64>, StoreError> {
    let mut upsert = tx.prepare_cached(
        "INSERT INTO participant_days (campaign_id, organization_id, participant, date, green_trips)
         VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT DO UPDATE SET green_trips = green_trips + excluded.green_trips
         RETURNING green_trips",
    )?;
    changed
        .iter()
        .map(|&(key, change)| {
            let (participant, date) = key;
            let values = params![campaign_id, organization_id, participant, date, change];
            Ok((key, upsert.query_row(values, |row| row.get(0))?))
        })
        .collect()
}

fn apply_rollups(
    tx: &rusqlite::Transaction<'_>,
    campaign_id: &str,
    organization_id: &str,
    delta: &RollupDelta,
    stored_green: Option<&GreenTripsByDay>,
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
        for (participant, change) in delta.by_participant.iter().filter(|(_, c)| **c != 0) {
            let after: i64 = upsert.query_row(
                params![campaign_id, organization_id, participant, change],
                |row| row.get(0),
            )?;
            participants_change += participant_transition(*change, after);
            if after <= 0 {
                remove.execute(params![campaign_id, organization_id, participant])?;
            }
        }
    }
    apply_regularity(tx, campaign_id, organization_id, delta, stored_green)?;
    let o = &delta.organization;
    tx.prepare_cached(
        "INSERT INTO org_totals (campaign_id, organization_id, trips, participants, distance_m, co2e_g, baseline_co2e_g, savings_g,
             active_minutes, nox_saved_mg, pm25_saved_mg, air_incomplete_trips)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)
         ON CONFLICT DO UPDATE SET trips = trips + excluded.trips,
             participants = participants + excluded.participants,
             distance_m = distance_m + excluded.distance_m, co2e_g = co2e_g + excluded.co2e_g,
             baseline_co2e_g = baseline_co2e_g + excluded.baseline_co2e_g,
             savings_g = savings_g + excluded.savings_g,
             active_minutes = active_minutes + excluded.active_minutes,
             nox_saved_mg = nox_saved_mg + excluded.nox_saved_mg,
             pm25_saved_mg = pm25_saved_mg + excluded.pm25_saved_mg,
             air_incomplete_trips = air_incomplete_trips + excluded.air_incomplete_trips",
    )?
    .execute(params![
        campaign_id,
        organization_id,
        o.trips,
        participants_change,
        o.distance_m,
        o.co2e_g,
        o.baseline_co2e_g,
        o.savings_g,
        o.active_minutes,
        o.air_saved.nox_mg,
        o.air_saved.pm25_mg,
        o.air_incomplete_trips
    ])?;
    for (table, column, breakdown) in [
        ("org_mode_totals", "mode", &delta.by_mode),
        ("org_day_totals", "date", &delta.by_day),
    ] {
        let mut upsert = tx.prepare_cached(&format!(
            "INSERT INTO {table} (campaign_id, organization_id, {column}, trips, distance_m, co2e_g, baseline_co2e_g, savings_g,
                 active_minutes, nox_saved_mg, pm25_saved_mg, air_incomplete_trips)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)
             ON CONFLICT DO UPDATE SET trips = trips + excluded.trips,
                 distance_m = distance_m + excluded.distance_m, co2e_g = co2e_g + excluded.co2e_g,
                 baseline_co2e_g = baseline_co2e_g + excluded.baseline_co2e_g,
                 savings_g = savings_g + excluded.savings_g,
                 active_minutes = active_minutes + excluded.active_minutes,
                 nox_saved_mg = nox_saved_mg + excluded.nox_saved_mg,
                 pm25_saved_mg = pm25_saved_mg + excluded.pm25_saved_mg,
                 air_incomplete_trips = air_incomplete_trips + excluded.air_incomplete_trips"
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
                t.savings_g,
                t.active_minutes,
                t.air_saved.nox_mg,
                t.air_saved.pm25_mg,
                t.air_incomplete_trips
            ])?;
        }
        tx.prepare_cached(&format!(
            "DELETE FROM {table} WHERE campaign_id = ?1 AND organization_id = ?2 AND trips <= 0"
        ))?
        .execute(params![campaign_id, organization_id])?;
    }
    Ok(())
}
