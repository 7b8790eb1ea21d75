//! The blob decryptor of dsg-crypto (`BlobDecryptor`) under a fixed key.
//!
//! * `Raw`: arbitrary bytes as a stored blob, fed in arbitrary slices. It
//!   must never panic, and never finish successfully (forging a GCM tag is
//!   out of a fuzzer's reach, so success would mean no check happened).
//! * `Tampered`: a real blob of fuzzer-chosen plaintext (stretched so that
//!   it spans several 64 KiB chunks), optionally with one byte flipped,
//!   truncated, extended or decrypted under another context, fed in
//!   arbitrary slices: the result is the plaintext exactly when nothing
//!   was changed, and an error otherwise.
#![no_main]

use arbitrary::Arbitrary;
use dsg_crypto::{BlobContext, BlobDecryptor, BlobEncryptor, SecretKey, CHUNK_SIZE};
use libfuzzer_sys::fuzz_target;

const CTX: BlobContext = BlobContext {
    compartment: [7; 16],
    file: [9; 16],
    version: 3,
};

#[derive(Debug, Arbitrary)]
enum Change {
    None,
    Flip { at: u32, mask: u8 },
    Truncate { by: u32 },
    Append { bytes: Vec<u8> },
    OtherVersion,
}

#[derive(Debug, Arbitrary)]
enum Input {
    Raw {
        blob: Vec<u8>,
        splits: Vec<u16>,
    },
    Tampered {
        seed: Vec<u8>,
        /// How many times `seed` is repeated (up to 3 chunks' worth).
        repeat: u16,
        change: Change,
        splits: Vec<u16>,
    },
}

fn key() -> SecretKey {
    SecretKey::from_bytes([0x42; 32])
}

/// Feeds `blob` to a decryptor in slices whose lengths come from `splits`.
fn decrypt(blob: &[u8], splits: &[u16], ctx: BlobContext) -> Result<Vec<u8>, ()> {
    let mut dec = BlobDecryptor::new(&key(), ctx).map_err(|_| ())?;
    let mut out = Vec::new();
    let mut rest = blob;
    let mut sizes = splits.iter().copied().cycle();
    while !rest.is_empty() {
        // With no splits, one call takes everything.
        let n = match sizes.next() {
            Some(n) => (usize::from(n) * 7 + 1).min(rest.len()),
            None => rest.len(),
        };
        let (now, later) = rest.split_at(n);
        let res = dec.update(now, &mut out);
        if res.is_err() {
            // A failed decryptor stays failed and releases nothing more.
            let before = out.len();
            assert!(dec.update(b"x", &mut out).is_err());
            assert_eq!(out.len(), before);
            return Err(());
        }
        rest = later;
    }
    dec.finish(&mut out).map_err(|_| ())?;
    Ok(out)
}

fuzz_target!(|input: Input| match input {
    Input::Raw { blob, splits } => {
        assert!(
            decrypt(&blob, &splits, CTX).is_err(),
            "forged blob accepted"
        );
    }
    Input::Tampered {
        seed,
        repeat,
        change,
        splits,
    } => {
        let len = if seed.is_empty() {
            0
        } else {
            (seed.len() * usize::from(repeat)).min(3 * CHUNK_SIZE + 17)
        };
        let plaintext: Vec<u8> = seed.iter().copied().cycle().take(len).collect();
        let mut enc = BlobEncryptor::new(&key(), CTX).expect("encryptor");
        let mut blob = enc.header().to_vec();
        enc.update(&plaintext, &mut blob).expect("encrypt");
        enc.finish(&mut blob).expect("finish");
        assert_eq!(blob.len() as u64, dsg_crypto::encrypted_len(len as u64));

        let mut ctx = CTX;
        let changed = match change {
            Change::None => false,
            Change::Flip { at, mask } => {
                let i = at as usize % blob.len();
                blob[i] ^= mask;
                mask != 0
            }
            Change::Truncate { by } => {
                let by = by as usize % blob.len();
                blob.truncate(blob.len() - by);
                by != 0
            }
            Change::Append { bytes } => {
                blob.extend_from_slice(&bytes);
                !bytes.is_empty()
            }
            Change::OtherVersion => {
                ctx.version += 1;
                true
            }
        };
        match decrypt(&blob, &splits, ctx) {
            Ok(out) => {
                assert!(!changed, "changed blob accepted");
                assert!(out == plaintext, "round trip lost data");
            }
            Err(()) => assert!(changed, "intact blob refused"),
        }
    }
});
