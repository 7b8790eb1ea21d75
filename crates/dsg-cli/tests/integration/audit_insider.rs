//! An insider with write access to the database, not to the gateway's
//! configuration or publication directory: a gateway whose stored log
//! contradicts a checkpoint it signed before refuses to start (so it never
//! signs over the altered history), naming what is wrong.

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use dsg_proto::files::NewCompany;
use serde_json::Value;
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::ConnectOptions;
use tokio::io::{AsyncBufReadExt, BufReader};

use crate::audit_log::act_and_wait_for_checkpoint;
use crate::audit_log::export;
use crate::harness::{binary, world, Db, Gateway};

pub(crate) fn publishing(dir: &Path) -> Vec<(&'static str, String)> {
    vec![(
        "DSG_AUDIT__PUBLISH__CHECKPOINT_DIR",
        dir.to_str().unwrap().to_owned(),
    )]
}

pub(crate) fn as_env<'a>(pairs: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    pairs.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

/// The largest tree size published in `dir`.
pub(crate) fn newest_published(dir: &Path) -> u64 {
    std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| {
            let text = std::fs::read_to_string(e.unwrap().path()).ok()?;
            let v: Value = serde_json::from_str(&text).ok()?;
            v["signed"]["checkpoint"]["tree_size"].as_u64()
        })
        .max()
        .unwrap_or(0)
}

pub(crate) async fn db(gw: &Gateway) -> sqlx::SqliteConnection {
    SqliteConnectOptions::new()
        .filename(gw.data_dir().join("dsg.db"))
        .foreign_keys(false)
        .connect()
        .await
        .unwrap()
}

/// Runs `dsg serve` on the gateway's directories: `Ok(())` when it comes
/// up (then it is killed), `Err(its output)` when it exits first.
pub(crate) async fn serve(gw: &Gateway, env: &[(&'static str, String)]) -> Result<(), String> {
    let mut cmd = tokio::process::Command::new(binary());
    cmd.args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(gw.data_dir())
        .arg("--key-dir")
        .arg(gw.dir.path().join("keys"))
        .env("DSG_LOG", "error")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap()).lines();
    let up = tokio::time::timeout(Duration::from_secs(60), async {
        while let Some(line) = out.next_line().await.unwrap() {
            if line.starts_with("dsg listening on ") {
                return true;
            }
        }
        false
    })
    .await
    .expect("the gateway neither started nor exited");
    if up {
        let _ = child.start_kill();
        let _ = child.wait().await;
        return Ok(());
    }
    let output = child.wait_with_output().await.unwrap();
    assert!(!output.status.success());
    Err(String::from_utf8_lossy(&output.stderr).into_owned())
}

#[tokio::test]
async fn a_gateway_refuses_to_sign_over_a_log_that_contradicts_its_checkpoints() {
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
    let published = newest_published(drop_dir.path());
    assert!(published >= entries as u64, "{published} < {entries}");
    let mut conn = db(&gw).await;

    // An entry's content rewritten: named exactly, not as a range.
    let edited = entries / 2;
    let original: String = sqlx::query_scalar(
        "SELECT e.reason FROM audit_events e JOIN audit_leaves l ON l.event_id = e.id \
         WHERE l.seq = ?",
    )
    .bind(edited)
    .fetch_one(&mut conn)
    .await
    .unwrap();
    let rewrite = |reason: String| {
        sqlx::query(
            "UPDATE audit_events SET reason = ? \
             WHERE id = (SELECT event_id FROM audit_leaves WHERE seq = ?)",
        )
        .bind(reason)
        .bind(edited)
    };
    rewrite("nothing to see".into())
        .execute(&mut conn)
        .await
        .unwrap();
    let said = serve(&gw, &env)
        .await
        .expect_err("started on a rewritten log");
    assert!(
        said.contains(&format!(
            "entry seq {edited} no longer matches its leaf hash"
        )) && said.contains("refusing to sign"),
        "{said}"
    );
    // The refusal is recorded and alerted, though nothing else runs.
    let alerts: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM alerts a JOIN alert_entries x ON x.alert_id = a.id \
         JOIN audit_events e ON e.id = x.event_id \
         WHERE a.rule = 'log_consistency' AND a.severity = 'high' \
         AND e.action = 'audit.consistency_failure' AND e.reason LIKE ?",
    )
    .bind(format!("%entry seq {edited} %"))
    .fetch_one(&mut conn)
    .await
    .unwrap();
    assert_eq!(alerts, 1, "no log_consistency alert for the refusal");
    rewrite(original).execute(&mut conn).await.unwrap();

    // The newest entries and every checkpoint covering them removed, as
    // after a crash: the database is consistent on its own, only the
    // published checkpoints tell.
    let cut = entries - 3;
    for sql in [
        "DELETE FROM audit_events WHERE id IN (SELECT event_id FROM audit_leaves WHERE seq >= ?)",
        "DELETE FROM audit_leaves WHERE seq >= ?",
        "DELETE FROM audit_checkpoints WHERE tree_size > ?",
    ] {
        sqlx::query(sql).bind(cut).execute(&mut conn).await.unwrap();
    }
    let said = serve(&gw, &env).await.expect_err("started on a cut log");
    assert!(
        said.contains(&format!("entries from seq {cut} on were removed"))
            && said.contains(drop_dir.path().to_str().unwrap()),
        "{said}"
    );
    // Nothing new was published over the shortened log.
    assert_eq!(newest_published(drop_dir.path()), published);
    gw.stop().await;
}

#[tokio::test]
async fn a_running_gateway_stops_signing_when_its_log_is_altered_under_it() {
    let drop_dir = tempfile::tempdir().unwrap();
    let mut env = publishing(drop_dir.path());
    env.push(("DSG_AUDIT__CHECKPOINT_SECONDS", "1".to_owned()));
    env.push(("DSG_AUDIT__CONSISTENCY_CHECK_SECONDS", "1".to_owned()));
    let gw = Gateway::start_with(Db::Sqlite, &as_env(&env))
        .await
        .unwrap();
    let entries = act_and_wait_for_checkpoint(&gw).await as i64;
    let mut op = gw.operator().await;
    let mut conn = db(&gw).await;
    let edited = entries / 2;
    let original: String = sqlx::query_scalar(
        "SELECT e.reason FROM audit_events e JOIN audit_leaves l ON l.event_id = e.id \
         WHERE l.seq = ?",
    )
    .bind(edited)
    .fetch_one(&mut conn)
    .await
    .unwrap();
    let rewrite = |reason: String| {
        sqlx::query(
            "UPDATE audit_events SET reason = ? \
             WHERE id = (SELECT event_id FROM audit_leaves WHERE seq = ?)",
        )
        .bind(reason)
        .bind(edited)
    };
    rewrite("nothing to see".into())
        .execute(&mut conn)
        .await
        .unwrap();

    // Found while running: alerted, and nothing more is signed.
    let mut alerted = false;
    for _ in 0..120 {
        alerted = op
            .alerts(Some("all"))
            .await
            .is_ok_and(|b| b.alerts.iter().any(|a| a.rule == "log_consistency"));
        if alerted {
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    assert!(alerted, "no log_consistency alert");
    let frozen = newest_published(drop_dir.path());
    for _ in 0..3 {
        let _ = op.admin_overview().await;
        tokio::time::sleep(Duration::from_millis(1200)).await;
    }
    assert_eq!(
        newest_published(drop_dir.path()),
        frozen,
        "signed over an altered log"
    );

    // Restored: the next check passes and signing resumes.
    rewrite(original).execute(&mut conn).await.unwrap();
    let mut resumed = false;
    for _ in 0..120 {
        let _ = op.admin_overview().await;
        resumed = newest_published(drop_dir.path()) > frozen;
        if resumed {
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    assert!(resumed, "signing did not resume after the repair");
    gw.stop().await;
}

/// `(entries, leaves)` in the database.
async fn counts(conn: &mut sqlx::SqliteConnection) -> (i64, i64) {
    sqlx::query_as(
        "SELECT (SELECT COUNT(*) FROM audit_events), (SELECT COUNT(*) FROM audit_leaves)",
    )
    .fetch_one(conn)
    .await
    .unwrap()
}

/// The default checkpoint interval signs (and publishes) a checkpoint after
/// every sequenced batch, so a kill leaves no signed-but-unpublished or
/// sequenced-but-unsigned tail: cutting the newest entries, with every
/// checkpoint over them, after a SIGKILL is caught by what was published.
/// (With a checkpoint every minute, the entries after the first one stayed
/// unsigned, and such a cut passed every check.)
#[tokio::test]
async fn after_a_kill_no_sequenced_entry_is_unsigned_and_a_cut_tail_shows() {
    let drop_dir = tempfile::tempdir().unwrap();
    let env = publishing(drop_dir.path());
    let mut gw = Gateway::start_with(Db::Sqlite, &as_env(&env))
        .await
        .unwrap();
    let _ = world(&gw).await;
    let mut op = gw.operator().await;
    let mut conn = db(&gw).await;
    // Each round's entries come in a later sequencer step than the last.
    for round in 0..3 {
        op.create_company(&NewCompany {
            name: format!("after checkpoint {round}"),
        })
        .await
        .unwrap();
        let mut signed = false;
        for _ in 0..50 {
            let (entries, leaves) = counts(&mut conn).await;
            if entries == leaves && newest_published(drop_dir.path()) == leaves as u64 {
                signed = true;
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert!(
            signed,
            "round {round}: sequenced entries are not all in a published checkpoint \
             within a few sequencer steps"
        );
    }

    let pid = gw.process_id().unwrap().to_string();
    let killed = std::process::Command::new("kill")
        .args(["-KILL", &pid])
        .status()
        .unwrap();
    assert!(killed.success());
    let _ = gw.wait_for_exit(Duration::from_secs(30)).await;
    let (_, leaves) = counts(&mut conn).await;
    assert_eq!(
        newest_published(drop_dir.path()),
        leaves as u64,
        "every sequenced entry is covered by a published checkpoint"
    );

    // The newest entries cut, with every checkpoint covering them: the
    // database alone is a valid shorter log, the publication is not fooled.
    let cut = leaves - 2;
    for sql in [
        "DELETE FROM audit_events WHERE id IN (SELECT event_id FROM audit_leaves WHERE seq >= ?)",
        "DELETE FROM audit_leaves WHERE seq >= ?",
        "DELETE FROM audit_checkpoints WHERE tree_size > ?",
    ] {
        sqlx::query(sql).bind(cut).execute(&mut conn).await.unwrap();
    }
    let (path, _) = export(&gw, "cut.jsonl");
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
    let (ok, text) = verify(&[]);
    assert!(ok, "the cut log is consistent on its own: {text}");
    let (ok, text) = verify(&["--checkpoint", drop_dir.path().to_str().unwrap()]);
    assert!(!ok, "the cut tail passed the published checkpoints: {text}");
    assert!(
        text.contains("verification FAILED") && text.contains(&format!("seq {cut}")),
        "{text}"
    );
    let said = serve(&gw, &env).await.expect_err("started on a cut log");
    assert!(
        said.contains(&format!("entries from seq {cut} on were removed")),
        "{said}"
    );
    gw.stop().await;
}
