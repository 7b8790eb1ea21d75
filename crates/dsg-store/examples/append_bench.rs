//! Durable audit appends per second under concurrent writers
//! (`bench/audit-append.sh`).
//!
//! Two runs of `W` writer tasks for `S` seconds each, every writer appending
//! one gateway-shaped audit entry at a time and waiting until it is
//! durable before the next, each run on a fresh SQLite file in `DIR` (WAL,
//! `synchronous = FULL`: every commit fsyncs the WAL):
//!
//! - baseline: one transaction per append (`BEGIN IMMEDIATE`, the same
//!   `INSERT` the store runs, `COMMIT`), on a pool opened exactly as
//!   `Store::connect` opens it (8 connections, same pragmas). This is what
//!   `Store::record` did before group commit.
//! - group commit: `Store::record`, which batches what the writers have
//!   queued into one transaction per commit.
//!
//! Prints appends/s, per-append latency (p50, p99) and the ratio. Every
//! answered append is then counted in the table, so a run that lost
//! appends fails instead of reporting them.
//!
//! Usage: `append_bench [writers] [seconds] [dir]` (64, 5, the system temp
//! dir). Put `dir` on the disk you want to measure: on tmpfs fsync is free.
#![allow(
    clippy::disallowed_methods,
    reason = "benchmarks time themselves with the machine's clocks"
)]

use std::error::Error;
use std::str::FromStr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use dsg_core::{AuditAction, AuditObject, AuditRecord, Outcome};
use dsg_store::Store;
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{Any, AnyPool, Executor};

type BoxError = Box<dyn Error + Send + Sync>;

/// What `Store::connect` does to every SQLite connection.
const PRAGMAS: &str = "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; \
                       PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 15000;";

/// The store's audit insert (`dsg-store` `audit::write`).
const INSERT: &str = "INSERT INTO audit_events (id, occurred_at, request_id, actor_user_id, \
                      source_addr, action, object_type, object_id, outcome, reason, terminal_id) \
                      VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)";

fn arg<T: FromStr>(n: usize, default: T) -> Result<T, BoxError>
where
    T::Err: Error + Send + Sync + 'static,
{
    Ok(match std::env::args().nth(n) {
        Some(a) => a.parse()?,
        None => default,
    })
}

/// An entry as a file download records it: ids, an address, a policy id.
fn record(writer: usize, i: u64) -> AuditRecord {
    AuditRecord {
        request_id: uuid::Uuid::now_v7().to_string(),
        actor: Some(format!("0190a1b2-c3d4-7e5f-aa9b-{writer:012x}")),
        source: Some("192.0.2.10".into()),
        terminal: None,
        action: AuditAction::FileDownload,
        object: AuditObject::RequestedFile(format!("0190a1b2-c3d4-7e5f-ba9b-{i:012x}")),
        outcome: Outcome::Success,
        reason: "policy.handler-reads-own-compartment".into(),
        decision: None,
    }
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// The baseline's pool: as `Store::connect` opens one for SQLite.
async fn baseline_pool(url: &str) -> Result<AnyPool, BoxError> {
    let options = AnyConnectOptions::from_str(url)?;
    Ok(AnyPoolOptions::new()
        .max_connections(8)
        .acquire_timeout(Duration::from_secs(30))
        .after_connect(|conn, _meta| {
            Box::pin(async move {
                conn.execute(PRAGMAS).await?;
                Ok(())
            })
        })
        .connect_with(options)
        .await?)
}

/// One append in its own transaction.
async fn append_alone(pool: &AnyPool, r: &AuditRecord) -> Result<(), BoxError> {
    let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
    sqlx::query::<Any>(INSERT)
        .bind(uuid::Uuid::now_v7().to_string())
        .bind(now_ms())
        .bind(r.request_id.clone())
        .bind(r.actor.clone())
        .bind(r.source.clone())
        .bind(r.action.as_str())
        .bind(r.object.type_name())
        .bind(r.object.id())
        .bind(r.outcome.as_str())
        .bind(r.reason.clone())
        .bind(r.terminal.clone())
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

#[derive(Clone, Copy)]
enum Mode {
    Baseline,
    GroupCommit,
}

struct Run {
    appends: u64,
    seconds: f64,
    latencies: Vec<Duration>,
    stored: i64,
}

impl Run {
    fn rate(&self) -> f64 {
        self.appends as f64 / self.seconds
    }
    fn percentile(&self, p: f64) -> f64 {
        let i = ((self.latencies.len() as f64 - 1.0) * p).round() as usize;
        self.latencies
            .get(i)
            .map_or(f64::NAN, |d| d.as_secs_f64() * 1000.0)
    }
}

async fn run(
    mode: Mode,
    writers: usize,
    seconds: u64,
    dir: &std::path::Path,
) -> Result<Run, BoxError> {
    let db = dir.join(match mode {
        Mode::Baseline => "baseline.db",
        Mode::GroupCommit => "group.db",
    });
    let url = format!("sqlite://{}?mode=rwc", db.display());
    // Creates the schema (migrations) in both cases.
    let store = Store::connect(&url).await?;
    let pool = match mode {
        Mode::Baseline => Some(baseline_pool(&url).await?),
        Mode::GroupCommit => None,
    };
    let stop = Arc::new(AtomicBool::new(false));
    let started = Instant::now();
    let tasks: Vec<_> = (0..writers)
        .map(|w| {
            let store = store.clone();
            let pool = pool.clone();
            let stop = stop.clone();
            tokio::spawn(async move {
                let mut latencies = Vec::new();
                let mut i = 0u64;
                while !stop.load(Ordering::Relaxed) {
                    let r = record(w, i);
                    let t = Instant::now();
                    match &pool {
                        Some(pool) => append_alone(pool, &r).await?,
                        None => store.record(now_ms(), &r).await?,
                    }
                    latencies.push(t.elapsed());
                    i += 1;
                }
                Ok::<_, BoxError>(latencies)
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_secs(seconds)).await;
    stop.store(true, Ordering::Relaxed);
    let mut latencies = Vec::new();
    for t in tasks {
        latencies.extend(t.await??);
    }
    // Writers finish the append they were in, so count until the last one.
    let elapsed = started.elapsed().as_secs_f64();
    latencies.sort_unstable();
    if let Some(pool) = pool {
        pool.close().await;
    }
    let count = baseline_pool(&url).await?;
    let stored: i64 = sqlx::Row::try_get(
        &sqlx::query::<Any>("SELECT COUNT(*) AS n FROM audit_events")
            .fetch_one(&count)
            .await?,
        "n",
    )?;
    count.close().await;
    store.close().await;
    Ok(Run {
        appends: latencies.len() as u64,
        seconds: elapsed,
        latencies,
        stored,
    })
}

fn report(name: &str, r: &Run) {
    println!(
        "{name:<44} {:>8} appends in {:>5.2} s  {:>9.0} appends/s  latency p50 {:>6.2} ms  p99 {:>7.2} ms",
        r.appends,
        r.seconds,
        r.rate(),
        r.percentile(0.50),
        r.percentile(0.99),
    );
}

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    let writers: usize = arg(1, 64)?;
    let seconds: u64 = arg(2, 5)?;
    let base: std::path::PathBuf = arg(3, std::env::temp_dir())?;
    let dir = tempfile::Builder::new()
        .prefix("dsg-append-bench.")
        .tempdir_in(&base)?;
    println!(
        "writers: {writers}, {seconds} s per run, SQLite (WAL, synchronous = FULL) in {}",
        base.display()
    );
    let baseline = run(Mode::Baseline, writers, seconds, dir.path()).await?;
    report("baseline: one transaction per append", &baseline);
    let group = run(Mode::GroupCommit, writers, seconds, dir.path()).await?;
    report("group commit: Store::record", &group);
    for (name, r) in [("baseline", &baseline), ("group commit", &group)] {
        if i64::try_from(r.appends)? != r.stored {
            return Err(format!(
                "{name}: {} appends answered but {} stored",
                r.appends, r.stored
            )
            .into());
        }
    }
    println!("durable appends/s: {:.0}", group.rate());
    println!("baseline appends/s: {:.0}", baseline.rate());
    println!(
        "ratio group commit / baseline: {:.1}",
        group.rate() / baseline.rate()
    );
    Ok(())
}
