//! Reading a byte range of a blob: only the chunks that hold it, each still
//! authenticated under its own index and final flag.

#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    reason = "test code: a failure should abort the test"
)]

use dsg_crypto::{
    encrypted_len, BlobContext, BlobDecryptor, BlobEncryptor, ChunkSpan, CryptoError, SecretKey,
    CHUNK_SIZE,
};
use proptest::prelude::*;

fn ctx() -> BlobContext {
    BlobContext {
        compartment: [3; 16],
        file: [4; 16],
        version: 2,
    }
}

fn key() -> SecretKey {
    SecretKey::from_bytes([0x33; 32])
}

fn data(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 31 + i / 7) as u8).collect()
}

fn encrypt(pt: &[u8]) -> Vec<u8> {
    let mut enc = BlobEncryptor::new(&key(), ctx()).unwrap();
    let mut out = enc.header().to_vec();
    enc.update(pt, &mut out).unwrap();
    enc.finish(&mut out).unwrap();
    out
}

/// The plaintext of `span` as a reader of the store would produce it.
fn read_span(ct: &[u8], span: &ChunkSpan, ctx: BlobContext) -> Result<Vec<u8>, CryptoError> {
    let stored = &ct[span.ciphertext.start as usize..span.ciphertext.end as usize];
    let mut dec = BlobDecryptor::for_span(&key(), ctx, span)?;
    let mut out = Vec::new();
    dec.update(stored, &mut out)?;
    dec.finish(&mut out)?;
    let skip = span.skip as usize;
    Ok(out[skip..skip + span.len as usize].to_vec())
}

#[test]
fn spans_name_the_chunks_that_hold_the_range() {
    let c = CHUNK_SIZE as u64;
    let len = 3 * c + 10;
    let last = ChunkSpan::of(len, len - 1, len - 1).unwrap();
    assert_eq!(last.first_chunk, 3);
    assert!(last.reaches_final);
    assert_eq!(last.ciphertext.end, encrypted_len(len));
    let across = ChunkSpan::of(len, c - 1, c).unwrap();
    assert_eq!(across.first_chunk, 0);
    assert!(!across.reaches_final);
    assert_eq!(across.skip, c - 1);
    assert_eq!(across.len, 2);
    assert_eq!(ChunkSpan::of(len, 0, len), None, "past the end");
    assert_eq!(ChunkSpan::of(len, 5, 4), None, "reversed");
    assert_eq!(ChunkSpan::of(0, 0, 0), None, "an empty blob has no byte");
}

#[test]
fn a_span_read_at_the_wrong_place_or_for_another_file_fails() {
    let pt = data(3 * CHUNK_SIZE + 5);
    let ct = encrypt(&pt);
    let span = ChunkSpan::of(pt.len() as u64, 10, 20).unwrap();
    // The bytes of chunk 1 presented as chunk 0.
    let mut shifted = span.clone();
    shifted.ciphertext.start += (CHUNK_SIZE + 16) as u64;
    shifted.ciphertext.end += (CHUNK_SIZE + 16) as u64;
    assert_eq!(read_span(&ct, &shifted, ctx()), Err(CryptoError::Integrity));
    let other = BlobContext {
        version: 3,
        ..ctx()
    };
    assert_eq!(read_span(&ct, &span, other), Err(CryptoError::Integrity));
    // A span that claims to end the blob when it does not.
    let mut not_final = span.clone();
    not_final.reaches_final = true;
    assert_eq!(
        read_span(&ct, &not_final, ctx()),
        Err(CryptoError::Integrity)
    );
    // A short read of the final chunk.
    let tail = ChunkSpan::of(pt.len() as u64, pt.len() as u64 - 3, pt.len() as u64 - 1).unwrap();
    let mut short = tail.clone();
    short.ciphertext.end -= 1;
    assert_eq!(read_span(&ct, &short, ctx()), Err(CryptoError::Integrity));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn any_range_reads_back_exactly(
        len in 1usize..(3 * CHUNK_SIZE + 100),
        a in any::<prop::sample::Index>(),
        b in any::<prop::sample::Index>(),
    ) {
        let pt = data(len);
        let ct = encrypt(&pt);
        let (first, last) = {
            let (x, y) = (a.index(len), b.index(len));
            (x.min(y), x.max(y))
        };
        let span = ChunkSpan::of(len as u64, first as u64, last as u64).unwrap();
        prop_assert_eq!(read_span(&ct, &span, ctx()).unwrap(), pt[first..=last].to_vec());
    }
}
