//! Key unwrapping (`unwrap_key`) and sealed-secret opening (`open`) of
//! dsg-crypto, under a fixed key-encryption key.
//!
//! Arbitrary bytes must be refused without a panic; real wrapped keys and
//! sealed secrets, optionally altered or opened under another context, must
//! open exactly when nothing was changed, and a wrapped key must never open
//! as a sealed secret or the other way round.
#![no_main]

use arbitrary::Arbitrary;
use dsg_crypto::{open, seal, unwrap_key, wrap_key, SecretKey, SystemRandom, WrapContext};
use libfuzzer_sys::fuzz_target;

#[derive(Debug, Arbitrary)]
struct Ctx {
    purpose: String,
    owner: String,
    key_version: u32,
}

#[derive(Debug, Arbitrary)]
enum Input {
    RawUnwrap {
        bytes: Vec<u8>,
        ctx: Ctx,
    },
    RawOpen {
        bytes: Vec<u8>,
        ctx: Ctx,
    },
    Roundtrip {
        key: [u8; 32],
        secret: Vec<u8>,
        ctx: Ctx,
        other: Option<Ctx>,
        flip: Option<(u16, u8)>,
    },
}

fn kek() -> SecretKey {
    SecretKey::from_bytes([0x17; 32])
}

fn as_ctx(c: &Ctx) -> WrapContext<'_> {
    WrapContext {
        purpose: &c.purpose,
        owner: &c.owner,
        key_version: c.key_version,
    }
}

fuzz_target!(|input: Input| match input {
    Input::RawUnwrap { bytes, ctx } => {
        assert!(unwrap_key(&kek(), &bytes, &as_ctx(&ctx)).is_err());
    }
    Input::RawOpen { bytes, ctx } => {
        assert!(open(&kek(), &bytes, &as_ctx(&ctx)).is_err());
    }
    Input::Roundtrip {
        key,
        secret,
        ctx,
        other,
        flip,
    } => {
        // The nonce is random; none of the properties depends on it.
        let rng = SystemRandom::new();
        let wrap_ctx = as_ctx(&ctx);
        let open_ctx = other.as_ref().map_or(wrap_ctx, as_ctx);
        let ctx_changed = open_ctx != wrap_ctx;
        let flip_at = |blob: &mut Vec<u8>| match flip {
            Some((at, mask)) if mask != 0 => {
                let i = usize::from(at) % blob.len();
                blob[i] ^= mask;
                true
            }
            _ => false,
        };

        let mut wrapped =
            wrap_key(&kek(), &SecretKey::from_bytes(key), &wrap_ctx, &rng).expect("wrap");
        assert_eq!(wrapped.len(), 61);
        // A wrapped key is not a sealed secret.
        assert!(open(&kek(), &wrapped, &wrap_ctx).is_err());
        let changed = flip_at(&mut wrapped) || ctx_changed;
        match unwrap_key(&kek(), &wrapped, &open_ctx) {
            Ok(k) => {
                assert!(!changed, "altered wrapped key opened");
                assert_eq!(k.expose(), &key);
            }
            Err(_) => assert!(changed, "intact wrapped key refused"),
        }

        let mut sealed = seal(&kek(), &secret, &wrap_ctx, &rng).expect("seal");
        assert_eq!(sealed.len(), 29 + secret.len());
        // A sealed secret is not a wrapped key, even a 32-byte one.
        assert!(unwrap_key(&kek(), &sealed, &wrap_ctx).is_err());
        let changed = flip_at(&mut sealed) || ctx_changed;
        match open(&kek(), &sealed, &open_ctx) {
            Ok(plain) => {
                assert!(!changed, "altered sealed secret opened");
                assert!(*plain == secret);
            }
            Err(_) => assert!(changed, "intact sealed secret refused"),
        }
    }
});
