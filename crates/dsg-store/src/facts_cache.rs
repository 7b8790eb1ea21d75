//! The facts the policy point reads on every request, kept in memory and
//! used only while the database's fact generation is unchanged.
//!
//! Every change that can alter such a fact (a terminal's status or
//! certificate, an account, a handler designation, a roster line, a
//! training, a duty, a contract or compartment, a policy version) bumps the
//! `fact_generation` row in its own transaction: [`crate::audited`] does it
//! on commit, for every audit action [`alters_facts`] names, so no change
//! path can forget it. A request reads the generation once, at its start
//! (with its session row, in the same query: [`Store::session_at`]), and
//! the cached facts serve it only if they were read at that same
//! generation; otherwise they are read from the database again. Because
//! the generation is read from the database, not from this process, a
//! change committed by another gateway on the same PostgreSQL, or by
//! `dsg admin` on the same SQLite file, is seen by the very next request
//! just like one made here.
//!
//! Facts read after a generation was read are at least as new as that
//! generation (the reads follow it; both backends show committed changes to
//! later statements), so tagging them with it is safe; facts read by a
//! request whose generation is older than the cache's are used but not
//! kept. Nothing absent is cached (an unregistered fingerprint, a missing
//! compartment): those are read every time.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use dsg_core::{AuditAction, CompanyKind, Compartment, Terminal, TerminalId, User, UserId};
use sqlx::{Any, Row};

use crate::{PersonFacts, SessionRow, Store, StoreError};

/// The most entries of one kind kept; past it that kind starts over (a
/// bound on memory, not a policy: a miss only costs the database reads).
const MAX_ENTRIES: usize = 200_000;

/// The fact generation a request read at its start. Cached facts serve the
/// request only if they were read at this generation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FactGeneration(i64);

impl FactGeneration {
    /// The counter's value.
    pub fn value(self) -> i64 {
        self.0
    }
}

/// A registered terminal with its company's kind, as the policy point sees
/// it.
#[derive(Debug, Clone)]
pub struct DeviceRow {
    /// The terminal.
    pub terminal: Terminal,
    /// Whether its company is the agency or a contractor.
    pub company_kind: CompanyKind,
}

/// A user with the facts the policy point reads about them.
#[derive(Debug, Clone)]
pub struct PersonRow {
    /// The account.
    pub user: User,
    /// Company kind, handled contracts, duties, roster and training.
    pub facts: PersonFacts,
}

/// The cached facts (one per [`Store`], shared by its clones).
#[derive(Debug, Default)]
pub(crate) struct FactsCache(Mutex<Maps>);

#[derive(Debug, Default)]
struct Maps {
    /// The generation every entry below was read at.
    generation: i64,
    devices: HashMap<String, Arc<DeviceRow>>,
    /// Last use of a terminal noted by this process since its row was read
    /// (`touch_terminal` changes no fact, so it does not bump).
    seen: HashMap<TerminalId, i64>,
    people: HashMap<UserId, Arc<PersonRow>>,
    compartments: HashMap<String, Arc<Compartment>>,
}

impl Maps {
    /// Whether entries read at `at` may be used, starting over when `at`
    /// is newer than everything kept.
    fn current(&mut self, at: FactGeneration) -> bool {
        if at.0 > self.generation {
            self.generation = at.0;
            self.devices.clear();
            self.seen.clear();
            self.people.clear();
            self.compartments.clear();
        }
        at.0 == self.generation
    }
}

fn keep<K: std::hash::Hash + Eq, V>(map: &mut HashMap<K, V>, key: K, value: V) {
    if map.len() >= MAX_ENTRIES {
        map.clear();
    }
    map.insert(key, value);
}

impl FactsCache {
    fn maps(&self) -> std::sync::MutexGuard<'_, Maps> {
        // Nothing in this module can panic while holding the lock; should
        // a poisoned lock ever be seen, its maps are still consistent.
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Notes a use of `terminal` at `at_ms` made by this process.
    pub(crate) fn touched(&self, terminal: TerminalId, at_ms: i64) {
        let mut maps = self.maps();
        keep(&mut maps.seen, terminal, at_ms);
    }
}

/// Whether a change recorded as `action` can alter a fact the policy point
/// reads, and so must bump the fact generation. Exhaustive on purpose: a
/// new action must be placed on one side. When in doubt, `true`: a bump
/// costs only cache misses.
pub(crate) fn alters_facts(action: AuditAction) -> bool {
    use AuditAction as A;
    match action {
        A::CompanyCreate
        | A::UserCreate
        | A::ContractCreate
        | A::CompartmentOpen
        | A::HandlerDesignate
        | A::HandlerRemove
        | A::Bootstrap
        | A::EnrolmentIssue
        | A::PasswordSet
        | A::AuthenticatorAdd
        | A::AuthenticatorRemove
        | A::RecoveryCodesIssue
        | A::SessionRevoke
        | A::AccountLockout
        | A::AccountUnlock
        | A::AccountDisable
        | A::AccountEnable
        | A::AuthenticatorResetRequest
        | A::AuthenticatorResetApprove
        | A::TerminalRegister
        | A::TerminalCertificateIssue
        | A::TerminalQuarantine
        | A::TerminalRelease
        | A::TerminalRevoke
        | A::TerminalPostureReport
        | A::PolicyPropose
        | A::PolicyApprove
        | A::PolicyReject
        | A::PolicyRollback
        | A::DutyGrant
        | A::DutyRevoke
        | A::RosterSubmit
        | A::RosterConfirm
        | A::RosterRemove
        | A::TrainingRecord
        | A::ParticipantDesignate
        | A::ParticipantRemove
        | A::ConsentRecord
        | A::ConsentWithdraw
        | A::RoleDesignate
        | A::RoleRevoke
        | A::KeepingApprove
        | A::CompartmentClose
        | A::AccountExpire => true,
        // Sessions (read fresh on every request, never cached), files,
        // alerts, the log itself and reads of any of them.
        A::Login
        | A::Logout
        | A::Unauthenticated
        | A::SecondFactor
        | A::StepUp
        | A::RecoveryCodeUse
        | A::SessionTerminalMismatch
        | A::ConnectionRefused
        | A::AdminView
        | A::FileList
        | A::FileUpload
        | A::FileVersionUpload
        | A::FileVersions
        | A::FileDownload
        | A::FileDelete
        | A::DisposalView
        | A::DisposalRecord
        | A::DisposalConfirm
        | A::LedgerView
        | A::LedgerEntry
        | A::LedgerPermit
        | A::LedgerCheck
        | A::ContractEndView
        | A::KeepingRequest
        | A::KeepingRefuse
        | A::CompartmentCloseProposal
        | A::FileIntegrityFailure
        | A::StorageScrub
        | A::FileNamesSeal
        | A::GatewayStart
        | A::AccessReview
        | A::AuditRead
        | A::AuditExtract
        | A::CompanyLogHead
        | A::AuditExpire
        | A::AuditConsistencyFailure
        | A::AlertView
        | A::AlertAcknowledge
        | A::AlertClose
        | A::RecordsView
        | A::RecordsExport
        // Applications and the software lists: no fact a decision reads.
        | A::ApplicationFile
        | A::ApplicationView
        | A::ApplicationApprove
        | A::ApplicationReturn
        | A::ApplicationReject
        | A::ApplicationResubmit
        | A::ApplicationWithdraw
        | A::SoftwareListView
        | A::SoftwareListChange
        | A::ApplicationStep
        | A::ApplicationScheduleAdjust
        // The compliance view: read, snapshotted, attested; the policy
        // point reads none of it.
        | A::ComplianceView
        | A::ComplianceSnapshot
        | A::ComplianceAttest
        | A::CompanyRename
        | A::RequestFault
        // Backups copy what is stored and change no fact.
        | A::BackupCreate
        | A::BackupRestoreTest
        // Help-desk tickets: the policy point reads none of them.
        | A::TicketFile
        | A::TicketView
        | A::TicketStep => false,
    }
}

/// Bumps the fact generation inside the transaction `conn` is in.
pub(crate) async fn bump(conn: &mut sqlx::AnyConnection) -> Result<(), StoreError> {
    sqlx::query::<Any>("UPDATE fact_generation SET generation = generation + 1 WHERE id = 1")
        .execute(conn)
        .await?;
    Ok(())
}

impl Store {
    /// The fact generation now (one primary-key read). A request without a
    /// session reads it with this; one with a session gets it with its
    /// session row from [`Store::session_at`].
    pub async fn fact_generation(&self) -> Result<FactGeneration, StoreError> {
        let row = sqlx::query::<Any>("SELECT generation FROM fact_generation WHERE id = 1")
            .fetch_one(&self.pool)
            .await?;
        Ok(FactGeneration(row.try_get("generation")?))
    }

    /// The session whose token hashes to `token_hash`, if any, and the fact
    /// generation, in one query: the generation costs the request no round
    /// trip of its own.
    pub async fn session_at(
        &self,
        token_hash: &str,
    ) -> Result<(Option<SessionRow>, FactGeneration), StoreError> {
        let row = sqlx::query::<Any>(crate::sessions::select_sessions_at!())
            .bind(token_hash.to_owned())
            .fetch_one(&self.pool)
            .await?;
        let generation = FactGeneration(row.try_get("fact_generation")?);
        let found: Option<String> = row.try_get("token_hash")?;
        let session = match found {
            Some(_) => Some(crate::sessions::session(&row)?),
            None => None,
        };
        Ok((session, generation))
    }

    /// The terminal whose certificate in force has `fingerprint`, with its
    /// company's kind, as of generation `at` (cached while it is current).
    pub async fn device_at(
        &self,
        at: FactGeneration,
        fingerprint: &str,
    ) -> Result<Option<DeviceRow>, StoreError> {
        {
            let mut maps = self.facts.maps();
            if maps.current(at) {
                if let Some(found) = maps.devices.get(fingerprint) {
                    let mut device = DeviceRow::clone(found);
                    if let Some(&seen) = maps.seen.get(&device.terminal.id) {
                        device.terminal.last_seen_at =
                            Some(device.terminal.last_seen_at.map_or(seen, |t| t.max(seen)));
                    }
                    return Ok(Some(device));
                }
            }
        }
        let Some(terminal) = self.terminal_by_fingerprint(fingerprint).await? else {
            return Ok(None);
        };
        let company_kind = self
            .company(terminal.company_id)
            .await?
            .ok_or_else(|| StoreError::Corrupt("terminal without company".into()))?
            .kind;
        let device = DeviceRow {
            terminal,
            company_kind,
        };
        let mut maps = self.facts.maps();
        if maps.current(at) {
            maps.seen.remove(&device.terminal.id);
            keep(
                &mut maps.devices,
                fingerprint.to_owned(),
                Arc::new(device.clone()),
            );
        }
        Ok(Some(device))
    }

    /// The user `id` and the facts the policy point reads about them, as of
    /// generation `at` (cached while it is current).
    pub async fn person_at(
        &self,
        at: FactGeneration,
        id: UserId,
    ) -> Result<Option<PersonRow>, StoreError> {
        {
            let mut maps = self.facts.maps();
            if maps.current(at) {
                if let Some(found) = maps.people.get(&id) {
                    return Ok(Some(PersonRow::clone(found)));
                }
            }
        }
        let Some(user) = self.user(id).await? else {
            return Ok(None);
        };
        let facts = self.person_facts(user.id, user.company_id).await?;
        let person = PersonRow { user, facts };
        let mut maps = self.facts.maps();
        if maps.current(at) {
            keep(&mut maps.people, id, Arc::new(person.clone()));
        }
        Ok(Some(person))
    }

    /// The compartment `id` (as a request named it), as of generation `at`
    /// (cached while it is current). Its `used_bytes` may be older than
    /// the generation (uploads change no fact): read the compartment
    /// with [`Store::compartment`] where the space used matters.
    pub async fn compartment_at(
        &self,
        at: FactGeneration,
        id: &str,
    ) -> Result<Option<Compartment>, StoreError> {
        {
            let mut maps = self.facts.maps();
            if maps.current(at) {
                if let Some(found) = maps.compartments.get(id) {
                    return Ok(Some(Compartment::clone(found)));
                }
            }
        }
        let Some(compartment) = self.compartment(id).await? else {
            return Ok(None);
        };
        let mut maps = self.facts.maps();
        if maps.current(at) {
            keep(
                &mut maps.compartments,
                id.to_owned(),
                Arc::new(compartment.clone()),
            );
        }
        Ok(Some(compartment))
    }
}

#[cfg(test)]
mod tests {
    #![allow(
        clippy::unwrap_used,
        clippy::expect_used,
        reason = "tests fail loudly on purpose"
    )]

    use dsg_core::{AuditObject, AuditRecord, Outcome};

    use super::*;

    fn entry(action: AuditAction) -> AuditRecord {
        AuditRecord {
            request_id: "r".into(),
            actor: None,
            source: None,
            terminal: None,
            action,
            object: AuditObject::Gateway,
            outcome: Outcome::Success,
            reason: String::new(),
            decision: None,
        }
    }

    #[tokio::test]
    async fn a_change_that_alters_facts_bumps_the_generation_in_its_transaction() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("t.db").display());
        let store = Store::connect(&url).await.unwrap();
        let start = store.fact_generation().await.unwrap();

        // A file or session change leaves it; a terminal change bumps it.
        let tx = store.begin_audited().await.unwrap();
        tx.commit(1, &entry(AuditAction::FileUpload)).await.unwrap();
        assert_eq!(store.fact_generation().await.unwrap(), start);
        let tx = store.begin_audited().await.unwrap();
        tx.commit(2, &entry(AuditAction::TerminalQuarantine))
            .await
            .unwrap();
        let after = store.fact_generation().await.unwrap();
        assert_eq!(after.value(), start.value() + 1);
        // A consequence (a lockout after a failed login) counts too.
        let tx = store.begin_audited().await.unwrap();
        tx.commit_with(
            3,
            &entry(AuditAction::Login),
            Some(&entry(AuditAction::AccountLockout)),
        )
        .await
        .unwrap();
        assert_eq!(
            store.fact_generation().await.unwrap().value(),
            start.value() + 2
        );
        // A change rolled back bumps nothing.
        drop(store.begin_audited().await.unwrap());
        assert_eq!(
            store.fact_generation().await.unwrap().value(),
            start.value() + 2
        );
        // The session query reads the same generation, with or without a session.
        let (session, at) = store.session_at("no-such-token").await.unwrap();
        assert!(session.is_none());
        assert_eq!(at.value(), start.value() + 2);
    }

    #[test]
    fn entries_serve_only_the_generation_they_were_read_at() {
        let mut maps = Maps::default();
        assert!(maps.current(FactGeneration(0)));
        maps.seen.insert(TerminalId::random(), 1);
        // A newer generation drops everything kept.
        assert!(maps.current(FactGeneration(3)));
        assert!(maps.seen.is_empty());
        maps.seen.insert(TerminalId::random(), 1);
        // A request that started before the newest change neither uses nor
        // keeps entries.
        assert!(!maps.current(FactGeneration(2)));
        assert_eq!(maps.seen.len(), 1);
        assert!(maps.current(FactGeneration(3)));
    }
}
