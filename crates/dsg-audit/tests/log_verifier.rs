//! Offline verification of a whole exported log.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail loudly on unexpected errors"
)]

use dsg_audit::{
    leaf_hash, root, verify_log, AuditError, Checkpoint, EcdsaKeyPair, Hash, KeyPair, LogReport,
    SignedCheckpoint, SystemRandom, ECDSA_P256_SHA256_ASN1_SIGNING,
};

const LOG: &str = "dsg-test";

fn leaves(n: usize) -> Vec<Hash> {
    (0..n)
        .map(|i| leaf_hash(&[i as u8; 32], format!("entry-{i}").as_bytes()))
        .collect()
}

fn key() -> EcdsaKeyPair {
    EcdsaKeyPair::generate(&ECDSA_P256_SHA256_ASN1_SIGNING).unwrap()
}

fn checkpoint(key: &EcdsaKeyPair, log: &[Hash], size: usize) -> SignedCheckpoint {
    Checkpoint::new(LOG, size as u64, root(&log[..size]), 1000 + size as i64)
        .unwrap()
        .sign(key, &SystemRandom::new())
        .unwrap()
}

/// A 20-entry log with checkpoints at sizes 3, 8, 8, 13 and 17.
fn fixture() -> (EcdsaKeyPair, Vec<Hash>, Vec<SignedCheckpoint>) {
    let k = key();
    let log = leaves(20);
    let cps = [3, 8, 8, 13, 17]
        .iter()
        .map(|&s| checkpoint(&k, &log, s))
        .collect();
    (k, log, cps)
}

fn failure(result: Result<LogReport, AuditError>) -> (usize, AuditError) {
    match result {
        Err(AuditError::Checkpoint { index, source }) => (index, *source),
        other => panic!("expected a checkpoint failure, got {other:?}"),
    }
}

#[test]
fn honest_log_verifies() {
    let (k, log, cps) = fixture();
    let report = verify_log(&log, &cps, k.public_key().as_ref()).unwrap();
    assert_eq!(
        report,
        LogReport {
            entries_checked: 17,
            entries_unanchored: 3,
            checkpoints_checked: 5,
        }
    );
    // Checkpoints at size 0 and at the full size are fine too.
    let mut cps = cps;
    cps.insert(0, checkpoint(&k, &log, 0));
    cps.push(checkpoint(&k, &log, 20));
    let report = verify_log(&log, &cps, k.public_key().as_ref()).unwrap();
    assert_eq!(report.entries_checked, 20);
    assert_eq!(report.entries_unanchored, 0);
}

#[test]
fn leaf_changed_after_checkpoint_is_caught() {
    let (k, mut log, cps) = fixture();
    log[5] = leaf_hash(&[5; 32], b"entry-5 but edited");
    // Checkpoint 0 (size 3) does not cover leaf 5; checkpoint 1 (size 8) does.
    let (index, err) = failure(verify_log(&log, &cps, k.public_key().as_ref()));
    assert_eq!((index, err), (1, AuditError::RootMismatch));
}

#[test]
fn dropped_leaf_is_caught() {
    let (k, mut log, cps) = fixture();
    log.remove(10);
    let (index, err) = failure(verify_log(&log, &cps, k.public_key().as_ref()));
    assert_eq!((index, err), (3, AuditError::RootMismatch));
}

#[test]
fn reordered_pair_is_caught() {
    let (k, mut log, cps) = fixture();
    log.swap(1, 2);
    let (index, err) = failure(verify_log(&log, &cps, k.public_key().as_ref()));
    assert_eq!((index, err), (0, AuditError::RootMismatch));
}

#[test]
fn truncated_log_is_caught() {
    let (k, log, cps) = fixture();
    let (index, err) = failure(verify_log(&log[..15], &cps, k.public_key().as_ref()));
    assert_eq!(index, 4);
    assert!(matches!(err, AuditError::InvalidSize(_)), "{err:?}");
}

#[test]
fn checkpoint_signed_by_another_key_is_caught() {
    let (k, log, mut cps) = fixture();
    let mallory = key();
    cps[2] = checkpoint(&mallory, &log, 8);
    let (index, err) = failure(verify_log(&log, &cps, k.public_key().as_ref()));
    assert_eq!((index, err), (2, AuditError::Signature));
}

#[test]
fn tampered_checkpoint_is_caught() {
    let (k, log, mut cps) = fixture();
    cps[3].checkpoint.tree_size = 12;
    let (index, err) = failure(verify_log(&log, &cps, k.public_key().as_ref()));
    assert_eq!((index, err), (3, AuditError::Signature));
}

#[test]
fn shrinking_checkpoints_are_caught() {
    let (k, log, mut cps) = fixture();
    cps.swap(3, 4);
    let (index, err) = failure(verify_log(&log, &cps, k.public_key().as_ref()));
    assert_eq!(
        (index, err),
        (
            4,
            AuditError::Shrunk {
                previous: 17,
                current: 13
            }
        )
    );
}

#[test]
fn checkpoint_for_another_log_is_caught() {
    let (k, log, mut cps) = fixture();
    cps[1] = Checkpoint::new("dsg-other", 8, root(&log[..8]), 5)
        .unwrap()
        .sign(&k, &SystemRandom::new())
        .unwrap();
    let (index, err) = failure(verify_log(&log, &cps, k.public_key().as_ref()));
    assert_eq!(index, 1);
    assert!(matches!(err, AuditError::LogIdMismatch { .. }), "{err:?}");
}

#[test]
fn forged_history_with_honestly_signed_roots_still_fails() {
    // The operator rewrites leaf 0 and re-signs fresh checkpoints for the
    // forged log, but the auditor still holds the original checkpoint 0.
    let (k, log, cps) = fixture();
    let mut forged = log.clone();
    forged[0] = leaf_hash(&[0; 32], b"forged");
    let mut mixed = vec![cps[0].clone()];
    mixed.push(checkpoint(&k, &forged, 8));
    let (index, err) = failure(verify_log(&forged, &mixed, k.public_key().as_ref()));
    assert_eq!((index, err), (0, AuditError::RootMismatch));
}

#[test]
fn no_checkpoints_is_an_error() {
    let k = key();
    assert_eq!(
        verify_log(&leaves(3), &[], k.public_key().as_ref()),
        Err(AuditError::NoCheckpoints)
    );
}
