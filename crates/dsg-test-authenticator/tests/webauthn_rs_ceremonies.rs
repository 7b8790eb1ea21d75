//! Drives webauthn-rs 0.6's passkey ceremonies (the ones the server uses)
//! with the software authenticator, through the same JSON a browser sees.
#![allow(
    clippy::unwrap_used,
    clippy::panic,
    reason = "test helpers outside #[test] fns may fail loudly"
)]

use dsg_test_authenticator::{
    b64url_decode, b64url_encode, AuthenticatorError, Behaviour, SoftAuthenticator,
};
use serde_json::Value;
use webauthn_rs::prelude::*;

const ORIGIN: &str = "https://localhost:8443";
const PHISHING_ORIGIN: &str = "https://localhost.evil.example:8443";

fn webauthn() -> Webauthn {
    let origin = Url::parse(ORIGIN).unwrap();
    WebauthnBuilder::new("localhost", &origin)
        .unwrap()
        .rp_name("dsg")
        .build()
        .unwrap()
}

/// Server → browser: exactly what the server would put in its HTTP response.
fn to_browser<T: serde::Serialize>(options: &T) -> Value {
    serde_json::from_str(&serde_json::to_string(options).unwrap()).unwrap()
}

fn reg_from_browser(response: &Value) -> RegisterPublicKeyCredential {
    serde_json::from_str(&response.to_string()).unwrap()
}

fn auth_from_browser(response: &Value) -> PublicKeyCredential {
    serde_json::from_str(&response.to_string()).unwrap()
}

/// Registers a fresh passkey for a fresh user with UV.
fn register(webauthn: &Webauthn, authenticator: &mut SoftAuthenticator) -> (Uuid, Passkey) {
    let user = Uuid::new_v4();
    let (ccr, state) = webauthn
        .start_passkey_registration(user, "alice", "Alice", None)
        .unwrap();
    let response = authenticator
        .register(&to_browser(&ccr), Behaviour::VERIFIED)
        .unwrap();
    let passkey = webauthn
        .finish_passkey_registration(&reg_from_browser(&response), &state)
        .unwrap();
    (user, passkey)
}

fn assert_err<T: std::fmt::Debug>(result: WebauthnResult<T>, expected: WebauthnError) {
    match result {
        Err(err) => assert_eq!(err, expected, "got {err:?}, wanted {expected:?}"),
        Ok(ok) => panic!("expected {expected:?}, got Ok({ok:?})"),
    }
}

#[test]
fn options_json_shape_is_what_the_authenticator_reads() {
    let webauthn = webauthn();
    let (ccr, _) = webauthn
        .start_passkey_registration(Uuid::new_v4(), "alice", "Alice", None)
        .unwrap();
    let ccr = to_browser(&ccr);
    let pk = &ccr["publicKey"];
    assert_eq!(pk["rp"]["id"], "localhost");
    assert!(pk["challenge"].is_string());
    assert!(pk["user"]["id"].is_string());
    assert_eq!(pk["authenticatorSelection"]["userVerification"], "required");

    let mut authenticator = SoftAuthenticator::new(ORIGIN);
    let (_, passkey) = register(&webauthn, &mut authenticator);
    let (rcr, _) = webauthn.start_passkey_authentication(&[passkey]).unwrap();
    let rcr = to_browser(&rcr);
    assert_eq!(rcr["publicKey"]["rpId"], "localhost");
    assert_eq!(rcr["publicKey"]["userVerification"], "required");
    assert_eq!(
        rcr["publicKey"]["allowCredentials"][0]["id"],
        b64url_encode(&authenticator.credential_ids()[0])
    );
}

#[test]
fn passkey_registration_and_authentication_succeed() {
    let webauthn = webauthn();
    let mut authenticator = SoftAuthenticator::new(ORIGIN);
    let (user, mut passkey) = register(&webauthn, &mut authenticator);

    let ids = authenticator.credential_ids();
    assert_eq!(ids.len(), 1);
    assert_eq!(passkey.cred_id().as_slice(), ids[0].as_slice());

    for expected_counter in 1..=3_u32 {
        let (rcr, state) = webauthn
            .start_passkey_authentication(std::slice::from_ref(&passkey))
            .unwrap();
        let response = authenticator
            .authenticate(&to_browser(&rcr), Behaviour::VERIFIED)
            .unwrap();
        let credential = auth_from_browser(&response);
        assert_eq!(
            credential.get_user_unique_id(),
            Some(user.as_bytes().as_slice())
        );

        let result = webauthn
            .finish_passkey_authentication(&credential, &state)
            .unwrap();
        assert!(result.user_verified());
        assert_eq!(result.counter(), expected_counter);
        assert_eq!(result.cred_id(), passkey.cred_id());
        assert!(result.needs_update());
        assert_eq!(passkey.update_credential(&result), Some(true));
        assert_eq!(authenticator.sign_count(&ids[0]), Some(expected_counter));
    }
}

#[test]
fn server_state_survives_serde_round_trip() {
    // The server keeps PasskeyRegistration / PasskeyAuthentication between the
    // two HTTP requests; with `danger-allow-state-serialisation` they are JSON.
    let webauthn = webauthn();
    let mut authenticator = SoftAuthenticator::new(ORIGIN);

    let (ccr, state) = webauthn
        .start_passkey_registration(Uuid::new_v4(), "alice", "Alice", None)
        .unwrap();
    let state: PasskeyRegistration =
        serde_json::from_str(&serde_json::to_string(&state).unwrap()).unwrap();
    let response = authenticator
        .register(&to_browser(&ccr), Behaviour::VERIFIED)
        .unwrap();
    let passkey = webauthn
        .finish_passkey_registration(&reg_from_browser(&response), &state)
        .unwrap();
    let passkey: Passkey = serde_json::from_str(&serde_json::to_string(&passkey).unwrap()).unwrap();

    let (rcr, state) = webauthn.start_passkey_authentication(&[passkey]).unwrap();
    let state: PasskeyAuthentication =
        serde_json::from_str(&serde_json::to_string(&state).unwrap()).unwrap();
    let response = authenticator
        .authenticate(&to_browser(&rcr), Behaviour::VERIFIED)
        .unwrap();
    webauthn
        .finish_passkey_authentication(&auth_from_browser(&response), &state)
        .unwrap();
}

#[test]
fn registration_without_user_verification_is_refused() {
    let webauthn = webauthn();
    let mut authenticator = SoftAuthenticator::new(ORIGIN);
    let (ccr, state) = webauthn
        .start_passkey_registration(Uuid::new_v4(), "alice", "Alice", None)
        .unwrap();
    let response = authenticator
        .register(&to_browser(&ccr), Behaviour::PRESENCE_ONLY)
        .unwrap();
    assert_err(
        webauthn.finish_passkey_registration(&reg_from_browser(&response), &state),
        WebauthnError::UserNotVerified,
    );
}

#[test]
fn assertion_without_user_verification_is_refused() {
    let webauthn = webauthn();
    let mut authenticator = SoftAuthenticator::new(ORIGIN);
    let (_, passkey) = register(&webauthn, &mut authenticator);

    let (rcr, state) = webauthn.start_passkey_authentication(&[passkey]).unwrap();
    let response = authenticator
        .authenticate(&to_browser(&rcr), Behaviour::PRESENCE_ONLY)
        .unwrap();
    assert_err(
        webauthn.finish_passkey_authentication(&auth_from_browser(&response), &state),
        WebauthnError::UserNotVerified,
    );
}

#[test]
fn assertion_without_user_presence_is_refused() {
    let webauthn = webauthn();
    let mut authenticator = SoftAuthenticator::new(ORIGIN);
    let (_, passkey) = register(&webauthn, &mut authenticator);

    let (rcr, state) = webauthn.start_passkey_authentication(&[passkey]).unwrap();
    let behaviour = Behaviour {
        user_present: false,
        user_verified: true,
    };
    let response = authenticator
        .authenticate(&to_browser(&rcr), behaviour)
        .unwrap();
    assert_err(
        webauthn.finish_passkey_authentication(&auth_from_browser(&response), &state),
        WebauthnError::UserNotPresent,
    );
}

#[test]
fn setting_the_uv_flag_after_signing_breaks_the_signature() {
    let webauthn = webauthn();
    let mut authenticator = SoftAuthenticator::new(ORIGIN);
    let (_, passkey) = register(&webauthn, &mut authenticator);

    let (rcr, state) = webauthn.start_passkey_authentication(&[passkey]).unwrap();
    let mut response = authenticator
        .authenticate(&to_browser(&rcr), Behaviour::PRESENCE_ONLY)
        .unwrap();
    let mut auth_data =
        b64url_decode(response["response"]["authenticatorData"].as_str().unwrap()).unwrap();
    auth_data[32] |= 0x04;
    response["response"]["authenticatorData"] = b64url_encode(&auth_data).into();
    assert_err(
        webauthn.finish_passkey_authentication(&auth_from_browser(&response), &state),
        WebauthnError::AuthenticationFailure,
    );
}

#[test]
fn wrong_origin_is_refused() {
    let webauthn = webauthn();

    // Registration relayed through a phishing origin.
    let mut phished = SoftAuthenticator::new(PHISHING_ORIGIN);
    let (ccr, state) = webauthn
        .start_passkey_registration(Uuid::new_v4(), "alice", "Alice", None)
        .unwrap();
    let response = phished
        .register(&to_browser(&ccr), Behaviour::VERIFIED)
        .unwrap();
    assert_err(
        webauthn.finish_passkey_registration(&reg_from_browser(&response), &state),
        WebauthnError::InvalidRPOrigin,
    );

    // Authentication relayed through a phishing origin (per-call override).
    let mut authenticator = SoftAuthenticator::new(ORIGIN);
    let (_, passkey) = register(&webauthn, &mut authenticator);
    let (rcr, state) = webauthn
        .start_passkey_authentication(std::slice::from_ref(&passkey))
        .unwrap();
    let response = authenticator
        .authenticate_with_origin(&to_browser(&rcr), Behaviour::VERIFIED, PHISHING_ORIGIN)
        .unwrap();
    assert_err(
        webauthn.finish_passkey_authentication(&auth_from_browser(&response), &state),
        WebauthnError::InvalidRPOrigin,
    );

    // Same port, different scheme is a different origin too.
    let (rcr, state) = webauthn
        .start_passkey_authentication(std::slice::from_ref(&passkey))
        .unwrap();
    let response = authenticator
        .authenticate_with_origin(
            &to_browser(&rcr),
            Behaviour::VERIFIED,
            "http://localhost:8443",
        )
        .unwrap();
    assert_err(
        webauthn.finish_passkey_authentication(&auth_from_browser(&response), &state),
        WebauthnError::InvalidRPOrigin,
    );

    // The right origin still works afterwards.
    let (rcr, state) = webauthn.start_passkey_authentication(&[passkey]).unwrap();
    let response = authenticator
        .authenticate(&to_browser(&rcr), Behaviour::VERIFIED)
        .unwrap();
    webauthn
        .finish_passkey_authentication(&auth_from_browser(&response), &state)
        .unwrap();
}

#[test]
fn wrong_rp_id_is_refused() {
    let webauthn = webauthn();
    let mut authenticator = SoftAuthenticator::new(ORIGIN);
    let (ccr, state) = webauthn
        .start_passkey_registration(Uuid::new_v4(), "alice", "Alice", None)
        .unwrap();
    let mut ccr = to_browser(&ccr);
    ccr["publicKey"]["rp"]["id"] = "evil.example".into();
    let response = authenticator.register(&ccr, Behaviour::VERIFIED).unwrap();
    assert_err(
        webauthn.finish_passkey_registration(&reg_from_browser(&response), &state),
        WebauthnError::InvalidRPIDHash,
    );
}

#[test]
fn tampered_signature_is_refused() {
    let webauthn = webauthn();
    let mut authenticator = SoftAuthenticator::new(ORIGIN);
    let (_, passkey) = register(&webauthn, &mut authenticator);

    let (rcr, state) = webauthn.start_passkey_authentication(&[passkey]).unwrap();
    let mut response = authenticator
        .authenticate(&to_browser(&rcr), Behaviour::VERIFIED)
        .unwrap();
    let mut signature = b64url_decode(response["response"]["signature"].as_str().unwrap()).unwrap();
    // Flip a bit in the last byte of `s`: still valid DER, wrong signature.
    *signature.last_mut().unwrap() ^= 0x01;
    response["response"]["signature"] = b64url_encode(&signature).into();
    assert_err(
        webauthn.finish_passkey_authentication(&auth_from_browser(&response), &state),
        WebauthnError::AuthenticationFailure,
    );
}

#[test]
fn tampered_client_data_is_refused() {
    let webauthn = webauthn();
    let mut authenticator = SoftAuthenticator::new(ORIGIN);
    let (_, passkey) = register(&webauthn, &mut authenticator);

    let (rcr, state) = webauthn.start_passkey_authentication(&[passkey]).unwrap();
    let mut response = authenticator
        .authenticate(&to_browser(&rcr), Behaviour::VERIFIED)
        .unwrap();
    let client_data =
        b64url_decode(response["response"]["clientDataJSON"].as_str().unwrap()).unwrap();
    let client_data = String::from_utf8(client_data)
        .unwrap()
        .replace("\"crossOrigin\":false", "\"crossOrigin\":false ");
    response["response"]["clientDataJSON"] = b64url_encode(client_data.as_bytes()).into();
    assert_err(
        webauthn.finish_passkey_authentication(&auth_from_browser(&response), &state),
        WebauthnError::AuthenticationFailure,
    );
}

#[test]
fn old_or_replayed_challenges_are_refused() {
    let webauthn = webauthn();
    let mut authenticator = SoftAuthenticator::new(ORIGIN);

    // Registration: an answer to an earlier challenge against a newer state.
    let (old_ccr, _old_state) = webauthn
        .start_passkey_registration(Uuid::new_v4(), "alice", "Alice", None)
        .unwrap();
    let (_new_ccr, new_state) = webauthn
        .start_passkey_registration(Uuid::new_v4(), "alice", "Alice", None)
        .unwrap();
    let response = authenticator
        .register(&to_browser(&old_ccr), Behaviour::VERIFIED)
        .unwrap();
    assert_err(
        webauthn.finish_passkey_registration(&reg_from_browser(&response), &new_state),
        WebauthnError::MismatchedChallenge,
    );

    let (_, passkey) = register(&webauthn, &mut authenticator);
    let passkeys = std::slice::from_ref(&passkey);

    // Authentication: an answer to an earlier challenge against a newer state.
    let (old_rcr, _old_state) = webauthn.start_passkey_authentication(passkeys).unwrap();
    let (_new_rcr, new_state) = webauthn.start_passkey_authentication(passkeys).unwrap();
    let response = authenticator
        .authenticate(&to_browser(&old_rcr), Behaviour::VERIFIED)
        .unwrap();
    assert_err(
        webauthn.finish_passkey_authentication(&auth_from_browser(&response), &new_state),
        WebauthnError::MismatchedChallenge,
    );

    // Replaying a used assertion against a fresh state: refused (challenge).
    let (rcr, state) = webauthn.start_passkey_authentication(passkeys).unwrap();
    let response = authenticator
        .authenticate(&to_browser(&rcr), Behaviour::VERIFIED)
        .unwrap();
    let credential = auth_from_browser(&response);
    let result = webauthn
        .finish_passkey_authentication(&credential, &state)
        .unwrap();
    let mut updated = passkey.clone();
    assert_eq!(updated.update_credential(&result), Some(true));
    let (_, fresh_state) = webauthn
        .start_passkey_authentication(std::slice::from_ref(&updated))
        .unwrap();
    assert_err(
        webauthn.finish_passkey_authentication(&credential, &fresh_state),
        WebauthnError::MismatchedChallenge,
    );
}

/// webauthn-rs does NOT make a `PasskeyAuthentication` single-use: the state
/// embeds the credentials (and their counters) as they were at
/// `start_passkey_authentication` time, so the same assertion is accepted
/// again if the server hands it the same state twice. The server MUST delete
/// the state when `finish_*` is called (whatever the outcome).
#[test]
fn webauthn_rs_state_is_not_single_use_by_itself() {
    let webauthn = webauthn();
    let mut authenticator = SoftAuthenticator::new(ORIGIN);
    let (_, passkey) = register(&webauthn, &mut authenticator);

    let (rcr, state) = webauthn.start_passkey_authentication(&[passkey]).unwrap();
    let response = authenticator
        .authenticate(&to_browser(&rcr), Behaviour::VERIFIED)
        .unwrap();
    let credential = auth_from_browser(&response);
    webauthn
        .finish_passkey_authentication(&credential, &state)
        .unwrap();
    // Same state, same assertion: accepted again.
    assert!(webauthn
        .finish_passkey_authentication(&credential, &state)
        .is_ok());
}

/// With the counter persisted, a cloned authenticator (same key, stale
/// counter) is refused once the real one has moved the counter on.
#[test]
fn stale_counter_is_refused() {
    let webauthn = webauthn();
    let mut authenticator = SoftAuthenticator::new(ORIGIN);
    let (_, mut passkey) = register(&webauthn, &mut authenticator);
    let id = authenticator.credential_ids().remove(0);

    let (rcr, state) = webauthn
        .start_passkey_authentication(std::slice::from_ref(&passkey))
        .unwrap();
    let response = authenticator
        .authenticate(&to_browser(&rcr), Behaviour::VERIFIED)
        .unwrap();
    let result = webauthn
        .finish_passkey_authentication(&auth_from_browser(&response), &state)
        .unwrap();
    assert_eq!(result.counter(), 1);
    assert_eq!(passkey.update_credential(&result), Some(true));

    // Roll the authenticator back, as a clone made before that login would be.
    assert!(authenticator.set_sign_count(&id, 0));
    let (rcr, state) = webauthn.start_passkey_authentication(&[passkey]).unwrap();
    let response = authenticator
        .authenticate(&to_browser(&rcr), Behaviour::VERIFIED)
        .unwrap();
    assert_err(
        webauthn.finish_passkey_authentication(&auth_from_browser(&response), &state),
        WebauthnError::CredentialPossibleCompromise,
    );
}

#[test]
fn exclude_credentials_and_unknown_credentials_are_honoured() {
    let webauthn = webauthn();
    let mut authenticator = SoftAuthenticator::new(ORIGIN);
    let (user, passkey) = register(&webauthn, &mut authenticator);

    let (ccr, _) = webauthn
        .start_passkey_registration(
            user,
            "alice",
            "Alice",
            Some(vec![passkey.cred_id().clone()]),
        )
        .unwrap();
    assert!(matches!(
        authenticator.register(&to_browser(&ccr), Behaviour::VERIFIED),
        Err(AuthenticatorError::CredentialExcluded)
    ));

    let mut stranger = SoftAuthenticator::new(ORIGIN);
    let (rcr, _) = webauthn.start_passkey_authentication(&[passkey]).unwrap();
    assert!(matches!(
        stranger.authenticate(&to_browser(&rcr), Behaviour::VERIFIED),
        Err(AuthenticatorError::NoMatchingCredential)
    ));
}

#[test]
fn credential_from_another_authenticator_is_refused() {
    let webauthn = webauthn();
    let mut alice = SoftAuthenticator::new(ORIGIN);
    let mut mallory = SoftAuthenticator::new(ORIGIN);
    let (_, alice_key) = register(&webauthn, &mut alice);
    let (_, _mallory_key) = register(&webauthn, &mut mallory);

    // Mallory answers a challenge meant for Alice's credential list.
    let (rcr, state) = webauthn.start_passkey_authentication(&[alice_key]).unwrap();
    let mut rcr = to_browser(&rcr);
    rcr["publicKey"]["allowCredentials"] = serde_json::json!([]);
    let response = mallory.authenticate(&rcr, Behaviour::VERIFIED).unwrap();
    assert_err(
        webauthn.finish_passkey_authentication(&auth_from_browser(&response), &state),
        WebauthnError::CredentialNotFound,
    );
}
