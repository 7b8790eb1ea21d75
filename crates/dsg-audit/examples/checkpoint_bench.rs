//! What a checkpoint per sequenced batch costs the sequencer
//! (`bench/README.md`, "Checkpoint per batch").
//!
//! Times, per checkpoint, what the sequencer adds to a step that grew the
//! tree: the root of the compact tree, the signature (ECDSA P-256), the
//! JSON of the stored row, the check of the signature the publisher makes
//! and the publication file (temporary file, fsync, rename, directory
//! fsync) in `dir`. The baseline, in the same run, is the step's own work
//! without a checkpoint: a salted leaf hash for each of the batch's
//! entries. The database row of the checkpoint is one more small commit,
//! like any audit write (`bench/audit-append.sh`).
//!
//! Usage: `checkpoint_bench [checkpoints] [entries per batch] [dir]`.
#![allow(
    clippy::disallowed_methods,
    reason = "benchmarks time themselves with the machine's clocks"
)]

use std::error::Error;
use std::io::Write as _;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use dsg_audit::{
    leaf_hash, Checkpoint, CompactTree, EcdsaKeyPair, KeyPair, SecureRandom, SystemRandom,
    ECDSA_P256_SHA256_ASN1_SIGNING,
};

fn arg(n: usize, default: usize) -> Result<usize, Box<dyn Error>> {
    Ok(match std::env::args().nth(n) {
        Some(a) => a.replace('_', "").parse()?,
        None => default,
    })
}

fn per(total: Duration, n: usize) -> f64 {
    total.as_secs_f64() * 1e6 / n.max(1) as f64
}

fn main() -> Result<(), Box<dyn Error>> {
    let rounds = arg(1, 2000)?;
    let batch = arg(2, 20)?;
    let dir = PathBuf::from(std::env::args().nth(3).unwrap_or_else(|| "/tmp".into()));
    let dir = tempdir_in(&dir)?;
    let rng = SystemRandom::new();
    let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, &rng)
        .map_err(|_| "key generation failed")?;
    let key = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, pkcs8.as_ref())
        .map_err(|_| "key does not parse")?;
    let public = key.public_key().as_ref().to_vec();
    // A gateway-sized entry: about 300 bytes of canonical encoding.
    let entry = vec![b'x'; 300];
    let mut tree = CompactTree::new();

    let mut leaves = Duration::ZERO;
    let mut signing = Duration::ZERO;
    let mut publishing = Duration::ZERO;
    for round in 0..rounds {
        let t = Instant::now();
        for _ in 0..batch {
            let mut salt = [0u8; 32];
            rng.fill(&mut salt).map_err(|_| "rng failed")?;
            tree.push(leaf_hash(&salt, &entry));
        }
        leaves += t.elapsed();

        let t = Instant::now();
        let signed = Checkpoint::new("dsg-bench", tree.size(), tree.root(), 0)?.sign(&key, &rng)?;
        let json = signed.to_json()?;
        signing += t.elapsed();

        let t = Instant::now();
        signed.verify(&public)?;
        let name = format!("checkpoint-{round:020}.json");
        let temp = dir.join(format!(".{name}.tmp"));
        let mut file = std::fs::File::create(&temp)?;
        file.write_all(json.as_bytes())?;
        file.sync_all()?;
        drop(file);
        std::fs::rename(&temp, dir.join(&name))?;
        std::fs::File::open(&dir)?.sync_all()?;
        publishing += t.elapsed();
    }
    std::fs::remove_dir_all(&dir)?;
    let step = per(leaves, rounds);
    let sign = per(signing, rounds);
    let publish = per(publishing, rounds);
    println!("checkpoints: {rounds}, entries per batch: {batch}");
    println!("sequencing a batch (leaf hashes): {step:.1} us");
    println!("root + signature + JSON: {sign:.1} us");
    println!("verify + publish file (2 fsyncs): {publish:.1} us");
    println!(
        "per sequencer step, with a checkpoint / without: {:.1}x",
        (step + sign + publish) / step.max(f64::MIN_POSITIVE)
    );
    println!(
        "sequencer time at 2 checkpoints/s (one per 500 ms step): {:.3} % of each second",
        2.0 * (sign + publish) / 1e4
    );
    Ok(())
}

fn tempdir_in(dir: &std::path::Path) -> Result<PathBuf, Box<dyn Error>> {
    let mut salt = [0u8; 8];
    SystemRandom::new()
        .fill(&mut salt)
        .map_err(|_| "rng failed")?;
    let path = dir.join(format!("dsg-checkpoint-bench-{}", hex::encode(salt)));
    std::fs::create_dir(&path)?;
    Ok(path)
}
