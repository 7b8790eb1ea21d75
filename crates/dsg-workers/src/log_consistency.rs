//! Before the sequencer signs anything, the stored log must agree with
//! every checkpoint it has signed before: those in the database and those
//! in the publication directory (which the database cannot take back). A
//! gateway that signed over a log with rows removed or rewritten would
//! publish a history contradicting its own earlier statement, so any
//! disagreement stops it, naming the first entry that fails where it can.

use std::path::Path;

use dsg_app::{entry_bytes, AppError};
use dsg_audit::{
    check_expiries, hex32, leaf_hash, Checkpoint, CompactTree, ExpiryEntry, Hash, SignedCheckpoint,
    EXPIRE_ACTION,
};
use dsg_store::ports::LogSequencing;
use dsg_store::StoredCheckpoint;

/// A signed statement of the log's size and root, and where it came from.
pub(crate) struct Known {
    /// `database` or the publication file.
    pub source: String,
    /// Leaves covered.
    pub size: u64,
    /// Their root.
    pub root: Hash,
    /// The whole statement, when its signature was checked (the times and
    /// retention periods the expiry check relies on).
    pub signed: Option<Checkpoint>,
}

/// The checkpoints stored in the database; those whose signature holds
/// under `public_key` also carry their statement.
pub(crate) fn stored(
    checkpoints: &[StoredCheckpoint],
    public_key: &[u8],
) -> Result<Vec<Known>, AppError> {
    checkpoints
        .iter()
        .map(|c| {
            Ok(Known {
                source: "the database".to_owned(),
                size: u64::try_from(c.tree_size)
                    .map_err(|_| AppError::Internal("a stored checkpoint size".into()))?,
                root: hex32(&c.root).ok_or_else(|| {
                    AppError::Internal(format!("checkpoint {}: malformed root", c.tree_size))
                })?,
                signed: SignedCheckpoint::from_json(&c.signed)
                    .ok()
                    .filter(|s| s.verify(public_key).is_ok())
                    .map(|s| s.checkpoint),
            })
        })
        .collect()
}

/// Every checkpoint of this log (signed by `public_key`) in the
/// publication directory. A file of another log or key is skipped with a
/// warning (directories may be shared); one that does not parse too.
pub(crate) fn published(
    dir: &Path,
    log_id: &str,
    public_key: &[u8],
) -> Result<Vec<Known>, AppError> {
    let entries = std::fs::read_dir(dir).map_err(|e| {
        AppError::Internal(format!(
            "reading the checkpoint directory {}: {e}",
            dir.display()
        ))
    })?;
    let mut known = Vec::new();
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if !(name.starts_with("checkpoint-") && name.ends_with(".json")) {
            continue;
        }
        let signed = std::fs::read_to_string(&path)
            .ok()
            .and_then(|text| serde_json::from_str::<serde_json::Value>(&text).ok())
            .and_then(|v| serde_json::from_value::<SignedCheckpoint>(v["signed"].clone()).ok());
        let Some(signed) = signed else {
            tracing::warn!(file = %path.display(), "not a checkpoint publication; skipped");
            continue;
        };
        if signed.checkpoint.log_id != log_id || signed.verify(public_key).is_err() {
            tracing::warn!(file = %path.display(), "a checkpoint of another log; skipped");
            continue;
        }
        known.push(Known {
            source: path.display().to_string(),
            size: signed.checkpoint.tree_size,
            root: signed.checkpoint.root,
            signed: Some(signed.checkpoint),
        });
    }
    Ok(known)
}

/// Checks every stored entry against its leaf, then `leaves` (the stored
/// leaf hashes in order) against every known checkpoint. `Ok(Some(why))`
/// names a contradiction; an error is a failure to look.
pub(crate) async fn check(
    store: &dyn LogSequencing,
    leaves: &[Hash],
    known: &[Known],
) -> Result<Option<String>, AppError> {
    // The content first: an edited row leaves its stored leaf, and so every
    // root, intact; only rehashing the entry shows it.
    let (altered, expired, expiries) = first_altered(store, leaves).await?;
    if let Some(seq) = altered {
        return Ok(Some(format!(
            "entry seq {seq} no longer matches its leaf hash"
        )));
    }
    // Content may only have gone at the end of its retention period, by an
    // expiry entry (see `dsg_audit::expiry`): judged on signed statements.
    let mut signed: Vec<Checkpoint> = known.iter().filter_map(|k| k.signed.clone()).collect();
    signed.sort_by_key(|c| (c.tree_size, c.timestamp_ms));
    signed.dedup();
    if let Err(why) = check_expiries(&expired, &expiries, &signed) {
        return Ok(Some(why));
    }
    let mut sorted: Vec<&Known> = known.iter().collect();
    sorted.sort_by_key(|k| k.size);
    let mut tree = CompactTree::new();
    let mut previous = 0u64;
    for k in sorted {
        let Some(covered) = usize::try_from(k.size).ok().and_then(|n| leaves.get(..n)) else {
            return Ok(Some(format!(
                "the checkpoint of {} entries in {} covers more than the {} stored: entries \
                 from seq {} on were removed",
                k.size,
                k.source,
                leaves.len(),
                leaves.len()
            )));
        };
        for leaf in covered.iter().skip(tree.size() as usize) {
            tree.push(*leaf);
        }
        if tree.root() != k.root {
            let place = format!(
                "the leaf hashes themselves were changed, at seq {previous} or later, before {}",
                k.size
            );
            return Ok(Some(format!(
                "the stored log does not match the checkpoint of {} entries in {}: {place}",
                k.size, k.source
            )));
        }
        previous = k.size;
    }
    Ok(None)
}

/// The error that stops the gateway (or its signing) on a contradiction.
pub(crate) fn refuse(why: &str) -> AppError {
    tracing::error!(reason = %why, "the audit log contradicts a signed checkpoint");
    AppError::Internal(format!(
        "the audit log was altered: {why}; refusing to sign checkpoints over it \
         (restore the database from a backup, then run audit-export and audit-verify)"
    ))
}

/// What the stored entries say: the first whose content and salt no
/// longer hash to the stored leaf (or whose leaf is not where its seq
/// says), the leaves whose content expired, and the expiry entries.
async fn first_altered(
    store: &dyn LogSequencing,
    leaves: &[Hash],
) -> Result<(Option<i64>, Vec<u64>, Vec<ExpiryEntry>), AppError> {
    let mut expired = Vec::new();
    let mut expiries = Vec::new();
    for (index, s) in (0i64..).zip(store.sequenced_events().await?) {
        if s.seq != index {
            return Ok((Some(index), expired, expiries));
        }
        let seq = u64::try_from(index).unwrap_or(0);
        if s.expired_at.is_some() {
            expired.push(seq);
        } else if s.event.action == EXPIRE_ACTION {
            expiries.extend(ExpiryEntry::parse(
                seq,
                s.event.occurred_at,
                &s.event.reason,
            ));
        }
        let stored = usize::try_from(index).ok().and_then(|i| leaves.get(i));
        let ok = if s.expired_at.is_some() {
            hex32(&s.leaf_hash).as_ref() == stored
        } else {
            hex32(&s.salt).map(|salt| leaf_hash(&salt, &entry_bytes(&s.event))) == stored.copied()
                && hex32(&s.leaf_hash).as_ref() == stored
        };
        if !ok {
            return Ok((Some(s.seq), expired, expiries));
        }
    }
    Ok((None, expired, expiries))
}
