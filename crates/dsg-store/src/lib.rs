//! The metadata store: sqlx over SQLite (embedded default) or PostgreSQL.
//!
//! One set of portable migrations serves both backends. Every method that
//! changes state takes the [`AuditRecord`] describing the change and runs in
//! a transaction that can only commit together with that entry (see
//! `audited.rs`), so a change whose audit entry could not be written never
//! happens.
#![deny(missing_docs)]

mod access_review;
mod alerts;
mod applications;
mod audit;
mod audit_forwarding;
mod audit_log;
mod audit_retention;
mod audit_scope;
mod audit_writer;
mod audited;
mod backup;
mod company_roles;
mod compliance;
mod contract_end;
mod disposals;
mod error;
mod facts_cache;
mod file_names;
mod files;
mod identity;
mod integrity;
mod ledger;
mod login_failures;
mod membership_changes;
mod memberships;
mod org;
mod participants;
mod person;
mod policy;
pub mod ports;
mod records;
mod requests;
mod rows;
mod sessions;
mod terminals;
mod tickets;
mod writer;

use std::str::FromStr;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, Connection, Executor};

pub use alerts::{AlertRow, KeyColumn, NewAlert, Raised, WindowQuery};
pub use applications::{
    ApplicationRow, ApplicationStepRow, SoftwareListVersionRow, SoftwareRequestRow, Transition,
};
pub use audit::StoredAuditEvent;
pub use audit_log::{NewLeaf, SequencedEvent, StoredAuditKey, StoredCheckpoint};
pub use audit_retention::Expired;
pub use audit_scope::{AuditHit, AuditQuery};
pub use backup::{snapshot_contents, SnapshotContents};
pub use company_roles::{ConsentRow, RoleCounts, RoleRow};
pub use compliance::{AttestationRow, SnapshotRow};
pub use contract_end::{ClosedCompartment, EndRequestRow};
pub use disposals::{DisposalCandidate, DisposalRow};
pub use error::StoreError;
pub use facts_cache::{DeviceRow, FactGeneration, PersonRow};
pub use files::{NewFileVersion, PlainNamedFile, SealedName, StoredFile, UploadTarget};
pub use identity::{LoginAttempt, NewAuthenticator, ResetRow, TotpRow, WebauthnCredentialRow};
pub use integrity::{DamagedVersion, StoredVersion};
pub use ledger::{LedgerEventRow, LedgerItemRow, NewCopy, NewLedgerEvent};
pub use login_failures::{FailureCounts, THROTTLED_REASON};
pub use membership_changes::{ChangeDisposalRow, ChangeEffect, MembershipChangeRow};
pub use memberships::{MembershipEffects, MembershipRow, NoticeRow, ScheduleLineRow};
pub use org::{HandlerRow, NewUser, UserCredentials};
pub use person::PersonFacts;
pub use policy::{NewPolicyVersion, PolicyVersionRow, RecordedDecision};
pub use records::{RosterRow, Standing, TrainingRow};
pub use requests::{
    MediaRequestRow, MediumRow, OpenApplicationRow, RequestEffect, TerminalRequestRow,
};
pub use sessions::{PendingCeremony, SessionRow};
pub use terminals::{IssuedCertificate, StoredTerminalCa};
pub use tickets::{TicketMarks, TicketRow};

/// The embedded migrations, shared by both backends.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// Which database engine a store talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// Embedded SQLite file.
    Sqlite,
    /// PostgreSQL server.
    Postgres,
}

/// A handle on the metadata database. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Store {
    /// Reads. On SQLite its connections are read-only (writes go through
    /// `writes`); on PostgreSQL the same pool serves both.
    pool: AnyPool,
    /// Write transactions (`audited.rs`).
    writes: audited::Writes,
    backend: Backend,
    /// Group commit for [`Store::record`] (see `audit_writer.rs`).
    audit_writer: audit_writer::AuditWriter,
    /// The policy point's facts while the fact generation holds (see
    /// `facts_cache.rs`).
    facts: std::sync::Arc<facts_cache::FactsCache>,
}

impl Store {
    /// Connects to `url` (`sqlite://path?mode=rwc` or `postgres://…`) and
    /// applies any pending migrations. Starts the audit writer task of
    /// [`Store::record`] on the current tokio runtime, so the store serves
    /// records as long as that runtime runs.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Backend::Postgres
        } else {
            return Err(StoreError::Config(
                "database url must start with sqlite: or postgres:".into(),
            ));
        };
        let options = AnyConnectOptions::from_str(url)
            .map_err(|e| StoreError::Config(format!("database url: {e}")))?;
        let mut pool_options = AnyPoolOptions::new().acquire_timeout(Duration::from_secs(30));
        // On SQLite, one connection writes (`writer.rs`): it is opened
        // first, creates the file if need be and applies the migrations.
        let sqlite_writer = if backend == Backend::Sqlite {
            let mut conn = writer::open(&options).await?;
            MIGRATOR.run(&mut conn).await?;
            // Readers are read-only, so a write that bypassed the writer
            // fails in every test instead of waiting in the busy handler.
            pool_options = pool_options
                .max_connections(8)
                .after_connect(|conn, _meta| {
                    Box::pin(async move {
                        conn.execute(writer::PRAGMAS).await?;
                        conn.execute("PRAGMA query_only = ON;").await?;
                        Ok(())
                    })
                });
            Some(conn)
        } else {
            pool_options = pool_options.max_connections(16);
            None
        };
        // A connection whose transaction could not end (on PostgreSQL a
        // COMMIT that failed leaves sqlx's depth count above zero) must not
        // be handed out again: every later BEGIN on it would fail, long
        // after the cause is gone. The check runs on acquire, after the
        // pool's release ping has flushed any queued rollback, and the pool
        // opens a fresh one.
        pool_options = pool_options
            .before_acquire(|conn, _meta| Box::pin(async move { Ok(!conn.is_in_transaction()) }));
        let pool = pool_options.connect_with(options.clone()).await?;
        let writes = match sqlite_writer {
            Some(conn) => audited::Writes::Sqlite(writer::Writer::spawn(conn, options)),
            None => {
                MIGRATOR.run(&pool).await?;
                audited::Writes::Pool(pool.clone())
            }
        };
        let audit_writer = audit_writer::AuditWriter::spawn(writes.clone());
        Ok(Self {
            pool,
            writes,
            backend,
            audit_writer,
            facts: std::sync::Arc::default(),
        })
    }

    /// Which engine this store uses.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Closes all connections.
    pub async fn close(&self) {
        self.writes.close().await;
        self.pool.close().await;
    }

    /// The names and columns of every table, for comparing schemas across
    /// backends in tests.
    pub async fn schema_summary(&self) -> Result<Vec<(String, String)>, StoreError> {
        use sqlx::Row;
        let sql = match self.backend {
            Backend::Sqlite => {
                "SELECT m.name AS t, p.name AS c FROM sqlite_master m \
                 JOIN pragma_table_info(m.name) p WHERE m.type = 'table' \
                 AND m.name NOT LIKE 'sqlite_%' AND m.name NOT LIKE '_sqlx%' ORDER BY t, c"
            }
            Backend::Postgres => {
                "SELECT table_name::text AS t, column_name::text AS c FROM information_schema.columns \
                 WHERE table_schema = current_schema() AND table_name NOT LIKE '_sqlx%' ORDER BY t, c"
            }
        };
        let rows = sqlx::query(sql).fetch_all(&self.pool).await?;
        rows.iter()
            .map(|r| Ok((r.try_get::<String, _>("t")?, r.try_get::<String, _>("c")?)))
            .collect()
    }
}
