//! A software WebAuthn authenticator for integration tests.
//!
//! [`SoftAuthenticator`] plays the part of both the browser (the WebAuthn
//! *client*, which builds `clientDataJSON` and base64url-encodes everything)
//! and the authenticator (which holds ECDSA P-256 keys, builds authenticator
//! data and signs assertions). It consumes the JSON a server sends to a
//! browser — webauthn-rs's `CreationChallengeResponse` /
//! `RequestChallengeResponse` serialised with `serde_json` — and returns the
//! JSON a browser would post back (webauthn-rs's
//! `RegisterPublicKeyCredential` / `PublicKeyCredential`).
//!
//! It is deliberately *not* a well-behaved browser: it does not check that
//! the relying-party id belongs to the origin and it reports exactly the user
//! presence / verification flags it is told to ([`Behaviour`]). That lets
//! tests show the server refuses phishing origins, unverified users and
//! tampered responses.
//!
//! Format details:
//! * attestation format `"none"` with an empty `attStmt`;
//! * authenticator data = SHA-256(rp id) ‖ flags ‖ big-endian sign counter
//!   [‖ attested credential data at registration: all-zero AAGUID, credential
//!   id length, 32 random bytes of credential id, COSE EC2 P-256 key];
//! * `clientDataJSON` = `{"type":…,"challenge":…,"origin":…,"crossOrigin":false}`;
//! * assertion signature = ECDSA P-256 / SHA-256 (ASN.1 DER) over
//!   authenticator data ‖ SHA-256(clientDataJSON);
//! * the sign counter is 0 at registration and is incremented before every
//!   assertion (so the first assertion carries 1).

use aws_lc_rs::digest;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{EcdsaKeyPair, KeyPair, ECDSA_P256_SHA256_ASN1_SIGNING};
use base64::alphabet;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
use base64::engine::DecodePaddingMode;
use base64::Engine as _;
use serde_json::{json, Value};

/// Authenticator-data flag: user present.
pub const FLAG_USER_PRESENT: u8 = 0x01;
/// Authenticator-data flag: user verified.
pub const FLAG_USER_VERIFIED: u8 = 0x04;
/// Authenticator-data flag: attested credential data included.
pub const FLAG_ATTESTED_CREDENTIAL_DATA: u8 = 0x40;

/// COSE algorithm identifier for ES256 (ECDSA P-256 with SHA-256).
const COSE_ALG_ES256: i64 = -7;
/// Length of the random credential ids this authenticator mints.
const CREDENTIAL_ID_LEN: usize = 32;

/// Base64url without padding on output (what browsers and webauthn-rs emit);
/// padding is tolerated on input.
const B64URL: GeneralPurpose = GeneralPurpose::new(
    &alphabet::URL_SAFE,
    GeneralPurposeConfig::new()
        .with_encode_padding(false)
        .with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// Base64url-encode (no padding), as used for every binary field in the JSON.
pub fn b64url_encode(bytes: &[u8]) -> String {
    B64URL.encode(bytes)
}

/// Base64url-decode, tolerating (but not requiring) padding.
pub fn b64url_decode(text: &str) -> Result<Vec<u8>, base64::DecodeError> {
    B64URL.decode(text)
}

/// Errors from the software authenticator.
#[derive(Debug, thiserror::Error)]
pub enum AuthenticatorError {
    /// A required member of the options JSON is missing or has the wrong type.
    #[error("malformed WebAuthn options: {0}")]
    MalformedOptions(&'static str),
    /// A member that should be base64url is not.
    #[error("field `{field}` is not valid base64url")]
    InvalidBase64 {
        /// The JSON member that failed to decode.
        field: &'static str,
        /// The decoder's complaint.
        #[source]
        source: base64::DecodeError,
    },
    /// `pubKeyCredParams` does not offer ES256 (-7), the only algorithm supported.
    #[error("the relying party does not accept ES256 (COSE -7)")]
    UnsupportedAlgorithm,
    /// A credential listed in `excludeCredentials` is held by this authenticator
    /// (a browser reports this as `InvalidStateError`).
    #[error("this authenticator already holds a credential listed in excludeCredentials")]
    CredentialExcluded,
    /// No held credential matches `allowCredentials` / the relying party
    /// (a browser reports this as `NotAllowedError`).
    #[error("no held credential matches the request")]
    NoMatchingCredential,
    /// The signature counter would overflow.
    #[error("signature counter overflow")]
    CounterOverflow,
    /// The crypto library failed (key generation, randomness or signing).
    #[error("cryptographic operation failed: {0}")]
    Crypto(&'static str),
}

/// What the (simulated) user does during a ceremony: these become the UP
/// and UV flags of the authenticator data, whatever the options asked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Behaviour {
    /// Set the user-present (UP) flag.
    pub user_present: bool,
    /// Set the user-verified (UV) flag (a PIN or biometric check passed).
    pub user_verified: bool,
}

impl Behaviour {
    /// The user touched the authenticator and passed its PIN/biometric check.
    pub const VERIFIED: Self = Self {
        user_present: true,
        user_verified: true,
    };
    /// The user touched the authenticator but was not verified.
    pub const PRESENCE_ONLY: Self = Self {
        user_present: true,
        user_verified: false,
    };

    fn flags(self) -> u8 {
        let mut flags = 0;
        if self.user_present {
            flags |= FLAG_USER_PRESENT;
        }
        if self.user_verified {
            flags |= FLAG_USER_VERIFIED;
        }
        flags
    }
}

/// One credential held by the authenticator.
struct HeldCredential {
    id: Vec<u8>,
    key: EcdsaKeyPair,
    rp_id: String,
    user_handle: Vec<u8>,
    sign_count: u32,
}

/// A software WebAuthn authenticator (plus the browser glue around it).
pub struct SoftAuthenticator {
    origin: String,
    credentials: Vec<HeldCredential>,
    rng: SystemRandom,
}

impl std::fmt::Debug for SoftAuthenticator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let credentials: Vec<_> = self
            .credentials
            .iter()
            .map(|c| (b64url_encode(&c.id), c.rp_id.as_str(), c.sign_count))
            .collect();
        f.debug_struct("SoftAuthenticator")
            .field("origin", &self.origin)
            .field("credentials", &credentials)
            .finish_non_exhaustive()
    }
}

impl SoftAuthenticator {
    /// A new authenticator with no credentials. `origin` (for example
    /// `"https://localhost:8443"`) is what goes into `clientDataJSON`; the
    /// relying-party id is taken from each ceremony's options.
    pub fn new(origin: &str) -> Self {
        Self {
            origin: origin.to_owned(),
            credentials: Vec::new(),
            rng: SystemRandom::new(),
        }
    }

    /// Builder form of [`set_origin`](Self::set_origin).
    #[must_use]
    pub fn with_origin(mut self, origin: &str) -> Self {
        self.set_origin(origin);
        self
    }

    /// Change the origin reported in `clientDataJSON` from now on.
    pub fn set_origin(&mut self, origin: &str) {
        origin.clone_into(&mut self.origin);
    }

    /// The origin reported in `clientDataJSON` by default.
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// The ids of all held credentials, oldest first.
    pub fn credential_ids(&self) -> Vec<Vec<u8>> {
        self.credentials.iter().map(|c| c.id.clone()).collect()
    }

    /// The current signature counter of a held credential (0 after
    /// registration, then 1, 2, … after each assertion).
    pub fn sign_count(&self, credential_id: &[u8]) -> Option<u32> {
        self.credentials
            .iter()
            .find(|c| c.id == credential_id)
            .map(|c| c.sign_count)
    }

    /// Overwrite the signature counter of a held credential (the next
    /// assertion carries `count + 1`), e.g. to play a cloned authenticator.
    /// Returns whether the credential was found.
    pub fn set_sign_count(&mut self, credential_id: &[u8], count: u32) -> bool {
        match self.credentials.iter_mut().find(|c| c.id == credential_id) {
            Some(credential) => {
                credential.sign_count = count;
                true
            }
            None => false,
        }
    }

    /// Answers `navigator.credentials.create()`.
    ///
    /// `creation_options` is the serialised `CreationChallengeResponse`
    /// (`{"publicKey": {...}}`; the bare inner object is accepted too).
    /// Returns the JSON of a `RegisterPublicKeyCredential`.
    pub fn register(
        &mut self,
        creation_options: &Value,
        behaviour: Behaviour,
    ) -> Result<Value, AuthenticatorError> {
        let origin = self.origin.clone();
        self.register_with_origin(creation_options, behaviour, &origin)
    }

    /// [`register`](Self::register), reporting `origin` in `clientDataJSON`
    /// for this call only (e.g. to play a phishing site).
    pub fn register_with_origin(
        &mut self,
        creation_options: &Value,
        behaviour: Behaviour,
        origin: &str,
    ) -> Result<Value, AuthenticatorError> {
        let options = public_key_options(creation_options);

        let challenge = challenge_of(options)?;
        let rp_id = match options.pointer("/rp/id") {
            Some(id) => id
                .as_str()
                .ok_or(AuthenticatorError::MalformedOptions("publicKey.rp.id"))?
                .to_owned(),
            None => effective_domain(origin)?,
        };
        let user_handle = decode_field(
            options
                .pointer("/user/id")
                .and_then(Value::as_str)
                .ok_or(AuthenticatorError::MalformedOptions("publicKey.user.id"))?,
            "publicKey.user.id",
        )?;

        // An empty or absent list means "ES256 or RS256" per the spec.
        if let Some(params) = options.get("pubKeyCredParams").and_then(Value::as_array) {
            let offers_es256 = params.is_empty()
                || params.iter().any(|p| {
                    p.get("alg").and_then(Value::as_i64) == Some(COSE_ALG_ES256)
                        && p.get("type")
                            .and_then(Value::as_str)
                            .unwrap_or("public-key")
                            == "public-key"
                });
            if !offers_es256 {
                return Err(AuthenticatorError::UnsupportedAlgorithm);
            }
        }

        for excluded in descriptor_ids(options, "excludeCredentials")? {
            if self
                .credentials
                .iter()
                .any(|c| c.id == excluded && c.rp_id == rp_id)
            {
                return Err(AuthenticatorError::CredentialExcluded);
            }
        }

        let key = EcdsaKeyPair::generate(&ECDSA_P256_SHA256_ASN1_SIGNING)
            .map_err(|_| AuthenticatorError::Crypto("P-256 key generation"))?;
        let mut id = vec![0_u8; CREDENTIAL_ID_LEN];
        aws_lc_rs::rand::fill(&mut id)
            .map_err(|_| AuthenticatorError::Crypto("random credential id"))?;

        let cose_key = cose_ec2_p256_key(key.public_key().as_ref())?;
        let sign_count = 0;

        let mut auth_data = authenticator_data_prefix(
            &rp_id,
            behaviour.flags() | FLAG_ATTESTED_CREDENTIAL_DATA,
            sign_count,
        );
        auth_data.extend_from_slice(&[0_u8; 16]); // AAGUID: none
        let id_len = u16::try_from(id.len())
            .map_err(|_| AuthenticatorError::MalformedOptions("credential id too long"))?;
        auth_data.extend_from_slice(&id_len.to_be_bytes());
        auth_data.extend_from_slice(&id);
        auth_data.extend_from_slice(&cose_key);

        let attestation_object = attestation_object_none(&auth_data);
        let client_data = client_data_json("webauthn.create", &challenge, origin);

        let id_b64 = b64url_encode(&id);
        self.credentials.push(HeldCredential {
            id,
            key,
            rp_id,
            user_handle,
            sign_count,
        });

        Ok(json!({
            "id": id_b64,
            "rawId": id_b64,
            "type": "public-key",
            "response": {
                "attestationObject": b64url_encode(&attestation_object),
                "clientDataJSON": b64url_encode(client_data.as_bytes()),
                "transports": ["internal"],
            },
            "extensions": {},
        }))
    }

    /// Answers `navigator.credentials.get()`.
    ///
    /// `request_options` is the serialised `RequestChallengeResponse`
    /// (`{"publicKey": {...}, "mediation": ...}`; the bare inner object is
    /// accepted too). Uses the held credential listed in `allowCredentials`
    /// for the options' rp id, or, if that list is empty or absent, the most
    /// recently registered credential for the rp id. Returns the JSON of a
    /// `PublicKeyCredential`.
    pub fn authenticate(
        &mut self,
        request_options: &Value,
        behaviour: Behaviour,
    ) -> Result<Value, AuthenticatorError> {
        let origin = self.origin.clone();
        self.authenticate_with_origin(request_options, behaviour, &origin)
    }

    /// [`authenticate`](Self::authenticate), reporting `origin` in
    /// `clientDataJSON` for this call only (e.g. to play a phishing site).
    pub fn authenticate_with_origin(
        &mut self,
        request_options: &Value,
        behaviour: Behaviour,
        origin: &str,
    ) -> Result<Value, AuthenticatorError> {
        let options = public_key_options(request_options);

        let challenge = challenge_of(options)?;
        let rp_id = match options.get("rpId") {
            Some(id) => id
                .as_str()
                .ok_or(AuthenticatorError::MalformedOptions("publicKey.rpId"))?
                .to_owned(),
            None => effective_domain(origin)?,
        };
        let allowed = descriptor_ids(options, "allowCredentials")?;

        let credential = if allowed.is_empty() {
            self.credentials.iter_mut().rev().find(|c| c.rp_id == rp_id)
        } else {
            self.credentials
                .iter_mut()
                .find(|c| c.rp_id == rp_id && allowed.contains(&c.id))
        }
        .ok_or(AuthenticatorError::NoMatchingCredential)?;

        credential.sign_count = credential
            .sign_count
            .checked_add(1)
            .ok_or(AuthenticatorError::CounterOverflow)?;

        let auth_data = authenticator_data_prefix(&rp_id, behaviour.flags(), credential.sign_count);
        let client_data = client_data_json("webauthn.get", &challenge, origin);
        let client_data_hash = digest::digest(&digest::SHA256, client_data.as_bytes());

        let mut signed = Vec::with_capacity(auth_data.len() + 32);
        signed.extend_from_slice(&auth_data);
        signed.extend_from_slice(client_data_hash.as_ref());
        let signature = credential
            .key
            .sign(&self.rng, &signed)
            .map_err(|_| AuthenticatorError::Crypto("ECDSA signing"))?;

        let id_b64 = b64url_encode(&credential.id);
        Ok(json!({
            "id": id_b64,
            "rawId": id_b64,
            "type": "public-key",
            "response": {
                "authenticatorData": b64url_encode(&auth_data),
                "clientDataJSON": b64url_encode(client_data.as_bytes()),
                "signature": b64url_encode(signature.as_ref()),
                "userHandle": b64url_encode(&credential.user_handle),
            },
            "extensions": {},
        }))
    }
}

/// The inner `publicKey` object, or the value itself if it has none.
fn public_key_options(value: &Value) -> &Value {
    value.get("publicKey").unwrap_or(value)
}

/// The challenge, as the browser would re-encode it: base64url, no padding.
fn challenge_of(options: &Value) -> Result<String, AuthenticatorError> {
    let text = options
        .get("challenge")
        .and_then(Value::as_str)
        .ok_or(AuthenticatorError::MalformedOptions("publicKey.challenge"))?;
    Ok(b64url_encode(&decode_field(text, "publicKey.challenge")?))
}

fn decode_field(text: &str, field: &'static str) -> Result<Vec<u8>, AuthenticatorError> {
    b64url_decode(text).map_err(|source| AuthenticatorError::InvalidBase64 { field, source })
}

/// The decoded `id`s of a list of `PublicKeyCredentialDescriptor`s
/// (`excludeCredentials` / `allowCredentials`); absent or null means empty.
fn descriptor_ids(
    options: &Value,
    member: &'static str,
) -> Result<Vec<Vec<u8>>, AuthenticatorError> {
    match options.get(member) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(items)) => items
            .iter()
            .map(|item| {
                let id = item
                    .get("id")
                    .and_then(Value::as_str)
                    .ok_or(AuthenticatorError::MalformedOptions(member))?;
                decode_field(id, member)
            })
            .collect(),
        Some(_) => Err(AuthenticatorError::MalformedOptions(member)),
    }
}

/// The host of an origin, used as the rp id when the options carry none.
fn effective_domain(origin: &str) -> Result<String, AuthenticatorError> {
    let rest = origin
        .split_once("://")
        .map(|(_, rest)| rest)
        .ok_or(AuthenticatorError::MalformedOptions("origin has no scheme"))?;
    let authority = rest.split('/').next().unwrap_or(rest);
    let host = if let Some(bracketed) = authority.strip_prefix('[') {
        bracketed.split(']').next().unwrap_or(bracketed)
    } else {
        authority.split(':').next().unwrap_or(authority)
    };
    if host.is_empty() {
        return Err(AuthenticatorError::MalformedOptions("origin has no host"));
    }
    Ok(host.to_owned())
}

/// SHA-256(rp id) ‖ flags ‖ big-endian counter.
fn authenticator_data_prefix(rp_id: &str, flags: u8, sign_count: u32) -> Vec<u8> {
    let mut out = Vec::with_capacity(37 + 16 + 2 + CREDENTIAL_ID_LEN + 77);
    out.extend_from_slice(digest::digest(&digest::SHA256, rp_id.as_bytes()).as_ref());
    out.push(flags);
    out.extend_from_slice(&sign_count.to_be_bytes());
    out
}

/// `{"type":…,"challenge":…,"origin":…,"crossOrigin":false}` in the member
/// order browsers use.
fn client_data_json(type_: &str, challenge_b64: &str, origin: &str) -> String {
    // Serialising a `&str` to JSON cannot fail.
    let quote = |s: &str| Value::String(s.to_owned()).to_string();
    format!(
        "{{\"type\":{},\"challenge\":{},\"origin\":{},\"crossOrigin\":false}}",
        quote(type_),
        quote(challenge_b64),
        quote(origin)
    )
}

// ---------------------------------------------------------------------------
// Minimal CBOR encoding (RFC 8949), enough for the COSE key and the
// attestation object, in CTAP2 canonical form.
// ---------------------------------------------------------------------------

const CBOR_UNSIGNED: u8 = 0;
const CBOR_NEGATIVE: u8 = 1;
const CBOR_BYTES: u8 = 2;
const CBOR_TEXT: u8 = 3;
const CBOR_MAP: u8 = 5;

fn cbor_head(out: &mut Vec<u8>, major: u8, value: u64) {
    let major = major << 5;
    match value {
        0..=23 => out.push(major | value as u8),
        24..=0xff => {
            out.push(major | 24);
            out.push(value as u8);
        }
        0x100..=0xffff => {
            out.push(major | 25);
            out.extend_from_slice(&(value as u16).to_be_bytes());
        }
        0x1_0000..=0xffff_ffff => {
            out.push(major | 26);
            out.extend_from_slice(&(value as u32).to_be_bytes());
        }
        _ => {
            out.push(major | 27);
            out.extend_from_slice(&value.to_be_bytes());
        }
    }
}

fn cbor_int(out: &mut Vec<u8>, value: i64) {
    if value >= 0 {
        cbor_head(out, CBOR_UNSIGNED, value.unsigned_abs());
    } else {
        // -1 - value, computed without overflow.
        cbor_head(out, CBOR_NEGATIVE, value.unsigned_abs() - 1);
    }
}

fn cbor_bytes(out: &mut Vec<u8>, bytes: &[u8]) {
    cbor_head(out, CBOR_BYTES, bytes.len() as u64);
    out.extend_from_slice(bytes);
}

fn cbor_text(out: &mut Vec<u8>, text: &str) {
    cbor_head(out, CBOR_TEXT, text.len() as u64);
    out.extend_from_slice(text.as_bytes());
}

/// COSE_Key `{1: 2 (EC2), 3: -7 (ES256), -1: 1 (P-256), -2: x, -3: y}` from
/// an uncompressed SEC1 point (`0x04 ‖ x ‖ y`).
fn cose_ec2_p256_key(uncompressed_point: &[u8]) -> Result<Vec<u8>, AuthenticatorError> {
    let coordinates = match uncompressed_point {
        [0x04, coordinates @ ..] if coordinates.len() == 64 => coordinates,
        _ => {
            return Err(AuthenticatorError::Crypto(
                "unexpected P-256 public key encoding",
            ))
        }
    };
    let (x, y) = coordinates.split_at(32);

    let mut out = Vec::with_capacity(77);
    cbor_head(&mut out, CBOR_MAP, 5);
    cbor_int(&mut out, 1);
    cbor_int(&mut out, 2);
    cbor_int(&mut out, 3);
    cbor_int(&mut out, COSE_ALG_ES256);
    cbor_int(&mut out, -1);
    cbor_int(&mut out, 1);
    cbor_int(&mut out, -2);
    cbor_bytes(&mut out, x);
    cbor_int(&mut out, -3);
    cbor_bytes(&mut out, y);
    Ok(out)
}

/// `{"fmt": "none", "attStmt": {}, "authData": <bytes>}`.
fn attestation_object_none(auth_data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(auth_data.len() + 32);
    cbor_head(&mut out, CBOR_MAP, 3);
    cbor_text(&mut out, "fmt");
    cbor_text(&mut out, "none");
    cbor_text(&mut out, "attStmt");
    cbor_head(&mut out, CBOR_MAP, 0);
    cbor_text(&mut out, "authData");
    cbor_bytes(&mut out, auth_data);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_lc_rs::signature::{UnparsedPublicKey, ECDSA_P256_SHA256_ASN1};

    fn creation_options() -> Value {
        json!({
            "publicKey": {
                "rp": {"name": "dsg", "id": "localhost"},
                "user": {"id": b64url_encode(b"user-1"), "name": "u", "displayName": "U"},
                "challenge": b64url_encode(&[7_u8; 32]),
                "pubKeyCredParams": [{"type": "public-key", "alg": -7}],
            }
        })
    }

    fn field(value: &Value, pointer: &str) -> Vec<u8> {
        b64url_decode(value.pointer(pointer).and_then(Value::as_str).unwrap()).unwrap()
    }

    #[test]
    fn cbor_heads_and_ints() {
        let mut out = Vec::new();
        cbor_int(&mut out, -7);
        cbor_int(&mut out, 24);
        cbor_int(&mut out, -1);
        cbor_int(&mut out, 500);
        cbor_bytes(&mut out, &[0xaa; 2]);
        assert_eq!(
            out,
            [0x26, 0x18, 0x18, 0x20, 0x19, 0x01, 0xf4, 0x42, 0xaa, 0xaa]
        );
    }

    #[test]
    fn cose_key_layout() {
        let mut point = vec![0x04];
        point.extend((0..64).map(|i| i as u8));
        let key = cose_ec2_p256_key(&point).unwrap();
        assert_eq!(&key[..8], &[0xa5, 0x01, 0x02, 0x03, 0x26, 0x20, 0x01, 0x21]);
        assert_eq!(&key[8..10], &[0x58, 0x20]);
        assert_eq!(&key[10..42], &point[1..33]);
        assert_eq!(&key[42..45], &[0x22, 0x58, 0x20]);
        assert_eq!(&key[45..], &point[33..]);
        assert!(cose_ec2_p256_key(&point[1..]).is_err());
    }

    #[test]
    fn registration_layout() {
        let mut authenticator = SoftAuthenticator::new("https://localhost:8443");
        let response = authenticator
            .register(&creation_options(), Behaviour::VERIFIED)
            .unwrap();
        let id = field(&response, "/rawId");
        assert_eq!(id.len(), CREDENTIAL_ID_LEN);
        assert_eq!(authenticator.credential_ids(), vec![id.clone()]);
        assert_eq!(authenticator.sign_count(&id), Some(0));

        let client_data = field(&response, "/response/clientDataJSON");
        let client_data: Value = serde_json::from_slice(&client_data).unwrap();
        assert_eq!(client_data["type"], "webauthn.create");
        assert_eq!(client_data["challenge"], b64url_encode(&[7_u8; 32]));
        assert_eq!(client_data["origin"], "https://localhost:8443");
        assert_eq!(client_data["crossOrigin"], false);

        let attestation = field(&response, "/response/attestationObject");
        // a3 63"fmt" 64"none" 67"attStmt" a0 68"authData" 59 <len u16>
        assert_eq!(attestation[0], 0xa3);
        assert_eq!(&attestation[1..5], b"\x63fmt");
        assert_eq!(&attestation[5..10], b"\x64none");
        assert_eq!(&attestation[10..19], b"\x67attStmt\xa0");
        assert_eq!(&attestation[19..28], b"\x68authData");
        assert_eq!(attestation[28], 0x58);
        let auth_data = &attestation[30..];
        assert_eq!(usize::from(attestation[29]), auth_data.len());
        assert_eq!(
            &auth_data[..32],
            digest::digest(&digest::SHA256, b"localhost").as_ref()
        );
        assert_eq!(auth_data[32], 0x45); // UP | UV | AT
        assert_eq!(&auth_data[33..37], &[0, 0, 0, 0]);
        assert_eq!(&auth_data[37..53], &[0; 16]);
        assert_eq!(&auth_data[53..55], &[0, 32]);
        assert_eq!(&auth_data[55..87], id.as_slice());
        assert_eq!(auth_data.len(), 87 + 77);
    }

    #[test]
    fn assertion_signature_verifies_and_counter_increments() {
        let mut authenticator = SoftAuthenticator::new("https://localhost:8443");
        authenticator
            .register(&creation_options(), Behaviour::VERIFIED)
            .unwrap();
        let id = authenticator.credential_ids().remove(0);
        let key = authenticator.credentials[0]
            .key
            .public_key()
            .as_ref()
            .to_vec();

        let request = json!({
            "publicKey": {
                "challenge": b64url_encode(&[9_u8; 32]),
                "rpId": "localhost",
                "allowCredentials": [{"type": "public-key", "id": b64url_encode(&id)}],
                "userVerification": "required",
            }
        });
        for expected in 1..=2_u32 {
            let response = authenticator
                .authenticate(&request, Behaviour::PRESENCE_ONLY)
                .unwrap();
            let auth_data = field(&response, "/response/authenticatorData");
            assert_eq!(auth_data.len(), 37);
            assert_eq!(auth_data[32], FLAG_USER_PRESENT);
            assert_eq!(&auth_data[33..], &expected.to_be_bytes());
            assert_eq!(field(&response, "/response/userHandle"), b"user-1");

            let client_data = field(&response, "/response/clientDataJSON");
            let mut signed = auth_data.clone();
            signed.extend_from_slice(digest::digest(&digest::SHA256, &client_data).as_ref());
            UnparsedPublicKey::new(&ECDSA_P256_SHA256_ASN1, &key)
                .verify(&signed, &field(&response, "/response/signature"))
                .unwrap();
        }
        assert_eq!(authenticator.sign_count(&id), Some(2));
    }

    #[test]
    fn credential_selection() {
        let mut authenticator = SoftAuthenticator::new("https://localhost:8443");
        authenticator
            .register(&creation_options(), Behaviour::VERIFIED)
            .unwrap();
        let request = |rp_id: &str, allow: Value| json!({"publicKey": {"challenge": "AAAA", "rpId": rp_id, "allowCredentials": allow}});
        let unknown = json!([{"type": "public-key", "id": b64url_encode(b"nope")}]);
        assert!(matches!(
            authenticator.authenticate(&request("localhost", unknown), Behaviour::VERIFIED),
            Err(AuthenticatorError::NoMatchingCredential)
        ));
        assert!(matches!(
            authenticator.authenticate(&request("example.com", json!([])), Behaviour::VERIFIED),
            Err(AuthenticatorError::NoMatchingCredential)
        ));
        authenticator
            .authenticate(&request("localhost", json!([])), Behaviour::VERIFIED)
            .unwrap();
    }

    #[test]
    fn effective_domain_parsing() {
        assert_eq!(
            effective_domain("https://localhost:8443").unwrap(),
            "localhost"
        );
        assert_eq!(
            effective_domain("https://a.example/x").unwrap(),
            "a.example"
        );
        assert_eq!(effective_domain("https://[::1]:8443").unwrap(), "::1");
        assert!(effective_domain("localhost").is_err());
    }
}
