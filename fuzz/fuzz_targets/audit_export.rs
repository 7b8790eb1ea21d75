//! The offline verifiers an auditor runs on text they were handed
//! (dsg-audit): the whole-log export (`verify_export`) and a company's
//! extract (`verify_extract`, against an earlier extract too).
//!
//! Arbitrary text, or lines put together from the formats' own record
//! types so that parsing gets past the first line: nothing may panic, and
//! nothing verifies under a key that signed nothing (a verified checkpoint
//! or head would mean a forged signature was accepted).
#![no_main]

use std::sync::OnceLock;

use arbitrary::Arbitrary;
use dsg_audit::{
    verify_export, verify_extract, EcdsaKeyPair, KeyPair, SignedCheckpoint,
    ECDSA_P256_SHA256_ASN1_SIGNING, EXPORT_FORMAT_V1, EXTRACT_FORMAT_V1,
};
use libfuzzer_sys::fuzz_target;
use serde_json::{json, Value};

fn key() -> &'static EcdsaKeyPair {
    static KEY: OnceLock<EcdsaKeyPair> = OnceLock::new();
    KEY.get_or_init(|| EcdsaKeyPair::generate(&ECDSA_P256_SHA256_ASN1_SIGNING).expect("P-256 key"))
}

#[derive(Debug, Arbitrary)]
enum Input<'a> {
    /// Text as an export or an extract.
    Text {
        text: &'a str,
        earlier: Option<&'a str>,
        published: Option<&'a str>,
        fixed_key: bool,
    },
    /// Lines of the formats' record types with fuzzer-chosen fields.
    Lines { extract: bool, lines: Vec<Line<'a>> },
}

#[derive(Debug, Arbitrary)]
enum Line<'a> {
    Header {
        log_id: &'a str,
        public_key: &'a str,
        company: &'a str,
    },
    Entry {
        seq: i64,
        salt: &'a str,
        action: &'a str,
        company: Option<&'a str>,
        reason: &'a str,
    },
    Expired {
        seq: i64,
        leaf_hash: &'a str,
    },
    Head {
        tree_size: u64,
        path: Vec<&'a str>,
        reason: &'a str,
    },
    Checkpoint {
        signed: &'a str,
    },
    Raw(&'a str),
}

fn line(l: &Line<'_>, extract: bool) -> Value {
    match l {
        Line::Header {
            log_id,
            public_key,
            company,
        } => json!({
            "type": "header",
            "format": if extract { EXTRACT_FORMAT_V1 } else { EXPORT_FORMAT_V1 },
            "log_id": log_id, "public_key": public_key, "company": company,
        }),
        Line::Entry {
            seq,
            salt,
            action,
            company,
            reason,
        } => json!({
            "type": "entry", "seq": seq, "salt": salt,
            "entry": { "id": seq.to_string(), "occurred_at": seq, "request_id": "r",
                "action": action, "object_type": "gateway", "outcome": "success",
                "reason": reason, "company_id": company },
        }),
        Line::Expired { seq, leaf_hash } => {
            json!({ "type": "expired", "seq": seq, "leaf_hash": leaf_hash })
        }
        Line::Head {
            tree_size,
            path,
            reason,
        } => json!({
            "type": "head", "tree_size": tree_size, "path": path,
            "entry": { "action": "audit.company_head", "reason": reason },
        }),
        Line::Checkpoint { signed } => {
            json!({ "type": "checkpoint", "signed": serde_json::from_str::<Value>(signed).unwrap_or(Value::Null) })
        }
        Line::Raw(text) => Value::String((*text).to_owned()),
    }
}

fuzz_target!(|input: Input<'_>| {
    let public = key().public_key().as_ref();
    match input {
        Input::Text {
            text,
            earlier,
            published,
            fixed_key,
        } => {
            let key = fixed_key.then_some(public);
            let published = published.and_then(|p| SignedCheckpoint::from_json(p).ok());
            let export = verify_export(text, key, published.as_ref());
            let extract = verify_extract(text, key, earlier);
            if fixed_key {
                // The fixed key signed nothing the fuzzer could have seen.
                assert!(
                    export.map_or(true, |r| r.checkpoints == 0),
                    "forged checkpoint"
                );
                assert!(extract.is_err(), "forged extract");
            }
        }
        Input::Lines { extract, lines } => {
            let text: Vec<String> = lines.iter().map(|l| line(l, extract).to_string()).collect();
            let text = text.join("\n");
            if extract {
                assert!(
                    verify_extract(&text, Some(public), None).is_err(),
                    "forged extract"
                );
                let _ = verify_extract(&text, None, Some(&text));
            } else {
                let report = verify_export(&text, Some(public), None);
                assert!(
                    report.map_or(true, |r| r.checkpoints == 0),
                    "forged checkpoint"
                );
                let _ = verify_export(&text, None, None);
            }
        }
    }
});
