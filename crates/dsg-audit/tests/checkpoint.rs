//! Checkpoint encoding, signing and verification.
#![allow(
    clippy::string_slice,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail loudly on unexpected errors"
)]

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, ECDSA_P384_SHA384_ASN1_SIGNING};
use dsg_audit::{
    AuditError, Checkpoint, EcdsaKeyPair, KeyPair, SignedCheckpoint, SystemRandom,
    ECDSA_P256_SHA256_ASN1_SIGNING,
};

fn key() -> EcdsaKeyPair {
    EcdsaKeyPair::generate(&ECDSA_P256_SHA256_ASN1_SIGNING).unwrap()
}

fn sample() -> Checkpoint {
    Checkpoint::new("dsg-prod-eu", 42, [0xab; 32], 1_700_000_000_123).unwrap()
}

#[test]
fn encoding_is_documented_text() {
    let bytes = sample().to_bytes().unwrap();
    let expected = format!(
        "dsg-audit-checkpoint/v1\ndsg-prod-eu\n42\n{}\n1700000000123\n",
        "ab".repeat(32)
    );
    assert_eq!(String::from_utf8(bytes.clone()).unwrap(), expected);
    assert_eq!(Checkpoint::from_bytes(&bytes).unwrap(), sample());

    let negative = Checkpoint::new("x", 0, [0; 32], -5).unwrap();
    let bytes = negative.to_bytes().unwrap();
    let expected = format!("dsg-audit-checkpoint/v1\nx\n0\n{}\n-5\n", "00".repeat(32));
    assert_eq!(bytes, expected.as_bytes());
    assert_eq!(Checkpoint::from_bytes(&bytes).unwrap(), negative);
}

#[test]
fn non_canonical_encodings_are_rejected() {
    let good = String::from_utf8(sample().to_bytes().unwrap()).unwrap();
    let root = "ab".repeat(32);
    let variants = [
        good.replace("\n42\n", "\n042\n"),
        good.replace("\n42\n", "\n+42\n"),
        good.replace(&root, &root.to_uppercase()),
        good.replace("1700000000123", "+1700000000123"),
        good.replace("/v1", "/v2"),
        good.replace('\n', "\r\n"),
        good.trim_end().to_owned(),
        format!("{good}\n"),
        format!("{good}extra\n"),
        good.replace("dsg-prod-eu", "dsg prod"),
        good.replace("dsg-prod-eu", ""),
        good.replace(&root, &root[..62]),
    ];
    for v in variants {
        assert!(Checkpoint::from_bytes(v.as_bytes()).is_err(), "{v:?}");
    }
    let negative_zero = "dsg-audit-checkpoint/v1\nx\n0\n".to_owned() + &root + "\n-0\n";
    assert!(Checkpoint::from_bytes(negative_zero.as_bytes()).is_err());
}

#[test]
fn log_id_validation() {
    for bad in ["", "a\nb", "a b", "tab\t", "é", &"x".repeat(129)] {
        assert!(
            matches!(
                Checkpoint::new(bad, 1, [0; 32], 0),
                Err(AuditError::Encoding(_))
            ),
            "{bad:?}"
        );
    }
    assert!(Checkpoint::new("x".repeat(128), 1, [0; 32], 0).is_ok());
    // Public fields can bypass `new`; encoding must still refuse, otherwise
    // an id with '\n' could make two checkpoints sign the same bytes.
    let mut cp = sample();
    cp.log_id = "a\n1".into();
    assert!(cp.to_bytes().is_err());
    assert!(cp.sign(&key(), &SystemRandom::new()).is_err());
}

#[test]
fn sign_then_verify() {
    let k = key();
    let signed = sample().sign(&k, &SystemRandom::new()).unwrap();
    let raw = k.public_key().as_ref();
    assert_eq!(raw.len(), 65, "uncompressed SEC1 point");
    signed.verify(raw).unwrap();
    let der = k.public_key().as_der().unwrap();
    signed.verify(der.as_ref()).unwrap();
}

#[test]
fn tampering_is_rejected() {
    let k = key();
    let pk = k.public_key().as_ref().to_vec();
    let signed = sample().sign(&k, &SystemRandom::new()).unwrap();

    let mut t = signed.clone();
    t.checkpoint.root[17] ^= 0x04;
    assert_eq!(t.verify(&pk), Err(AuditError::Signature));

    let mut t = signed.clone();
    t.checkpoint.tree_size += 1;
    assert_eq!(t.verify(&pk), Err(AuditError::Signature));

    let mut t = signed.clone();
    t.checkpoint.log_id = "dsg-prod-eU".into();
    assert_eq!(t.verify(&pk), Err(AuditError::Signature));

    let mut t = signed.clone();
    t.checkpoint.timestamp_ms -= 1;
    assert_eq!(t.verify(&pk), Err(AuditError::Signature));

    for i in 0..signed.signature.len() {
        let mut t = signed.clone();
        t.signature[i] ^= 0x01;
        assert!(t.verify(&pk).is_err(), "signature byte {i}");
    }
    let mut t = signed.clone();
    t.signature.pop();
    assert!(t.verify(&pk).is_err());
    let mut t = signed;
    t.signature.clear();
    assert!(t.verify(&pk).is_err());
}

#[test]
fn wrong_or_malformed_key_is_rejected() {
    let signed = sample().sign(&key(), &SystemRandom::new()).unwrap();
    let other = key();
    assert_eq!(
        signed.verify(other.public_key().as_ref()),
        Err(AuditError::Signature)
    );
    assert!(signed.verify(&[]).is_err());
    assert!(signed.verify(&[4u8; 65]).is_err());
}

#[test]
fn keys_for_other_algorithms_cannot_sign() {
    let rng = SystemRandom::new();
    let p384 = EcdsaKeyPair::generate(&ECDSA_P384_SHA384_ASN1_SIGNING).unwrap();
    assert_eq!(sample().sign(&p384, &rng), Err(AuditError::Signing));
    let fixed = EcdsaKeyPair::generate(&ECDSA_P256_SHA256_FIXED_SIGNING).unwrap();
    assert_eq!(sample().sign(&fixed, &rng), Err(AuditError::Signing));
}

#[test]
fn json_round_trip() {
    let k = key();
    let signed = sample().sign(&k, &SystemRandom::new()).unwrap();
    let json = signed.to_json().unwrap();
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["checkpoint"]["log_id"], "dsg-prod-eu");
    assert_eq!(v["checkpoint"]["tree_size"], 42);
    assert_eq!(v["checkpoint"]["root"], "ab".repeat(32));
    assert_eq!(v["checkpoint"]["timestamp_ms"], 1_700_000_000_123i64);
    assert_eq!(v["signature"], hex::encode(&signed.signature));

    let back = SignedCheckpoint::from_json(&json).unwrap();
    assert_eq!(back, signed);
    back.verify(k.public_key().as_ref()).unwrap();

    let short_root = json.replace(&"ab".repeat(32), "abcd");
    assert!(SignedCheckpoint::from_json(&short_root).is_err());
    let extra = json.replacen('{', "{\"extra\":1,", 1);
    assert!(SignedCheckpoint::from_json(&extra).is_err());
    let not_hex = json.replace(&hex::encode(&signed.signature), "zz");
    assert!(SignedCheckpoint::from_json(&not_hex).is_err());
}

#[test]
fn version_2_signs_the_retention_period_and_version_1_still_reads() {
    let v2 = sample().with_retention(1827);
    let bytes = v2.to_bytes().unwrap();
    let expected = format!(
        "dsg-audit-checkpoint/v2\ndsg-prod-eu\n42\n{}\n1700000000123\n1827\n",
        "ab".repeat(32)
    );
    assert_eq!(String::from_utf8(bytes.clone()).unwrap(), expected);
    assert_eq!(Checkpoint::from_bytes(&bytes).unwrap(), v2);
    // Not canonical, or a v1 header with a sixth line: refused.
    for bad in [
        expected.replace("\n1827\n", "\n01827\n"),
        expected.replace("/v2", "/v1"),
        expected.replace("\n1827\n", "\n"),
    ] {
        assert!(Checkpoint::from_bytes(bad.as_bytes()).is_err(), "{bad}");
    }
    // The JSON of a v1 checkpoint has no retention field and reads back
    // as before; the period is covered by the signature.
    let k = key();
    let rng = SystemRandom::new();
    let old = sample().sign(&k, &rng).unwrap();
    assert!(!old.to_json().unwrap().contains("retention"));
    let back = SignedCheckpoint::from_json(&old.to_json().unwrap()).unwrap();
    back.verify(k.public_key().as_ref()).unwrap();
    let mut new = v2.sign(&k, &rng).unwrap();
    new.verify(k.public_key().as_ref()).unwrap();
    new.checkpoint.retention_days = Some(1);
    assert!(new.verify(k.public_key().as_ref()).is_err());
}
