//! Integration tests for streaming blob encryption.

#![allow(
    clippy::unwrap_used,
    reason = "test helpers outside #[test] fns may unwrap; failures should abort the test"
)]

use std::sync::OnceLock;

use aws_lc_rs::aead::{Aad, LessSafeKey, Nonce, UnboundKey, AES_256_GCM};
use aws_lc_rs::rand::SystemRandom;
use dsg_crypto::{
    encrypted_len, BlobContext, BlobDecryptor, BlobEncryptor, CryptoError, SecretKey,
    BLOB_FORMAT_VERSION, CHUNK_SIZE, HEADER_LEN,
};
use proptest::prelude::*;

const TAG: usize = 16;
const ENC: usize = CHUNK_SIZE + TAG;

/// Tiny deterministic PRNG for slice sizes and plaintext.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    /// Slice length: mostly small, sometimes larger than a chunk, sometimes 0.
    fn slice_len(&mut self) -> usize {
        match self.next() % 4 {
            0 => 0,
            1 => (self.next() % 100) as usize,
            2 => (self.next() % (CHUNK_SIZE as u64 + 100)) as usize,
            _ => (self.next() % (3 * CHUNK_SIZE as u64)) as usize,
        }
    }
}

fn ctx() -> BlobContext {
    BlobContext {
        compartment: [1; 16],
        file: [2; 16],
        version: 7,
    }
}

fn key() -> SecretKey {
    SecretKey::from_bytes([0x5A; 32])
}

fn data(len: usize, seed: u64) -> Vec<u8> {
    let mut r = XorShift(seed | 1);
    (0..len).map(|_| r.next() as u8).collect()
}

fn encrypt_split(key: &SecretKey, ctx: BlobContext, pt: &[u8], seed: u64) -> Vec<u8> {
    let mut r = XorShift(seed | 1);
    let mut enc = BlobEncryptor::new(key, ctx).unwrap();
    let mut out = enc.header().to_vec();
    let mut rest = pt;
    while !rest.is_empty() {
        let n = r.slice_len().min(rest.len());
        enc.update(&rest[..n], &mut out).unwrap();
        rest = &rest[n..];
        // Never more than one chunk of plaintext is held back.
        let emitted = out.len() - HEADER_LEN;
        let consumed = pt.len() - rest.len();
        assert_eq!(emitted % ENC, 0);
        assert!(consumed - emitted / ENC * CHUNK_SIZE <= CHUNK_SIZE);
    }
    enc.finish(&mut out).unwrap();
    out
}

fn encrypt(key: &SecretKey, ctx: BlobContext, pt: &[u8]) -> Vec<u8> {
    encrypt_split(key, ctx, pt, 42)
}

fn decrypt_split(
    key: &SecretKey,
    ctx: BlobContext,
    ct: &[u8],
    seed: u64,
) -> Result<Vec<u8>, CryptoError> {
    let mut r = XorShift(seed | 1);
    let mut dec = BlobDecryptor::new(key, ctx)?;
    let mut out = Vec::new();
    let mut rest = ct;
    while !rest.is_empty() {
        let n = r.slice_len().min(rest.len());
        dec.update(&rest[..n], &mut out)?;
        rest = &rest[n..];
        // At most one encrypted chunk is held back.
        let fed = ct.len() - rest.len();
        if fed > HEADER_LEN {
            let held = fed - HEADER_LEN - out.len() / CHUNK_SIZE * ENC;
            assert!(held <= ENC, "held back {held} bytes");
        }
    }
    dec.finish(&mut out)?;
    Ok(out)
}

fn decrypt(key: &SecretKey, ctx: BlobContext, ct: &[u8]) -> Result<Vec<u8>, CryptoError> {
    decrypt_split(key, ctx, ct, 7)
}

/// Plaintext of 3 full chunks plus a partial one, and its ciphertext.
fn sample() -> &'static (Vec<u8>, Vec<u8>) {
    static S: OnceLock<(Vec<u8>, Vec<u8>)> = OnceLock::new();
    S.get_or_init(|| {
        let pt = data(3 * CHUNK_SIZE + 1000, 99);
        let ct = encrypt(&key(), ctx(), &pt);
        (pt, ct)
    })
}

fn chunk_starts(ct_len: usize) -> Vec<usize> {
    (HEADER_LEN..ct_len).step_by(ENC).collect()
}

fn assert_integrity(ct: &[u8], what: &str) {
    assert_eq!(
        decrypt(&key(), ctx(), ct).unwrap_err(),
        CryptoError::Integrity,
        "{what}"
    );
}

#[test]
fn round_trip_lengths_and_encrypted_len() {
    let lens = [
        0,
        1,
        CHUNK_SIZE - 1,
        CHUNK_SIZE,
        CHUNK_SIZE + 1,
        3 * CHUNK_SIZE,
    ];
    for (i, &len) in lens.iter().enumerate() {
        let pt = data(len, i as u64 + 1);
        for seed in [1u64, 2, 3] {
            let ct = encrypt_split(&key(), ctx(), &pt, seed * 31 + i as u64);
            assert_eq!(ct.len() as u64, encrypted_len(len as u64), "len {len}");
            assert_eq!(
                &ct[..HEADER_LEN],
                &BlobEncryptor::new(&key(), ctx()).unwrap().header()
            );
            let back = decrypt_split(&key(), ctx(), &ct, seed * 17 + i as u64).unwrap();
            assert!(back == pt, "round trip failed for len {len}");
        }
    }
}

#[test]
fn whole_buffer_and_byte_by_byte_feeding() {
    let pt = data(CHUNK_SIZE + 5, 5);
    let mut enc = BlobEncryptor::new(&key(), ctx()).unwrap();
    let mut ct = enc.header().to_vec();
    enc.update(&pt, &mut ct).unwrap();
    enc.finish(&mut ct).unwrap();
    assert_eq!(ct, encrypt(&key(), ctx(), &pt));

    let mut dec = BlobDecryptor::new(&key(), ctx()).unwrap();
    let mut out = Vec::new();
    for b in &ct {
        dec.update(std::slice::from_ref(b), &mut out).unwrap();
    }
    dec.finish(&mut out).unwrap();
    assert!(out == pt);
}

#[test]
fn empty_blob_layout_is_pinned() {
    // Independently recompute the single final chunk of an empty blob.
    let ct = encrypt(&key(), ctx(), &[]);
    assert_eq!(ct.len(), HEADER_LEN + TAG);
    assert_eq!(&ct[..HEADER_LEN], b"DSGB\x01\x00\x01\x00\x00\x00\x00\x00");
    let mut aad = b"dsg-blob".to_vec();
    aad.push(BLOB_FORMAT_VERSION);
    aad.extend_from_slice(&ct[..HEADER_LEN]);
    aad.extend_from_slice(&[1; 16]);
    aad.extend_from_slice(&[2; 16]);
    aad.extend_from_slice(&7u32.to_be_bytes());
    aad.extend_from_slice(&0u64.to_be_bytes());
    aad.push(1);
    let k = LessSafeKey::new(UnboundKey::new(&AES_256_GCM, key().expose()).unwrap());
    let mut nonce = [0u8; 12];
    nonce[11] = 1;
    let mut buf = Vec::new();
    let tag = k
        .seal_in_place_separate_tag(
            Nonce::assume_unique_for_key(nonce),
            Aad::from(&aad[..]),
            &mut buf,
        )
        .unwrap();
    assert_eq!(&ct[HEADER_LEN..], tag.as_ref());
}

#[test]
fn ciphertext_does_not_contain_plaintext() {
    let pattern = b"TOP-SECRET//NOFORN classified payload 0123456789 ";
    let pt: Vec<u8> = pattern.iter().copied().cycle().take(200 * 1024).collect();
    let rng = SystemRandom::new();
    let k = SecretKey::generate(&rng).unwrap();
    let ct = encrypt(&k, ctx(), &pt);
    // Every distinct 32-byte window of the repeating pattern.
    for start in 0..pattern.len() {
        let window = &pt[start..start + 32];
        assert!(
            !ct.windows(32).any(|w| w == window),
            "window {start} leaked"
        );
    }
    assert!(decrypt(&k, ctx(), &ct).unwrap() == pt);
}

#[test]
fn flipped_header_bytes() {
    let (_, ct) = sample();
    for i in 0..HEADER_LEN {
        let mut c = ct.clone();
        c[i] ^= 0x80;
        let err = decrypt(&key(), ctx(), &c).unwrap_err();
        if i == 4 {
            assert!(
                matches!(err, CryptoError::Format(_)),
                "version byte: {err:?}"
            );
        } else {
            assert_eq!(err, CryptoError::Integrity, "header byte {i}");
        }
    }
}

#[test]
fn flipped_first_and_last_bytes_of_each_chunk() {
    let (_, ct) = sample();
    let starts = chunk_starts(ct.len());
    assert_eq!(starts.len(), 4);
    for &s in &starts {
        let end = (s + ENC).min(ct.len());
        for pos in [s, s + 1, end - TAG - 1, end - TAG, end - 1] {
            let mut c = ct.clone();
            c[pos] ^= 0x01;
            assert_integrity(&c, &format!("flip at {pos}"));
        }
    }
}

#[test]
fn truncation_everywhere() {
    let (_, ct) = sample();
    let mut cuts = vec![
        0,
        1,
        HEADER_LEN - 1,
        HEADER_LEN,
        ct.len() - 1,
        ct.len() - TAG,
    ];
    for s in chunk_starts(ct.len()) {
        cuts.extend([s, s + 1, s + TAG, s + ENC / 2, s + ENC - 1]);
    }
    for cut in cuts.into_iter().filter(|&c| c < ct.len()) {
        assert_integrity(&ct[..cut], &format!("truncated at {cut}"));
    }
}

#[test]
fn dropping_final_chunk_of_exact_multiple() {
    // All chunks full: dropping the last leaves a valid-looking prefix.
    let pt = data(3 * CHUNK_SIZE, 3);
    let ct = encrypt(&key(), ctx(), &pt);
    assert_eq!(ct.len(), HEADER_LEN + 3 * ENC);
    assert_integrity(&ct[..HEADER_LEN + 2 * ENC], "final chunk dropped");
    assert_integrity(&ct[..HEADER_LEN + ENC], "two chunks dropped");
    assert_integrity(&ct[..HEADER_LEN], "header only");
}

#[test]
fn swapping_chunks() {
    let (_, ct) = sample();
    let mut c = ct.clone();
    let (a, b) = c[HEADER_LEN..HEADER_LEN + 2 * ENC].split_at_mut(ENC);
    a.swap_with_slice(b);
    assert_integrity(&c, "chunks 0 and 1 swapped");
    // Duplicate a chunk in place of its successor.
    let mut c = ct.clone();
    c.copy_within(HEADER_LEN..HEADER_LEN + ENC, HEADER_LEN + ENC);
    assert_integrity(&c, "chunk 0 duplicated");
}

#[test]
fn splicing_chunks_between_blobs() {
    let (pt, ct) = sample();
    let others = [
        BlobContext {
            file: [3; 16],
            ..ctx()
        },
        BlobContext {
            version: 8,
            ..ctx()
        },
        BlobContext {
            compartment: [9; 16],
            ..ctx()
        },
    ];
    for other in others {
        let other_ct = encrypt(&key(), other, pt);
        assert_eq!(other_ct.len(), ct.len());
        for s in chunk_starts(ct.len()) {
            let end = (s + ENC).min(ct.len());
            let mut c = ct.clone();
            c[s..end].copy_from_slice(&other_ct[s..end]);
            assert_integrity(&c, &format!("chunk at {s} from {other:?}"));
        }
    }
}

#[test]
fn appended_data() {
    let (_, ct) = sample();
    let empty = encrypt(&key(), ctx(), &[]);
    let appendices: Vec<Vec<u8>> = vec![
        vec![0],
        vec![0; TAG],
        vec![0; ENC],
        ct[HEADER_LEN..HEADER_LEN + ENC].to_vec(),
        empty[HEADER_LEN..].to_vec(),
    ];
    for extra in appendices {
        let mut c = ct.clone();
        c.extend_from_slice(&extra);
        assert_integrity(&c, &format!("{} bytes appended", extra.len()));
    }
    // Also for a blob whose final chunk is full.
    let full = encrypt(&key(), ctx(), &data(CHUNK_SIZE, 4));
    let mut c = full.clone();
    c.extend_from_slice(&empty[HEADER_LEN..]);
    assert_integrity(&c, "empty final chunk appended after full final chunk");
}

#[test]
fn wrong_key_and_context() {
    let (_, ct) = sample();
    let wrong_key = SecretKey::from_bytes([0x5B; 32]);
    assert_eq!(
        decrypt(&wrong_key, ctx(), ct).unwrap_err(),
        CryptoError::Integrity
    );
    for other in [
        BlobContext {
            file: [3; 16],
            ..ctx()
        },
        BlobContext {
            version: 6,
            ..ctx()
        },
        BlobContext {
            compartment: [0; 16],
            ..ctx()
        },
    ] {
        assert_eq!(
            decrypt(&key(), other, ct).unwrap_err(),
            CryptoError::Integrity
        );
    }
}

#[test]
fn decryptor_edge_cases() {
    // Nothing at all, or header only.
    let dec = BlobDecryptor::new(&key(), ctx()).unwrap();
    assert_eq!(
        dec.finish(&mut Vec::new()).unwrap_err(),
        CryptoError::Integrity
    );
    // Unknown version -> Format.
    let mut c = encrypt(&key(), ctx(), b"hi");
    c[4] = 2;
    assert!(matches!(
        decrypt(&key(), ctx(), &c).unwrap_err(),
        CryptoError::Format(_)
    ));
    // Wrong chunk size in header.
    let mut c = encrypt(&key(), ctx(), b"hi");
    c[7] = 0x02;
    assert_integrity(&c, "chunk size");
    // Once failed, stays failed even if fed valid data afterwards.
    let (_, ct) = sample();
    let mut bad = ct.clone();
    bad[HEADER_LEN] ^= 1;
    let mut dec = BlobDecryptor::new(&key(), ctx()).unwrap();
    let mut out = Vec::new();
    assert!(dec.update(&bad[..HEADER_LEN + ENC + 1], &mut out).is_err());
    assert!(out.is_empty());
    assert!(dec.update(&ct[HEADER_LEN + ENC + 1..], &mut out).is_err());
    assert!(dec.finish(&mut out).is_err());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn random_byte_flips_fail(pos in 0usize..(3 * ENC + 1000 + TAG + HEADER_LEN), bit in 0u8..8) {
        let (_, ct) = sample();
        prop_assume!(pos < ct.len());
        let mut c = ct.clone();
        c[pos] ^= 1 << bit;
        let err = decrypt(&key(), ctx(), &c).unwrap_err();
        if pos == 4 {
            prop_assert!(matches!(err, CryptoError::Format(_)));
        } else {
            prop_assert_eq!(err, CryptoError::Integrity);
        }
    }

    #[test]
    fn random_round_trip(len in 0usize..(2 * CHUNK_SIZE + 10), seed in any::<u64>()) {
        let pt = data(len, seed);
        let ct = encrypt_split(&key(), ctx(), &pt, seed ^ 0xABCD);
        prop_assert_eq!(ct.len() as u64, encrypted_len(len as u64));
        let back = decrypt_split(&key(), ctx(), &ct, seed.rotate_left(7)).unwrap();
        prop_assert!(back == pt);
    }
}
