//! Inclusion and consistency proofs over the stored log
//! (`dsg admin audit-prove` / `audit-consistency`).
//!
//! Proofs are built from the stored leaf hashes with `dsg-audit`'s RFC 6962
//! functions. Before handing one out, the roots it implies are compared
//! with the signed checkpoint of the same size (when there is one) and the
//! proven leaf is recomputed from its entry and salt: a proof over leaves
//! that no longer match what was signed would only mislead its reader.
//!
//! These run on the gateway host with direct database access, like the
//! export, so there is no policy check here; serving proofs to companies
//! (their own entries only) is a separate step.

use dsg_audit::{
    consistency_proof, hex32, inclusion_proof, leaf_hash, root, verify_inclusion, Hash,
    SignedCheckpoint,
};
use dsg_store::StoredCheckpoint;
use serde::Serialize;

use super::audit_log::entry_bytes;
use super::audit_views::ProvenEntry;
use super::{App, AppError};

/// An inclusion proof: the entry at `leaf_index` is leaf `leaf_index` of
/// the tree of `tree_size` leaves whose root is `root` (RFC 9162 §2.1.3).
#[derive(Debug, Clone, Serialize)]
pub struct InclusionProofView {
    /// 0-based leaf index (the entry's `seq`).
    pub leaf_index: u64,
    /// Size of the tree the proof is for.
    pub tree_size: u64,
    /// The leaf hash (hex).
    pub leaf_hash: String,
    /// Root of the first `tree_size` leaves (hex).
    pub root: String,
    /// Audit path, innermost sibling first (hex).
    pub path: Vec<String>,
    /// The entry as an export line (seq, salt and fields), from which
    /// `leaf_hash` can be recomputed.
    pub entry: ProvenEntry,
    /// The signed checkpoint for `tree_size` (export form), if one was made
    /// at exactly that size.
    pub checkpoint: Option<SignedCheckpoint>,
}

/// A consistency proof: the tree of `from_size` leaves is a prefix of the
/// tree of `to_size` leaves (RFC 9162 §2.1.4).
#[derive(Debug, Clone, Serialize)]
pub struct ConsistencyProofView {
    /// The older size.
    pub from_size: u64,
    /// The newer size.
    pub to_size: u64,
    /// Root at `from_size` (hex).
    pub from_root: String,
    /// Root at `to_size` (hex).
    pub to_root: String,
    /// The proof nodes (hex).
    pub proof: Vec<String>,
    /// The signed checkpoint for `from_size`, if one exists.
    pub from_checkpoint: Option<SignedCheckpoint>,
    /// The signed checkpoint for `to_size`, if one exists.
    pub to_checkpoint: Option<SignedCheckpoint>,
}

fn hexes(hashes: &[Hash]) -> Vec<String> {
    hashes.iter().map(hex::encode).collect()
}

/// What checking an inclusion proof found, for a person to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProofCheck {
    /// The path leads from the entry's leaf to the root, and a checkpoint
    /// signed with the log's key vouches for that root.
    Verified,
    /// The path holds, but no signed checkpoint covers that tree yet (the
    /// next one will, within the checkpoint interval).
    NotYetSigned,
    /// The path or the checkpoint's signature does not hold.
    Failed,
}

impl App {
    /// Checks `proof` as a verifier would: the audit path from the leaf
    /// to the root (RFC 9162), then the checkpoint's signature under the
    /// log's key and its root.
    pub async fn check_inclusion(
        &self,
        proof: &InclusionProofView,
    ) -> Result<ProofCheck, AppError> {
        let (Some(leaf), Some(tree_root)) = (hex32(&proof.leaf_hash), hex32(&proof.root)) else {
            return Ok(ProofCheck::Failed);
        };
        let path: Option<Vec<Hash>> = proof.path.iter().map(|h| hex32(h)).collect();
        let Some(path) = path else {
            return Ok(ProofCheck::Failed);
        };
        if verify_inclusion(&leaf, proof.leaf_index, proof.tree_size, &path, &tree_root).is_err() {
            return Ok(ProofCheck::Failed);
        }
        let Some(checkpoint) = &proof.checkpoint else {
            return Ok(ProofCheck::NotYetSigned);
        };
        let Some(key) = self.inner.audit_log.audit_key().await? else {
            return Ok(ProofCheck::Failed);
        };
        let public_key = hex::decode(&key.public_key)
            .map_err(|_| AppError::Internal("stored audit public key is not hex".into()))?;
        let holds = checkpoint.verify(&public_key).is_ok()
            && checkpoint.checkpoint.root == tree_root
            && checkpoint.checkpoint.tree_size == proof.tree_size;
        Ok(if holds {
            ProofCheck::Verified
        } else {
            ProofCheck::Failed
        })
    }

    /// Inclusion proof for the entry at `index`. Without `tree_size` the
    /// proof is for the newest checkpoint when it covers the entry (so the
    /// root is a signed one), otherwise for every leaf stored so far.
    pub async fn audit_inclusion_proof(
        &self,
        index: u64,
        tree_size: Option<u64>,
    ) -> Result<InclusionProofView, AppError> {
        let inner = &*self.inner;
        // Checkpoints before leaves: the sequencer may add leaves and sign a
        // newer checkpoint between the two reads, and leaves only grow, so
        // every checkpoint read first covers leaves read after it.
        let checkpoints = inner.audit_log.checkpoints().await?;
        let leaves = self.stored_leaves().await?;
        let size = tree_size.unwrap_or_else(|| {
            checkpoints
                .last()
                .and_then(|c| u64::try_from(c.tree_size).ok())
                .filter(|&s| s > index)
                .unwrap_or(leaves.len() as u64)
        });
        let tree = prefix(&leaves, size)?;
        if index >= size {
            return Err(AppError::Refused(format!(
                "entry index {index} is not in a tree of size {size}"
            )));
        }
        let path = inclusion_proof(tree, index).map_err(|e| AppError::Invalid(e.to_string()))?;
        let tree_root = root(tree);
        let checkpoint = signed_at(&checkpoints, size, &tree_root)?;

        let seq = i64::try_from(index).map_err(|_| AppError::Invalid("index too large".into()))?;
        let entry = inner
            .audit_log
            .sequenced_event(seq)
            .await?
            .ok_or_else(|| AppError::Internal(format!("audit leaf {index} has no entry")))?;
        let leaf = if entry.expired_at.is_some() {
            // The content is gone; the stored leaf is all there is to prove.
            hex32(&entry.leaf_hash).ok_or_else(|| {
                AppError::Internal(format!("audit leaf {index} has a malformed hash"))
            })?
        } else {
            let salt = hex32(&entry.salt).ok_or_else(|| {
                AppError::Internal(format!("audit leaf {index} has a malformed salt"))
            })?;
            leaf_hash(&salt, &entry_bytes(&entry.event))
        };
        // `tree` is non-empty and index < size, so the slice index holds;
        // `get` keeps the no-panic rule without an unreachable branch.
        if tree.get(usize::try_from(index).unwrap_or(usize::MAX)) != Some(&leaf) {
            return Err(altered(&format!(
                "entry {index} no longer hashes to its stored leaf"
            )));
        }
        Ok(InclusionProofView {
            leaf_index: index,
            tree_size: size,
            leaf_hash: hex::encode(leaf),
            root: hex::encode(tree_root),
            path: hexes(&path),
            entry: ProvenEntry::of(&entry),
            checkpoint,
        })
    }

    /// Consistency proof from the tree of `from` leaves to the tree of `to`.
    pub async fn audit_consistency_proof(
        &self,
        from: u64,
        to: u64,
    ) -> Result<ConsistencyProofView, AppError> {
        if from > to {
            return Err(AppError::Invalid(format!(
                "--from ({from}) must not exceed --to ({to})"
            )));
        }
        // Checkpoints before leaves, as for an inclusion proof.
        let checkpoints = self.inner.audit_log.checkpoints().await?;
        let leaves = self.stored_leaves().await?;
        let new = prefix(&leaves, to)?;
        let old = prefix(&leaves, from)?;
        let proof = consistency_proof(new, from).map_err(|e| AppError::Invalid(e.to_string()))?;
        let (from_root, to_root) = (root(old), root(new));
        Ok(ConsistencyProofView {
            from_size: from,
            to_size: to,
            from_root: hex::encode(from_root),
            to_root: hex::encode(to_root),
            proof: hexes(&proof),
            from_checkpoint: signed_at(&checkpoints, from, &from_root)?,
            to_checkpoint: signed_at(&checkpoints, to, &to_root)?,
        })
    }

    /// Every stored leaf hash in leaf order, checked to be contiguous.
    async fn stored_leaves(&self) -> Result<Vec<Hash>, AppError> {
        let stored = self.inner.audit_log.leaf_hashes().await?;
        let mut leaves = Vec::with_capacity(stored.len());
        for (index, (seq, hash)) in (0i64..).zip(stored) {
            if seq != index {
                return Err(altered(&format!(
                    "leaf seq {index} is missing (next stored is {seq})"
                )));
            }
            leaves.push(hex32(&hash).ok_or_else(|| {
                AppError::Internal(format!("audit leaf {seq} has a malformed hash"))
            })?);
        }
        Ok(leaves)
    }
}

/// The first `size` leaves, or an error naming how many there are (a
/// refusal by the state of the log, which no request schema can state).
fn prefix(leaves: &[Hash], size: u64) -> Result<&[Hash], AppError> {
    usize::try_from(size)
        .ok()
        .and_then(|n| leaves.get(..n))
        .ok_or_else(|| {
            AppError::Refused(format!(
                "tree size {size} exceeds the log ({} entries sequenced)",
                leaves.len()
            ))
        })
}

/// The signed checkpoint made at `size`, after checking
/// that it vouches for `computed` (the root of the stored leaves).
fn signed_at(
    checkpoints: &[StoredCheckpoint],
    size: u64,
    computed: &Hash,
) -> Result<Option<SignedCheckpoint>, AppError> {
    let Some(stored) = checkpoints
        .iter()
        .find(|c| u64::try_from(c.tree_size).ok() == Some(size))
    else {
        return Ok(None);
    };
    let signed = SignedCheckpoint::from_json(&stored.signed)
        .map_err(|e| AppError::Internal(format!("stored checkpoint: {e}")))?;
    if signed.checkpoint.root != *computed {
        return Err(altered(&format!(
            "the stored leaves do not match the signed checkpoint for tree size {size}"
        )));
    }
    Ok(Some(signed))
}

fn altered(what: &str) -> AppError {
    AppError::Internal(format!(
        "{what}: the log was altered; run audit-export and audit-verify"
    ))
}
