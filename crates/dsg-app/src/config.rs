//! Typed configuration: a TOML file, overridden by `DSG_*` environment
//! variables, with secrets read from `*_FILE` variables. Unknown keys are
//! refused and every value is checked once, at start.
//!
//! An environment variable names a key by section and field, joined by a
//! double underscore: `DSG_SERVER__LISTEN=127.0.0.1:9443` sets
//! `[server] listen`. `DSG_STORAGE__S3__SECRET_ACCESS_KEY_FILE=/run/secrets/s3`
//! sets `[storage.s3] secret_access_key` to the file's content.

use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};

use serde::Deserialize;

mod alerts;
mod audit;
mod keys;
mod scrub;

pub use alerts::{
    webhook_url as alerts_webhook_url, AlertsConfig, EveryEntry, HourRange, OffHoursRule,
    Threshold, MAX_THRESHOLD as ALERTS_MAX_THRESHOLD,
};
pub use audit::{AuditConfig, AuditPublishConfig, SiemConfig, SiemFormat, SiemTransport};
pub use keys::{KeyProviderKind, KeysConfig, Pkcs11Config};
pub use scrub::ScrubConfig;

/// Why the configuration was refused.
#[derive(Debug, thiserror::Error)]
#[error("configuration: {0}")]
pub struct ConfigError(pub String);

/// The whole configuration.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Listener settings.
    pub server: ServerConfig,
    /// Where data and keys live.
    pub storage: StorageConfig,
    /// Size limits.
    pub limits: LimitsConfig,
    /// Sessions and password hashing.
    pub auth: AuthConfig,
    /// The tamper-evident audit log.
    pub audit: AuditConfig,
    /// The analysis rules that raise alerts from the log.
    pub alerts: AlertsConfig,
    /// Registered terminals and the request context of policies.
    pub zero_trust: ZeroTrustConfig,
    /// A second listener for a TLS-terminating proxy (off by default).
    pub proxy_listener: ProxyListenerConfig,
    /// Reading every stored blob back to find damage.
    pub scrub: ScrubConfig,
    /// Where the master key comes from.
    pub keys: KeysConfig,
}

/// A second TLS listener for a TLS-terminating proxy in front of the
/// gateway. The proxy must authenticate itself with a client certificate
/// of `client_ca` (the handshake refuses anything else); only on this
/// listener is the terminal's certificate taken from `certificate_header`,
/// and checked against the terminal CA as the direct listener's handshake
/// checks it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ProxyListenerConfig {
    /// Whether the proxy listener runs.
    pub enabled: bool,
    /// Address to listen on.
    pub listen: SocketAddr,
    /// PEM file of the CA that issued the proxy's own client certificate.
    /// Required when enabled; use a CA that issues nothing else.
    pub client_ca: Option<PathBuf>,
    /// The request header carrying the terminal's certificate: URL-escaped
    /// PEM (nginx `$ssl_client_escaped_cert`) or base64 DER.
    pub certificate_header: String,
}

impl Default for ProxyListenerConfig {
    fn default() -> Self {
        Self {
            enabled: false,
            listen: SocketAddr::from(([127, 0, 0, 1], 8444)),
            client_ca: None,
            certificate_header: "x-client-cert".to_owned(),
        }
    }
}

impl ProxyListenerConfig {
    fn validate(&self, server: &ServerConfig) -> Result<(), ConfigError> {
        if !self.enabled {
            return Ok(());
        }
        if server.danger_plain_http {
            return Err(ConfigError(
                "proxy_listener needs TLS: it cannot run with server.danger_plain_http".into(),
            ));
        }
        if self.client_ca.is_none() {
            return Err(ConfigError(
                "proxy_listener.client_ca is required when the proxy listener is enabled".into(),
            ));
        }
        if self.listen == server.listen && self.listen.port() != 0 {
            return Err(ConfigError(
                "proxy_listener.listen must differ from server.listen".into(),
            ));
        }
        let name = self.certificate_header.as_str();
        let valid =
            !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
        let reserved = [
            "host",
            "cookie",
            "authorization",
            "content-type",
            "content-length",
            "transfer-encoding",
            "connection",
            "x-forwarded-for",
            "x-csrf-token",
        ];
        if !valid || reserved.contains(&name.to_ascii_lowercase().as_str()) {
            return Err(ConfigError(format!(
                "proxy_listener.certificate_header ({name}) must be a header name of its own \
                 (letters, digits, '-')"
            )));
        }
        Ok(())
    }
}

/// Registered terminals and the request context of policies.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ZeroTrustConfig {
    /// Whether a registered agency terminal may be used to reach a
    /// contractor's protected data (e.g. reviews at the agency's premises).
    /// Off: each company's data is reached only from its own terminals.
    pub accept_agency_terminals: bool,
    /// Validity of the terminal certificates the gateway issues, in days.
    pub certificate_days: u32,
    /// The deployment's offset from UTC in minutes (540 = JST), for the
    /// `hour` and `weekday` that policies see.
    pub utc_offset_minutes: i32,
    /// When positive, protected data is reachable only from a terminal
    /// whose last posture report met the measures and is at most this many
    /// hours old (policy `terminal-posture-for-data`). 0: not required.
    pub posture_max_age_hours: u32,
    /// Protected data is reachable only by people whose line on their
    /// company's handler roster the agency confirmed (policy
    /// `handler-on-confirmed-roster`). Off by default so that a gateway
    /// upgraded from a release without rosters keeps working until the
    /// rosters are entered; the standard asks for it.
    pub require_confirmed_roster: bool,
    /// When positive, protected data is reachable only by people whose last
    /// recorded security training is at most this many days old (policy
    /// `handler-training-current`; the standard: at least once a year, so
    /// 365). 0: not required.
    pub training_valid_days: u32,
    /// Protected data of a contract is reachable only by handlers with a
    /// training on designation (course `designation`) recorded on or after
    /// the day they were designated to it (policy
    /// `handler-trained-on-designation`; the standard: training whenever a
    /// handler is newly designated). Off by default, like the roster.
    pub require_designation_training: bool,
    /// Protected data is reachable only by people whose written consent as
    /// protected-system users (第5-2(2)ア: a protected system; monitored,
    /// logged and audited; legal liability) is recorded (policy
    /// `system-user-consented`). Off by default, like the roster.
    pub require_system_use_consent: bool,
}

impl Default for ZeroTrustConfig {
    fn default() -> Self {
        Self {
            accept_agency_terminals: false,
            certificate_days: 397,
            utc_offset_minutes: 540,
            posture_max_age_hours: 0,
            require_confirmed_roster: false,
            training_valid_days: 0,
            require_designation_training: false,
            require_system_use_consent: false,
        }
    }
}

/// Listener settings.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ServerConfig {
    /// Address to listen on.
    pub listen: SocketAddr,
    /// Serve plain HTTP instead of TLS. Only allowed on a loopback address,
    /// for local development.
    pub danger_plain_http: bool,
    /// DNS names (besides localhost) for the generated server certificate.
    pub tls_names: Vec<String>,
    /// Proxies whose `X-Forwarded-For` is believed for the client address.
    pub trusted_proxies: Vec<IpAddr>,
}

/// Where data and keys live.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct StorageConfig {
    /// Database and local blobs.
    pub data_dir: PathBuf,
    /// Master key and TLS material; must not be inside `data_dir`.
    pub key_dir: PathBuf,
    /// Database URL; default `sqlite://<data_dir>/dsg.db`.
    pub database_url: Option<String>,
    /// `local` or `s3`.
    pub blob_backend: BlobBackend,
    /// S3 settings, when `blob_backend = "s3"`.
    pub s3: Option<S3Config>,
}

/// Which blob store to use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BlobBackend {
    /// `<data_dir>/blobs`.
    Local,
    /// An S3-compatible bucket.
    S3,
}

/// An S3-compatible bucket.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct S3Config {
    /// Endpoint URL.
    pub endpoint: String,
    /// Bucket.
    pub bucket: String,
    /// Region.
    #[serde(default = "default_region")]
    pub region: String,
    /// Access key id.
    pub access_key_id: String,
    /// Secret access key (prefer `DSG_STORAGE__S3__SECRET_ACCESS_KEY_FILE`).
    pub secret_access_key: String,
    /// Allow an `http://` endpoint (loopback test servers).
    #[serde(default)]
    pub allow_http: bool,
}

fn default_region() -> String {
    "us-east-1".to_owned()
}

/// Size limits.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LimitsConfig {
    /// Largest file accepted, in bytes.
    pub max_file_bytes: u64,
    /// Quota of a newly opened compartment, in bytes.
    pub compartment_quota_bytes: u64,
    /// Uploads are refused when they would leave less than this free on the
    /// data volume, so a full disk never stops the audit log.
    pub free_space_reserve_bytes: u64,
    /// A version up to this size (plaintext bytes) is read through and
    /// checked before its first byte is sent, so damage is answered with a
    /// clear error instead of a reset mid-stream; larger ones are checked
    /// while they stream. 0 checks nothing in advance.
    pub verify_before_send_bytes: u64,
}

/// Authentication, sessions and lockout.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AuthConfig {
    /// Idle timeout of a session, in minutes.
    pub session_idle_minutes: u32,
    /// Absolute lifetime of a session, in hours.
    pub session_absolute_hours: u32,
    /// Most concurrent sessions per user; a new login ends the oldest.
    pub max_sessions_per_user: u32,
    /// How long a login or a step-up counts as fresh for sensitive actions
    /// (deleting files, designating handlers, managing accounts), in minutes.
    pub step_up_minutes: u32,
    /// argon2id memory cost in KiB (OWASP: at least 19456).
    pub argon2_memory_kib: u32,
    /// argon2id iterations (OWASP: at least 2).
    pub argon2_iterations: u32,
    /// Failed login steps that lock an account…
    pub lockout_threshold: u32,
    /// …within this many minutes.
    pub lockout_window_minutes: u32,
    /// How long a lockout lasts, in minutes; 0 locks until an operator unlocks.
    pub lockout_minutes: u32,
    /// Failed login steps of one account from one source address (within
    /// the lockout window) after which that source must wait before its
    /// next attempt on the account is even checked…
    pub throttle_after_failures: u32,
    /// …this many seconds, doubling with each further failure (at most the
    /// lockout window). See SECURITY.md for how this and the lockout relate.
    pub throttle_delay_seconds: u32,
    /// Login attempts one source address may make per minute.
    pub login_attempts_per_minute: u32,
    /// WebAuthn relying-party id (the gateway's DNS name). Default: the
    /// first of `server.tls_names`, else `localhost`.
    pub rp_id: Option<String>,
    /// The origin browsers use, e.g. `https://dsg.example.go.jp`. Default:
    /// `https://<rp_id>:<listen port>` (`http://` with `danger_plain_http`).
    pub rp_origin: Option<String>,
    /// Allow TOTP (RFC 6238) as a fallback second factor. Off by default:
    /// it is phishable. See `totp_reaches_protected_data`.
    pub totp_fallback: bool,
    /// Whether a TOTP session may reach protected data (otherwise it reaches
    /// only self-service and administration).
    pub totp_reaches_protected_data: bool,
    /// How long an enrolment link stays valid, in hours.
    pub enrolment_link_hours: u32,
    /// Shortest password accepted, in characters.
    pub min_password_chars: u32,
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 8443)),
            danger_plain_http: false,
            tls_names: Vec::new(),
            trusted_proxies: Vec::new(),
        }
    }
}

impl Default for StorageConfig {
    fn default() -> Self {
        Self {
            data_dir: PathBuf::from("dsg-data"),
            key_dir: PathBuf::from("dsg-keys"),
            database_url: None,
            blob_backend: BlobBackend::Local,
            s3: None,
        }
    }
}

impl Default for LimitsConfig {
    fn default() -> Self {
        Self {
            max_file_bytes: 16 * 1024 * 1024 * 1024,
            compartment_quota_bytes: 200 * 1024 * 1024 * 1024,
            free_space_reserve_bytes: 2 * 1024 * 1024 * 1024,
            verify_before_send_bytes: 64 * 1024 * 1024,
        }
    }
}

impl Default for AuthConfig {
    fn default() -> Self {
        Self {
            session_idle_minutes: 15,
            session_absolute_hours: 8,
            max_sessions_per_user: 3,
            step_up_minutes: 5,
            argon2_memory_kib: 19456,
            argon2_iterations: 2,
            lockout_threshold: 5,
            lockout_window_minutes: 15,
            lockout_minutes: 30,
            throttle_after_failures: 3,
            throttle_delay_seconds: 1,
            login_attempts_per_minute: 30,
            rp_id: None,
            rp_origin: None,
            totp_fallback: false,
            totp_reaches_protected_data: false,
            enrolment_link_hours: 72,
            min_password_chars: 12,
        }
    }
}

impl Config {
    /// Reads the TOML file (if given), applies `DSG_*` overrides from `env`
    /// and validates the result.
    pub fn load(
        file: Option<&Path>,
        env: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Self, ConfigError> {
        let text = match file {
            Some(path) => std::fs::read_to_string(path)
                .map_err(|e| ConfigError(format!("cannot read {}: {e}", path.display())))?,
            None => String::new(),
        };
        let mut tree: toml::Table =
            toml::from_str(&text).map_err(|e| ConfigError(format!("config file: {e}")))?;
        for (name, value) in env {
            apply_env(&mut tree, &name, value)?;
        }
        let config: Config = toml::Value::Table(tree)
            .try_into()
            .map_err(|e: toml::de::Error| ConfigError(e.to_string()))?;
        config.validate()?;
        Ok(config)
    }

    /// The database URL, defaulting to SQLite in the data directory.
    pub fn database_url(&self) -> String {
        match &self.storage.database_url {
            Some(url) => url.clone(),
            None => format!(
                "sqlite://{}?mode=rwc",
                self.storage.data_dir.join("dsg.db").display()
            ),
        }
    }

    fn validate(&self) -> Result<(), ConfigError> {
        if self.server.danger_plain_http && !self.server.listen.ip().is_loopback() {
            return Err(ConfigError(
                "server.danger_plain_http is only allowed on a loopback address".into(),
            ));
        }
        if self.storage.blob_backend == BlobBackend::S3 && self.storage.s3.is_none() {
            return Err(ConfigError(
                "storage.blob_backend = \"s3\" needs a [storage.s3] section".into(),
            ));
        }
        if self.auth.session_idle_minutes == 0 || self.auth.session_absolute_hours == 0 {
            return Err(ConfigError("session lifetimes must be positive".into()));
        }
        if self.limits.max_file_bytes == 0 {
            return Err(ConfigError("limits.max_file_bytes must be positive".into()));
        }
        self.audit.validate()?;
        self.keys.validate()?;
        self.alerts.validate()?;
        if self.auth.argon2_memory_kib < 8 || self.auth.argon2_iterations < 1 {
            return Err(ConfigError("argon2 cost too low".into()));
        }
        let auth = &self.auth;
        if auth.max_sessions_per_user == 0
            || auth.step_up_minutes == 0
            || auth.lockout_threshold == 0
            || auth.lockout_window_minutes == 0
            || auth.throttle_after_failures == 0
            || auth.login_attempts_per_minute == 0
            || auth.enrolment_link_hours == 0
        {
            return Err(ConfigError(
                "auth: session, step-up, lockout, rate and enrolment limits must be positive"
                    .into(),
            ));
        }
        if auth.min_password_chars < 8 {
            return Err(ConfigError(
                "auth.min_password_chars must be at least 8".into(),
            ));
        }
        if auth.totp_reaches_protected_data && !auth.totp_fallback {
            return Err(ConfigError(
                "auth.totp_reaches_protected_data needs auth.totp_fallback".into(),
            ));
        }
        let zt = &self.zero_trust;
        if zt.certificate_days == 0 || zt.certificate_days > 825 {
            return Err(ConfigError(
                "zero_trust.certificate_days must be between 1 and 825".into(),
            ));
        }
        if zt.utc_offset_minutes.abs() > 14 * 60 {
            return Err(ConfigError(
                "zero_trust.utc_offset_minutes must be within ±840".into(),
            ));
        }
        if zt.training_valid_days > 3 * 365 {
            return Err(ConfigError(
                "zero_trust.training_valid_days must be at most 1095 (0: not required)".into(),
            ));
        }
        self.proxy_listener.validate(&self.server)?;
        let origin = self.rp_origin();
        if url::Url::parse(&origin).map_or(true, |u| u.host_str() != Some(self.rp_id().as_str())) {
            return Err(ConfigError(format!(
                "auth.rp_origin ({origin}) must be a URL whose host is auth.rp_id ({})",
                self.rp_id()
            )));
        }
        Ok(())
    }

    /// The WebAuthn relying-party id in force.
    pub fn rp_id(&self) -> String {
        self.auth
            .rp_id
            .clone()
            .or_else(|| self.server.tls_names.first().cloned())
            .unwrap_or_else(|| "localhost".to_owned())
    }

    /// The origin browsers use, in force.
    pub fn rp_origin(&self) -> String {
        self.auth.rp_origin.clone().unwrap_or_else(|| {
            let scheme = if self.server.danger_plain_http {
                "http"
            } else {
                "https"
            };
            format!("{scheme}://{}:{}", self.rp_id(), self.server.listen.port())
        })
    }
}

/// Applies one `DSG_SECTION__KEY[_FILE]` variable to the TOML tree.
fn apply_env(tree: &mut toml::Table, name: &str, value: String) -> Result<(), ConfigError> {
    let Some(rest) = name.strip_prefix("DSG_") else {
        return Ok(());
    };
    if !rest.contains("__") {
        // Not a configuration key (e.g. DSG_LOG); leave it to its user.
        return Ok(());
    }
    let (rest, value) = match rest.strip_suffix("_FILE") {
        Some(key) => {
            let secret = std::fs::read_to_string(&value)
                .map_err(|e| ConfigError(format!("{name}: cannot read {value}: {e}")))?;
            (
                key,
                toml::Value::String(secret.trim_end_matches(['\n', '\r']).to_owned()),
            )
        }
        None => (rest, parse_env_value(&value)),
    };
    let path: Vec<String> = rest.split("__").map(str::to_ascii_lowercase).collect();
    let Some((last, sections)) = path.split_last() else {
        return Ok(());
    };
    let mut table = tree;
    for section in sections {
        let entry = table
            .entry(section.clone())
            .or_insert_with(|| toml::Value::Table(toml::Table::new()));
        table = entry
            .as_table_mut()
            .ok_or_else(|| ConfigError(format!("{name}: {section} is not a section")))?;
    }
    table.insert(last.clone(), value);
    Ok(())
}

/// Environment values are TOML values where they parse as one (numbers,
/// booleans, arrays), else plain strings.
fn parse_env_value(raw: &str) -> toml::Value {
    let wrapped = format!("v = {raw}");
    match toml::from_str::<toml::Table>(&wrapped) {
        Ok(mut t) => t
            .remove("v")
            .unwrap_or_else(|| toml::Value::String(raw.to_owned())),
        Err(_) => toml::Value::String(raw.to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn the_example_file_is_the_defaults_and_zero_trust_is_checked() {
        let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../dsg.example.toml");
        let c = Config::load(Some(&example), []).unwrap();
        assert_eq!(c.zero_trust.certificate_days, 397);
        assert!(!c.zero_trust.accept_agency_terminals);
        assert_eq!(c.zero_trust.utc_offset_minutes, 540);
        for (key, value) in [
            ("DSG_ZERO_TRUST__CERTIFICATE_DAYS", "0"),
            ("DSG_ZERO_TRUST__CERTIFICATE_DAYS", "900"),
            ("DSG_ZERO_TRUST__UTC_OFFSET_MINUTES", "900"),
            ("DSG_ZERO_TRUST__TRAINING_VALID_DAYS", "1096"),
        ] {
            assert!(
                Config::load(None, env(&[(key, value)])).is_err(),
                "{key}={value}"
            );
        }
    }

    #[test]
    fn defaults_are_valid_and_tls_is_on() {
        let c = Config::load(None, []).unwrap();
        assert!(!c.server.danger_plain_http);
        assert!(c.database_url().starts_with("sqlite://"));
    }

    #[test]
    fn env_overrides_file_and_secrets_come_from_files() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("dsg.toml");
        std::fs::write(&file, "[server]\nlisten = \"127.0.0.1:1000\"\n").unwrap();
        let secret = dir.path().join("db");
        std::fs::write(&secret, "postgres://u:p@localhost/db\n").unwrap();
        let c = Config::load(
            Some(&file),
            env(&[
                ("DSG_SERVER__LISTEN", "127.0.0.1:2000"),
                ("DSG_LIMITS__MAX_FILE_BYTES", "1024"),
                ("DSG_STORAGE__DATABASE_URL_FILE", secret.to_str().unwrap()),
                ("DSG_LOG", "debug"),
                ("HOME", "/root"),
            ]),
        )
        .unwrap();
        assert_eq!(c.server.listen.port(), 2000);
        assert_eq!(c.limits.max_file_bytes, 1024);
        assert_eq!(c.database_url(), "postgres://u:p@localhost/db");
    }

    #[test]
    fn unknown_keys_and_unsafe_values_are_refused() {
        assert!(Config::load(None, env(&[("DSG_SERVER__LISTN", "x")])).is_err());
        assert!(Config::load(None, env(&[("DSG_NOSUCH__KEY", "1")])).is_err());
        let plain_public = env(&[
            ("DSG_SERVER__LISTEN", "0.0.0.0:8080"),
            ("DSG_SERVER__DANGER_PLAIN_HTTP", "true"),
        ]);
        assert!(Config::load(None, plain_public).is_err());
        assert!(Config::load(None, env(&[("DSG_STORAGE__BLOB_BACKEND", "s3")])).is_err());
        let c = Config::load(None, env(&[("DSG_AUDIT__CHECKPOINT_SECONDS", "1")])).unwrap();
        assert_eq!(c.audit.checkpoint_seconds, 1);
        // 0, the default: a checkpoint after every sequenced batch.
        assert_eq!(Config::load(None, []).unwrap().audit.checkpoint_seconds, 0);
    }

    #[test]
    fn the_proxy_listener_is_off_by_default_and_checked_when_on() {
        let c = Config::load(None, []).unwrap();
        assert!(!c.proxy_listener.enabled);
        assert_eq!(c.proxy_listener.certificate_header, "x-client-cert");
        let on = [
            ("DSG_PROXY_LISTENER__ENABLED", "true"),
            ("DSG_PROXY_LISTENER__LISTEN", "127.0.0.1:9444"),
            ("DSG_PROXY_LISTENER__CLIENT_CA", "/etc/dsg/proxy-ca.pem"),
        ];
        let c = Config::load(None, env(&on)).unwrap();
        assert!(c.proxy_listener.enabled);
        assert_eq!(c.proxy_listener.listen.port(), 9444);
        assert_eq!(
            c.proxy_listener.client_ca.as_deref(),
            Some(Path::new("/etc/dsg/proxy-ca.pem"))
        );
        // No client CA, plain HTTP, the main listener's address, a header
        // the gateway reads for itself, an unknown key: refused.
        for extra in [
            ("DSG_PROXY_LISTENER__CLIENT_CA", ""),
            ("DSG_SERVER__DANGER_PLAIN_HTTP", "true"),
            ("DSG_PROXY_LISTENER__LISTEN", "127.0.0.1:8443"),
            ("DSG_PROXY_LISTENER__CERTIFICATE_HEADER", "cookie"),
            ("DSG_PROXY_LISTENER__CERTIFICATE_HEADER", "x client cert"),
            ("DSG_PROXY_LISTENER__CLIENT_CERT", "x"),
        ] {
            let mut pairs = env(&on);
            if extra.1.is_empty() {
                pairs.retain(|(k, _)| k != extra.0);
            } else {
                pairs.push((extra.0.to_owned(), extra.1.to_owned()));
            }
            assert!(Config::load(None, pairs).is_err(), "{extra:?}");
        }
    }
}
