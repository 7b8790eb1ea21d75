//! Every way of tampering with an export that the issue lists (edit,
//! delete, insert, reorder, truncate, replace a checkpoint) is caught by
//! `dsg admin audit-verify`, which names the first bad position: the entry
//! seq, or the checkpoint and the range of entries it could not vouch for.
//! The export comes from a real gateway; the tampering is done on its text.

use std::path::Path;
use std::time::Duration;

use serde_json::Value;

use crate::audit_log::{act_and_wait_for_checkpoint, export, FAST_CHECKPOINTS};
use crate::harness::{binary, Db, Gateway};

fn sizes(lines: &[Value]) -> Vec<u64> {
    lines
        .iter()
        .filter(|l| l["type"] == "checkpoint")
        .map(|l| l["signed"]["checkpoint"]["tree_size"].as_u64().unwrap())
        .collect()
}

/// An export with at least two checkpoints, the newest covering every entry.
async fn export_with_two_checkpoints(gw: &Gateway) -> Vec<Value> {
    act_and_wait_for_checkpoint(gw).await;
    let _ = gw.operator().await; // one more entry (the login)
    for _ in 0..120 {
        let (_, lines) = export(gw, "poll.jsonl");
        let entries = lines.iter().filter(|l| l["type"] == "entry").count() as u64;
        let sizes = sizes(&lines);
        if sizes.len() >= 2 && sizes.last() == Some(&entries) {
            return lines;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    panic!("no second checkpoint in time");
}

/// Writes `lines` and runs the offline verifier with `extra` arguments.
fn verify(dir: &Path, name: &str, lines: &[Value], extra: &[&str]) -> (bool, String) {
    let path = dir.join(name);
    let text: String = lines.iter().map(|l| format!("{l}\n")).collect();
    std::fs::write(&path, text).unwrap();
    let out = std::process::Command::new(binary())
        .args(["admin", "audit-verify", "--file"])
        .arg(&path)
        .args(extra)
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

/// What the verifier must say when the entry at `seq` was altered in
/// place: the first checkpoint covering it, and the range since the one
/// before.
fn placed(sizes: &[u64], seq: u64) -> [String; 2] {
    let i = sizes.iter().position(|&s| s > seq).unwrap();
    let previous = i.checked_sub(1).map_or(0, |p| sizes[p]);
    [
        format!("checkpoint {i} (tree size {})", sizes[i]),
        format!("seq {previous} or later, before {}", sizes[i]),
    ]
}

#[tokio::test]
async fn every_tampering_of_an_export_is_detected_at_its_first_position() {
    let gw = Gateway::start_with(Db::Sqlite, FAST_CHECKPOINTS)
        .await
        .unwrap();
    let lines = export_with_two_checkpoints(&gw).await;
    let dir = gw.dir.path();
    let sizes = sizes(&lines);
    let n = *sizes.last().unwrap();
    assert!(n >= 8, "{n}");
    let key = lines[0]["public_key"].as_str().unwrap().to_owned();
    // Line of the entry with seq `i`; line 0 is the header.
    let at = |i: u64| usize::try_from(i).unwrap() + 1;
    let cp = |i: usize| at(n) + i;
    let k = sizes.len();

    let (ok, text) = verify(dir, "genuine.jsonl", &lines, &["--public-key", &key]);
    assert!(ok, "{text}");

    let mut cases: Vec<(&str, Vec<Value>, Vec<String>)> = Vec::new();

    // Edited in place: placed between the checkpoints around it.
    let edited_seq = sizes[k - 2];
    let mut edited = lines.clone();
    edited[at(edited_seq)]["reason"] = Value::from("nothing to see");
    cases.push(("edited", edited, placed(&sizes, edited_seq).to_vec()));

    let mut deleted = lines.clone();
    deleted.remove(at(2));
    cases.push((
        "deleted",
        deleted,
        vec!["first bad position is seq 2".into()],
    ));

    let mut inserted = lines.clone();
    inserted.insert(at(4), lines[at(3)].clone());
    cases.push((
        "inserted",
        inserted,
        vec!["first bad position is seq 4".into()],
    ));

    // Inserted and renumbered so seqs run on: only the roots can tell.
    let mut renumbered = lines.clone();
    renumbered.insert(at(3), lines[at(3)].clone());
    renumbered.remove(at(n));
    for (seq, line) in renumbered[at(0)..at(n)].iter_mut().enumerate() {
        line["seq"] = Value::from(seq);
    }
    cases.push(("renumbered", renumbered, placed(&sizes, 4).to_vec()));

    let mut swapped = lines.clone();
    swapped.swap(at(5), at(6));
    cases.push((
        "swapped",
        swapped,
        vec!["first bad position is seq 5".into()],
    ));

    // The tail cut off inside what the checkpoints cover.
    let cut_from = n - 2;
    let mut truncated: Vec<Value> = lines[..at(cut_from)].to_vec();
    truncated.extend_from_slice(&lines[at(n)..]);
    cases.push((
        "truncated",
        truncated,
        vec![format!("first bad position is seq {cut_from}")],
    ));

    let mut rooted = lines.clone();
    rooted[cp(k - 1)]["signed"]["checkpoint"]["root"] = Value::from("00".repeat(32));
    cases.push((
        "checkpoint root replaced",
        rooted,
        vec![format!(
            "checkpoint {} (tree size {n}) fails: signature",
            k - 1
        )],
    ));

    let mut resigned = lines.clone();
    let other_sig = lines[cp(1)]["signed"]["signature"].clone();
    resigned[cp(0)]["signed"]["signature"] = other_sig;
    cases.push((
        "checkpoint signature replaced",
        resigned,
        vec![format!(
            "checkpoint 0 (tree size {}) fails: signature",
            sizes[0]
        )],
    ));

    let mut reordered = lines.clone();
    reordered.swap(cp(k - 2), cp(k - 1));
    cases.push((
        "checkpoints reordered",
        reordered,
        vec![
            format!("checkpoint {} (tree size {})", k - 1, sizes[k - 2]),
            "reordered".into(),
        ],
    ));

    for (name, tampered, expected) in cases {
        for key_arg in [vec![], vec!["--public-key", key.as_str()]] {
            let (ok, text) = verify(dir, "tampered.jsonl", &tampered, &key_arg);
            assert!(!ok, "{name}: not detected\n{text}");
            assert!(text.contains("verification FAILED"), "{name}: {text}");
            for part in &expected {
                assert!(
                    text.contains(part.as_str()),
                    "{name}: expected {part:?}\n{text}"
                );
            }
        }
    }

    // Truncated together with the checkpoint covering the cut: consistent
    // on its own, caught by the checkpoint published before the cut.
    let published = dir.join("published.json");
    std::fs::write(&published, lines[cp(k - 1)]["signed"].to_string()).unwrap();
    let published = published.to_str().unwrap();
    let kept = sizes[k - 2];
    let mut hidden: Vec<Value> = lines[..at(kept)].to_vec();
    hidden.extend_from_slice(&lines[at(n)..cp(k - 1)]);
    let (ok, text) = verify(dir, "hidden.jsonl", &hidden, &[]);
    assert!(ok, "a prefix of the log is a valid log: {text}");
    let (ok, text) = verify(dir, "hidden.jsonl", &hidden, &["--checkpoint", published]);
    assert!(!ok, "{text}");
    assert!(
        text.contains(&format!("published checkpoint (tree size {n})"))
            && text.contains(&format!("first bad position is seq {kept}")),
        "{text}"
    );
    let (ok, text) = verify(dir, "genuine.jsonl", &lines, &["--checkpoint", published]);
    assert!(ok, "{text}");
    assert!(
        text.contains(&format!("contains the published checkpoint of {n} entries")),
        "{text}"
    );

    // Only the newest checkpoint removed (as when its row is deleted): on
    // its own the log merely has entries "not yet covered"; given the
    // checkpoint seen published, that is a failure naming it.
    let unsigned: Vec<Value> = lines[..cp(k - 1)].to_vec();
    let (ok, text) = verify(dir, "unsigned.jsonl", &unsigned, &[]);
    assert!(ok && text.contains("not verified"), "{text}");
    let (ok, text) = verify(
        dir,
        "unsigned.jsonl",
        &unsigned,
        &["--checkpoint", published],
    );
    assert!(!ok, "{text}");
    assert!(
        text.contains(&format!(
            "published checkpoint (tree size {n}) is missing from the export"
        )) && text.contains(&format!("from seq {kept} on")),
        "{text}"
    );
    gw.stop().await;
}
