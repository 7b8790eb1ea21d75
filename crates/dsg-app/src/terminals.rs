//! Registered terminals: the device behind each request, registration and
//! certificate issue, quarantine and revocation, and the open connections
//! a quarantine closes.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use dsg_core::{
    AuditAction, AuditObject, CompanyId, Outcome, Terminal, TerminalId, TerminalStatus,
    TerminalText,
};
use dsg_crypto::{open, random_token, seal, SecretKey, SecretString, SecureRandom, WrapContext};
use dsg_pki::{IssuedCert, PkiError, TerminalCa, TerminalSubject};
use dsg_policy::{Action, DeviceFacts, PostureFacts, TerminalFacts};
use dsg_store::ports::TerminalRegister;
use dsg_store::{DeviceRow, IssuedCertificate, StoredTerminalCa};
use time::OffsetDateTime;
use tokio_util::sync::CancellationToken;

use super::policies::with_decision;
use super::{App, AppError, Caller, RequestMeta, RequestStart};

/// The wrap-context purpose of the terminal CA's sealed key.
const CA_KEY: &str = "terminal-ca-key";
/// Validity of the terminal CA (certificates cannot outlive it).
const CA_YEARS: i64 = 20;
/// Terminals are seen at most this often (a write per request otherwise).
const TOUCH_INTERVAL_MS: i64 = 60_000;

/// The client certificate a TLS connection presented, as the listener saw
/// it after rustls verified its chain. Set on every request of the
/// connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientCertificate {
    /// SHA-256 (lowercase hex) of the DER certificate.
    pub fingerprint: String,
}

/// The device behind a request, looked up by certificate fingerprint on
/// every request (no cache: quarantine and revocation apply at once).
#[derive(Debug, Clone, Default)]
pub enum Device {
    /// The connection presented no client certificate.
    #[default]
    None,
    /// A certificate of the terminal CA that names no registered terminal in
    /// force (re-issued, or its terminal was deleted).
    Unregistered {
        /// Its fingerprint.
        fingerprint: String,
    },
    /// A registered terminal, whatever its status, with its company's kind.
    Terminal(Box<Terminal>, dsg_core::CompanyKind),
}

impl Device {
    /// The registered terminal's id, for audit entries.
    pub fn terminal_id(&self) -> Option<String> {
        match self {
            Self::Terminal(t, _) => Some(t.id.to_string()),
            Self::None | Self::Unregistered { .. } => None,
        }
    }

    /// The certificate fingerprint, if a certificate was presented.
    pub fn fingerprint(&self) -> Option<&str> {
        match self {
            Self::None => None,
            Self::Unregistered { fingerprint } => Some(fingerprint),
            Self::Terminal(t, _) => t.cert_fingerprint.as_deref(),
        }
    }

    /// What the policy sees at `now_ms`.
    pub fn facts(&self, now_ms: i64) -> DeviceFacts {
        match self {
            Self::None => DeviceFacts::None,
            Self::Unregistered { .. } => DeviceFacts::Unregistered,
            Self::Terminal(t, kind) => DeviceFacts::Terminal(TerminalFacts {
                id: t.id,
                company: t.company_id,
                company_kind: *kind,
                status: t.status,
                site: t.site.as_str().to_owned(),
                posture: posture_facts(t, now_ms),
            }),
        }
    }
}

/// A terminal's last posture report as the policy sees it at `now_ms`.
pub(super) fn posture_facts(t: &Terminal, now_ms: i64) -> Option<PostureFacts> {
    Some(PostureFacts {
        age_secs: now_ms.saturating_sub(t.posture_reported_at?) / 1000,
        compliant: t.posture_compliant.unwrap_or(false),
    })
}

/// Open TLS connections by client-certificate fingerprint. The listener
/// registers each connection that presented a certificate; quarantining or
/// revoking a terminal cancels its connections, which the listener then
/// drops.
#[derive(Debug, Default, Clone)]
pub struct ConnectionRegistry {
    inner: Arc<Mutex<HashMap<String, HashMap<u64, CancellationToken>>>>,
    next: Arc<AtomicU64>,
}

/// A registered connection; dropping it unregisters it.
#[derive(Debug)]
pub struct ConnectionGuard {
    registry: ConnectionRegistry,
    fingerprint: String,
    id: u64,
    token: CancellationToken,
}

impl ConnectionGuard {
    /// Cancelled when the connection must close.
    pub fn token(&self) -> &CancellationToken {
        &self.token
    }
}

impl Drop for ConnectionGuard {
    fn drop(&mut self) {
        if let Ok(mut map) = self.registry.inner.lock() {
            if let Some(conns) = map.get_mut(&self.fingerprint) {
                conns.remove(&self.id);
                if conns.is_empty() {
                    map.remove(&self.fingerprint);
                }
            }
        }
    }
}

impl ConnectionRegistry {
    /// Registers a connection that presented the certificate `fingerprint`.
    pub fn register(&self, fingerprint: &str) -> ConnectionGuard {
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        let token = CancellationToken::new();
        if let Ok(mut map) = self.inner.lock() {
            map.entry(fingerprint.to_owned())
                .or_default()
                .insert(id, token.clone());
        }
        ConnectionGuard {
            registry: self.clone(),
            fingerprint: fingerprint.to_owned(),
            id,
            token,
        }
    }

    /// Closes every open connection of this certificate; returns how many.
    pub fn close(&self, fingerprint: &str) -> usize {
        let conns = match self.inner.lock() {
            Ok(mut map) => map.remove(fingerprint).unwrap_or_default(),
            Err(_) => HashMap::new(),
        };
        for token in conns.values() {
            token.cancel();
        }
        conns.len()
    }

    /// How many connections of this certificate are open.
    pub fn open_connections(&self, fingerprint: &str) -> usize {
        self.inner
            .lock()
            .map(|m| m.get(fingerprint).map_or(0, HashMap::len))
            .unwrap_or(0)
    }
}

/// What an operator enters to register a terminal.
#[derive(Debug, Clone)]
pub struct NewTerminal {
    /// The owning company's id (text, as entered).
    pub company_id: String,
    /// Asset name.
    pub name: String,
    /// Where it is kept.
    pub site: String,
    /// Hardware serial number.
    pub serial: String,
    /// A certificate signing request (PEM) from the terminal; without one,
    /// the gateway generates the key pair and hands it over as PKCS#12.
    pub csr_pem: Option<String>,
}

/// A terminal and its certificate, as issued. The PKCS#12 file and its
/// password are shown once and never stored.
#[derive(Debug)]
pub struct RegisteredTerminal {
    /// The terminal.
    pub terminal: Terminal,
    /// Its certificate (PEM).
    pub certificate_pem: String,
    /// The terminal CA's certificate (PEM), to install alongside.
    pub ca_pem: String,
    /// Key and certificate as PKCS#12, when the gateway generated the key.
    pub pkcs12: Option<Vec<u8>>,
    /// The PKCS#12 file's password.
    pub pkcs12_password: Option<SecretString>,
}

/// An operator's change to a terminal's status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TerminalChange {
    /// Isolate it at once (its connections close).
    Quarantine,
    /// Lift a quarantine.
    Release,
    /// Withdraw it for good (its connections close).
    Revoke,
}

impl TerminalChange {
    fn target(self) -> TerminalStatus {
        match self {
            Self::Quarantine => TerminalStatus::Quarantined,
            Self::Release => TerminalStatus::Active,
            Self::Revoke => TerminalStatus::Revoked,
        }
    }

    fn action(self) -> (Action, AuditAction) {
        match self {
            Self::Quarantine => (Action::TerminalQuarantine, AuditAction::TerminalQuarantine),
            Self::Release => (Action::TerminalRelease, AuditAction::TerminalRelease),
            Self::Revoke => (Action::TerminalRevoke, AuditAction::TerminalRevoke),
        }
    }
}

/// A terminal with its company's name, for the register.
#[derive(Debug, Clone)]
pub struct TerminalView {
    /// The terminal.
    pub terminal: Terminal,
    /// Its company's name.
    pub company_name: String,
    /// Open TLS connections from it now.
    pub open_connections: usize,
}

fn pki(e: PkiError) -> AppError {
    match e {
        PkiError::InvalidSubject(m) => AppError::Invalid(m.to_owned()),
        PkiError::InvalidCsr(m) => AppError::InvalidContent(m.to_owned()),
        other => AppError::Internal(other.to_string()),
    }
}

fn odt(ms: i64) -> Result<OffsetDateTime, AppError> {
    OffsetDateTime::from_unix_timestamp(ms.div_euclid(1000))
        .map_err(|e| AppError::Internal(e.to_string()))
}

/// Loads the terminal CA, or makes it on first start: a fresh ECDSA P-256
/// key sealed (AES-256-GCM) under the master key, stored in the database.
pub async fn load_or_create_terminal_ca(
    store: &dyn TerminalRegister,
    master_key: &SecretKey,
    now_ms: i64,
    rng: &dyn SecureRandom,
) -> Result<TerminalCa, AppError> {
    let ctx = WrapContext {
        purpose: CA_KEY,
        owner: "terminal-ca",
        key_version: 1,
    };
    if store.terminal_ca().await?.is_none() {
        let now = odt(now_ms)?;
        let ca = TerminalCa::generate(
            "dsg terminal CA",
            now - time::Duration::days(1),
            now + time::Duration::days(365 * CA_YEARS),
        )
        .map_err(pki)?;
        let sealed = seal(master_key, ca.key_pem().expose().as_bytes(), &ctx, rng)?;
        store
            .insert_terminal_ca(&StoredTerminalCa {
                cert_pem: ca.cert_pem(),
                wrapped_private_key: hex::encode(sealed),
                created_at: now_ms,
            })
            .await?;
        tracing::info!(fingerprint = %ca.fingerprint(), "created the terminal CA");
    }
    // Re-read: should two processes race, both use the stored CA.
    let stored = store
        .terminal_ca()
        .await?
        .ok_or_else(|| AppError::Internal("terminal CA vanished".into()))?;
    let sealed = hex::decode(&stored.wrapped_private_key)
        .map_err(|_| AppError::Internal("terminal CA key is not hex".into()))?;
    let key = open(master_key, &sealed, &ctx)?;
    let key_pem = SecretString::new(
        String::from_utf8(key.to_vec())
            .map_err(|_| AppError::Internal("terminal CA key is not PEM".into()))?,
    );
    TerminalCa::from_pem(&stored.cert_pem, &key_pem).map_err(pki)
}

impl App {
    /// The terminal CA (its certificate is what the TLS listener trusts for
    /// client certificates).
    pub fn terminal_ca(&self) -> &TerminalCa {
        &self.inner.terminal_ca
    }

    /// Finds the device behind a request by its certificate's fingerprint
    /// (see [`Self::resolve_device_at`]).
    pub async fn resolve_device(
        &self,
        certificate: Option<&ClientCertificate>,
    ) -> Result<Device, AppError> {
        let start = self.start_request(None, certificate).await?;
        self.resolve_device_at(&start, certificate).await
    }

    /// Finds the device behind a request by its certificate's fingerprint,
    /// as of the fact generation the request started at: a terminal's
    /// status is never older than the last change committed before the
    /// request began, so a quarantine stops the very next request.
    pub async fn resolve_device_at(
        &self,
        start: &RequestStart,
        certificate: Option<&ClientCertificate>,
    ) -> Result<Device, AppError> {
        let Some(cert) = certificate else {
            return Ok(Device::None);
        };
        let generation = match start.generation() {
            Some(generation) => generation,
            None => self.inner.sessions.fact_generation().await?,
        };
        let Some(DeviceRow {
            terminal,
            company_kind: kind,
        }) = self
            .inner
            .terminals
            .device_at(generation, &cert.fingerprint)
            .await?
        else {
            return Ok(Device::Unregistered {
                fingerprint: cert.fingerprint.clone(),
            });
        };
        let now = self.now();
        if terminal.status == TerminalStatus::Active
            && terminal
                .last_seen_at
                .is_none_or(|seen| now - seen >= TOUCH_INTERVAL_MS)
        {
            self.inner
                .terminals
                .touch_terminal(terminal.id, now)
                .await?;
        }
        Ok(Device::Terminal(Box::new(terminal), kind))
    }

    /// The terminal register.
    pub async fn terminals(
        &self,
        meta: &RequestMeta,
        caller: &Caller,
    ) -> Result<Vec<TerminalView>, AppError> {
        self.authorize_admin(meta, caller, Action::TerminalRead, AuditAction::AdminView)
            .await?;
        let companies: HashMap<CompanyId, String> = self
            .inner
            .org
            .list_companies()
            .await?
            .into_iter()
            .map(|c| (c.id, c.name))
            .collect();
        Ok(self
            .inner
            .terminals
            .terminals(None)
            .await?
            .into_iter()
            .map(|t| TerminalView {
                company_name: companies.get(&t.company_id).cloned().unwrap_or_default(),
                open_connections: t
                    .cert_fingerprint
                    .as_deref()
                    .map_or(0, |f| self.inner.connections.open_connections(f)),
                terminal: t,
            })
            .collect())
    }

    /// Registers a terminal and issues its certificate: from the terminal's
    /// CSR, or with a key pair generated here and handed over as PKCS#12
    /// under a generated password.
    pub async fn register_terminal(
        &self,
        meta: &RequestMeta,
        caller: &Caller,
        input: NewTerminal,
    ) -> Result<RegisteredTerminal, AppError> {
        let (operator, decision) = self
            .authorize_admin(
                meta,
                caller,
                Action::TerminalRegister,
                AuditAction::TerminalRegister,
            )
            .await?;
        let company_id: CompanyId = input
            .company_id
            .trim()
            .parse()
            .map_err(|_| AppError::Invalid("company: not a valid id".into()))?;
        let company = self
            .inner
            .org
            .company(company_id)
            .await?
            .ok_or(AppError::NotFound)?;
        let name = TerminalText::parse("name", &input.name)?;
        let site = TerminalText::parse("site", &input.site)?;
        let serial = TerminalText::parse("serial", &input.serial)?;
        let id = TerminalId::random();
        let subject = TerminalSubject {
            terminal_id: id.to_string(),
            company_id: company.id.to_string(),
            label: name.as_str().to_owned(),
        };
        let (cert, key) = self.issue(&subject, input.csr_pem.as_deref())?;
        let now = self.now();
        let terminal = Terminal {
            id,
            company_id: company.id,
            name,
            site,
            serial,
            status: TerminalStatus::Active,
            status_reason: String::new(),
            status_changed_at: now,
            cert_fingerprint: Some(cert.fingerprint.clone()),
            cert_serial: Some(cert.serial_hex.clone()),
            cert_not_after: Some(cert.not_after.unix_timestamp() * 1000),
            registered_at: now,
            registered_by: Some(operator.id),
            last_seen_at: None,
            posture_reported_at: None,
            posture_compliant: None,
        };
        let record = with_decision(
            Self::audit(
                meta,
                caller,
                AuditAction::TerminalRegister,
                AuditObject::Terminal(Some(id)),
                Outcome::Success,
                format!("{};cert={}", decision.reason(), cert.serial_hex),
            ),
            &decision,
        );
        self.inner
            .terminals
            .register_terminal(&terminal, &record)
            .await?;
        self.registered(terminal, cert, key)
    }

    /// Issues a new certificate for an active terminal (a new key pair, or
    /// the terminal's CSR); the previous certificate stops working at once.
    pub async fn reissue_terminal_certificate(
        &self,
        meta: &RequestMeta,
        caller: &Caller,
        raw_id: &str,
        csr_pem: Option<&str>,
    ) -> Result<RegisteredTerminal, AppError> {
        let (_, decision) = self
            .authorize_admin(
                meta,
                caller,
                Action::TerminalRegister,
                AuditAction::TerminalCertificateIssue,
            )
            .await?;
        let terminal = self.terminal_named(raw_id).await?;
        terminal.status.check_certificate_issue()?;
        let subject = TerminalSubject {
            terminal_id: terminal.id.to_string(),
            company_id: terminal.company_id.to_string(),
            label: terminal.name.as_str().to_owned(),
        };
        let (cert, key) = self.issue(&subject, csr_pem)?;
        let record = with_decision(
            Self::audit(
                meta,
                caller,
                AuditAction::TerminalCertificateIssue,
                AuditObject::Terminal(Some(terminal.id)),
                Outcome::Success,
                format!("{};cert={}", decision.reason(), cert.serial_hex),
            ),
            &decision,
        );
        let issued = IssuedCertificate {
            fingerprint: cert.fingerprint.clone(),
            serial: cert.serial_hex.clone(),
            not_after: cert.not_after.unix_timestamp() * 1000,
        };
        self.inner
            .terminals
            .replace_terminal_certificate(terminal.id, &issued, self.now(), &record)
            .await?;
        if let Some(old) = &terminal.cert_fingerprint {
            self.inner.connections.close(old);
        }
        let mut terminal = terminal;
        terminal.cert_fingerprint = Some(issued.fingerprint);
        terminal.cert_serial = Some(issued.serial);
        terminal.cert_not_after = Some(issued.not_after);
        self.registered(terminal, cert, key)
    }

    /// Quarantines, releases or revokes a terminal. Quarantine and
    /// revocation take effect on the very next request (the terminal is read
    /// per request) and close its open connections.
    pub async fn change_terminal(
        &self,
        meta: &RequestMeta,
        caller: &Caller,
        raw_id: &str,
        change: TerminalChange,
        reason: &str,
    ) -> Result<Terminal, AppError> {
        let (action, audit_action) = change.action();
        let (_, decision) = self
            .authorize_admin(meta, caller, action, audit_action)
            .await?;
        let mut terminal = self.terminal_named(raw_id).await?;
        let target = change.target();
        if !terminal.status.may_become(target) {
            return Err(AppError::Refused(format!(
                "a {} terminal cannot become {}",
                terminal.status.as_str(),
                target.as_str()
            )));
        }
        let reason = reason.trim();
        if reason.chars().count() > 500 || reason.chars().any(char::is_control) {
            return Err(AppError::Invalid(
                "reason: at most 500 characters, no control characters".into(),
            ));
        }
        let record = Self::audit_decided(
            meta,
            caller,
            audit_action,
            AuditObject::Terminal(Some(terminal.id)),
            Outcome::Success,
            &decision,
        );
        let now = self.now();
        self.inner
            .terminals
            .set_terminal_status(terminal.id, terminal.status, target, reason, now, &record)
            .await?;
        if target != TerminalStatus::Active {
            if let Some(fingerprint) = &terminal.cert_fingerprint {
                let closed = self.inner.connections.close(fingerprint);
                tracing::info!(terminal = %terminal.id, closed, "closed the terminal's connections");
            }
        }
        terminal.status = target;
        terminal.status_reason = reason.to_owned();
        terminal.status_changed_at = now;
        Ok(terminal)
    }

    async fn terminal_named(&self, raw_id: &str) -> Result<Terminal, AppError> {
        let id: TerminalId = raw_id.parse().map_err(|_| AppError::NotFound)?;
        self.inner
            .terminals
            .terminal(id)
            .await?
            .ok_or(AppError::NotFound)
    }

    /// Signs the CSR, or generates a key pair, for `subject`.
    pub(crate) fn issue(
        &self,
        subject: &TerminalSubject,
        csr_pem: Option<&str>,
    ) -> Result<(IssuedCert, Option<SecretString>), AppError> {
        let now = odt(self.now())?;
        let days = i64::from(self.inner.config.zero_trust.certificate_days);
        let not_before = now - time::Duration::minutes(5);
        let not_after = now + time::Duration::days(days);
        let ca = &self.inner.terminal_ca;
        match csr_pem.map(str::trim).filter(|c| !c.is_empty()) {
            Some(csr) => Ok((
                ca.sign_csr(csr, subject, not_before, not_after)
                    .map_err(pki)?,
                None,
            )),
            None => {
                let issued = ca.issue(subject, not_before, not_after).map_err(pki)?;
                Ok((issued.cert, Some(issued.key_pem)))
            }
        }
    }

    fn registered(
        &self,
        terminal: Terminal,
        cert: IssuedCert,
        key: Option<SecretString>,
    ) -> Result<RegisteredTerminal, AppError> {
        let ca = &self.inner.terminal_ca;
        let (pkcs12, password) = match key {
            Some(key_pem) => {
                let password = random_token(self.inner.rng.as_ref())?;
                let issued = dsg_pki::IssuedTerminal {
                    cert: cert.clone(),
                    key_pem,
                };
                let bytes = dsg_pki::pkcs12(
                    &issued,
                    &ca.cert_der(),
                    &format!("dsg {}", terminal.name),
                    &password,
                )
                .map_err(pki)?;
                (Some(bytes), Some(password))
            }
            None => (None, None),
        };
        Ok(RegisteredTerminal {
            terminal,
            certificate_pem: cert.cert_pem,
            ca_pem: ca.cert_pem(),
            pkcs12,
            pkcs12_password: password,
        })
    }
}

impl App {
    /// Records a TLS handshake refused for its client certificate (unknown
    /// issuer, expired, wrong purpose) as a connection event. Past a rate
    /// per source address, refusals are only logged, so a flood of bad
    /// handshakes cannot flood the audit log.
    pub async fn record_connection_refused(
        &self,
        peer: std::net::SocketAddr,
        reason: &'static str,
    ) -> Result<(), AppError> {
        let source = peer.ip().to_string();
        if self
            .inner
            .connection_event_limiter
            .check_key(&source)
            .is_err()
        {
            tracing::warn!(%peer, reason, "refused connection not recorded: rate limit");
            return Ok(());
        }
        let meta = RequestMeta {
            request_id: dsg_core::RequestId::new().to_string(),
            source: Some(source),
            user_agent: None,
            terminal: None,
            certificate: None,
        };
        let record = Self::audit(
            &meta,
            &Caller::Anonymous,
            AuditAction::ConnectionRefused,
            AuditObject::Connection,
            Outcome::Denied,
            reason,
        );
        self.record(&record).await
    }

    /// Checks a terminal certificate (DER) that the authenticated proxy
    /// passed on, as the direct listener's handshake would: chain to the
    /// terminal CA, validity at the app clock's time, clientAuth EKU,
    /// terminal SAN URI. A valid one is the request's client certificate.
    pub fn verify_proxied_certificate(
        &self,
        der: &[u8],
    ) -> Result<ClientCertificate, dsg_pki::CertificateRefusal> {
        use dsg_pki::CertificateRefusal;
        let now = OffsetDateTime::from_unix_timestamp(self.now().div_euclid(1000))
            .map_err(|_| CertificateRefusal::Invalid)?;
        match self.inner.terminal_ca.verify_presented(der, now) {
            Ok(presented) => Ok(ClientCertificate {
                fingerprint: presented.fingerprint,
            }),
            Err(PkiError::Refused(refusal)) => Err(refusal),
            Err(_) => Err(CertificateRefusal::Invalid),
        }
    }

    /// Records a terminal certificate that a TLS-terminating proxy passed
    /// on (proxy listener only) and that failed the terminal CA's checks,
    /// as a connection event of the request (its id and client address).
    /// Rate-limited per source like handshake refusals.
    pub async fn record_proxied_certificate_refused(
        &self,
        meta: &RequestMeta,
        reason: &'static str,
    ) -> Result<(), AppError> {
        let source = meta.source.clone().unwrap_or_default();
        if self
            .inner
            .connection_event_limiter
            .check_key(&source)
            .is_err()
        {
            tracing::warn!(%source, reason, "refused certificate not recorded: rate limit");
            return Ok(());
        }
        let record = Self::audit(
            meta,
            &Caller::Anonymous,
            AuditAction::ConnectionRefused,
            AuditObject::Connection,
            Outcome::Denied,
            reason,
        );
        self.record(&record).await
    }
}
