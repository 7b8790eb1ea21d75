//! A state change and its audit entries, committed together or not at all.
//!
//! Every method of the store that changes state runs its statements in an
//! [`AuditedTx`] from [`Store::begin_audited`]. Its only way to commit is
//! [`AuditedTx::commit`], which takes the entry describing the change and
//! writes it in the same transaction just before committing. Returning
//! early (an error, or nothing to change) drops it, which rolls everything
//! back. So no path commits a change without its entry, and no entry
//! describes a change that did not happen.
//!
//! A guard rather than a closure taking `&mut` of the transaction: the
//! futures of such closures are not provably `Send` today (the borrow's
//! higher-ranked lifetime defeats the check), and the web server needs them
//! to be. The guard gives the same guarantee through its type.
//!
//! The few transactions that by design write no entry (the audit writer and
//! the sequencer, which write the log itself; the alert watcher, whose
//! alerts are derived from the log; taking a WebAuthn challenge) use
//! [`Store::begin_unaudited`], each saying why.
//!
//! On SQLite the transaction is a unit of the one writer's batch
//! (`writer.rs`): its statements sit in a savepoint of the batch's
//! transaction, dropping it rolls back to that savepoint (only its own
//! statements), and committing returns once the batch with its entry has
//! committed. The guarantee is the same: the change and its entry are in
//! one savepoint, kept or undone together, and durable when `commit`
//! returns.

use std::ops::{Deref, DerefMut};

use dsg_core::AuditRecord;
use sqlx::any::{AnyArguments, AnyQueryResult};
use sqlx::query::Query;
use sqlx::{Any, AnyConnection, AnyPool, Transaction};

use crate::facts_cache::{self, alters_facts};
use crate::writer::{Unit, Writer};
use crate::{audit, Store, StoreError};

/// Where write transactions come from. Cheap to clone.
#[derive(Debug, Clone)]
pub(crate) enum Writes {
    /// SQLite: the one write connection, with group commit (`writer.rs`).
    Sqlite(Writer),
    /// PostgreSQL: a transaction of the pool per change (the server runs
    /// concurrent writers itself).
    Pool(AnyPool),
}

impl Writes {
    /// Starts a write transaction.
    pub(crate) async fn begin(&self) -> Result<WriteTx, StoreError> {
        match self {
            Self::Sqlite(writer) => Ok(WriteTx::Unit(writer.begin().await?)),
            Self::Pool(pool) => Ok(WriteTx::Pool(pool.begin().await?)),
        }
    }

    /// Stops handing out write transactions.
    pub(crate) async fn close(&self) {
        match self {
            Self::Sqlite(writer) => writer.close().await,
            Self::Pool(pool) => pool.close().await,
        }
    }
}

/// An open write transaction: dropped, it rolls back; committed, it returns
/// once the change is durable. Statements run on it as on a connection
/// (`&mut *tx`).
#[derive(Debug)]
pub(crate) enum WriteTx {
    /// A unit of the SQLite writer's batch.
    Unit(Unit),
    /// A PostgreSQL transaction.
    Pool(Transaction<'static, Any>),
}

impl Deref for WriteTx {
    type Target = AnyConnection;

    fn deref(&self) -> &AnyConnection {
        match self {
            Self::Unit(unit) => unit,
            Self::Pool(tx) => tx,
        }
    }
}

impl DerefMut for WriteTx {
    fn deref_mut(&mut self) -> &mut AnyConnection {
        match self {
            Self::Unit(unit) => unit,
            Self::Pool(tx) => tx,
        }
    }
}

impl WriteTx {
    /// Commits; returns once the change is on disk.
    pub(crate) async fn commit(self) -> Result<(), StoreError> {
        match self {
            Self::Unit(unit) => unit.commit().await,
            Self::Pool(tx) => Ok(tx.commit().await?),
        }
    }
}

/// An open write transaction that commits only with its audit entries.
/// Statements run on it as on a connection (`&mut *tx`).
#[derive(Debug)]
pub(crate) struct AuditedTx(WriteTx);

impl Deref for AuditedTx {
    type Target = AnyConnection;

    fn deref(&self) -> &AnyConnection {
        &self.0
    }
}

impl DerefMut for AuditedTx {
    fn deref_mut(&mut self) -> &mut AnyConnection {
        &mut self.0
    }
}

impl AuditedTx {
    /// Writes `entry` (at `now_ms`) and commits the change with it.
    pub(crate) async fn commit(self, now_ms: i64, entry: &AuditRecord) -> Result<(), StoreError> {
        self.commit_with(now_ms, entry, None).await
    }

    /// Writes `entry`, then `then` if given (an entry of its own for a
    /// consequence of the change, such as an account disabled with its last
    /// contract), and commits the change with them.
    pub(crate) async fn commit_with(
        mut self,
        now_ms: i64,
        entry: &AuditRecord,
        then: Option<&AuditRecord>,
    ) -> Result<(), StoreError> {
        audit::write(&mut self.0, now_ms, entry).await?;
        if let Some(then) = then {
            audit::write(&mut self.0, now_ms, then).await?;
        }
        // In the change's own transaction: a cached fact can never outlive
        // the change that altered it (see `facts_cache.rs`).
        if alters_facts(entry.action) || then.is_some_and(|t| alters_facts(t.action)) {
            facts_cache::bump(&mut self.0).await?;
        }
        self.0.commit().await
    }
}

impl Store {
    /// Starts a change that will commit with its audit entry.
    pub(crate) async fn begin_audited(&self) -> Result<AuditedTx, StoreError> {
        Ok(AuditedTx(self.writes.begin().await?))
    }

    /// Starts a write transaction that writes no audit entry. Only for the
    /// changes that by design have none (see the module documentation);
    /// each caller says why.
    pub(crate) async fn begin_unaudited(&self) -> Result<WriteTx, StoreError> {
        self.writes.begin().await
    }

    /// Runs one statement as a write transaction of its own, with no audit
    /// entry: only for the bookkeeping that by design has none (the last
    /// use of a session, terminal or credential; a claimed one-time code,
    /// whose use the caller records; the log's own keys and checkpoints).
    pub(crate) async fn write_one(
        &self,
        statement: Query<'_, Any, AnyArguments>,
    ) -> Result<AnyQueryResult, StoreError> {
        let mut tx = self.writes.begin().await?;
        let done = statement.execute(&mut *tx).await?;
        tx.commit().await?;
        Ok(done)
    }
}

#[cfg(test)]
mod tests {
    #![allow(
        clippy::unwrap_used,
        clippy::expect_used,
        reason = "tests fail loudly on purpose"
    )]

    use dsg_core::{AuditAction, AuditObject, Outcome};
    use sqlx::Row;

    use super::*;

    fn entry(reason: &str) -> AuditRecord {
        AuditRecord {
            request_id: "r".into(),
            actor: None,
            source: None,
            terminal: None,
            action: AuditAction::CompanyCreate,
            object: AuditObject::Company(None),
            outcome: Outcome::Success,
            reason: reason.into(),
            decision: None,
        }
    }

    async fn store() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("t.db").display());
        (dir, Store::connect(&url).await.unwrap())
    }

    async fn add_company(store: &Store, name: &str) -> AuditedTx {
        let mut tx = store.begin_audited().await.unwrap();
        sqlx::query::<Any>(
            "INSERT INTO companies (id, name, kind, created_at) VALUES ($1, $1, 'agency', 0)",
        )
        .bind(name.to_owned())
        .execute(&mut *tx)
        .await
        .unwrap();
        tx
    }

    /// Companies and entry reasons, in the order written.
    async fn stored(store: &Store) -> (Vec<String>, Vec<String>) {
        let companies = sqlx::query::<Any>("SELECT name FROM companies ORDER BY name")
            .fetch_all(&store.pool)
            .await
            .unwrap();
        let entries = sqlx::query::<Any>("SELECT reason FROM audit_events ORDER BY id")
            .fetch_all(&store.pool)
            .await
            .unwrap();
        (
            companies.iter().map(|r| r.get("name")).collect(),
            entries.iter().map(|r| r.get("reason")).collect(),
        )
    }

    #[tokio::test]
    async fn a_change_commits_with_its_entries_or_not_at_all() {
        let (_dir, store) = store().await;
        // Spawned: an audited change must be `Send`, as the web server runs
        // it on any worker thread.
        let spawned = store.clone();
        tokio::spawn(async move {
            let tx = add_company(&spawned, "a").await;
            tx.commit(1, &entry("kept")).await
        })
        .await
        .unwrap()
        .unwrap();
        drop(add_company(&store, "b").await);
        let tx = add_company(&store, "c").await;
        tx.commit_with(2, &entry("first"), Some(&entry("then")))
            .await
            .unwrap();
        assert_eq!(
            stored(&store).await,
            (
                vec!["a".to_owned(), "c".to_owned()],
                vec!["kept".to_owned(), "first".to_owned(), "then".to_owned()]
            )
        );
    }
}
