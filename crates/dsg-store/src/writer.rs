//! One writer for SQLite, with group commit.
//!
//! SQLite lets one connection write at a time. With a pool of connections
//! each taking the write lock in turn, waiters sit in SQLite's busy handler,
//! which sleeps (1 ms, 2 ms, … up to 100 ms) and polls: under concurrent
//! writes latency becomes whatever the sleeps add up to, and every commit
//! pays its own fsync. Instead, every write transaction of the process runs
//! on **one** connection owned by a writer task, which lends it to one unit
//! of work at a time, first come first served, so nobody waits in the busy
//! handler (it remains only for other processes writing the same file).
//!
//! Group commit: the writer opens one transaction (`BEGIN IMMEDIATE`) and
//! lends the connection to the queued units one after the other, each inside
//! a savepoint of its own. A unit that commits releases its savepoint and
//! waits; a unit that is dropped (an error, or nothing to change) is rolled
//! back to its savepoint, which undoes only its own statements. When no
//! other unit is queued (or [`MAX_UNITS`] have run) the writer commits the
//! transaction, one fsync for all of them, and only then answers each unit
//! that committed. Under no load a unit commits at once (there is no timer).
//!
//! Fail-closed, with each caller's fate known: if the transaction cannot
//! commit, or a unit's failure undid more than its savepoint (SQLite rolls a
//! whole transaction back on a full disk or an I/O error, after which the
//! savepoint is gone), every unit of the batch gets the error and nothing of
//! the batch is stored. The writer then rolls back and, if the connection
//! still refuses, opens a fresh one, so once the cause is gone the next
//! batch commits without a restart.
//!
//! A unit holds the connection while its caller works (as it held the write
//! lock before), so a unit must not wait for another write: that other write
//! queues behind it and gives up after [`LEASE_TIMEOUT`], failing both.

use std::ops::{Deref, DerefMut};
use std::sync::Arc;
use std::time::Duration;

use sqlx::any::AnyConnectOptions;
use sqlx::{AnyConnection, ConnectOptions, Connection, Executor};
use tokio::sync::{mpsc, oneshot, Mutex, OwnedMutexGuard};

use crate::StoreError;

/// Most units committed together: bounds how long one batch holds the
/// write lock and how many callers one failed commit fails.
pub(crate) const MAX_UNITS: usize = 128;
/// How long a caller waits for its turn before giving up (as the pool's
/// acquire timeout did).
const LEASE_TIMEOUT: Duration = Duration::from_secs(30);
/// Callers that may queue for the writer before `begin` waits to enqueue.
const QUEUE: usize = 1024;

/// The pragmas of every connection to the database file: WAL lets readers
/// run beside the one writer; FULL fsyncs every commit, which the audit
/// trail's durability relies on; the busy timeout is only for other
/// processes (the gateway itself never has two writers). `secure_delete`
/// (FAST: no extra I/O) zeroes what a change frees inside a page, so a
/// value replaced or erased (a name sealed later, expired log content) does
/// not live on in the file's free space.
pub(crate) const PRAGMAS: &str = "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; \
     PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 15000; PRAGMA secure_delete = FAST;";

/// What the outcome of a committed unit is sent on.
type Done = oneshot::Sender<Result<(), StoreError>>;

enum Request {
    /// A unit of work wants the connection.
    Begin(oneshot::Sender<Result<Unit, StoreError>>),
    /// Close the connection and stop.
    Close(oneshot::Sender<()>),
}

/// The handle on the writer task; every clone of the store holds one.
#[derive(Debug, Clone)]
pub(crate) struct Writer {
    requests: mpsc::Sender<Request>,
}

impl std::fmt::Debug for Request {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Begin(_) => "Begin",
            Self::Close(_) => "Close",
        })
    }
}

/// One unit of work's turn on the write connection, inside the batch's
/// transaction and its own savepoint. Statements run on it as on a
/// connection. [`Unit::commit`] releases the savepoint and waits for the
/// batch to commit; dropping it rolls its statements back.
#[derive(Debug)]
pub(crate) struct Unit {
    // Declared first so that on drop the connection is free before the
    // writer learns the unit is over.
    conn: OwnedMutexGuard<AnyConnection>,
    /// Dropped unsent (the unit dropped): roll back. Sent: commit, and
    /// answer on the enclosed sender.
    back: oneshot::Sender<Done>,
}

impl Deref for Unit {
    type Target = AnyConnection;

    fn deref(&self) -> &AnyConnection {
        &self.conn
    }
}

impl DerefMut for Unit {
    fn deref_mut(&mut self) -> &mut AnyConnection {
        &mut self.conn
    }
}

fn gone() -> StoreError {
    StoreError::Database(sqlx::Error::WorkerCrashed)
}

impl Unit {
    /// Keeps the unit's statements and waits until the batch holding them
    /// has committed (or failed).
    pub(crate) async fn commit(self) -> Result<(), StoreError> {
        let Self { conn, back } = self;
        drop(conn);
        let (done, outcome) = oneshot::channel();
        back.send(done).map_err(|_| gone())?;
        outcome.await.map_err(|_| gone())?
    }
}

impl Writer {
    /// Opens the write connection and starts the writer task on the current
    /// tokio runtime. `conn` is already open, with [`PRAGMAS`] applied.
    pub(crate) fn spawn(conn: AnyConnection, options: AnyConnectOptions) -> Self {
        let (requests, queue) = mpsc::channel(QUEUE);
        tokio::spawn(run(Arc::new(Mutex::new(conn)), options, queue));
        Self { requests }
    }

    /// Waits for this caller's turn on the write connection.
    pub(crate) async fn begin(&self) -> Result<Unit, StoreError> {
        let (reply, turn) = oneshot::channel();
        let wait = async {
            self.requests
                .send(Request::Begin(reply))
                .await
                .map_err(|_| gone())?;
            turn.await.map_err(|_| gone())?
        };
        // Giving up drops `turn`; a unit already sent into it is dropped with
        // it, which the writer takes as a rollback.
        tokio::time::timeout(LEASE_TIMEOUT, wait)
            .await
            .map_err(|_| StoreError::Database(sqlx::Error::PoolTimedOut))?
    }

    /// Closes the write connection once the queued units are done; later
    /// units fail.
    pub(crate) async fn close(&self) {
        let (ack, closed) = oneshot::channel();
        if self.requests.send(Request::Close(ack)).await.is_ok() {
            let _ = closed.await;
        }
    }
}

/// Opens a connection to the database with [`PRAGMAS`] applied.
pub(crate) async fn open(options: &AnyConnectOptions) -> Result<AnyConnection, sqlx::Error> {
    let mut conn = options.connect().await?;
    conn.execute(PRAGMAS).await?;
    Ok(conn)
}

/// The writer task: one batch at a time until closed or every handle is gone.
async fn run(
    conn: Arc<Mutex<AnyConnection>>,
    options: AnyConnectOptions,
    mut queue: mpsc::Receiver<Request>,
) {
    while let Some(request) = queue.recv().await {
        let first = match request {
            Request::Begin(first) => first,
            Request::Close(ack) => {
                close(&mut queue);
                let _ = ack.send(());
                return;
            }
        };
        if let Err(e) = conn.lock().await.execute("BEGIN IMMEDIATE").await {
            let _ = first.send(Err(e.into()));
            recover(&conn, &options).await;
            continue;
        }
        let mut committed: Vec<Done> = Vec::new();
        let mut broken = None;
        let mut closing = None;
        let mut next = Some(first);
        let mut units = 0;
        while let Some(turn) = next.take() {
            units += 1;
            match lend(&conn, turn).await {
                Ok(Some(done)) => committed.push(done),
                Ok(None) => {}
                Err((e, done)) => {
                    committed.extend(done);
                    broken = Some(e);
                    break;
                }
            }
            if units < MAX_UNITS {
                match queue.try_recv() {
                    Ok(Request::Begin(turn)) => next = Some(turn),
                    Ok(Request::Close(ack)) => closing = Some(ack),
                    Err(_) => {}
                }
            }
        }
        let outcome = match broken {
            Some(e) => Err(e),
            None => match conn.lock().await.execute("COMMIT").await {
                Ok(_) => Ok(()),
                Err(e) => Err(Arc::new(e)),
            },
        };
        match outcome {
            Ok(()) => {
                for done in committed {
                    // A caller that stopped waiting has nobody to tell.
                    let _ = done.send(Ok(()));
                }
            }
            Err(e) => {
                tracing::error!(error = %e, units = committed.len(), "write batch not committed");
                for done in committed {
                    let _ = done.send(Err(StoreError::Batch(e.clone())));
                }
                recover(&conn, &options).await;
            }
        }
        if let Some(ack) = closing {
            close(&mut queue);
            let _ = ack.send(());
            return;
        }
    }
}

/// Lends the connection to one unit inside a savepoint and keeps or undoes
/// its statements. `Ok(Some)` for a unit to answer after the commit,
/// `Ok(None)` for one rolled back; `Err` if the batch can no longer commit
/// (with the unit's sender, if it committed, to answer with the error).
async fn lend(
    conn: &Arc<Mutex<AnyConnection>>,
    turn: oneshot::Sender<Result<Unit, StoreError>>,
) -> Result<Option<Done>, (Arc<sqlx::Error>, Option<Done>)> {
    let mut lent = conn.clone().lock_owned().await;
    if let Err(e) = lent.execute("SAVEPOINT unit").await {
        let shared = Arc::new(e);
        let _ = turn.send(Err(StoreError::Batch(shared.clone())));
        return Err((shared, None));
    }
    let (back, returned) = oneshot::channel();
    // A caller that gave up drops the unit here, which reads as a rollback.
    let _ = turn.send(Ok(Unit { conn: lent, back }));
    let done = returned.await.ok();
    let mut conn = conn.lock().await;
    let (statement, done) = match done {
        Some(done) => ("RELEASE unit", Some(done)),
        None => ("ROLLBACK TO unit; RELEASE unit", None),
    };
    match conn.execute(statement).await {
        Ok(_) => Ok(done),
        Err(e) => Err((Arc::new(e), done)),
    }
}

/// After a failed batch: ends whatever is left of its transaction, and if
/// the connection refuses even that, replaces it.
async fn recover(conn: &Mutex<AnyConnection>, options: &AnyConnectOptions) {
    let mut conn = conn.lock().await;
    match conn.execute("ROLLBACK").await {
        Ok(_) => return,
        // SQLite has already rolled the transaction back (or never began it).
        Err(e) if e.to_string().contains("no transaction is active") => return,
        Err(e) => tracing::warn!(error = %e, "write connection could not roll back; reopening"),
    }
    match open(options).await {
        Ok(fresh) => {
            let stale = std::mem::replace(&mut *conn, fresh);
            let _ = stale.close().await;
        }
        Err(e) => tracing::warn!(error = %e, "write connection not reopened; retrying later"),
    }
}

/// Refuses what is still queued. The connection closes when the task ends.
fn close(queue: &mut mpsc::Receiver<Request>) {
    queue.close();
    while let Ok(request) = queue.try_recv() {
        match request {
            Request::Begin(turn) => {
                let _ = turn.send(Err(gone()));
            }
            Request::Close(ack) => {
                let _ = ack.send(());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        reason = "tests fail loudly on purpose"
    )]

    use sqlx::{Any, Row};

    use crate::Store;

    async fn store() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("t.db").display());
        (dir, Store::connect(&url).await.unwrap())
    }

    fn writer(store: &Store) -> &super::Writer {
        match &store.writes {
            crate::audited::Writes::Sqlite(writer) => writer,
            crate::audited::Writes::Pool(_) => panic!("a SQLite store has the writer"),
        }
    }

    async fn add(tx: &mut super::Unit, name: &str) {
        sqlx::query::<Any>(
            "INSERT INTO companies (id, name, kind, created_at) VALUES ($1, $1, 'agency', 0)",
        )
        .bind(name.to_owned())
        .execute(&mut **tx)
        .await
        .unwrap();
    }

    async fn names(store: &Store) -> Vec<String> {
        let rows = sqlx::query::<Any>("SELECT name FROM companies ORDER BY name")
            .fetch_all(&store.pool)
            .await
            .unwrap();
        rows.iter().map(|r| r.get("name")).collect()
    }

    /// Waits until `n` units are queued behind the one holding the writer.
    async fn queued(store: &Store, n: usize) {
        let requests = &writer(store).requests;
        while requests.max_capacity() - requests.capacity() < n {
            tokio::task::yield_now().await;
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn queued_units_share_one_commit_and_a_dropped_one_undoes_only_itself() {
        let (_dir, store) = store().await;
        let mut first = writer(&store).begin().await.unwrap();
        add(&mut first, "a").await;
        let spawn = |name: &'static str, keep: bool| {
            let store = store.clone();
            tokio::spawn(async move {
                let mut unit = writer(&store).begin().await.unwrap();
                add(&mut unit, name).await;
                // What earlier units of the batch wrote is visible here,
                // and not yet to readers: it is not committed.
                let seen = sqlx::query::<Any>("SELECT COUNT(*) AS n FROM companies")
                    .fetch_one(&mut *unit)
                    .await
                    .unwrap()
                    .get::<i64, _>("n");
                let outside = names(&store).await;
                if keep {
                    unit.commit().await.unwrap();
                }
                (seen, outside)
            })
        };
        let second = spawn("b", false);
        queued(&store, 1).await;
        let third = spawn("c", true);
        queued(&store, 2).await;
        // `first` is answered only when the batch, with `c`, has committed.
        first.commit().await.unwrap();
        let (seen_b, outside_b) = second.await.unwrap();
        let (seen_c, outside_c) = third.await.unwrap();
        assert_eq!(
            (seen_b, seen_c),
            (2, 2),
            "b sees a; c sees a, not the dropped b"
        );
        assert!(
            outside_b.is_empty() && outside_c.is_empty(),
            "nothing committed mid-batch"
        );
        assert_eq!(names(&store).await, ["a", "c"]);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn a_unit_that_breaks_the_transaction_fails_its_whole_batch() {
        let (_dir, store) = store().await;
        let mut first = writer(&store).begin().await.unwrap();
        add(&mut first, "a").await;
        let breaker = {
            let store = store.clone();
            tokio::spawn(async move {
                let mut unit = writer(&store).begin().await.unwrap();
                add(&mut unit, "b").await;
                // Ends the batch's transaction behind the writer's back, as
                // SQLite does itself on a full disk or an I/O error.
                sqlx::query::<Any>("ROLLBACK")
                    .execute(&mut *unit)
                    .await
                    .unwrap();
                unit.commit().await
            })
        };
        queued(&store, 1).await;
        assert!(first.commit().await.is_err(), "a's batch did not commit");
        assert!(breaker.await.unwrap().is_err());
        assert!(names(&store).await.is_empty());

        // The writer goes on with a fresh transaction.
        let mut unit = writer(&store).begin().await.unwrap();
        add(&mut unit, "d").await;
        unit.commit().await.unwrap();
        assert_eq!(names(&store).await, ["d"]);
    }

    #[tokio::test]
    async fn readers_cannot_write() {
        let (_dir, store) = store().await;
        let refused = sqlx::query::<Any>(
            "INSERT INTO companies (id, name, kind, created_at) VALUES ('x', 'x', 'agency', 0)",
        )
        .execute(&store.pool)
        .await;
        assert!(refused.is_err(), "a write on the read pool must fail");
    }
}
