//! Reading the log through the policy point, and a company's verifiable
//! extract: a contractor's security administrator sees only their
//! company's entries, takes an extract that `dsg admin audit-verify-extract`
//! and an independent Python checker both accept, and in which no other
//! company's entry appears; any entry left out or altered is caught; a later
//! extract is checked against the earlier one. Agency auditors read the
//! whole log and change nothing; nobody grants themselves a duty.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::audit_log::{export, FAST_CHECKPOINTS};
use crate::harness::{binary, world, Client, Db, Gateway};

const SCRIPT: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/integration/verify_proofs.py"
);

fn extract_path(company: &str) -> String {
    format!("/api/v1/audit/companies/{company}/extract")
}

/// Fetches the company's extract, waiting for the sequencer to sign a head
/// that covers at least `min_entries` of the company's entries.
async fn extract_when_ready(client: &mut Client, company: &str, min_entries: usize) -> String {
    for _ in 0..120 {
        let (s, body) = client
            .send(client.request(Method::GET, &extract_path(company)))
            .await;
        let text = String::from_utf8(body).unwrap();
        if s == StatusCode::OK {
            let entries = text
                .lines()
                .filter(|l| l.contains(r#""type":"entry""#))
                .count();
            if entries >= min_entries {
                return text;
            }
        } else {
            assert_eq!(s, StatusCode::CONFLICT, "{text}");
            assert!(text.contains("no signed head yet"), "{text}");
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    panic!("no company head was signed in time");
}

/// `dsg admin audit-verify-extract`, offline.
fn verify_extract(file: &Path, key: &str, earlier: Option<&Path>) -> (bool, String) {
    let mut cmd = Command::new(binary());
    cmd.args([
        "admin",
        "audit-verify-extract",
        "--public-key",
        key,
        "--file",
    ])
    .arg(file);
    if let Some(earlier) = earlier {
        cmd.arg("--earlier").arg(earlier);
    }
    let out = cmd.output().unwrap();
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), said)
}

/// The independent checker (hashlib only) on an extract, when python3 is
/// there.
fn python_accepts(text: &str) -> Option<bool> {
    python_accepts_as("extract", text)
}

/// The independent checker on a document of `kind` (`extract`,
/// `search_export`).
fn python_accepts_as(kind: &str, text: &str) -> Option<bool> {
    let lines: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let mut child = match Command::new("python3")
        .arg(SCRIPT)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
    {
        Ok(child) => child,
        Err(_) => {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "python3 missing"
            );
            return None;
        }
    };
    child
        .stdin
        .take()
        .unwrap()
        .write_all(json!({ kind: lines }).to_string().as_bytes())
        .unwrap();
    Some(child.wait_with_output().unwrap().status.success())
}

fn write(gw: &Gateway, name: &str, text: &str) -> PathBuf {
    let path = gw.dir.path().join(name);
    std::fs::write(&path, text).unwrap();
    path
}

/// The text with the `n`th entry line changed by `edit` (None: removed).
fn with_entry(text: &str, n: usize, edit: impl Fn(&mut Value) -> bool) -> String {
    let mut seen = 0;
    let mut out = Vec::new();
    for line in text.lines() {
        let mut v: Value = serde_json::from_str(line).unwrap();
        if v["type"] == "entry" {
            seen += 1;
            if seen == n + 1 && !edit(&mut v) {
                continue;
            }
        }
        out.push(v.to_string());
    }
    out.join("\n") + "\n"
}

async fn grant(op: &mut Client, user: &str, duty: &str) -> (StatusCode, Value) {
    op.json(
        Method::POST,
        &format!("/api/v1/admin/users/{user}/duties"),
        json!({ "duty": duty }),
    )
    .await
}

#[tokio::test]
async fn a_company_reads_and_verifies_its_own_complete_log_and_nothing_else() {
    own_log(Db::Sqlite).await;
}

#[tokio::test]
async fn a_company_verifies_its_own_log_on_postgres() {
    own_log(Db::Postgres).await;
}

async fn own_log(db: Db) {
    let Some(gw) = Gateway::start_with(db, FAST_CHECKPOINTS).await else {
        return;
    };
    let w = world(&gw).await;
    let mut op = gw.operator().await;
    let (s, b) = grant(&mut op, w.user_id("a.member"), "security-admin").await;
    assert_eq!(s, StatusCode::CREATED, "{b}");

    // Before the duty nobody of company B reads anything; another
    // company's extract is not even acknowledged.
    let mut b_handler = gw.login("b.handler", w.password("b.handler")).await;
    let (s, _) = b_handler.get("/api/v1/audit/entries").await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _) = b_handler.get(&extract_path(&w.company_b)).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _) = b_handler.get(&extract_path(&w.company_a)).await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    // The security administrator of A: their company's entries only.
    let mut admin_a = gw.login("a.member", w.password("a.member")).await;
    let (s, found) = admin_a.get("/api/v1/audit/entries?limit=1000").await;
    assert_eq!(s, StatusCode::OK, "{found}");
    assert_eq!(found["scope"], "company");
    assert_eq!(found["company"], w.company_a.as_str());
    let entries = found["entries"].as_array().unwrap();
    assert!(entries.len() > 5, "{found}");
    assert!(entries.iter().all(|e| e["company"] == w.company_a.as_str()));
    for action in [
        "user.create",
        "handler.designate",
        "terminal.register",
        "duty.grant",
    ] {
        assert!(
            entries.iter().any(|e| e["action"] == action),
            "company A's log lacks {action}"
        );
    }
    let b_handler_id = w.user_id("b.handler");
    assert!(!found.to_string().contains(b_handler_id));
    let (s, _) = admin_a
        .get(&format!("/api/v1/audit/entries?company={}", w.company_b))
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = admin_a.get(&extract_path(&w.company_b)).await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    // The extract: verified offline with the published key, by dsg and by
    // the independent checker; no entry of company B in it.
    let (_, full) = export(&gw, "full.jsonl");
    let key = full[0]["public_key"].as_str().unwrap().to_owned();
    let first = extract_when_ready(&mut admin_a, &w.company_a, 6).await;
    // Only entries concerning A; nothing B's people did (A's own attempt
    // to read B's extract names B's id, which A typed in, and stays).
    for line in first.lines() {
        let v: Value = serde_json::from_str(line).unwrap();
        if v["type"] == "entry" {
            assert_eq!(v["company"], w.company_a.as_str(), "{line}");
        }
        assert!(
            !line.contains(b_handler_id),
            "B's handler in A's extract: {line}"
        );
    }
    let first_path = write(&gw, "first.jsonl", &first);
    let (ok, said) = verify_extract(&first_path, &key, None);
    assert!(ok, "{said}");
    assert!(said.contains("verified:"), "{said}");
    if let Some(accepted) = python_accepts(&first) {
        assert!(accepted, "the independent checker rejects a good extract");
    }

    // Every kind of damage is caught, by both.
    let removed = with_entry(&first, 2, |_| false);
    let altered = with_entry(&first, 1, |v| {
        v["outcome"] = json!("denied");
        true
    });
    let foreign = with_entry(&first, 0, |v| {
        v["company"] = json!(w.company_b);
        true
    });
    let other_key = "04".to_owned() + &"11".repeat(64);
    for (name, text) in [
        ("removed", &removed),
        ("altered", &altered),
        ("foreign", &foreign),
    ] {
        let path = write(&gw, &format!("{name}.jsonl"), text);
        let (ok, said) = verify_extract(&path, &key, None);
        assert!(!ok, "{name}: accepted: {said}");
        assert!(said.contains("FAILED"), "{said}");
        if let Some(accepted) = python_accepts(text) {
            assert!(!accepted, "{name}: the independent checker accepts it");
        }
    }
    let (ok, _) = verify_extract(&first_path, &other_key, None);
    assert!(!ok, "verified under a key that did not sign it");

    // A proof for one of A's entries; none for B's. (Searched again: the
    // first search may have come before the sequencer numbered anything;
    // the extract above waited for a signed checkpoint.)
    let (s, found) = admin_a.get("/api/v1/audit/entries?limit=1000").await;
    assert_eq!(s, StatusCode::OK, "{found}");
    let seq_a = found["entries"]
        .as_array()
        .unwrap()
        .iter()
        .find_map(|e| e["seq"].as_u64())
        .unwrap();
    let (s, proof) = admin_a
        .get(&format!("/api/v1/audit/entries/{seq_a}/proof"))
        .await;
    assert_eq!(s, StatusCode::OK, "{proof}");
    assert_eq!(proof["entry"]["company"], w.company_a.as_str());
    let (_, all) = op
        .get(&format!("/api/v1/audit/entries?company={}", w.company_b))
        .await;
    let seq_b = all["entries"]
        .as_array()
        .unwrap()
        .iter()
        .find_map(|e| e["seq"].as_u64())
        .unwrap();
    let (s, _) = admin_a
        .get(&format!("/api/v1/audit/entries/{seq_b}/proof"))
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    // Later: more of A's entries, a newer head; the earlier extract is
    // still its start.
    let (s, _) = admin_a.get("/api/v1/audit/entries").await;
    assert_eq!(s, StatusCode::OK);
    let first_count = first
        .lines()
        .filter(|l| l.contains(r#""type":"entry""#))
        .count();
    let second = extract_when_ready(&mut admin_a, &w.company_a, first_count + 2).await;
    let second_path = write(&gw, "second.jsonl", &second);
    let (ok, said) = verify_extract(&second_path, &key, Some(&first_path));
    assert!(ok, "{said}");
    assert!(said.contains("unchanged"), "{said}");
    // An "earlier" extract that disagrees with the new one is caught (a
    // rewritten history re-signed by the operator would look like this).
    let (ok, said) = verify_extract(&first_path, &key, Some(&second_path));
    assert!(!ok, "a longer earlier extract passed: {said}");

    // The search as JSON Lines: each entry with its proof in the signed
    // checkpoint of the header, checked by the independent verifier.
    let (s, body) = admin_a
        .send(admin_a.request(Method::GET, "/api/v1/audit/export?limit=1000"))
        .await;
    assert_eq!(s, StatusCode::OK);
    let exported = String::from_utf8(body).unwrap();
    let lines: Vec<Value> = exported
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines[0]["format"], "dsg-audit-search-export/v1");
    assert_eq!(lines[0]["scope"], "company");
    assert!(lines[1..]
        .iter()
        .all(|l| l["company"] == w.company_a.as_str()));
    assert!(
        lines[1..]
            .iter()
            .filter(|l| l.get("proof").is_some())
            .count()
            > 5
    );
    if let Some(accepted) = python_accepts_as("search_export", &exported) {
        assert!(accepted, "the independent checker rejects the export");
        let proven = lines.iter().position(|l| l.get("proof").is_some()).unwrap();
        let forged: Vec<String> = lines
            .iter()
            .enumerate()
            .map(|(i, l)| {
                let mut l = l.clone();
                if i == proven {
                    l["outcome"] = json!("failure");
                }
                l.to_string()
            })
            .collect();
        assert_eq!(
            python_accepts_as("search_export", &forged.join("\n")),
            Some(false)
        );
    }

    // The whole export checks every company head against its entries.
    let (path, _) = export(&gw, "after.jsonl");
    let out = Command::new(binary())
        .args(["admin", "audit-verify", "--public-key", &key, "--file"])
        .arg(&path)
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(said.contains("company sub-log heads match"), "{said}");

    // The reads and extracts are themselves in the log.
    let log = gw.audit();
    assert!(log.iter().any(|e| e["action"] == "audit.extract"
        && e["outcome"] == "success"
        && e["company"] == w.company_a.as_str()));
    assert!(log
        .iter()
        .any(|e| e["action"] == "audit.read" && e["outcome"] == "denied"));
    assert!(log.iter().any(|e| e["action"] == "audit.company_head"
        && e["object_id"] == w.company_a.as_str()
        && e["company"].is_null()));
}

#[tokio::test]
async fn auditors_read_everything_change_nothing_and_duties_are_never_self_granted() {
    let gw = Gateway::start(Db::Sqlite).await.unwrap();
    let w = world(&gw).await;
    let mut op = gw.operator().await;
    let (_, me) = op.get("/api/v1/me").await;
    let operator_id = me["user"]["id"].as_str().unwrap().to_owned();
    let agency = me["user"]["company_id"].as_str().unwrap().to_owned();

    let (s, b) = op
        .json(
            Method::POST,
            "/api/v1/admin/users",
            json!({ "company_id": agency, "username": "kansa", "display_name": "監査 太郎", "role": "member" }),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    let auditor_id = b["id"].as_str().unwrap().to_owned();
    let password = "Pw-kansa-9Zq4-long-enough";
    gw.enrol("kansa", b["enrolment_path"].as_str().unwrap(), password)
        .await;
    let mut auditor = gw.login("kansa", password).await;

    // Without the duty an agency member reads nothing.
    let (s, _) = auditor.get("/api/v1/audit/entries").await;
    assert_eq!(s, StatusCode::FORBIDDEN);

    // Duties that do not fit the person are refused with a reason.
    let (s, b) = grant(&mut op, w.user_id("a.handler"), "auditor").await;
    assert_eq!(s, StatusCode::CONFLICT, "{b}");
    let (s, b) = grant(&mut op, &auditor_id, "security-admin").await;
    assert_eq!(s, StatusCode::CONFLICT, "{b}");
    let (s, b) = grant(&mut op, &auditor_id, "janitor").await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{b}");
    // Nobody grants themselves a duty: the policy refuses it.
    let (s, b) = grant(&mut op, &operator_id, "auditor").await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{b}");
    // A member cannot grant duties.
    let mut member = gw.login("a.member", w.password("a.member")).await;
    let (s, _) = grant(&mut member, w.user_id("a.member"), "security-admin").await;
    assert_eq!(s, StatusCode::FORBIDDEN);

    let (s, b) = grant(&mut op, &auditor_id, "auditor").await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    let (s, b) = grant(&mut op, &auditor_id, "auditor").await;
    assert_eq!(s, StatusCode::CONFLICT, "{b}");

    // The whole log, any company's part, the registers an audit needs.
    let (s, all) = auditor.get("/api/v1/audit/entries?limit=1000").await;
    assert_eq!(s, StatusCode::OK, "{all}");
    assert_eq!(all["scope"], "all");
    let companies: std::collections::HashSet<String> = all["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["company"].as_str().map(str::to_owned))
        .collect();
    assert!(companies.contains(&w.company_a) && companies.contains(&w.company_b));
    let (s, b_only) = auditor
        .get(&format!(
            "/api/v1/audit/entries?company={}&action=handler.",
            w.company_b
        ))
        .await;
    assert_eq!(s, StatusCode::OK);
    let b_entries = b_only["entries"].as_array().unwrap();
    assert!(!b_entries.is_empty());
    assert!(b_entries
        .iter()
        .all(|e| e["company"] == w.company_b.as_str()
            && e["action"].as_str().unwrap().starts_with("handler.")));
    // By contract: the contract, its compartment and its files.
    let (s, by_contract) = auditor
        .get(&format!("/api/v1/audit/entries?contract={}", w.contract_a))
        .await;
    assert_eq!(s, StatusCode::OK);
    let about = by_contract["entries"].as_array().unwrap();
    assert!(about.iter().any(|e| e["action"] == "handler.designate"));
    assert!(about
        .iter()
        .any(|e| e["action"] == "compartment.open" && e["object_id"] == w.compartment_a.as_str()));
    assert!(about.iter().all(|e| e["object_id"] == w.contract_a.as_str()
        || e["object_id"] == w.compartment_a.as_str()
        || e["object_type"] == "file"));
    for path in [
        "/api/v1/admin/policies".to_owned(),
        format!("/api/v1/admin/access/compartments/{}", w.compartment_a),
    ] {
        let (s, b) = auditor.get(&path).await;
        assert_eq!(s, StatusCode::OK, "{path}: {b}");
    }
    // The same registers in the UI, linked from the header.
    let (s, home) = auditor.send(auditor.request(Method::GET, "/audit")).await;
    assert_eq!(s, StatusCode::OK);
    let home = String::from_utf8(home).unwrap();
    assert!(home.contains(r#"id="access-link""#) && home.contains(r#"id="policies-link""#));
    let (s, page) = auditor
        .send(auditor.request(
            Method::GET,
            &format!("/admin/access?compartment={}", w.compartment_a),
        ))
        .await;
    assert_eq!(s, StatusCode::OK);
    assert!(String::from_utf8(page).unwrap().contains("a.handler"));
    let (s, _) = auditor
        .send(auditor.request(Method::GET, "/admin/policies"))
        .await;
    assert_eq!(s, StatusCode::OK);
    // ... and changes nothing.
    let (s, _) = auditor
        .json(
            Method::POST,
            "/api/v1/admin/companies",
            json!({ "name": "監査が作る会社" }),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _) = auditor
        .call(
            Method::PUT,
            &format!(
                "/api/v1/admin/contracts/{}/handlers/{auditor_id}",
                w.contract_a
            ),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    // Bad searches get a clear error.
    for bad in ["outcome=maybe", "limit=0", "limit=5000"] {
        let (s, b) = auditor.get(&format!("/api/v1/audit/entries?{bad}")).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{bad}: {b}");
    }
    // Two fields that are each valid but not together: refused, saying why.
    let (s, b) = auditor.get("/api/v1/audit/entries?from=10&until=5").await;
    assert_eq!(
        (s, b["error"]["code"].as_str()),
        (StatusCode::CONFLICT, Some("refused")),
        "{b}"
    );

    // Withdrawn: the next request is refused.
    let (s, _) = op
        .call(
            Method::DELETE,
            &format!("/api/v1/admin/users/{auditor_id}/duties/auditor"),
        )
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (s, _) = auditor.get("/api/v1/audit/entries").await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _) = op
        .call(
            Method::DELETE,
            &format!("/api/v1/admin/users/{auditor_id}/duties/auditor"),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    let log = gw.audit();
    let self_grant = log
        .iter()
        .find(|e| {
            e["action"] == "duty.grant"
                && e["outcome"] == "denied"
                && e["object_id"] == operator_id.as_str()
        })
        .expect("the self-grant is recorded");
    assert!(self_grant["reason"]
        .as_str()
        .unwrap()
        .contains("no-self-assigned-duties"));
    assert!(log
        .iter()
        .any(|e| e["action"] == "duty.revoke" && e["outcome"] == "success"));
}
