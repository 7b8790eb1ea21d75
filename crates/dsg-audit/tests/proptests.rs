//! Property tests over random tree sizes, indices and salts.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail loudly on unexpected errors"
)]

use dsg_audit::{
    consistency_proof, inclusion_proof, leaf_hash, root, verify_consistency, verify_inclusion,
    CompactTree, Hash,
};
use proptest::prelude::*;

fn leaves(seed: u8, n: usize) -> Vec<Hash> {
    (0..n)
        .map(|i| leaf_hash(&[seed; 32], &(i as u64).to_be_bytes()))
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn inclusion_round_trip(seed: u8, n in 1usize..600, pick: prop::sample::Index, flip: prop::sample::Index) {
        let d = leaves(seed, n);
        let r = root(&d);
        let i = pick.index(n);
        let proof = inclusion_proof(&d, i as u64).unwrap();
        prop_assert!(verify_inclusion(&d[i], i as u64, n as u64, &proof, &r).is_ok());
        // Proof length is the path depth: at most ceil(log2 n).
        prop_assert!(proof.len() <= (usize::BITS - (n - 1).leading_zeros()) as usize);
        if !proof.is_empty() {
            let mut bad = proof.clone();
            let k = flip.index(proof.len());
            bad[k][flip.index(32)] ^= 0x40;
            prop_assert!(verify_inclusion(&d[i], i as u64, n as u64, &bad, &r).is_err());
        }
        if n > 1 {
            let j = (i + 1) % n;
            prop_assert!(verify_inclusion(&d[j], i as u64, n as u64, &proof, &r).is_err());
        }
    }

    #[test]
    fn consistency_round_trip(seed: u8, n in 1usize..600, pick: prop::sample::Index, edit: prop::sample::Index) {
        let d = leaves(seed, n);
        let m = pick.index(n) + 1;
        let old_root = root(&d[..m]);
        let new_root = root(&d);
        let proof = consistency_proof(&d, m as u64).unwrap();
        prop_assert!(verify_consistency(m as u64, n as u64, &old_root, &new_root, &proof).is_ok());

        // Rewrite one old leaf and re-derive everything honestly from the
        // forged log: the remembered old root must no longer be consistent.
        let mut forged = d.clone();
        forged[edit.index(m)] = leaf_hash(&[seed ^ 0xff; 32], b"rewritten");
        let forged_root = root(&forged);
        let forged_proof = consistency_proof(&forged, m as u64).unwrap();
        prop_assert!(verify_consistency(m as u64, n as u64, &old_root, &forged_root, &forged_proof).is_err());
    }

    #[test]
    fn compact_tree_equals_root(seed: u8, n in 0usize..1100) {
        let d = leaves(seed, n);
        let mut t = CompactTree::new();
        d.iter().for_each(|l| t.push(*l));
        prop_assert_eq!(t.size(), n as u64);
        prop_assert_eq!(t.root(), root(&d));
    }
}
