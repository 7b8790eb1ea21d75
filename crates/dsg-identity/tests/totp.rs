//! RFC 6238 behaviour of `verify_totp`, checked against the RFC's
//! published vectors and against an independent implementation (`oathtool`).
#![allow(
    clippy::string_slice,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail loudly on unexpected results"
)]

use std::process::Command;

use dsg_identity::{verify_totp, TotpError, TotpSecret};

/// RFC 6238 appendix B SHA-1 seed: ASCII "12345678901234567890".
const RFC_SECRET: &[u8; 20] = b"12345678901234567890";

/// RFC 6238 appendix B, SHA-1 rows: (Unix time, 8-digit TOTP).
///
/// HOTP truncation is `bin_code mod 10^digits` (RFC 4226 §5.3), and
/// 10^6 divides 10^8, so the 6-digit code is exactly the last six digits
/// of the published 8-digit value: `(x mod 10^8) mod 10^6 == x mod 10^6`.
const RFC_VECTORS: &[(u64, &str)] = &[
    (59, "94287082"),
    (1_111_111_109, "07081804"),
    (1_111_111_111, "14050471"),
    (1_234_567_890, "89005924"),
    (2_000_000_000, "69279037"),
    (20_000_000_000, "65353130"),
];

fn six(eight: &str) -> &str {
    &eight[2..]
}

fn rfc_secret() -> TotpSecret {
    TotpSecret::from_bytes(*RFC_SECRET)
}

#[test]
fn rfc6238_appendix_b_sha1_vectors() {
    let s = rfc_secret();
    for &(t, eight) in RFC_VECTORS {
        let code = six(eight);
        assert_eq!(
            verify_totp(&s, code, t, None),
            Ok(t / 30),
            "t={t} code={code}"
        );
    }
    // Spot-check the truncation explanation on one row.
    assert_eq!(six("94287082"), "287082");
}

#[test]
fn rfc_vectors_are_not_accepted_for_unrelated_times() {
    // Guards against a verifier that accepts everything.
    let s = rfc_secret();
    for &(t, eight) in RFC_VECTORS {
        let far = t + 3600;
        assert_eq!(
            verify_totp(&s, six(eight), far, None),
            Err(TotpError::Invalid),
            "t={t}"
        );
    }
}

#[test]
fn accepts_current_and_one_step_of_skew_only() {
    let s = rfc_secret();
    // "287082" is the code for step 1 (t = 30..=59).
    let code = "287082";
    assert_eq!(verify_totp(&s, code, 30, None), Ok(1)); // start of step 1
    assert_eq!(verify_totp(&s, code, 59, None), Ok(1)); // end of step 1
    assert_eq!(verify_totp(&s, code, 0, None), Ok(1)); // clock behind: step 0, +1
    assert_eq!(verify_totp(&s, code, 29, None), Ok(1));
    assert_eq!(verify_totp(&s, code, 60, None), Ok(1)); // clock ahead: step 2, -1
    assert_eq!(verify_totp(&s, code, 89, None), Ok(1));
}

#[test]
fn expired_code_outside_skew_is_refused() {
    let s = rfc_secret();
    let code = "287082"; // step 1
    assert_eq!(verify_totp(&s, code, 90, None), Err(TotpError::Invalid)); // step 3
    assert_eq!(verify_totp(&s, code, 3600, None), Err(TotpError::Invalid));
    // Two steps early.
    let code = six("07081804"); // t = 1111111109 → step 37037036
    let step = 1_111_111_109 / 30;
    assert_eq!(
        verify_totp(&s, code, (step - 2) * 30 + 29, None),
        Err(TotpError::Invalid)
    );
    assert_eq!(
        verify_totp(&s, code, (step - 1) * 30, None),
        Ok(step),
        "one step early is within skew"
    );
    assert_eq!(
        verify_totp(&s, code, (step + 2) * 30, None),
        Err(TotpError::Invalid)
    );
}

#[test]
fn same_step_is_refused_as_replay() {
    let s = rfc_secret();
    let code = "287082";
    let step = verify_totp(&s, code, 45, None).unwrap();
    assert_eq!(step, 1);
    assert_eq!(
        verify_totp(&s, code, 45, Some(step)),
        Err(TotpError::Replayed)
    );
    // Still refused a step later (while it is within the skew window).
    assert_eq!(
        verify_totp(&s, code, 75, Some(step)),
        Err(TotpError::Replayed)
    );
}

#[test]
fn earlier_step_is_refused_after_a_later_one() {
    let s = rfc_secret();
    // Code for step 1 submitted at t=60 (step 2) after step 2 was already used.
    assert_eq!(
        verify_totp(&s, "287082", 60, Some(2)),
        Err(TotpError::Replayed)
    );
    // A last_used_step before the code's step does not block it.
    assert_eq!(verify_totp(&s, "287082", 60, Some(0)), Ok(1));
}

#[test]
fn wrong_code_is_refused() {
    let s = rfc_secret();
    // Same time, code off by one digit.
    assert_eq!(verify_totp(&s, "287083", 59, None), Err(TotpError::Invalid));
    assert_eq!(verify_totp(&s, "000000", 59, None), Err(TotpError::Invalid));
    // Right code, different secret.
    let other = TotpSecret::from_bytes([7u8; 20]);
    assert_eq!(
        verify_totp(&other, "287082", 59, None),
        Err(TotpError::Invalid)
    );
    // A wrong code is Invalid, not Replayed, even with a last_used_step.
    assert_eq!(
        verify_totp(&s, "287083", 59, Some(1)),
        Err(TotpError::Invalid)
    );
}

#[test]
fn malformed_codes_are_refused() {
    let s = rfc_secret();
    for code in [
        "",
        "28708",
        "2870820",
        "94287082", // the 8-digit form
        "28708a",
        "+28708",
        "-28708",
        " 87082",
        "287 82",
        "２８７０８２", // full-width digits
        "287082\n",
    ] {
        assert_eq!(
            verify_totp(&s, code, 59, None),
            Err(TotpError::Malformed),
            "{code:?}"
        );
    }
}

#[test]
fn extreme_times_do_not_overflow() {
    let s = rfc_secret();
    assert_eq!(
        verify_totp(&s, "000000", u64::MAX, None).unwrap_err(),
        TotpError::Invalid
    );
}

// ---------------------------------------------------------------------
// Cross-check against oathtool (liboath), an independent implementation.
// ---------------------------------------------------------------------

/// `YYYY-MM-DD HH:MM:SS UTC` for a Unix timestamp (proleptic Gregorian,
/// Howard Hinnant's civil_from_days).
fn utc_string(unix: u64) -> String {
    let days = i64::try_from(unix / 86_400).unwrap();
    let secs = unix % 86_400;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02} UTC",
        secs / 3600,
        (secs / 60) % 60,
        secs % 60
    )
}

#[test]
fn utc_string_known_dates() {
    assert_eq!(utc_string(0), "1970-01-01 00:00:00 UTC");
    assert_eq!(utc_string(59), "1970-01-01 00:00:59 UTC");
    assert_eq!(utc_string(1_111_111_109), "2005-03-18 01:58:29 UTC");
    assert_eq!(utc_string(1_234_567_890), "2009-02-13 23:31:30 UTC");
    assert_eq!(utc_string(2_000_000_000), "2033-05-18 03:33:20 UTC");
    assert_eq!(utc_string(1_767_225_600), "2026-01-01 00:00:00 UTC");
}

/// Runs `oathtool --totp -b SECRET -N TIME`; `None` if oathtool is absent.
fn oathtool(base32: &str, unix: u64) -> Option<String> {
    let out = match Command::new("oathtool")
        .args(["--totp", "-b", base32, "-N", &utc_string(unix)])
        .output()
    {
        Ok(out) => out,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return None,
        Err(e) => panic!("running oathtool: {e}"),
    };
    assert!(
        out.status.success(),
        "oathtool failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(String::from_utf8(out.stdout).unwrap().trim().to_string())
}

#[test]
fn matches_oathtool() {
    let require = std::env::var("DSG_REQUIRE_OATHTOOL").is_ok_and(|v| v == "1");
    let secrets = [
        rfc_secret(),
        TotpSecret::from_bytes([0xa5; 20]),
        TotpSecret::from_bytes(core::array::from_fn(|i| (i as u8).wrapping_mul(37))),
    ];
    let times: [u64; 8] = [
        59,
        1_111_111_109,
        1_234_567_890,
        1_767_225_600, // 2026-01-01 00:00:00 UTC
        1_767_225_629, // last second of that step
        1_767_225_630, // next step
        1_800_000_000,
        2_000_000_000,
    ];
    let mut compared = 0;
    for secret in &secrets {
        let b32 = secret.to_base32();
        for &t in &times {
            let Some(code) = oathtool(b32.expose(), t) else {
                assert!(
                    !require,
                    "oathtool not installed but DSG_REQUIRE_OATHTOOL=1"
                );
                println!("SKIPPED: oathtool not installed");
                return;
            };
            assert_eq!(code.len(), 6, "oathtool output {code:?}");
            assert_eq!(
                verify_totp(secret, &code, t, None),
                Ok(t / 30),
                "t={t} oathtool={code}"
            );
            // And the oathtool code for t is refused 2 steps later.
            assert_eq!(
                verify_totp(secret, &code, t + 60, None),
                Err(TotpError::Invalid),
                "t={t} oathtool={code}"
            );
            compared += 1;
        }
    }
    // RFC secret at t=59 must agree with the published vector too.
    assert_eq!(
        oathtool("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ", 59).unwrap(),
        "287082"
    );
    assert_eq!(compared, secrets.len() * times.len());
}
