//! Retention: entries older than `audit.retention_days` lose their content
//! but not their leaves, so the whole log and a company's extract still
//! verify; nothing younger is touched; each expiry is itself an entry; a
//! configuration asking for less than a year is refused. The clock is the
//! test's, the application assembled as `serve` does it, on SQLite.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail loudly on purpose"
)]

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

use dsg_app::Config;
use dsg_audit::{verify_export, verify_extract};
use dsg_core::{
    AuditAction, AuditObject, AuditRecord, Clock, Company, CompanyId, CompanyKind, Outcome,
};
use dsg_testkit::TestClock;
use dsg_workers::{Gateway, KeyChecks};
use serde_json::Value;

/// 2026-11-23T00:00:00Z.
const START_MS: i64 = 1_795_392_000_000;
const DAY_MS: i64 = 86_400_000;

async fn gateway(dir: &tempfile::TempDir, retention_days: &str) -> (Gateway, Arc<TestClock>) {
    let env = [
        ("DSG_STORAGE__DATA_DIR", dir.path().join("data")),
        ("DSG_STORAGE__KEY_DIR", dir.path().join("keys")),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.display().to_string()))
    .chain([
        (
            "DSG_AUDIT__RETENTION_DAYS".to_owned(),
            retention_days.to_owned(),
        ),
        (
            "DSG_SERVER__DANGER_PLAIN_HTTP".to_owned(),
            "true".to_owned(),
        ),
    ]);
    let config = Config::load(None, env).unwrap();
    let clock = Arc::new(TestClock(AtomicI64::new(START_MS)));
    let gateway = Gateway::open(config, KeyChecks::Strict, clock.clone())
        .await
        .unwrap();
    (gateway, clock)
}

/// An entry concerning `company` (the store attributes it by the object).
fn about(company: CompanyId, i: usize) -> AuditRecord {
    AuditRecord {
        request_id: format!("req-{i}"),
        actor: None,
        source: Some("192.0.2.7".into()),
        terminal: None,
        action: AuditAction::AdminView,
        object: AuditObject::Company(Some(company)),
        outcome: Outcome::Success,
        reason: format!("personal detail {i}"),
        decision: None,
    }
}

/// The independent checker (Python, hashlib only) on an extract, when
/// python3 is there: whether it accepts.
fn python_accepts(extract: &str) -> Option<bool> {
    use std::io::Write;
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../dsg-cli/tests/integration/verify_proofs.py"
    );
    let lines: Vec<Value> = extract
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let Ok(mut child) = std::process::Command::new("python3")
        .arg(script)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
    else {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "python3 missing"
        );
        return None;
    };
    let doc = serde_json::json!({ "extract": lines }).to_string();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(doc.as_bytes())
        .unwrap();
    Some(child.wait().unwrap().success())
}

fn lines(text: &[String]) -> Vec<Value> {
    text.iter()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[tokio::test]
async fn expired_content_goes_its_leaves_stay_and_everything_still_verifies() {
    let dir = tempfile::tempdir().unwrap();
    let (gateway, clock) = gateway(&dir, "400").await;
    let app = &gateway.app;
    let store = &gateway.store_for_tests();
    let company = Company {
        id: CompanyId::random(),
        name: "株式会社保存".into(),
        kind: CompanyKind::Contractor,
        created_at: START_MS,
    };
    store
        .create_company(&company, START_MS, &about(company.id, 0))
        .await
        .unwrap();
    let mut sequencer = dsg_workers::sequencer::prepare(&gateway.context)
        .await
        .unwrap();
    for i in 1..=5 {
        store
            .record(clock.now_ms(), &about(company.id, i))
            .await
            .unwrap();
    }
    sequencer.sequence().await.unwrap();
    assert!(sequencer.checkpoint(true).await.unwrap());
    let first_extract = app
        .audit_company_extract(company.id)
        .await
        .unwrap()
        .join("\n");

    // 300 days on: nothing is due yet.
    clock.0.fetch_add(300 * DAY_MS, Ordering::SeqCst);
    assert_eq!(app.expire_audit().await.unwrap(), 0);
    for i in 6..=8 {
        store
            .record(clock.now_ms(), &about(company.id, i))
            .await
            .unwrap();
    }
    sequencer.sequence().await.unwrap();
    assert!(sequencer.checkpoint(true).await.unwrap());

    // 401 days after the start: the first six entries of the company (and
    // the company's creation) are past 400 days, the last three are not.
    clock.0.fetch_add(101 * DAY_MS, Ordering::SeqCst);
    let expired = app.expire_audit().await.unwrap();
    // The six old company entries, and the agency's own old entries.
    assert!(expired >= 6, "{expired}");
    assert_eq!(app.expire_audit().await.unwrap(), 0, "nothing twice");
    sequencer.sequence().await.unwrap();
    assert!(sequencer.checkpoint(true).await.unwrap());

    let export = app.audit_export().await.unwrap();
    let parsed = lines(&export);
    let gone: Vec<&Value> = parsed.iter().filter(|l| l["type"] == "expired").collect();
    assert_eq!(gone.len() as u64, expired);
    let gone: Vec<&Value> = gone
        .into_iter()
        .filter(|l| l["company"] == company.id.to_string())
        .collect();
    assert_eq!(gone.len(), 6);
    let text = export.join("\n");
    for i in 0..=5 {
        assert!(
            !text.contains(&format!("personal detail {i}\"")),
            "content {i} stayed"
        );
    }
    for i in 6..=8 {
        assert!(
            text.contains(&format!("personal detail {i}")),
            "entry {i} expired early"
        );
    }
    assert!(gone.iter().all(|l| l["company"] == company.id.to_string()
        && l["leaf_hash"].as_str().unwrap().len() == 64
        && l.get("reason").is_none()));
    // The company heads are kept, and the log still verifies end to end.
    let report = verify_export(&text, None, None).unwrap();
    assert_eq!(
        report.entries as usize,
        parsed.iter().filter(|l| l["seq"].is_u64()).count()
    );
    assert!(report.company_heads >= 2);
    // The expiry is itself recorded, with what it did.
    let record = parsed
        .iter()
        .find(|l| l["action"] == "audit.expire")
        .expect("the expiry is an entry");
    let reason = record["reason"].as_str().unwrap();
    assert!(reason.contains(&format!("entries={expired}")), "{record}");
    assert!(
        reason.contains("from_seq=") && reason.contains("retention_days=400"),
        "{record}"
    );
    // Every checkpoint signs the retention period in force.
    assert!(parsed
        .iter()
        .filter(|l| l["type"] == "checkpoint")
        .all(|l| l["signed"]["checkpoint"]["retention_days"] == 400));
    // The gateway's own consistency check (run before it signs after a
    // start) accepts the legitimate expiry.
    dsg_workers::sequencer::prepare(&gateway.context)
        .await
        .unwrap();

    // The company's new extract still verifies, and the extract taken
    // before expiry is still its start.
    let extract = app
        .audit_company_extract(company.id)
        .await
        .unwrap()
        .join("\n");
    assert!(extract.contains(r#""type":"expired""#));
    let report = verify_extract(&extract, None, Some(&first_extract)).unwrap();
    assert_eq!(report.entries, 9);
    assert_eq!(report.earlier_entries, Some(6));
    // A forged expired line (another leaf hash) is caught.
    let forged: Vec<String> = extract
        .lines()
        .map(|line| {
            let mut v: Value = serde_json::from_str(line).unwrap();
            if v["type"] == "expired" && v["seq"] == gone[2]["seq"] {
                v["leaf_hash"] = Value::from("ab".repeat(32));
            }
            v.to_string()
        })
        .collect();
    let forged = forged.join("\n");
    let e = verify_extract(&forged, None, None).unwrap_err();
    assert!(e.contains("root"), "{e}");
    if let Some(accepted) = python_accepts(&extract) {
        assert!(
            accepted,
            "the independent checker rejects an extract with expired entries"
        );
        assert_eq!(python_accepts(&forged), Some(false));
    }
}

#[tokio::test]
async fn less_than_a_year_of_retention_is_refused() {
    let env = [("DSG_AUDIT__RETENTION_DAYS".to_owned(), "30".to_owned())];
    let e = Config::load(None, env).unwrap_err();
    assert!(e.to_string().contains("retention_days"), "{e}");
}
