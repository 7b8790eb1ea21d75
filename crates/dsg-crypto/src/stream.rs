//! Streaming authenticated blob encryption (STREAM construction, AES-256-GCM).
//!
//! Stored layout: `header (HEADER_LEN) ‖ chunk_0 ‖ … ‖ chunk_n` where every
//! chunk is `AES-256-GCM(plaintext) ‖ tag (16)`. Every chunk but the last
//! carries exactly [`CHUNK_SIZE`] plaintext bytes; the last (final) chunk
//! carries `0..=CHUNK_SIZE` bytes, so an empty blob is the header plus one
//! 16-byte chunk.
//!
//! * Nonce: `0x00 0x00 0x00 ‖ u64be(chunk index) ‖ final flag (0x01/0x00)`.
//! * AAD: `b"dsg-blob" ‖ BLOB_FORMAT_VERSION ‖ header ‖ compartment (16) ‖
//!   file (16) ‖ u32be(version) ‖ u64be(chunk index) ‖ final flag`.
//!
//! Truncation, reordering, dropping the final chunk, appending data, and
//! splicing chunks between blobs, versions or compartments all fail with
//! [`CryptoError::Integrity`].
//!
//! Both directions use `O(CHUNK_SIZE)` memory regardless of stream length.

use aws_lc_rs::aead::{Aad, LessSafeKey, Nonce, UnboundKey, AES_256_GCM, NONCE_LEN};
use zeroize::{Zeroize, Zeroizing};

use crate::{CryptoError, SecretKey};

/// Plaintext bytes per chunk. Never change: this is part of the stored format.
pub const CHUNK_SIZE: usize = 64 * 1024;
/// Blob format version written into the header. Never change for format 1.
pub const BLOB_FORMAT_VERSION: u8 = 1;
/// Length of the blob header: `b"DSGB" ‖ version u8 ‖ u32be(chunk size) ‖ 3 zero bytes`.
pub const HEADER_LEN: usize = 12;

const MAGIC: &[u8; 4] = b"DSGB";
const TAG_LEN: usize = 16;
const ENC_CHUNK_LEN: usize = CHUNK_SIZE + TAG_LEN;
const AAD_LABEL: &[u8; 8] = b"dsg-blob";
/// label ‖ version ‖ header ‖ compartment ‖ file ‖ blob version ‖ index ‖ final.
const AAD_LEN: usize = 8 + 1 + HEADER_LEN + 16 + 16 + 4 + 8 + 1;
const AAD_INDEX_OFFSET: usize = AAD_LEN - 9;

/// Identifies the blob a stream belongs to; bound into every chunk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BlobContext {
    /// Compartment id.
    pub compartment: [u8; 16],
    /// File id.
    pub file: [u8; 16],
    /// File version.
    pub version: u32,
}

/// Exact ciphertext length (header + chunks + tags) for `plaintext_len`
/// bytes of plaintext. Saturates at `u64::MAX`.
pub fn encrypted_len(plaintext_len: u64) -> u64 {
    let chunk = CHUNK_SIZE as u64;
    let chunks = plaintext_len.div_ceil(chunk).max(1);
    (HEADER_LEN as u64)
        .saturating_add(plaintext_len)
        .saturating_add(chunks.saturating_mul(TAG_LEN as u64))
}

/// The chunks that hold a byte range of a blob's plaintext, and where they
/// lie in the stored ciphertext: what a `Range` request reads, so that the
/// last megabyte of a large file costs one megabyte of reading, not the
/// whole file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChunkSpan {
    /// Index of the first chunk read.
    pub first_chunk: u64,
    /// Stored bytes to read: `start..end` of the ciphertext.
    pub ciphertext: std::ops::Range<u64>,
    /// Plaintext bytes of the first chunk before the range begins.
    pub skip: u64,
    /// Plaintext bytes of the range.
    pub len: u64,
    /// Whether the span ends with the blob's final chunk.
    pub reaches_final: bool,
}

impl ChunkSpan {
    /// The span of `first..=last` (plaintext offsets) in a blob of
    /// `plaintext_len` bytes; `None` when the range is empty, reversed or
    /// not inside the blob.
    pub fn of(plaintext_len: u64, first: u64, last: u64) -> Option<ChunkSpan> {
        if first > last || last >= plaintext_len {
            return None;
        }
        let chunk = CHUNK_SIZE as u64;
        let enc_chunk = ENC_CHUNK_LEN as u64;
        let final_chunk = plaintext_len.div_ceil(chunk).max(1) - 1;
        let first_chunk = first / chunk;
        let last_chunk = last / chunk;
        let start = (HEADER_LEN as u64).checked_add(first_chunk.checked_mul(enc_chunk)?)?;
        let end = if last_chunk == final_chunk {
            encrypted_len(plaintext_len)
        } else {
            (HEADER_LEN as u64).checked_add((last_chunk + 1).checked_mul(enc_chunk)?)?
        };
        Some(ChunkSpan {
            first_chunk,
            ciphertext: start..end,
            skip: first - first_chunk * chunk,
            len: last - first + 1,
            reaches_final: last_chunk == final_chunk,
        })
    }
}

fn header_bytes() -> [u8; HEADER_LEN] {
    let mut h = [0u8; HEADER_LEN];
    h[..4].copy_from_slice(MAGIC);
    h[4] = BLOB_FORMAT_VERSION;
    // CHUNK_SIZE is a small constant; the cast cannot truncate.
    h[5..9].copy_from_slice(&(CHUNK_SIZE as u32).to_be_bytes());
    h
}

/// Shared per-stream state: key, AAD template and chunk counter.
struct ChunkCipher {
    key: LessSafeKey,
    aad: [u8; AAD_LEN],
    index: u64,
}

impl ChunkCipher {
    fn new(data_key: &SecretKey, ctx: &BlobContext) -> Result<Self, CryptoError> {
        let unbound = UnboundKey::new(&AES_256_GCM, data_key.expose())
            .map_err(|_| CryptoError::Format("invalid AES-256 key".to_string()))?;
        let mut aad = [0u8; AAD_LEN];
        let mut pos = 0;
        for part in [
            &AAD_LABEL[..],
            &[BLOB_FORMAT_VERSION][..],
            &header_bytes()[..],
            &ctx.compartment[..],
            &ctx.file[..],
            &ctx.version.to_be_bytes()[..],
        ] {
            aad[pos..pos + part.len()].copy_from_slice(part);
            pos += part.len();
        }
        debug_assert_eq!(pos, AAD_INDEX_OFFSET);
        Ok(ChunkCipher {
            key: LessSafeKey::new(unbound),
            aad,
            index: 0,
        })
    }

    /// Nonce and AAD for the current chunk.
    fn params(&self, last: bool) -> (Nonce, [u8; AAD_LEN]) {
        let flag = u8::from(last);
        let mut nonce = [0u8; NONCE_LEN];
        nonce[3..11].copy_from_slice(&self.index.to_be_bytes());
        nonce[11] = flag;
        let mut aad = self.aad;
        aad[AAD_INDEX_OFFSET..AAD_INDEX_OFFSET + 8].copy_from_slice(&self.index.to_be_bytes());
        aad[AAD_LEN - 1] = flag;
        (Nonce::assume_unique_for_key(nonce), aad)
    }

    fn advance(&mut self) -> Result<(), CryptoError> {
        self.index = self
            .index
            .checked_add(1)
            .ok_or_else(|| CryptoError::Format("blob has too many chunks".to_string()))?;
        Ok(())
    }

    /// Encrypts `plaintext` as the current chunk, appending ciphertext ‖ tag to `out`.
    fn seal(&mut self, plaintext: &[u8], last: bool, out: &mut Vec<u8>) -> Result<(), CryptoError> {
        let (nonce, aad) = self.params(last);
        let start = out.len();
        out.extend_from_slice(plaintext);
        match self
            .key
            .seal_in_place_separate_tag(nonce, Aad::from(aad), &mut out[start..])
        {
            Ok(tag) => out.extend_from_slice(tag.as_ref()),
            Err(_) => {
                out[start..].zeroize();
                out.truncate(start);
                return Err(CryptoError::Integrity);
            }
        }
        self.advance()
    }

    /// Verifies and decrypts `chunk` (ciphertext ‖ tag) in place, appending
    /// the plaintext to `out`.
    /// Decrypts one chunk straight into the tail of `out` (no intermediate
    /// plaintext buffer to wipe). On failure the tail is wiped and removed,
    /// so unauthenticated plaintext never stays in `out`.
    fn open(&mut self, chunk: &[u8], last: bool, out: &mut Vec<u8>) -> Result<(), CryptoError> {
        if chunk.len() < TAG_LEN {
            return Err(CryptoError::Integrity);
        }
        let (nonce, aad) = self.params(last);
        let start = out.len();
        out.extend_from_slice(chunk);
        match self
            .key
            .open_in_place(nonce, Aad::from(aad), &mut out[start..])
        {
            Ok(plain) => {
                let len = plain.len();
                out.truncate(start + len);
                self.advance()
            }
            Err(_) => {
                out[start..].zeroize();
                out.truncate(start);
                Err(CryptoError::Integrity)
            }
        }
    }
}

/// Encrypts a plaintext stream. Write [`BlobEncryptor::header`] first, then
/// everything appended by [`update`](Self::update) and [`finish`](Self::finish).
pub struct BlobEncryptor {
    cipher: ChunkCipher,
    /// Pending plaintext (at most one chunk). Emptied, not wiped, after
    /// each chunk: the next chunk overwrites the same bytes, and the whole
    /// allocation is wiped once when the encryptor is dropped. (Wiping 64 KiB
    /// byte by byte per chunk cost about 8 % of an upload's CPU.)
    buf: Zeroizing<Vec<u8>>,
}

impl BlobEncryptor {
    /// Creates an encryptor for the blob identified by `ctx`.
    pub fn new(data_key: &SecretKey, ctx: BlobContext) -> Result<Self, CryptoError> {
        Ok(BlobEncryptor {
            cipher: ChunkCipher::new(data_key, &ctx)?,
            buf: Zeroizing::new(Vec::with_capacity(CHUNK_SIZE)),
        })
    }

    /// The header that must be stored before the first chunk.
    pub fn header(&self) -> [u8; HEADER_LEN] {
        header_bytes()
    }

    /// Feeds plaintext of any length; appends zero or more complete
    /// encrypted chunks to `out`. A full chunk stays buffered until more data
    /// or [`finish`](Self::finish) tells whether it is the final one.
    pub fn update(&mut self, mut plaintext: &[u8], out: &mut Vec<u8>) -> Result<(), CryptoError> {
        while !plaintext.is_empty() {
            if self.buf.len() == CHUNK_SIZE {
                self.cipher.seal(&self.buf, false, out)?;
                self.buf.clear();
            }
            // Whole chunks followed by more input are not final: seal them
            // from the input without copying them aside.
            if self.buf.is_empty() {
                while plaintext.len() > CHUNK_SIZE {
                    self.cipher.seal(&plaintext[..CHUNK_SIZE], false, out)?;
                    plaintext = &plaintext[CHUNK_SIZE..];
                }
            }
            let take = (CHUNK_SIZE - self.buf.len()).min(plaintext.len());
            self.buf.extend_from_slice(&plaintext[..take]);
            plaintext = &plaintext[take..];
        }
        Ok(())
    }

    /// Emits the final chunk (possibly empty). The plaintext buffer is
    /// wiped when `self` drops here.
    pub fn finish(mut self, out: &mut Vec<u8>) -> Result<(), CryptoError> {
        self.cipher.seal(&self.buf, true, out)
    }
}

impl std::fmt::Debug for BlobEncryptor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BlobEncryptor")
            .field("chunk_index", &self.cipher.index)
            .finish_non_exhaustive()
    }
}

/// Decrypts and verifies a stream produced by [`BlobEncryptor`].
///
/// Plaintext appended to `out` by [`update`](Self::update) is authenticated
/// chunk by chunk, but the stream as a whole is only known to be complete
/// (not truncated) once [`finish`](Self::finish) returns `Ok`. After any
/// error the decryptor stays failed.
pub struct BlobDecryptor {
    cipher: ChunkCipher,
    header: [u8; HEADER_LEN],
    header_len: usize,
    /// Pending ciphertext (not secret): at most one encrypted chunk.
    pending: Vec<u8>,
    failed: bool,
    /// Whether the chunk left at [`finish`](Self::finish) is the blob's
    /// final one: always for a whole blob; for a span, only when it reaches
    /// the end (a span that stops short ends on a full, non-final chunk).
    ends_final: bool,
}

impl BlobDecryptor {
    /// Creates a decryptor for the blob identified by `ctx`.
    pub fn new(data_key: &SecretKey, ctx: BlobContext) -> Result<Self, CryptoError> {
        Ok(BlobDecryptor {
            cipher: ChunkCipher::new(data_key, &ctx)?,
            header: [0u8; HEADER_LEN],
            header_len: 0,
            pending: Vec::with_capacity(ENC_CHUNK_LEN),
            failed: false,
            ends_final: true,
        })
    }

    /// Creates a decryptor for the chunks of `span` alone: feed it the
    /// ciphertext bytes [`ChunkSpan::ciphertext`] names (no header). Every
    /// chunk still authenticates under its own index and final flag, so a
    /// span read from the wrong offset, a chunk swapped in from elsewhere,
    /// or a short read fails like a damaged whole blob.
    pub fn for_span(
        data_key: &SecretKey,
        ctx: BlobContext,
        span: &ChunkSpan,
    ) -> Result<Self, CryptoError> {
        let mut cipher = ChunkCipher::new(data_key, &ctx)?;
        cipher.index = span.first_chunk;
        Ok(BlobDecryptor {
            cipher,
            // The header is not read: format 1's header is a constant that
            // every chunk's AAD already binds.
            header: header_bytes(),
            header_len: HEADER_LEN,
            pending: Vec::with_capacity(ENC_CHUNK_LEN),
            failed: false,
            ends_final: span.reaches_final,
        })
    }

    fn check_header(&self) -> Result<(), CryptoError> {
        let h = &self.header;
        if &h[..4] != MAGIC {
            return Err(CryptoError::Integrity);
        }
        if h[4] != BLOB_FORMAT_VERSION {
            return Err(CryptoError::Format(format!(
                "unsupported blob format version {}",
                h[4]
            )));
        }
        if h != &header_bytes() {
            return Err(CryptoError::Integrity);
        }
        Ok(())
    }

    /// Feeds ciphertext (starting with the header) in arbitrary slices and
    /// appends verified plaintext to `out`. Holds back at most one encrypted
    /// chunk, since it cannot know whether it is final until more input or
    /// [`finish`](Self::finish) arrives.
    pub fn update(&mut self, ciphertext: &[u8], out: &mut Vec<u8>) -> Result<(), CryptoError> {
        if self.failed {
            return Err(CryptoError::Integrity);
        }
        let res = self.update_inner(ciphertext, out);
        if res.is_err() {
            self.failed = true;
            self.pending.clear();
        }
        res
    }

    fn update_inner(&mut self, mut input: &[u8], out: &mut Vec<u8>) -> Result<(), CryptoError> {
        if self.header_len < HEADER_LEN {
            let take = (HEADER_LEN - self.header_len).min(input.len());
            self.header[self.header_len..self.header_len + take].copy_from_slice(&input[..take]);
            self.header_len += take;
            input = &input[take..];
            if self.header_len < HEADER_LEN {
                return Ok(());
            }
            self.check_header()?;
        }
        while !input.is_empty() {
            if self.pending.len() == ENC_CHUNK_LEN {
                // More data follows, so the pending chunk is not final.
                self.cipher.open(&self.pending, false, out)?;
                self.pending.clear();
            }
            // Whole chunks followed by more input are not final either:
            // decrypt them from the input without copying them aside.
            if self.pending.is_empty() {
                while input.len() > ENC_CHUNK_LEN {
                    self.cipher.open(&input[..ENC_CHUNK_LEN], false, out)?;
                    input = &input[ENC_CHUNK_LEN..];
                }
            }
            let take = (ENC_CHUNK_LEN - self.pending.len()).min(input.len());
            self.pending.extend_from_slice(&input[..take]);
            input = &input[take..];
        }
        Ok(())
    }

    /// Decrypts the pending chunk as the final one. Returns
    /// [`CryptoError::Integrity`] if the stream was truncated, extended or
    /// tampered with.
    pub fn finish(mut self, out: &mut Vec<u8>) -> Result<(), CryptoError> {
        if self.failed || self.header_len < HEADER_LEN {
            return Err(CryptoError::Integrity);
        }
        let res = self.cipher.open(&self.pending, self.ends_final, out);
        self.pending.clear();
        res
    }
}

impl std::fmt::Debug for BlobDecryptor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BlobDecryptor")
            .field("chunk_index", &self.cipher.index)
            .field("failed", &self.failed)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_layout() {
        let h = header_bytes();
        assert_eq!(&h, b"DSGB\x01\x00\x01\x00\x00\x00\x00\x00");
    }

    #[test]
    fn encrypted_len_values() {
        let t = TAG_LEN as u64;
        let h = HEADER_LEN as u64;
        let c = CHUNK_SIZE as u64;
        assert_eq!(encrypted_len(0), h + t);
        assert_eq!(encrypted_len(1), h + 1 + t);
        assert_eq!(encrypted_len(c), h + c + t);
        assert_eq!(encrypted_len(c + 1), h + c + 1 + 2 * t);
        assert_eq!(encrypted_len(u64::MAX), u64::MAX);
    }

    #[test]
    fn nonce_and_aad_layout() {
        let ctx = BlobContext {
            compartment: [0xAA; 16],
            file: [0xBB; 16],
            version: 0x0102_0304,
        };
        let mut c = ChunkCipher::new(&SecretKey::from_bytes([7; 32]), &ctx).unwrap();
        c.index = 0x1122_3344_5566_7788;
        let (nonce, aad) = c.params(true);
        assert_eq!(
            nonce.as_ref(),
            &[0, 0, 0, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 1]
        );
        let mut expected = Vec::new();
        expected.extend_from_slice(b"dsg-blob");
        expected.push(1);
        expected.extend_from_slice(&header_bytes());
        expected.extend_from_slice(&[0xAA; 16]);
        expected.extend_from_slice(&[0xBB; 16]);
        expected.extend_from_slice(&[1, 2, 3, 4]);
        expected.extend_from_slice(&0x1122_3344_5566_7788u64.to_be_bytes());
        expected.push(1);
        assert_eq!(&aad[..], &expected[..]);
        let (nonce, aad) = c.params(false);
        assert_eq!(nonce.as_ref()[11], 0);
        assert_eq!(aad[AAD_LEN - 1], 0);
    }
}
