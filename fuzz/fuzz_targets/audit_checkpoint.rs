//! Offline verification of an exported audit log (dsg-audit): checkpoint
//! parsing (canonical bytes and JSON), signature verification, a company
//! head read back from an entry, and `verify_log` over an arbitrary export.
//!
//! Nothing may panic; a parsed canonical checkpoint re-encodes to the same
//! bytes; a checkpoint signed by the fixed key verifies under it and no
//! other input does; `verify_log` accepts only logs whose every checkpoint
//! it could check.
#![no_main]

use std::sync::OnceLock;

use arbitrary::Arbitrary;
use dsg_audit::{
    root, verify_log, verify_sub_log, Checkpoint, CompanyHead, EcdsaKeyPair, Hash, KeyPair,
    SignedCheckpoint, SystemRandom, ECDSA_P256_SHA256_ASN1_SIGNING,
};
use libfuzzer_sys::fuzz_target;

fn key() -> &'static EcdsaKeyPair {
    static KEY: OnceLock<EcdsaKeyPair> = OnceLock::new();
    KEY.get_or_init(|| EcdsaKeyPair::generate(&ECDSA_P256_SHA256_ASN1_SIGNING).expect("P-256 key"))
}

#[derive(Debug, Arbitrary)]
enum Input<'a> {
    /// Bytes as the canonical checkpoint encoding.
    Canonical(&'a [u8]),
    /// Text as an exported signed checkpoint, verified under `public_key`
    /// (or under the fixed key when absent).
    Json {
        json: &'a str,
        public_key: Option<&'a [u8]>,
    },
    /// A company head as stored in an entry's reason, checked against
    /// an extract.
    Head { reason: &'a str, leaves: Vec<Hash> },
    /// A whole export: leaves, and checkpoints that are either parsed from
    /// text or made and signed by the fixed key from fuzzer-chosen fields.
    Log {
        leaves: Vec<Hash>,
        checkpoints: Vec<Cp<'a>>,
    },
}

#[derive(Debug, Arbitrary)]
enum Cp<'a> {
    Json(&'a str),
    Signed {
        log_id: &'a str,
        tree_size: u64,
        /// Use the real root of the first `tree_size` leaves.
        honest_root: bool,
        root: Hash,
        timestamp_ms: i64,
    },
}

fuzz_target!(|input: Input<'_>| {
    let public = key().public_key().as_ref();
    match input {
        Input::Canonical(bytes) => {
            if let Ok(cp) = Checkpoint::from_bytes(bytes) {
                assert_eq!(cp.to_bytes().expect("re-encode"), bytes);
            }
        }
        Input::Json { json, public_key } => {
            if let Ok(signed) = SignedCheckpoint::from_json(json) {
                // Nobody but the holder of the fixed key can sign for it.
                assert!(signed.verify(public).is_err(), "forged signature accepted");
                let _ = signed.verify(public_key.unwrap_or(public));
                if let Ok(text) = signed.to_json() {
                    assert_eq!(SignedCheckpoint::from_json(&text).ok(), Some(signed));
                }
            }
        }
        Input::Head { reason, leaves } => {
            if let Ok(head) = CompanyHead::parse(reason) {
                assert_eq!(CompanyHead::parse(&head.to_reason()).ok(), Some(head));
                let ok = verify_sub_log(&leaves, &head).is_ok();
                assert_eq!(
                    ok,
                    leaves.len() as u64 == head.size && root(&leaves) == head.root
                );
            }
        }
        Input::Log {
            leaves,
            checkpoints,
        } => {
            let rng = SystemRandom::new();
            let mut signed = Vec::new();
            let mut all_ours = true;
            for cp in checkpoints.iter().take(16) {
                match cp {
                    Cp::Json(json) => {
                        if let Ok(s) = SignedCheckpoint::from_json(json) {
                            all_ours = false;
                            signed.push(s);
                        }
                    }
                    Cp::Signed {
                        log_id,
                        tree_size,
                        honest_root,
                        root: given,
                        timestamp_ms,
                    } => {
                        let size = (*tree_size as usize).min(leaves.len() + 1);
                        let r = if *honest_root && size <= leaves.len() {
                            root(&leaves[..size])
                        } else {
                            *given
                        };
                        if let Ok(cp) = Checkpoint::new(*log_id, size as u64, r, *timestamp_ms) {
                            signed.push(cp.sign(key(), &rng).expect("sign"));
                        }
                    }
                }
            }
            match verify_log(&leaves, &signed, public) {
                Ok(report) => {
                    // Only checkpoints from the fixed key can pass, each
                    // with the right root, the same log id, sizes in order.
                    assert!(all_ours && !signed.is_empty());
                    assert_eq!(report.checkpoints_checked, signed.len());
                    let mut previous = 0;
                    for s in &signed {
                        let cp = &s.checkpoint;
                        assert_eq!(cp.log_id, signed[0].checkpoint.log_id);
                        assert!(cp.tree_size >= previous);
                        assert_eq!(root(&leaves[..cp.tree_size as usize]), cp.root);
                        previous = cp.tree_size;
                    }
                    assert_eq!(report.entries_checked, previous);
                    assert_eq!(
                        report.entries_checked + report.entries_unanchored,
                        leaves.len() as u64
                    );
                }
                Err(_) => assert!(
                    !all_ours || signed.is_empty() || {
                        // Refused although every checkpoint is ours: one of
                        // them must really be wrong.
                        let mut previous = 0;
                        signed.iter().any(|s| {
                            let cp = &s.checkpoint;
                            let bad = cp.log_id != signed[0].checkpoint.log_id
                                || cp.tree_size < previous
                                || cp.tree_size as usize > leaves.len()
                                || root(&leaves[..cp.tree_size as usize]) != cp.root;
                            previous = cp.tree_size;
                            bad
                        })
                    }
                ),
            }
        }
    }
});
