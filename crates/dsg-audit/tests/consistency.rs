//! Consistency proofs: exhaustive over 1 <= m <= n <= 40, plus tampering.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail loudly on unexpected errors"
)]

use dsg_audit::{
    consistency_proof, empty_root, leaf_hash, root, verify_consistency, AuditError, Hash,
};

const MAX: usize = 40;

fn leaves(n: usize) -> Vec<Hash> {
    (0..n)
        .map(|i| leaf_hash(&[i as u8; 32], format!("entry-{i}").as_bytes()))
        .collect()
}

#[test]
fn every_pair_verifies() {
    let all = leaves(MAX);
    for n in 1..=MAX {
        let new_root = root(&all[..n]);
        for m in 1..=n {
            let old_root = root(&all[..m]);
            let proof = consistency_proof(&all[..n], m as u64).unwrap();
            verify_consistency(m as u64, n as u64, &old_root, &new_root, &proof)
                .unwrap_or_else(|e| panic!("m={m} n={n}: {e}"));
        }
    }
}

#[test]
fn tampering_is_rejected() {
    let all = leaves(MAX);
    let roots: Vec<Hash> = (0..=MAX).map(|k| root(&all[..k])).collect();
    for n in 1..=MAX {
        for m in 1..=n {
            let (mu, nu) = (m as u64, n as u64);
            let proof = consistency_proof(&all[..n], mu).unwrap();
            let ctx = format!("m={m} n={n}");
            let verify = |om: u64, nn: u64, or: &Hash, nr: &Hash, p: &[Hash]| {
                verify_consistency(om, nn, or, nr, p).is_err()
            };

            // Tampered old root / new root.
            let mut bad = roots[m];
            bad[5] ^= 0x10;
            assert!(verify(mu, nu, &bad, &roots[n], &proof), "{ctx} old root");
            let mut bad = roots[n];
            bad[30] ^= 0x01;
            assert!(verify(mu, nu, &roots[m], &bad, &proof), "{ctx} new root");

            // A leaf rewritten anywhere in the old tree: the log operator
            // recomputes everything honestly from the rewritten log, but the
            // old root the auditor remembers no longer matches.
            for j in 0..m {
                let mut forged = all[..n].to_vec();
                forged[j] = leaf_hash(&[0xaa; 32], b"rewritten");
                let forged_root = root(&forged);
                let forged_proof = consistency_proof(&forged, mu).unwrap();
                assert!(
                    verify(mu, nu, &roots[m], &forged_root, &forged_proof),
                    "{ctx} rewritten leaf {j}"
                );
            }

            // A proof made for a different old size.
            for other in (1..=n).filter(|&o| o != m) {
                let p = consistency_proof(&all[..n], other as u64).unwrap();
                assert!(
                    verify(mu, nu, &roots[m], &roots[n], &p),
                    "{ctx} proof for m={other}"
                );
            }

            // Wrong claimed sizes with the genuine roots and proof. As with
            // inclusion proofs, some size pairs share a proof shape (e.g.
            // 1→3 and 1→4), so sizes are only bound by the signed
            // checkpoint; but a claim whose proof would have a different
            // length must always be rejected.
            for other_n in (m..=MAX).filter(|&o| o != n) {
                let expected = consistency_proof(&all[..other_n], mu).unwrap();
                if expected.len() != proof.len() {
                    let on = other_n as u64;
                    assert!(
                        verify(mu, on, &roots[m], &roots[n], &proof),
                        "{ctx} n'={on}"
                    );
                }
            }
            for other_m in (1..=n).filter(|&o| o != m) {
                let expected = consistency_proof(&all[..n], other_m as u64).unwrap();
                if expected.len() != proof.len() {
                    let om = other_m as u64;
                    assert!(
                        verify(om, nu, &roots[m], &roots[n], &proof),
                        "{ctx} m'={om}"
                    );
                }
            }

            // Truncated, extended, bit-flipped proofs.
            if let Some((_, short)) = proof.split_last() {
                assert!(
                    verify(mu, nu, &roots[m], &roots[n], short),
                    "{ctx} truncated"
                );
            }
            let mut long = proof.clone();
            long.push(roots[n]);
            assert!(
                verify(mu, nu, &roots[m], &roots[n], &long),
                "{ctx} extended"
            );
            for k in 0..proof.len() {
                let mut flipped = proof.clone();
                flipped[k][k % 32] ^= 1 << (k % 8);
                assert!(
                    verify(mu, nu, &roots[m], &roots[n], &flipped),
                    "{ctx} flip {k}"
                );
            }
        }
    }
}

#[test]
fn equal_sizes_need_equal_roots_and_empty_proof() {
    let d = leaves(6);
    let r = root(&d);
    assert!(consistency_proof(&d, 6).unwrap().is_empty());
    assert!(verify_consistency(6, 6, &r, &r, &[]).is_ok());
    assert!(verify_consistency(6, 6, &r, &root(&d[..5]), &[]).is_err());
    assert!(verify_consistency(6, 6, &r, &r, &[r]).is_err());
}

#[test]
fn empty_old_tree() {
    let d = leaves(6);
    let r = root(&d);
    assert!(consistency_proof(&d, 0).unwrap().is_empty());
    assert!(verify_consistency(0, 6, &empty_root(), &r, &[]).is_ok());
    assert!(verify_consistency(0, 0, &empty_root(), &empty_root(), &[]).is_ok());
    assert!(verify_consistency(0, 6, &r, &r, &[]).is_err());
    assert!(verify_consistency(0, 6, &empty_root(), &r, &[r]).is_err());
}

#[test]
fn impossible_sizes() {
    let d = leaves(4);
    assert!(matches!(
        consistency_proof(&d, 5),
        Err(AuditError::InvalidSize(_))
    ));
    let r = root(&d);
    assert!(matches!(
        verify_consistency(5, 4, &r, &r, &[]),
        Err(AuditError::InvalidSize(_))
    ));
    // A non-empty proof for m < n is mandatory.
    assert_eq!(
        verify_consistency(2, 4, &root(&d[..2]), &r, &[]),
        Err(AuditError::ConsistencyProof)
    );
}
