//! Offline verification of a whole exported log against its signed
//! checkpoints.

use crate::checkpoint::SignedCheckpoint;
use crate::error::AuditError;
use crate::hash::{CompactTree, Hash};

/// What [`verify_log`] established.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LogReport {
    /// Leaves covered by at least one verified checkpoint (the largest
    /// checkpoint's `tree_size`).
    pub entries_checked: u64,
    /// Leaves after the last checkpoint: present in the export but not yet
    /// vouched for by any signature, so not verified.
    pub entries_unanchored: u64,
    /// Checkpoints whose signature and root verified.
    pub checkpoints_checked: usize,
}

/// Verifies an exported log: `leaves` are the leaf hashes in log order,
/// `checkpoints` the signed checkpoints in the order they were issued.
///
/// For each checkpoint, in order: the signature verifies under
/// `public_key` (SEC1 point or DER SPKI), its `log_id` equals the first
/// checkpoint's, its `tree_size` is not smaller than the previous one's and
/// not larger than `leaves.len()`, and its root equals the Merkle root of
/// the first `tree_size` leaves. The first failure is returned as
/// [`AuditError::Checkpoint`] with the checkpoint's index.
///
/// Because every checkpoint's root is recomputed from the leaves, this also
/// implies consistency between successive checkpoints; no consistency
/// proofs are needed when the full log is at hand. Runs in
/// `O(leaves + checkpoints · log leaves)` hashing.
///
/// An empty `checkpoints` slice is an error ([`AuditError::NoCheckpoints`]):
/// reporting success for a log nothing vouches for would mislead.
pub fn verify_log(
    leaves: &[Hash],
    checkpoints: &[SignedCheckpoint],
    public_key: &[u8],
) -> Result<LogReport, AuditError> {
    let first = checkpoints.first().ok_or(AuditError::NoCheckpoints)?;
    let mut tree = CompactTree::new();
    let mut previous_size = 0u64;
    for (index, signed) in checkpoints.iter().enumerate() {
        check_one(
            leaves,
            signed,
            public_key,
            &first.checkpoint.log_id,
            previous_size,
            &mut tree,
        )
        .map_err(|e| AuditError::Checkpoint {
            index,
            source: Box::new(e),
        })?;
        previous_size = signed.checkpoint.tree_size;
    }
    let total = leaves.len() as u64;
    Ok(LogReport {
        entries_checked: previous_size,
        entries_unanchored: total - previous_size,
        checkpoints_checked: checkpoints.len(),
    })
}

fn check_one(
    leaves: &[Hash],
    signed: &SignedCheckpoint,
    public_key: &[u8],
    log_id: &str,
    previous_size: u64,
    tree: &mut CompactTree,
) -> Result<(), AuditError> {
    // Signature first: nothing else in the checkpoint is trusted until then.
    signed.verify(public_key)?;
    let cp = &signed.checkpoint;
    if cp.log_id != log_id {
        return Err(AuditError::LogIdMismatch {
            expected: log_id.to_owned(),
            found: cp.log_id.clone(),
        });
    }
    if cp.tree_size < previous_size {
        return Err(AuditError::Shrunk {
            previous: previous_size,
            current: cp.tree_size,
        });
    }
    let size = usize::try_from(cp.tree_size)
        .ok()
        .filter(|&s| s <= leaves.len())
        .ok_or_else(|| {
            AuditError::InvalidSize(format!(
                "checkpoint covers {} entries but the log has {}",
                cp.tree_size,
                leaves.len()
            ))
        })?;
    // Sizes never decrease, so the compact tree only ever moves forward and
    // each leaf is hashed in once across all checkpoints.
    for leaf in leaves.iter().take(size).skip(tree.size() as usize) {
        tree.push(*leaf);
    }
    if tree.root() != cp.root {
        return Err(AuditError::RootMismatch);
    }
    Ok(())
}
