//! Company sub-logs: the entries that concern one contractor, as a Merkle
//! tree of their own, whose signed head is an entry of the main log.
//!
//! A company that receives its extract (its entries with their salts, the
//! newest head entry, that entry's inclusion proof and the checkpoint that
//! covers it) can check three things with only the public key:
//! * every entry in the extract is in the log (the sub-log root is the
//!   head's root, and the head is in a signed checkpoint);
//! * nothing of theirs is missing: the head commits to the number and the
//!   exact sequence of the company's entries, so leaving one out changes
//!   the root;
//! * nothing of theirs was rewritten since an earlier extract: the earlier
//!   head's root is the root of a prefix of the new sub-log.
//!
//! The sub-log's leaves are the main log's salted leaf hashes, so the
//! extract reveals nothing about other companies' entries: sibling hashes
//! in the head's inclusion proof are salted hashes.

use crate::hash::{root, Hash};
use crate::AuditError;

/// The `action` of a main-log entry that carries a company sub-log head.
pub const COMPANY_HEAD_ACTION: &str = "audit.company_head";

/// "The first `size` entries of this company's sub-log have root `root`."
/// Stored as the `reason` of a [`COMPANY_HEAD_ACTION`] entry whose
/// `object_id` is the company, so it is hashed into the main log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CompanyHead {
    /// Entries covered.
    pub size: u64,
    /// Merkle Tree Hash of their leaf hashes, in main-log order.
    pub root: Hash,
}

impl CompanyHead {
    /// The head as an entry's reason: `size=<n> root=<64 hex>`.
    pub fn to_reason(&self) -> String {
        format!("size={} root={}", self.size, hex::encode(self.root))
    }

    /// Reads a head back from an entry's reason.
    pub fn parse(reason: &str) -> Result<Self, AuditError> {
        let bad = || AuditError::SubLog(format!("malformed head {reason:?}"));
        let (size, root_hex) = reason
            .strip_prefix("size=")
            .and_then(|rest| rest.split_once(" root="))
            .ok_or_else(bad)?;
        let size = size.parse::<u64>().map_err(|_| bad())?;
        let mut root = [0u8; 32];
        hex::decode_to_slice(root_hex, &mut root).map_err(|_| bad())?;
        Ok(Self { size, root })
    }
}

/// Checks that `leaves` (a company's leaf hashes in main-log order) are
/// exactly what `head` commits to.
pub fn verify_sub_log(leaves: &[Hash], head: &CompanyHead) -> Result<(), AuditError> {
    if leaves.len() as u64 != head.size {
        return Err(AuditError::SubLog(format!(
            "the head covers {} entries, the extract has {}",
            head.size,
            leaves.len()
        )));
    }
    if root(leaves) != head.root {
        return Err(AuditError::SubLog(
            "the entries do not hash to the head's root: one was changed, left out, added or reordered"
                .into(),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests")]
    use super::*;
    use crate::leaf_hash;

    fn leaves(n: u8) -> Vec<Hash> {
        (0..n).map(|i| leaf_hash(&[i; 32], &[i])).collect()
    }

    #[test]
    fn reason_round_trips_and_rejects_garbage() {
        let head = CompanyHead {
            size: 42,
            root: [7; 32],
        };
        assert_eq!(CompanyHead::parse(&head.to_reason()).unwrap(), head);
        for bad in [
            "",
            "size=1",
            "size=x root=00",
            "size=1 root=zz",
            &format!("size=1 root={}", "0".repeat(62)),
            &format!("size=-1 root={}", "0".repeat(64)),
        ] {
            assert!(CompanyHead::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn detects_missing_added_changed_and_reordered_entries() {
        let all = leaves(7);
        let head = CompanyHead {
            size: 7,
            root: root(&all),
        };
        verify_sub_log(&all, &head).unwrap();
        let mut missing = all.clone();
        missing.remove(3);
        let mut added = all.clone();
        added.push(leaf_hash(&[9; 32], b"x"));
        let mut changed = all.clone();
        changed[5] = leaf_hash(&[5; 32], b"changed");
        let mut reordered = all.clone();
        reordered.swap(1, 2);
        for (name, tampered) in [
            ("missing", missing),
            ("added", added),
            ("changed", changed),
            ("reordered", reordered),
        ] {
            assert!(verify_sub_log(&tampered, &head).is_err(), "{name}");
        }
    }
}
