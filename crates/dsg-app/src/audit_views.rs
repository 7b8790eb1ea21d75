//! The log's entries as the use cases hand them out: typed, in the field
//! names of the export format (`dsg-audit` `export.rs`), so the API, the
//! command line and the pages show what the export and its verifier read.

use dsg_audit::ExportEntry;
use dsg_store::{AuditHit, SequencedEvent};
use serde::Serialize;

use super::audit_log::export_entry;

/// An entry found by a search or linked to an alert: its place in the log
/// and the fields its leaf hash covers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditEntryView {
    /// The leaf index; `None` until the sequencer reaches the entry (well
    /// under a second).
    pub seq: Option<i64>,
    /// The entry's fields.
    #[serde(flatten)]
    pub entry: ExportEntry,
}

impl AuditEntryView {
    /// The view of a found entry (its salt stays out: only a proof needs it).
    pub fn of(hit: &AuditHit) -> Self {
        Self {
            seq: hit.seq,
            entry: export_entry(&hit.event),
        }
    }
}

/// The entry an inclusion proof is about, as its export line: the salt and
/// fields from which its leaf hash is recomputed or, once the entry is past
/// its retention period, the stored leaf hash that stands in for them.
#[allow(
    clippy::large_enum_variant,
    reason = "one per proof answer; boxing would only add an allocation"
)]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ProvenEntry {
    /// An entry whose content is kept.
    Entry {
        /// The leaf index.
        seq: i64,
        /// The leaf's salt (hex).
        salt: String,
        /// The entry's fields.
        #[serde(flatten)]
        entry: ExportEntry,
    },
    /// An entry past its retention period.
    Expired {
        /// The leaf index.
        seq: i64,
        /// The stored leaf hash (hex).
        leaf_hash: String,
        /// The entry's id.
        id: String,
        /// When it happened (Unix ms).
        occurred_at: i64,
        /// The contractor it concerned.
        company: Option<String>,
        /// When its content was dropped (Unix ms).
        expired_at: i64,
    },
}

impl ProvenEntry {
    /// The export line of a sequenced entry ([`super::entry_json`]), typed.
    pub fn of(s: &SequencedEvent) -> Self {
        match s.expired_at {
            Some(expired_at) => Self::Expired {
                seq: s.seq,
                leaf_hash: s.leaf_hash.clone(),
                id: s.event.id.clone(),
                occurred_at: s.event.occurred_at,
                company: s.event.company_id.clone(),
                expired_at,
            },
            None => Self::Entry {
                seq: s.seq,
                salt: s.salt.clone(),
                entry: export_entry(&s.event),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests")]
    use super::*;
    use crate::audit_access::hit_json;
    use crate::audit_log::entry_json;
    use dsg_store::StoredAuditEvent;

    fn event(actor: Option<&str>) -> StoredAuditEvent {
        StoredAuditEvent {
            id: "0192-e".into(),
            occurred_at: 1_700_000_000_000,
            request_id: "req".into(),
            actor_user_id: actor.map(str::to_owned),
            source_addr: Some("192.0.2.1".into()),
            terminal_id: None,
            action: "file.download".into(),
            object_type: "file".into(),
            object_id: Some("f1".into()),
            outcome: "success".into(),
            reason: "policy0".into(),
            decision_digest: Some("ab".into()),
            company_id: None,
        }
    }

    // The typed views must keep the wire form of the untyped lines they
    // replaced: the same keys, nulls included, and the same values.
    #[test]
    fn a_found_entry_serializes_as_the_untyped_line_did() {
        for (seq, actor) in [(Some(4), Some("u1")), (None, None)] {
            let hit = AuditHit {
                seq,
                salt: Some("cd".into()),
                event: event(actor),
            };
            let typed = serde_json::to_value(AuditEntryView::of(&hit)).unwrap();
            assert_eq!(typed, hit_json(&hit));
            assert_eq!(typed.as_object().unwrap().len(), 14);
        }
    }

    #[test]
    fn a_proven_entry_serializes_as_its_export_line() {
        for expired_at in [None, Some(1_800_000_000_000)] {
            let s = SequencedEvent {
                seq: 7,
                salt: "cd".into(),
                leaf_hash: "ef".into(),
                expired_at,
                event: event(Some("u1")),
            };
            assert_eq!(
                serde_json::to_value(ProvenEntry::of(&s)).unwrap(),
                entry_json(&s)
            );
        }
    }
}
