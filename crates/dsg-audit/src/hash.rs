//! RFC 6962 / RFC 9162 hashing: salted leaves, interior nodes and the
//! Merkle Tree Hash (MTH) over a list of leaf hashes.

use aws_lc_rs::digest::{Context, SHA256};

/// A SHA-256 output: a leaf hash, an interior node hash or a root.
pub type Hash = [u8; 32];

/// Domain-separation prefix for leaves (RFC 6962 §2.1), so a leaf can never
/// be reinterpreted as an interior node (second-preimage defence).
const LEAF_PREFIX: u8 = 0x00;
/// Domain-separation prefix for interior nodes (RFC 6962 §2.1).
const NODE_PREFIX: u8 = 0x01;

fn sha256(parts: &[&[u8]]) -> Hash {
    let mut ctx = Context::new(&SHA256);
    for part in parts {
        ctx.update(part);
    }
    let digest = ctx.finish();
    let mut out = [0u8; 32];
    // SHA-256 always yields 32 bytes, so the lengths match by construction.
    out.copy_from_slice(digest.as_ref());
    out
}

/// Hash of one log entry: `SHA-256(0x00 ‖ salt ‖ canonical_entry)`.
///
/// The per-entry salt is what lets us hand one company an inclusion proof
/// without letting it confirm guesses about other companies' entries from
/// the sibling hashes in that proof: without the salt a low-entropy entry
/// ("user X downloaded file Y") could be brute-forced from its leaf hash.
pub fn leaf_hash(salt: &[u8; 32], canonical_entry: &[u8]) -> Hash {
    sha256(&[&[LEAF_PREFIX], salt, canonical_entry])
}

/// Hash of an interior node: `SHA-256(0x01 ‖ left ‖ right)`.
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    sha256(&[&[NODE_PREFIX], left, right])
}

/// Root of the empty tree: `SHA-256("")` (RFC 6962 §2.1).
pub fn empty_root() -> Hash {
    sha256(&[])
}

/// Largest power of two strictly smaller than `n` (the RFC's `k`).
/// Callers guarantee `n >= 2`.
pub(crate) fn split_point(n: usize) -> usize {
    1 << (usize::BITS - 1 - (n - 1).leading_zeros())
}

/// Merkle Tree Hash of `leaves` (RFC 6962 §2.1).
///
/// This is the direct recursive definition, kept deliberately close to the
/// RFC text because it is the reference the proofs and [`CompactTree`] are
/// tested against. Recursion depth is `ceil(log2(n))`.
pub fn root(leaves: &[Hash]) -> Hash {
    match leaves {
        [] => empty_root(),
        [only] => *only,
        _ => {
            let k = split_point(leaves.len());
            node_hash(&root(&leaves[..k]), &root(&leaves[k..]))
        }
    }
}

/// Append-only tree that keeps only the roots of its maximal perfect
/// subtrees ("peaks"), so the server can maintain the current root in
/// `O(log n)` memory and `O(1)` amortised hashing per append.
///
/// For `n = 2^a + 2^b + …` (`a > b > …`) the RFC 6962 tree is
/// `node(perfect(2^a), node(perfect(2^b), …))`, so folding the peaks from
/// the right reproduces [`root`] exactly.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CompactTree {
    size: u64,
    /// Peak hashes, largest (leftmost) subtree first; one per set bit of
    /// `size`.
    peaks: Vec<Hash>,
}

impl CompactTree {
    /// An empty tree.
    pub fn new() -> Self {
        Self::default()
    }

    /// Number of leaves appended so far.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// Appends one leaf hash.
    pub fn push(&mut self, leaf: Hash) {
        let mut hash = leaf;
        let mut size = self.size;
        // Each trailing 1 bit of the old size is a peak of equal height to
        // the subtree being carried, so the two merge (binary increment).
        while size & 1 == 1 {
            let Some(left) = self.peaks.pop() else {
                break;
            };
            hash = node_hash(&left, &hash);
            size >>= 1;
        }
        self.peaks.push(hash);
        self.size += 1;
    }

    /// Current Merkle Tree Hash, equal to [`root`] over all appended leaves.
    pub fn root(&self) -> Hash {
        let mut peaks = self.peaks.iter().rev();
        let Some(last) = peaks.next() else {
            return empty_root();
        };
        peaks.fold(*last, |acc, left| node_hash(left, &acc))
    }
}
