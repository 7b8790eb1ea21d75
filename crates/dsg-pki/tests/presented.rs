//! `TerminalCa::verify_presented`: a certificate a TLS-terminating proxy
//! passed on gets the handshake's checks, at the time given.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail loudly on purpose"
)]

mod common;

use common::{ca, now, subject, validity};
use dsg_pki::{fingerprint, CertificateRefusal, PkiError, TerminalCa};
use rcgen::{
    CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair, KeyUsagePurpose,
    SanType, PKCS_ECDSA_P256_SHA256,
};
use rustls::pki_types::CertificateDer;
use time::Duration;

fn refusal(result: Result<dsg_pki::PresentedCertificate, PkiError>) -> CertificateRefusal {
    match result {
        Err(PkiError::Refused(r)) => r,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[test]
fn a_certificate_of_the_ca_is_accepted_with_its_fingerprint_and_terminal() {
    let ca = ca("DSG Terminal CA");
    let (nb, na) = validity();
    let issued = ca.issue(&subject(), nb, na).unwrap();
    let presented = ca.verify_presented(&issued.cert.cert_der, now()).unwrap();
    assert_eq!(presented.fingerprint, issued.cert.fingerprint);
    assert_eq!(presented.fingerprint, fingerprint(&issued.cert.cert_der));
    assert_eq!(presented.terminal_id, subject().terminal_id);
}

#[test]
fn validity_is_checked_at_the_time_given() {
    let ca = ca("DSG Terminal CA");
    let n = now();
    let issued = ca
        .issue(&subject(), n - Duration::days(30), n - Duration::days(1))
        .unwrap();
    let der = &issued.cert.cert_der;
    assert_eq!(
        refusal(ca.verify_presented(der, n)),
        CertificateRefusal::Expired
    );
    assert_eq!(CertificateRefusal::Expired.code(), "certificate-expired");
    // The same certificate, at a time inside its validity.
    ca.verify_presented(der, n - Duration::days(2)).unwrap();
    assert_eq!(
        refusal(ca.verify_presented(der, n - Duration::days(40))),
        CertificateRefusal::NotYetValid
    );
}

#[test]
fn certificates_of_other_issuers_are_refused() {
    let ours = ca("DSG Terminal CA");
    let (nb, na) = validity();
    let stranger = ca("Some other CA").issue(&subject(), nb, na).unwrap();
    assert_eq!(
        refusal(ours.verify_presented(&stranger.cert.cert_der, now())),
        CertificateRefusal::UnknownIssuer
    );
    // Same name, other key.
    let lookalike = ca("DSG Terminal CA").issue(&subject(), nb, na).unwrap();
    let r = refusal(ours.verify_presented(&lookalike.cert.cert_der, now()));
    assert!(
        matches!(
            r,
            CertificateRefusal::BadSignature | CertificateRefusal::UnknownIssuer
        ),
        "{r:?}"
    );
    // The CA's own certificate is no terminal certificate.
    assert!(ours.verify_presented(&ours.cert_der(), now()).is_err());
}

#[test]
fn garbage_is_refused_as_malformed() {
    let ca = ca("DSG Terminal CA");
    let (nb, na) = validity();
    let mut der = ca.issue(&subject(), nb, na).unwrap().cert.cert_der;
    for input in [
        Vec::new(),
        b"not a certificate".to_vec(),
        der[..der.len() / 2].to_vec(),
        [der.as_slice(), &[0u8]].concat(),
    ] {
        assert_eq!(
            refusal(ca.verify_presented(&input, now())),
            CertificateRefusal::Malformed,
            "{input:?}"
        );
    }
    // One flipped bit in the signature: parses, fails verification.
    let last = der.len() - 3;
    der[last] ^= 0x01;
    assert!(ca.verify_presented(&der, now()).is_err());
}

/// Signs a leaf with the CA key directly, bypassing the terminal profile.
fn sign_raw(ca: &TerminalCa, tweak: impl FnOnce(&mut CertificateParams)) -> Vec<u8> {
    let ca_key = KeyPair::from_pem(ca.key_pem().expose()).unwrap();
    let issuer = Issuer::from_ca_cert_der(&CertificateDer::from(ca.cert_der()), ca_key).unwrap();
    let (nb, na) = validity();
    let mut p = CertificateParams::default();
    p.not_before = nb;
    p.not_after = na;
    p.distinguished_name.push(DnType::CommonName, "raw");
    p.subject_alt_names = vec![SanType::URI("urn:dsg:terminal:raw".try_into().unwrap())];
    p.is_ca = IsCa::ExplicitNoCa;
    p.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    p.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
    tweak(&mut p);
    let key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).unwrap();
    p.signed_by(&key, &issuer).unwrap().der().to_vec()
}

#[test]
fn the_terminal_profile_is_required_as_in_the_handshake() {
    let ca = ca("DSG Terminal CA");
    assert_eq!(
        ca.verify_presented(&sign_raw(&ca, |_| {}), now())
            .unwrap()
            .terminal_id,
        "raw"
    );
    let no_eku = sign_raw(&ca, |p| p.extended_key_usages.clear());
    assert_eq!(
        refusal(ca.verify_presented(&no_eku, now())),
        CertificateRefusal::WrongPurpose
    );
    let server = sign_raw(&ca, |p| {
        p.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    });
    assert_eq!(
        refusal(ca.verify_presented(&server, now())),
        CertificateRefusal::WrongPurpose
    );
    let no_uri = sign_raw(&ca, |p| {
        p.subject_alt_names = vec![SanType::URI("urn:other:thing".try_into().unwrap())];
    });
    assert_eq!(
        refusal(ca.verify_presented(&no_uri, now())),
        CertificateRefusal::NotATerminal
    );
}
