//! A company's verifiable extract of the log, and its offline check.
//!
//! Format (JSON Lines, `dsg-audit-company-extract/v1`):
//! * a header `{"type":"header","format":…,"log_id":…,"public_key":…,
//!   "company":…}`;
//! * one `{"type":"entry",…}` line (as in the full export) per entry of the
//!   company's sub-log, in leaf order, up to the newest signed head (an
//!   entry past its retention period is an `expired` line with its leaf
//!   hash);
//! * `{"type":"head","entry":<the head entry>,"tree_size":…,"path":[…]}`:
//!   the head entry and its inclusion proof in the main log;
//! * `{"type":"checkpoint","signed":…}`: the signed checkpoint of that
//!   tree size.
//!
//! The check ([`verify_extract`]) needs only the public key: the entries
//! hash to the head's root (nothing left out, added, changed or moved), the
//! head is in the signed tree, and, given an earlier extract, the earlier
//! entries are still the start of the sub-log (nothing rewritten since).
//! Sibling hashes in the proof are salted leaves and interior nodes, so
//! other companies' entries stay unreadable.

use serde_json::Value;

use crate::company::{verify_sub_log, CompanyHead, COMPANY_HEAD_ACTION};
use crate::export::{hex32, ExportEntry};
use crate::{leaf_hash, root, verify_inclusion, Hash, SignedCheckpoint};

/// Format label of an extract's header line.
pub const EXTRACT_FORMAT_V1: &str = "dsg-audit-company-extract/v1";

/// What a successful [`verify_extract`] established.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExtractReport {
    /// The company.
    pub company: String,
    /// Its entries, all covered by the head.
    pub entries: u64,
    /// Size of the signed main-log tree the head is in.
    pub tree_size: u64,
    /// When that checkpoint was signed (Unix ms).
    pub signed_at_ms: i64,
    /// Entries of an earlier extract found unchanged at the start.
    pub earlier_entries: Option<u64>,
}

/// A parsed extract.
struct Extract {
    company: String,
    key: Vec<u8>,
    leaves: Vec<Hash>,
    head: CompanyHead,
    checkpoint: SignedCheckpoint,
}

/// Verifies an extract under `public_key` (or the key in its header), and
/// that `earlier` (an extract received before) is a start of it.
pub fn verify_extract(
    text: &str,
    public_key: Option<&[u8]>,
    earlier: Option<&str>,
) -> Result<ExtractReport, String> {
    let extract = check(text, public_key)?;
    let earlier_entries = match earlier {
        None => None,
        Some(earlier) => {
            let old =
                check(earlier, Some(&extract.key)).map_err(|e| format!("earlier extract: {e}"))?;
            if old.company != extract.company {
                return Err("the earlier extract is of another company".into());
            }
            let prefix = usize::try_from(old.head.size)
                .ok()
                .and_then(|n| extract.leaves.get(..n))
                .ok_or(
                    "the earlier extract has more entries than this one: entries were removed",
                )?;
            if root(prefix) != old.head.root {
                return Err(format!(
                    "the first {} entries differ from the earlier extract: the company's log \
                     was rewritten",
                    old.head.size
                ));
            }
            Some(old.head.size)
        }
    };
    Ok(ExtractReport {
        company: extract.company,
        entries: extract.head.size,
        tree_size: extract.checkpoint.checkpoint.tree_size,
        signed_at_ms: extract.checkpoint.checkpoint.timestamp_ms,
        earlier_entries,
    })
}

fn check(text: &str, public_key: Option<&[u8]>) -> Result<Extract, String> {
    let mut lines = text.lines().filter(|l| !l.trim().is_empty());
    let parse = |line: Option<&str>, what: &str| -> Result<Value, String> {
        let line = line.ok_or(format!("the extract ends before its {what}"))?;
        serde_json::from_str(line).map_err(|e| format!("{what}: not JSON: {e}"))
    };
    let header = parse(lines.next(), "header")?;
    if header["type"] != "header" || header["format"] != EXTRACT_FORMAT_V1 {
        return Err(format!("not a {EXTRACT_FORMAT_V1} extract"));
    }
    let company = header["company"]
        .as_str()
        .ok_or("header: no company")?
        .to_owned();
    let log_id = header["log_id"].as_str().ok_or("header: no log_id")?;
    let key = match public_key {
        Some(k) => k.to_vec(),
        None => header["public_key"]
            .as_str()
            .and_then(|k| hex::decode(k).ok())
            .ok_or("header: no public_key")?,
    };
    let mut leaves = Vec::new();
    let mut last_seq: Option<u64> = None;
    let head_line = loop {
        let v = parse(lines.next(), "head")?;
        if v["type"] == "head" {
            break v;
        }
        let (seq, leaf, entry_company) = match v["type"].as_str() {
            Some("entry") => {
                let (seq, leaf, event) = entry_leaf(&v)?;
                (seq, leaf, event.company)
            }
            // Past its retention: the leaf hash stands in for the content.
            Some("expired") => {
                let seq = v["seq"].as_u64().ok_or("an expired entry without seq")?;
                let leaf = v["leaf_hash"]
                    .as_str()
                    .and_then(hex32)
                    .ok_or(format!("expired entry seq {seq}: malformed leaf_hash"))?;
                (seq, leaf, v["company"].as_str().map(str::to_owned))
            }
            _ => return Err("an unknown line before the head".into()),
        };
        if last_seq.is_some_and(|last| seq <= last) {
            return Err(format!("entry seq {seq}: out of order"));
        }
        if entry_company.as_deref() != Some(company.as_str()) {
            return Err(format!(
                "entry seq {seq}: not an entry of company {company}"
            ));
        }
        last_seq = Some(seq);
        leaves.push(leaf);
    };
    let (head_seq, head_leaf, head_event) = entry_leaf(&head_line["entry"])?;
    if head_event.action != COMPANY_HEAD_ACTION
        || head_event.object_id.as_deref() != Some(company.as_str())
    {
        return Err("the head line is not a head of this company".into());
    }
    if last_seq.is_some_and(|last| last >= head_seq) {
        return Err("the head comes before entries it covers".into());
    }
    let head = CompanyHead::parse(&head_event.reason).map_err(|e| e.to_string())?;
    verify_sub_log(&leaves, &head).map_err(|e| e.to_string())?;
    let v = parse(lines.next(), "checkpoint")?;
    let checkpoint: SignedCheckpoint = serde_json::from_value(v["signed"].clone())
        .map_err(|e| format!("malformed checkpoint: {e}"))?;
    if lines.next().is_some() {
        return Err("lines after the checkpoint".into());
    }
    if checkpoint.checkpoint.log_id != log_id {
        return Err("the checkpoint is of another log".into());
    }
    checkpoint.verify(&key).map_err(|e| {
        format!(
            "checkpoint (tree size {}): {e}",
            checkpoint.checkpoint.tree_size
        )
    })?;
    let tree_size = head_line["tree_size"]
        .as_u64()
        .ok_or("head: no tree_size")?;
    if tree_size != checkpoint.checkpoint.tree_size {
        return Err("the head's proof is for another tree than the checkpoint".into());
    }
    let path = head_line["path"]
        .as_array()
        .ok_or("head: no path")?
        .iter()
        .map(|p| p.as_str().and_then(hex32).ok_or("head: malformed path"))
        .collect::<Result<Vec<Hash>, _>>()?;
    verify_inclusion(
        &head_leaf,
        head_seq,
        tree_size,
        &path,
        &checkpoint.checkpoint.root,
    )
    .map_err(|e| format!("the head is not in the signed log: {e}"))?;
    Ok(Extract {
        company,
        key,
        leaves,
        head,
        checkpoint,
    })
}

/// An entry line's seq, recomputed leaf hash and fields.
fn entry_leaf(v: &Value) -> Result<(u64, Hash, ExportEntry), String> {
    let seq = v["seq"].as_u64().ok_or("an entry without seq")?;
    let event = ExportEntry::from_json(v).ok_or(format!("entry seq {seq}: malformed"))?;
    let salt = v["salt"]
        .as_str()
        .and_then(hex32)
        .ok_or(format!("entry seq {seq}: malformed salt"))?;
    Ok((seq, leaf_hash(&salt, &event.canonical_bytes()), event))
}
