//! How long offline verification of a large log takes (`bench/audit-verify.sh`).
//!
//! Builds a log of N entries in memory (gateway-shaped canonical entries,
//! random salts, a signed checkpoint every C entries and one at the end),
//! then times what `dsg admin audit-verify` does after parsing the JSON:
//! every leaf hash recomputed from salt and entry, the tree rebuilt, and
//! every checkpoint's signature and root checked against it (which is what
//! makes each checkpoint consistent with every other, see `verify_log`).
//! The baseline, in the same run, is one plain SHA-256 over the same
//! salt and entry bytes: the least any verifier must do.
//!
//! Usage: `verify_bench [entries] [entries per checkpoint]`.
#![allow(
    clippy::disallowed_methods,
    reason = "benchmarks time themselves with the machine's clocks"
)]

use std::error::Error;
use std::time::{Duration, Instant};

use aws_lc_rs::digest::{Context, SHA256};
use dsg_audit::{
    canonical_entry, leaf_hash, verify_log, Checkpoint, CompactTree, EcdsaKeyPair, Hash, KeyPair,
    SecureRandom, SignedCheckpoint, SystemRandom, ECDSA_P256_SHA256_ASN1_SIGNING,
};

/// All entries back to back, salts separate: one allocation each, so the
/// timed loops measure hashing, not the allocator.
struct Log {
    bytes: Vec<u8>,
    ends: Vec<usize>,
    salts: Vec<[u8; 32]>,
}

impl Log {
    fn entry(&self, i: usize) -> &[u8] {
        let start = i.checked_sub(1).map_or(0, |p| self.ends[p]);
        &self.bytes[start..self.ends[i]]
    }
}

fn arg(n: usize, default: usize) -> Result<usize, Box<dyn Error>> {
    Ok(match std::env::args().nth(n) {
        Some(a) => a.replace('_', "").parse()?,
        None => default,
    })
}

fn build(n: usize, rng: &SystemRandom) -> Result<Log, Box<dyn Error>> {
    let mut log = Log {
        bytes: Vec::with_capacity(n * 400),
        ends: Vec::with_capacity(n),
        salts: Vec::with_capacity(n),
    };
    for i in 0..n {
        // Field sizes as the gateway writes them: UUIDs, a millisecond
        // timestamp, an address, a policy id as the reason.
        let id = format!("0190a1b2-c3d4-7e5f-8a9b-{i:012x}");
        let at = (1_700_000_000_000u64 + i as u64).to_string();
        let request = format!("0190a1b2-c3d4-7e5f-9a9b-{i:012x}");
        let actor = format!("0190a1b2-c3d4-7e5f-aa9b-{:012x}", i % 97);
        let object = format!("0190a1b2-c3d4-7e5f-ba9b-{:012x}", i % 1013);
        log.bytes.extend(canonical_entry(&[
            ("id", Some(&id)),
            ("occurred_at", Some(&at)),
            ("request_id", Some(&request)),
            ("actor", Some(&actor)),
            ("source", Some("192.0.2.17")),
            ("action", Some("file.download")),
            ("object_type", Some("file")),
            ("object_id", Some(&object)),
            ("outcome", Some("success")),
            ("reason", Some("handler-need-to-know")),
        ]));
        log.ends.push(log.bytes.len());
        let mut salt = [0u8; 32];
        rng.fill(&mut salt).map_err(|_| "rng failed")?;
        log.salts.push(salt);
    }
    Ok(log)
}

fn leaves(log: &Log) -> Vec<Hash> {
    (0..log.ends.len())
        .map(|i| leaf_hash(&log.salts[i], log.entry(i)))
        .collect()
}

fn checkpoints(
    leaves: &[Hash],
    every: usize,
    key: &EcdsaKeyPair,
    rng: &SystemRandom,
) -> Result<Vec<SignedCheckpoint>, Box<dyn Error>> {
    let mut tree = CompactTree::new();
    let mut out = Vec::new();
    for (i, leaf) in leaves.iter().enumerate() {
        tree.push(*leaf);
        if (i + 1) % every == 0 || i + 1 == leaves.len() {
            let cp = Checkpoint::new("dsg-bench", tree.size(), tree.root(), 0)?;
            out.push(cp.sign(key, rng)?);
        }
    }
    Ok(out)
}

fn baseline(log: &Log) -> Hash {
    let mut ctx = Context::new(&SHA256);
    for (i, salt) in log.salts.iter().enumerate() {
        ctx.update(salt);
        ctx.update(log.entry(i));
    }
    let mut out = [0u8; 32];
    out.copy_from_slice(ctx.finish().as_ref());
    out
}

fn timed<T>(f: impl FnOnce() -> T) -> (T, Duration) {
    let start = Instant::now();
    let out = f();
    (out, start.elapsed())
}

fn main() -> Result<(), Box<dyn Error>> {
    let n = arg(1, 1_000_000)?;
    let every = arg(2, 1_000)?.max(1);
    if n == 0 {
        return Err("need at least one entry".into());
    }
    let rng = SystemRandom::new();
    let key = EcdsaKeyPair::generate(&ECDSA_P256_SHA256_ASN1_SIGNING)?;

    let (log, built) = timed(|| build(n, &rng));
    let log = log?;
    let signed = checkpoints(&leaves(&log), every, &key, &rng)?;
    let mib = (log.bytes.len() + 32 * n) as f64 / (1024.0 * 1024.0);
    println!(
        "log: {n} entries ({mib:.0} MiB of salt and entry bytes), {} checkpoints, built in {:.2} s",
        signed.len(),
        built.as_secs_f64()
    );

    let (digest, base) = timed(|| baseline(&log));
    let (recomputed, hashing) = timed(|| leaves(&log));
    let (report, checking) = timed(|| verify_log(&recomputed, &signed, key.public_key().as_ref()));
    let report = report?;
    if report.entries_checked != n as u64 || report.checkpoints_checked != signed.len() {
        return Err(format!("verification covered too little: {report:?}").into());
    }
    let total = hashing + checking;
    let rate = |d: Duration| n as f64 / d.as_secs_f64();
    println!(
        "baseline  plain SHA-256 over the same bytes: {:.3} s ({:.0} MiB/s, {:.0} entries/s) [{}]",
        base.as_secs_f64(),
        mib / base.as_secs_f64(),
        rate(base),
        &hex_prefix(&digest)
    );
    println!(
        "verify    leaf hashes: {:.3} s; tree and {} checkpoints: {:.3} s",
        hashing.as_secs_f64(),
        report.checkpoints_checked,
        checking.as_secs_f64()
    );
    println!(
        "total     {:.3} s for {n} entries = {:.0} entries/s, {:.2}x the baseline time",
        total.as_secs_f64(),
        rate(total),
        total.as_secs_f64() / base.as_secs_f64()
    );
    Ok(())
}

/// First bytes of the baseline digest, printed so the work cannot be
/// optimised away.
fn hex_prefix(h: &Hash) -> String {
    h.iter().take(4).map(|b| format!("{b:02x}")).collect()
}
