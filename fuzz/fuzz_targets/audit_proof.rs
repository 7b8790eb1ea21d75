//! Inclusion and consistency proof verification of dsg-audit (RFC 9162),
//! as an auditor runs it offline on proofs it was handed.
//!
//! * Arbitrary sizes, indices, proofs and roots: no panic, and no proof is
//!   accepted for a root that is not the tree's.
//! * Proofs generated from a fuzzer-chosen tree verify; with one hash
//!   changed, dropped or added they do not.
#![no_main]

use arbitrary::Arbitrary;
use dsg_audit::{
    consistency_proof, inclusion_proof, root, verify_consistency, verify_inclusion, Hash,
};
use libfuzzer_sys::fuzz_target;

#[derive(Debug, Arbitrary)]
enum Change {
    None,
    Flip { at: u8, byte: u8, mask: u8 },
    Drop { at: u8 },
    Add { at: u8, hash: Hash },
}

#[derive(Debug, Arbitrary)]
enum Input {
    Inclusion {
        leaf: Hash,
        index: u64,
        tree_size: u64,
        proof: Vec<Hash>,
        root: Hash,
    },
    Consistency {
        old_size: u64,
        new_size: u64,
        old_root: Hash,
        new_root: Hash,
        proof: Vec<Hash>,
    },
    Honest {
        /// Leaves are derived from these bytes, so that trees of a few
        /// hundred leaves stay cheap to describe.
        seeds: Vec<u8>,
        index: u16,
        old_size: u16,
        change: Change,
    },
}

/// Applies `change` to `proof`; returns whether the proof differs.
fn apply(proof: &mut Vec<Hash>, change: &Change) -> bool {
    match *change {
        Change::None => false,
        Change::Flip { at, byte, mask } => match proof.len() {
            0 => false,
            n => {
                proof[usize::from(at) % n][usize::from(byte) % 32] ^= mask;
                mask != 0
            }
        },
        Change::Drop { at } => match proof.len() {
            0 => false,
            n => {
                proof.remove(usize::from(at) % n);
                true
            }
        },
        Change::Add { at, hash } => {
            let at = usize::from(at) % (proof.len() + 1);
            proof.insert(at, hash);
            true
        }
    }
}

fuzz_target!(|input: Input| match input {
    Input::Inclusion {
        leaf,
        index,
        tree_size,
        proof,
        root,
    } => {
        if verify_inclusion(&leaf, index, tree_size, &proof, &root).is_ok() {
            // A proof can only lead to a root from the leaf.
            assert!(index < tree_size);
            assert!(!proof.is_empty() || leaf == root);
        }
    }
    Input::Consistency {
        old_size,
        new_size,
        old_root,
        new_root,
        proof,
    } => {
        if verify_consistency(old_size, new_size, &old_root, &new_root, &proof).is_ok() {
            assert!(old_size <= new_size);
        }
    }
    Input::Honest {
        seeds,
        index,
        old_size,
        change,
    } => {
        let leaves: Vec<Hash> = seeds
            .iter()
            .enumerate()
            .map(|(i, b)| {
                let mut h = [*b; 32];
                h[..8].copy_from_slice(&(i as u64).to_be_bytes());
                h
            })
            .collect();
        let n = leaves.len() as u64;
        let r = root(&leaves);
        if n > 0 {
            let index = u64::from(index) % n;
            let mut proof = inclusion_proof(&leaves, index).expect("proof");
            let leaf = leaves[index as usize];
            assert!(verify_inclusion(&leaf, index, n, &proof, &r).is_ok());
            let changed = apply(&mut proof, &change);
            let ok = verify_inclusion(&leaf, index, n, &proof, &r).is_ok();
            assert_eq!(ok, !changed, "inclusion proof: {change:?}");
        }
        let old = u64::from(old_size) % (n + 1);
        let old_root = root(&leaves[..old as usize]);
        let mut proof = consistency_proof(&leaves, old).expect("proof");
        assert!(verify_consistency(old, n, &old_root, &r, &proof).is_ok());
        let changed = apply(&mut proof, &change);
        let ok = verify_consistency(old, n, &old_root, &r, &proof).is_ok();
        assert_eq!(ok, !changed, "consistency proof: {change:?}");
    }
});
