//! Error type shared by every module of this crate.

/// Errors returned by `dsg-audit`.
///
/// Verification failures are deliberately coarse (which check failed, not
/// which intermediate hash differed): a caller needs to know *that* the log
/// is inconsistent and where, not to debug the attacker's forgery.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuditError {
    /// A leaf index is not inside a tree of the given size.
    #[error("leaf index {index} out of range for tree size {tree_size}")]
    IndexOutOfRange {
        /// The requested leaf index.
        index: u64,
        /// The size of the tree it was checked against.
        tree_size: u64,
    },
    /// A tree size is impossible in context (e.g. old size larger than new
    /// size, or larger than the number of leaves supplied).
    #[error("invalid tree size: {0}")]
    InvalidSize(String),
    /// An inclusion proof did not reproduce the expected root.
    #[error("inclusion proof does not verify")]
    InclusionProof,
    /// A consistency proof did not reproduce the old and new roots.
    #[error("consistency proof does not verify")]
    ConsistencyProof,
    /// A checkpoint could not be encoded or decoded canonically.
    #[error("checkpoint encoding: {0}")]
    Encoding(String),
    /// Signing a checkpoint failed inside the crypto provider.
    #[error("signing failed")]
    Signing,
    /// A checkpoint signature did not verify (wrong key, malformed key,
    /// tampered checkpoint or tampered signature).
    #[error("checkpoint signature does not verify")]
    Signature,
    /// A checkpoint's root is not the root of the log's first `tree_size`
    /// leaves.
    #[error("checkpoint root does not match the log")]
    RootMismatch,
    /// A checkpoint claims a smaller tree than an earlier checkpoint: the log
    /// was truncated or the checkpoints were reordered.
    #[error("tree shrank from {previous} to {current}")]
    Shrunk {
        /// Size in the earlier checkpoint.
        previous: u64,
        /// Size in this checkpoint.
        current: u64,
    },
    /// A checkpoint names a different log than the first checkpoint.
    #[error("checkpoint is for log {found:?}, expected {expected:?}")]
    LogIdMismatch {
        /// Log id of the first checkpoint.
        expected: String,
        /// Log id of this checkpoint.
        found: String,
    },
    /// An exported log came with no checkpoints, so nothing in it is
    /// anchored to a signature.
    #[error("no checkpoints to verify against")]
    NoCheckpoints,
    /// A company sub-log head is malformed or does not match the company's
    /// entries.
    #[error("company sub-log: {0}")]
    SubLog(String),
    /// The checkpoint at `index` (0-based, in the order supplied) failed.
    #[error("checkpoint {index}: {source}")]
    Checkpoint {
        /// Position of the failing checkpoint in the supplied sequence.
        index: usize,
        /// Why it failed.
        #[source]
        source: Box<AuditError>,
    },
}
