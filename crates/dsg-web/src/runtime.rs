//! Wiring the gateway from its configuration: directories, master key, TLS
//! material, database, blob store, policy.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use dsg_blob::{BlobStore, S3Settings};
use dsg_core::Clock;
use dsg_crypto::{
    FileKeyProvider, KeyProvider, PasswordHasher, PasswordParams, SecretString, SystemRandom,
};
use dsg_store::Store;

use dsg_app::{load_active_policy, load_or_create_terminal_ca};
use dsg_app::config::{BlobBackend, Config};
use crate::tls::{ensure_material, server_config, TlsPaths};
use crate::App;

/// Why the gateway could not start.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct StartError(pub String);

fn fail(context: &str) -> impl FnOnce(String) -> StartError + '_ {
    move |e| StartError(format!("{context}: {e}"))
}

/// How strictly to check the key material.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyChecks {
    /// Production: the master key file must be private (0600) and outside
    /// the data directory.
    Strict,
    /// `--demo` only: skip the checks so a throwaway setup runs anywhere.
    DangerRelaxedForDemo,
}

/// A gateway ready to serve.
pub struct Gateway {
    /// The application.
    pub app: App,
    /// TLS configuration, unless plain HTTP was chosen for development.
    pub tls: Option<Arc<rustls::ServerConfig>>,
    /// TLS configuration of the proxy listener (client certificate of
    /// `proxy_listener.client_ca` required), when it is enabled.
    pub proxy_tls: Option<Arc<rustls::ServerConfig>>,
    /// Where the gateway CA certificate is, for clients to trust.
    pub ca_cert: PathBuf,
}

/// The first operator's one-time enrolment link, printed at first start.
pub struct BootstrapCredential {
    /// Login name.
    pub username: String,
    /// Path and token of the enrolment link (`/enrol?token=…`), shown once.
    pub enrolment_path: SecretString,
}

fn master_key_path(config: &Config) -> PathBuf {
    config.storage.key_dir.join("master.key")
}

fn is_within(inner: &Path, outer: &Path) -> bool {
    match (inner.canonicalize(), outer.canonicalize()) {
        (Ok(a), Ok(b)) => a.starts_with(b),
        _ => false,
    }
}

fn create_private_dir(path: &Path) -> Result<(), StartError> {
    use std::os::unix::fs::DirBuilderExt;
    if !path.exists() {
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(path)
            .map_err(|e| StartError(format!("cannot create {}: {e}", path.display())))?;
    }
    Ok(())
}

/// Creates what a first start needs (directories, master key, TLS
/// material) and opens everything. Refuses to start if the master key could
/// leak with the data directory.
pub async fn open(
    config: Config,
    checks: KeyChecks,
    clock: Arc<dyn Clock>,
) -> Result<Gateway, StartError> {
    let storage = &config.storage;
    create_private_dir(&storage.data_dir)?;
    create_private_dir(&storage.key_dir)?;
    if checks == KeyChecks::Strict
        && (is_within(&storage.key_dir, &storage.data_dir)
            || is_within(&storage.data_dir, &storage.key_dir))
    {
        return Err(StartError(format!(
            "the key directory ({}) and the data directory ({}) must not contain each other: \
             a copy of the data must never include the master key",
            storage.key_dir.display(),
            storage.data_dir.display()
        )));
    }
    let rng = SystemRandom::new();
    let key_path = master_key_path(&config);
    if !key_path.exists() {
        FileKeyProvider::create(&key_path, &rng).map_err(|e| fail("master key")(e.to_string()))?;
        tracing::info!(path = %key_path.display(), "created the master key");
    }
    let provider = FileKeyProvider::new(key_path);
    if checks == KeyChecks::Strict {
        provider
            .check_permissions()
            .map_err(|e| StartError(e.to_string()))?;
    }
    let master_key = provider
        .master_key()
        .map_err(|e| StartError(e.to_string()))?;

    let tls_paths = TlsPaths::in_key_dir(&storage.key_dir);
    if !config.server.danger_plain_http {
        let now = time::OffsetDateTime::from_unix_timestamp(clock.now_ms() / 1000)
            .map_err(|e| StartError(e.to_string()))?;
        ensure_material(&tls_paths, &config.server.tls_names, now)
            .map_err(|e| StartError(e.to_string()))?;
    }

    let store = Store::connect(&config.database_url())
        .await
        .map_err(|e| fail("database")(e.to_string()))?;
    let blobs = match storage.blob_backend {
        BlobBackend::Local => BlobStore::local(&storage.data_dir.join("blobs")),
        BlobBackend::S3 => {
            let s3 = storage
                .s3
                .as_ref()
                .ok_or_else(|| StartError("storage.s3 missing".into()))?;
            BlobStore::s3(&S3Settings {
                endpoint: s3.endpoint.clone(),
                bucket: s3.bucket.clone(),
                region: s3.region.clone(),
                access_key_id: s3.access_key_id.clone(),
                secret_access_key: s3.secret_access_key.clone(),
                allow_http: s3.allow_http,
            })
        }
    }
    .map_err(|e| fail("blob store")(e.to_string()))?;
    let policy = load_active_policy(&store, clock.now_ms())
        .await
        .map_err(fail("policy"))?;
    let hasher = PasswordHasher::new(PasswordParams {
        m_cost_kib: config.auth.argon2_memory_kib,
        t_cost: config.auth.argon2_iterations,
        p_cost: 1,
    })
    .map_err(|e| fail("password hashing")(e.to_string()))?;
    let terminal_ca = load_or_create_terminal_ca(&store, &master_key, clock.now_ms(), &rng)
        .await
        .map_err(|e| fail("terminal CA")(e.to_string()))?;
    let client_verifier = terminal_ca
        .client_verifier()
        .map_err(|e| fail("terminal CA")(e.to_string()))?;
    let tls = if config.server.danger_plain_http {
        None
    } else {
        Some(server_config(&tls_paths, client_verifier).map_err(|e| StartError(e.to_string()))?)
    };
    let proxy_tls = match &config.proxy_listener.client_ca {
        Some(client_ca) if config.proxy_listener.enabled => Some(
            crate::tls::proxy_server_config(&tls_paths, client_ca)
                .map_err(|e| fail("proxy_listener.client_ca")(e.to_string()))?,
        ),
        _ => None,
    };
    let app = App::new(
        store,
        blobs,
        policy,
        master_key,
        hasher,
        clock,
        Arc::new(rng),
        config,
        terminal_ca,
    )
    .map_err(|e| fail("identity")(e.to_string()))?;
    Ok(Gateway {
        app,
        tls,
        proxy_tls,
        ca_cert: tls_paths.ca_cert,
    })
}

/// On an empty database, creates the agency and its first operator, pending
/// enrolment, with a one-time enrolment link.
pub async fn bootstrap_if_empty(app: &App) -> Result<Option<BootstrapCredential>, StartError> {
    let empty = app
        .store()
        .has_no_users()
        .await
        .map_err(|e| fail("database")(e.to_string()))?;
    if !empty {
        return Ok(None);
    }
    let username = "operator".to_owned();
    let issued = app
        .bootstrap("調達機関 (Agency)", &username)
        .await
        .map_err(|e| fail("bootstrap")(e.to_string()))?;
    Ok(Some(BootstrapCredential {
        username,
        enrolment_path: enrolment_path(&issued.enrolment_token),
    }))
}

/// The path of an enrolment link for `token`.
pub fn enrolment_path(token: &SecretString) -> SecretString {
    SecretString::new(format!("/enrol?token={}", token.expose()))
}
