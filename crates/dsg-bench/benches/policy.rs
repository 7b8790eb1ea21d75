#![allow(
    clippy::disallowed_methods,
    reason = "benchmarks time themselves with the machine's clocks"
)]
//! Criterion benchmark of the policy decision point on a populated store
//! (100k users, 10k contracts and compartments, 50k terminals; override with
//! `BENCH_USERS`, `BENCH_CONTRACTS`, `BENCH_TERMINALS`, `BENCH_CONTRACTORS`).
//!
//! Groups:
//! - `decide`: `PolicyEngine::decide` on a request already built (entity
//!   slice construction and evaluation), for four cases;
//! - `facts+decide`: the store lookups the server does per request, then
//!   decide, for random users and terminals drawn from the store;
//! - `baseline`: one primary-key `SELECT` (`Store::user`) on the same store,
//!   so the policy point's cost reads as a ratio.
//!
//! `cargo bench -p dsg-bench --bench policy`. Run as a test (`cargo test
//! --benches`) it uses a small store and runs each benchmark once.
//! Criterion reports means and medians; `benches/policy_latency.rs` prints
//! the percentiles.

use std::hint::black_box;
use std::time::Duration;

use criterion::Criterion;
use dsg_bench::{facts_and_decide, invoked_by_cargo_bench, Fixture, Sizes, SplitMix64};

fn main() -> anyhow::Result<()> {
    let bench = invoked_by_cargo_bench();
    let sizes = Sizes::from_env(if bench { Sizes::ISSUE } else { Sizes::SMALL })?;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    eprintln!("populating the store: {sizes:?}");
    let fixture = rt.block_on(Fixture::populate(sizes, 4096))?;
    eprintln!("populated in {:.1} s", fixture.populate_time.as_secs_f64());

    let mut c = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .configure_from_args();

    let mut group = c.benchmark_group("decide");
    for case in &fixture.cases {
        group.bench_function(case.name, |b| {
            b.iter(|| fixture.engine.decide(black_box(&case.request)));
        });
    }
    group.finish();

    let mut group = c.benchmark_group("facts+decide");
    let mut rng = SplitMix64::new(1);
    let mut failed = None;
    group.bench_function("random-request", |b| {
        b.iter(|| {
            let keys = fixture.requests.get(rng.below(fixture.requests.len()));
            let result = keys.map(|keys| {
                rt.block_on(facts_and_decide(
                    &fixture.store,
                    &fixture.engine,
                    black_box(keys),
                    fixture.now_ms,
                ))
            });
            if let Some(Err(e)) = &result {
                failed.get_or_insert_with(|| e.to_string());
            }
            result
        });
    });
    group.finish();

    let mut group = c.benchmark_group("baseline");
    let mut rng = SplitMix64::new(2);
    group.bench_function("user-by-primary-key", |b| {
        b.iter(|| {
            let id = fixture.users.get(rng.below(fixture.users.len()));
            let result = id.map(|id| rt.block_on(fixture.store.user(black_box(*id))));
            if let Some(Err(e)) = &result {
                failed.get_or_insert_with(|| e.to_string());
            }
            result
        });
    });
    group.finish();

    c.final_summary();
    match failed {
        Some(e) => anyhow::bail!("a measured call failed: {e}"),
        None => Ok(()),
    }
}
