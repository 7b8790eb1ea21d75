//! Inclusion proofs: exhaustive over trees of size 1..=40, plus tampering.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail loudly on unexpected errors"
)]

use dsg_audit::{inclusion_proof, leaf_hash, root, verify_inclusion, AuditError, Hash};

const MAX: usize = 40;

fn leaves(n: usize) -> Vec<Hash> {
    (0..n)
        .map(|i| leaf_hash(&[i as u8; 32], format!("entry-{i}").as_bytes()))
        .collect()
}

/// Left/right pattern of the audit path for leaf `m` of an `n`-leaf tree,
/// straight from the RFC 6962 `PATH` recursion (true = sibling on the
/// right), innermost first. Two (index, size) pairs with the same pattern
/// accept the same proof: RFC 9162 verification binds the tree size only
/// through the signed root, so a "wrong size" must be rejected exactly when
/// the pattern differs.
fn shape(m: usize, n: usize) -> Vec<bool> {
    if n <= 1 {
        return Vec::new();
    }
    let k = 1usize << (usize::BITS - 1 - (n - 1).leading_zeros());
    let mut s = if m < k {
        shape(m, k)
    } else {
        shape(m - k, n - k)
    };
    s.push(m < k);
    s
}

#[test]
fn every_index_verifies() {
    let all = leaves(MAX);
    for n in 1..=MAX {
        let d = &all[..n];
        let r = root(d);
        for i in 0..n {
            let proof = inclusion_proof(d, i as u64).unwrap();
            verify_inclusion(&d[i], i as u64, n as u64, &proof, &r)
                .unwrap_or_else(|e| panic!("n={n} i={i}: {e}"));
        }
    }
}

#[test]
fn tampering_is_rejected() {
    let all = leaves(MAX);
    for n in 1..=MAX {
        let d = &all[..n];
        let r = root(d);
        let size = n as u64;
        for i in 0..n {
            let idx = i as u64;
            let proof = inclusion_proof(d, idx).unwrap();
            let ctx = format!("n={n} i={i}");

            // Wrong index: any other position in the same tree.
            for j in (0..n).filter(|&j| j != i) {
                assert!(
                    verify_inclusion(&d[i], j as u64, size, &proof, &r).is_err(),
                    "{ctx} accepted at index {j}"
                );
            }
            // Wrong leaf: every other leaf, and one not in the log at all.
            for j in (0..n).filter(|&j| j != i) {
                assert!(
                    verify_inclusion(&d[j], idx, size, &proof, &r).is_err(),
                    "{ctx}"
                );
            }
            let stranger = leaf_hash(&[0xee; 32], b"never logged");
            assert!(
                verify_inclusion(&stranger, idx, size, &proof, &r).is_err(),
                "{ctx}"
            );
            // Wrong size: rejected unless the path pattern is identical.
            for m in 1..=MAX + 2 {
                if m == n {
                    continue;
                }
                let ok = verify_inclusion(&d[i], idx, m as u64, &proof, &r).is_ok();
                let same = i < m && shape(i, m) == shape(i, n);
                assert_eq!(ok, same, "{ctx} claimed size {m}");
            }
            // Truncated / extended.
            if let Some((_, short)) = proof.split_last() {
                assert!(
                    verify_inclusion(&d[i], idx, size, short, &r).is_err(),
                    "{ctx}"
                );
            }
            let mut long = proof.clone();
            long.push(r);
            assert!(
                verify_inclusion(&d[i], idx, size, &long, &r).is_err(),
                "{ctx}"
            );
            // A single flipped bit anywhere in the proof, leaf or root.
            for k in 0..proof.len() {
                for bit in [0usize, 137, 255] {
                    let mut bad = proof.clone();
                    bad[k][bit / 8] ^= 1 << (bit % 8);
                    assert!(
                        verify_inclusion(&d[i], idx, size, &bad, &r).is_err(),
                        "{ctx}"
                    );
                }
            }
            let mut bad_leaf = d[i];
            bad_leaf[31] ^= 1;
            assert!(verify_inclusion(&bad_leaf, idx, size, &proof, &r).is_err());
            let mut bad_root = r;
            bad_root[0] ^= 0x80;
            assert!(verify_inclusion(&d[i], idx, size, &proof, &bad_root).is_err());
        }
    }
}

#[test]
fn known_size_ambiguity_is_what_the_rfc_allows() {
    // Leaf 0 of 3 and leaf 0 of 4 have the same path shape (two right
    // siblings), so the proof alone cannot tell the sizes apart; this is
    // why a root is only meaningful together with its signed size.
    let d = leaves(3);
    let proof = inclusion_proof(&d, 0).unwrap();
    assert_eq!(shape(0, 3), shape(0, 4));
    assert!(verify_inclusion(&d[0], 0, 4, &proof, &root(&d)).is_ok());
}

#[test]
fn out_of_range() {
    let d = leaves(5);
    assert_eq!(
        inclusion_proof(&d, 5),
        Err(AuditError::IndexOutOfRange {
            index: 5,
            tree_size: 5
        })
    );
    assert!(inclusion_proof(&[], 0).is_err());
    let r = root(&d);
    assert_eq!(
        verify_inclusion(&d[0], 5, 5, &[], &r),
        Err(AuditError::IndexOutOfRange {
            index: 5,
            tree_size: 5
        })
    );
    assert!(verify_inclusion(&d[0], 0, 0, &[], &r).is_err());
    assert!(verify_inclusion(&d[0], u64::MAX, u64::MAX, &[], &r).is_err());
}

#[test]
fn single_leaf_tree() {
    let d = leaves(1);
    let proof = inclusion_proof(&d, 0).unwrap();
    assert!(proof.is_empty());
    assert!(verify_inclusion(&d[0], 0, 1, &proof, &d[0]).is_ok());
    assert!(verify_inclusion(&d[0], 0, 1, &[d[0]], &d[0]).is_err());
}
