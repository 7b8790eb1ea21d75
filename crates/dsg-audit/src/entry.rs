//! The canonical byte encoding of one log entry, the input of
//! [`leaf_hash`](crate::leaf_hash).
//!
//! Version 1:
//!
//! ```text
//! "dsg-audit-entry/v1" ‖ u64be(field count)
//! then per field, in the caller's fixed order:
//!   u64be(len name) ‖ name ‖ presence (0x00 absent, 0x01 present)
//!   ‖ [u64be(len value) ‖ value]   (only when present)
//! ```
//!
//! Every variable-length part is length-prefixed and an absent value is
//! distinct from an empty one, so two different field lists never encode to
//! the same bytes. Field names are part of the encoding, so a verifier that
//! assembles the fields in another order or under other names gets a
//! different hash instead of a silent match. The gateway uses the order in
//! [`ENTRY_FIELDS_V1`], followed by [`ENTRY_FIELD_TERMINAL`] only for entries
//! of requests that came from a registered terminal, then
//! [`ENTRY_FIELD_DECISION`] only for entries made on a policy decision, then
//! [`ENTRY_FIELD_COMPANY`] only for entries that concern a contractor (the
//! field count and names keep the shapes distinct).

/// Version label that starts every version-1 entry encoding.
pub const ENTRY_HEADER_V1: &[u8] = b"dsg-audit-entry/v1";

/// The fields of a gateway audit entry, in encoding order.
pub const ENTRY_FIELDS_V1: [&str; 10] = [
    "id",
    "occurred_at",
    "request_id",
    "actor",
    "source",
    "action",
    "object_type",
    "object_id",
    "outcome",
    "reason",
];

/// The optional trailing field: the registered terminal of the request.
pub const ENTRY_FIELD_TERMINAL: &str = "terminal";

/// The optional last field: SHA-256 (hex) of the decision record (request
/// and entity slice) the entry was decided on.
pub const ENTRY_FIELD_DECISION: &str = "decision";

/// The optional last field: the contractor the entry concerns. Entries with
/// it form that company's sub-log (see [`crate::company`]).
pub const ENTRY_FIELD_COMPANY: &str = "company";

fn put_bytes(out: &mut Vec<u8>, bytes: &[u8]) {
    out.extend_from_slice(&(bytes.len() as u64).to_be_bytes());
    out.extend_from_slice(bytes);
}

/// Encodes `fields` (name, value) in the given order; see the module docs.
pub fn canonical_entry(fields: &[(&str, Option<&str>)]) -> Vec<u8> {
    let mut out = Vec::with_capacity(
        ENTRY_HEADER_V1.len()
            + 8
            + fields
                .iter()
                .map(|(n, v)| 17 + n.len() + v.map_or(0, str::len))
                .sum::<usize>(),
    );
    out.extend_from_slice(ENTRY_HEADER_V1);
    out.extend_from_slice(&(fields.len() as u64).to_be_bytes());
    for (name, value) in fields {
        put_bytes(&mut out, name.as_bytes());
        match value {
            None => out.push(0),
            Some(v) => {
                out.push(1);
                put_bytes(&mut out, v.as_bytes());
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests")]
    use super::*;

    #[test]
    fn known_answer() {
        let bytes = canonical_entry(&[("a", Some("xy")), ("b", None)]);
        let mut expected = b"dsg-audit-entry/v1".to_vec();
        expected.extend_from_slice(&2u64.to_be_bytes());
        expected.extend_from_slice(&1u64.to_be_bytes());
        expected.extend_from_slice(b"a\x01");
        expected.extend_from_slice(&2u64.to_be_bytes());
        expected.extend_from_slice(b"xy");
        expected.extend_from_slice(&1u64.to_be_bytes());
        expected.extend_from_slice(b"b\x00");
        assert_eq!(bytes, expected);
    }

    #[test]
    fn unambiguous() {
        let variants: [&[(&str, Option<&str>)]; 7] = [
            &[("a", Some("bc")), ("d", Some(""))],
            &[("a", Some("b")), ("d", Some("c"))],
            &[("a", Some("bc")), ("d", None)],
            &[("a", Some("bcd"))],
            &[("d", Some("")), ("a", Some("bc"))],
            &[("ab", Some("c")), ("d", Some(""))],
            &[],
        ];
        for (i, x) in variants.iter().enumerate() {
            for (j, y) in variants.iter().enumerate() {
                if i != j {
                    assert_ne!(canonical_entry(x), canonical_entry(y), "{i} vs {j}");
                }
            }
        }
    }
}
