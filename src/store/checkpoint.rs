//! SQLite WAL checkpoints off the writer's path. Left to SQLite, the connection whose commit
//! takes the write-ahead log past 1,000 pages copies them into the database file before that
//! commit returns, so one write in a few pays for the checkpoint of many (8 % of the service's
//! time when logging a million trips). Here the writer wakes a thread of its own after each
//! write, which checkpoints on its own connection while the writer goes on: a passive checkpoint
//! needs no lock a writer holds and copies only committed frames.
//!
//! The log starts over only when a write begins after a checkpoint has reached its end. When
//! writes follow each other without a pause, the thread's checkpoint never gets there first and
//! the log would grow without bound; so the writer still checkpoints itself, between two of its
//! own transactions, once the log passes [`LOG_PAGES_BEFORE_THE_WRITER_CHECKPOINTS`].

use std::os::raw::c_int;
use std::sync::mpsc;

use rusqlite::hooks::{CheckpointMode, Wal};
use rusqlite::Connection;

use super::StoreError;

/// Pages of log (4 KiB each) past which a commit checkpoints on the writer, as SQLite's own
/// automatic checkpoint does at 1,000: four times that, since the thread normally keeps the log
/// far shorter, and a write of 10,000 trips alone adds several hundred.
const LOG_PAGES_BEFORE_THE_WRITER_CHECKPOINTS: c_int = 4_000;

/// The checkpoint thread's handle, held by the store; the thread ends when it is dropped.
pub struct Checkpointer {
    wake: mpsc::SyncSender<()>,
}

impl Checkpointer {
    /// Starts the thread on `connection` (its own, to the same file) and replaces the writer's
    /// automatic checkpoint with the bound above.
    pub fn start(connection: Connection, writer: &Connection) -> Result<Self, StoreError> {
        writer.wal_hook(Some(checkpoint_a_long_log));
        let (wake, woken) = mpsc::sync_channel::<()>(1);
        std::thread::Builder::new()
            .name("sqlite-checkpoint".into())
            .spawn(move || {
                while woken.recv().is_ok() {
                    let passive =
                        connection.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()));
                    if let Err(error) = passive {
                        tracing::warn!(%error, "a background WAL checkpoint failed");
                    }
                }
            })
            .map_err(|e| StoreError::Internal(Box::new(e)))?;
        Ok(Self { wake })
    }

    /// Called by the writer after each write transaction; a wake-up already pending covers this
    /// write too.
    pub fn after_write(&self) {
        let _ = self.wake.try_send(());
    }
}

/// The writer's commit hook: checkpoints here when the log has grown past the bound. The commit
/// has happened whatever this returns (an error would only make it look failed), so a failed
/// checkpoint is logged, not returned.
fn checkpoint_a_long_log(wal: &Wal, pages: c_int) -> rusqlite::Result<()> {
    if pages >= LOG_PAGES_BEFORE_THE_WRITER_CHECKPOINTS {
        if let Err(error) = wal.checkpoint_v2(CheckpointMode::PASSIVE) {
            tracing::warn!(%error, "a WAL checkpoint on the writer failed");
        }
    }
    Ok(())
}
