//! One-shot recovery codes, stored as SHA-256 hashes.
//!
//! Each code carries 80 bits of randomness, so an unsalted fast hash is
//! sufficient for storage (like session tokens): brute-forcing a 2^80
//! space is out of reach, and the hash only has to hide the code itself.

use dsg_crypto::{ct_eq, token_hash, SecretString, SecureRandom};
use zeroize::{Zeroize, Zeroizing};

use crate::TotpError;

/// Random bytes per recovery code (80 bits → 16 base32 characters).
pub const RECOVERY_CODE_BYTES: usize = 10;

/// RFC 4648 base32 alphabet (no `0`, `1`, `8`, `9`).
const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// Characters per dash-separated group.
const GROUP: usize = 4;

/// Generates `n` fresh recovery codes of the form `XXXX-XXXX-XXXX-XXXX`
/// (16 base32 characters, 80 bits each). Show them to the user once and
/// store only [`hash_recovery_code`] of each.
pub fn generate_recovery_codes(
    rng: &dyn SecureRandom,
    n: usize,
) -> Result<Vec<SecretString>, TotpError> {
    let mut codes = Vec::with_capacity(n);
    for _ in 0..n {
        let mut raw = Zeroizing::new([0u8; RECOVERY_CODE_BYTES]);
        rng.fill(raw.as_mut()).map_err(|_| TotpError::Rng)?;
        codes.push(format_code(&raw));
    }
    Ok(codes)
}

/// Base32-encodes 10 bytes (exactly 80 bits, 16 symbols, no padding)
/// and inserts a dash every four characters.
fn format_code(raw: &[u8; RECOVERY_CODE_BYTES]) -> SecretString {
    let mut out = String::with_capacity(19);
    let mut acc: u16 = 0;
    let mut bits = 0u32;
    let mut written = 0usize;
    for &byte in raw {
        acc = (acc << 8) | u16::from(byte);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            let idx = usize::from((acc >> bits) & 0x1f);
            if written > 0 && written.is_multiple_of(GROUP) {
                out.push('-');
            }
            out.push(char::from(ALPHABET[idx]));
            written += 1;
        }
        acc &= (1u16 << bits) - 1;
    }
    acc.zeroize();
    SecretString::new(out)
}

/// Canonical form: upper case, without dashes or whitespace.
fn normalise(code: &str) -> Zeroizing<String> {
    Zeroizing::new(
        code.chars()
            .filter(|c| *c != '-' && !c.is_whitespace())
            .map(|c| c.to_ascii_uppercase())
            .collect(),
    )
}

/// Lower-case hex SHA-256 of the normalised code (case, dashes and
/// whitespace ignored), for storage.
pub fn hash_recovery_code(code: &str) -> String {
    token_hash(&normalise(code))
}

/// Whether `code` hashes to `stored_hash` (from [`hash_recovery_code`]),
/// compared in constant time. The caller must delete the stored hash on
/// success: each code is usable once.
pub fn recovery_code_matches(code: &str, stored_hash: &str) -> bool {
    ct_eq(hash_recovery_code(code).as_bytes(), stored_hash.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_known_answer() {
        // RFC 4648 test vector: "foobar" → "MZXW6YTBOI"; pad to 10 bytes.
        let code = format_code(b"foobar\0\0\0\0");
        assert_eq!(code.expose(), "MZXW-6YTB-OIAA-AAAA");
        assert_eq!(format_code(&[0xff; 10]).expose(), "7777-7777-7777-7777");
        assert_eq!(format_code(&[0; 10]).expose(), "AAAA-AAAA-AAAA-AAAA");
    }

    #[test]
    fn normalise_strips_case_dashes_space() {
        assert_eq!(
            normalise(" abcd-EFGH ijkl-mnop ").as_str(),
            "ABCDEFGHIJKLMNOP"
        );
    }
}
