//! Verifiable core of the tamper-evident audit log.
//!
//! An RFC 6962 / RFC 9162 Merkle tree over salted entry hashes, with
//! inclusion and consistency proofs and ECDSA P-256 signed checkpoints.
//! There is no IO here: everything is a pure function over byte slices so
//! the server can feed it from the database and an auditor can run the same
//! code offline over an export.
//!
//! * [`leaf_hash`] / [`node_hash`] / [`root`] / [`CompactTree`]: hashing.
//! * [`inclusion_proof`] / [`verify_inclusion`]: one entry is in the log.
//! * [`consistency_proof`] / [`verify_consistency`]: the log only grew.
//! * [`Checkpoint`] / [`SignedCheckpoint`]: signed `(size, root)` statements;
//!   see the [`checkpoint`] module for the canonical byte encoding.
//! * [`canonical_entry`]: the versioned byte encoding of one entry.
//! * [`verify_log`]: check a whole exported log against its checkpoints.
//! * [`ExportEntry`] / [`verify_export`]: the export format of the log and
//!   its offline verification (`dsg admin audit-verify`).
//! * [`verify_extract`]: the offline check of a company's extract.
//! * [`CompanyHead`] / [`verify_sub_log`]: a company's sub-log and its
//!   signed head in the main log.
//! * [`to_syslog`] / [`to_cef`]: entries as RFC 5424 syslog and CEF lines.
//!
//! SHA-256 and ECDSA come from `aws-lc-rs`, the project's one crypto
//! provider.
#![deny(missing_docs)]

pub mod checkpoint;
pub mod company;
pub mod entry;
mod error;
pub mod expiry;
pub mod export;
pub mod extract;
mod hash;
mod levels;
mod proof;
pub mod siem;
mod verify_export;
mod verify_log;

pub use checkpoint::{
    verify_statement, Checkpoint, SignedCheckpoint, CHECKPOINT_HEADER_V1, CHECKPOINT_HEADER_V2,
    MAX_LOG_ID_LEN,
};
pub use company::{verify_sub_log, CompanyHead, COMPANY_HEAD_ACTION};
pub use entry::{
    canonical_entry, ENTRY_FIELDS_V1, ENTRY_FIELD_COMPANY, ENTRY_FIELD_DECISION,
    ENTRY_FIELD_TERMINAL, ENTRY_HEADER_V1,
};
pub use error::AuditError;
pub use expiry::{
    check_expiries, expirable_below, expire_reason, retention_of, ExpiryEntry, EXPIRE_ACTION,
    MIN_RETENTION_DAYS,
};
pub use export::{entry_line, expired_line, hex32, ExportEntry, EXPORT_FORMAT_V1};
pub use extract::{verify_extract, ExtractReport, EXTRACT_FORMAT_V1};
pub use hash::{empty_root, leaf_hash, node_hash, root, CompactTree, Hash};
pub use levels::TreeLevels;
pub use proof::{consistency_proof, inclusion_proof, verify_consistency, verify_inclusion};
pub use siem::{to_cef, to_syslog, SiemEvent};
pub use verify_export::{verify_export, verify_export_published, ExportReport};
pub use verify_log::{verify_log, LogReport};

/// Re-exports so callers can name the key and RNG types without a direct
/// `aws-lc-rs` dependency.
pub use aws_lc_rs::rand::{SecureRandom, SystemRandom};
pub use aws_lc_rs::signature::{EcdsaKeyPair, KeyPair, ECDSA_P256_SHA256_ASN1_SIGNING};
