//! The tamper-evident log as the use cases see it: the checkpoint signing
//! key (the sequencer that uses it is a worker, `dsg-workers`), retention,
//! the export and the canonical bytes of an entry.
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

use dsg_audit::{
    canonical_entry, AuditError, EcdsaKeyPair, KeyPair, ECDSA_P256_SHA256_ASN1_SIGNING,
};
use dsg_core::{AuditAction, AuditRecord, Outcome};
use dsg_crypto::{open, seal, WrapContext};
use dsg_store::{SequencedEvent, StoredAuditEvent, StoredAuditKey};
use serde_json::{json, Value};

use super::{App, AppError};

const SIGNING_KEY: &str = "audit-signing-key";
/// The actor of reads made on the gateway host's command line.
const HOST_READER: &str = "host-cli";
/// Format label of the export's header line.
pub const EXPORT_FORMAT_V1: &str = "dsg-audit-export/v1";
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

/// The canonical bytes of one audit event (field order of
/// [`dsg_audit::ENTRY_FIELDS_V1`], then the terminal, the decision record's
/// digest and the company when there are).
pub fn entry_bytes(e: &StoredAuditEvent) -> Vec<u8> {
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

/// A 32-byte hash from its hex text; `None` when it is not one.
pub fn hex32(text: &str) -> Option<[u8; 32]> {
    let mut out = [0u8; 32];
    hex::decode_to_slice(text, &mut out).ok().map(|()| out)
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

    /// The newest `limit` entries, read on the gateway host (`dsg admin
    /// audit-tail`), newest first. Recorded like any read of the log, as
    /// the host's (after the read, so the answer shows the log as it was).
    pub async fn audit_tail_on_host(&self, limit: i64) -> Result<Vec<StoredAuditEvent>, AppError> {
        let entries = self.inner.store.recent_audit(limit).await?;
        let mut record = Self::audit(
            &super::policies::host_meta(),
            &super::Caller::Anonymous,
            AuditAction::AuditRead,
            ("audit_log", None),
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
pub fn entry_json(s: &SequencedEvent) -> Value {
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
