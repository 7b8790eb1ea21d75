//! The tamper-evident log: a sequencer that turns new rows of the audit
//! table into salted Merkle leaves (`dsg-audit`) and writes signed
//! checkpoints, plus the export and the offline verification of an export.
//!
//! The checkpoint signing key is an ECDSA P-256 key made on first use; its
//! PKCS#8 document is sealed under the master key (purpose
//! `audit-signing-key`, owner = key id, version 1) and its public key is
//! stored in clear so it can be published.
//!
//! Export format (JSON Lines, `dsg-audit-export/v1`): one header line
//! `{"type":"header","format":…,"log_id":…,"public_key":"<hex SEC1>"}`, one
//! line per sequenced entry `{"type":"entry","seq":…,"salt":"<hex>", <the
//! event fields>}` in leaf order, then one line per checkpoint
//! `{"type":"checkpoint","signed":<SignedCheckpoint>}` smallest first.
//! Verification of an export is in `audit_verify.rs`, proofs in
//! `audit_proofs.rs`.

use crate::TaskHandle;
use std::collections::HashMap;
use std::time::Duration;

use dsg_audit::{
    canonical_entry, leaf_hash, AuditError, Checkpoint, CompactTree, CompanyHead, EcdsaKeyPair,
    Hash, KeyPair, ECDSA_P256_SHA256_ASN1_SIGNING,
};
use dsg_core::{AuditAction, AuditRecord, Outcome};
use dsg_crypto::{open, seal, WrapContext};
use dsg_store::{NewLeaf, SequencedEvent, StoredAuditEvent, StoredAuditKey, StoredCheckpoint};
use serde_json::{json, Value};
use tokio::sync::oneshot;

use super::{App, AppError};

const SIGNING_KEY: &str = "audit-signing-key";
/// Format label of the export's header line.
pub const EXPORT_FORMAT_V1: &str = "dsg-audit-export/v1";
/// Events sequenced per transaction.
const BATCH: i64 = 500;
/// How often the sequencer looks for new events.
const TICK: Duration = Duration::from_millis(500);

fn internal(what: &str) -> impl FnOnce(AuditError) -> AppError + '_ {
    move |e| AppError::Internal(format!("{what}: {e}"))
}

/// The log id every checkpoint of this deployment carries.
pub(super) fn log_id(key_id: &str) -> String {
    format!("dsg-{key_id}")
}

/// The canonical bytes of one audit event (field order of
/// [`dsg_audit::ENTRY_FIELDS_V1`], then the terminal, the decision record's
/// digest and the company when there are).
pub(super) fn entry_bytes(e: &StoredAuditEvent) -> Vec<u8> {
    let occurred_at = e.occurred_at.to_string();
    let mut fields: Vec<(&str, Option<&str>)> = vec![
        ("id", Some(&e.id)),
        ("occurred_at", Some(&occurred_at)),
        ("request_id", Some(&e.request_id)),
        ("actor", e.actor_user_id.as_deref()),
        ("source", e.source_addr.as_deref()),
        ("action", Some(&e.action)),
        ("object_type", Some(&e.object_type)),
        ("object_id", e.object_id.as_deref()),
        ("outcome", Some(&e.outcome)),
        ("reason", Some(&e.reason)),
    ];
    if let Some(terminal) = &e.terminal_id {
        fields.push((dsg_audit::ENTRY_FIELD_TERMINAL, Some(terminal.as_str())));
    }
    if let Some(digest) = &e.decision_digest {
        fields.push((dsg_audit::ENTRY_FIELD_DECISION, Some(digest.as_str())));
    }
    if let Some(company) = &e.company_id {
        fields.push((dsg_audit::ENTRY_FIELD_COMPANY, Some(company.as_str())));
    }
    canonical_entry(&fields)
}

pub(super) fn hex32(text: &str) -> Option<[u8; 32]> {
    let mut out = [0u8; 32];
    hex::decode_to_slice(text, &mut out).ok().map(|()| out)
}

/// The signing key and what identifies it.
struct Signer {
    key: EcdsaKeyPair,
    log_id: String,
}

impl App {
    /// The checkpoint signing key, made and stored on first use.
    async fn audit_signer(&self) -> Result<Signer, AppError> {
        if let Some(stored) = self.inner.store.audit_key().await? {
            return self.open_signer(&stored);
        }
        let rng = self.inner.rng.as_ref();
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, rng)
            .map_err(|_| AppError::Internal("cannot generate the audit signing key".into()))?;
        let key = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, pkcs8.as_ref())
            .map_err(|_| AppError::Internal("generated audit key does not parse".into()))?;
        let id = uuid::Uuid::now_v7().to_string();
        let ctx = WrapContext {
            purpose: SIGNING_KEY,
            owner: &id,
            key_version: 1,
        };
        let sealed = seal(&self.inner.master_key, pkcs8.as_ref(), &ctx, rng)?;
        self.inner
            .store
            .insert_audit_key(&StoredAuditKey {
                id: id.clone(),
                wrapped_private_key: hex::encode(sealed),
                public_key: hex::encode(key.public_key().as_ref()),
                created_at: self.now(),
            })
            .await?;
        tracing::info!(key_id = %id, "created the audit checkpoint signing key");
        // Re-read: should two processes race, both use the oldest key.
        let stored = self
            .inner
            .store
            .audit_key()
            .await?
            .ok_or_else(|| AppError::Internal("audit key vanished".into()))?;
        self.open_signer(&stored)
    }

    fn open_signer(&self, stored: &StoredAuditKey) -> Result<Signer, AppError> {
        let sealed = hex::decode(&stored.wrapped_private_key)
            .map_err(|_| AppError::Internal("audit key is not hex".into()))?;
        let ctx = WrapContext {
            purpose: SIGNING_KEY,
            owner: &stored.id,
            key_version: 1,
        };
        let pkcs8 = open(&self.inner.master_key, &sealed, &ctx)?;
        let key = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, &pkcs8)
            .map_err(|_| AppError::Internal("audit key does not parse".into()))?;
        if hex::encode(key.public_key().as_ref()) != stored.public_key {
            return Err(AppError::Internal(
                "stored audit public key does not match the private key".into(),
            ));
        }
        Ok(Signer {
            key,
            log_id: log_id(&stored.id),
        })
    }

    /// Prepares the sequencer: loads (or makes) the signing key and rebuilds
    /// the tree from the stored leaf hashes.
    pub async fn audit_sequencer(&self) -> Result<Sequencer, AppError> {
        let signer = self.audit_signer().await?;
        let mut sequencer = Sequencer {
            app: self.clone(),
            signer,
            tree: CompactTree::new(),
            companies: HashMap::new(),
            checkpointed_size: 0,
            checkpointed_at_ms: 0,
            expired_at_ms: None,
        };
        sequencer.reload().await?;
        Ok(sequencer)
    }

    /// Starts the sequencer task (every 500 ms). Stop it with
    /// [`TaskHandle::shutdown`], before the store closes, so it sequences
    /// what is left and writes a final checkpoint.
    pub async fn spawn_audit_sequencer(&self) -> Result<TaskHandle, AppError> {
        let sequencer = self.audit_sequencer().await?;
        Ok(TaskHandle::spawn("audit sequencer", |stopped| {
            sequencer.run(stopped)
        }))
    }

    /// Drops the content of entries older than `audit.retention_days`; each
    /// batch records its own `audit.expire` entry in the same transaction.
    /// Returns how many entries expired.
    pub async fn expire_audit(&self) -> Result<u64, AppError> {
        let now = self.now();
        let days = i64::from(self.inner.config.audit.retention_days);
        let before = now.saturating_sub(days.saturating_mul(DAY_MS));
        let mut total = 0;
        loop {
            let request_id = uuid::Uuid::now_v7().to_string();
            let done = self
                .inner
                .store
                .expire_audit_content(before, now, EXPIRY_BATCH, |expired| AuditRecord {
                    request_id,
                    actor: None,
                    source: None,
                    terminal: None,
                    action: AuditAction::AuditExpire,
                    object_type: "audit_log",
                    object_id: None,
                    outcome: Outcome::Success,
                    reason: format!(
                        "before={before} entries={} through_seq={} alerts={}",
                        expired.entries, expired.through_seq, expired.alerts
                    ),
                    decision: None,
                })
                .await?;
            match done {
                Some(expired) => {
                    total += expired.entries;
                    if expired.entries < EXPIRY_BATCH as u64 {
                        return Ok(total);
                    }
                }
                None => return Ok(total),
            }
        }
    }

    /// The whole log in the export format, one string per line. Fails when
    /// no signing key exists yet (the gateway has never run).
    pub async fn audit_export(&self) -> Result<Vec<String>, AppError> {
        let store = &self.inner.store;
        let key = store.audit_key().await?.ok_or_else(|| {
            AppError::Invalid("the log has no signing key yet: start the gateway first".into())
        })?;
        let mut lines = vec![json!({
            "type": "header",
            "format": EXPORT_FORMAT_V1,
            "log_id": log_id(&key.id),
            "public_key": key.public_key,
        })
        .to_string()];
        // Checkpoints first in time, so every entry they cover is already
        // sequenced when the entries are read.
        let checkpoints = store.checkpoints().await?;
        for s in store.sequenced_events().await? {
            lines.push(entry_json(&s).to_string());
        }
        for c in checkpoints {
            let signed: Value = serde_json::from_str(&c.signed)
                .map_err(|e| AppError::Internal(format!("stored checkpoint: {e}")))?;
            lines.push(json!({ "type": "checkpoint", "signed": signed }).to_string());
        }
        Ok(lines)
    }
}

/// One sequenced entry as an export line (also the `entry` of an
/// inclusion proof, so the leaf hash can be recomputed from it). An entry
/// past its retention period is an `expired` line: the stored leaf hash
/// stands in for the content that is gone.
pub(super) fn entry_json(s: &SequencedEvent) -> Value {
    let e = &s.event;
    if s.expired_at.is_some() {
        return json!({
            "type": "expired", "seq": s.seq, "leaf_hash": s.leaf_hash, "id": e.id,
            "occurred_at": e.occurred_at, "company": e.company_id, "expired_at": s.expired_at,
        });
    }
    json!({
        "type": "entry", "seq": s.seq, "salt": s.salt,
        "id": e.id, "occurred_at": e.occurred_at, "request_id": e.request_id,
        "actor": e.actor_user_id, "source": e.source_addr, "action": e.action,
        "object_type": e.object_type, "object_id": e.object_id,
        "outcome": e.outcome, "reason": e.reason, "terminal": e.terminal_id,
        "decision": e.decision_digest, "company": e.company_id,
    })
}

/// Turns new audit rows into leaves and writes checkpoints.
pub struct Sequencer {
    app: App,
    signer: Signer,
    tree: CompactTree,
    /// Each company's sub-log: the leaf hashes of the entries that concern
    /// it, in leaf order, and the size its newest head entry covers.
    companies: HashMap<String, SubLog>,
    checkpointed_size: u64,
    checkpointed_at_ms: i64,
    /// When expiry last ran (it runs at start, then hourly).
    expired_at_ms: Option<i64>,
}

/// How often the sequencer drops content past its retention period.
const EXPIRY_INTERVAL_MS: i64 = 60 * 60 * 1000;
/// Entries expired per transaction.
const EXPIRY_BATCH: i64 = 10_000;
const DAY_MS: i64 = 24 * 60 * 60 * 1000;

/// One company's sub-log as the sequencer keeps it.
#[derive(Default)]
struct SubLog {
    tree: CompactTree,
    head_size: u64,
}

impl Sequencer {
    /// Rebuilds the tree from the stored leaves and reads the newest
    /// checkpoint.
    async fn reload(&mut self) -> Result<(), AppError> {
        let store = &self.app.inner.store;
        let checkpoints = store.checkpoints().await?;
        let last = checkpoints.last();
        let last_size = last.map_or(0, |c| c.tree_size);
        let mut tree = CompactTree::new();
        let mut companies: HashMap<String, SubLog> = HashMap::new();
        for (index, (seq, hash, company)) in (0i64..).zip(store.leaf_hashes_by_company().await?) {
            if seq != index {
                return Err(AppError::Internal(format!(
                    "audit leaves are not contiguous: expected seq {index}, found {seq}"
                )));
            }
            let hash = hex32(&hash).ok_or_else(|| {
                AppError::Internal(format!("audit leaf {seq} has a malformed hash"))
            })?;
            tree.push(hash);
            if let Some(company) = company {
                companies.entry(company).or_default().tree.push(hash);
            }
            if let Some(c) = last.filter(|c| c.tree_size == index + 1) {
                if hex::encode(tree.root()) != c.root {
                    tracing::error!(
                        tree_size = c.tree_size,
                        "stored audit leaves do not match the last checkpoint: the log was altered"
                    );
                }
            }
        }
        for (company, reason) in store.company_head_reasons().await? {
            let head = CompanyHead::parse(&reason).map_err(internal("a stored company head"))?;
            let log = companies.entry(company).or_default();
            log.head_size = log.head_size.max(head.size);
        }
        self.tree = tree;
        self.companies = companies;
        self.checkpointed_size = u64::try_from(last_size).unwrap_or(0);
        self.checkpointed_at_ms = last.map_or(0, |c| c.timestamp_ms);
        Ok(())
    }

    /// Gives every unsequenced event a leaf. Returns how many.
    pub async fn sequence(&mut self) -> Result<u64, AppError> {
        let mut total = 0;
        loop {
            let store = &self.app.inner.store;
            let events = store.unsequenced_events(BATCH).await?;
            if events.is_empty() {
                return Ok(total);
            }
            let mut leaves = Vec::with_capacity(events.len());
            let mut hashes: Vec<(Hash, Option<String>)> = Vec::with_capacity(events.len());
            for e in &events {
                let mut salt = [0u8; 32];
                self.app
                    .inner
                    .rng
                    .fill(&mut salt)
                    .map_err(|_| AppError::Internal("random number generator failed".into()))?;
                let hash = leaf_hash(&salt, &entry_bytes(e));
                leaves.push(NewLeaf {
                    event_id: e.id.clone(),
                    salt: hex::encode(salt),
                    leaf_hash: hex::encode(hash),
                });
                hashes.push((hash, e.company_id.clone()));
            }
            let first = i64::try_from(self.tree.size())
                .map_err(|_| AppError::Internal("log too large".into()))?;
            if let Err(e) = store.append_leaves(first, &leaves).await {
                // Someone else changed the leaves: start again from what is
                // stored rather than sign a tree the database disagrees with.
                tracing::error!(error = %e, "appending audit leaves failed; reloading the tree");
                self.reload().await?;
                return Err(e.into());
            }
            for (hash, company) in hashes {
                self.tree.push(hash);
                if let Some(company) = company {
                    self.companies.entry(company).or_default().tree.push(hash);
                }
            }
            total += events.len() as u64;
            if (events.len() as i64) < BATCH {
                return Ok(total);
            }
        }
    }

    /// Writes a signed checkpoint if the tree grew since the last one and
    /// the interval passed (or `force`). Returns whether it wrote one.
    pub async fn checkpoint(&mut self, force: bool) -> Result<bool, AppError> {
        let size = self.tree.size();
        let now = self.app.now();
        let interval_ms = i64::try_from(
            self.app
                .inner
                .config
                .audit
                .checkpoint_seconds
                .saturating_mul(1000),
        )
        .unwrap_or(i64::MAX);
        let due = force || now.saturating_sub(self.checkpointed_at_ms) >= interval_ms;
        if size <= self.checkpointed_size || !due {
            return Ok(false);
        }
        // Heads of the sub-logs that grew go into the tree this checkpoint
        // signs, so each company's extract is anchored at once.
        if self.write_company_heads().await? > 0 {
            self.sequence().await?;
        }
        let size = self.tree.size();
        let root = self.tree.root();
        let signed = Checkpoint::new(self.signer.log_id.clone(), size, root, now)
            .and_then(|c| c.sign(&self.signer.key, self.app.inner.rng.as_ref()))
            .map_err(internal("signing a checkpoint"))?;
        let json = signed
            .to_json()
            .map_err(internal("encoding a checkpoint"))?;
        self.app
            .inner
            .store
            .insert_checkpoint(&StoredCheckpoint {
                tree_size: i64::try_from(size)
                    .map_err(|_| AppError::Internal("log too large".into()))?,
                root: hex::encode(root),
                timestamp_ms: now,
                signed: json,
            })
            .await?;
        self.checkpointed_size = size;
        self.checkpointed_at_ms = now;
        Ok(true)
    }

    /// Records a head entry for every company whose sub-log grew since its
    /// last head. Returns how many.
    async fn write_company_heads(&mut self) -> Result<usize, AppError> {
        let mut written = 0;
        let request_id = uuid::Uuid::now_v7().to_string();
        for (company, log) in &mut self.companies {
            let size = log.tree.size();
            if size <= log.head_size {
                continue;
            }
            let head = CompanyHead {
                size,
                root: log.tree.root(),
            };
            let record = AuditRecord {
                request_id: request_id.clone(),
                actor: None,
                source: None,
                terminal: None,
                action: AuditAction::CompanyLogHead,
                // Not "company": the head is not an entry of the sub-log it
                // describes (see the store's company rule).
                object_type: "company_log",
                object_id: Some(company.clone()),
                outcome: Outcome::Success,
                reason: head.to_reason(),
                decision: None,
            };
            self.app.inner.store.record(self.app.now(), &record).await?;
            log.head_size = size;
            written += 1;
        }
        Ok(written)
    }

    async fn step(&mut self, force: bool) {
        if let Err(e) = self.sequence().await {
            tracing::error!(error = %e, "audit sequencing failed");
            return;
        }
        let now = self.app.now();
        if self
            .expired_at_ms
            .is_none_or(|last| now.saturating_sub(last) >= EXPIRY_INTERVAL_MS)
        {
            self.expired_at_ms = Some(now);
            match self.app.expire_audit().await {
                Ok(0) => {}
                Ok(n) => tracing::info!(entries = n, "audit content past its retention dropped"),
                Err(e) => tracing::error!(error = %e, "audit expiry failed"),
            }
        }
        if let Err(e) = self.checkpoint(force).await {
            tracing::error!(error = %e, "audit checkpoint failed");
        }
    }

    async fn run(mut self, mut stop: oneshot::Receiver<()>) {
        let mut tick = tokio::time::interval(TICK);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = tick.tick() => self.step(false).await,
                _ = &mut stop => break,
            }
        }
        self.step(true).await;
    }
}
