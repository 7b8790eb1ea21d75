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

use std::time::Duration;

use dsg_audit::{
    canonical_entry, leaf_hash, verify_log, AuditError, Checkpoint, CompactTree, EcdsaKeyPair,
    Hash, KeyPair, SignedCheckpoint, ECDSA_P256_SHA256_ASN1_SIGNING,
};
use dsg_crypto::{open, seal, WrapContext};
use dsg_store::{NewLeaf, StoredAuditEvent, StoredAuditKey, StoredCheckpoint};
use serde_json::{json, Value};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

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
fn log_id(key_id: &str) -> String {
    format!("dsg-{key_id}")
}

/// The canonical bytes of one audit event (field order of
/// [`dsg_audit::ENTRY_FIELDS_V1`]).
fn entry_bytes(e: &StoredAuditEvent) -> Vec<u8> {
    let occurred_at = e.occurred_at.to_string();
    canonical_entry(&[
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
    ])
}

fn hex32(text: &str) -> Option<[u8; 32]> {
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
            checkpointed_size: 0,
            checkpointed_at_ms: 0,
        };
        sequencer.reload().await?;
        Ok(sequencer)
    }

    /// Starts the sequencer task (every 500 ms). Stop it with
    /// [`SequencerHandle::shutdown`], before the store closes, so it writes
    /// a final checkpoint.
    pub async fn spawn_audit_sequencer(&self) -> Result<SequencerHandle, AppError> {
        let sequencer = self.audit_sequencer().await?;
        let (stop, stopped) = oneshot::channel();
        let task = tokio::spawn(sequencer.run(stopped));
        Ok(SequencerHandle { stop, task })
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
            let e = s.event;
            lines.push(
                json!({
                    "type": "entry", "seq": s.seq, "salt": s.salt,
                    "id": e.id, "occurred_at": e.occurred_at, "request_id": e.request_id,
                    "actor": e.actor_user_id, "source": e.source_addr, "action": e.action,
                    "object_type": e.object_type, "object_id": e.object_id,
                    "outcome": e.outcome, "reason": e.reason,
                })
                .to_string(),
            );
        }
        for c in checkpoints {
            let signed: Value = serde_json::from_str(&c.signed)
                .map_err(|e| AppError::Internal(format!("stored checkpoint: {e}")))?;
            lines.push(json!({ "type": "checkpoint", "signed": signed }).to_string());
        }
        Ok(lines)
    }
}

/// Turns new audit rows into leaves and writes checkpoints.
pub struct Sequencer {
    app: App,
    signer: Signer,
    tree: CompactTree,
    checkpointed_size: u64,
    checkpointed_at_ms: i64,
}

/// A running sequencer task.
pub struct SequencerHandle {
    stop: oneshot::Sender<()>,
    task: JoinHandle<()>,
}

impl SequencerHandle {
    /// Sequences what is left, writes a final checkpoint and waits for the
    /// task to end.
    pub async fn shutdown(self) {
        let _ = self.stop.send(());
        if let Err(e) = self.task.await {
            tracing::error!(error = %e, "audit sequencer task failed");
        }
    }
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
        for (index, (seq, hash)) in (0i64..).zip(store.leaf_hashes().await?) {
            if seq != index {
                return Err(AppError::Internal(format!(
                    "audit leaves are not contiguous: expected seq {index}, found {seq}"
                )));
            }
            let hash = hex32(&hash).ok_or_else(|| {
                AppError::Internal(format!("audit leaf {seq} has a malformed hash"))
            })?;
            tree.push(hash);
            if let Some(c) = last.filter(|c| c.tree_size == index + 1) {
                if hex::encode(tree.root()) != c.root {
                    tracing::error!(
                        tree_size = c.tree_size,
                        "stored audit leaves do not match the last checkpoint: the log was altered"
                    );
                }
            }
        }
        self.tree = tree;
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
            let mut hashes: Vec<Hash> = Vec::with_capacity(events.len());
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
                hashes.push(hash);
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
            for hash in hashes {
                self.tree.push(hash);
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

    async fn step(&mut self, force: bool) {
        if let Err(e) = self.sequence().await {
            tracing::error!(error = %e, "audit sequencing failed");
            return;
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

/// What a successful [`verify_export`] established.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportReport {
    /// Entries in the export.
    pub entries: u64,
    /// Entries after the last checkpoint (present, not yet signed for).
    pub unanchored: u64,
    /// Checkpoints verified.
    pub checkpoints: usize,
    /// The public key used (hex).
    pub public_key: String,
}

/// Verifies an export: recomputes every leaf from the entry content and
/// its salt, checks leaf indexes are contiguous, then checks every
/// checkpoint's signature (under `public_key`, or the key in the header
/// when `None`) and root. The error names the first bad line, entry or
/// checkpoint.
pub fn verify_export(text: &str, public_key: Option<&[u8]>) -> Result<ExportReport, String> {
    let mut lines = text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty());
    let (_, header) = lines.next().ok_or("empty export")?;
    let header: Value =
        serde_json::from_str(header).map_err(|e| format!("line 1: not JSON: {e}"))?;
    if header["type"] != "header" || header["format"] != EXPORT_FORMAT_V1 {
        return Err(format!("line 1: not a {EXPORT_FORMAT_V1} header"));
    }
    let log_id = header["log_id"].as_str().ok_or("line 1: no log_id")?;
    let file_key = header["public_key"]
        .as_str()
        .and_then(|k| hex::decode(k).ok())
        .ok_or("line 1: no public_key")?;
    let key = public_key.map_or(file_key, <[u8]>::to_vec);

    let mut leaves: Vec<Hash> = Vec::new();
    let mut checkpoints: Vec<SignedCheckpoint> = Vec::new();
    for (n, line) in lines {
        let at = n + 1;
        let v: Value =
            serde_json::from_str(line).map_err(|e| format!("line {at}: not JSON: {e}"))?;
        match v["type"].as_str() {
            Some("entry") => {
                if !checkpoints.is_empty() {
                    return Err(format!("line {at}: entry after the checkpoints"));
                }
                let seq = v["seq"].as_u64().ok_or(format!("line {at}: no seq"))?;
                let expected = leaves.len() as u64;
                if seq != expected {
                    return Err(format!(
                        "entry seq {seq} (line {at}): expected seq {expected}; \
                         entries are missing or out of order"
                    ));
                }
                let event = entry_from_json(&v).ok_or(format!("entry seq {seq}: malformed"))?;
                let salt = v["salt"]
                    .as_str()
                    .and_then(hex32)
                    .ok_or(format!("entry seq {seq}: malformed salt"))?;
                leaves.push(leaf_hash(&salt, &entry_bytes(&event)));
            }
            Some("checkpoint") => {
                let signed: SignedCheckpoint = serde_json::from_value(v["signed"].clone())
                    .map_err(|e| format!("line {at}: malformed checkpoint: {e}"))?;
                if signed.checkpoint.log_id != log_id {
                    return Err(format!(
                        "checkpoint {} (line {at}): for log {:?}, the header says {log_id:?}",
                        checkpoints.len(),
                        signed.checkpoint.log_id
                    ));
                }
                checkpoints.push(signed);
            }
            _ => return Err(format!("line {at}: unknown line type")),
        }
    }
    let report = verify_log(&leaves, &checkpoints, &key).map_err(|e| match e {
        AuditError::Checkpoint { index, source } => {
            let size = checkpoints.get(index).map_or(0, |c| c.checkpoint.tree_size);
            let from = index
                .checked_sub(1)
                .and_then(|i| checkpoints.get(i))
                .map_or(0, |c| c.checkpoint.tree_size);
            format!(
                "checkpoint {index} (tree size {size}) fails: {source}; \
                 the first altered entry is at seq {from} or later, before {size}"
            )
        }
        other => other.to_string(),
    })?;
    Ok(ExportReport {
        entries: leaves.len() as u64,
        unanchored: report.entries_unanchored,
        checkpoints: report.checkpoints_checked,
        public_key: hex::encode(&key),
    })
}

fn entry_from_json(v: &Value) -> Option<StoredAuditEvent> {
    let text = |k: &str| v[k].as_str().map(str::to_owned);
    let optional = |k: &str| -> Option<Option<String>> {
        match &v[k] {
            Value::Null => Some(None),
            Value::String(s) => Some(Some(s.clone())),
            _ => None,
        }
    };
    Some(StoredAuditEvent {
        id: text("id")?,
        occurred_at: v["occurred_at"].as_i64()?,
        request_id: text("request_id")?,
        actor_user_id: optional("actor")?,
        source_addr: optional("source")?,
        action: text("action")?,
        object_type: text("object_type")?,
        object_id: optional("object_id")?,
        outcome: text("outcome")?,
        reason: text("reason")?,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests")]
    use super::*;
    use dsg_audit::{root, SystemRandom};

    fn event(i: u32) -> StoredAuditEvent {
        StoredAuditEvent {
            id: format!("event-{i}"),
            occurred_at: 1_700_000_000_000 + i64::from(i),
            request_id: format!("req-{i}"),
            actor_user_id: i.is_multiple_of(2).then(|| "user-1".to_owned()),
            source_addr: None,
            action: "file.download".into(),
            object_type: "file".into(),
            object_id: Some(format!("file-{i}")),
            outcome: "success".into(),
            reason: "policy0".into(),
        }
    }

    /// An export of `n` entries with one checkpoint over all of them.
    fn export(n: u32) -> (Vec<Value>, String) {
        let rng = SystemRandom::new();
        let key = EcdsaKeyPair::generate(&ECDSA_P256_SHA256_ASN1_SIGNING).unwrap();
        let public = hex::encode(key.public_key().as_ref());
        let mut lines = vec![json!({"type": "header", "format": EXPORT_FORMAT_V1,
            "log_id": "dsg-test", "public_key": public})];
        let mut leaves = Vec::new();
        for i in 0..n {
            let e = event(i);
            let salt = [u8::try_from(i).unwrap(); 32];
            leaves.push(leaf_hash(&salt, &entry_bytes(&e)));
            lines.push(json!({"type": "entry", "seq": i, "salt": hex::encode(salt),
                "id": e.id, "occurred_at": e.occurred_at, "request_id": e.request_id,
                "actor": e.actor_user_id, "source": e.source_addr, "action": e.action,
                "object_type": e.object_type, "object_id": e.object_id,
                "outcome": e.outcome, "reason": e.reason}));
        }
        let signed = Checkpoint::new("dsg-test", u64::from(n), root(&leaves), 1)
            .unwrap()
            .sign(&key, &rng)
            .unwrap();
        lines.push(json!({"type": "checkpoint", "signed": serde_json::to_value(&signed).unwrap()}));
        (lines, public)
    }

    fn text(lines: &[Value]) -> String {
        lines.iter().map(|l| format!("{l}\n")).collect()
    }

    #[test]
    fn a_faithful_export_verifies() {
        let (lines, public) = export(5);
        let report = verify_export(&text(&lines), None).unwrap();
        assert_eq!(report.entries, 5);
        assert_eq!(report.checkpoints, 1);
        assert_eq!(report.unanchored, 0);
        let key = hex::decode(&public).unwrap();
        assert!(verify_export(&text(&lines), Some(&key)).is_ok());
    }

    #[test]
    fn every_kind_of_tampering_fails() {
        let (lines, _) = export(5);
        let mut changed = lines.clone();
        changed[3]["reason"] = json!("policy1");
        let e = verify_export(&text(&changed), None).unwrap_err();
        assert!(e.contains("checkpoint 0") && e.contains("root"), "{e}");

        let mut absent = lines.clone();
        // Entry 0 has an actor; dropping it must change the leaf.
        absent[1]["actor"] = Value::Null;
        assert!(verify_export(&text(&absent), None).is_err());

        let mut removed = lines.clone();
        removed.remove(2);
        let e = verify_export(&text(&removed), None).unwrap_err();
        assert!(e.contains("expected seq 1"), "{e}");

        let mut salted = lines.clone();
        salted[1]["salt"] = json!(hex::encode([9u8; 32]));
        assert!(verify_export(&text(&salted), None).is_err());

        let other = EcdsaKeyPair::generate(&ECDSA_P256_SHA256_ASN1_SIGNING).unwrap();
        let e = verify_export(&text(&lines), Some(other.public_key().as_ref())).unwrap_err();
        assert!(e.contains("signature"), "{e}");

        let mut renamed = lines.clone();
        renamed[0]["log_id"] = json!("dsg-other");
        assert!(verify_export(&text(&renamed), None).is_err());

        let unsigned: Vec<Value> = lines[..lines.len() - 1].to_vec();
        assert!(verify_export(&text(&unsigned), None).is_err());
        assert!(verify_export("", None).is_err());
    }

    #[test]
    fn entries_after_the_last_checkpoint_are_counted_as_unanchored() {
        let (mut lines, _) = export(3);
        let checkpoint = lines.pop().unwrap();
        let mut extra = lines[3].clone();
        extra["seq"] = json!(3);
        lines.push(extra);
        lines.push(checkpoint);
        let report = verify_export(&text(&lines), None).unwrap();
        assert_eq!((report.entries, report.unanchored), (4, 1));
    }
}
