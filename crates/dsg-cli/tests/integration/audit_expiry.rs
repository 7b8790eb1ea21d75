//! Premature expiry by an insider with write access to the database: an
//! entry minutes old marked expired and its row blanked, as the retention
//! worker does a year or more later. No `audit.expire` entry names it and
//! no signed checkpoint is old enough, so the offline verifier (with and
//! without the published checkpoints) and the gateway's start both refuse
//! the log, naming the entry. Legitimate expiry, on a controlled clock,
//! still verifies (`dsg-web/tests/audit_retention.rs`).

use std::time::Duration;

use crate::audit_insider::{as_env, db, newest_published, publishing, serve};
use crate::audit_log::{act_and_wait_for_checkpoint, export};
use crate::harness::{binary, Db, Gateway};

#[tokio::test]
async fn content_expired_before_its_retention_ended_is_refused() {
    let drop_dir = tempfile::tempdir().unwrap();
    let mut env = publishing(drop_dir.path());
    env.push(("DSG_AUDIT__CHECKPOINT_SECONDS", "1".to_owned()));
    let mut gw = Gateway::start_with(Db::Sqlite, &as_env(&env))
        .await
        .unwrap();
    let entries = act_and_wait_for_checkpoint(&gw).await as i64;
    for _ in 0..40 {
        if newest_published(drop_dir.path()) >= entries as u64 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    assert!(gw.terminate().await.success());
    let mut conn = db(&gw).await;

    // A fresh entry of the middle of the log, expired the way the
    // retention worker does it: the leaf marked, the row blanked.
    let victim: i64 = sqlx::query_scalar(
        "SELECT l.seq FROM audit_leaves l JOIN audit_events e ON e.id = l.event_id \
         WHERE l.seq >= ? AND e.action <> 'audit.company_head' ORDER BY l.seq LIMIT 1",
    )
    .bind(entries / 2)
    .fetch_one(&mut conn)
    .await
    .unwrap();
    let now_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    for (sql, value) in [
        (
            "UPDATE audit_leaves SET expired_at = ? WHERE seq = ?",
            Some(now_ms),
        ),
        (
            "UPDATE audit_events SET request_id = '', actor_user_id = NULL, \
             source_addr = NULL, action = 'expired', object_type = 'expired', \
             object_id = NULL, reason = '', terminal_id = NULL, decision_digest = NULL \
             WHERE id = (SELECT event_id FROM audit_leaves WHERE seq = ?)",
            None,
        ),
    ] {
        let query = sqlx::query(sql);
        let query = match value {
            Some(v) => query.bind(v),
            None => query,
        };
        let done = query.bind(victim).execute(&mut conn).await.unwrap();
        assert_eq!(done.rows_affected(), 1, "{sql}");
    }

    let (path, lines) = export(&gw, "premature.jsonl");
    assert!(lines
        .iter()
        .any(|l| l["type"] == "expired" && l["seq"].as_i64() == Some(victim)));
    let verify = |extra: &[&str]| {
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
    };
    let named = format!("entry seq {victim}:");
    let (ok, text) = verify(&[]);
    assert!(!ok, "a prematurely expired entry passed: {text}");
    assert!(
        text.contains("verification FAILED") && text.contains(&named),
        "{text}"
    );
    let (ok, text) = verify(&["--checkpoint", drop_dir.path().to_str().unwrap()]);
    assert!(
        !ok && text.contains(&named),
        "a prematurely expired entry passed the published checkpoints: {text}"
    );
    let said = serve(&gw, &env)
        .await
        .expect_err("started on a log with content expired early");
    assert!(
        said.contains(&named) && said.contains("refusing to sign"),
        "{said}"
    );
    gw.stop().await;
}
