//! Recovery-code generation, hashing and matching.
#![allow(
    clippy::string_slice,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail loudly on unexpected results"
)]

use std::collections::HashSet;

use dsg_crypto::SystemRandom;
use dsg_identity::{
    generate_recovery_codes, hash_recovery_code, recovery_code_matches, RECOVERY_CODE_BYTES,
};

const BASE32: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

#[test]
fn codes_are_well_formed_with_at_least_80_bits() {
    const { assert!(RECOVERY_CODE_BYTES * 8 >= 80) };
    let rng = SystemRandom::new();
    let codes = generate_recovery_codes(&rng, 10).unwrap();
    assert_eq!(codes.len(), 10);
    for code in &codes {
        let c = code.expose();
        assert_eq!(c.len(), 19, "{c}");
        let groups: Vec<&str> = c.split('-').collect();
        assert_eq!(groups.len(), 4, "{c}");
        for g in &groups {
            assert_eq!(g.len(), 4, "{c}");
            assert!(g.chars().all(|ch| BASE32.contains(ch)), "{c}");
        }
        // 16 symbols × 5 bits = 80 bits.
        let symbols = c.chars().filter(|ch| *ch != '-').count();
        assert!(symbols * 5 >= 80);
        // Debug never shows the code.
        assert!(!format!("{code:?}").contains(c));
    }
    assert!(generate_recovery_codes(&rng, 0).unwrap().is_empty());
}

#[test]
fn codes_are_unique_over_1000_and_use_the_whole_alphabet() {
    let rng = SystemRandom::new();
    let codes = generate_recovery_codes(&rng, 1000).unwrap();
    let set: HashSet<&str> = codes.iter().map(|c| c.expose()).collect();
    assert_eq!(set.len(), 1000);
    // 16,000 symbols: every one of the 32 should appear, each roughly
    // 500 times; a biased or truncated encoder would show up here.
    let mut counts = [0usize; 32];
    for c in &codes {
        for ch in c.expose().chars().filter(|ch| *ch != '-') {
            counts[BASE32.find(ch).unwrap()] += 1;
        }
    }
    for (i, n) in counts.iter().enumerate() {
        assert!((300..=700).contains(n), "symbol {i} seen {n} times");
    }
}

#[test]
fn hash_ignores_case_and_dashes() {
    let rng = SystemRandom::new();
    let code = generate_recovery_codes(&rng, 1).unwrap().remove(0);
    let c = code.expose();
    let stored = hash_recovery_code(c);
    assert_eq!(stored.len(), 64);
    assert!(stored
        .chars()
        .all(|ch| ch.is_ascii_hexdigit() && !ch.is_ascii_uppercase()));
    assert!(!stored.contains(c));

    let variants = [
        c.to_string(),
        c.to_lowercase(),
        c.replace('-', ""),
        c.replace('-', "").to_lowercase(),
        c.replace('-', " "),
        format!(" {} ", c.to_lowercase()),
    ];
    for v in &variants {
        assert_eq!(hash_recovery_code(v), stored, "{v}");
        assert!(recovery_code_matches(v, &stored), "{v}");
    }
}

#[test]
fn hash_known_answer() {
    // `printf 'ABCDEFGHIJKLMNOP' | sha256sum`: the hash is of the
    // normalised form, independent of formatting.
    let expected = "e7e8b89c2721d290cc5f55425491ecd6831355e91063f20b39c22f9ec6a71f91";
    assert_eq!(hash_recovery_code("ABCD-EFGH-IJKL-MNOP"), expected);
    assert_eq!(hash_recovery_code("abcdefghijklmnop"), expected);
    assert!(recovery_code_matches("abcd-efgh-ijkl-mnop", expected));
}

#[test]
fn wrong_code_fails() {
    let rng = SystemRandom::new();
    let codes = generate_recovery_codes(&rng, 2).unwrap();
    let stored = hash_recovery_code(codes[0].expose());
    assert!(!recovery_code_matches(codes[1].expose(), &stored));
    // One symbol changed.
    let mut wrong: Vec<char> = codes[0].expose().chars().collect();
    wrong[0] = if wrong[0] == 'A' { 'B' } else { 'A' };
    let wrong: String = wrong.into_iter().collect();
    assert!(!recovery_code_matches(&wrong, &stored));
    // Truncated / empty / the hash itself.
    assert!(!recovery_code_matches(&codes[0].expose()[..18], &stored));
    assert!(!recovery_code_matches("", &stored));
    assert!(!recovery_code_matches(&stored, &stored));
    // Empty or garbage stored hash never matches.
    assert!(!recovery_code_matches(codes[0].expose(), ""));
    assert!(!recovery_code_matches(codes[0].expose(), "zz"));
}
