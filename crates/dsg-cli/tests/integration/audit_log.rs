//! The tamper-evident log end to end: the running gateway sequences its
//! audit entries and signs checkpoints; `dsg admin audit-export` and
//! `audit-verify` prove them, and detect an altered or removed entry.

use std::path::PathBuf;
use std::time::Duration;

use aws_lc_rs::signature::{EcdsaKeyPair, KeyPair, ECDSA_P256_SHA256_ASN1_SIGNING};
use serde_json::Value;

use crate::harness::{binary, world, Db, Gateway};

/// A checkpoint after every sequenced batch (the default, stated so the
/// tests relying on it say so).
pub(crate) const FAST_CHECKPOINTS: &[(&str, &str)] = &[("DSG_AUDIT__CHECKPOINT_SECONDS", "0")];

pub(crate) fn export(gw: &Gateway, name: &str) -> (PathBuf, Vec<Value>) {
    let path = gw.dir.path().join(name);
    let out = gw.admin(&["audit-export", "--out", path.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = std::fs::read_to_string(&path).unwrap();
    let lines = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    (path, lines)
}

/// Runs `dsg admin audit-verify` offline: no directories, no database.
fn verify(path: &std::path::Path, key: Option<&str>) -> (bool, String) {
    let mut cmd = std::process::Command::new(binary());
    cmd.args(["admin", "audit-verify", "--file"]).arg(path);
    if let Some(key) = key {
        cmd.args(["--public-key", key]);
    }
    let out = cmd.output().unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

/// Does some work, then waits until a checkpoint covers every audit entry.
/// Returns the number of entries.
pub(crate) async fn act_and_wait_for_checkpoint(gw: &Gateway) -> usize {
    let _ = world(gw).await;
    // The tail itself is recorded (after it read): one more entry.
    let expected = gw.audit().len() + 1;
    assert!(expected > 5, "the world writes audit entries");
    for _ in 0..120 {
        let (_, lines) = export(gw, "poll.jsonl");
        let entries = lines.iter().filter(|l| l["type"] == "entry").count();
        let covered = lines
            .iter()
            .filter(|l| l["type"] == "checkpoint")
            .map(|l| l["signed"]["checkpoint"]["tree_size"].as_u64().unwrap())
            .max()
            .unwrap_or(0);
        if entries >= expected && covered as usize == entries {
            return entries;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    panic!("no checkpoint covered the log in time");
}

async fn sqlite(gw: &Gateway) -> sqlx::SqlitePool {
    let url = format!("sqlite://{}", gw.data_dir().join("dsg.db").display());
    sqlx::SqlitePool::connect(&url).await.unwrap()
}

async fn happy_path(db: Db) -> Option<Gateway> {
    let gw = Gateway::start_with(db, FAST_CHECKPOINTS).await?;
    let entries = act_and_wait_for_checkpoint(&gw).await;
    let (path, lines) = export(&gw, "log.jsonl");
    assert_eq!(lines[0]["type"], "header");
    assert_eq!(lines[0]["format"], "dsg-audit-export/v1");
    let key = lines[0]["public_key"].as_str().unwrap().to_owned();
    // Leaf order is contiguous and every entry carries its salt.
    for (i, l) in lines.iter().filter(|l| l["type"] == "entry").enumerate() {
        assert_eq!(l["seq"].as_u64().unwrap(), i as u64);
        assert_eq!(l["salt"].as_str().unwrap().len(), 64);
    }

    let (ok, text) = verify(&path, None);
    assert!(ok, "{text}");
    assert!(
        text.contains(&format!("verified: {entries} entries")),
        "{text}"
    );
    assert!(text.contains("self-consistent only"), "{text}");

    // With the published key the caveat goes away.
    let (ok, text) = verify(&path, Some(&key));
    assert!(ok, "{text}");
    assert!(!text.contains("self-consistent only"), "{text}");

    // A key that is not the log's fails.
    let other = EcdsaKeyPair::generate(&ECDSA_P256_SHA256_ASN1_SIGNING).unwrap();
    let other = hex_encode(other.public_key().as_ref());
    let (ok, text) = verify(&path, Some(&other));
    assert!(!ok, "{text}");
    assert!(text.contains("checkpoint 0"), "{text}");
    Some(gw)
}

fn hex_encode(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[tokio::test]
async fn a_changed_entry_is_detected() {
    let gw = happy_path(Db::Sqlite).await.unwrap();
    let pool = sqlite(&gw).await;
    let id: String = sqlx::query_scalar("SELECT event_id FROM audit_leaves WHERE seq = 1")
        .fetch_one(&pool)
        .await
        .unwrap();
    sqlx::query("UPDATE audit_events SET reason = 'nothing to see' WHERE id = ?")
        .bind(&id)
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;

    let (path, _) = export(&gw, "tampered.jsonl");
    let (ok, text) = verify(&path, None);
    assert!(!ok, "{text}");
    assert!(text.contains("verification FAILED"), "{text}");
    assert!(text.contains("root does not match"), "{text}");
    gw.stop().await;
}

#[tokio::test]
async fn a_removed_leaf_is_detected() {
    let gw = Gateway::start_with(Db::Sqlite, FAST_CHECKPOINTS)
        .await
        .unwrap();
    act_and_wait_for_checkpoint(&gw).await;
    let pool = sqlite(&gw).await;
    sqlx::query("DELETE FROM audit_leaves WHERE seq = 2")
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;

    let (path, _) = export(&gw, "removed.jsonl");
    let (ok, text) = verify(&path, None);
    assert!(!ok, "{text}");
    assert!(text.contains("expected seq 2"), "{text}");
    gw.stop().await;
}

#[tokio::test]
async fn the_log_verifies_on_postgres() {
    if let Some(gw) = happy_path(Db::Postgres).await {
        gw.stop().await;
    }
}

#[tokio::test]
async fn shutdown_signs_a_final_checkpoint() {
    // By default every sequenced batch is signed, which would cover the
    // log before the shutdown does; an hour's interval writes the first
    // checkpoint at once and then none during this test, so only the
    // shutdown covers the rest.
    let mut gw = Gateway::start_with(Db::Sqlite, &[("DSG_AUDIT__CHECKPOINT_SECONDS", "3600")])
        .await
        .unwrap();
    let _ = world(&gw).await;
    let status = gw.terminate().await;
    assert!(status.success(), "{status:?}");
    let entries = gw.audit().len();
    let (path, lines) = export(&gw, "final.jsonl");
    let sizes: Vec<u64> = lines
        .iter()
        .filter(|l| l["type"] == "checkpoint")
        .map(|l| l["signed"]["checkpoint"]["tree_size"].as_u64().unwrap())
        .collect();
    assert_eq!(sizes.last().copied(), Some(entries as u64), "{sizes:?}");
    let (ok, text) = verify(&path, None);
    assert!(ok, "{text}");
    assert!(
        text.contains(&format!("verified: {entries} entries")),
        "{text}"
    );
    assert!(!text.contains("not yet covered"), "{text}");
}
