//! Signed checkpoints: a log's size and root at a moment, signed with
//! ECDSA P-256 / SHA-256.
//!
//! # Canonical encoding (version 1)
//!
//! The signed message is UTF-8 (in fact ASCII) text of exactly five lines,
//! each terminated by `\n` (no `\r`, nothing after the last `\n`):
//!
//! ```text
//! dsg-audit-checkpoint/v1
//! <log_id>
//! <tree_size>
//! <root>
//! <timestamp_ms>
//! ```
//!
//! * `log_id`: 1 to 128 printable ASCII characters `0x21..=0x7E` (no
//!   spaces or control characters, so it cannot smuggle in extra lines).
//! * `tree_size`: unsigned decimal, no sign, no leading zeros (`0` alone is
//!   allowed).
//! * `root`: 64 lowercase hex digits.
//! * `timestamp_ms`: signed decimal milliseconds since the Unix epoch,
//!   `-` only for negatives, no leading zeros.
//!
//! # Version 2: the retention period in force
//!
//! A checkpoint that states the log's retention period (`retention_days`,
//! days after an entry is first signed before its content may be expired)
//! is encoded as version 2: the header `dsg-audit-checkpoint/v2`, the same
//! four lines, then `<retention_days>` (unsigned decimal, no leading
//! zeros) as a sixth line. The period is signed with the tree it applies
//! to, so a verifier can refuse content expired before it ran out (see
//! [`crate::expiry`]). A checkpoint without it keeps the version-1
//! encoding, so every checkpoint signed before still verifies.
//!
//! Every checkpoint has exactly one encoding and [`Checkpoint::from_bytes`]
//! rejects anything else, so the bytes that were signed can always be
//! reconstructed from the JSON fields. The first line is both the format
//! version and a domain separator: a signature over it can never be
//! mistaken for a signature over some other message the key might sign.

use aws_lc_rs::rand::SecureRandom;
use aws_lc_rs::signature::{
    EcdsaKeyPair, UnparsedPublicKey, ECDSA_P256_SHA256_ASN1, ECDSA_P256_SHA256_ASN1_SIGNING,
};
use serde::{Deserialize, Serialize};

use crate::error::AuditError;
use crate::hash::Hash;

/// First line of the version-1 encoding.
pub const CHECKPOINT_HEADER_V1: &str = "dsg-audit-checkpoint/v1";

/// First line of the version-2 encoding (with the retention period).
pub const CHECKPOINT_HEADER_V2: &str = "dsg-audit-checkpoint/v2";

/// Longest allowed `log_id`, in bytes.
pub const MAX_LOG_ID_LEN: usize = 128;

/// The state of a log at one moment: its size and Merkle root.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Checkpoint {
    /// Which log this is (e.g. a deployment name); see the module docs for
    /// allowed characters.
    pub log_id: String,
    /// Number of leaves covered.
    pub tree_size: u64,
    /// Merkle Tree Hash of the first `tree_size` leaves.
    #[serde(with = "hex_array")]
    pub root: Hash,
    /// When the checkpoint was made, milliseconds since the Unix epoch.
    pub timestamp_ms: i64,
    /// The retention period in force, in days (version 2); absent in
    /// checkpoints signed before it was part of the statement.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retention_days: Option<u32>,
}

/// A checkpoint with its DER-encoded ECDSA P-256 / SHA-256 signature over
/// [`Checkpoint::to_bytes`]. Serializes to JSON with hex byte strings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignedCheckpoint {
    /// The signed statement.
    pub checkpoint: Checkpoint,
    /// ASN.1 DER ECDSA signature.
    #[serde(with = "hex_vec")]
    pub signature: Vec<u8>,
}

fn validate_log_id(log_id: &str) -> Result<(), AuditError> {
    let ok = !log_id.is_empty()
        && log_id.len() <= MAX_LOG_ID_LEN
        && log_id.bytes().all(|b| b.is_ascii_graphic());
    if ok {
        Ok(())
    } else {
        Err(AuditError::Encoding(format!(
            "log id must be 1..={MAX_LOG_ID_LEN} printable ASCII characters without spaces"
        )))
    }
}

impl Checkpoint {
    /// Builds a checkpoint, rejecting a `log_id` that cannot be encoded.
    pub fn new(
        log_id: impl Into<String>,
        tree_size: u64,
        root: Hash,
        timestamp_ms: i64,
    ) -> Result<Self, AuditError> {
        let log_id = log_id.into();
        validate_log_id(&log_id)?;
        Ok(Self {
            log_id,
            tree_size,
            root,
            timestamp_ms,
            retention_days: None,
        })
    }

    /// The same statement with the retention period in force (version 2).
    #[must_use]
    pub fn with_retention(mut self, days: u32) -> Self {
        self.retention_days = Some(days);
        self
    }

    /// The canonical version-1 encoding (see the module docs); these are
    /// the bytes that get signed.
    pub fn to_bytes(&self) -> Result<Vec<u8>, AuditError> {
        // Fields are public, so re-validate: an unchecked log id containing
        // '\n' would make two different checkpoints encode identically.
        validate_log_id(&self.log_id)?;
        let header = match self.retention_days {
            None => CHECKPOINT_HEADER_V1,
            Some(_) => CHECKPOINT_HEADER_V2,
        };
        let mut text = format!(
            "{header}\n{}\n{}\n{}\n{}\n",
            self.log_id,
            self.tree_size,
            hex::encode(self.root),
            self.timestamp_ms
        );
        if let Some(days) = self.retention_days {
            text.push_str(&format!("{days}\n"));
        }
        Ok(text.into_bytes())
    }

    /// Parses the canonical encoding, rejecting any non-canonical variant.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, AuditError> {
        let bad = |what: &str| AuditError::Encoding(format!("malformed checkpoint: {what}"));
        let text = std::str::from_utf8(bytes).map_err(|_| bad("not UTF-8"))?;
        let body = text
            .strip_suffix('\n')
            .ok_or_else(|| bad("missing final newline"))?;
        let lines: Vec<&str> = body.split('\n').collect();
        let (log_id, size, root, ts, retention) = match lines.as_slice() {
            [header, log_id, size, root, ts] if *header == CHECKPOINT_HEADER_V1 => {
                (*log_id, *size, *root, *ts, None)
            }
            [header, log_id, size, root, ts, days] if *header == CHECKPOINT_HEADER_V2 => (
                *log_id,
                *size,
                *root,
                *ts,
                Some(days.parse::<u32>().map_err(|_| bad("retention days"))?),
            ),
            _ => return Err(bad("unknown header or version, or wrong number of lines")),
        };
        let tree_size = size.parse::<u64>().map_err(|_| bad("tree size"))?;
        let timestamp_ms = ts.parse::<i64>().map_err(|_| bad("timestamp"))?;
        let mut root_bytes = [0u8; 32];
        hex::decode_to_slice(root, &mut root_bytes).map_err(|_| bad("root"))?;
        let mut checkpoint = Self::new(log_id, tree_size, root_bytes, timestamp_ms)?;
        checkpoint.retention_days = retention;
        // Cheapest complete canonicality check: `parse` accepts "+5", "007"
        // and uppercase hex, re-encoding does not produce them.
        if checkpoint.to_bytes()? != bytes {
            return Err(bad("not in canonical form"));
        }
        Ok(checkpoint)
    }

    /// Signs the canonical encoding with `key`, which must be a P-256 key
    /// created for [`ECDSA_P256_SHA256_ASN1_SIGNING`].
    pub fn sign(
        &self,
        key: &EcdsaKeyPair,
        rng: &dyn SecureRandom,
    ) -> Result<SignedCheckpoint, AuditError> {
        // A key for another curve or the fixed-width format would produce
        // signatures `verify` can never accept; fail loudly instead.
        if *key.algorithm() != ECDSA_P256_SHA256_ASN1_SIGNING {
            return Err(AuditError::Signing);
        }
        let message = self.to_bytes()?;
        let signature = key.sign(rng, &message).map_err(|_| AuditError::Signing)?;
        Ok(SignedCheckpoint {
            checkpoint: self.clone(),
            signature: signature.as_ref().to_vec(),
        })
    }
}

/// Verifies a signature made with the checkpoint signing key over other
/// statements of the gateway (a backup's manifest): ECDSA P-256 SHA-256,
/// ASN.1 DER, public key as in [`SignedCheckpoint::verify`].
pub fn verify_statement(
    public_key: &[u8],
    message: &[u8],
    signature: &[u8],
) -> Result<(), AuditError> {
    UnparsedPublicKey::new(&ECDSA_P256_SHA256_ASN1, public_key)
        .verify(message, signature)
        .map_err(|_| AuditError::Signature)
}

impl SignedCheckpoint {
    /// Verifies the signature with a P-256 public key given either as an
    /// uncompressed SEC1 point (65 bytes, as `KeyPair::public_key()`
    /// returns) or as a DER SubjectPublicKeyInfo.
    pub fn verify(&self, public_key: &[u8]) -> Result<(), AuditError> {
        let message = self.checkpoint.to_bytes()?;
        UnparsedPublicKey::new(&ECDSA_P256_SHA256_ASN1, public_key)
            .verify(&message, &self.signature)
            .map_err(|_| AuditError::Signature)
    }

    /// JSON export form: `{"checkpoint":{"log_id":…,"tree_size":…,
    /// "root":"<hex>","timestamp_ms":…},"signature":"<hex DER>"}`.
    pub fn to_json(&self) -> Result<String, AuditError> {
        serde_json::to_string(self).map_err(|e| AuditError::Encoding(e.to_string()))
    }

    /// Parses [`SignedCheckpoint::to_json`] output. Does not verify.
    pub fn from_json(json: &str) -> Result<Self, AuditError> {
        serde_json::from_str(json).map_err(|e| AuditError::Encoding(e.to_string()))
    }
}

/// Serde adapter: `[u8; 32]` as a hex string.
mod hex_array {
    use serde::{de::Error, Deserialize, Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(bytes: &[u8; 32], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&hex::encode(bytes))
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<[u8; 32], D::Error> {
        let text = String::deserialize(d)?;
        let mut out = [0u8; 32];
        hex::decode_to_slice(&text, &mut out).map_err(D::Error::custom)?;
        Ok(out)
    }
}

/// Serde adapter: `Vec<u8>` as a hex string.
mod hex_vec {
    use serde::{de::Error, Deserialize, Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(bytes: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&hex::encode(bytes))
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let text = String::deserialize(d)?;
        hex::decode(text).map_err(D::Error::custom)
    }
}
