//! `dsg admin audit-prove` and `audit-consistency` against a running
//! gateway, each proof checked by `verify_proofs.py`: an RFC 9162 verifier
//! in Python (hashlib only) that shares no code with `dsg-audit`. The
//! script must also reject proofs with one flipped byte or a wrong root,
//! or accepting would prove nothing.

use std::io::Write;
use std::process::{Command, Stdio};

use serde_json::Value;

use crate::audit_log::{act_and_wait_for_checkpoint, export, FAST_CHECKPOINTS};
use crate::harness::{Db, Gateway};

const SCRIPT: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/integration/verify_proofs.py"
);

/// Whether `python3` runs. Missing is a skip with a note, except in CI.
fn have_python() -> bool {
    let found = Command::new("python3")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "CI=true but python3 is missing: the proofs cannot be checked independently"
        );
        eprintln!("note: python3 not found; skipping the independent proof check");
    }
    found
}

/// Runs `dsg admin <args>` and parses its JSON output.
fn run(gw: &Gateway, args: &[&str]) -> Value {
    let out = gw.admin(args);
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn prove(gw: &Gateway, index: u64, size: Option<u64>) -> Value {
    let (index, size) = (index.to_string(), size.map(|s| s.to_string()));
    let mut args = vec!["audit-prove", "--entry-index", &index];
    if let Some(size) = &size {
        args.extend(["--tree-size", size]);
    }
    run(gw, &args)
}

fn consistency(gw: &Gateway, from: u64, to: u64) -> Value {
    let (from, to) = (from.to_string(), to.to_string());
    run(gw, &["audit-consistency", "--from", &from, "--to", &to])
}

/// Feeds `doc` to the Python verifier: whether it accepted, and what it said.
fn python_accepts(doc: &Value) -> (bool, String) {
    let mut child = Command::new("python3")
        .arg(SCRIPT)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(doc.to_string().as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), said)
}

fn assert_accepted(doc: &Value) {
    let (ok, said) = python_accepts(doc);
    assert!(ok, "python rejected a genuine proof: {said}\n{doc:#}");
}

fn assert_rejected(doc: &Value, what: &str) {
    let (ok, said) = python_accepts(doc);
    assert!(!ok, "python accepted {what}: {said}\n{doc:#}");
    assert!(said.contains("REJECTED"), "{said}");
}

/// Flips the lowest bit of the first byte of a hex string.
fn flip(hex: &Value) -> Value {
    let text = hex.as_str().unwrap();
    let first = u8::from_str_radix(&text[..2], 16).unwrap() ^ 1;
    Value::from(format!("{first:02x}{}", &text[2..]))
}

#[tokio::test]
async fn proofs_verify_independently_and_altered_proofs_do_not() {
    if !have_python() {
        return;
    }
    let gw = Gateway::start_with(Db::Sqlite, FAST_CHECKPOINTS)
        .await
        .unwrap();
    let n = act_and_wait_for_checkpoint(&gw).await as u64;
    assert!(n >= 9, "enough entries for the power-of-two cases: {n}");
    let (_, lines) = export(&gw, "log.jsonl");
    let signed_sizes: Vec<u64> = lines
        .iter()
        .filter(|l| l["type"] == "checkpoint")
        .map(|l| l["signed"]["checkpoint"]["tree_size"].as_u64().unwrap())
        .collect();

    // First leaf, last leaf, size 1, power-of-two sizes, odd splits.
    for (index, size) in [
        (0, 1),
        (0, n),
        (n - 1, n),
        (7, 8),
        (4, 8),
        (3, 5),
        (n / 2, n - 1),
        (1, 2),
    ] {
        let doc = prove(&gw, index, Some(size));
        assert_eq!(doc["leaf_index"], index);
        assert_eq!(doc["tree_size"], size);
        assert_eq!(doc["entry"]["seq"], index);
        // The signed checkpoint comes with the proof exactly when one was
        // made at that size.
        assert_eq!(
            doc["checkpoint"].is_object(),
            signed_sizes.contains(&size),
            "{doc:#}"
        );
        assert_accepted(&doc);
    }
    // Without --tree-size: the newest checkpoint, which covers everything.
    let newest = prove(&gw, n - 1, None);
    assert_eq!(newest["tree_size"], n);
    assert_eq!(newest["checkpoint"]["checkpoint"]["root"], newest["root"]);
    assert_accepted(&newest);

    let power = n.next_power_of_two() / 2;
    for (from, to) in [
        (1, n),
        (n, n),
        (power, n),
        (4, n),
        (3, 7),
        (1, 2),
        (0, n),
        (signed_sizes[0], n),
    ] {
        let doc = consistency(&gw, from, to);
        assert_eq!(
            (doc["from_size"].as_u64(), doc["to_size"].as_u64()),
            (Some(from), Some(to))
        );
        assert_accepted(&doc);
    }

    // The checker can fail: one flipped byte or a wrong root is rejected.
    let genuine = prove(&gw, 3, Some(n));
    assert!(!genuine["path"].as_array().unwrap().is_empty());
    let mut doc = genuine.clone();
    doc["path"][0] = flip(&doc["path"][0]);
    assert_rejected(&doc, "a flipped path byte");
    let mut doc = genuine.clone();
    doc["root"] = flip(&doc["root"]);
    doc["checkpoint"] = Value::Null;
    assert_rejected(&doc, "a wrong root");
    let mut doc = genuine.clone();
    doc["leaf_index"] = Value::from(4);
    doc["entry"]["seq"] = Value::from(4);
    assert_rejected(&doc, "another index");
    let mut doc = genuine;
    doc["entry"]["reason"] = Value::from("edited");
    assert_rejected(&doc, "an edited entry");

    let genuine = consistency(&gw, 3, n);
    let mut doc = genuine.clone();
    doc["proof"][0] = flip(&doc["proof"][0]);
    assert_rejected(&doc, "a flipped proof byte");
    let mut doc = genuine.clone();
    doc["to_root"] = flip(&doc["to_root"]);
    doc["to_checkpoint"] = Value::Null;
    assert_rejected(&doc, "a wrong new root");
    let mut doc = genuine;
    doc["from_root"] = flip(&doc["from_root"]);
    assert_rejected(&doc, "a wrong old root");

    // Impossible requests are refused, not answered with a proof.
    for args in [
        vec![
            "audit-prove".to_owned(),
            "--entry-index".into(),
            n.to_string(),
        ],
        vec![
            "audit-prove".into(),
            "--entry-index".into(),
            "0".into(),
            "--tree-size".into(),
            (n + 1).to_string(),
        ],
        vec![
            "audit-consistency".into(),
            "--from".into(),
            "5".into(),
            "--to".into(),
            "3".into(),
        ],
    ] {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = gw.admin(&args);
        assert!(!out.status.success(), "{args:?} succeeded");
    }
    gw.stop().await;
}
