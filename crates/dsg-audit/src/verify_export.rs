//! Offline verification of an export (`dsg admin audit-verify`): needs no
//! database and no key directory, only the export text and, ideally, a
//! public key or checkpoint published where the operator cannot change it.
//!
//! Every failure names the first bad position it can prove: an entry's
//! `seq` when the leaf order is broken (an entry inserted, removed or
//! moved), or a checkpoint's index and tree size when a root, signature or
//! size does not hold. The export carries no leaf hashes, so an edited
//! entry can only be placed between the last checkpoint that verified and
//! the first that did not; the message gives that range.

use std::collections::HashMap;

use serde_json::Value;

use crate::company::{CompanyHead, COMPANY_HEAD_ACTION};
use crate::expiry::{check_expiries, ExpiryEntry, EXPIRE_ACTION};
use crate::export::{hex32, ExportEntry, EXPORT_FORMAT_V1};
use crate::{leaf_hash, root, verify_log, AuditError, CompactTree, Hash, SignedCheckpoint};

/// What a successful [`verify_export`] established.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportReport {
    /// Entries in the export.
    pub entries: u64,
    /// Entries after the last checkpoint (present, not yet signed for).
    pub unanchored: u64,
    /// Checkpoints verified.
    pub checkpoints: usize,
    /// The public key used (hex).
    pub public_key: String,
    /// Company sub-log heads checked against the company's entries.
    pub company_heads: usize,
}

/// The export, parsed: leaves in order up to the first misplaced entry.
struct Parsed {
    key: Vec<u8>,
    leaves: Vec<Hash>,
    checkpoints: Vec<SignedCheckpoint>,
    /// The first entry out of sequence, as a message; `leaves` stops there.
    misplaced: Option<String>,
    /// The company of each leaf's entry, parallel to `leaves`.
    companies: Vec<Option<String>>,
    /// Company sub-log heads: (seq of the head entry, company, head).
    heads: Vec<(u64, String, CompanyHead)>,
    /// Leaves whose content is gone, ascending.
    expired: Vec<u64>,
    /// The `audit.expire` entries.
    expiries: Vec<ExpiryEntry>,
}

/// Verifies an export: recomputes every leaf from the entry content and
/// its salt, checks leaf indexes are contiguous, then checks every
/// checkpoint's signature (under `public_key`, or the key in the header
/// when `None`) and root; finally, when given, that the log contains
/// `published`, a checkpoint published earlier (this is what catches a
/// truncated log whose later checkpoints were dropped as well). The error
/// names the first bad entry or checkpoint.
pub fn verify_export(
    text: &str,
    public_key: Option<&[u8]>,
    published: Option<&SignedCheckpoint>,
) -> Result<ExportReport, String> {
    verify_export_published(
        text,
        public_key,
        published.map(std::slice::from_ref).unwrap_or(&[]),
    )
}

/// [`verify_export`] against every checkpoint in `published` (e.g. all of
/// a publication directory): each must be in the log, and each must be
/// among the export's checkpoints. A checkpoint row deleted from the
/// database leaves a log that is consistent on its own with fewer entries
/// vouched for; having seen it published, the verifier calls that a
/// failure rather than "not yet covered".
pub fn verify_export_published(
    text: &str,
    public_key: Option<&[u8]>,
    published: &[SignedCheckpoint],
) -> Result<ExportReport, String> {
    let parsed = parse(text, public_key)?;
    let Parsed {
        key,
        leaves,
        checkpoints,
        misplaced,
        companies,
        heads,
        expired,
        expiries,
    } = parsed;
    // Checkpoints inside the in-order prefix are checked even when an entry
    // is misplaced further on: an altered entry they catch comes earlier.
    let usable = match misplaced {
        None => checkpoints.len(),
        Some(_) => checkpoints
            .iter()
            .take_while(|c| c.checkpoint.tree_size <= leaves.len() as u64)
            .count(),
    };
    let report = match verify_log(&leaves, &checkpoints[..usable], &key) {
        Err(AuditError::NoCheckpoints) if misplaced.is_some() => None,
        Err(e) => return Err(describe(e, &checkpoints, leaves.len() as u64)),
        Ok(report) => Some(report),
    };
    if let Some(misplaced) = misplaced {
        return Err(misplaced);
    }
    let report = report.ok_or("no checkpoints to verify against")?;
    for published in published {
        check_published(&leaves, published, &key)?;
        check_kept(&checkpoints, published)?;
    }
    check_company_heads(&leaves, &companies, &heads)?;
    let signed: Vec<_> = checkpoints.iter().map(|c| c.checkpoint.clone()).collect();
    check_expiries(&expired, &expiries, &signed)?;
    Ok(ExportReport {
        entries: leaves.len() as u64,
        unanchored: report.entries_unanchored,
        checkpoints: report.checkpoints_checked,
        public_key: hex::encode(&key),
        company_heads: heads.len(),
    })
}

fn parse(text: &str, public_key: Option<&[u8]>) -> Result<Parsed, String> {
    let mut lines = text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty());
    let (_, header) = lines.next().ok_or("empty export")?;
    let header: Value =
        serde_json::from_str(header).map_err(|e| format!("line 1: not JSON: {e}"))?;
    if header["type"] != "header" || header["format"] != EXPORT_FORMAT_V1 {
        return Err(format!("line 1: not a {EXPORT_FORMAT_V1} header"));
    }
    let log_id = header["log_id"].as_str().ok_or("line 1: no log_id")?;
    let file_key = header["public_key"]
        .as_str()
        .and_then(|k| hex::decode(k).ok())
        .ok_or("line 1: no public_key")?;
    let mut parsed = Parsed {
        key: public_key.map_or(file_key, <[u8]>::to_vec),
        leaves: Vec::new(),
        checkpoints: Vec::new(),
        misplaced: None,
        companies: Vec::new(),
        heads: Vec::new(),
        expired: Vec::new(),
        expiries: Vec::new(),
    };
    for (n, line) in lines {
        let at = n + 1;
        let v: Value =
            serde_json::from_str(line).map_err(|e| format!("line {at}: not JSON: {e}"))?;
        match v["type"].as_str() {
            Some(kind @ ("entry" | "expired")) => {
                let seq = v["seq"].as_u64().ok_or(format!("line {at}: no seq"))?;
                if !parsed.checkpoints.is_empty() {
                    return Err(format!(
                        "entry seq {seq} (line {at}): after the checkpoints; \
                         an entry was inserted here"
                    ));
                }
                if parsed.misplaced.is_some() {
                    continue;
                }
                let expected = parsed.leaves.len() as u64;
                if seq != expected {
                    parsed.misplaced = Some(format!(
                        "entry seq {seq} (line {at}): expected seq {expected}; the first bad \
                         position is seq {expected}: entries were inserted, removed or reordered"
                    ));
                    continue;
                }
                if kind == "expired" {
                    // Content past its retention: the stored leaf stands in.
                    let leaf = v["leaf_hash"]
                        .as_str()
                        .and_then(hex32)
                        .ok_or(format!("expired entry seq {seq}: malformed leaf_hash"))?;
                    parsed.leaves.push(leaf);
                    parsed
                        .companies
                        .push(v["company"].as_str().map(str::to_owned));
                    parsed.expired.push(seq);
                    continue;
                }
                let event =
                    ExportEntry::from_json(&v).ok_or(format!("entry seq {seq}: malformed"))?;
                let salt = v["salt"]
                    .as_str()
                    .and_then(hex32)
                    .ok_or(format!("entry seq {seq}: malformed salt"))?;
                parsed
                    .leaves
                    .push(leaf_hash(&salt, &event.canonical_bytes()));
                if event.action == EXPIRE_ACTION {
                    parsed.expiries.extend(ExpiryEntry::parse(
                        seq,
                        event.occurred_at,
                        &event.reason,
                    ));
                }
                if event.action == COMPANY_HEAD_ACTION {
                    let head = CompanyHead::parse(&event.reason)
                        .map_err(|e| format!("entry seq {seq}: {e}"))?;
                    let company = event.object_id.clone().unwrap_or_default();
                    parsed.heads.push((seq, company, head));
                }
                parsed.companies.push(event.company);
            }
            Some("checkpoint") => {
                let signed: SignedCheckpoint = serde_json::from_value(v["signed"].clone())
                    .map_err(|e| format!("line {at}: malformed checkpoint: {e}"))?;
                if signed.checkpoint.log_id != log_id {
                    return Err(format!(
                        "checkpoint {} (line {at}): for log {:?}, the header says {log_id:?}",
                        parsed.checkpoints.len(),
                        signed.checkpoint.log_id
                    ));
                }
                parsed.checkpoints.push(signed);
            }
            _ => return Err(format!("line {at}: unknown line type")),
        }
    }
    Ok(parsed)
}

/// A `verify_log` failure as a message naming the checkpoint and, where it
/// can be told, the first entry position affected.
fn describe(e: AuditError, checkpoints: &[SignedCheckpoint], entries: u64) -> String {
    let AuditError::Checkpoint { index, source } = e else {
        return e.to_string();
    };
    let size = checkpoints.get(index).map_or(0, |c| c.checkpoint.tree_size);
    let previous = index
        .checked_sub(1)
        .and_then(|i| checkpoints.get(i))
        .map_or(0, |c| c.checkpoint.tree_size);
    let what = match *source {
        AuditError::RootMismatch => format!(
            "root does not match the entries; the first altered entry is at seq \
             {previous} or later, before {size}"
        ),
        AuditError::Signature => {
            "signature does not verify: the checkpoint was altered or signed by another key"
                .to_owned()
        }
        AuditError::InvalidSize(_) => format!(
            "it covers {size} entries but the export has {entries}; the first bad \
             position is seq {entries}: the log was truncated"
        ),
        AuditError::Shrunk { previous, .. } => format!(
            "smaller than the checkpoint before it ({previous}): checkpoints were \
             removed, reordered or replaced"
        ),
        other => other.to_string(),
    };
    format!("checkpoint {index} (tree size {size}) fails: {what}")
}

/// Checks every company head against the entries of that company that
/// precede it: the sequencer must have signed exactly the company's
/// entries, in order. An entry taken out of a sub-log (or slipped into it)
/// is caught here even when the main log's checkpoints hold.
fn check_company_heads(
    leaves: &[Hash],
    companies: &[Option<String>],
    heads: &[(u64, String, CompanyHead)],
) -> Result<(), String> {
    // The sizes each company's heads need, then one pass over the leaves
    // recording the sub-log root at each of them.
    let mut needed: HashMap<&str, Vec<u64>> = HashMap::new();
    for (_, company, head) in heads {
        needed.entry(company.as_str()).or_default().push(head.size);
    }
    let mut trees: HashMap<&str, CompactTree> = HashMap::new();
    let mut roots: HashMap<(&str, u64), (Hash, u64)> = HashMap::new();
    for (seq, (leaf, company)) in (0u64..).zip(leaves.iter().zip(companies)) {
        let Some(company) = company.as_deref() else {
            continue;
        };
        let Some(sizes) = needed.get(company) else {
            continue;
        };
        let tree = trees.entry(company).or_default();
        tree.push(*leaf);
        if sizes.contains(&tree.size()) {
            roots.insert((company, tree.size()), (tree.root(), seq));
        }
    }
    for (seq, company, head) in heads {
        let bad = |why: &str| {
            format!(
                "company head at seq {seq} (company {company}, {} entries): {why}; the \
                 company's sub-log was altered",
                head.size
            )
        };
        if head.size == 0 {
            continue;
        }
        match roots.get(&(company.as_str(), head.size)) {
            None => return Err(bad("the export has fewer entries of that company")),
            Some((_, last)) if last >= seq => {
                return Err(bad("it covers entries sequenced after it"))
            }
            Some((root, _)) if *root != head.root => {
                return Err(bad("its root is not the root of the company's entries"))
            }
            Some(_) => {}
        }
    }
    Ok(())
}

/// Checks that the export still holds `published` among its checkpoints.
fn check_kept(
    checkpoints: &[SignedCheckpoint],
    published: &SignedCheckpoint,
) -> Result<(), String> {
    let wanted = &published.checkpoint;
    let kept = checkpoints
        .iter()
        .any(|c| c.checkpoint.tree_size == wanted.tree_size && c.checkpoint.root == wanted.root);
    if kept {
        return Ok(());
    }
    let newest = checkpoints.last().map_or(0, |c| c.checkpoint.tree_size);
    let size = wanted.tree_size;
    let unvouched = if newest < size {
        format!("; the entries from seq {newest} on are vouched for by no checkpoint left")
    } else {
        String::new()
    };
    Err(format!(
        "published checkpoint (tree size {size}) is missing from the export: checkpoints \
         were removed{unvouched}"
    ))
}

/// Checks that the log contains `published`: signed under `key`, no larger
/// than the log, and the root of the log's first `tree_size` entries.
fn check_published(
    leaves: &[Hash],
    published: &SignedCheckpoint,
    key: &[u8],
) -> Result<(), String> {
    let size = published.checkpoint.tree_size;
    published
        .verify(key)
        .map_err(|e| format!("published checkpoint (tree size {size}): {e}"))?;
    let covered = usize::try_from(size)
        .ok()
        .and_then(|n| leaves.get(..n))
        .ok_or_else(|| {
            format!(
                "published checkpoint (tree size {size}) covers more than the export's {} \
                 entries; the first bad position is seq {}: the log was truncated",
                leaves.len(),
                leaves.len()
            )
        })?;
    if root(covered) != published.checkpoint.root {
        return Err(format!(
            "published checkpoint (tree size {size}): root does not match the export's \
             first {size} entries; the log was rewritten before seq {size}"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(
        clippy::unwrap_used,
        clippy::string_slice,
        reason = "tests fail loudly, and cut ASCII text they made"
    )]
    use super::*;
    use crate::{Checkpoint, EcdsaKeyPair, KeyPair, SystemRandom, ECDSA_P256_SHA256_ASN1_SIGNING};
    use serde_json::json;

    fn event(i: u32) -> ExportEntry {
        ExportEntry {
            id: format!("event-{i}"),
            occurred_at: 1_700_000_000_000 + i64::from(i),
            request_id: format!("req-{i}"),
            actor: i.is_multiple_of(2).then(|| "user-1".to_owned()),
            source: None,
            terminal: i.is_multiple_of(3).then(|| "terminal-1".to_owned()),
            action: "file.download".into(),
            object_type: "file".into(),
            object_id: Some(format!("file-{i}")),
            outcome: "success".into(),
            reason: "policy0".into(),
            decision: i.is_multiple_of(5).then(|| format!("{i:064x}")),
            company: i.is_multiple_of(2).then(|| "company-1".to_owned()),
        }
    }

    fn salt_of(i: u32) -> [u8; 32] {
        [u8::try_from(i).unwrap(); 32]
    }

    struct Export {
        lines: Vec<Value>,
        public: String,
        signed: Vec<SignedCheckpoint>,
    }

    /// An export of `n` entries with a checkpoint at each of `sizes`.
    fn export_at(n: u32, sizes: &[u32]) -> Export {
        export_of(&(0..n).map(event).collect::<Vec<_>>(), sizes)
    }

    /// An export of `events` (salt `i` for the `i`th) with a checkpoint at
    /// each of `sizes`.
    fn export_of(events: &[ExportEntry], sizes: &[u32]) -> Export {
        let rng = SystemRandom::new();
        let key = EcdsaKeyPair::generate(&ECDSA_P256_SHA256_ASN1_SIGNING).unwrap();
        let public = hex::encode(key.public_key().as_ref());
        let mut lines = vec![json!({"type": "header", "format": EXPORT_FORMAT_V1,
            "log_id": "dsg-test", "public_key": public})];
        let mut leaves = Vec::new();
        for (i, e) in (0u32..).zip(events) {
            let salt = salt_of(i);
            leaves.push(leaf_hash(&salt, &e.canonical_bytes()));
            lines.push(json!({"type": "entry", "seq": i, "salt": hex::encode(salt),
                "id": e.id, "occurred_at": e.occurred_at, "request_id": e.request_id,
                "actor": e.actor, "source": e.source, "action": e.action,
                "object_type": e.object_type, "object_id": e.object_id,
                "outcome": e.outcome, "reason": e.reason, "terminal": e.terminal,
                "decision": e.decision, "company": e.company}));
        }
        let mut signed = Vec::new();
        for &size in sizes {
            let s = Checkpoint::new(
                "dsg-test",
                u64::from(size),
                root(&leaves[..size as usize]),
                1,
            )
            .unwrap()
            .sign(&key, &rng)
            .unwrap();
            lines.push(json!({"type": "checkpoint", "signed": serde_json::to_value(&s).unwrap()}));
            signed.push(s);
        }
        Export {
            lines,
            public,
            signed,
        }
    }

    fn export(n: u32) -> (Vec<Value>, String) {
        let e = export_at(n, &[n]);
        (e.lines, e.public)
    }

    fn text(lines: &[Value]) -> String {
        lines.iter().map(|l| format!("{l}\n")).collect()
    }

    fn fails(lines: &[Value]) -> String {
        verify_export(&text(lines), None, None).unwrap_err()
    }

    #[test]
    fn a_faithful_export_verifies() {
        let (lines, public) = export(5);
        let report = verify_export(&text(&lines), None, None).unwrap();
        assert_eq!(report.entries, 5);
        assert_eq!(report.checkpoints, 1);
        assert_eq!(report.unanchored, 0);
        let key = hex::decode(&public).unwrap();
        assert!(verify_export(&text(&lines), Some(&key), None).is_ok());
    }

    /// Six entries (company-1 has 0, 2, 4) and a head for company-1 after
    /// them claiming `size` entries with the root of the first `rooted`.
    fn with_head(size: u64, rooted: usize) -> String {
        let mut events: Vec<ExportEntry> = (0..6).map(event).collect();
        let own: Vec<Hash> = (0u32..6)
            .filter(|i| i.is_multiple_of(2))
            .map(|i| leaf_hash(&salt_of(i), &event(i).canonical_bytes()))
            .collect();
        let mut head = event(6);
        head.action = COMPANY_HEAD_ACTION.into();
        head.object_type = "company_log".into();
        head.object_id = Some("company-1".into());
        head.company = None;
        head.reason = CompanyHead {
            size,
            root: root(&own[..rooted]),
        }
        .to_reason();
        events.push(head);
        text(&export_of(&events, &[7]).lines)
    }

    #[test]
    fn company_heads_must_match_their_companies_entries() {
        let report = verify_export(&with_head(3, 3), None, None).unwrap();
        assert_eq!(report.company_heads, 1);
        // The operator signs whatever the sequencer wrote, so only this
        // check catches a head that leaves an entry out or claims more.
        let e = verify_export(&with_head(3, 2), None, None).unwrap_err();
        assert!(
            e.contains("company head at seq 6") && e.contains("root"),
            "{e}"
        );
        let e = verify_export(&with_head(4, 3), None, None).unwrap_err();
        assert!(e.contains("fewer entries"), "{e}");
    }

    #[test]
    fn every_kind_of_tampering_fails() {
        let (lines, _) = export(5);
        let mut changed = lines.clone();
        changed[3]["reason"] = json!("policy1");
        let e = fails(&changed);
        assert!(e.contains("checkpoint 0") && e.contains("root"), "{e}");

        let mut absent = lines.clone();
        // Entry 0 has an actor; dropping it must change the leaf.
        absent[1]["actor"] = Value::Null;
        assert!(verify_export(&text(&absent), None, None).is_err());

        let mut removed = lines.clone();
        removed.remove(2);
        let e = fails(&removed);
        assert!(e.contains("expected seq 1"), "{e}");

        let mut salted = lines.clone();
        salted[1]["salt"] = json!(hex::encode([9u8; 32]));
        assert!(verify_export(&text(&salted), None, None).is_err());

        let other = EcdsaKeyPair::generate(&ECDSA_P256_SHA256_ASN1_SIGNING).unwrap();
        let e = verify_export(&text(&lines), Some(other.public_key().as_ref()), None).unwrap_err();
        assert!(e.contains("signature"), "{e}");

        let mut renamed = lines.clone();
        renamed[0]["log_id"] = json!("dsg-other");
        assert!(verify_export(&text(&renamed), None, None).is_err());

        let unsigned: Vec<Value> = lines[..lines.len() - 1].to_vec();
        assert!(verify_export(&text(&unsigned), None, None).is_err());
        assert!(verify_export("", None, None).is_err());
    }

    #[test]
    fn entries_after_the_last_checkpoint_are_counted_as_unanchored() {
        let (mut lines, _) = export(3);
        let checkpoint = lines.pop().unwrap();
        let mut extra = lines[3].clone();
        extra["seq"] = json!(3);
        lines.push(extra);
        lines.push(checkpoint);
        let report = verify_export(&text(&lines), None, None).unwrap();
        assert_eq!((report.entries, report.unanchored), (4, 1));
    }

    /// Line of entry `seq` in an export (line 0 is the header).
    fn at(seq: usize) -> usize {
        seq + 1
    }

    #[test]
    fn an_edit_is_placed_between_the_checkpoints_around_it() {
        let e = export_at(12, &[4, 9, 12]);
        let mut lines = e.lines.clone();
        lines[at(6)]["reason"] = json!("edited");
        let msg = fails(&lines);
        assert!(msg.contains("checkpoint 1 (tree size 9)"), "{msg}");
        assert!(msg.contains("seq 4 or later, before 9"), "{msg}");
    }

    #[test]
    fn an_earlier_edit_wins_over_a_later_misplaced_entry() {
        let e = export_at(12, &[4, 9, 12]);
        let mut lines = e.lines.clone();
        lines[at(1)]["reason"] = json!("edited");
        lines.remove(at(10));
        let msg = fails(&lines);
        assert!(msg.contains("checkpoint 0 (tree size 4)"), "{msg}");
        assert!(msg.contains("seq 0 or later, before 4"), "{msg}");
        // Without the edit the misplaced entry is the first bad position.
        let mut lines = e.lines.clone();
        lines.remove(at(10));
        let msg = fails(&lines);
        assert!(msg.contains("first bad position is seq 10"), "{msg}");
    }

    #[test]
    fn inserted_swapped_and_trailing_entries_are_placed() {
        let e = export_at(12, &[4, 9, 12]);
        let mut inserted = e.lines.clone();
        inserted.insert(at(5), e.lines[at(5)].clone());
        assert!(fails(&inserted).contains("first bad position is seq 6"));

        let mut swapped = e.lines.clone();
        swapped.swap(at(7), at(8));
        let msg = fails(&swapped);
        assert!(
            msg.contains("entry seq 8") && msg.contains("seq 7"),
            "{msg}"
        );

        // Renumbered so the seqs still run 0, 1, 2…: only the root tells.
        let mut renumbered = e.lines.clone();
        renumbered.insert(at(5), e.lines[at(5)].clone());
        for (seq, line) in renumbered[1..=13].iter_mut().enumerate() {
            line["seq"] = json!(seq);
        }
        renumbered.remove(at(12));
        let msg = fails(&renumbered);
        assert!(msg.contains("checkpoint 1 (tree size 9)"), "{msg}");

        let mut after = e.lines.clone();
        after.push(e.lines[at(11)].clone());
        assert!(fails(&after).contains("after the checkpoints"));
    }

    #[test]
    fn truncation_is_placed_and_needs_a_published_checkpoint_when_hidden() {
        let e = export_at(12, &[4, 9, 12]);
        // Entries 10 and 11 dropped, the checkpoints kept.
        let mut cut: Vec<Value> = e.lines[..at(10)].to_vec();
        cut.extend_from_slice(&e.lines[at(12)..]);
        let msg = fails(&cut);
        assert!(msg.contains("checkpoint 2 (tree size 12)"), "{msg}");
        assert!(msg.contains("first bad position is seq 10"), "{msg}");

        // Dropped together with the checkpoint that covered them: the file
        // is consistent on its own, only the published checkpoint tells.
        let mut hidden: Vec<Value> = e.lines[..at(10)].to_vec();
        hidden.extend_from_slice(&e.lines[at(12)..at(14)]);
        assert!(verify_export(&text(&hidden), None, None).is_ok());
        let msg = verify_export(&text(&hidden), None, Some(&e.signed[2])).unwrap_err();
        assert!(msg.contains("published checkpoint (tree size 12)"), "{msg}");
        assert!(msg.contains("first bad position is seq 10"), "{msg}");
        assert!(verify_export(&text(&e.lines), None, Some(&e.signed[2])).is_ok());
        assert!(verify_export(&text(&e.lines), None, Some(&e.signed[0])).is_ok());
    }

    #[test]
    fn a_removed_checkpoint_that_was_published_is_a_failure() {
        let e = export_at(12, &[4, 9, 12]);
        // The newest checkpoint dropped, every entry kept: consistent on
        // its own (three entries merely "not yet covered").
        let dropped: Vec<Value> = e.lines[..e.lines.len() - 1].to_vec();
        let report = verify_export(&text(&dropped), None, None).unwrap();
        assert_eq!(report.unanchored, 3);
        let msg = verify_export(&text(&dropped), None, Some(&e.signed[2])).unwrap_err();
        assert!(
            msg.contains("published checkpoint (tree size 12) is missing from the export"),
            "{msg}"
        );
        assert!(msg.contains("from seq 9"), "{msg}");
        // A middle one too, even when a later one still covers everything.
        let mut middle = e.lines.clone();
        middle.remove(e.lines.len() - 2);
        let all = &e.signed;
        let msg = verify_export_published(&text(&middle), None, all).unwrap_err();
        assert!(msg.contains("(tree size 9) is missing"), "{msg}");
        assert!(verify_export_published(&text(&e.lines), None, all).is_ok());
    }

    #[test]
    fn a_published_checkpoint_catches_a_log_re_signed_under_a_new_key() {
        let original = export_at(6, &[6]);
        // The operator rebuilds the log and signs it with a fresh key, whose
        // public key it puts in the header: self-consistent, but the
        // checkpoint published earlier does not verify under that key.
        let rewritten = export_at(6, &[6]);
        assert!(verify_export(&text(&rewritten.lines), None, None).is_ok());
        let published = &original.signed[0];
        let msg = verify_export(&text(&rewritten.lines), None, Some(published)).unwrap_err();
        assert!(msg.contains("published checkpoint (tree size 6)"), "{msg}");
        assert!(msg.contains("signature"), "{msg}");
    }

    #[test]
    fn replaced_or_reordered_checkpoints_are_named() {
        let e = export_at(12, &[4, 9, 12]);
        let cp = |i: usize| e.lines.len() - 3 + i;
        let mut rooted = e.lines.clone();
        rooted[cp(1)]["signed"]["checkpoint"]["root"] = json!(hex::encode([7u8; 32]));
        let msg = fails(&rooted);
        assert!(msg.contains("checkpoint 1 (tree size 9)"), "{msg}");
        assert!(msg.contains("signature does not verify"), "{msg}");

        let mut resigned = e.lines.clone();
        let sig = resigned[cp(2)]["signed"]["signature"]
            .as_str()
            .unwrap()
            .to_owned();
        let flipped = format!(
            "{}{}",
            &sig[..sig.len() - 1],
            if sig.ends_with('0') { "1" } else { "0" }
        );
        resigned[cp(2)]["signed"]["signature"] = json!(flipped);
        let msg = fails(&resigned);
        assert!(msg.contains("checkpoint 2 (tree size 12)"), "{msg}");

        let mut reordered = e.lines.clone();
        reordered.swap(cp(0), cp(1));
        let msg = fails(&reordered);
        assert!(msg.contains("checkpoint 1 (tree size 4)"), "{msg}");
        assert!(msg.contains("reordered"), "{msg}");
    }
}
