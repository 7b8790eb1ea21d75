#![allow(
    clippy::disallowed_methods,
    reason = "benchmarks time themselves with the machine's clocks"
)]
//! Percentiles of the policy decision point's latency
//! (`bench/policy-latency.sh`): the three measurements of
//! `benches/policy.rs`, each call timed on its own with `Instant`, printed
//! as p50 / p99 / p99.9 in µs with the ratios to the baseline.
//!
//! - decide: `PolicyEngine::decide` on a request already built, per case,
//!   `BENCH_DECIDE_ITERS` calls each (default 100,000);
//! - facts+decide: the server's per-request store lookups, then decide, for
//!   random users and terminals drawn from the store, `BENCH_FACTS_ITERS`
//!   calls (default 20,000);
//! - baseline: `Store::user` (one primary-key `SELECT`) for a random user,
//!   interleaved one for one with facts+decide, so both see the same
//!   machine.
//!
//! Store size: `Sizes::ISSUE`, with `BENCH_USERS`, `BENCH_CONTRACTS`,
//! `BENCH_TERMINALS`, `BENCH_CONTRACTORS` overriding. Run as a test (`cargo
//! test --benches`, no `--bench` argument) it uses a small store and few
//! iterations.

use std::hint::black_box;
use std::time::Instant;

use dsg_bench::{
    env_usize, facts_and_decide, facts_and_decide_at, fixed_work, fixed_work_rounds,
    invoked_by_cargo_bench, request_facts, request_facts_at, session_then_facts,
    session_then_facts_at, Fixture, Percentiles, Sizes, SplitMix64,
};

/// The issue's target for the decision itself (p99, µs).
const TARGET_DECIDE_P99_US: f64 = 50.0;
/// The issue's targets for the whole policy point: the facts it reads and
/// the decision (p50 and p99, µs).
const TARGET_POINT_P50_US: f64 = 100.0;
const TARGET_POINT_P99_US: f64 = 300.0;

fn line(label: &str, p: &Percentiles) {
    println!(
        "{label:<44} p50 {:>8.1} µs   p99 {:>8.1} µs   p99.9 {:>8.1} µs   mean {:>8.1} µs   (n = {})",
        p.p50, p.p99, p.p999, p.mean, p.count
    );
}

fn main() -> anyhow::Result<()> {
    let bench = invoked_by_cargo_bench();
    let sizes = Sizes::from_env(if bench { Sizes::ISSUE } else { Sizes::SMALL })?;
    let decide_iters = env_usize("BENCH_DECIDE_ITERS", if bench { 100_000 } else { 100 })?;
    let facts_iters = env_usize("BENCH_FACTS_ITERS", if bench { 20_000 } else { 100 })?;
    let warm_up = (decide_iters / 20).clamp(1, 2_000);

    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let fixture = rt.block_on(Fixture::populate(sizes, facts_iters))?;
    let backend = match fixture.store.backend() {
        dsg_store::Backend::Sqlite => "SQLite (WAL)",
        dsg_store::Backend::Postgres => "PostgreSQL",
    };
    println!(
        "store: {backend}, 1 agency + {} contractors, {} users, {} contracts with one \
         compartment each, {} terminals (1 in 50 quarantined), one session per user; \
         populated in {:.1} s",
        sizes.contractors,
        sizes.users,
        sizes.contracts,
        sizes.terminals,
        fixture.populate_time.as_secs_f64()
    );
    println!();

    // (a) decide only.
    println!("decide only (AccessRequest built: Cedar entity slice + evaluation)");
    let mut all = Vec::with_capacity(decide_iters * fixture.cases.len());
    let mut worst_p99 = 0.0_f64;
    for case in &fixture.cases {
        for _ in 0..warm_up {
            black_box(fixture.engine.decide(black_box(&case.request)));
        }
        let mut samples = Vec::with_capacity(decide_iters);
        for _ in 0..decide_iters {
            let t = Instant::now();
            let decision = fixture.engine.decide(black_box(&case.request));
            samples.push(t.elapsed());
            if decision.allowed != case.allowed {
                anyhow::bail!("{}: unexpected decision {decision:?}", case.name);
            }
        }
        all.extend_from_slice(&samples);
        let p = Percentiles::of(&mut samples);
        worst_p99 = worst_p99.max(p.p99);
        let verdict = if case.allowed { "allow" } else { "deny" };
        line(&format!("  decide {} ({verdict})", case.name), &p);
    }
    let decide_all = Percentiles::of(&mut all);
    line("  decide, all cases", &decide_all);

    // The two halves of a decision, all cases: building the Cedar request
    // and entity slice from the facts (dsg's part), then Cedar's authorizer
    // on it.
    let mut prepare = Vec::with_capacity(decide_iters * fixture.cases.len());
    let mut authorize = Vec::with_capacity(decide_iters * fixture.cases.len());
    for case in &fixture.cases {
        for _ in 0..decide_iters {
            let t = Instant::now();
            let prepared = fixture
                .engine
                .prepare(black_box(&case.request))
                .map_err(|e| anyhow::anyhow!("{}: {e}", case.name))?;
            prepare.push(t.elapsed());
            let t = Instant::now();
            let decision = fixture.engine.decide_prepared(black_box(&prepared));
            authorize.push(t.elapsed());
            if decision.allowed != case.allowed {
                anyhow::bail!("{}: unexpected decision {decision:?}", case.name);
            }
        }
    }
    line(
        "    of which: request and slice (prepare)",
        &Percentiles::of(&mut prepare),
    );
    line(
        "    of which: Cedar's authorizer",
        &Percentiles::of(&mut authorize),
    );

    // (d) The machine: a fixed computation as long as the decision's
    // median, timed as often. Its p99 is what this machine makes of a call
    // of that length with nothing to vary (no allocation, no branch on
    // data): the part of the decision's p99 the decision cannot remove.
    let rounds = fixed_work_rounds(decide_all.p50);
    for _ in 0..warm_up {
        black_box(fixed_work(black_box(rounds)));
    }
    let mut machine = Vec::with_capacity(decide_iters);
    for _ in 0..decide_iters {
        let t = Instant::now();
        black_box(fixed_work(black_box(rounds)));
        machine.push(t.elapsed());
    }
    let machine = Percentiles::of(&mut machine);
    line("  machine: fixed work, same median", &machine);
    println!();

    // (b) facts + decide, interleaved with (c) the baseline.
    let mut rng = SplitMix64::new(7);
    let n_requests = fixture.requests.len();
    let n_users = fixture.users.len();
    let (mut whole, mut facts_only, mut decide_part, mut baseline, allowed) =
        rt.block_on(async {
            let mut whole = Vec::with_capacity(facts_iters);
            let mut facts_only = Vec::with_capacity(facts_iters);
            let mut decide_part = Vec::with_capacity(facts_iters);
            let mut baseline = Vec::with_capacity(facts_iters);
            let mut allowed = 0usize;
            for i in 0..(facts_iters + warm_up.min(facts_iters)) {
                let measured = i >= warm_up.min(facts_iters);
                let keys = fixture
                    .requests
                    .get(rng.below(n_requests))
                    .ok_or_else(|| anyhow::anyhow!("no requests"))?;
                let user = fixture
                    .users
                    .get(rng.below(n_users))
                    .copied()
                    .ok_or_else(|| anyhow::anyhow!("no users"))?;

                let t = Instant::now();
                let found = fixture.store.user(black_box(user)).await?;
                let base = t.elapsed();
                if found.is_none() {
                    anyhow::bail!("baseline: user {user} not found");
                }

                // The whole policy point, timed in one piece, then its parts.
                let t = Instant::now();
                let decision =
                    facts_and_decide(&fixture.store, &fixture.engine, keys, fixture.now_ms).await?;
                let all_of_it = t.elapsed();

                let t = Instant::now();
                let request = request_facts(&fixture.store, keys, fixture.now_ms).await?;
                let facts = t.elapsed();
                let t = Instant::now();
                let again = fixture.engine.decide(black_box(&request));
                let decide = t.elapsed();
                if again != decision || !decision.errors.is_empty() {
                    anyhow::bail!("inconsistent or erroneous decision: {decision:?} / {again:?}");
                }
                if measured {
                    baseline.push(base);
                    whole.push(all_of_it);
                    facts_only.push(facts);
                    decide_part.push(decide);
                    allowed += usize::from(decision.allowed);
                }
            }
            Ok::<_, anyhow::Error>((whole, facts_only, decide_part, baseline, allowed))
        })?;
    let whole = Percentiles::of(&mut whole);
    let facts = Percentiles::of(&mut facts_only);
    let decide_real = Percentiles::of(&mut decide_part);
    let base = Percentiles::of(&mut baseline);
    println!(
        "facts+decide (random users and terminals from the store; {:.1} % allowed)",
        100.0 * allowed as f64 / whole.count.max(1) as f64
    );
    line("  facts+decide (whole policy point)", &whole);
    line("    of which: store lookups (5 queries)", &facts);
    line("    of which: decide", &decide_real);
    line("baseline: Store::user (1 primary-key SELECT)", &base);
    println!();

    // (e) The policy point as the server runs it now: the facts read as of
    // the fact generation, from the facts cache while it holds. First one
    // pass over every drawn request with the generation moved (every fact
    // read from the database: what a request pays right after a change),
    // then the steady state, interleaved with the same baseline.
    let cached = rt.block_on(async {
        let mut cold = Vec::with_capacity(n_requests);
        for keys in &fixture.requests {
            let t = Instant::now();
            let decision =
                facts_and_decide_at(&fixture.store, &fixture.engine, keys, fixture.now_ms).await?;
            cold.push(t.elapsed());
            let fresh =
                facts_and_decide(&fixture.store, &fixture.engine, keys, fixture.now_ms).await?;
            if decision != fresh {
                anyhow::bail!("cached facts decided otherwise: {decision:?} / {fresh:?}");
            }
        }
        let mut rng = SplitMix64::new(11);
        let mut point = Vec::with_capacity(facts_iters);
        let mut generation = Vec::with_capacity(facts_iters);
        let mut from_cache = Vec::with_capacity(facts_iters);
        let mut baseline = Vec::with_capacity(facts_iters);
        let mut before = Vec::with_capacity(facts_iters);
        let mut after = Vec::with_capacity(facts_iters);
        let mut session_only = Vec::with_capacity(facts_iters);
        for _ in 0..facts_iters {
            let keys = fixture
                .requests
                .get(rng.below(n_requests))
                .ok_or_else(|| anyhow::anyhow!("no requests"))?;
            let user = fixture
                .users
                .get(rng.below(n_users))
                .copied()
                .ok_or_else(|| anyhow::anyhow!("no users"))?;
            let t = Instant::now();
            black_box(fixture.store.user(black_box(user)).await?);
            baseline.push(t.elapsed());

            let t = Instant::now();
            black_box(
                facts_and_decide_at(&fixture.store, &fixture.engine, keys, fixture.now_ms).await?,
            );
            point.push(t.elapsed());

            let t = Instant::now();
            let at = fixture.store.fact_generation().await?;
            generation.push(t.elapsed());
            let t = Instant::now();
            let request = request_facts_at(&fixture.store, keys, fixture.now_ms, at).await?;
            black_box(fixture.engine.decide(black_box(&request)));
            from_cache.push(t.elapsed());

            let t = Instant::now();
            black_box(fixture.store.session(&keys.session).await?);
            session_only.push(t.elapsed());
            let t = Instant::now();
            black_box(
                session_then_facts(&fixture.store, &fixture.engine, keys, fixture.now_ms).await?,
            );
            before.push(t.elapsed());
            let t = Instant::now();
            black_box(
                session_then_facts_at(&fixture.store, &fixture.engine, keys, fixture.now_ms)
                    .await?,
            );
            after.push(t.elapsed());
        }
        Ok::<_, anyhow::Error>([
            cold,
            point,
            generation,
            from_cache,
            baseline,
            session_only,
            before,
            after,
        ])
    })?;
    let [cold, point, generation, from_cache, base_now, session_only, before, after] =
        cached.map(|mut v| Percentiles::of(&mut v));
    println!("facts+decide through the facts cache (the server's path now)");
    line("  generation moved: every fact from the database", &cold);
    line("  facts+decide (generation read + cache + decide)", &point);
    line(
        "    of which: fact generation (1 primary-key SELECT)",
        &generation,
    );
    line("    of which: facts from the cache + decide", &from_cache);
    line("baseline: Store::user (1 primary-key SELECT)", &base_now);
    line("request start: session row alone", &session_only);
    line(
        "  session row, then the 5 lookups + decide (before)",
        &before,
    );
    line(
        "  session row with generation, cache + decide (now)",
        &after,
    );
    println!();

    let ratio = |a: f64, b: f64| if b > 0.0 { a / b } else { f64::NAN };
    println!(
        "ratio facts+decide / baseline: p50 {:.2}x   p99 {:.2}x",
        ratio(whole.p50, base.p50),
        ratio(whole.p99, base.p99)
    );
    println!(
        "ratio decide / baseline: p50 {:.2}x   p99 {:.2}x",
        ratio(decide_all.p50, base.p50),
        ratio(decide_all.p99, base.p99)
    );
    println!(
        "ratio decide / fixed work of the same median: p50 {:.2}x   p99 {:.2}x",
        ratio(decide_all.p50, machine.p50),
        ratio(decide_all.p99, machine.p99)
    );
    println!(
        "added latency per request (facts+decide): p50 {:.1} µs   p99 {:.1} µs   p99.9 {:.1} µs",
        whole.p50, whole.p99, whole.p999
    );
    println!(
        "decide p99 (worst case): {worst_p99:.1} µs, target < {TARGET_DECIDE_P99_US:.0} µs ({:.0} % of it)",
        100.0 * worst_p99 / TARGET_DECIDE_P99_US
    );
    println!(
        "ratio facts+decide now / baseline: p50 {:.2}x   p99 {:.2}x   (before: p50 {:.2}x   p99 {:.2}x)",
        ratio(point.p50, base_now.p50),
        ratio(point.p99, base_now.p99),
        ratio(whole.p50, base.p50),
        ratio(whole.p99, base.p99)
    );
    println!(
        "ratio cache + decide / baseline: p50 {:.2}x   p99 {:.2}x",
        ratio(from_cache.p50, base_now.p50),
        ratio(from_cache.p99, base_now.p99)
    );
    println!(
        "request start + policy point, now / before: p50 {:.2}x   p99 {:.2}x",
        ratio(after.p50, before.p50),
        ratio(after.p99, before.p99)
    );
    let point_met = point.p50 < TARGET_POINT_P50_US && point.p99 < TARGET_POINT_P99_US;
    println!(
        "policy point (generation read + facts + decide): p50 {:.1} µs (target < {TARGET_POINT_P50_US:.0}), \
         p99 {:.1} µs (target < {TARGET_POINT_P99_US:.0}): {}",
        point.p50,
        point.p99,
        if point_met { "met" } else { "missed" }
    );
    let riding_met = from_cache.p50 < TARGET_POINT_P50_US && from_cache.p99 < TARGET_POINT_P99_US;
    println!(
        "policy point with the generation read in the session query (cache + decide): \
         p50 {:.1} µs, p99 {:.1} µs: {}",
        from_cache.p50,
        from_cache.p99,
        if riding_met { "met" } else { "missed" }
    );
    println!(
        "target met: {}",
        if worst_p99 < TARGET_DECIDE_P99_US {
            "yes"
        } else {
            "no"
        }
    );
    Ok(())
}
