//! Group commit of standalone audit entries (`Store::record`): every caller
//! answered `Ok` has its entry, a caller whose entry could not be written
//! gets an error, and one bad record does not fail its batch-mates.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail loudly on purpose"
)]

use std::collections::HashSet;

use dsg_core::{AuditAction, AuditObject, AuditRecord, CompartmentId, Outcome};
use dsg_store::Store;

fn record(request_id: String, reason: &str) -> AuditRecord {
    AuditRecord {
        request_id,
        actor: None,
        source: Some("127.0.0.1".into()),
        terminal: None,
        action: AuditAction::FileList,
        object: AuditObject::Compartment(CompartmentId::random()),
        outcome: Outcome::Success,
        reason: reason.into(),
        decision: None,
    }
}

async fn store(dir: &tempfile::TempDir) -> (Store, String) {
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("t.db").display());
    (Store::connect(&url).await.unwrap(), url)
}

/// Runs a statement on the store's database from a separate connection.
async fn sql(url: &str, statement: &'static str) {
    let pool = sqlx::SqlitePool::connect(url).await.unwrap();
    sqlx::query(statement).execute(&pool).await.unwrap();
    pool.close().await;
}

/// `n` concurrent callers; caller `i` is poisoned when `poison(i)`.
/// Returns each request id with its outcome.
async fn concurrent(store: &Store, n: usize, poison: fn(usize) -> bool) -> Vec<(String, bool)> {
    let tasks: Vec<_> = (0..n)
        .map(|i| {
            let store = store.clone();
            tokio::spawn(async move {
                let id = format!("req-{i}");
                let reason = if poison(i) { "poison" } else { "ok" };
                let ok = store
                    .record(1_000 + i as i64, &record(id.clone(), reason))
                    .await;
                (id, ok.is_ok())
            })
        })
        .collect();
    let mut out = Vec::new();
    for t in tasks {
        out.push(t.await.unwrap());
    }
    out
}

async fn stored_ids(store: &Store) -> HashSet<String> {
    store
        .recent_audit(100_000)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.request_id)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_callers_are_all_stored() {
    let dir = tempfile::tempdir().unwrap();
    let (store, _) = store(&dir).await;
    let outcomes = concurrent(&store, 2_500, |_| false).await;
    assert!(outcomes.iter().all(|(_, ok)| *ok));
    let stored = stored_ids(&store).await;
    assert_eq!(stored.len(), 2_500);
    assert!(outcomes.iter().all(|(id, _)| stored.contains(id)));
    store.close().await;
}

#[tokio::test]
async fn sequential_records_keep_their_order() {
    let dir = tempfile::tempdir().unwrap();
    let (store, _) = store(&dir).await;
    for i in 0..20 {
        store
            .record(5_000, &record(format!("req-{i:02}"), "ok"))
            .await
            .unwrap();
    }
    // Same time, so the order is the ids' (UUIDv7, made at write time).
    let mut events = store.recent_audit(100).await.unwrap();
    events.reverse();
    let order: Vec<&str> = events.iter().map(|e| e.request_id.as_str()).collect();
    let expected: Vec<String> = (0..20).map(|i| format!("req-{i:02}")).collect();
    assert_eq!(order, expected);
    store.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_bad_record_fails_alone() {
    let dir = tempfile::tempdir().unwrap();
    let (store, url) = store(&dir).await;
    sql(
        &url,
        "CREATE TRIGGER poison BEFORE INSERT ON audit_events WHEN NEW.reason = 'poison' \
         BEGIN SELECT RAISE(ABORT, 'refused'); END",
    )
    .await;
    let outcomes = concurrent(&store, 600, |i| i % 7 == 3).await;
    let stored = stored_ids(&store).await;
    for (i, (id, ok)) in outcomes.iter().enumerate() {
        let poisoned = i % 7 == 3;
        assert_eq!(*ok, !poisoned, "{id}");
        assert_eq!(stored.contains(id), !poisoned, "{id}");
    }
    store.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_broken_log_fails_every_caller() {
    let dir = tempfile::tempdir().unwrap();
    let (store, url) = store(&dir).await;
    sql(
        &url,
        "CREATE TRIGGER broken BEFORE INSERT ON audit_events \
         BEGIN SELECT RAISE(ABORT, 'log unavailable'); END",
    )
    .await;
    let outcomes = concurrent(&store, 300, |_| false).await;
    assert!(outcomes.iter().all(|(_, ok)| !*ok));
    assert!(stored_ids(&store).await.is_empty());

    // Repaired, the same store writes again.
    sql(&url, "DROP TRIGGER broken").await;
    store
        .record(1, &record("after".into(), "ok"))
        .await
        .unwrap();
    assert_eq!(stored_ids(&store).await.len(), 1);
    store.close().await;
}

#[tokio::test]
async fn a_closed_store_refuses_records() {
    let dir = tempfile::tempdir().unwrap();
    let (store, _) = store(&dir).await;
    store.close().await;
    assert!(store.record(1, &record("late".into(), "ok")).await.is_err());
}
