//! Cross-check against `ct-merkle`, an independent RFC 6962 implementation.
//!
//! ct-merkle hashes a leaf as SHA-256(0x00 ‖ bytes). Feeding it the bytes
//! `salt ‖ entry` makes its leaf hash identical to our salted
//! [`leaf_hash`], so roots and both kinds of proof can be compared byte for
//! byte, not just "both verify".
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail loudly on unexpected errors"
)]

use ct_merkle::mem_backed_tree::MemoryBackedTree;
use dsg_audit::{
    consistency_proof, inclusion_proof, leaf_hash, root, verify_consistency, verify_inclusion, Hash,
};
use proptest::prelude::*;
use sha2::Sha256;

fn entry(i: usize) -> ([u8; 32], Vec<u8>) {
    let mut salt = [0u8; 32];
    salt[..8].copy_from_slice(&(i as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15).to_le_bytes());
    (
        salt,
        format!("{{\"seq\":{i},\"action\":\"download\"}}").into_bytes(),
    )
}

fn build(n: usize) -> (Vec<Hash>, MemoryBackedTree<Sha256, Vec<u8>>) {
    let mut theirs = MemoryBackedTree::<Sha256, Vec<u8>>::new();
    let mut ours = Vec::with_capacity(n);
    for i in 0..n {
        let (salt, body) = entry(i);
        ours.push(leaf_hash(&salt, &body));
        theirs.push([salt.as_slice(), &body].concat());
    }
    (ours, theirs)
}

fn flat(proof: &[Hash]) -> Vec<u8> {
    proof.concat()
}

#[test]
fn exhaustive_small_trees_match() {
    for n in 1..=33 {
        let (ours, theirs) = build(n);
        let their_root = theirs.root();
        assert_eq!(
            root(&ours).as_slice(),
            their_root.as_bytes().as_slice(),
            "n={n}"
        );
        for i in 0..n {
            let our_proof = inclusion_proof(&ours, i as u64).unwrap();
            let their_proof = theirs.prove_inclusion(i);
            assert_eq!(flat(&our_proof), their_proof.as_bytes(), "n={n} i={i}");
        }
        for m in 1..=n {
            let our_proof = consistency_proof(&ours, m as u64).unwrap();
            let their_proof = theirs.prove_consistency(n - m);
            assert_eq!(flat(&our_proof), their_proof.as_bytes(), "m={m} n={n}");
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn random_trees_match(n in 1usize..400, pick: prop::sample::Index, pick_m: prop::sample::Index) {
        let (ours, theirs) = build(n);
        let their_root = theirs.root();
        let our_root = root(&ours);
        prop_assert_eq!(our_root.as_slice(), their_root.as_bytes().as_slice());

        let i = pick.index(n);
        let their_inc = theirs.prove_inclusion(i);
        prop_assert_eq!(flat(&inclusion_proof(&ours, i as u64).unwrap()), their_inc.as_bytes().to_vec());
        // Their proof, parsed as ours, verifies with our verifier.
        let parsed: Vec<Hash> = their_inc.as_bytes().chunks(32).map(|c| c.try_into().unwrap()).collect();
        prop_assert!(verify_inclusion(&ours[i], i as u64, n as u64, &parsed, &our_root).is_ok());

        let m = pick_m.index(n) + 1;
        let their_cons = theirs.prove_consistency(n - m);
        let parsed: Vec<Hash> = their_cons.as_bytes().chunks(32).map(|c| c.try_into().unwrap()).collect();
        prop_assert_eq!(&consistency_proof(&ours, m as u64).unwrap(), &parsed);
        prop_assert!(verify_consistency(m as u64, n as u64, &root(&ours[..m]), &our_root, &parsed).is_ok());
    }
}
