//! Group commit for standalone audit entries ([`Store::record`]).
//!
//! A read of protected data, a denial or a login writes one audit entry and
//! nothing else, and must not be answered before that entry is durable. With
//! one transaction per entry every such request pays a whole commit (on
//! SQLite with `synchronous = FULL`: a WAL fsync), and the commits queue
//! behind the single write lock. Instead, callers hand their record to one
//! writer task over a bounded channel and wait on a oneshot reply. The
//! writer takes whatever has queued up (at least one record, at most
//! [`MAX_BATCH`]), inserts it in **one** transaction, commits, and only then
//! answers every caller of the batch. While a batch commits, the next one
//! queues, so under load one fsync covers many entries and under no load a
//! record is written at once (there is no timer to wait for).
//!
//! Fail-closed, with each caller's fate known:
//! - the batch committed: every caller gets `Ok`;
//! - an insert failed: the transaction is rolled back, so nothing of the
//!   batch was written; each record is then written again in its own
//!   transaction and its caller gets that outcome. One bad record (say, text
//!   the database refuses) thus fails only its own request, and a broken log
//!   still fails every one of them;
//! - `BEGIN` or `COMMIT` failed: every caller of the batch gets the error.
//!   A failed commit may, on a lost PostgreSQL connection, have committed
//!   after all; then entries exist for requests that were refused, which
//!   over-records but never hides an answered request.
//!
//! Recovery: a failed batch leaves no connection behind in a transaction
//! (the pool refuses such a connection on acquire, see `Store::connect`), so
//! once the cause is gone (space freed on a full volume) the next batch
//! commits without a restart. While batches fail the writer counts as
//! failing, and [`Store::audit_ready`] proves a write before saying ready.
//!
//! Entries keep the order in which callers enqueued them: the channel is
//! first in, first out and ids (UUIDv7, monotonic within the process) are
//! made at write time in that order.
//!
//! [`Store::record`]: crate::Store::record
//! [`Store::audit_ready`]: crate::Store::audit_ready

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use dsg_core::AuditRecord;
use tokio::sync::{mpsc, oneshot};

use crate::audited::Writes;
use crate::{audit, StoreError};

/// Most records written in one transaction: bounds the transaction's size
/// and how long the write lock is held.
pub(crate) const MAX_BATCH: usize = 1000;
/// Records that may wait for the writer. Beyond this, callers wait to
/// enqueue (backpressure) instead of growing memory without bound.
const QUEUE: usize = 4 * MAX_BATCH;

/// One caller's record and where its outcome goes.
#[derive(Debug)]
struct Job {
    now_ms: i64,
    record: AuditRecord,
    reply: oneshot::Sender<Result<(), StoreError>>,
}

/// The sending side, held by every clone of the store. When the last clone
/// is dropped the channel closes and the writer task ends.
#[derive(Debug, Clone)]
pub(crate) struct AuditWriter {
    jobs: mpsc::Sender<Job>,
    /// Set when a batch could not be written for want of the database (not
    /// for a record it refused); cleared by the next committed write.
    failing: Arc<AtomicBool>,
}

impl AuditWriter {
    /// Starts the writer task on the current tokio runtime.
    ///
    /// The task keeps a handle on the pool, never a connection: it takes one
    /// only for a batch and gives it back after the commit. An idle writer
    /// holding a connection would take a slot from the (small) pool for
    /// good, and on PostgreSQL would sit on a connection that the server or
    /// a proxy may close while idle, failing the next batch. The pool checks
    /// and replaces connections; the writer does not have to.
    pub(crate) fn spawn(writes: Writes) -> Self {
        let (jobs, queue) = mpsc::channel(QUEUE);
        let failing = Arc::new(AtomicBool::new(false));
        tokio::spawn(run(writes, queue, failing.clone()));
        Self { jobs, failing }
    }

    /// Whether the last write failed for want of the database.
    pub(crate) fn is_failing(&self) -> bool {
        self.failing.load(Ordering::Acquire)
    }

    /// Clears the failing mark once a write has been shown to commit.
    pub(crate) fn mark_recovered(&self) {
        self.failing.store(false, Ordering::Release);
    }

    /// Queues a record and waits until it is committed (or has failed).
    pub(crate) async fn append(&self, now_ms: i64, record: &AuditRecord) -> Result<(), StoreError> {
        let (reply, outcome) = oneshot::channel();
        let job = Job {
            now_ms,
            record: record.clone(),
            reply,
        };
        // Either error means the writer is gone: nothing was written.
        self.jobs
            .send(job)
            .await
            .map_err(|_| StoreError::Database(sqlx::Error::WorkerCrashed))?;
        outcome
            .await
            .map_err(|_| StoreError::Database(sqlx::Error::WorkerCrashed))?
    }
}

/// The writer task: one batch at a time until every sender is gone.
async fn run(writes: Writes, mut queue: mpsc::Receiver<Job>, failing: Arc<AtomicBool>) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    // `recv_many` waits for the first record, then takes what else is
    // queued, up to the limit, without waiting for more.
    while queue.recv_many(&mut batch, MAX_BATCH).await > 0 {
        let healthy = write_batch(&writes, std::mem::take(&mut batch)).await;
        failing.store(!healthy, Ordering::Release);
    }
}

/// Why a batch was not written.
enum BatchError {
    /// An insert failed; the transaction was rolled back, nothing is stored.
    Insert(StoreError),
    /// The transaction could not begin or commit.
    Transaction(StoreError),
}

impl BatchError {
    /// Whether the database itself failed (it could not begin or commit, or
    /// its volume is full), rather than refusing one record.
    fn is_unavailable(&self) -> bool {
        match self {
            Self::Insert(e) => e.is_storage_full(),
            Self::Transaction(_) => true,
        }
    }
}

/// Writes one batch and answers each of its callers. Returns whether the
/// database was available (see [`BatchError::is_unavailable`]).
async fn write_batch(writes: &Writes, batch: Vec<Job>) -> bool {
    match insert(writes, &batch).await {
        Ok(()) => {
            for job in batch {
                // A caller that stopped waiting has nobody to tell.
                let _ = job.reply.send(Ok(()));
            }
            true
        }
        Err(e @ BatchError::Insert(_)) if batch.len() == 1 => {
            let available = !e.is_unavailable();
            if let (Some(job), BatchError::Insert(e)) = (batch.into_iter().next(), e) {
                let _ = job.reply.send(Err(e));
            }
            available
        }
        Err(BatchError::Insert(e)) => {
            tracing::warn!(error = %e, records = batch.len(),
                "an audit batch insert failed; writing its records one by one");
            let mut available = true;
            for job in batch {
                let outcome = match insert(writes, std::slice::from_ref(&job)).await {
                    Ok(()) => Ok(()),
                    Err(e) => {
                        available &= !e.is_unavailable();
                        match e {
                            BatchError::Insert(e) => Err(e),
                            BatchError::Transaction(e) => Err(e),
                        }
                    }
                };
                let _ = job.reply.send(outcome);
            }
            available
        }
        Err(BatchError::Transaction(e)) => {
            tracing::error!(error = %e, records = batch.len(), "audit batch not committed");
            let shared = match e {
                StoreError::Batch(shared) => shared,
                StoreError::Database(e) => Arc::new(e),
                other => Arc::new(sqlx::Error::Protocol(other.to_string())),
            };
            for job in batch {
                let _ = job.reply.send(Err(StoreError::Batch(shared.clone())));
            }
            false
        }
    }
}

/// Writes `jobs` in one transaction and commits it.
async fn insert(writes: &Writes, jobs: &[Job]) -> Result<(), BatchError> {
    // A plain transaction: these entries are the whole of the change.
    let mut tx = writes.begin().await.map_err(BatchError::Transaction)?;
    for job in jobs {
        // On error `tx` is dropped here, which rolls the transaction back.
        audit::write(&mut tx, job.now_ms, &job.record)
            .await
            .map_err(BatchError::Insert)?;
    }
    tx.commit().await.map_err(BatchError::Transaction)
}
