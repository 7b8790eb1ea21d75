//! Many inclusion proofs over one tree: the roots of every aligned
//! power-of-two block are computed once (`2n` hashes of memory), after
//! which a proof costs `O(log² n)` instead of [`inclusion_proof`]'s `O(n)`.
//! Used where a reader exports hundreds of entries, each with its proof.
//!
//! In the RFC 6962 tree of `n` leaves every left subtree is an aligned
//! block of `2^k` leaves, and a right subtree is either such a block or is
//! split the same way; so every node the path needs is a stored block root
//! or folds from them.
//!
//! [`inclusion_proof`]: crate::inclusion_proof

use crate::error::AuditError;
use crate::hash::{empty_root, node_hash, split_point, Hash};

/// Block roots by level: `levels[k][i]` is the root of leaves
/// `i·2^k .. (i+1)·2^k` (full blocks only).
#[derive(Debug, Clone)]
pub struct TreeLevels {
    levels: Vec<Vec<Hash>>,
}

impl TreeLevels {
    /// Builds the block roots over `leaves`.
    pub fn new(leaves: Vec<Hash>) -> Self {
        let mut levels = vec![leaves];
        while let Some(below) = levels.last().filter(|l| l.len() >= 2) {
            let above = below
                .chunks_exact(2)
                .map(|pair| node_hash(&pair[0], &pair[1]))
                .collect();
            levels.push(above);
        }
        Self { levels }
    }

    /// Number of leaves.
    pub fn size(&self) -> u64 {
        self.levels.first().map_or(0, Vec::len) as u64
    }

    /// Root of leaves `start .. start + len` where the range is a block of
    /// the RFC tree (aligned to its largest power-of-two part).
    fn range_root(&self, start: usize, len: usize) -> Hash {
        if len.is_power_of_two() {
            let level = len.trailing_zeros() as usize;
            if let Some(hash) = self.levels.get(level).and_then(|l| l.get(start >> level)) {
                return *hash;
            }
        }
        if len == 0 {
            return empty_root();
        }
        let k = split_point(len);
        node_hash(
            &self.range_root(start, k),
            &self.range_root(start + k, len - k),
        )
    }

    /// Root of the first `size` leaves.
    pub fn root(&self, size: u64) -> Result<Hash, AuditError> {
        let n = self.prefix(size)?;
        Ok(self.range_root(0, n))
    }

    /// Audit path of leaf `index` in the tree of the first `size` leaves,
    /// innermost sibling first: the same as [`crate::inclusion_proof`] over
    /// those leaves.
    pub fn inclusion_proof(&self, index: u64, size: u64) -> Result<Vec<Hash>, AuditError> {
        let n = self.prefix(size)?;
        let m =
            usize::try_from(index)
                .ok()
                .filter(|&m| m < n)
                .ok_or(AuditError::IndexOutOfRange {
                    index,
                    tree_size: size,
                })?;
        // Walk down from the root, collecting siblings outermost first.
        let (mut start, mut len, mut outer) = (0usize, n, Vec::new());
        while len > 1 {
            let k = split_point(len);
            if m < start + k {
                outer.push(self.range_root(start + k, len - k));
                len = k;
            } else {
                outer.push(self.range_root(start, k));
                start += k;
                len -= k;
            }
        }
        outer.reverse();
        Ok(outer)
    }

    fn prefix(&self, size: u64) -> Result<usize, AuditError> {
        usize::try_from(size)
            .ok()
            .filter(|&n| n as u64 <= self.size())
            .ok_or_else(|| {
                AuditError::InvalidSize(format!(
                    "tree size {size} exceeds the {} leaves",
                    self.size()
                ))
            })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests")]
    use super::*;
    use crate::{inclusion_proof, leaf_hash, root, verify_inclusion};

    #[test]
    fn same_roots_and_proofs_as_the_direct_definition() {
        let leaves: Vec<Hash> = (0u32..70)
            .map(|i| leaf_hash(&[7; 32], &i.to_be_bytes()))
            .collect();
        let levels = TreeLevels::new(leaves.clone());
        for size in 0..=70u64 {
            let prefix = &leaves[..size as usize];
            assert_eq!(levels.root(size).unwrap(), root(prefix), "root {size}");
            for index in 0..size {
                let proof = levels.inclusion_proof(index, size).unwrap();
                assert_eq!(
                    proof,
                    inclusion_proof(prefix, index).unwrap(),
                    "{index}/{size}"
                );
                verify_inclusion(&leaves[index as usize], index, size, &proof, &root(prefix))
                    .unwrap();
            }
        }
        assert!(levels.inclusion_proof(5, 5).is_err());
        assert!(levels.root(71).is_err());
    }
}
