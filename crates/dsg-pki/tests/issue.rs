//! Issuing terminal certificates and checking them with the client verifier.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test helpers may fail loudly"
)]

mod common;

use common::{ca, now, subject, unix, validity};
use dsg_crypto::SecretString;
use dsg_pki::{fingerprint, terminal_id_of, PkiError, TerminalCa, TerminalSubject};
use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose, SanType, PKCS_ECDSA_P256_SHA256, PKCS_ECDSA_P384_SHA384,
};
use rustls::pki_types::CertificateDer;
use rustls::{CertificateError, Error as TlsError};
use time::Duration;
use x509_parser::extensions::GeneralName;
use x509_parser::oid_registry::{OID_EC_P256, OID_SIG_ECDSA_WITH_SHA256};
use x509_parser::prelude::{FromDer, X509Certificate};

fn parse(der: &[u8]) -> X509Certificate<'_> {
    let (rest, x) = X509Certificate::from_der(der).unwrap();
    assert!(rest.is_empty());
    x
}

fn verify(ca: &TerminalCa, der: &[u8]) -> Result<(), TlsError> {
    let v = ca.client_verifier().unwrap();
    v.verify_client_cert(&CertificateDer::from(der), &[], unix(now()))
        .map(|_| ())
}

fn attr<'a>(x: &'a X509Certificate<'_>, cn: bool) -> Vec<&'a str> {
    if cn {
        x.subject()
            .iter_common_name()
            .map(|a| a.as_str().unwrap())
            .collect()
    } else {
        x.subject()
            .iter_organization()
            .map(|a| a.as_str().unwrap())
            .collect()
    }
}

fn uris(x: &X509Certificate<'_>) -> Vec<String> {
    let san = x.subject_alternative_name().unwrap().unwrap();
    san.value
        .general_names
        .iter()
        .map(|n| match n {
            GeneralName::URI(u) => format!("URI:{u}"),
            other => format!("{other:?}"),
        })
        .collect()
}

/// Asserts the client-certificate profile every terminal certificate must have.
fn assert_terminal_profile(x: &X509Certificate<'_>, s: &TerminalSubject) {
    assert_eq!(x.signature_algorithm.algorithm, OID_SIG_ECDSA_WITH_SHA256);
    let curve = x
        .public_key()
        .algorithm
        .parameters
        .as_ref()
        .unwrap()
        .as_oid()
        .unwrap();
    assert_eq!(curve, OID_EC_P256);

    let eku = x.extended_key_usage().unwrap().unwrap().value;
    assert!(eku.client_auth);
    assert!(!eku.server_auth && !eku.any && !eku.code_signing && !eku.email_protection);
    assert!(!eku.time_stamping && !eku.ocsp_signing && eku.other.is_empty());

    let ku = x.key_usage().unwrap().unwrap();
    assert!(ku.critical);
    assert!(ku.value.digital_signature());
    assert_eq!(ku.value.flags, 1, "digitalSignature only");

    let bc = x.basic_constraints().unwrap().unwrap();
    assert!(!bc.value.ca);
    assert!(!x.is_ca());

    assert_eq!(
        uris(x),
        vec![format!("URI:urn:dsg:terminal:{}", s.terminal_id)]
    );
    assert_eq!(attr(x, true), vec![s.label.as_str()]);
    assert_eq!(attr(x, false), vec![s.company_id.as_str()]);
}

#[test]
fn issued_certificate_is_accepted_with_the_client_profile() {
    let ca = ca("DSG Terminal CA");
    let s = subject();
    let (nb, na) = validity();
    let issued = ca.issue(&s, nb, na).unwrap();

    verify(&ca, &issued.cert.cert_der).unwrap();

    let x = parse(&issued.cert.cert_der);
    assert_terminal_profile(&x, &s);
    assert_eq!(x.issuer(), parse(&ca.cert_der()).subject());
    assert_eq!(hex::encode(x.raw_serial()), issued.cert.serial_hex);
    assert_eq!(issued.cert.serial_hex.len(), 32);
    assert_eq!(x.validity().not_after.to_datetime(), issued.cert.not_after);
    assert_eq!(issued.cert.not_after.unix_timestamp(), na.unix_timestamp());
    assert_eq!(issued.cert.fingerprint, fingerprint(&issued.cert.cert_der));
    assert_eq!(
        terminal_id_of(&issued.cert.cert_der).unwrap(),
        s.terminal_id
    );

    // PEM and DER agree; the key PEM is PKCS#8 of the certificate's key.
    let from_pem =
        rustls::pki_types::pem::PemObject::from_pem_slice(issued.cert.cert_pem.as_bytes());
    let from_pem: CertificateDer<'_> = from_pem.unwrap();
    assert_eq!(from_pem.as_ref(), issued.cert.cert_der.as_slice());
    assert!(issued
        .key_pem
        .expose()
        .starts_with("-----BEGIN PRIVATE KEY-----"));
    let key = KeyPair::from_pem(issued.key_pem.expose()).unwrap();
    assert_eq!(key.algorithm(), &PKCS_ECDSA_P256_SHA256);
    assert_eq!(
        x.public_key().subject_public_key.data.as_ref(),
        key.public_key_raw()
    );
}

#[test]
fn ca_certificate_has_the_ca_profile() {
    let ca = ca("DSG Terminal CA");
    let der = ca.cert_der();
    let x = parse(&der);
    let bc = x.basic_constraints().unwrap().unwrap();
    assert!(bc.critical);
    assert!(bc.value.ca);
    assert_eq!(bc.value.path_len_constraint, Some(0));
    let ku = x.key_usage().unwrap().unwrap();
    assert!(ku.critical);
    assert!(ku.value.key_cert_sign() && ku.value.crl_sign());
    assert!(!ku.value.digital_signature());
    assert_eq!(x.subject(), x.issuer());
    x.verify_signature(None).unwrap();
    assert_eq!(x.signature_algorithm.algorithm, OID_SIG_ECDSA_WITH_SHA256);
    assert_eq!(attr(&x, true), vec!["DSG Terminal CA"]);
    assert_eq!(ca.fingerprint(), fingerprint(&der));
}

#[test]
fn expired_certificate_is_refused() {
    let ca = ca("CA");
    let n = now();
    let issued = ca
        .issue(&subject(), n - Duration::days(30), n - Duration::days(1))
        .unwrap();
    let err = verify(&ca, &issued.cert.cert_der).unwrap_err();
    assert!(
        matches!(
            err,
            TlsError::InvalidCertificate(
                CertificateError::Expired | CertificateError::ExpiredContext { .. }
            )
        ),
        "{err:?}"
    );
}

#[test]
fn not_yet_valid_certificate_is_refused() {
    let ca = ca("CA");
    let n = now();
    let issued = ca
        .issue(&subject(), n + Duration::days(1), n + Duration::days(30))
        .unwrap();
    let err = verify(&ca, &issued.cert.cert_der).unwrap_err();
    assert!(
        matches!(
            err,
            TlsError::InvalidCertificate(
                CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. }
            )
        ),
        "{err:?}"
    );
}

#[test]
fn certificate_from_another_ca_is_refused() {
    let ours = ca("Ours");
    let theirs = ca("Ours"); // same name, different key
    let (nb, na) = validity();
    let issued = theirs.issue(&subject(), nb, na).unwrap();
    verify(&theirs, &issued.cert.cert_der).unwrap();
    let err = verify(&ours, &issued.cert.cert_der).unwrap_err();
    assert!(
        matches!(
            err,
            TlsError::InvalidCertificate(
                CertificateError::UnknownIssuer | CertificateError::BadSignature
            )
        ),
        "{err:?}"
    );
}

/// Signs a leaf with the CA key directly through rcgen, bypassing the profile
/// `TerminalCa` enforces.
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
    p.use_authority_key_identifier_extension = true;
    tweak(&mut p);
    let key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).unwrap();
    p.signed_by(&key, &issuer).unwrap().der().to_vec()
}

#[test]
fn control_certificate_signed_raw_is_accepted() {
    // Guards the next tests: the raw signing path itself yields a valid cert.
    let ca = ca("CA");
    verify(&ca, &sign_raw(&ca, |_| {})).unwrap();
}

#[test]
fn server_certificate_from_the_same_ca_is_refused() {
    let ca = ca("CA");
    let der = sign_raw(&ca, |p| {
        p.subject_alt_names = vec![SanType::DnsName("gateway.example".try_into().unwrap())];
        p.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        p.key_usages = vec![
            KeyUsagePurpose::DigitalSignature,
            KeyUsagePurpose::KeyEncipherment,
        ];
    });
    let err = verify(&ca, &der).unwrap_err();
    assert!(
        matches!(
            err,
            TlsError::InvalidCertificate(
                CertificateError::InvalidPurpose | CertificateError::InvalidPurposeContext { .. }
            )
        ),
        "{err:?}"
    );
}

#[test]
fn certificate_without_any_eku_is_refused() {
    // webpki alone would accept this (EKU is "required if present").
    let ca = ca("CA");
    let der = sign_raw(&ca, |p| p.extended_key_usages.clear());
    let err = verify(&ca, &der).unwrap_err();
    assert_eq!(
        err,
        TlsError::InvalidCertificate(CertificateError::InvalidPurpose)
    );
}

#[test]
fn client_certificate_without_terminal_uri_is_refused() {
    let ca = ca("CA");
    let der = sign_raw(&ca, |p| {
        p.subject_alt_names = vec![SanType::URI("urn:other:thing".try_into().unwrap())];
    });
    let err = verify(&ca, &der).unwrap_err();
    assert_eq!(
        err,
        TlsError::InvalidCertificate(CertificateError::ApplicationVerificationFailure)
    );
}

#[test]
fn ca_certificate_presented_as_client_is_refused() {
    let ca = ca("CA");
    assert!(verify(&ca, &ca.cert_der()).is_err());
    let sub_ca = sign_raw(&ca, |p| p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained));
    assert!(verify(&ca, &sub_ca).is_err());
}

fn hostile_csr(key: &KeyPair) -> String {
    let mut p = CertificateParams::new(vec!["evil.example".to_string()]).unwrap();
    p.distinguished_name.push(DnType::CommonName, "Evil Admin");
    p.distinguished_name
        .push(DnType::OrganizationName, "other-company");
    p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    p.extended_key_usages = vec![
        ExtendedKeyUsagePurpose::ServerAuth,
        ExtendedKeyUsagePurpose::Any,
    ];
    p.key_usages = vec![KeyUsagePurpose::KeyCertSign];
    p.serialize_request(key).unwrap().pem().unwrap()
}

#[test]
fn csr_takes_only_the_public_key() {
    let ca = ca("CA");
    let s = subject();
    let (nb, na) = validity();
    let key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).unwrap();
    let cert = ca.sign_csr(&hostile_csr(&key), &s, nb, na).unwrap();

    verify(&ca, &cert.cert_der).unwrap();
    let x = parse(&cert.cert_der);
    assert_terminal_profile(&x, &s);
    assert_eq!(
        x.public_key().subject_public_key.data.as_ref(),
        key.public_key_raw()
    );
    assert_eq!(hex::encode(x.raw_serial()), cert.serial_hex);
    assert_eq!(cert.fingerprint, fingerprint(&cert.cert_der));
}

#[test]
fn csr_with_bad_signature_or_wrong_curve_is_refused() {
    let ca = ca("CA");
    let (nb, na) = validity();

    // Tamper with the signed content: change one letter of the subject.
    let key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).unwrap();
    let pem = hostile_csr(&key);
    let der: rustls::pki_types::CertificateSigningRequestDer<'_> =
        rustls::pki_types::pem::PemObject::from_pem_slice(pem.as_bytes()).unwrap();
    let mut bytes = der.as_ref().to_vec();
    let at = bytes.windows(10).position(|w| w == b"Evil Admin").unwrap();
    bytes[at + 9] = b'm';
    let tampered = pem_encode("CERTIFICATE REQUEST", &bytes);
    // The untampered request re-encoded the same way is accepted.
    let original = pem_encode("CERTIFICATE REQUEST", der.as_ref());
    assert!(ca.sign_csr(&original, &subject(), nb, na).is_ok());
    assert!(matches!(
        ca.sign_csr(&tampered, &subject(), nb, na),
        Err(PkiError::InvalidCsr("request signature does not verify"))
    ));

    let p384 = KeyPair::generate_for(&PKCS_ECDSA_P384_SHA384).unwrap();
    assert!(matches!(
        ca.sign_csr(&hostile_csr(&p384), &subject(), nb, na),
        Err(PkiError::InvalidCsr("key is not ECDSA P-256"))
    ));

    assert!(matches!(
        ca.sign_csr("not a csr", &subject(), nb, na),
        Err(PkiError::InvalidCsr(_))
    ));
    // A certificate is not a request.
    assert!(matches!(
        ca.sign_csr(&ca.cert_pem(), &subject(), nb, na),
        Err(PkiError::InvalidCsr(_))
    ));
}

fn pem_encode(label: &str, der: &[u8]) -> String {
    use base64::Engine;
    let b64 = base64::engine::general_purpose::STANDARD.encode(der);
    let mut out = format!("-----BEGIN {label}-----\n");
    for line in b64.as_bytes().chunks(64) {
        out.push_str(std::str::from_utf8(line).unwrap());
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}

#[test]
fn from_pem_round_trips() {
    let ca = ca("DSG Terminal CA");
    let loaded = TerminalCa::from_pem(&ca.cert_pem(), &ca.key_pem()).unwrap();
    assert_eq!(loaded.cert_der(), ca.cert_der());
    assert_eq!(loaded.cert_pem(), ca.cert_pem());
    // Extra text around the PEM block is not kept.
    let noisy = format!("subject=CN=DSG Terminal CA\n{}\n\n", ca.cert_pem());
    let reloaded = TerminalCa::from_pem(&noisy, &ca.key_pem()).unwrap();
    assert_eq!(reloaded.cert_pem(), ca.cert_pem());
    assert_eq!(loaded.validity(), ca.validity());
    assert_eq!(loaded.key_pem().expose(), ca.key_pem().expose());

    // The loaded CA issues certificates the original's verifier accepts, and
    // the other way round.
    let (nb, na) = validity();
    let issued = loaded.issue(&subject(), nb, na).unwrap();
    verify(&ca, &issued.cert.cert_der).unwrap();
    let issued = ca.issue(&subject(), nb, na).unwrap();
    verify(&loaded, &issued.cert.cert_der).unwrap();
    // Authority key identifier = CA subject key identifier.
    let aki = parse(&issued.cert.cert_der)
        .iter_extensions()
        .find_map(|e| match e.parsed_extension() {
            x509_parser::extensions::ParsedExtension::AuthorityKeyIdentifier(a) => {
                a.key_identifier.as_ref().map(|k| k.0.to_vec())
            }
            _ => None,
        })
        .unwrap();
    let ca_der = ca.cert_der();
    let ski = parse(&ca_der)
        .iter_extensions()
        .find_map(|e| match e.parsed_extension() {
            x509_parser::extensions::ParsedExtension::SubjectKeyIdentifier(k) => Some(k.0.to_vec()),
            _ => None,
        })
        .unwrap();
    assert_eq!(aki, ski);
}

#[test]
fn from_pem_refuses_mismatched_or_unfit_material() {
    let a = ca("A");
    let b = ca("B");
    assert!(matches!(
        TerminalCa::from_pem(&a.cert_pem(), &b.key_pem()),
        Err(PkiError::InvalidCa(
            "key does not belong to the certificate"
        ))
    ));

    // A terminal certificate with its own key is not a CA.
    let (nb, na) = validity();
    let leaf = a.issue(&subject(), nb, na).unwrap();
    assert!(matches!(
        TerminalCa::from_pem(&leaf.cert.cert_pem, &leaf.key_pem),
        Err(PkiError::InvalidCa("certificate is not a CA"))
    ));

    // A P-384 key is refused.
    let p384 = KeyPair::generate_for(&PKCS_ECDSA_P384_SHA384).unwrap();
    let p384_pem = SecretString::new(p384.serialize_pem());
    assert!(matches!(
        TerminalCa::from_pem(&a.cert_pem(), &p384_pem),
        Err(PkiError::InvalidCa("key is not ECDSA P-256"))
    ));

    assert!(TerminalCa::from_pem("garbage", &a.key_pem()).is_err());
    assert!(TerminalCa::from_pem(&a.cert_pem(), &SecretString::new("garbage".into())).is_err());
}

#[test]
fn fingerprint_is_sha256_of_der() {
    assert_eq!(
        fingerprint(b"abc"),
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    );
    let ca = ca("CA");
    let (nb, na) = validity();
    let issued = ca.issue(&subject(), nb, na).unwrap();
    let d = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, &issued.cert.cert_der);
    assert_eq!(issued.cert.fingerprint, hex::encode(d.as_ref()));
    assert_eq!(issued.cert.fingerprint.len(), 64);
    assert!(issued
        .cert
        .fingerprint
        .bytes()
        .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')));
}

#[test]
fn serials_are_random_and_sixteen_octets() {
    let ca = ca("CA");
    let (nb, na) = validity();
    let mut seen = std::collections::HashSet::new();
    for _ in 0..20 {
        let c = ca.issue(&subject(), nb, na).unwrap();
        let x = parse(&c.cert.cert_der);
        assert_eq!(x.raw_serial().len(), 16);
        assert!(seen.insert(c.cert.serial_hex));
    }
}

#[test]
fn bad_subjects_and_validities_are_refused() {
    let ca = ca("CA");
    let (nb, na) = validity();
    let with = |f: fn(&mut TerminalSubject)| {
        let mut s = subject();
        f(&mut s);
        ca.issue(&s, nb, na)
    };
    for bad in [
        with(|s| s.terminal_id.clear()),
        with(|s| s.terminal_id = "a/b".into()),
        with(|s| s.terminal_id = "a:b".into()),
        with(|s| s.terminal_id = "x".repeat(65)),
        with(|s| s.label = "  ".into()),
        with(|s| s.label = "evil\u{202E}gpj.exe".into()),
        with(|s| s.label = "two\nlines".into()),
        with(|s| s.label = "é".repeat(65)),
        with(|s| s.company_id.clear()),
    ] {
        assert!(matches!(bad, Err(PkiError::InvalidSubject(_))), "{bad:?}");
    }
    // 64 characters (not bytes) is fine.
    assert!(with(|s| s.label = "é".repeat(64)).is_ok());

    assert!(matches!(
        ca.issue(&subject(), na, nb),
        Err(PkiError::InvalidValidity(_))
    ));
    assert!(matches!(
        ca.issue(&subject(), nb, nb),
        Err(PkiError::InvalidValidity(_))
    ));
    let (ca_nb, ca_na) = ca.validity();
    assert!(matches!(
        ca.issue(&subject(), nb, ca_na + Duration::days(1)),
        Err(PkiError::InvalidValidity(_))
    ));
    assert!(matches!(
        ca.issue(&subject(), ca_nb - Duration::days(1), na),
        Err(PkiError::InvalidValidity(_))
    ));
    assert!(matches!(
        TerminalCa::generate("CA", na, nb),
        Err(PkiError::InvalidValidity(_))
    ));
    assert!(matches!(
        TerminalCa::generate("", nb, na),
        Err(PkiError::InvalidSubject(_))
    ));
}

#[test]
fn debug_output_shows_no_secrets() {
    let ca = ca("CA");
    let (nb, na) = validity();
    let issued = ca.issue(&subject(), nb, na).unwrap();
    let key_body: String = issued.key_pem.expose().lines().nth(1).unwrap().to_string();
    let dbg = format!("{issued:?}");
    assert!(
        !dbg.contains("PRIVATE KEY") && !dbg.contains(&key_body),
        "{dbg}"
    );
    let ca_key = ca.key_pem();
    let ca_key_body = ca_key.expose().lines().nth(1).unwrap();
    let dbg = format!("{ca:?}");
    assert!(
        !dbg.contains("PRIVATE KEY") && !dbg.contains(ca_key_body),
        "{dbg}"
    );
    assert!(dbg.contains(&ca.fingerprint()));
}
