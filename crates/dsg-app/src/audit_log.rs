//! The tamper-evident log as the use cases see it: the checkpoint signing
//! key (the sequencer that uses it is a worker, `dsg-workers`), retention,
//! the export and the canonical bytes of an entry.
//!
//! The checkpoint signing key is an ECDSA P-256 key made on first use; its
//! PKCS#8 document is sealed under the master key (purpose
//! `audit-signing-key`, owner = key id, version 1) and its public key is
//! stored in clear so it can be published.
//!
//! The export format and its offline verification are `dsg-audit`'s
//! ([`dsg_audit::export`], [`dsg_audit::verify_export`]); proofs are in
//! `audit_proofs.rs`.

use dsg_audit::{
    entry_line, expirable_below, expire_reason, expired_line, retention_of, AuditError, Checkpoint,
    EcdsaKeyPair, ExportEntry, KeyPair, SignedCheckpoint, ECDSA_P256_SHA256_ASN1_SIGNING,
    EXPORT_FORMAT_V1,
};
use dsg_core::{AuditAction, AuditObject, AuditRecord, Outcome};
use dsg_crypto::{open, seal, WrapContext};
use dsg_store::{SequencedEvent, StoredAuditEvent, StoredAuditKey};
use serde_json::{json, Value};

use super::{App, AppError};

const SIGNING_KEY: &str = "audit-signing-key";
/// The actor of reads made on the gateway host's command line.
const HOST_READER: &str = "host-cli";
/// Entries expired per transaction.
const EXPIRY_BATCH: i64 = 10_000;
const DAY_MS: i64 = 24 * 60 * 60 * 1000;

/// An `AuditError` as an internal error, with what was being done.
pub fn internal(what: &str) -> impl FnOnce(AuditError) -> AppError + '_ {
    move |e| AppError::Internal(format!("{what}: {e}"))
}

/// The log id every checkpoint of this deployment carries.
pub fn log_id(key_id: &str) -> String {
    format!("dsg-{key_id}")
}

/// One stored event as the export shows it ([`dsg_audit::ExportEntry`]).
pub fn export_entry(e: &StoredAuditEvent) -> ExportEntry {
    ExportEntry {
        id: e.id.clone(),
        occurred_at: e.occurred_at,
        request_id: e.request_id.clone(),
        actor: e.actor_user_id.clone(),
        source: e.source_addr.clone(),
        action: e.action.clone(),
        object_type: e.object_type.clone(),
        object_id: e.object_id.clone(),
        outcome: e.outcome.clone(),
        reason: e.reason.clone(),
        terminal: e.terminal_id.clone(),
        decision: e.decision_digest.clone(),
        company: e.company_id.clone(),
    }
}

/// The canonical bytes of one audit event, the input of its leaf hash
/// ([`dsg_audit::ExportEntry::canonical_bytes`]).
pub fn entry_bytes(e: &StoredAuditEvent) -> Vec<u8> {
    export_entry(e).canonical_bytes()
}

/// The checkpoint signing key and the log id it signs for.
pub struct AuditSigner {
    /// The ECDSA P-256 key.
    pub key: EcdsaKeyPair,
    /// `dsg-<key id>`.
    pub log_id: String,
}

impl App {
    /// The checkpoint signing key, made and stored on first use (the
    /// sequencer signs with it; the master key that seals it stays here).
    pub async fn audit_signer(&self) -> Result<AuditSigner, AppError> {
        if let Some(stored) = self.inner.audit_log.audit_key().await? {
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
            .audit_log
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
            .audit_log
            .audit_key()
            .await?
            .ok_or_else(|| AppError::Internal("audit key vanished".into()))?;
        self.open_signer(&stored)
    }

    fn open_signer(&self, stored: &StoredAuditKey) -> Result<AuditSigner, AppError> {
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
        Ok(AuditSigner {
            key,
            log_id: log_id(&stored.id),
        })
    }

    /// Drops the content of entries older than `audit.retention_days`; each
    /// batch records its own `audit.expire` entry (naming the range and the
    /// retention applied) in the same transaction. Returns how many entries
    /// expired.
    ///
    /// What may go is judged as a verifier will (`dsg_audit::expiry`): only
    /// leaves in a tree signed at least the retention period before now
    /// (the expiry entry's time), under the longer of the configured period
    /// and the one the newest checkpoint signed.
    pub async fn expire_audit(&self) -> Result<u64, AppError> {
        let now = self.now();
        let checkpoints = self.signed_checkpoints().await?;
        let Some(latest) = checkpoints.last() else {
            return Ok(0);
        };
        let days = self
            .inner
            .config
            .audit
            .retention_days
            .max(retention_of(latest));
        let below = i64::try_from(expirable_below(&checkpoints, now, days)).unwrap_or(i64::MAX);
        let before = now.saturating_sub(i64::from(days).saturating_mul(DAY_MS));
        let mut total = 0;
        loop {
            let request_id = uuid::Uuid::now_v7().to_string();
            let done = self
                .inner
                .audit_log
                .expire_audit_content(
                    before,
                    below,
                    now,
                    EXPIRY_BATCH,
                    Box::new(move |expired| AuditRecord {
                        request_id,
                        actor: None,
                        source: None,
                        terminal: None,
                        action: AuditAction::AuditExpire,
                        object: AuditObject::AuditLog,
                        outcome: Outcome::Success,
                        reason: expire_reason(
                            before,
                            expired.entries,
                            expired.from_seq,
                            expired.through_seq,
                            days,
                            expired.alerts,
                        ),
                        decision: None,
                    }),
                )
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

    /// The stored checkpoints whose signature holds under the log's key,
    /// in signing order.
    async fn signed_checkpoints(&self) -> Result<Vec<Checkpoint>, AppError> {
        let Some(key) = self.inner.audit_log.audit_key().await? else {
            return Ok(Vec::new());
        };
        let public_key = hex::decode(&key.public_key)
            .map_err(|_| AppError::Internal("stored audit public key is not hex".into()))?;
        let mut signed = Vec::new();
        for stored in self.inner.audit_log.checkpoints().await? {
            let c = SignedCheckpoint::from_json(&stored.signed)
                .map_err(|e| AppError::Internal(format!("stored checkpoint: {e}")))?;
            if c.verify(&public_key).is_ok() {
                signed.push(c.checkpoint);
            } else {
                tracing::warn!(
                    size = stored.tree_size,
                    "a stored checkpoint does not verify"
                );
            }
        }
        Ok(signed)
    }

    /// The newest `limit` entries, read on the gateway host (`dsg admin
    /// audit-tail`), newest first. Recorded like any read of the log, as
    /// the host's (after the read, so the answer shows the log as it was).
    pub async fn audit_tail_on_host(&self, limit: i64) -> Result<Vec<StoredAuditEvent>, AppError> {
        let entries = self.inner.audit_log.recent_audit(limit).await?;
        let mut record = Self::audit(
            &super::policies::host_meta(),
            &super::Caller::Anonymous,
            AuditAction::AuditRead,
            AuditObject::AuditLog,
            Outcome::Success,
            format!("host:audit-tail limit={limit}"),
        );
        record.actor = Some(HOST_READER.to_owned());
        self.record(&record).await?;
        Ok(entries)
    }

    /// The whole log in the export format, one string per line. Fails when
    /// no signing key exists yet (the gateway has never run).
    pub async fn audit_export(&self) -> Result<Vec<String>, AppError> {
        let inner = &*self.inner;
        let key = inner.audit_log.audit_key().await?.ok_or_else(|| {
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
        let checkpoints = inner.audit_log.checkpoints().await?;
        for s in inner.audit_log.sequenced_events().await? {
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
/// One sequenced entry as an export line ([`dsg_audit::entry_line`]); an
/// entry past its retention period is an `expired` line.
pub(crate) fn entry_json(s: &SequencedEvent) -> Value {
    let e = &s.event;
    match s.expired_at {
        Some(expired_at) => expired_line(
            s.seq,
            &s.leaf_hash,
            &e.id,
            e.occurred_at,
            e.company_id.as_deref(),
            expired_at,
        ),
        None => entry_line(s.seq, &s.salt, &export_entry(e)),
    }
}
