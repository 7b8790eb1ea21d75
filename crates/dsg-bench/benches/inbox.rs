#![allow(
    clippy::disallowed_methods,
    reason = "benchmarks time themselves with the machine's clocks"
)]
//! The inbox's one query (`Store::open_applications`, what `GET
//! /api/v1/inbox/all` reads) on a store of `BENCH_APPLICATIONS` (10,000)
//! open applications of every kind across `BENCH_COMPANIES` (1,000)
//! companies, against the same query on a store with the same companies and
//! people and no application, measured in the same run, interleaved one for
//! one: p50 / p99 in µs and the ratio. For the agency (every company's, the
//! first 500 due) and for one company. Run as a test (`cargo test
//! --benches`) it uses a small store and few iterations.

use std::time::Instant;

use anyhow::Context;
use dsg_bench::{env_usize, invoked_by_cargo_bench, now_ms, Percentiles};
use dsg_core::{CompanyId, UserId};
use dsg_store::Store;
use sqlx::{Any, AnyConnection, Connection, Executor};

/// The target: the inbox of 10,000 open applications, p50 (µs).
const TARGET_P50_US: f64 = 100_000.0;

const KINDS: [&str; 4] = ["software", "membership", "terminal", "media"];

async fn populate(
    dir: &tempfile::TempDir,
    name: &str,
    companies: usize,
    applications: usize,
) -> anyhow::Result<(Store, Vec<CompanyId>)> {
    let url = format!("sqlite://{}?mode=rwc", dir.path().join(name).display());
    let store = Store::connect(&url).await?;
    let mut conn = AnyConnection::connect(&url).await?;
    conn.execute("PRAGMA synchronous = OFF; PRAGMA foreign_keys = ON;")
        .await?;
    let mut tx = conn.begin().await?;
    let now = now_ms();
    let mut ids = Vec::with_capacity(companies);
    let mut users = Vec::with_capacity(companies);
    for i in 0..companies {
        let (company, user) = (CompanyId::random(), UserId::random());
        sqlx::query::<Any>(
            "INSERT INTO companies (id, name, kind, created_at) VALUES ($1, $2, 'contractor', $3)",
        )
        .bind(company.to_string())
        .bind(format!("company-{i:05}"))
        .bind(now)
        .execute(&mut *tx)
        .await?;
        sqlx::query::<Any>(
            "INSERT INTO users (id, company_id, username, display_name, role, status, \
             password_hash, created_at) VALUES ($1, $2, $3, 'admin', 'member', 'active', '', $4)",
        )
        .bind(user.to_string())
        .bind(company.to_string())
        .bind(format!("admin{i:05}"))
        .bind(now)
        .execute(&mut *tx)
        .await?;
        ids.push(company);
        users.push(user);
    }
    for j in 0..applications {
        let c = j % companies;
        let kind = KINDS.get(j % KINDS.len()).context("kind")?;
        // Spread over two months of due dates; one in five returned.
        let due = format!("2027-{:02}-{:02}", 1 + (j / 28) % 2, 1 + j % 28);
        let state = if j % 5 == 0 { "returned" } else { "submitted" };
        sqlx::query::<Any>(
            "INSERT INTO applications (id, kind, company_id, requested_by, state, reason, \
             submitted_at, due_on, updated_at, closed_at) \
             VALUES ($1, $2, $3, $4, $5, 'awaiting_agency', $6, $7, $6, NULL)",
        )
        .bind(uuid_of(j))
        .bind(*kind)
        .bind(ids.get(c).context("company")?.to_string())
        .bind(users.get(c).context("user")?.to_string())
        .bind(state)
        .bind(now)
        .bind(due)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    conn.close().await?;
    Ok((store, ids))
}

fn uuid_of(j: usize) -> String {
    format!("00000000-0000-4000-8000-{j:012}")
}

fn line(label: &str, p: &Percentiles) {
    println!(
        "{label:<40} p50 {:>10.1} µs   p99 {:>10.1} µs   (n = {})",
        p.p50, p.p99, p.count
    );
}

fn main() -> anyhow::Result<()> {
    let bench = invoked_by_cargo_bench();
    let companies = env_usize("BENCH_COMPANIES", if bench { 1_000 } else { 20 })?;
    let applications = env_usize("BENCH_APPLICATIONS", if bench { 10_000 } else { 200 })?;
    let iterations = env_usize("BENCH_INBOX_ITERS", if bench { 200 } else { 5 })?;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    rt.block_on(async {
        let dir = tempfile::tempdir()?;
        let (empty, _) = populate(&dir, "empty.db", companies, 0).await?;
        let (full, ids) = populate(&dir, "full.db", companies, applications).await?;
        let one = *ids.first().context("a company")?;
        println!(
            "SQLite (WAL): {applications} open applications across {companies} companies \
             (software, membership, terminal, media in turn), against the same companies \
             with none; {iterations} interleaved calls each"
        );
        for (label, company) in [
            ("agency (every company's, first 500)", None),
            ("one company", Some(one)),
        ] {
            let (mut base, mut measured) = (Vec::new(), Vec::new());
            for _ in 0..iterations {
                let t = Instant::now();
                let rows = empty.open_applications(company, None, 500).await?;
                base.push(t.elapsed());
                anyhow::ensure!(rows.is_empty());
                let t = Instant::now();
                let rows = full.open_applications(company, None, 500).await?;
                measured.push(t.elapsed());
                anyhow::ensure!(!rows.is_empty());
            }
            let (b, m) = (Percentiles::of(&mut base), Percentiles::of(&mut measured));
            println!("{label}");
            line("  empty inbox (baseline)", &b);
            line("  10,000 open applications", &m);
            println!(
                "  ratio p50 {:.1}x   target p50 < {:.0} ms: {}",
                m.p50 / b.p50.max(f64::MIN_POSITIVE),
                TARGET_P50_US / 1000.0,
                if m.p50 < TARGET_P50_US {
                    "met"
                } else {
                    "MISSED"
                }
            );
        }
        Ok(())
    })
}
