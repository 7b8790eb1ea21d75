//! Inclusion and consistency proofs: generation per RFC 6962 §2.1.1–2.1.2,
//! verification per RFC 9162 §2.1.3.2 and §2.1.4.2.
//!
//! Hashes compared here are all public (roots are published in signed
//! checkpoints), so plain equality is used rather than constant-time
//! comparison.

use crate::error::AuditError;
use crate::hash::{empty_root, node_hash, root, split_point, Hash};

fn len_u64(leaves: &[Hash]) -> u64 {
    // usize is at most 64 bits on every supported target.
    leaves.len() as u64
}

/// Audit path for the leaf at `index` in the tree over all of `leaves`
/// (RFC 6962 §2.1.1 `PATH(m, D[n])`), innermost sibling first.
///
/// Costs `O(n)` hashing because the sibling subtree roots are recomputed;
/// a server with many proofs to serve should cache interior nodes.
pub fn inclusion_proof(leaves: &[Hash], index: u64) -> Result<Vec<Hash>, AuditError> {
    let idx = usize::try_from(index)
        .ok()
        .filter(|&i| i < leaves.len())
        .ok_or(AuditError::IndexOutOfRange {
            index,
            tree_size: len_u64(leaves),
        })?;
    let mut proof = Vec::new();
    path(idx, leaves, &mut proof);
    Ok(proof)
}

fn path(m: usize, d: &[Hash], out: &mut Vec<Hash>) {
    if d.len() <= 1 {
        return;
    }
    let k = split_point(d.len());
    if m < k {
        path(m, &d[..k], out);
        out.push(root(&d[k..]));
    } else {
        path(m - k, &d[k..], out);
        out.push(root(&d[..k]));
    }
}

/// Checks that `leaf_hash` is the leaf at `index` of the tree of size
/// `tree_size` whose root is `root` (RFC 9162 §2.1.3.2).
pub fn verify_inclusion(
    leaf_hash: &Hash,
    index: u64,
    tree_size: u64,
    proof: &[Hash],
    root: &Hash,
) -> Result<(), AuditError> {
    if index >= tree_size {
        return Err(AuditError::IndexOutOfRange { index, tree_size });
    }
    // `fn_` walks the leaf's position up the tree, `sn` the last leaf's;
    // where they meet the right edge the tree has no right sibling to
    // consume, which is why the RFC skips levels there.
    let mut fn_ = index;
    let mut sn = tree_size - 1;
    let mut r = *leaf_hash;
    for p in proof {
        if sn == 0 {
            // Proof is longer than the tree is tall.
            return Err(AuditError::InclusionProof);
        }
        if fn_ & 1 == 1 || fn_ == sn {
            r = node_hash(p, &r);
            while fn_ & 1 == 0 && fn_ != 0 {
                fn_ >>= 1;
                sn >>= 1;
            }
        } else {
            r = node_hash(&r, p);
        }
        fn_ >>= 1;
        sn >>= 1;
    }
    // sn == 0 rejects a truncated proof even if it happened to hit `root`.
    if sn == 0 && r == *root {
        Ok(())
    } else {
        Err(AuditError::InclusionProof)
    }
}

/// Proof that the tree over the first `old_size` leaves is a prefix of the
/// tree over all of `leaves` (RFC 6962 §2.1.2 `PROOF(m, D[n])`).
///
/// `old_size == leaves.len()` yields an empty proof, as does `old_size == 0`
/// (every tree extends the empty tree; see [`verify_consistency`]).
pub fn consistency_proof(leaves: &[Hash], old_size: u64) -> Result<Vec<Hash>, AuditError> {
    let m = usize::try_from(old_size)
        .ok()
        .filter(|&m| m <= leaves.len())
        .ok_or_else(|| {
            AuditError::InvalidSize(format!(
                "old size {old_size} exceeds new size {}",
                leaves.len()
            ))
        })?;
    let mut proof = Vec::new();
    if m > 0 {
        subproof(m, leaves, true, &mut proof);
    }
    Ok(proof)
}

/// RFC 6962 `SUBPROOF(m, D[n], b)`; `b` records whether the subtree is
/// still the old tree's own root, whose hash the verifier already has.
fn subproof(m: usize, d: &[Hash], b: bool, out: &mut Vec<Hash>) {
    let n = d.len();
    if m == n {
        if !b {
            out.push(root(d));
        }
        return;
    }
    let k = split_point(n);
    if m <= k {
        subproof(m, &d[..k], b, out);
        out.push(root(&d[k..]));
    } else {
        subproof(m - k, &d[k..], false, out);
        out.push(root(&d[..k]));
    }
}

/// Checks that the tree of size `old_size` with root `old_root` is a prefix
/// of the tree of size `new_size` with root `new_root` (RFC 9162 §2.1.4.2).
///
/// Edge cases the RFC leaves to the caller: equal sizes require an empty
/// proof and equal roots; `old_size == 0` requires an empty proof and
/// `old_root` equal to the empty-tree root.
pub fn verify_consistency(
    old_size: u64,
    new_size: u64,
    old_root: &Hash,
    new_root: &Hash,
    proof: &[Hash],
) -> Result<(), AuditError> {
    if old_size > new_size {
        return Err(AuditError::InvalidSize(format!(
            "old size {old_size} exceeds new size {new_size}"
        )));
    }
    if old_size == 0 {
        return check(proof.is_empty() && *old_root == empty_root());
    }
    if old_size == new_size {
        return check(proof.is_empty() && old_root == new_root);
    }
    let Some((head, tail)) = proof.split_first() else {
        return Err(AuditError::ConsistencyProof);
    };
    // When the old tree is a perfect subtree of the new one the proof omits
    // its root (the verifier has it), so the RFC prepends `old_root`.
    let (seed, rest) = if old_size.is_power_of_two() {
        (old_root, proof)
    } else {
        (head, tail)
    };
    let mut fn_ = old_size - 1;
    let mut sn = new_size - 1;
    while fn_ & 1 == 1 {
        fn_ >>= 1;
        sn >>= 1;
    }
    let mut fr = *seed;
    let mut sr = *seed;
    for c in rest {
        if sn == 0 {
            return Err(AuditError::ConsistencyProof);
        }
        if fn_ & 1 == 1 || fn_ == sn {
            fr = node_hash(c, &fr);
            sr = node_hash(c, &sr);
            while fn_ & 1 == 0 && fn_ != 0 {
                fn_ >>= 1;
                sn >>= 1;
            }
        } else {
            sr = node_hash(&sr, c);
        }
        fn_ >>= 1;
        sn >>= 1;
    }
    check(fr == *old_root && sr == *new_root && sn == 0)
}

fn check(ok: bool) -> Result<(), AuditError> {
    if ok {
        Ok(())
    } else {
        Err(AuditError::ConsistencyProof)
    }
}
