//! The export format of the log (JSON Lines, `dsg-audit-export/v1`) and the
//! exported entry.
//!
//! One header line `{"type":"header","format":…,"log_id":…,"public_key":
//! "<hex SEC1>"}`, one line per sequenced entry `{"type":"entry","seq":…,
//! "salt":"<hex>", <the fields of [`ExportEntry`]>}` in leaf order (an entry
//! past its retention period is `{"type":"expired","seq":…,"leaf_hash":…,
//! "id":…,"occurred_at":…,"company":…,"expired_at":…}`: the stored leaf
//! hash stands in for the content that is gone), then one line per
//! checkpoint `{"type":"checkpoint","signed":<SignedCheckpoint>}` smallest
//! first. The same entry object is the `entry` of an inclusion proof and
//! the lines of a company extract.

use serde::{Deserialize, Serialize};

use crate::entry::{
    canonical_entry, ENTRY_FIELD_COMPANY, ENTRY_FIELD_DECISION, ENTRY_FIELD_TERMINAL,
};

/// Format label of the export's header line.
pub const EXPORT_FORMAT_V1: &str = "dsg-audit-export/v1";

/// One entry's fields as exported: what its leaf hash covers. Optional
/// fields are `null` or absent (`terminal`, `decision` and `company` are
/// absent in exports made before they were recorded).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportEntry {
    /// Time-ordered id.
    pub id: String,
    /// When (Unix ms).
    pub occurred_at: i64,
    /// The request that caused it.
    pub request_id: String,
    /// The acting user, if any.
    #[serde(default)]
    pub actor: Option<String>,
    /// The client address.
    #[serde(default)]
    pub source: Option<String>,
    /// Stable action name.
    pub action: String,
    /// Kind of object.
    pub object_type: String,
    /// Object id.
    #[serde(default)]
    pub object_id: Option<String>,
    /// success / denied / failure.
    pub outcome: String,
    /// Deciding policies, error code or the action's details.
    pub reason: String,
    /// The registered terminal of the request.
    #[serde(default)]
    pub terminal: Option<String>,
    /// SHA-256 (hex) of the decision record.
    #[serde(default)]
    pub decision: Option<String>,
    /// The contractor the entry concerns.
    #[serde(default)]
    pub company: Option<String>,
}

impl ExportEntry {
    /// The canonical bytes of the entry (field order of
    /// [`crate::ENTRY_FIELDS_V1`], then the terminal, the decision record's
    /// digest and the company when there are): the input of its leaf hash.
    pub fn canonical_bytes(&self) -> Vec<u8> {
        let occurred_at = self.occurred_at.to_string();
        let mut fields: Vec<(&str, Option<&str>)> = vec![
            ("id", Some(&self.id)),
            ("occurred_at", Some(&occurred_at)),
            ("request_id", Some(&self.request_id)),
            ("actor", self.actor.as_deref()),
            ("source", self.source.as_deref()),
            ("action", Some(&self.action)),
            ("object_type", Some(&self.object_type)),
            ("object_id", self.object_id.as_deref()),
            ("outcome", Some(&self.outcome)),
            ("reason", Some(&self.reason)),
        ];
        if let Some(terminal) = &self.terminal {
            fields.push((ENTRY_FIELD_TERMINAL, Some(terminal.as_str())));
        }
        if let Some(digest) = &self.decision {
            fields.push((ENTRY_FIELD_DECISION, Some(digest.as_str())));
        }
        if let Some(company) = &self.company {
            fields.push((ENTRY_FIELD_COMPANY, Some(company.as_str())));
        }
        canonical_entry(&fields)
    }

    /// The entry in an export line (other keys of the line are ignored);
    /// `None` when a field is missing or of the wrong type.
    pub fn from_json(line: &serde_json::Value) -> Option<Self> {
        Self::deserialize(line).ok()
    }
}

/// The export line of a sequenced entry (also the `entry` of an inclusion
/// proof, so the leaf hash can be recomputed from it).
pub fn entry_line(seq: i64, salt: &str, e: &ExportEntry) -> serde_json::Value {
    serde_json::json!({
        "type": "entry", "seq": seq, "salt": salt,
        "id": e.id, "occurred_at": e.occurred_at, "request_id": e.request_id,
        "actor": e.actor, "source": e.source, "action": e.action,
        "object_type": e.object_type, "object_id": e.object_id,
        "outcome": e.outcome, "reason": e.reason, "terminal": e.terminal,
        "decision": e.decision, "company": e.company,
    })
}

/// The export line of an entry past its retention period: the stored leaf
/// hash stands in for the content that is gone.
pub fn expired_line(
    seq: i64,
    leaf_hash: &str,
    id: &str,
    occurred_at: i64,
    company: Option<&str>,
    expired_at: i64,
) -> serde_json::Value {
    serde_json::json!({
        "type": "expired", "seq": seq, "leaf_hash": leaf_hash, "id": id,
        "occurred_at": occurred_at, "company": company, "expired_at": expired_at,
    })
}

/// A 32-byte hash from its hex text; `None` when it is not one.
pub fn hex32(text: &str) -> Option<[u8; 32]> {
    let mut out = [0u8; 32];
    hex::decode_to_slice(text, &mut out).ok().map(|()| out)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests")]
    use super::*;
    use serde_json::json;

    #[test]
    fn absent_and_null_optional_fields_read_alike_and_wrong_types_fail() {
        let line = json!({"type": "entry", "seq": 0, "id": "a", "occurred_at": 1,
            "request_id": "r", "actor": null, "action": "x", "object_type": "o",
            "outcome": "success", "reason": ""});
        let e = ExportEntry::from_json(&line).unwrap();
        assert_eq!((e.actor, e.source, e.company), (None, None, None));
        let mut bad = line.clone();
        bad["company"] = json!(7);
        assert!(ExportEntry::from_json(&bad).is_none());
        let mut missing = line;
        missing.as_object_mut().unwrap().remove("reason");
        assert!(ExportEntry::from_json(&missing).is_none());
    }

    #[test]
    fn an_entry_line_reads_back_as_the_same_entry() {
        let e = ExportEntry {
            id: "a".into(),
            occurred_at: -3,
            request_id: "r".into(),
            actor: Some("u".into()),
            source: None,
            action: "x".into(),
            object_type: "o".into(),
            object_id: None,
            outcome: "success".into(),
            reason: "why".into(),
            terminal: None,
            decision: Some("d".into()),
            company: Some("c".into()),
        };
        let line = entry_line(4, "00", &e);
        assert_eq!(
            (line["type"].as_str(), line["seq"].as_i64()),
            (Some("entry"), Some(4))
        );
        assert_eq!(ExportEntry::from_json(&line).unwrap(), e);
    }

    #[test]
    fn hex32_takes_exactly_32_bytes() {
        assert_eq!(hex32(&"ab".repeat(32)), Some([0xab; 32]));
        assert_eq!(hex32(&"ab".repeat(31)), None);
        assert_eq!(hex32("zz"), None);
    }
}
